import { covers } from '../domains/host-match.js';
import { pathSegments } from '../paths/concrete-path.js';
import { isObject, textOf, type JsonObject } from '../util/data.js';

/**
 * The routes of a VirtualService as the fit checks and the layout
 * recognition read them: who they apply to (sidecars, a gateway), the hosts
 * they match by name, and where they send what they match.
 */

/** What a route must not be sent to: the list's own names (an empty list where only the route's own hosts count). */
export interface RouteFacts {
  names: readonly string[];
}

export const strings = (x: unknown): string[] =>
  Array.isArray(x) ? x.map((v) => textOf(v)).filter((v) => v !== '') : [];
export const list = (x: unknown): JsonObject[] => (Array.isArray(x) ? x.filter(isObject) : []);

/** The value at a concrete path (`spec.tls[0].match[1]`) of plain data. */
export function at(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const seg of pathSegments(path)) {
    if (typeof seg === 'number') cur = Array.isArray(cur) ? (cur as unknown[])[seg] : undefined;
    else cur = isObject(cur) ? cur[seg] : undefined;
  }
  return cur;
}

/** One route of a VirtualService (an element of http, tls or tcp). */
export interface Route {
  path: string;
  /** Applies to sidecars (a match bound to `mesh`, or no gateways at all). */
  mesh: boolean;
  /** Applies on a gateway. */
  atGateway: boolean;
  /** The hosts it matches by name: its sniHosts, else the VirtualService's hosts. */
  own: string[];
  destinations: string[];
  /** What tells two mesh routes apart besides their hosts (port, source namespace, labels). */
  signature: string;
}

export function routesOf(vs: JsonObject): Route[] {
  const spec = isObject(vs.spec) ? vs.spec : {};
  const hosts = strings(spec.hosts);
  const vsGateways = Array.isArray(spec.gateways) ? strings(spec.gateways) : ['mesh'];
  const out: Route[] = [];
  for (const section of ['http', 'tls', 'tcp'] as const) {
    list(spec[section]).forEach((r, i) => {
      const matches = list(r.match);
      const gatewaysOf = (m: JsonObject) =>
        Array.isArray(m.gateways) ? strings(m.gateways) : vsGateways;
      const all = matches.length > 0 ? matches.flatMap(gatewaysOf) : vsGateways;
      const sni = matches.flatMap((m) => strings(m.sniHosts));
      const meshMatches = matches.filter((m) => gatewaysOf(m).includes('mesh'));
      out.push({
        path: `spec.${section}[${i}]`,
        mesh: all.includes('mesh'),
        atGateway: all.some((g) => g !== 'mesh'),
        own: sni.length > 0 ? sni : hosts,
        destinations: list(r.route).flatMap((d) =>
          isObject(d.destination) ? strings([d.destination.host]) : [],
        ),
        signature: JSON.stringify(
          (meshMatches.length > 0 ? meshMatches : [{}]).map((m) => ({
            port: m.port,
            sourceNamespace: m.sourceNamespace,
            sourceLabels: m.sourceLabels,
            destinationSubnets: m.destinationSubnets,
          })),
        ),
      });
    });
  }
  return out;
}

/** Whether a host is a name outside the cluster: not a Service (`x.ns.svc…`, a short name) nor `.local`. */
function external(host: string): boolean {
  return host.includes('.') && !/\.(svc|local)(\.|$)/.test(host);
}

/**
 * At a gateway, an http or tls route that hands what it matches to one fixed
 * host outside the cluster (by name, not by SNI): how a per-host egress
 * gateway forwards. A tcp route (an SNI proxy's, the post's placeholder) is none.
 */
export function toFixedHost(r: Route): string | undefined {
  if (!r.atGateway || r.path.startsWith('spec.tcp')) return undefined;
  const fixed = r.destinations.filter(external);
  if (fixed.length === 0 || fixed.length !== r.destinations.length) return undefined;
  return `forwards ${JSON.stringify(r.own.join(', '))} to ${JSON.stringify(fixed.join(', '))}`;
}

