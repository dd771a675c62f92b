import { error, warning, type Result } from '../krm/results.js';
import { fnv1a } from '../util/fnv1a.js';
import { foldCovered } from './fold-covered.js';
import type { Domain } from './normalize-domain.js';
import { sortDomains, type DomainEntry } from './normalize-list.js';

/**
 * What planning reads of the run's options (config/options.ts's `Options`
 * has every field): the domains folder depends on no other step's types.
 */
export interface PlanSettings {
  upstreamPort: number;
  gateway: { servicePort: number; targetPort: number };
  production: {
    namespaces: string[];
    teams?: { name: string; namespaces: string[] }[];
  };
}

/**
 * One path through the gateway: a set of names on one upstream port for one
 * group of namespaces. The post has exactly one lane (the shared list on port
 * 443, open to every namespace); upstream ports and teams add more. Each lane
 * gets its own gateway port, internal listener and VirtualService tls route.
 */
export interface Lane {
  /** `''` for the post's lane; otherwise `-<team>`, `-<port>` or `-<team>-<port>`, used in names. */
  suffix: string;
  team?: string;
  /** Namespaces that may use the lane; empty means every namespace. */
  namespaces: string[];
  upstreamPort: number;
  /** Port of the gateway pods (the Gateway server) for this lane. */
  gatewayPort: number;
  /** Port of the gateway Service that sidecars send this lane's traffic to. */
  servicePort: number;
  /** Name of the lane's Service port and Gateway server port: a DNS-1123 label. */
  portName: string;
  /** Envoy cluster that leads into the lane's internal listener. */
  cluster: string;
  /** The lane's internal listener. */
  listener: string;
  /** `''` for the shared list; otherwise the team: each scope has its own forward-proxy cluster and DNS cache. */
  scope: string;
  /** TLS (routed by SNI) or HTTP (by Host header, native modes only). */
  protocol: 'TLS' | 'HTTP';
  domains: Domain[];
}

/** One VirtualService tls route of the plan, in the order Istio must try them. */
export interface Route {
  /** The lane the route sends to. */
  lane: Lane;
  /** Upstream port it matches. */
  port: number;
  sniHosts: Domain[];
  /** Namespaces it applies to (`sourceNamespace`, one match each); absent: every namespace. */
  sourceNamespaces?: string[];
}

/**
 * Names served to the same scopes on the same upstream ports: one
 * ServiceEntry (or a run of them, 256 hosts each). Each host is in exactly
 * one group, so no two ServiceEntries of the stack share a host.
 */
export interface PortGroup {
  /** The scopes that list these names: `''` for the shared list, else teams; `['']` without teams. */
  scopes: string[];
  ports: number[];
  hosts: Domain[];
  /** With teams: the namespaces of those scopes, the only ones that see these names (`exportTo`). */
  exportTo?: string[];
}

/** The whole list: every name once (for hosts that ignore ports), the lanes, routes and port groups. */
export interface DomainPlan {
  all: Domain[];
  lanes: Lane[];
  routes: Route[];
  portGroups: PortGroup[];
}

/** Ports Istio's proxies use on every pod (15000 admin … 15090 Prometheus): no gateway port goes there. */
export const RESERVED_PORTS = { from: 15000, to: 15090 };

const isReserved = (port: number) => port >= RESERVED_PORTS.from && port <= RESERVED_PORTS.to;

/** Kubernetes port names are DNS-1123 labels of at most 63 characters. */
const MAX_PORT_NAME = 63;

/** Sorted, de-duplicated names with every name a listed wildcard covers left out. */
function folded(domains: Iterable<Domain>): {
  kept: Domain[];
  folded: ReturnType<typeof foldCovered>['folded'];
} {
  return foldCovered(sortDomains(new Set(domains)));
}

