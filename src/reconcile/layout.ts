import type { Options } from '../config/options.js';
import { error, info, warning, type Result } from '../krm/results.js';
import { covers } from '../domains/host-match.js';
import { gatewayRouting, list, meshHosts, pairedGatewayRouting } from '../places/vs-routes.js';
import { groupOf, type Resource } from '../stack/resource.js';
import { isObject, stringMap, textOf } from '../util/data.js';
import { entryData, entrySpec, type Entry } from './entry.js';
import { about, label, labelOf } from './report.js';
import { meshRouteTarget } from './roles.js';

/** A forwarder of the user's own found in the input. */
export interface FoundForwarder {
  entry: Entry;
  kind:
    'per-host egress gateway' | 'egress gateway route' | 'SNI forward proxy' | 'ambient waypoint';
  field: string;
  detail: string;
}

/** What kind of forwarder an item of the user's own is, if it is one. */
function forwarderOf(e: Entry): FoundForwarder | undefined {
  const kind = e.header.kind;
  const group = groupOf(e.header.apiVersion ?? '');
  if (kind === 'EnvoyFilter' && e.source.includes('sni_dynamic_forward_proxy')) {
    return {
      entry: e,
      kind: 'SNI forward proxy',
      field: 'spec.configPatches',
      detail: 'forwards TLS by SNI with sni_dynamic_forward_proxy',
    };
  }
  if (kind === 'VirtualService') {
    const data = entryData(e);
    const found = data ? gatewayRouting(data) : undefined;
    if (found)
      return {
        entry: e,
        kind: found.perHost ? 'per-host egress gateway' : 'egress gateway route',
        field: found.field,
        detail: found.detail,
      };
  }
  if (kind === 'Gateway' && group === 'gateway.networking.k8s.io') {
    const data = entryData(e);
    const spec = data && isObject(data.spec) ? data.spec : {};
    const metadata = data && isObject(data.metadata) ? data.metadata : {};
    const className = textOf(spec.gatewayClassName);
    if (className.includes('waypoint') || stringMap(metadata.labels)['istio.io/waypoint-for']) {
      return {
        entry: e,
        kind: 'ambient waypoint',
        field: 'spec.gatewayClassName',
        detail: `is a waypoint (gatewayClassName ${className})`,
      };
    }
  }
  if (kind && ROUTE_KINDS.has(kind) && group === 'gateway.networking.k8s.io') {
    const data = entryData(e);
    const found = data ? gatewayApiEgress(data) : undefined;
    if (found) return { entry: e, kind: 'per-host egress gateway', ...found };
  }
  if (kind === 'ServiceEntry') {
    const data = entryData(e);
    const metadata = data && isObject(data.metadata) ? data.metadata : {};
    const waypoint = stringMap(metadata.labels)['istio.io/use-waypoint'];
    if (waypoint) {
      return {
        entry: e,
        kind: 'ambient waypoint',
        field: 'metadata.labels.istio.io/use-waypoint',
        detail: `is bound to the waypoint ${JSON.stringify(waypoint)} (istio.io/use-waypoint)`,
      };
    }
  }
  return undefined;
}

const ROUTE_KINDS = new Set(['HTTPRoute', 'TLSRoute', 'TCPRoute', 'GRPCRoute']);

/**
 * A Gateway API route of Istio's egress pattern: attached to a ServiceEntry
 * (a parentRef of kind ServiceEntry) and sent to a gateway Service, or
 * attached to a Gateway and sent on to a host by name (a backendRef of kind
 * Hostname). Either forwards only the hosts it names. A route on a
 * ServiceEntry that sends to a Hostname or to the ServiceEntry itself is
 * no gateway (a timeout or retry for sidecars).
 */
function gatewayApiEgress(
  data: Record<string, unknown>,
): { field: string; detail: string } | undefined {
  const spec = isObject(data.spec) ? data.spec : {};
  const rules = list(spec.rules);
  const parents = list(spec.parentRefs);
  const entry = parents.findIndex((p) => textOf(p.kind) === 'ServiceEntry');
  if (entry >= 0) {
    const seName = textOf(parents[entry]?.name);
    for (const [i, rule] of rules.entries()) {
      // A Service backend is a gateway's; a Hostname or the ServiceEntry itself keeps the traffic on its way (a timeout, a retry).
      const backend = list(rule.backendRefs).find((b) => textOf(b.kind, 'Service') === 'Service');
      if (backend)
        return {
          field: `spec.rules[${i}].backendRefs`,
          detail: `spec.parentRefs[${entry}] attaches it to ServiceEntry ${JSON.stringify(seName)} and spec.rules[${i}] sends that traffic to ${JSON.stringify(textOf(backend.name))} (a Gateway API egress gateway)`,
        };
    }
  }
  const onGateway = parents.some((p) => textOf(p.kind, 'Gateway') === 'Gateway');
  for (const [i, rule] of onGateway ? rules.entries() : []) {
    const host = list(rule.backendRefs).find((b) => textOf(b.kind) === 'Hostname');
    if (host)
      return {
        field: `spec.rules[${i}].backendRefs`,
        detail: `spec.rules[${i}] forwards to the host ${JSON.stringify(textOf(host.name))} by name (a Gateway API egress gateway)`,
      };
  }
  return undefined;
}

