import type { Options } from '../config/options.js';
import { sortDomains } from '../domains/normalize-list.js';
import type { DomainPlan } from '../domains/plan.js';
import { apiVersions, stackNames } from './names.js';
import type { Resource } from './resource.js';
import { bucketName, serviceEntryBuckets } from './render-routing.js';
import { renderTelemetry } from './render-telemetry.js';

/** Name of the ambient waypoint that forwards the list in waypoint mode. */
export const WAYPOINT_NAME = 'waypoint';

/** The label Istio puts on a waypoint's pods: what the waypoint's NetworkPolicy selects. */
export const WAYPOINT_POD_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** A set of scopes (the shared list `''`, teams) that list the same names, and their namespaces. */
export interface NativeScope {
  /** `''` alone, a team, or several joined by `-` (`shared-payments`): the name's part. */
  scope: string;
  scopes: string[];
  namespaces: string[];
}

interface NativeGroup {
  scope: NativeScope;
  wildcard: boolean;
  ports: { number: number; protocol: 'TLS' | 'HTTP' }[];
  hosts: string[];
}

/**
 * The names grouped for native ServiceEntries: by the scopes that list them
 * (so each host lives in one ServiceEntry: ambient keeps one of two with the
 * same host, sidecars drop one of two that differ in exportTo), wildcards
 * apart from exact names (DYNAMIC_DNS takes wildcards only; exact names
 * resolve by DNS), then by the (port, protocol) pairs they are listed on.
 */
