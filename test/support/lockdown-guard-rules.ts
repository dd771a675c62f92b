import { admission, podRequest, type AdmissionRequest } from './admission.js';
import { injectPod } from './injected-pod.js';
import { MESHES, podEscapes } from './pod-escapes.js';

/**
 * Invariants of a rendered guard (issue 21), checked by running its CEL on
 * the requests it must refuse and those it must let through: pods as Istio's
 * injector leaves them, the rendered and adopted Sidecars and NetworkPolicies,
 * Gateways over every subset of the gateway pods' labels, WorkloadGroups and
 * ProxyConfigs, the gateway's label, and the cluster's own controllers.
 */

type Item = Record<string, any>;

const of = (items: readonly Item[], kind: string) => items.filter((i) => i.kind === kind);
const id = (i: Item) => `${i.kind}/${i.metadata?.namespace ?? ''}/${i.metadata?.name}`;

const NAMESPACE_CONTROLLER = 'system:serviceaccount:kube-system:namespace-controller';
const GATEWAY_LABEL = 'wildcard-egress.dev/gateway';
const OPT_IN = 'wildcard-egress.dev/domain-list';
/** Label keys istiod adds to every proxy's (AugmentLabels) or the Deployment controller adds to its pods. */
const CLUSTER_KEYS = [
  'pod-template-hash',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
  'topology.istio.io/cluster',
  'topology.istio.io/network',
  'kubernetes.io/hostname',
];

/** The namespaces a binding selects by name (`In`), or those it leaves out (`NotIn`). */
function bindingNames(items: readonly Item[], policy: string, operator: 'In' | 'NotIn'): string[] {
  const b = of(items, 'ValidatingAdmissionPolicyBinding').find((x) => x.spec.policyName === policy);
  const e = b?.spec.matchResources?.namespaceSelector?.matchExpressions?.[0];
  return e?.operator === operator ? e.values : [];
}

/** A namespace no binding exempts: where a team works. */
function teamNamespace(items: readonly Item[]): string {
  const exempt = new Set(bindingNames(items, 'wildcard-egress-guard', 'NotIn'));
  return ['team-probe', 'team-probe-2'].find((n) => !exempt.has(n))!;
}

const refused = (items: readonly Item[], req: AdmissionRequest) => admission(items, req).length > 0;

/** The pod guard of the sidecar modes: every escape refused, every ordinary injected pod admitted. */
function podProblems(items: readonly Item[]): string[] {
  const apps = bindingNames(items, 'wildcard-egress-guard-pods', 'In');
  const ambient = of(items, 'Gateway').some((g) => g.spec.gatewayClassName === 'istio-waypoint');
  if (apps.length === 0) return [];
  const ns = apps[0];
  if (ambient) {
    const out = admission(items, podRequest(pod(ns))).map(
      (r) => `the pod guard refuses an ordinary ambient pod: ${r.message}`,
    );
    const leaving = {
      ...pod(ns),
      metadata: { ...pod(ns).metadata, labels: { 'istio.io/dataplane-mode': 'none' } },
    };
    if (!refused(items, podRequest(leaving)))
      out.push('the pod guard admits a pod that leaves the ambient mesh');
    return out;
  }
  const out: string[] = [];
  for (const [name, mesh] of MESHES) {
    const refusals = admission(items, podRequest(injectPod(pod(ns), mesh)));
    if (refusals.length > 0)
      out.push(
        `the pod guard refuses an ordinary injected pod (${name}): ${refusals.map((r) => r.message).join('; ')}`,
      );
  }
  for (const e of podEscapes(ns)) {
    const p = e.uninjected ? e.pod : injectPod(e.pod, e.mesh ?? {});
    if (!refused(items, podRequest(p))) out.push(`the pod guard admits ${e.name}`);
  }
  const ephemeral = injectPod(pod(ns), { cni: true });
  ephemeral.spec.ephemeralContainers = [
    { name: 'debugger', image: 'busybox', securityContext: { runAsUser: 1337 } },
  ];
  if (
    !refused(
      items,
      podRequest(ephemeral, { operation: 'UPDATE', subResource: 'ephemeralcontainers' }),
    )
  )
    out.push('the pod guard admits an ephemeral container running as 1337');
  return out;
}

const pod = (ns: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'probe', namespace: ns, labels: { app: 'probe' } },
  spec: { containers: [{ name: 'probe', image: 'busybox' }] },
});

/** Rendered NetworkPolicies and Sidecars, and a namespace's adopted Sidecar: deleted only by the admins and the namespace controller. */
function managedProblems(items: readonly Item[]): string[] {
  if (of(items, 'ValidatingAdmissionPolicy').length === 0) return [];
  const exempt = new Set(bindingNames(items, 'wildcard-egress-guard-managed', 'NotIn'));
  const apps = bindingNames(items, 'wildcard-egress-guard-pods', 'In');
  const adopted = apps.slice(0, 1).map((ns) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: 'default', namespace: ns, annotations: { [OPT_IN]: 'probe' } },
    spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
  }));
  const out: string[] = [];
  for (const o of [
    ...[...of(items, 'NetworkPolicy'), ...of(items, 'Sidecar')].filter(
      (o) => !exempt.has(o.metadata.namespace),
    ),
    ...(of(items, 'Sidecar').length > 0 ? adopted : []),
  ]) {
    const del = (user: string): AdmissionRequest => ({
      group: o.kind === 'Sidecar' ? 'networking.istio.io' : 'networking.k8s.io',
      kind: o.kind,
      resource: o.kind === 'Sidecar' ? 'sidecars' : 'networkpolicies',
      operation: 'DELETE',
      namespace: o.metadata.namespace,
      oldObject: o,
      user,
    });
    if (!refused(items, del('jane'))) out.push(`anyone in its namespace may delete ${id(o)}`);
    if (refused(items, del(NAMESPACE_CONTROLLER)))
      out.push(`the namespace controller may not delete ${id(o)}: namespace deletion would hang`);
  }
  return out;
}

