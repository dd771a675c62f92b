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

/** `spec` of a DomainList as the schema accepts it: every option optional but the list. */
export interface DomainListSpec {
  domains: string[];
  gateway?: { namespace?: string; name?: string; servicePort?: number; targetPort?: number };
  routingNamespace?: string;
  upstreamPort?: number;
  dnsLookupFamily?: DnsLookupFamily;
  accessLogging?: boolean;
  generate?: boolean;
  check?: boolean;
  targets?: Target[];
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
} as const satisfies Omit<Options, 'listName' | 'targets'>;

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
  };
}