/** Egress gateway routes written over two VirtualServices of the user's (a mesh side and a gateway side). */
function pairedForwarders(entries: readonly Entry[]): FoundForwarder[] {
  const services = entries.flatMap((e) => {
    if (e.header.kind !== 'VirtualService' || (e.role !== 'other' && e.role !== 'opted-in'))
      return [];
    const data = entryData(e);
    return data ? [{ e, data }] : [];
  });
  const out: FoundForwarder[] = [];
  for (const a of services) {
    if (gatewayRouting(a.data)) continue; // one VirtualService holding both sides: forwarderOf
    for (const b of services) {
      if (b === a) continue;
      const pair = pairedGatewayRouting(a.data, b.data);
      if (!pair) continue;
      out.push({
        entry: a.e,
        kind: pair.perHost ? 'per-host egress gateway' : 'egress gateway route',
        field: pair.field,
        detail: `${pair.detail} (${label(b.e.header)})`,
      });
      break;
    }
  }
  return out;
}

/** What the mode would add that a forwarder of the user's own makes a second one. */
function secondForwarder(o: Options, rendered: readonly Resource[]): string | undefined {
  const first = (kind: string) => rendered.find((r) => r.kind === kind);
  if (o.mode === 'egress-gateway') {
    const gw = first('Deployment') ?? first('Gateway');
    return gw ? `a second egress gateway (${labelOf(gw)})` : undefined;
  }
  if (o.mode === 'waypoint') {
    const wp = rendered.find((r) => r.kind === 'Gateway' && r.apiVersion.startsWith('gateway.'));
    return wp ? `a second waypoint (${labelOf(wp)})` : undefined;
  }
  return undefined;
}

/**
 * Recognises the layout the input already has: forwarders of the user's own
 * (a per-host egress gateway, an SNI forward proxy, an ambient waypoint).
 * When the run would add a forwarder beside one, or the mesh runs ambient and
 * the mode is not `waypoint`, it fails and says what it found and which mode
 * or option fits, unless `coexist` is set (then a warning says it).
 * `added` is what the run would add, after the roles the input fills.
 */
export function layoutResults(
  entries: readonly Entry[],
  o: Options,
  added: readonly Resource[],
): Result[] {
  const found = entries
    .filter((e) => e.role === 'other' && !e.rendered)
    .map(forwarderOf)
    .filter((f): f is FoundForwarder => f !== undefined);
  const out: Result[] = [];
  for (const pair of pairedForwarders(entries)) {
    if (pair.entry.role === 'other') found.push(pair);
    else if (pair.kind === 'per-host egress gateway')
      out.push(
        error(
          `${pair.detail}: opted in, it would send every name of the list to a gateway that forwards only its own host, and drops the rest. Opt in a VirtualService that routes to the egress gateway of this stack, or remove the annotation`,
          { ...about(pair.entry.header), field: { path: pair.field } },
        ),
      );
  }
  if (!o.generate) return out;
  const say = (f: FoundForwarder, message: string) =>
    (o.coexist ? warning : error)(`${f.detail}: ${message}`, {
      ...about(f.entry.header),
      field: { path: f.field },
    });
  const ambient = found.find((f) => f.kind === 'ambient waypoint');
  if (ambient && o.mode !== 'waypoint') {
    out.push(
      say(
        ambient,
        `this mesh runs ambient, where the ${o.mode} stack enforces nothing for ambient pods. Set spec.mode: waypoint to enforce the list on a waypoint${o.coexist ? '' : ', or spec.coexist: true to render this stack anyway'}`,
      ),
    );
    return out;
  }
  if (o.mode !== 'egress-gateway') {
    // The list goes another way; a gateway of the user's keeps forwarding its own hosts.
    const gateway = found.find(
      (f) => f.kind === 'per-host egress gateway' || f.kind === 'egress gateway route',
    );
    if (gateway)
      out.push(
        // A line for the whole run (no resourceRef), so stream mode shows it without --verbose.
        info(
          `found ${label(gateway.entry.header)} ${gateway.field}: ${gateway.detail}, ${gateway.kind === 'per-host egress gateway' ? 'a' : 'an'} ${gateway.kind} of your own, left as it is: in ${o.mode} mode the list's names do not pass through it, and the hosts it routes keep its path`,
        ),
      );
  }
  const second = secondForwarder(o, added);
  if (!second) return out;
  const forwarder = found.find((f) =>
    o.mode === 'waypoint' ? f.kind === 'ambient waypoint' : f.kind !== 'ambient waypoint',
  );
  if (forwarder) {
    const advice: Record<FoundForwarder['kind'], string> = {
      'SNI forward proxy': `To have the list forwarded by yours, annotate that EnvoyFilter (and the VirtualService and ServiceEntry that lead to it) with wildcard-egress.dev/domain-list: ${o.listName}: the function then fills them and adds no gateway`,
      'per-host egress gateway':
        'A per-host gateway forwards each host to itself by name and cannot forward wildcards: move its hosts into the list and delete those routes',
      'egress gateway route': `To have the list forwarded through yours, annotate that VirtualService (and its ServiceEntry) with wildcard-egress.dev/domain-list: ${o.listName}: the function then fills them and adds no gateway`,
      'ambient waypoint': `To have the list enforced on yours, set spec.gateway.namespace to its namespace if it is named "waypoint" (the function then adopts it), or annotate its ServiceEntries with wildcard-egress.dev/domain-list: ${o.listName} and set generate: false (list the names on every port those ServiceEntries declare, spec.domains[].ports, or the run refuses the other ports)`,
    };
    out.push(
      say(
        forwarder,
        `${forwarder.kind === 'ambient waypoint' || forwarder.kind === 'egress gateway route' ? 'an' : 'a'} ${forwarder.kind} of your own; the run would add ${second} beside it.${
          o.coexist ? '' : ` ${advice[forwarder.kind]}; or set spec.coexist: true to keep both`
        }`,
      ),
    );
  }
  return out;
}

