import { isObject, textOf, type JsonObject } from '../util/data.js';
import { at, list, perDestination, routesOf, strings, toFixedHost } from './vs-routes.js';

/**
 * Whether a host place of an item the function did not render can carry the
 * list as the stack means it, judged on the item's own data before anything
 * is written: a route that leads to a forwarder (not to a host by name), a
 * ServiceEntry whose resolution admits the names and whose ports all lead
 * through the forwarder, filter chains that stay apart. Each place kind has
 * one check, named by the host-places table (`shape`).
 */
export type PlaceShape =
  'vs-hosts' | 'vs-route' | 'service-entry' | 'forward-chain' | 'http-hosts' | 'plain';

/** What the list holds, as a check needs it. */
export interface ListFacts {
  /** Every name of the list. */
  names: readonly string[];
  /** The upstream ports each name is listed on. */
  portsOf(name: string): readonly number[];
  /** How the list's forwarder takes a name on a port: by SNI (TLS) or by Host (HTTP, native modes). */
  protocolOf?(name: string, port: number): 'TLS' | 'HTTP' | undefined;
  /** Which forwarder enforces the list: the native modes need DYNAMIC_DNS for wildcards. */
  mode?: 'egress-gateway' | 'sidecar' | 'waypoint';
  /** The cluster's domain: names under it are the cluster's own, never the list's. */
  clusterDomain?: string;
}

/** A place that fits, with the names it should hold; or the reason it cannot hold the list. */
export type Fit =
  | { fits: true; names: string[]; keep?: string[]; notes?: PlaceNote[] }
  | { fits: false; refuse: boolean; field: string; message: string };

/** A remark about a place that fits (names left out, a route left alone). */
export interface PlaceNote {
  field: string;
  message: string;
}

const routeNames = (facts: ListFacts, port: unknown): string[] => {
  const p = typeof port === 'number' ? port : Number(textOf(port, 'NaN'));
  return Number.isFinite(p)
    ? facts.names.filter((n) => facts.portsOf(n).includes(p))
    : [...facts.names];
};

/** A mesh tls route's sniHosts: only a route to a forwarder takes the list, and no two alike to different places. */
function fitRoute(item: JsonObject, hitPath: string, facts: ListFacts): Fit {
  const routes = routesOf(item);
  const routePath = /^spec\.tls\[\d+\]/.exec(hitPath)?.[0] ?? hitPath;
  const route = routes.find((r) => r.path === routePath);
  if (!route) return { fits: true, names: [...facts.names] };
  const direct = perDestination(route, facts);
  if (direct) {
    return {
      fits: false,
      refuse: false,
      field: `${route.path}.route`,
      message: `${direct}: a route per destination; the list is not merged into it (it stays as written)`,
    };
  }
  const twin = routes.find(
    (r) =>
      r.path !== route.path &&
      r.path.startsWith('spec.tls') &&
      r.mesh &&
      !perDestination(r, facts) &&
      r.signature === route.signature &&
      r.destinations.join() !== route.destinations.join(),
  );
  if (twin) {
    return {
      fits: false,
      refuse: true,
      field: `${route.path}.match`,
      message: `${route.path} and ${twin.path} match the same connections but route to ${JSON.stringify(route.destinations.join(', '))} and ${JSON.stringify(twin.destinations.join(', '))}: istiod keeps the first route for a name, so the list cannot go into both; opt in a VirtualService with one route to the forwarder`,
    };
  }
  return {
    fits: true,
    names: routeNames(facts, at(item, `${hitPath.replace(/\.sniHosts$/, '')}.port`)),
  };
}

/** A VirtualService's hosts: every route sidecars use for them must lead to a forwarder. */
function fitVirtualServiceHosts(item: JsonObject, facts: ListFacts, undo: string): Fit {
  const routes = routesOf(item);
  const perHost = routes.find((r) => !r.mesh && toFixedHost(r));
  const toGateway = routes.find((r) => r.mesh && !perDestination(r, facts));
  if (perHost && toGateway) {
    return {
      fits: false,
      refuse: true,
      field: perHost.path,
      message: `is a per-host egress gateway route: it ${toFixedHost(perHost)} at the gateway, so the gateway would drop every other name of the list. The function forwards by SNI with a stack of its own: ${undo} and let it render the stack (generate: true), or give each name a route of its own`,
    };
  }
  const mesh = routes.filter((r) => r.mesh);
  const direct = mesh.filter((r) => perDestination(r, facts));
  const http = direct.find((r) => !r.path.startsWith('spec.tls'));
  if (http) {
    return {
      fits: false,
      refuse: true,
      field: `${http.path}.route`,
      message: `${perDestination(http, facts)}: every name added to spec.hosts would be sent there too; opt in a VirtualService whose routes lead to the egress gateway`,
    };
  }
  if (mesh.length > 0 && direct.length === mesh.length) {
    return {
      fits: false,
      refuse: true,
      field: `${direct[0].path}.route`,
      message: `${perDestination(direct[0], facts)}: this VirtualService routes each host to itself, one route per destination, and has no route to a forwarder for the list; ${undo}, or route through the egress gateway`,
    };
  }
  // Hosts that routes the list does not fill (per destination, or at a gateway) still match by
  // name, and istiod wants every sniHost among the hosts: they stay.
  const spec = isObject(item.spec) ? item.spec : {};
  const unfilled = routes.filter(
    (r) => r.path.startsWith('spec.tls') && (!r.mesh || perDestination(r, facts)),
  );
  const keep = unfilled.flatMap((r) => r.own).filter((h) => strings(spec.hosts).includes(h));
  return { fits: true, names: [...facts.names], keep: [...new Set(keep)] };
}

