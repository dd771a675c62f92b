import type { Options } from '../config/options.js';
import { sortDomains } from '../domains/normalize-list.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { apiVersions, stackNames } from './names.js';
import type { Resource } from './resource.js';
import { bucketName, serviceEntryBuckets } from './render-routing.js';

/** Name of the ambient waypoint that forwards the list in waypoint mode. */
export const WAYPOINT_NAME = 'waypoint';

/** The label Istio puts on a waypoint's pods: what the waypoint's NetworkPolicy selects. */
export const WAYPOINT_POD_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The lanes of one scope (the shared list, or one team) and the namespaces it serves. */
export interface NativeScope {
  scope: string;
  namespaces: string[];
  lanes: Lane[];
}

/** Scopes in plan order: the shared list first, then each team. */
export function nativeScopes(o: Options, plan: DomainPlan): NativeScope[] {
  const scopes = [...new Set(plan.lanes.map((l) => l.scope))];
  return scopes.map((scope) => ({
    scope,
    namespaces: scope ? (o.production.teams?.find((t) => t.name === scope)?.namespaces ?? []) : o.production.namespaces,
    lanes: plan.lanes.filter((l) => l.scope === scope),
  }));
}

interface NativeGroup {
  wildcard: boolean;
  ports: { number: number; protocol: 'TLS' | 'HTTP' }[];
  hosts: string[];
}

/**
 * A scope's names grouped for native ServiceEntries: wildcards apart from
 * exact names (DYNAMIC_DNS takes wildcards only; exact names resolve by DNS),
 * then by the set of (port, protocol) each name is listed on.
 */
