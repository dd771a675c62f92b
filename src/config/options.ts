import type {
  CidrRule,
  DnsSpec,
  DomainListSpec,
  DomainSpec,
  HighAvailabilitySpec,
  MeshCaptureSpec,
  ProductionSpec,
  Target,
  TargetSelector,
  TeamSpec,
} from '../generated/domain-list.js';

// The config's types come from schema/domain-list.schema.json (scripts/schema-types.mjs).
export type {
  DomainListSpec,
  DomainSpec,
  HighAvailabilitySpec,
  ProductionSpec,
  Target,
  TargetSelector,
  TeamSpec,
};

/** DNS lookup families Envoy's DNS cache accepts. */
export type DnsLookupFamily = NonNullable<DomainListSpec['dnsLookupFamily']>;

/** A destination outside the cluster's pods that application namespaces may reach. */
export interface CidrDestination {
  cidr: string;
  /** Every port when absent. */
  ports?: number[];
}

/** Production parts of one run, defaults filled in; `highAvailability` absent when off. */
export interface Production {
  trustDomain: string;
  namespaces: string[];
  teams?: { name: string; namespaces: string[] }[];
  sidecars: boolean;
  networkPolicies: boolean;
  authorization: boolean;
  gatewayTelemetry: boolean;
  guard: boolean;
  highAvailability?: Required<HighAvailabilitySpec>;
  exemptNamespaces: string[];
  guardAdmins: string[];
  sidecarHosts: string[];
  egressCIDRs: CidrDestination[];
  dns: Required<DnsSpec>;
  /** Ranges the gateway may not dial, IPv4 and IPv6 together (the never-public ranges and clusterCIDRs included). */
  externalExcept: string[];
  /** Where istiod runs: its service accounts are `istiod` and `istiod-<revision>` there. */
  istiodNamespace: string;
  /** Namespaces besides the application namespaces whose pods the application pods may reach. */
  peerNamespaces: string[];
  /** The mesh-wide outbound capture values, as the injector writes them with Istio CNI. */
  meshCapture: Required<MeshCaptureSpec>;
  /** Sidecar mode: the mesh captures IPv6 (ISTIO_DUAL_STACK), so public IPv6 may be opened. */
  dualStackCapture: boolean;
  /** The CNI's FQDN policy drawn from the list; absent when off. */
  fqdnPolicies?: FqdnPolicyEngine;
  /** Search domains of the pods besides the cluster's own, which the DNS rules let through. */
  dnsSearchDomains: string[];
}

/** Which CNI policy engine renders the list's FQDN policies. */
export type FqdnPolicyEngine = NonNullable<ProductionSpec['fqdnPolicies']>;

/** Limits of the forwarder's clusters and DNS caches. */
export interface Forwarder {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  dnsCache: { maxHosts: number; maxPendingRequests: number };
}

/** Which forwarder enforces the list. */
export type Mode = NonNullable<DomainListSpec['mode']>;

/** The options of one run, defaults filled in (the defaults reproduce the post). */
export interface Options {
  /** metadata.name of the config: the value of the opt-in annotation. */
  listName: string;
  mode: Mode;
  /** Istio's minor version (`30` for 1.30) when the config names one. */
  istioMinor?: number;
  /** Cilium's minor version (`19` for 1.19) when the config names one. */
  ciliumMinor?: number;
  gateway: {
    namespace: string;
    name: string;
    servicePort: number;
    targetPort: number;
    createNamespace: boolean;
  };
  routingNamespace: string;
  rootNamespace: string;
  clusterDomain: string;
  upstreamPort: number;
  dnsLookupFamily: DnsLookupFamily;
  accessLogging: boolean;
  generate: boolean;
  /** Render the stack beside forwarders of the user's own found in the input. */
  coexist: boolean;
  check: boolean;
  targets: Target[];
  forwarder: Forwarder;
  production: Production;
}

/** Option values of the post "Routing egress traffic to wildcard destinations". */
export const DEFAULTS = {
  gateway: {
    namespace: 'istio-egress',
    name: 'egressgateway',
    servicePort: 443,
    targetPort: 8443,
    createNamespace: false,
  },
  routingNamespace: 'istio-system',
  rootNamespace: 'istio-system',
  clusterDomain: 'cluster.local',
  upstreamPort: 443,
  dnsLookupFamily: 'V4_ONLY',
  accessLogging: true,
  generate: true,
  coexist: false,
  check: false,
} as const satisfies Omit<
  Options,
  'listName' | 'mode' | 'istioMinor' | 'ciliumMinor' | 'targets' | 'production' | 'forwarder'
>;

/** Circuit-breaker thresholds well above Envoy's 1,024 default, and Envoy's own DNS cache defaults, written out. */
export const FORWARDER_DEFAULTS: Forwarder = {
  maxConnections: 100_000,
  maxPendingRequests: 100_000,
  maxRequests: 100_000,
  dnsCache: { maxHosts: 1024, maxPendingRequests: 1024 },
};

/** kube-dns / CoreDNS as kubeadm, GKE, EKS and AKS run it, and node-local DNS at its documented address. */
export const DNS_DEFAULTS: Required<DnsSpec> = {
  namespace: 'kube-system',
  podSelector: { 'k8s-app': 'kube-dns' },
  ports: [53],
  nodeLocalAddresses: ['169.254.20.10'],
  serviceIPs: [],
};

/** Private (RFC 1918), link-local, carrier-grade NAT, IPv6 unique-local and link-local ranges. */
export const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
  'fe80::/10',
];

/** The NAT64 well-known prefix: an IPv6 name there reaches an IPv4 address, private ones included. */
export const NAT64_PREFIX = '64:ff9b::/96';