/**
 * VirtualServices of the user's own that route names of the list for
 * sidecars, when the run routes them too (egress-gateway mode): two mesh
 * VirtualServices for one host conflict, and istiod keeps only one (IST0109).
 * An error naming the hosts and how to resolve it.
 */
export function meshConflicts(
  entries: readonly Entry[],
  names: readonly string[],
  o: Options,
  routesList: boolean,
): Result[] {
  if (!routesList) return [];
  const out: Result[] = [];
  for (const e of entries) {
    if ((e.role !== 'other' && e.role !== 'opted-in') || e.header.kind !== 'VirtualService')
      continue;
    const data = entryData(e);
    if (!data) continue;
    const mesh = meshHosts(data);
    // An opted-in VirtualService takes the list's names itself: it conflicts wherever it routes for sidecars.
    const opted = e.role === 'opted-in';
    // An opted-in one that routes elsewhere replaces the stack's; one that routes nowhere useful is refused by its fit check.
    if (opted && meshRouteTarget(e, o) !== 'stack') continue;
    const both = opted
      ? mesh.length > 0
        ? names.slice(0, 3)
        : []
      : mesh.filter((h) => names.some((n) => covers(h, n) || covers(n, h)));
    if (both.length === 0) continue;
    const fix = opted
      ? "It routes them to the stack's own gateway, so the stack's VirtualService stays (it also holds the route at the gateway that istiod needs to keep the gateway's listener): remove the annotation and let the function render the route, or route the list to a forwarder of your own"
      : `Annotate it with wildcard-egress.dev/domain-list: ${o.listName} to have the list routed there, or take those hosts out of it`;
    const more = opted && names.length > 3 ? ' and the rest of the list' : '';
    out.push(
      error(
        `routes ${both.join(', ')}${more} for sidecars too, and so does the stack's VirtualService: two mesh VirtualServices for one host conflict and istiod keeps only one (IST0109). ${fix}`,
        { ...about(e.header), field: { path: 'spec.hosts' } },
      ),
    );
  }
  return out;
}

/** Hosts the list holds that a ServiceEntry of the user's own declares too: a path the stack does not control. */
export function overlapWarnings(entries: readonly Entry[], names: readonly string[]): Result[] {
  const listed = new Set(names);
  const out: Result[] = [];
  for (const e of entries) {
    if (e.role !== 'other' || e.header.kind !== 'ServiceEntry') continue;
    const spec = entrySpec(e);
    const hosts = Array.isArray(spec.hosts) ? spec.hosts.map((h) => textOf(h)) : [];
    const both = hosts.filter((h) => listed.has(h));
    if (both.length === 0) continue;
    out.push(
      warning(
        `also declares ${both.join(', ')} (resolution ${textOf(spec.resolution, 'NONE')}): proxies may take its path to them rather than the stack's; remove them from it, or annotate it with wildcard-egress.dev/domain-list to let the function fill it`,
        { ...about(e.header), field: { path: 'spec.hosts' } },
      ),
    );
  }
  return out;
}
