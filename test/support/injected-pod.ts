import { parse } from 'yaml';

/**
 * Pods as Istio's sidecar injector leaves them, which is what a validating
 * admission policy sees (it runs after every mutating webhook). Each step
 * follows istio/istio (1.30) source:
 * - whether to inject: pkg/kube/inject/inject.go `injectRequired` (before
 *   1.27: y, yes, true, on inject, any other value does not; since 1.27 only
 *   "true" and "false" count, anything else takes the namespace's default);
 * - what is added: manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
 *   (labels, annotations, istio-init or istio-validation, istio-proxy);
 * - a pod's own container of the same name wins over the template's and is
 *   recorded in `proxy.istio.io/overrides`: pkg/kube/inject/webhook.go
 *   `reapplyOverwrittenContainers`;
 * - `sidecar.istio.io/status` and the container order: webhook.go
 *   `getInjectionStatus`, `reorderPod`.
 * Only what the guard reads is modelled; volumes and probes are left out.
 */

type Obj = Record<string, any>;

/** The install's side of injection: Istio CNI, native sidecars, the mesh-wide values. */
export interface Mesh {
  /** values.pilot.cni.enabled: istio-validation instead of istio-init, capture values as annotations. */
  cni?: boolean;
  /** Native sidecars (ENABLE_NATIVE_SIDECARS, on by default since 1.27 where nodes support them). */
  native?: boolean;
  /** Istio minor version (the inject switch changed in 1.27). Default 30. */
  minor?: number;
  /** values.global.proxy.* */
  includeIPRanges?: string;
  excludeIPRanges?: string;
  includeOutboundPorts?: string;
  excludeOutboundPorts?: string;
  /** meshConfig.defaultConfig */
  interceptionMode?: string;
  proxyMetadata?: Record<string, string>;
}

const INJECT = 'sidecar.istio.io/inject';

/** Whether the injector injects this pod (its namespace enabled for injection). */
export function injectionRequired(pod: Obj, minor = 30): boolean {
  if (pod.spec.hostNetwork) return false;
  const value: string = pod.metadata.labels?.[INJECT] ?? pod.metadata.annotations?.[INJECT] ?? '';
  if (value === '') return true;
  if (minor < 27) return ['y', 'yes', 'true', 'on'].includes(value.toLowerCase());
  return value !== 'false';
}

