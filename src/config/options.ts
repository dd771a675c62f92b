/** DNS lookup families Envoy's DNS cache accepts. */
export type DnsLookupFamily = 'V4_ONLY' | 'V6_ONLY' | 'AUTO' | 'V4_PREFERRED' | 'ALL';

/** Which items a user-defined target applies to; every given field must match. */
export interface TargetSelector {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  annotations?: Record<string, string>;
}

/** A user-defined place for the list (`spec.targets[]`). */
export interface Target {
  select?: TargetSelector;
  path: string;
  format?: string;
}

/** `spec.production.highAvailability` as written. */
export interface HighAvailabilitySpec {
  replicas?: number;
  minAvailable?: number;
  maxReplicas?: number;
  targetCPUUtilization?: number;
  cpuRequest?: string;
  memoryRequest?: string;
  zoneKey?: string;
}

/** A domain as written: a name, or a name with its upstream ports. */
export type DomainSpec = string | { name: string; ports?: number[] };

/** One team's allowlist (`spec.production.teams[]`). */
export interface TeamSpec {
  name: string;
  namespaces: string[];
  domains: DomainSpec[];
}

/** `spec.production` as written. */
export interface ProductionSpec {
  recommended?: boolean;
  trustDomain?: string;
  namespaces?: string[];
  teams?: TeamSpec[];
  sidecars?: boolean;
  networkPolicies?: boolean;
  authorization?: boolean;
  gatewayTelemetry?: boolean;
  highAvailability?: HighAvailabilitySpec;
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
  highAvailability?: Required<HighAvailabilitySpec>;
}

/** `spec` of a DomainList as the schema accepts it: every option optional but the list. */
export interface DomainListSpec {
  domains: DomainSpec[];
  gateway?: { namespace?: string; name?: string; servicePort?: number; targetPort?: number };
  routingNamespace?: string;
  upstreamPort?: number;
  dnsLookupFamily?: DnsLookupFamily;
  accessLogging?: boolean;
  generate?: boolean;
  check?: boolean;
  targets?: Target[];
  production?: ProductionSpec;
}

/** The options of one run, defaults filled in (the defaults reproduce the post). */
export interface Options {
  /** metadata.name of the config: the value of the opt-in annotation. */
  listName: string;
  gateway: { namespace: string; name: string; servicePort: number; targetPort: number };
  routingNamespace: string;
  upstreamPort: number;
  dnsLookupFamily: DnsLookupFamily;
  accessLogging: boolean;
  generate: boolean;
  check: boolean;
  targets: Target[];
  production: Production;
}

/** Option values of the post "Routing egress traffic to wildcard destinations". */
export const DEFAULTS = {
  gateway: { namespace: 'istio-egress', name: 'egressgateway', servicePort: 443, targetPort: 8443 },
  routingNamespace: 'istio-system',
  upstreamPort: 443,
  dnsLookupFamily: 'V4_ONLY',
  accessLogging: true,
  generate: true,
  check: false,
} as const satisfies Omit<Options, 'listName' | 'targets' | 'production'>;

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

/** Each production part is on when set, or when `recommended` is and the part is not set to false. */
function production(p: ProductionSpec = {}): Production {
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
    ...(ha ? { highAvailability: highAvailability(ha) } : {}),
  };
}

/** Every namespace a production part applies to: the shared list's and each team's, once each, in order. */
export function appNamespaces(p: Production): string[] {
  return [...new Set([...p.namespaces, ...(p.teams ?? []).flatMap((t) => t.namespaces)])];
}

/** Fills defaults into a validated spec. */
export function withDefaults(spec: DomainListSpec, listName: string): Options {
  return {
    listName,
    gateway: { ...DEFAULTS.gateway, ...spec.gateway },
    routingNamespace: spec.routingNamespace ?? DEFAULTS.routingNamespace,
    upstreamPort: spec.upstreamPort ?? DEFAULTS.upstreamPort,
    dnsLookupFamily: spec.dnsLookupFamily ?? DEFAULTS.dnsLookupFamily,
    accessLogging: spec.accessLogging ?? DEFAULTS.accessLogging,
    generate: spec.generate ?? DEFAULTS.generate,
    check: spec.check ?? DEFAULTS.check,
    targets: spec.targets ?? [],
    production: production(spec.production),
  };
}