/**
 * No Gateway outside the stack's namespaces selects the gateway pods: every
 * subset of their labels as istiod sees them (the template's, the injector's
 * canonical labels, and keys whose values the cluster decides) is refused.
 */
function gatewayProblems(items: readonly Item[]): string[] {
  const deploy = of(items, 'Deployment').find(
    (d) => d.spec.template?.metadata?.labels?.[GATEWAY_LABEL],
  );
  if (!deploy || of(items, 'ValidatingAdmissionPolicy').length === 0) return [];
  const own: Record<string, string> = deploy.spec.template.metadata.labels;
  // istio-discovery/files/gateway-injection-template.yaml
  const labels: Record<string, string> = {
    ...own,
    'service.istio.io/canonical-name':
      own['service.istio.io/canonical-name'] ??
      own['app.kubernetes.io/name'] ??
      own.app ??
      deploy.metadata.name,
    'service.istio.io/canonical-revision':
      own['service.istio.io/canonical-revision'] ??
      own['app.kubernetes.io/version'] ??
      own.version ??
      'latest',
    ...Object.fromEntries(CLUSTER_KEYS.map((k) => [k, 'any-value'])),
  };
  const ns = teamNamespace(items);
  const keys = Object.keys(labels);
  const out: string[] = [];
  const gateway = (selector: Record<string, string>): AdmissionRequest => ({
    group: 'networking.istio.io',
    kind: 'Gateway',
    resource: 'gateways',
    operation: 'CREATE',
    namespace: ns,
    object: { spec: { selector, servers: [] } },
  });
  // Every subset of up to three keys, and the whole set: a longer subset holds a shorter one's keys.
  const subsets: string[][] = [[]];
  for (const k of keys) for (const s of [...subsets]) if (s.length < 3) subsets.push([...s, k]);
  subsets.push(keys);
  for (const s of subsets) {
    const selector = Object.fromEntries(s.map((k) => [k, labels[k]]));
    if (!refused(items, gateway(selector)))
      out.push(`a Gateway in ${ns} may select the gateway pods with ${JSON.stringify(selector)}`);
  }
  const probe = {
    ...pod(ns),
    metadata: { ...pod(ns).metadata, labels: { [GATEWAY_LABEL]: own[GATEWAY_LABEL] } },
  };
  if (!refused(items, podRequest(probe)))
    out.push(`a pod in ${ns} may carry the gateway's label ${GATEWAY_LABEL}`);
  return out;
}

/** WorkloadGroups and ProxyConfigs with environment variables are refused where teams work. */
function registrationProblems(items: readonly Item[]): string[] {
  if (
    !of(items, 'ValidatingAdmissionPolicy').some((p) => p.metadata.name === 'wildcard-egress-guard')
  )
    return [];
  const ns = teamNamespace(items);
  const req = (kind: string, resource: string, spec: Item): AdmissionRequest => ({
    group: 'networking.istio.io',
    kind,
    resource,
    operation: 'CREATE',
    namespace: ns,
    object: { spec },
  });
  return [
    ...(refused(items, req('WorkloadGroup', 'workloadgroups', { template: {} }))
      ? []
      : [`a WorkloadGroup in ${ns} is admitted`]),
    ...(refused(
      items,
      req('ProxyConfig', 'proxyconfigs', { environmentVariables: { DRY_RUN: 'true' } }),
    )
      ? []
      : [`a ProxyConfig with environmentVariables in ${ns} is admitted`]),
  ];
}

/**
 * An application NetworkPolicy that opens public IPv6 addresses comes with a
 * pod guard that refuses pods whose proxy does not capture IPv6.
 */
export function dualStackProblems(items: readonly Item[]): string[] {
  const open = of(items, 'NetworkPolicy').filter(
    (np) =>
      Object.keys(np.spec.podSelector ?? {}).length === 0 &&
      (np.spec.egress ?? []).some((r: Item) =>
        (r.to ?? []).some((p: Item) => p.ipBlock?.cidr === '::/0'),
      ),
  );
  return open.flatMap((np) => {
    const ns = np.metadata.namespace;
    const plain = podRequest(injectPod(pod(ns), { cni: true }));
    const dual = podRequest(
      injectPod(pod(ns), { cni: true, proxyMetadata: { ISTIO_DUAL_STACK: 'true' } }),
    );
    return refused(items, plain) && !refused(items, dual)
      ? []
      : [
          `${id(np)} opens ::/0 but pods without ISTIO_DUAL_STACK (IPv6 uncaptured) are not refused`,
        ];
  });
}

/** Every guard invariant above. */
export function guardProblems(items: readonly Item[]): string[] {
  return [
    ...podProblems(items),
    ...managedProblems(items),
    ...gatewayProblems(items),
    ...registrationProblems(items),
    ...dualStackProblems(items),
  ];
}