/** The pod after injection, or the pod itself when the injector skips it. */
export function injectPod(input: Obj, mesh: Mesh = {}): Obj {
  const pod = structuredClone(input);
  if (!injectionRequired(pod, mesh.minor)) return pod;
  const annotations: Record<string, string> = pod.metadata.annotations ?? {};
  const labels: Record<string, string> = pod.metadata.labels ?? {};
  const ann = (key: string, dflt: string) => (key in annotations ? annotations[key] : dflt);
  // The effective ProxyConfig: the mesh's, with the pod's proxy.istio.io/config over it.
  const own = (parse(annotations['proxy.istio.io/config'] ?? '{}') ?? {}) as Obj;
  const proxyMetadata = { ...mesh.proxyMetadata, ...own.proxyMetadata } as Record<string, string>;
  const configMode = own.interceptionMode ?? mesh.interceptionMode ?? 'REDIRECT';
  const mode = ann('sidecar.istio.io/interceptionMode', configMode);
  const tproxy = mode === 'TPROXY';
  const native = ann('sidecar.istio.io/nativeSidecar', String(mesh.native ?? false)) !== 'false';
  const includeRanges = ann(
    'traffic.sidecar.istio.io/includeOutboundIPRanges',
    mesh.includeIPRanges ?? '*',
  );
  const excludeRanges = ann(
    'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    mesh.excludeIPRanges ?? '',
  );
  const includeInbound = ann('traffic.sidecar.istio.io/includeInboundPorts', '*');
  // template.go excludeInboundPort: the pod's list with the status port (15020) appended.
  const excludeInbound = [ann('traffic.sidecar.istio.io/excludeInboundPorts', ''), '15020']
    .filter(Boolean)
    .join(',');
  const includeOut = ann(
    'traffic.sidecar.istio.io/includeOutboundPorts',
    mesh.includeOutboundPorts ?? '',
  );
  const excludeOut = ann(
    'traffic.sidecar.istio.io/excludeOutboundPorts',
    mesh.excludeOutboundPorts ?? '',
  );
  const appNames = pod.spec.containers
    .map((c: Obj) => c.name)
    .filter((n: string) => n !== 'istio-proxy');

  // The template's metadata.
  const templateLabels = {
    'security.istio.io/tlsMode': labels['security.istio.io/tlsMode'] ?? 'istio',
    'service.istio.io/canonical-name':
      labels['service.istio.io/canonical-name'] ??
      labels['app.kubernetes.io/name'] ??
      labels.app ??
      pod.metadata.name,
    'service.istio.io/canonical-revision':
      labels['service.istio.io/canonical-revision'] ??
      labels['app.kubernetes.io/version'] ??
      labels.version ??
      'latest',
  };
  const templateAnnotations: Record<string, string> = { 'istio.io/rev': 'default' };
  if (appNames.length > 0) {
    templateAnnotations['kubectl.kubernetes.io/default-logs-container'] = appNames[0];
    templateAnnotations['kubectl.kubernetes.io/default-container'] = appNames[0];
  }
  if (mesh.cni) {
    const t = 'traffic.sidecar.istio.io';
    Object.assign(templateAnnotations, {
      'sidecar.istio.io/interceptionMode': mode,
      ...(includeRanges ? { [`${t}/includeOutboundIPRanges`]: includeRanges } : {}),
      ...(excludeRanges ? { [`${t}/excludeOutboundIPRanges`]: excludeRanges } : {}),
      [`${t}/includeInboundPorts`]: includeInbound,
      [`${t}/excludeInboundPorts`]: excludeInbound,
      ...(includeOut ? { [`${t}/includeOutboundPorts`]: includeOut } : {}),
      ...(excludeOut ? { [`${t}/excludeOutboundPorts`]: excludeOut } : {}),
    });
    for (const k of [
      `${t}/kubevirtInterfaces`,
      'istio.io/reroute-virtual-interfaces',
      `${t}/excludeInterfaces`,
    ])
      if (k in annotations) templateAnnotations[k] = annotations[k];
  }
  for (const k of [
    'kubectl.kubernetes.io/default-logs-container',
    'kubectl.kubernetes.io/default-container',
  ])
    if (k in annotations) delete templateAnnotations[k];

  // The template's containers.
  const env = Object.entries(proxyMetadata).map(([name, value]) => ({ name, value }));
  const inits: Obj[] = [];
  if (mode !== 'NONE') {
    const excludeInterfaces = annotations['traffic.sidecar.istio.io/excludeInterfaces'];
    const virtual =
      annotations['istio.io/reroute-virtual-interfaces'] ??
      annotations['traffic.sidecar.istio.io/kubevirtInterfaces'];
    inits.push({
      name: mesh.cni ? 'istio-validation' : 'istio-init',
      image: 'docker.io/istio/proxyv2:1.30.0',
      args: [
        'istio-iptables',
        ...['-p', '15001', '-z', '15006', '-u', '1337', '-m', mode],
        ...['-i', includeRanges, '-x', excludeRanges, '-b', includeInbound],
        ...['-d', `15090,15021,${excludeInbound}`],
        ...(includeOut ? ['-q', includeOut] : []),
        ...(excludeOut ? ['-o', excludeOut] : []),
        ...(virtual !== undefined ? ['-k', virtual] : []),
        ...(excludeInterfaces !== undefined ? ['-c', excludeInterfaces] : []),
        '--log_output_level=default:info',
        ...(mesh.cni ? ['--run-validation', '--skip-rule-apply'] : []),
      ],
      ...(env.length > 0 ? { env } : {}),
      securityContext: mesh.cni
        ? {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ['ALL'] },
            readOnlyRootFilesystem: true,
            runAsGroup: 1337,
            runAsUser: 1337,
            runAsNonRoot: true,
          }
        : {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
            readOnlyRootFilesystem: false,
            runAsGroup: 0,
            runAsNonRoot: false,
            runAsUser: 0,
          },
    });
  }
  const proxy: Obj = {
    name: 'istio-proxy',
    image: 'docker.io/istio/proxyv2:1.30.0',
    ...(native ? { restartPolicy: 'Always' } : {}),
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    args: [
      'proxy',
      'sidecar',
      '--domain',
      '$(POD_NAMESPACE).svc.cluster.local',
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
    ],
    env: [
      { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
      { name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' },
      { name: 'ISTIO_META_APP_CONTAINERS', value: appNames.join(',') },
      { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
      {
        name: 'ISTIO_META_INTERCEPTION_MODE',
        value: annotations['sidecar.istio.io/interceptionMode'] || configMode,
      },
      ...env,
    ],
    securityContext: tproxy
      ? {
          allowPrivilegeEscalation: false,
          capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: false,
          runAsUser: 0,
          runAsGroup: 1337,
        }
      : {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 1337,
          runAsGroup: 1337,
        },
  };
  const template = {
    containers: native ? [] : [proxy],
    initContainers: mode === 'NONE' && !native ? [] : native ? [...inits, proxy] : inits,
  };

  // Merge: the template over the pod (strategic merge by container name); with native sidecars a pod's own
  // istio-proxy container moves to the init containers first (inject.go RunTemplate).
  const original = structuredClone(pod);
  let containers: Obj[] = pod.spec.containers;
  let initContainers: Obj[] = pod.spec.initContainers ?? [];
  if (native && containers.some((c) => c.name === 'istio-proxy')) {
    initContainers = [...initContainers, ...containers.filter((c) => c.name === 'istio-proxy')];
    containers = containers.filter((c) => c.name !== 'istio-proxy');
  }
  const overlay = (list: Obj[], add: Obj[]) => {
    const out = list.map((c) => {
      const t = add.find((x) => x.name === c.name);
      return t ? { ...c, ...t } : c;
    });
    return [...out, ...add.filter((t) => !list.some((c) => c.name === t.name))];
  };
  containers = overlay(containers, template.containers);
  initContainers = overlay(initContainers, template.initContainers);
  // reapplyOverwrittenContainers: the pod's own container of a template name wins, and is recorded.
  const overrides: { containers?: Obj[]; initContainers?: Obj[] } = {};
  const reapply = (
    list: Obj[],
    names: string[],
    find: (n: string) => Obj | undefined,
    key: 'containers' | 'initContainers',
  ) =>
    list.map((c) => {
      if (!names.includes(c.name)) return c;
      const mine = find(c.name);
      if (!mine) return c;
      (overrides[key] ??= []).push(mine);
      return { ...c, ...mine };
    });
  const originalAll = [...original.spec.containers, ...(original.spec.initContainers ?? [])];
  containers = reapply(
    containers,
    template.containers.map((c) => c.name),
    (n) => original.spec.containers.find((c: Obj) => c.name === n),
    'containers',
  );
  initContainers = reapply(
    initContainers,
    template.initContainers.map((c) => c.name),
    (n) => originalAll.find((c: Obj) => c.name === n),
    'initContainers',
  );

  // reorderPod.
  const byName = (list: Obj[], name: string) => list.filter((c) => c.name === name);
  const without = (list: Obj[], names: string[]) => list.filter((c) => !names.includes(c.name));
  containers = [...without(containers, ['istio-proxy']), ...byName(containers, 'istio-proxy')];
  if (initContainers.some((c) => c.name === 'istio-proxy')) {
    initContainers = [
      ...byName(initContainers, 'istio-init'),
      ...byName(initContainers, 'istio-validation'),
      ...byName(initContainers, 'istio-proxy'),
      ...without(initContainers, ['istio-init', 'istio-validation', 'istio-proxy']),
    ];
  } else {
    initContainers = [
      ...byName(initContainers, 'istio-validation'),
      ...without(initContainers, ['istio-init', 'istio-validation']),
      ...byName(initContainers, 'istio-init'),
    ];
  }

  const status = {
    initContainers:
      template.initContainers.length > 0 ? template.initContainers.map((c) => c.name) : null,
    containers: template.containers.length > 0 ? template.containers.map((c) => c.name) : null,
    volumes: [
      'workload-socket',
      'credential-socket',
      'workload-certs',
      'istio-envoy',
      'istio-data',
      'istio-podinfo',
      'istio-token',
      'istiod-ca-cert',
      'istio-ca-crl',
    ],
    imagePullSecrets: null,
    revision: 'default',
  };
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      labels: { ...labels, ...templateLabels },
      annotations: {
        ...annotations,
        ...templateAnnotations,
        ...(overrides.containers || overrides.initContainers
          ? { 'proxy.istio.io/overrides': JSON.stringify(overrides) }
          : {}),
        'sidecar.istio.io/status': JSON.stringify(status),
      },
    },
    spec: {
      ...pod.spec,
      containers,
      ...(initContainers.length > 0 ? { initContainers } : {}),
    },
  };
}

/** An application pod as a Deployment would create it in `namespace`, before injection. */
export function appPod(
  namespace: string,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string>; spec?: Obj } = {},
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7d4b9c-x2x9q',
      namespace,
      labels: { app: 'web', ...extra.labels },
      ...(extra.annotations ? { annotations: { ...extra.annotations } } : {}),
    },
    spec: {
      serviceAccountName: 'web',
      containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }],
      ...extra.spec,
    },
  };
}