/** Port protocols istiod accepts with DYNAMIC_DNS (GRPC and HTTP2 since 1.30); HTTPS is refused. */
const DYNAMIC_DNS_PROTOCOLS = new Set(['HTTP', 'TLS', 'GRPC', 'HTTP2']);

/** A ServiceEntry: its resolution must admit the names, and each of its ports must be one the list routes. */
function fitServiceEntry(item: JsonObject, facts: ListFacts): Fit {
  const spec = isObject(item.spec) ? item.spec : {};
  const resolution = textOf(spec.resolution, 'NONE');
  const ports = list(spec.ports);
  const listPorts = new Set(facts.names.flatMap((n) => facts.portsOf(n)));
  for (const [k, p] of ports.entries()) {
    const number = Number(textOf(p.number, 'NaN'));
    if (!listPorts.has(number)) {
      return {
        fits: false,
        refuse: true,
        field: `spec.ports[${k}]`,
        message: `declares port ${textOf(p.number)} for the list's names, but the list routes them only on ${[...listPorts].sort((a, b) => a - b).join(', ')}: on port ${textOf(p.number)} they would leave around the forwarder (a bypass). Remove the port from this ServiceEntry, or list the names on it (spec.domains[].ports)`,
      };
    }
  }
  const numbers = ports.map((p) => Number(textOf(p.number, 'NaN')));
  const names = facts.names.filter((n) => numbers.every((p) => facts.portsOf(n).includes(p)));
  const left = facts.names.filter((n) => !names.includes(n));
  // A port whose protocol is not the one the list's lane speaks there is a way around the forwarder:
  // a tls route never applies to an HTTP port, and an HTTP request carries no SNI.
  for (const [k, p] of ports.entries()) {
    const declared = protocolFamily(textOf(p.protocol));
    const number = numbers[k];
    const lane = names.map((n) => facts.protocolOf?.(n, number)).find((x) => x !== undefined);
    if (lane && declared && declared !== lane) {
      return {
        fits: false,
        refuse: true,
        field: `spec.ports[${k}].protocol`,
        message: `is ${JSON.stringify(textOf(p.protocol))}, but the list's names go out on port ${number} as ${lane === 'TLS' ? 'TLS, routed by SNI' : 'HTTP, routed by Host'}: ${declared} traffic for them would not take the list's route (a bypass). Declare the port ${lane === 'TLS' ? 'TLS' : 'HTTP'}, or leave it out of this ServiceEntry`,
      };
    }
  }
  const wildcard = names.find((n) => n.startsWith('*.'));
  const native = facts.mode === 'sidecar' || facts.mode === 'waypoint';
  if (wildcard && resolution !== 'DYNAMIC_DNS' && (native || resolution !== 'NONE')) {
    const why =
      resolution === 'NONE'
        ? `in ${facts.mode} mode a wildcard host such as ${JSON.stringify(wildcard)} needs DYNAMIC_DNS: with NONE the proxy sends a connection to whatever address the app dialled (a bypass)`
        : `which istiod refuses for a wildcard host such as ${JSON.stringify(wildcard)}`;
    return {
      fits: false,
      refuse: true,
      field: 'spec.resolution',
      message: `is ${resolution}, ${why}: set resolution ${native ? 'DYNAMIC_DNS' : 'NONE'}, or let the function render its own ServiceEntries`,
    };
  }
  if (resolution === 'DYNAMIC_DNS') {
    const k = ports.findIndex((p) => !DYNAMIC_DNS_PROTOCOLS.has(textOf(p.protocol).toUpperCase()));
    if (k >= 0) {
      return {
        fits: false,
        refuse: true,
        field: `spec.ports[${k}].protocol`,
        message: `is ${JSON.stringify(textOf(ports[k].protocol))}, which istiod refuses with resolution DYNAMIC_DNS (HTTP, TLS, GRPC or HTTP2): use TLS for HTTPS traffic`,
      };
    }
  }
  const exact = names.find((n) => !n.startsWith('*.'));
  if (resolution === 'DYNAMIC_DNS' && exact) {
    return {
      fits: false,
      refuse: true,
      field: 'spec.resolution',
      message: `is DYNAMIC_DNS, which istiod accepts for wildcard hosts only, and the list holds the exact name ${JSON.stringify(exact)}: opt in a second ServiceEntry with resolution DNS for exact names, or let the function render its own`,
    };
  }
  const notes =
    left.length > 0
      ? [
          {
            field: 'spec.ports',
            message: `left out ${left.join(', ')}: not listed on every port of this ServiceEntry (${numbers.join(', ')})`,
          },
        ]
      : [];
  // The cluster's own names (`kubernetes.default.svc.cluster.local`) are never the list's: they stay.
  const domain = `.${facts.clusterDomain ?? 'cluster.local'}`;
  const keep = strings(spec.hosts).filter((h) => h.endsWith(domain));
  return { fits: true, names, notes, ...(keep.length > 0 ? { keep } : {}) };
}