/** `tls-egress<suffix>`, or, past 63 characters, its head and a hash of the whole suffix. */
export function lanePortName(suffix: string): string {
  const full = `tls-egress${suffix}`;
  if (full.length <= MAX_PORT_NAME) return full;
  const hash = fnv1a(suffix);
  return `${full.slice(0, MAX_PORT_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

interface Group {
  team?: string;
  port: number;
  entries: DomainEntry[];
}

/**
 * Groups the accepted entries into lanes, folds each lane's names (with a
 * warning per name left out), numbers the lanes' ports (the post's lane keeps
 * the configured ports; every further lane takes the next free gateway port
 * outside Istio's reserved range), names them, and orders the routes.
 * Name clashes between lanes are errors that name both.
 */
export function planDomains(
  entries: readonly DomainEntry[],
  o: PlanSettings,
): { plan: DomainPlan; results: Result[] } {
  const results: Result[] = [];
  const groups = new Map<string, Group>();
  for (const e of entries) {
    for (const port of e.ports ?? [o.upstreamPort]) {
      const key = `${e.team ?? ''}|${port}`;
      if (!groups.has(key))
        groups.set(key, { ...(e.team ? { team: e.team } : {}), port, entries: [] });
      groups.get(key)!.entries.push(e);
    }
  }
  const isMain = (g: Group) => g.team === undefined && g.port === o.upstreamPort;
  const ordered = [...groups.values()].sort((a, b) => {
    if (isMain(a) !== isMain(b)) return isMain(a) ? -1 : 1;
    const ta = a.team ?? '';
    const tb = b.team ?? '';
    return ta < tb ? -1 : ta > tb ? 1 : a.port - b.port;
  });
  const teamNamespaces = new Map((o.production.teams ?? []).map((t) => [t.name, t.namespaces]));
  if (isReserved(o.gateway.targetPort)) {
    results.push(
      error(
        `gateway targetPort ${o.gateway.targetPort} is in ${RESERVED_PORTS.from}-${RESERVED_PORTS.to}, the ports Istio's proxies use on every pod: choose another`,
        {
          field: { path: 'spec.gateway.targetPort', currentValue: o.gateway.targetPort },
        },
      ),
    );
  }
  results.push(...reservedUpstreamPorts(entries, o));
  const usedPorts = new Set([o.gateway.targetPort, o.gateway.servicePort]);
  let next = o.gateway.targetPort;
  const nextFreePort = () => {
    do next++;
    while (usedPorts.has(next) || isReserved(next));
    usedPorts.add(next);
    return next;
  };
  const lanes = ordered.map((g): Lane => {
    const suffix = isMain(g)
      ? ''
      : `${g.team ? `-${g.team}` : ''}${g.port !== o.upstreamPort ? `-${g.port}` : ''}`;
    const { kept, folded: dropped } = folded(g.entries.map((e) => e.domain));
    const where = [
      g.team ? `team ${g.team}` : '',
      g.port !== o.upstreamPort ? `port ${g.port}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    for (const f of dropped) {
      const entry = g.entries.find((e) => e.domain === f.name)!;
      results.push(
        warning(
          `domain ${JSON.stringify(entry.raw.value)} is covered by "${f.by}"${where ? ` (${where})` : ''} and is left out: Istio and Envoy refuse overlapping names`,
          {
            field: { path: entry.raw.path, currentValue: entry.raw.value },
          },
        ),
      );
    }
    const gatewayPort = isMain(g) ? o.gateway.targetPort : nextFreePort();
    const envoySuffix = suffix.replaceAll('-', '_');
    const protocols = [...new Set(g.entries.map((e) => e.protocol ?? 'TLS'))];
    if (protocols.length > 1) {
      const http = g.entries.find((e) => e.protocol === 'HTTP')!;
      results.push(
        error(
          `${where || 'the shared list'}: port ${g.port} mixes TLS and HTTP names (${JSON.stringify(http.raw.value)} is HTTP): one port speaks one protocol`,
          {
            field: { path: http.raw.path, currentValue: http.raw.value },
          },
        ),
      );
    }
    return {
      suffix,
      ...(g.team ? { team: g.team } : {}),
      namespaces: g.team ? (teamNamespaces.get(g.team) ?? []) : [...o.production.namespaces],
      upstreamPort: g.port,
      gatewayPort,
      servicePort: isMain(g) ? o.gateway.servicePort : gatewayPort,
      portName: lanePortName(suffix),
      cluster: `sni_cluster${envoySuffix}`,
      listener: `sni_listener${envoySuffix}`,
      scope: g.team ?? '',
      protocol: protocols[0] ?? 'TLS',
      domains: kept,
    };
  });
  results.push(...laneClashes(lanes));
  for (const lane of lanes) {
    if (lane.gatewayPort > 65535) {
      results.push(
        error(
          `lane ${laneLabel(lane)} would need gateway port ${lane.gatewayPort}, past 65535: lower spec.gateway.targetPort`,
          {
            field: { path: 'spec.gateway.targetPort', currentValue: o.gateway.targetPort },
          },
        ),
      );
    }
  }
  const all = folded(entries.map((e) => e.domain)).kept;
  const scopes = scopesOf(lanes, o);
  const teams = scopes.some((sc) => sc.scope !== '');
  return {
    plan: {
      all,
      lanes,
      routes: teams ? planScopedRoutes(lanes, scopes) : planRoutes(lanes),
      portGroups: planPortGroups(lanes, scopes, o.upstreamPort, teams),
    },
    results,
  };
}

/**
 * Upstream ports in Istio's own range are refused: every proxy listens there
 * (15000 admin, 15001 and 15006 capture, 15021 health, 15090 metrics), so a
 * listed name that resolves to a loopback address would reach them.
 */
function reservedUpstreamPorts(entries: readonly DomainEntry[], o: PlanSettings): Result[] {
  const range = `${RESERVED_PORTS.from}-${RESERVED_PORTS.to}`;
  const why = `the ports Istio's proxies listen on (a listed name that resolves to a loopback address would reach them): choose another`;
  const out: Result[] = [];
  if (isReserved(o.upstreamPort))
    out.push(
      error(`spec.upstreamPort ${o.upstreamPort} is in ${range}, ${why}`, {
        field: { path: 'spec.upstreamPort', currentValue: o.upstreamPort },
      }),
    );
  for (const e of entries)
    for (const port of (e.ports ?? []).filter(isReserved))
      out.push(
        error(
          `domain ${JSON.stringify(e.raw.value)}: upstream port ${port} is in ${range}, ${why}`,
          { field: { path: e.raw.path.replace(/\.name$/, '.ports'), currentValue: port } },
        ),
      );
  return out;
}

/**
 * Whether a lane serves a namespace: a team's lanes its namespaces, the
 * shared lanes `production.namespaces`, and a lane without namespaces (the
 * post's, with no production namespaces) every namespace.
 */
export function servesNamespace(lane: Lane, namespace: string): boolean {
  return lane.namespaces.length === 0 || lane.namespaces.includes(namespace);
}

/** How a lane is named in messages: `team payments, port 8443`, or `the shared list, port 443`. */
export function laneLabel(lane: Lane): string {
  return `${lane.team ? `team ${JSON.stringify(lane.team)}` : 'the shared list'}, port ${lane.upstreamPort}`;
}

/** Two lanes whose names would collide (team `x` on 8443 and team `x-8443` on 443): an error naming both. */
function laneClashes(lanes: readonly Lane[]): Result[] {
  const bySuffix = new Map<string, Lane>();
  const out: Result[] = [];
  for (const lane of lanes) {
    const other = bySuffix.get(lane.suffix);
    if (other) {
      out.push(
        error(
          `${laneLabel(other)} and ${laneLabel(lane)} would share the port name ${JSON.stringify(lane.portName)} and the Envoy names ${lane.listener} and ${lane.cluster}: rename the team`,
          {
            field: { path: 'spec.production.teams', currentValue: lane.team ?? other.team },
          },
        ),
      );
    } else bySuffix.set(lane.suffix, lane);
  }
  return out;
}

/** A scope (the shared list `''`, or a team) and the namespaces it serves, in plan order. */
interface Scope {
  scope: string;
  namespaces: string[];
}

function scopesOf(lanes: readonly Lane[], o: PlanSettings): Scope[] {
  return [...new Set(lanes.map((l) => l.scope))].map((scope) => ({
    scope,
    namespaces: scope
      ? (o.production.teams?.find((t) => t.name === scope)?.namespaces ?? [])
      : [...o.production.namespaces],
  }));
}

/**
 * Without teams: per upstream port, one route for every namespace, carrying
 * every name any lane serves on that port, to the port's first lane. Every
 * namespace that can see a listed (host, port) thus has a route to the
 * gateway for it, so none falls to a direct, original-destination path.
 */
function planRoutes(lanes: readonly Lane[]): Route[] {
  const ports = [...new Set(lanes.map((l) => l.upstreamPort))];
  return ports.map((port): Route => {
    const onPort = lanes.filter((l) => l.upstreamPort === port);
    return { lane: onPort[0], port, sniHosts: folded(onPort.flatMap((l) => l.domains)).kept };
  });
}

/**
 * With teams, every route is for named namespaces (`sourceNamespace`), and
 * the ServiceEntries are exported only to the namespaces of the scopes that
 * list their names: a namespace outside every scope sees none of them (no
 * route is needed, none is missing). For each group of namespaces that share
 * the same scopes, and each upstream port, every name those namespaces can
 * see on that port is routed exactly once: to the first of the group's lanes
 * on that port that lists it, else (a name seen there through another scope's
 * port) to the group's first lane on that port, or the port's first lane,
 * which refuse it (listener, AuthorizationPolicy). One route per destination:
 * no server name is in two of a sidecar's filter chains, which Envoy would
 * refuse as overlapping (only identical name sets are merged by istiod).
 */
function planScopedRoutes(lanes: readonly Lane[], scopes: readonly Scope[]): Route[] {
  const scopesOfNs = new Map<string, string[]>();
  for (const sc of scopes)
    for (const ns of sc.namespaces) scopesOfNs.set(ns, [...(scopesOfNs.get(ns) ?? []), sc.scope]);
  const groups = new Map<string, { scopes: string[]; namespaces: string[] }>();
  for (const [ns, member] of scopesOfNs) {
    const key = member.join('|');
    if (!groups.has(key)) groups.set(key, { scopes: member, namespaces: [] });
    groups.get(key)!.namespaces.push(ns);
  }
  const portsOfName = namePorts(lanes);
  const scopesOfName = nameScopes(lanes);
  const listed = new Map(lanes.map((l) => [l, new Set<string>(l.domains)]));
  const ports = [...new Set(lanes.map((l) => l.upstreamPort))];
  const routes: Route[] = [];
  for (const g of groups.values()) {
    for (const port of ports) {
      const own = lanes.filter((l) => g.scopes.includes(l.scope) && l.upstreamPort === port);
      const visible = [...scopesOfName]
        .filter(
          ([name, sc]) => sc.some((x) => g.scopes.includes(x)) && portsOfName.get(name)!.has(port),
        )
        .map(([name]) => name);
      if (visible.length === 0) continue;
      const byLane = new Map<Lane, Domain[]>();
      for (const name of visible) {
        const lane =
          own.find((l) => listed.get(l)!.has(name)) ??
          own[0] ??
          lanes.find((l) => l.upstreamPort === port)!;
        const names = byLane.get(lane);
        if (names) names.push(name as Domain);
        else byLane.set(lane, [name as Domain]);
      }
      for (const lane of lanes) {
        const names = byLane.get(lane);
        if (names)
          routes.push({
            lane,
            port,
            sniHosts: sortDomains(names),
            sourceNamespaces: [...g.namespaces],
          });
      }
    }
  }
  return routes;
}

/** The upstream ports each listed name is served on, by any lane. */
function namePorts(lanes: readonly Lane[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const l of lanes)
    for (const d of l.domains) out.set(d, (out.get(d) ?? new Set()).add(l.upstreamPort));
  return out;
}

/** The scopes that list each name, in plan order. */
function nameScopes(lanes: readonly Lane[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of lanes)
    for (const d of l.domains) {
      const sc = out.get(d) ?? [];
      if (!sc.includes(l.scope)) sc.push(l.scope);
      out.set(d, sc);
    }
  return out;
}

/**
 * Groups names by the scopes that list them and the upstream ports they are
 * served on, so that a ServiceEntry declares for each host exactly the ports
 * some lane routes (a (host, port) no lane serves would otherwise get
 * istiod's default original-destination chain, a direct path out), and each
 * host lives in one ServiceEntry only (istiod keeps one of two with the same
 * host). Without teams there is one scope and names on one port are folded
 * under the wildcards of that port.
 */
function planPortGroups(
  lanes: readonly Lane[],
  scopes: readonly Scope[],
  mainPort: number,
  teams: boolean,
): PortGroup[] {
  const portsOf = new Map<Domain, Set<number>>();
  if (teams) {
    for (const [name, ports] of namePorts(lanes)) portsOf.set(name as Domain, ports);
  } else {
    for (const port of new Set(lanes.map((l) => l.upstreamPort))) {
      for (const n of folded(lanes.filter((l) => l.upstreamPort === port).flatMap((l) => l.domains))
        .kept) {
        portsOf.set(n, (portsOf.get(n) ?? new Set()).add(port));
      }
    }
  }
  const scopesOfName = nameScopes(lanes);
  const groups = new Map<string, PortGroup>();
  for (const [name, set] of portsOf) {
    const ports = [...set].sort((a, b) => a - b);
    const member = teams
      ? scopes.map((s) => s.scope).filter((s) => scopesOfName.get(name)!.includes(s))
      : [''];
    const key = `${member.join('|')}/${ports.join(',')}`;
    if (!groups.has(key)) {
      const exportTo = teams
        ? [...new Set(scopes.filter((s) => member.includes(s.scope)).flatMap((s) => s.namespaces))]
        : undefined;
      groups.set(key, { scopes: member, ports, hosts: [], ...(exportTo ? { exportTo } : {}) });
    }
    groups.get(key)!.hosts.push(name);
  }
  const rank = (g: PortGroup) =>
    `${g.scopes.map((s) => (s === '' ? ' ' : s)).join('|')}/${g.ports.length === 1 && g.ports[0] === mainPort ? '' : g.ports.map((p) => String(p).padStart(5, '0')).join(',')}`;
  return [...groups.values()]
    .map((g) => ({ ...g, hosts: sortDomains(g.hosts) }))
    .sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}