/**
 * Ranges that never hold a public destination, excepted whatever `externalExcept` says:
 * "this network" (0.0.0.0/8), loopback (127.0.0.0/8, ::1/128) and the local-use NAT64
 * prefix (64:ff9b:1::/48, RFC 8215), which a cluster's own translator may map to private addresses.
 */
export const NEVER_PUBLIC = ['0.0.0.0/8', '127.0.0.0/8', '::1/128', '64:ff9b:1::/48'];

/** Istio's own defaults for the mesh-wide capture values (values.global.proxy of the istio-discovery chart). */
export const MESH_CAPTURE_DEFAULTS: Required<MeshCaptureSpec> = {
  includeOutboundIPRanges: '*',
  excludeOutboundIPRanges: '',
  excludeOutboundPorts: '',
};

/** What `highAvailability` (or `recommended`) means when a field is left out. */
function highAvailability(ha: HighAvailabilitySpec): Required<HighAvailabilitySpec> {
  const replicas = ha.replicas ?? 3;
  return {
    replicas,
    minAvailable: ha.minAvailable ?? replicas - 1,
    maxReplicas: ha.maxReplicas ?? 2 * replicas,
    targetCPUUtilization: ha.targetCPUUtilization ?? 80,
    cpuRequest: ha.cpuRequest ?? '100m',
    memoryRequest: ha.memoryRequest ?? '128Mi',
    zoneKey: ha.zoneKey ?? 'topology.kubernetes.io/zone',
  };
}

function cidrDestination(rule: CidrRule): CidrDestination {
  return typeof rule === 'string'
    ? { cidr: rule }
    : { cidr: rule.cidr, ...(rule.ports ? { ports: rule.ports } : {}) };
}

/** Each production part is on when set, or when `recommended` is and the part is not set to false. */
function production(p: ProductionSpec = {}, rootNamespace: string): Production {
  const on = (v: boolean | undefined) => v ?? p.recommended ?? false;
  const ha = p.highAvailability ?? (p.recommended ? {} : undefined);
  return {
    trustDomain: p.trustDomain ?? 'cluster.local',
    namespaces: p.namespaces ?? [],
    ...(p.teams ? { teams: p.teams.map((t) => ({ name: t.name, namespaces: t.namespaces })) } : {}),
    sidecars: on(p.sidecars),
    networkPolicies: on(p.networkPolicies),
    authorization: on(p.authorization),
    gatewayTelemetry: on(p.gatewayTelemetry),
    guard: on(p.guard),
    ...(ha ? { highAvailability: highAvailability(ha) } : {}),
    exemptNamespaces: p.exemptNamespaces ?? [],
    guardAdmins: p.guardAdmins ?? ['system:masters'],
    sidecarHosts: p.sidecarHosts ?? [],
    egressCIDRs: (p.egressCIDRs ?? []).map(cidrDestination),
    dns: { ...DNS_DEFAULTS, ...p.dns },
    externalExcept: [
      ...new Set([
        ...(p.externalExcept ?? PRIVATE_RANGES),
        ...NEVER_PUBLIC,
        ...(p.clusterCIDRs ?? []),
        ...(p.nat64 ? [NAT64_PREFIX] : []),
      ]),
    ],
    istiodNamespace: p.istiodNamespace ?? rootNamespace,
    peerNamespaces: p.peerNamespaces ?? [],
    meshCapture: { ...MESH_CAPTURE_DEFAULTS, ...p.meshCapture },
    dualStackCapture: p.dualStackCapture ?? false,
    ...(p.fqdnPolicies ? { fqdnPolicies: p.fqdnPolicies } : {}),
    dnsSearchDomains: p.dnsSearchDomains ?? [],
  };
}

/** Every namespace a production part applies to: the shared list's and each team's, once each, in order. */
export function appNamespaces(p: Production): string[] {
  return [...new Set([...p.namespaces, ...(p.teams ?? []).flatMap((t) => t.namespaces)])];
}

/** Fills defaults into a validated spec. */
export function withDefaults(spec: DomainListSpec, listName: string): Options {
  const f = spec.forwarder ?? {};
  return {
    listName,
    mode: spec.mode ?? 'egress-gateway',
    ...(spec.istioVersion ? { istioMinor: Number(spec.istioVersion.split('.')[1]) } : {}),
    ...(spec.ciliumVersion ? { ciliumMinor: Number(spec.ciliumVersion.split('.')[1]) } : {}),
    gateway: { ...DEFAULTS.gateway, ...spec.gateway },
    routingNamespace: spec.routingNamespace ?? DEFAULTS.routingNamespace,
    rootNamespace: spec.rootNamespace ?? DEFAULTS.rootNamespace,
    clusterDomain: spec.clusterDomain ?? DEFAULTS.clusterDomain,
    upstreamPort: spec.upstreamPort ?? DEFAULTS.upstreamPort,
    dnsLookupFamily: spec.dnsLookupFamily ?? DEFAULTS.dnsLookupFamily,
    accessLogging: spec.accessLogging ?? DEFAULTS.accessLogging,
    generate: spec.generate ?? DEFAULTS.generate,
    coexist: spec.coexist ?? DEFAULTS.coexist,
    check: spec.check ?? DEFAULTS.check,
    targets: spec.targets ?? [],
    forwarder: {
      maxConnections: f.maxConnections ?? FORWARDER_DEFAULTS.maxConnections,
      maxPendingRequests: f.maxPendingRequests ?? FORWARDER_DEFAULTS.maxPendingRequests,
      maxRequests: f.maxRequests ?? FORWARDER_DEFAULTS.maxRequests,
      dnsCache: { ...FORWARDER_DEFAULTS.dnsCache, ...f.dnsCache },
    },
    production: production(spec.production, spec.rootNamespace ?? DEFAULTS.rootNamespace),
  };
}
