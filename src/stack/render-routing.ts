import type { Options } from '../config/options.js';
import type { DomainPlan, PortGroup, Route } from '../domains/plan.js';
import { apiVersions, stackNames } from './names.js';
import type { Resource } from './resource.js';

/** Istio's limit on ServiceEntry `spec.hosts` (the CRD's maxItems). */
export const SERVICE_ENTRY_MAX_HOSTS = 256;

/** Splits a sorted list into consecutive runs of at most `size`; an empty list gives one empty run. */
export function chunk<T>(list: readonly T[], size: number): T[][] {
  if (list.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Name of the i-th ServiceEntry of a port group: the post's `wildcard`, `wildcard-2`, … for names on the
 * main upstream port only; `wildcard-ports-443-8443`, `wildcard-ports-443-8443-2`, … for other port sets.
 */
export function serviceEntryName(base: string, group: PortGroup, mainPort: number, i: number): string {
  const isMain = group.ports.length === 1 && group.ports[0] === mainPort;
  const head = isMain ? base : `${base}-ports-${group.ports.join('-')}`;
  return i === 0 ? head : `${head}-${i + 1}`;
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
          hosts: ['*'],
          tls: { mode: 'ISTIO_MUTUAL' },
        })),
      },
    },
    {
      apiVersion: api.networking,
      kind: 'VirtualService',
      metadata: { name: n.virtualService, namespace: ns },
      spec: {
        hosts: [...plan.all],
        gateways: ['mesh', n.gatewayRef],
        tls: plan.routes.map((r) => ({
          match: routeMatches(r),
          route: [{ destination: { host: n.serviceHost, subset: n.subset, ...(multi ? { port: { number: r.lane.servicePort } } : {}) } }],
        })),
        // istiod drops a Gateway listener nothing routes to; this dummy route keeps each one.
        tcp: [
          {
            match: plan.lanes.map((l) => ({ gateways: [n.gatewayRef], port: l.gatewayPort })),
            route: [{ destination: { host: n.dummyHost }, weight: 100 }],
          },
        ],
      },
    },
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
      chunk(group.hosts, SERVICE_ENTRY_MAX_HOSTS).map((hosts, i): Resource => ({
        apiVersion: api.networking,
        kind: 'ServiceEntry',
        metadata: { name: serviceEntryName(n.serviceEntry, group, o.upstreamPort, i), namespace: ns },
        spec: {
          hosts,
          ports: group.ports.map((port) => ({ number: port, name: sePortName(port, o.upstreamPort), protocol: 'TLS' })),
        },
      })),
    ),
  ];
  if (o.accessLogging && o.production.gatewayTelemetry) {
    // Access logs for the gateway pods only, not (as the post's mesh-default) for every workload.
    resources.push({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: n.deployment, namespace: o.gateway.namespace },
      spec: { selector: { matchLabels: { ...n.selector } }, accessLogging: [{ providers: [{ name: 'envoy' }] }] },
    });
  } else if (o.accessLogging) {
    resources.push({
      apiVersion: api.meshTelemetry,
      kind: 'Telemetry',
      metadata: { name: n.telemetry, namespace: n.telemetryNamespace },
      spec: { accessLogging: [{ providers: [{ name: 'envoy' }] }] },
    });
  }
  return resources;
}
