import type { PlaceShape } from './fit.js';

/**
 * Where host lists live, per kind: the one table the function consults both
 * for the resources it renders and for items that opt in by annotation.
 * A new kind is a new row, not new code.
 */
export interface HostPlace {
  group: string;
  kind: string;
  /** Field path (see field-path.ts). */
  path: string;
  /** How each host is written; `{host}` and `{routingNamespace}` are replaced. */
  format?: string;
  /**
   * Keep entries the list does not own: those outside `{routingNamespace}/`
   * and the namespace-wide `{routingNamespace}/*`. For lists users share with
   * other destinations, such as a Sidecar's egress hosts (only its listeners
   * without a port: a port-specific one serves the port it names).
   */
  keepForeign?: boolean;
  /** Most entries the field may hold; a longer list is refused for this place. */
  maxItems?: number;
  /**
   * A Gateway's server hosts: filled only for Gateways that a VirtualService
   * holding the list binds to, and left alone where they hold `*`; a
   * `namespace/` prefix the entries share is kept.
   */
  gatewayHosts?: boolean;
  /**
   * The check an item the function did not render must pass before the list
   * goes into this place (fit.ts): route to a forwarder, resolution and ports,
   * filter chains apart. Absent: any such field takes the whole list.
   */
  shape?: PlaceShape;
}

const NETWORKING = 'networking.istio.io';
const SECURITY = 'security.istio.io';

export const HOST_PLACES: readonly HostPlace[] = [
  { group: NETWORKING, kind: 'VirtualService', path: 'spec.hosts', shape: 'vs-hosts' },
  // Only tls matches that apply to sidecars ("mesh", which is also the default when gateways is absent).
  {
    group: NETWORKING,
    kind: 'VirtualService',
    path: 'spec.tls.*.match.[gateways~mesh].sniHosts',
    shape: 'vs-route',
  },
  // Istio's CRD caps hosts at 256; the rendered stack splits the list over several ServiceEntries.
  {
    group: NETWORKING,
    kind: 'ServiceEntry',
    path: 'spec.hosts',
    maxItems: 256,
    shape: 'service-entry',
  },
  {
    group: NETWORKING,
    kind: 'EnvoyFilter',
    path: 'spec.configPatches.*.patch.value.filter_chains.[filters.*.name=envoy.filters.network.sni_dynamic_forward_proxy].filter_chain_match.server_names',
    shape: 'forward-chain',
  },
  {
    group: NETWORKING,
    kind: 'Sidecar',
    path: 'spec.egress.[!port].hosts',
    format: '{routingNamespace}/{host}',
    keepForeign: true,
  },
  { group: NETWORKING, kind: 'Gateway', path: 'spec.servers.*.hosts', gatewayHosts: true },
  {
    group: SECURITY,
    kind: 'AuthorizationPolicy',
    path: 'spec.rules.*.to.*.operation.hosts',
    shape: 'http-hosts',
  },
  {
    group: SECURITY,
    kind: 'AuthorizationPolicy',
    path: 'spec.rules.*.when.[key=connection.sni].values',
  },
];

/** The annotation an item carries to receive the list named by its value; rendered items carry it too. */
export const OPT_IN_ANNOTATION = 'wildcard-egress.dev/domain-list';

/**
 * How much of an item of the stack the function owns: `hosts` keeps an item it
 * created to its host places; `all` hands an item it adopted over whole (every
 * rendered field, as if it had created it).
 */
export const MANAGE_ANNOTATION = 'wildcard-egress.dev/manage';

/**
 * The mark of adoption, distinct from the marks of creation: a namespace's own
 * Sidecar the function adopted for the list (production.sidecars) carries it,
 * so the guard keeps it to its admins; the function removes it when it no
 * longer adopts the Sidecar. Its value is the list's name.
 */
export const ADOPTED_ANNOTATION = 'wildcard-egress.dev/adopted-by';

/** The label every resource the function renders carries (Kubernetes' recommended label): what it may prune. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'wildcard-egress';

/** Rows of the table for one group and kind. */
export function hostPlacesFor(group: string, kind: string): HostPlace[] {
  return HOST_PLACES.filter((p) => p.group === group && p.kind === kind);
}