function nativeGroups(o: Options, plan: DomainPlan): NativeGroup[] {
  const order = [...new Set(plan.lanes.map((l) => l.scope))];
  const namespacesOf = (scope: string) =>
    scope
      ? (o.production.teams?.find((t) => t.name === scope)?.namespaces ?? [])
      : o.production.namespaces;
  const portsOf = new Map<string, Map<number, 'TLS' | 'HTTP'>>();
  const scopesOf = new Map<string, Set<string>>();
  for (const lane of plan.lanes) {
    for (const d of lane.domains) {
      if (!portsOf.has(d)) portsOf.set(d, new Map());
      portsOf.get(d)!.set(lane.upstreamPort, lane.protocol);
      scopesOf.set(d, (scopesOf.get(d) ?? new Set()).add(lane.scope));
    }
  }
  const groups = new Map<string, NativeGroup>();
  for (const [name, ports] of portsOf) {
    const scopes = order.filter((sc) => scopesOf.get(name)!.has(sc));
    const wildcard = name.startsWith('*.');
    const list = [...ports]
      .map(([number, protocol]) => ({ number, protocol }))
      .sort((a, b) => a.number - b.number);
    const key = `${scopes.join('|')}/${wildcard}|${list.map((p) => `${p.number}/${p.protocol}`).join(',')}`;
    if (!groups.has(key)) {
      const scope: NativeScope = {
        scope:
          scopes.length === 1 && scopes[0] === ''
            ? ''
            : scopes.map((sc) => sc || 'shared').join('-'),
        scopes,
        namespaces: [...new Set(scopes.flatMap(namespacesOf))],
      };
      groups.set(key, { scope, wildcard, ports: list, hosts: [] });
    }
    groups.get(key)!.hosts.push(name);
  }
  // By scopes (the shared list first), wildcards first, the main port's group first, then by ports.
  const main = (g: NativeGroup) => g.ports.length === 1 && g.ports[0].number === o.upstreamPort;
  const rank = (g: NativeGroup) =>
    `${g.scope.scopes.map((sc) => order.indexOf(sc)).join(',')}|${g.wildcard ? 0 : 1}|${main(g) ? 0 : 1}|${g.ports.map((p) => String(p.number).padStart(5, '0')).join(',')}`;
  return [...groups.values()]
    .map((g) => ({ ...g, hosts: sortDomains(g.hosts) }))
    .sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

/** `wildcard`, `wildcard-payments`, `wildcard-shared-payments`; `-exact` for names resolved by DNS; `-ports-80-443` off the main port; `-2` for a further bucket. */
function nativeName(o: Options, g: NativeGroup, bucket: number): string {
  const base = `${stackNames(o).serviceEntry}${g.scope.scope ? `-${g.scope.scope}` : ''}${g.wildcard ? '' : '-exact'}`;
  const main = g.ports.length === 1 && g.ports[0].number === o.upstreamPort;
  return bucketName(
    main ? base : `${base}-ports-${g.ports.map((p) => p.number).join('-')}`,
    bucket,
  );
}

/** A ServiceEntry port: `tls` or `http` on the main upstream port, `tls-8443` elsewhere. */
function nativePort(o: Options, p: { number: number; protocol: 'TLS' | 'HTTP' }) {
  const kind = p.protocol.toLowerCase();
  return {
    number: p.number,
    name: p.number === o.upstreamPort ? kind : `${kind}-${p.number}`,
    protocol: p.protocol,
  };
}

/**
 * ServiceEntries of the native modes: wildcard names with resolution
 * DYNAMIC_DNS (the forwarder resolves the name the client asked for), exact
 * names with DNS; MESH_EXTERNAL; no addresses or endpoints; at most 256 hosts each.
 */
export function nativeServiceEntries(
  o: Options,
  plan: DomainPlan,
  namespace: string,
  extra: (scope: NativeScope) => Record<string, unknown>,
  labels?: Record<string, string>,
): { scope: NativeScope; entries: Resource[] }[] {
  const byScope = new Map<string, { scope: NativeScope; entries: Resource[] }>();
  for (const g of nativeGroups(o, plan)) {
    const entries = serviceEntryBuckets(g.hosts).map(([bucket, hosts]): Resource => ({
      apiVersion: apiVersions(o).networking,
      kind: 'ServiceEntry',
      metadata: {
        name: nativeName(o, g, bucket),
        namespace,
        ...(labels ? { labels: { ...labels } } : {}),
      },
      spec: {
        hosts,
        location: 'MESH_EXTERNAL',
        ports: g.ports.map((p) => nativePort(o, p)),
        resolution: g.wildcard ? 'DYNAMIC_DNS' : 'DNS',
        ...extra(g.scope),
      },
    }));
    const at = byScope.get(g.scope.scope) ?? { scope: g.scope, entries: [] };
    at.entries.push(...entries);
    byScope.set(g.scope.scope, at);
  }
  return [...byScope.values()];
}

/**
 * Sidecar mode (Istio 1.30+): every sidecar resolves and forwards listed
 * names itself. ServiceEntries in the routing namespace; with teams, each
 * scope's are exported only to its namespaces.
 */
export function renderSidecarMode(o: Options, plan: DomainPlan): Resource[] {
  const teams = (o.production.teams ?? []).length > 0;
  const exportTo = (scope: NativeScope) =>
    teams && scope.namespaces.length > 0 ? { exportTo: [...scope.namespaces] } : {};
  return [
    ...nativeServiceEntries(o, plan, o.routingNamespace, exportTo).flatMap((s) => s.entries),
    ...renderTelemetry(o),
  ];
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
    metadata: {
      name: WAYPOINT_NAME,
      namespace: ns,
      labels: { 'istio.io/waypoint-for': 'service' },
    },
    spec: {
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    },
  };
  const byScope = nativeServiceEntries(o, plan, ns, () => ({}), {
    'istio.io/use-waypoint': WAYPOINT_NAME,
  });
  const policies: Resource[] = !o.production.authorization
    ? []
    : byScope
        .filter(({ scope }) => scope.namespaces.length > 0)
        .map(({ scope, entries }) => ({
          apiVersion: 'security.istio.io/v1',
          kind: 'AuthorizationPolicy',
          metadata: {
            name: scope.scope ? `wildcard-egress-${scope.scope}` : 'wildcard-egress',
            namespace: ns,
          },
          spec: {
            targetRefs: entries.map((e) => ({
              group: 'networking.istio.io',
              kind: 'ServiceEntry',
              name: e.metadata.name,
            })),
            action: 'ALLOW',
            rules: [
              {
                from: [
                  {
                    source: {
                      principals: scope.namespaces.map(
                        (n) => `${o.production.trustDomain}/ns/${n}/sa/*`,
                      ),
                    },
                  },
                ],
              },
            ],
          },
        }));
  return [waypoint, ...byScope.flatMap((s) => s.entries), ...policies, ...renderTelemetry(o)];
}
