import { HostIndex, mostSpecific } from '../domains/host-match.js';
import { isObject, type JsonObject, textOf } from '../util/data.js';
import { serverAdmits, type GatewayServer } from './gateway-pods.js';
import {
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import { chooseChain } from './server-names.js';
import type { Destination } from './sidecar-listener.js';
import { exportedTo } from './sidecar-scope.js';

/** A route of a VirtualService, where it sends, and the entry that chose it. */
export interface ChosenRoute {
  resource: string;
  namespace: string;
  /** The entry that picked the route for this host: a host, an sniHost, the match. */
  field: string;
  value: string;
  /** `spec.http[i]`, `spec.tls[i]`, `spec.tcp[i]`. */
  route: string;
  /** Undefined: the route answers itself (an HTTP redirect or direct response). */
  destination?: Destination;
}

/** Match fields of an HTTP request that explain does not know: a match holding one is left out. */
const REQUEST_FIELDS = [
  'uri',
  'scheme',
  'method',
  'authority',
  'headers',
  'queryParams',
  'withoutHeaders',
  'sourceLabels',
];

/** The first destination of a route block (`route[0].destination`), as explain follows it. */
export function destinationOf(block: JsonObject): Destination | undefined {
  const d = objects(block.route)[0]?.destination;
  if (!isObject(d)) return undefined;
  return {
    host: textOf(d.host).toLowerCase(),
    ...(isObject(d.port) ? { port: Number(d.port.number) } : {}),
    ...(typeof d.subset === 'string' ? { subset: d.subset } : {}),
  };
}

/** What a match must say to apply: its port (if any) and its gateways (else the VirtualService's). */
export interface MatchContext {
  /** `mesh`, or the Gateway's references (`name` in its namespace, `ns/name`). */
  gateways: (vs: Item, named: string[]) => boolean;
  port: number;
  sourceNamespace?: string;
}

function applies(m: JsonObject, vs: Item, c: MatchContext): boolean {
  const own = strings(m.gateways);
  if (!c.gateways(vs, own.length > 0 ? own : strings(specOf(vs).gateways))) return false;
  if (m.port !== undefined && Number(m.port) !== c.port) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== c.sourceNamespace) return false;
  return !REQUEST_FIELDS.some((k) => k in m);
}

/** The index of the first block of `blocks` with no match or one that applies. */
function firstApplying(blocks: JsonObject[], vs: Item, c: MatchContext): number {
  return blocks.findIndex((b) => {
    const matches = objects(b.match);
    return matches.length === 0
      ? c.gateways(vs, strings(specOf(vs).gateways))
      : matches.some((m) => applies(m, vs, c));
  });
}

/**
 * The HTTP route for a Host among VirtualServices (`candidates`): the one
 * whose host covers it most specifically, then its first `http` block that
 * applies (a match on request attributes or pod labels is left out: explain
 * asks for any request).
 */
export function httpRoute(
  candidates: readonly Item[],
  host: string,
  c: MatchContext,
): ChosenRoute | undefined {
  const hosts = candidates.flatMap((vs) =>
    strings(specOf(vs).hosts).map((h, k) => ({ vs, h: h.toLowerCase(), k })),
  );
  const best = mostSpecific(
    hosts.map((x) => x.h),
    host,
  );
  for (const hit of hosts.filter((x) => x.h === best)) {
    const blocks = objects(specOf(hit.vs).http);
    const i = firstApplying(blocks, hit.vs, c);
    if (i < 0) continue;
    const destination = destinationOf(blocks[i]);
    return {
      resource: refOf(hit.vs),
      namespace: namespaceOfItem(hit.vs),
      field: `spec.hosts[${hit.k}]`,
      value: hit.h,
      route: `spec.http[${i}]`,
      ...(destination ? { destination } : {}),
    };
  }
  return undefined;
}

