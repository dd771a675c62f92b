import type { Options } from '../config/options.js';
import { bucketCount, bucketOf, splitInto } from '../domains/buckets.js';
import type { DomainPlan, PortGroup, Route } from '../domains/plan.js';
import { NAME_BYTES_PER_OBJECT } from './limits.js';
import { apiVersions, stackNames } from './names.js';
import type { Resource } from './resource.js';
import { renderTelemetry } from './render-telemetry.js';

/** Istio's limit on ServiceEntry `spec.hosts` (the CRD's maxItems). */
export const SERVICE_ENTRY_MAX_HOSTS = 256;

/**
 * Splits a list of names into ServiceEntry-sized buckets (at most 256 hosts, by a hash of each
 * name: the same list gives the same buckets, and a new name changes only its own). Returns
 * `[bucket index, names]` for the buckets that hold names; a short list is one bucket, 0.
 */
export function serviceEntryBuckets<T extends string>(names: readonly T[]): [number, T[]][] {
  const buckets = splitInto(
    names,
    bucketCount(names, NAME_BYTES_PER_OBJECT, SERVICE_ENTRY_MAX_HOSTS),
  );
  return buckets.map((b, i) => [i, b] as [number, T[]]).filter(([, b]) => b.length > 0);
}

/** `base` for bucket 0, `base-2`, `base-3`, … for the others. */
export function bucketName(base: string, bucket: number): string {
  return bucket === 0 ? base : `${base}-${bucket + 1}`;
}

/**
 * Name of a ServiceEntry of a port group: the post's `wildcard` (then `wildcard-2`, …, one per
 * bucket) for names on the main upstream port only; `wildcard-ports-443-8443`, … for other port sets.
 */
export function serviceEntryName(
  base: string,
  group: PortGroup,
  mainPort: number,
  bucket: number,
): string {
  const isMain = group.ports.length === 1 && group.ports[0] === mainPort;
  // With teams, the scopes that list the names: `wildcard-payments`, `wildcard-shared-payments`.
  const scopes =
    group.scopes.length === 1 && group.scopes[0] === ''
      ? ''
      : `-${group.scopes.map((s) => s || 'shared').join('-')}`;
  return bucketName(`${base}${scopes}${isMain ? '' : `-ports-${group.ports.join('-')}`}`, bucket);
}

/** The host of `all` that covers `name`: the name itself, or the listed wildcard over it. */
function coverIn(all: ReadonlySet<string>, name: string): string {
  if (all.has(name)) return name;
  const bare = name.startsWith('*.') ? name.slice(2) : name;
  let dot = bare.indexOf('.');
  let found = name;
  while (dot >= 0) {
    const wildcard = `*.${bare.slice(dot + 1)}`;
    if (all.has(wildcard)) found = wildcard;
    dot = bare.indexOf('.', dot + 1);
  }
  return found;
}

/**
 * The VirtualServices' share of the names: the hosts in buckets (by hash),
 * each bucket's routes carrying only the sniHosts its hosts cover. A name
 * weighs its bytes in `hosts` and in every match that carries it.
 */
function virtualServiceBuckets(
  plan: DomainPlan,
): { bucket: number; hosts: string[]; routes: Route[] }[] {
  const all = new Set<string>(plan.all);
  const cover = new Map<string, string>();
  const bytes = new Map<string, number>(plan.all.map((h) => [h, h.length + 3]));
  for (const r of plan.routes) {
    const matches = r.sourceNamespaces?.length ?? 1;
    for (const s of r.sniHosts) {
      const c = coverIn(all, s);
      cover.set(s, c);
      bytes.set(c, (bytes.get(c) ?? 0) + (s.length + 3) * matches);
    }
  }
  const count = bucketCount(
    plan.all,
    NAME_BYTES_PER_OBJECT,
    Infinity,
    (h) => bytes.get(h)! / (h.length + 3),
  );
  return splitInto(plan.all, count)
    .map((hosts, bucket) => ({
      bucket,
      hosts,
      routes: plan.routes
        .map((r) => ({
          ...r,
          sniHosts: r.sniHosts.filter((s) => bucketOf(cover.get(s)!, count) === bucket),
        }))
        .filter((r) => r.sniHosts.length > 0),
    }))
    .filter((b) => b.hosts.length > 0);
}