function nativeGroups(scope: NativeScope, mainPort: number): NativeGroup[] {
  const portsOf = new Map<string, Map<number, 'TLS' | 'HTTP'>>();
  for (const lane of scope.lanes) {
    for (const d of lane.domains) {
      if (!portsOf.has(d)) portsOf.set(d, new Map());
      portsOf.get(d)!.set(lane.upstreamPort, lane.protocol);
    }
  }
  const groups = new Map<string, NativeGroup>();
  for (const [name, ports] of portsOf) {
    const wildcard = name.startsWith('*.');
    const list = [...ports].map(([number, protocol]) => ({ number, protocol })).sort((a, b) => a.number - b.number);
    const key = `${wildcard}|${list.map((p) => `${p.number}/${p.protocol}`).join(',')}`;
    if (!groups.has(key)) groups.set(key, { wildcard, ports: list, hosts: [] });
    groups.get(key)!.hosts.push(name);
  }
  // Wildcards first, the main port's group first, then by ports.
  const main = (g: NativeGroup) => g.ports.length === 1 && g.ports[0]!.number === mainPort;
  const rank = (g: NativeGroup) => `${g.wildcard ? 0 : 1}|${main(g) ? 0 : 1}|${g.ports.map((p) => String(p.number).padStart(5, '0')).join(',')}`;
  return [...groups.values()].map((g) => ({ ...g, hosts: sortDomains(g.hosts) })).sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

/** `wildcard`, `wildcard-payments`; `-exact` for names resolved by DNS; `-ports-80-443` off the main port; `-2` for a further bucket. */
function nativeName(o: Options, scope: string, g: NativeGroup, bucket: number): string {
  const base = `${stackNames(o).serviceEntry}${scope ? `-${scope}` : ''}${g.wildcard ? '' : '-exact'}`;
  const main = g.ports.length === 1 && g.ports[0]!.number === o.upstreamPort;
  return bucketName(main ? base : `${base}-ports-${g.ports.map((p) => p.number).join('-')}`, bucket);
}

/** A ServiceEntry port: `tls` or `http` on the main upstream port, `tls-8443` elsewhere. */
function nativePort(o: Options, p: { number: number; protocol: 'TLS' | 'HTTP' }) {
  const kind = p.protocol.toLowerCase();
  return { number: p.number, name: p.number === o.upstreamPort ? kind : `${kind}-${p.number}`, protocol: p.protocol };
}

/**
 * ServiceEntries of the native modes: wildcard names with resolution
 * DYNAMIC_DNS (the forwarder resolves the name the client asked for), exact
 * names with DNS; MESH_EXTERNAL; no addresses or endpoints; at most 256 hosts each.
 */
export function nativeServiceEntries(o: Options, plan: DomainPlan, namespace: string, extra: (scope: NativeScope) => Record<string, unknown>, labels?: Record<string, string>): { scope: NativeScope; entries: Resource[] }[] {
  return nativeScopes(o, plan).map((scope) => ({ scope, entries: nativeGroups(scope, o.upstreamPort).flatMap((g) =>
    serviceEntryBuckets(g.hosts).map(([bucket, hosts]): Resource => ({
      apiVersion: apiVersions(o).networking,
      kind: 'ServiceEntry',
      metadata: { name: nativeName(o, scope.scope, g, bucket), namespace, ...(labels ? { labels: { ...labels } } : {}) },
      spec: {
        hosts,
        location: 'MESH_EXTERNAL',
        ports: g.ports.map((p) => nativePort(o, p)),
        resolution: g.wildcard ? 'DYNAMIC_DNS' : 'DNS',
        ...extra(scope),
      },
    }))) }));
}

/** The post's mesh-wide access log, for the native modes too. */
export function meshTelemetry(o: Options): Resource[] {
  if (!o.accessLogging) return [];
  const n = stackNames(o);
  return [{
    apiVersion: apiVersions(o).meshTelemetry,
    kind: 'Telemetry',
    metadata: { name: n.telemetry, namespace: n.telemetryNamespace },
    spec: { accessLogging: [{ providers: [{ name: 'envoy' }] }] },
  }];
}

/**
 * Sidecar mode (Istio 1.30+): every sidecar resolves and forwards listed
 * names itself. ServiceEntries in the routing namespace; with teams, each
 * scope's are exported only to its namespaces.
 */
export function renderSidecarMode(o: Options, plan: DomainPlan): Resource[] {
  const teams = (o.production.teams ?? []).length > 0;
  const exportTo = (scope: NativeScope) => (teams && scope.namespaces.length > 0 ? { exportTo: [...scope.namespaces] } : {});
  return [...nativeServiceEntries(o, plan, o.routingNamespace, exportTo).flatMap((s) => s.entries), ...meshTelemetry(o)];
}

/**
 * Waypoint mode (ambient): a waypoint in the egress namespace forwards the
 * names of the ServiceEntries bound to it (`istio.io/use-waypoint`), and an
 * AuthorizationPolicy per scope, attached to its ServiceEntries, admits only
 * the scope's namespaces (ztunnel ignores `exportTo`: these are the team
 * boundaries).
 */
export function renderWaypointMode(o: Options, plan: DomainPlan): Resource[] {
  const ns = o.gateway.namespace;
  const waypoint: Resource = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: WAYPOINT_NAME, namespace: ns, labels: { 'istio.io/waypoint-for': 'service' } },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
  const byScope = nativeServiceEntries(o, plan, ns, () => ({}), { 'istio.io/use-waypoint': WAYPOINT_NAME });
  const policies: Resource[] = !o.production.authorization ? [] : byScope.filter(({ scope }) => scope.namespaces.length > 0).map(({ scope, entries }) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: scope.scope ? `wildcard-egress-${scope.scope}` : 'wildcard-egress', namespace: ns },
    spec: {
      targetRefs: entries.map((e) => ({ group: 'networking.istio.io', kind: 'ServiceEntry', name: e.metadata.name })),
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: scope.namespaces.map((n) => `${o.production.trustDomain}/ns/${n}/sa/*`) } }] }],
    },
  }));
  return [waypoint, ...byScope.flatMap((s) => s.entries), ...policies, ...meshTelemetry(o)];
}