/** The family of a ServiceEntry port protocol: TLS (TLS, HTTPS), HTTP (HTTP, HTTP2, GRPC), or undefined for others. */
function protocolFamily(protocol: string): 'TLS' | 'HTTP' | undefined {
  const p = protocol.toUpperCase();
  if (p === 'TLS' || p === 'HTTPS') return 'TLS';
  if (p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB') return 'HTTP';
  return undefined;
}

/** An sni forward-proxy filter chain: the names on its upstream port, and no two chains of a listener alike. */
function fitForwardChain(item: JsonObject, hitPath: string, facts: ListFacts): Fit {
  const chainPath = hitPath.replace(/\.filter_chain_match\.server_names$/, '');
  const chainsPath = chainPath.replace(/\[\d+\]$/, '');
  const chain = at(item, chainPath);
  const chains = list(at(item, chainsPath));
  const forwardPort = (c: unknown) =>
    list(isObject(c) ? c.filters : undefined)
      .filter((f) => textOf(f.name).includes('sni_dynamic_forward_proxy'))
      .map((f) => (isObject(f.typed_config) ? f.typed_config.port_value : undefined))[0];
  const matchOf = (c: unknown) => {
    const m = isObject(c) && isObject(c.filter_chain_match) ? { ...c.filter_chain_match } : {};
    delete m.server_names;
    return JSON.stringify(m);
  };
  const index = Number(/\[(\d+)\]$/.exec(chainPath)?.[1] ?? -1);
  const twin = chains.findIndex(
    (c, i) => i !== index && forwardPort(c) !== undefined && matchOf(c) === matchOf(chain),
  );
  if (twin >= 0) {
    return {
      fits: false,
      refuse: true,
      field: `${chainsPath}[${twin}]`,
      message: `and ${chainPath} are forward-proxy chains of one listener that match alike: with the list in both, Envoy rejects the listener (overlapping matching rules); give them different filter_chain_match fields, or opt in one of them`,
    };
  }
  return { fits: true, names: routeNames(facts, forwardPort(chain)) };
}

/**
 * An AuthorizationPolicy's `to.operation.hosts`: an HTTP attribute, which a
 * TLS connection never carries (Istio matches it against the Host header), so
 * only names the list takes as HTTP go there; TLS names belong under
 * `when: connection.sni`.
 */
function fitHttpHosts(hitPath: string, facts: ListFacts): Fit {
  const tls = (n: string) => facts.portsOf(n).some((p) => facts.protocolOf?.(n, p) !== 'HTTP');
  const names = facts.names.filter((n) => !tls(n));
  const left = facts.names.filter(tls);
  if (left.length === 0) return { fits: true, names };
  const why = `is an HTTP attribute, which a TLS connection never carries: ${left.slice(0, 3).join(', ')}${left.length > 3 ? '…' : ''} cannot be admitted here; put TLS names under when: [{key: connection.sni, values: […]}]`;
  if (names.length === 0) return { fits: false, refuse: false, field: hitPath, message: why };
  return { fits: true, names, notes: [{ field: hitPath, message: `left out: ${why}` }] };
}

/**
 * The check for a place of the given shape; `hitPath` is the concrete path of
 * the host list, `undo` how the user takes the item out of the list (for an
 * opted-in item, removing its annotation).
 */
export function fitPlace(
  shape: PlaceShape,
  item: JsonObject,
  hitPath: string,
  facts: ListFacts,
  undo = 'remove the annotation',
): Fit {
  switch (shape) {
    case 'vs-hosts':
      return fitVirtualServiceHosts(item, facts, undo);
    case 'vs-route':
      return fitRoute(item, hitPath, facts);
    case 'service-entry':
      return fitServiceEntry(item, facts);
    case 'forward-chain':
      return fitForwardChain(item, hitPath, facts);
    case 'http-hosts':
      return fitHttpHosts(hitPath, facts);
    case 'plain':
      return { fits: true, names: [...facts.names] };
  }
}