/** Whether a `gateways` entry of a VirtualService names the Gateway. */
export function namesGateway(gw: Item, vs: Item, entries: readonly string[]): boolean {
  const name = String(gw.metadata.name);
  const ns = namespaceOfItem(gw);
  return entries.some((g) =>
    g.includes('/') ? g === `${ns}/${name}` : g === name && namespaceOfItem(vs) === ns,
  );
}

/** VirtualServices bound to a Gateway server: visible in its namespace, with a host the server admits. */
function boundTo(items: readonly Item[], s: GatewayServer): Item[] {
  const gwNs = namespaceOfItem(s.gateway);
  return ofKind(items, 'VirtualService').filter((vs) => {
    const spec = specOf(vs);
    if (!exportedTo(spec.exportTo, namespaceOfItem(vs), gwNs)) return false;
    return strings(spec.hosts).some((h) => serverAdmits(s, namespaceOfItem(vs), h));
  });
}

/** The match context of a Gateway server: its own port number and the Gateway's names. */
function serverContext(s: GatewayServer): MatchContext {
  return { port: s.port, gateways: (vs, named) => namesGateway(s.gateway, vs, named) };
}

/** Whether some bound VirtualService routes TCP or TLS on the server: istiod drops a TCP or TLS server's listener nothing routes. */
export function tcpBound(items: readonly Item[], s: GatewayServer): boolean {
  const c = serverContext(s);
  return boundTo(items, s).some((vs) =>
    [...objects(specOf(vs).tcp), ...objects(specOf(vs).tls)].some((b) =>
      objects(b.match).some((m) => applies(m, vs, c)),
    ),
  );
}

/**
 * Where the gateway's own routes send a connection that arrives on a server
 * (istiod's gateway listeners, pilot/pkg/networking/core/gateway.go): an HTTP
 * server by Host, a TLS PASSTHROUGH server by SNI among its bound tls matches
 * (Envoy's choice), any other TLS or TCP server by its first bound tcp route.
 */
export function gatewayRoute(
  items: readonly Item[],
  s: GatewayServer,
  host: string,
): ChosenRoute | undefined {
  const c = serverContext(s);
  const bound = boundTo(items, s);
  if (['HTTP', 'HTTP2', 'GRPC', 'HTTPS'].includes(s.protocol) && s.tlsMode !== 'PASSTHROUGH') {
    const admitted = bound.filter(
      (vs) => new HostIndex(strings(specOf(vs).hosts)).covering(host) >= 0,
    );
    return httpRoute(admitted, host, c);
  }
  if (s.tlsMode === 'PASSTHROUGH' || s.tlsMode === 'AUTO_PASSTHROUGH') {
    const chains = bound.flatMap((vs) =>
      objects(specOf(vs).tls).flatMap((b, i) =>
        objects(b.match).flatMap((m, j) =>
          applies(m, vs, c)
            ? [{ vs, i, j, b, serverNames: strings(m.sniHosts).map((h) => h.toLowerCase()) }]
            : [],
        ),
      ),
    );
    const k = chooseChain(chains, host);
    if (k < 0) return undefined;
    const { vs, i, j, b, serverNames } = chains[k];
    const n = serverNames.findIndex((x) => chooseChain([{ serverNames: [x] }], host) === 0);
    const destination = destinationOf(b);
    return {
      resource: refOf(vs),
      namespace: namespaceOfItem(vs),
      field: `spec.tls[${i}].match[${j}].sniHosts[${n}]`,
      value: serverNames[n],
      route: `spec.tls[${i}]`,
      ...(destination ? { destination } : {}),
    };
  }
  for (const vs of bound) {
    const blocks = objects(specOf(vs).tcp);
    const i = blocks.findIndex((b) => objects(b.match).some((m) => applies(m, vs, c)));
    if (i < 0) continue;
    const destination = destinationOf(blocks[i]);
    return {
      resource: refOf(vs),
      namespace: namespaceOfItem(vs),
      field: `spec.tcp[${i}].route[0].destination.host`,
      value: destination?.host ?? '',
      route: `spec.tcp[${i}]`,
      ...(destination ? { destination } : {}),
    };
  }
  return undefined;
}