/** ServiceEntry port name for an upstream port: the post's `tls` for the main port, `tls-<port>` otherwise. */
function sePortName(port: number, mainPort: number): string {
  return port === mainPort ? 'tls' : `tls-${port}`;
}

/** Sidecar-side matches of a route: any namespace, or one match per namespace it is for. */
function routeMatches(route: Route): Record<string, unknown>[] {
  const base = { gateways: ['mesh'], port: route.port, sniHosts: [...route.sniHosts] };
  if (!route.sourceNamespaces) return [base];
  return route.sourceNamespaces.map((ns) => ({ ...base, sourceNamespace: ns }));
}

/**
 * Part 2 of the post, mesh side: the Gateway server that ends Istio mTLS, the
 * VirtualService that steers listed SNI names to it, the DestinationRule for
 * mTLS, the ServiceEntries that register the hosts, and access logging. With
 * more than one lane (ports, teams), each lane gets its own Gateway server;
 * the routes come from the plan (team routes first, then one per port for
 * every namespace).
 */
export function renderRouting(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const api = apiVersions(o);
  const ns = o.routingNamespace;
  const multi = plan.lanes.length > 1;
  const resources: Resource[] = [
    {
      apiVersion: api.networking,
      kind: 'Gateway',
      metadata: { name: n.gateway, namespace: ns },
      spec: {
        selector: { ...n.selector },
        servers: plan.lanes.map((l) => ({
          port: { number: l.gatewayPort, name: l.portName, protocol: 'TLS' },
          // Only VirtualServices of the routing namespace bind here, not any namespace's (the post: `*`).
          hosts: [`${ns}/*`],
          tls: { mode: 'ISTIO_MUTUAL' },
        })),
      },
    },
    // A long list is split over several VirtualServices with disjoint hosts; the first binds the Gateway.
    ...virtualServiceBuckets(plan).map((vs, i): Resource => ({
      apiVersion: api.networking,
      kind: 'VirtualService',
      metadata: { name: bucketName(n.virtualService, vs.bucket), namespace: ns },
      spec: {
        hosts: [...vs.hosts],
        gateways: i === 0 ? ['mesh', n.gatewayRef] : ['mesh'],
        tls: vs.routes.map((r) => ({
          match: routeMatches(r),
          route: [
            {
              destination: {
                host: n.serviceHost,
                subset: n.subset,
                ...(multi ? { port: { number: r.lane.servicePort } } : {}),
              },
            },
          ],
        })),
        // istiod drops a Gateway listener nothing routes to; this dummy route keeps each one.
        ...(i === 0
          ? {
              tcp: [
                {
                  match: plan.lanes.map((l) => ({ gateways: [n.gatewayRef], port: l.gatewayPort })),
                  route: [{ destination: { host: n.dummyHost }, weight: 100 }],
                },
              ],
            }
          : {}),
      },
    })),
    {
      apiVersion: api.networking,
      kind: 'DestinationRule',
      metadata: { name: n.destinationRule, namespace: n.destinationRuleNamespace },
      spec: {
        host: n.serviceHost,
        subsets: [{ name: n.subset }],
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      },
    },
    ...plan.portGroups.flatMap((group) =>
      serviceEntryBuckets(group.hosts).map(([bucket, hosts]): Resource => ({
        apiVersion: api.networking,
        kind: 'ServiceEntry',
        metadata: {
          name: serviceEntryName(n.serviceEntry, group, o.upstreamPort, bucket),
          namespace: ns,
        },
        spec: {
          hosts,
          ports: group.ports.map((port) => ({
            number: port,
            name: sePortName(port, o.upstreamPort),
            protocol: 'TLS',
          })),
          ...(group.exportTo ? { exportTo: [...group.exportTo] } : {}),
        },
      })),
    ),
  ];
  resources.push(...renderTelemetry(o));
  return resources;
}