/** A route that sends each host to that host itself (by name), rather than to a forwarder. */
export function perDestination(r: Route, facts: RouteFacts): string | undefined {
  for (const d of r.destinations) {
    const own = r.own.find((h) => covers(h, d));
    if (own !== undefined) return `routes ${JSON.stringify(own)} to ${JSON.stringify(d)} itself`;
    if (facts.names.some((n) => covers(n, d)))
      return `routes to ${JSON.stringify(d)}, a name of the list itself`;
  }
  return undefined;
}

/** Where a VirtualService's mesh tls routes send what they match, leaving out routes to a host itself. */
export function meshForwarders(item: JsonObject): string[] {
  const none: RouteFacts = { names: [] };
  return [
    ...new Set(
      routesOf(item)
        .filter((r) => r.mesh && r.path.startsWith('spec.tls') && !perDestination(r, none))
        .flatMap((r) => r.destinations),
    ),
  ];
}

/**
 * An egress gateway route in a VirtualService of the user's own: a mesh route
 * that sends what it matches to a forwarder (a gateway's Service), beside a
 * route at that gateway. `perHost` when the gateway route hands each host to
 * one fixed upstream by name (the classic per-host egress gateway); otherwise
 * the gateway forwards on (an SNI proxy behind it, TLS origination…).
 * Undefined when the VirtualService is not one.
 */
export function gatewayRouting(
  item: JsonObject,
): { field: string; detail: string; perHost: boolean } | undefined {
  const none: RouteFacts = { names: [] };
  const routes = routesOf(item);
  const toGateway = routes.find((r) => r.mesh && !perDestination(r, none));
  const fixed = routes.find((r) => !r.mesh && toFixedHost(r));
  const onward = routes.find((r) => r.atGateway && !r.mesh && r.destinations.length > 0);
  const atGateway = fixed ?? onward;
  if (!atGateway || !toGateway) return undefined;
  const what = fixed
    ? toFixedHost(fixed)!
    : `sends it on to ${JSON.stringify(atGateway.destinations.join(', '))}`;
  return {
    field: atGateway.path,
    detail: `${toGateway.path} sends ${JSON.stringify(toGateway.own.join(', '))} to ${JSON.stringify(toGateway.destinations.join(', '))}, and ${atGateway.path} ${what} at the gateway`,
    perHost: fixed !== undefined,
  };
}

/** The hosts a VirtualService's routes for sidecars match by name (sniHosts, else its hosts). */
export function meshHosts(item: JsonObject): string[] {
  return [
    ...new Set(
      routesOf(item)
        .filter((r) => r.mesh)
        .flatMap((r) => r.own),
    ),
  ];
}

/**
 * An egress gateway route written over two VirtualServices (as the Sail
 * operator's docs do): `mesh` sends a host to a forwarder, and `atGateway`,
 * bound only to gateways, takes the same host there and hands it to one fixed
 * upstream (a per-host gateway) or sends it on. Undefined when they are not
 * such a pair (no shared host, or either side missing).
 */
export function pairedGatewayRouting(
  mesh: JsonObject,
  atGateway: JsonObject,
): { field: string; detail: string; perHost: boolean } | undefined {
  const none: RouteFacts = { names: [] };
  const toGateway = routesOf(mesh).find(
    (r) => r.mesh && r.destinations.length > 0 && !perDestination(r, none),
  );
  if (!toGateway) return undefined;
  const shares = (r: Route) =>
    r.own.some((h) => toGateway.own.some((m) => covers(h, m) || covers(m, h)));
  const there = routesOf(atGateway).filter((r) => !r.mesh && r.atGateway && shares(r));
  const fixed = there.find((r) => toFixedHost(r));
  const onward = there.find((r) => r.destinations.length > 0);
  const onGateway = fixed ?? onward;
  if (!onGateway) return undefined;
  const what = fixed
    ? toFixedHost(fixed)!
    : `sends it on to ${JSON.stringify(onGateway.destinations.join(', '))}`;
  return {
    field: toGateway.path,
    detail: `${toGateway.path} sends ${JSON.stringify(toGateway.own.join(', '))} to ${JSON.stringify(toGateway.destinations.join(', '))}, and another VirtualService's ${onGateway.path} ${what} at the gateway`,
    perHost: fixed !== undefined,
  };
}
