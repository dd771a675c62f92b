import { appPod, type Mesh } from './injected-pod.js';

/**
 * The ways out of the sidecar a source review of Istio found (issue 21), each
 * as a pod before injection and the install it needs; and the installs an
 * ordinary pod must pass under. Used by the guard's tests and by the lockdown
 * invariants on every rendered pod guard.
 */

type Item = Record<string, any>;

/** The install variants an ordinary pod must pass under. */
export const MESHES: [string, Mesh][] = [
  ['istio-init', {}],
  ['Istio CNI', { cni: true }],
  ['native sidecar', { native: true }],
  ['Istio CNI and native sidecar', { cni: true, native: true }],
  [
    'Istio CNI, mesh-wide TPROXY, DNS capture and extra outbound ports',
    {
      cni: true,
      interceptionMode: 'TPROXY',
      includeOutboundPorts: '9443',
      proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true' },
    },
  ],
];

/** What one escape looks like before injection, the install it needs, and the refusal it meets. */
export interface Escape {
  name: string;
  pod: Item;
  mesh?: Mesh;
  /** The injector did not see it (its namespace not enabled for injection). */
  uninjected?: boolean;
  refusal: RegExp;
}

export const podEscapes = (ns: string): Escape[] => [
  {
    name: 'traffic.sidecar.istio.io/excludeInterfaces: eth0 (istio-iptables RETURNs that interface)',
    pod: appPod(ns, { annotations: { 'traffic.sidecar.istio.io/excludeInterfaces': 'eth0' } }),
    refusal: /leave outbound capture as the mesh has it/,
  },
  {
    name: 'traffic.sidecar.istio.io/excludeInterfaces with Istio CNI (which honours it too)',
    pod: appPod(ns, { annotations: { 'traffic.sidecar.istio.io/excludeInterfaces': 'eth0' } }),
    mesh: { cni: true },
    refusal: /leave outbound capture as the mesh has it/,
  },
  {
    name: 'runAsGroup 1337 on the pod (--gid-owner 1337 -j RETURN)',
    pod: appPod(ns, { spec: { securityContext: { runAsGroup: 1337 } } }),
    refusal: /may not run as the sidecar's user or group/,
  },
  {
    name: 'runAsGroup 1337 on a container',
    pod: appPod(ns, {
      spec: {
        containers: [{ name: 'web', image: 'nginx', securityContext: { runAsGroup: 1337 } }],
      },
    }),
    refusal: /may not run as the sidecar's user or group/,
  },
  {
    name: 'an init container running as 1337 (with Istio CNI, as Istio documents for init containers)',
    pod: appPod(ns, {
      spec: {
        initContainers: [
          { name: 'fetch', image: 'curlimages/curl', securityContext: { runAsUser: 1337 } },
        ],
      },
    }),
    mesh: { cni: true },
    refusal: /may not run as the sidecar's user or group/,
  },
  {
    name: 'sidecar.istio.io/interceptionMode: NONE (no istio-init without CNI)',
    pod: appPod(ns, { annotations: { 'sidecar.istio.io/interceptionMode': 'NONE' } }),
    refusal: /must have its traffic captured/,
  },
  {
    name: 'interceptionMode NONE through proxy.istio.io/config',
    pod: appPod(ns, { annotations: { 'proxy.istio.io/config': 'interceptionMode: NONE' } }),
    refusal: /may not set proxyMetadata or interceptionMode/,
  },
  {
    name: "proxyMetadata through proxy.istio.io/config (istio-init's environment: DRY_RUN)",
    pod: appPod(ns, {
      annotations: { 'proxy.istio.io/config': '{"proxyMetadata": {"DRY_RUN": "true"}}' },
    }),
    refusal: /may not set proxyMetadata or interceptionMode/,
  },
  {
    name: "a user container named istio-proxy (the injector keeps the user's)",
    pod: appPod(ns, {
      spec: {
        containers: [
          { name: 'web', image: 'nginx' },
          { name: 'istio-proxy', image: 'curlimages/curl', command: ['sleep', 'infinity'] },
        ],
      },
    }),
    refusal: /may not bring its own istio-proxy/,
  },
  {
    name: 'a user init container named istio-init (kept by the injector)',
    pod: appPod(ns, {
      spec: { initContainers: [{ name: 'istio-init', image: 'busybox', command: ['true'] }] },
    }),
    refusal: /may not bring its own istio-proxy/,
  },
  {
    name: 'a user init container named istio-init beside Istio CNI (which then skips the pod)',
    pod: appPod(ns, {
      spec: { initContainers: [{ name: 'istio-init', image: 'busybox', command: ['true'] }] },
    }),
    mesh: { cni: true },
    refusal: /must have its traffic captured/,
  },
  {
    name: 'sidecar.istio.io/inject: "no" on Istio 1.26 (injection off)',
    pod: appPod(ns, { labels: { 'sidecar.istio.io/inject': 'no' } }),
    mesh: { minor: 26 },
    refusal: /may not turn its sidecar off/,
  },
  {
    name: 'sidecar.istio.io/inject: "off" as an annotation on Istio 1.26',
    pod: appPod(ns, { annotations: { 'sidecar.istio.io/inject': 'off' } }),
    mesh: { minor: 26 },
    refusal: /may not turn its sidecar off/,
  },
  {
    name: 'sidecar.istio.io/inject: "False" on Istio 1.26',
    pod: appPod(ns, { labels: { 'sidecar.istio.io/inject': 'False' } }),
    mesh: { minor: 26 },
    refusal: /must carry Istio's injected sidecar/,
  },
  {
    name: 'no sidecar at all (the injector did not run)',
    pod: appPod(ns),
    uninjected: true,
    refusal: /must carry Istio's injected sidecar/,
  },
  {
    name: 'another injection template (inject.istio.io/templates: gateway)',
    pod: appPod(ns, { annotations: { 'inject.istio.io/templates': 'gateway' } }),
    refusal: /may not choose another injection template/,
  },
  {
    name: 'its own proxy image (sidecar.istio.io/proxyImage, istio-init included)',
    pod: appPod(ns, { annotations: { 'sidecar.istio.io/proxyImage': 'evil/proxyv2:1' } }),
    refusal: /leave outbound capture as the mesh has it/,
  },
  {
    name: 'excludeOutboundIPRanges of its own with Istio CNI',
    pod: appPod(ns, {
      annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '0.0.0.0/0' },
    }),
    mesh: { cni: true },
    refusal: /leave outbound capture as the mesh has it/,
  },
  {
    name: 'a bootstrap of its own (sidecar.istio.io/bootstrapOverride)',
    pod: appPod(ns, { annotations: { 'sidecar.istio.io/bootstrapOverride': 'my-bootstrap' } }),
    refusal: /leave outbound capture as the mesh has it/,
  },
  {
    name: 'a control plane of its own (sidecar.istio.io/discoveryAddress)',
    pod: appPod(ns, { annotations: { 'sidecar.istio.io/discoveryAddress': 'xds.evil:15012' } }),
    refusal: /leave outbound capture as the mesh has it/,
  },
  {
    name: 'traffic.sidecar.istio.io/kubevirtInterfaces',
    pod: appPod(ns, { annotations: { 'traffic.sidecar.istio.io/kubevirtInterfaces': 'net1' } }),
    refusal: /leave outbound capture as the mesh has it/,
  },
  {
    name: 'a container with NET_ADMIN (it could flush the capture rules)',
    pod: appPod(ns, {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            securityContext: { capabilities: { add: ['NET_ADMIN'] } },
          },
        ],
      },
    }),
    refusal: /may not be privileged or add NET_ADMIN/,
  },
  {
    name: 'an init container adding CAP_SYS_ADMIN',
    pod: appPod(ns, {
      spec: {
        initContainers: [
          {
            name: 'setup',
            image: 'busybox',
            securityContext: { capabilities: { add: ['CAP_SYS_ADMIN'] } },
          },
        ],
      },
    }),
    mesh: { native: true },
    refusal: /may not be privileged or add NET_ADMIN/,
  },
  {
    name: 'a container adding ALL capabilities',
    pod: appPod(ns, {
      spec: {
        containers: [
          { name: 'web', image: 'nginx', securityContext: { capabilities: { add: ['all'] } } },
        ],
      },
    }),
    refusal: /may not be privileged or add NET_ADMIN/,
  },
];
