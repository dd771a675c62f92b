import type { Options } from '../config/options.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { stackNames } from './names.js';
import type { Resource } from './resource.js';

/** Istio's limit on ServiceEntry `spec.hosts` (the CRD's maxItems). */
export const SERVICE_ENTRY_MAX_HOSTS = 256;

/** Name of the i-th ServiceEntry of the list: the post's name first, then `-2`, `-3`, … */
export function serviceEntryName(base: string, i: number): string {
  return i === 0 ? base : `${base}-${i + 1}`;
}

/** Splits a sorted list into consecutive runs of at most `size`; an empty list gives one empty run. */
function chunk<T>(list: readonly T[], size: number): T[][] {
  if (list.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Sidecar-side matches of a lane: any namespace, or one match per namespace of a team. */
function laneMatches(lane: Lane): Record<string, unknown>[] {
  const base = { gateways: ['mesh'], port: lane.upstreamPort, sniHosts: [...lane.domains] };
  if (!lane.team) return [base];
  return lane.namespaces.map((ns) => ({ ...base, sourceNamespace: ns }));
}

/** Upstream ports in lane order, each once: the ServiceEntry's ports. */
export function upstreamPorts(plan: DomainPlan): number[] {
  return [...new Set(plan.lanes.map((l) => l.upstreamPort))];
}

/**
 * Part 2 of the post, mesh side: the Gateway server that ends Istio mTLS, the
 * VirtualService that steers listed SNI names to it, the DestinationRule for
 * mTLS, the ServiceEntry that registers the hosts, and access logging. With
 * more than one lane (ports, teams), each lane gets its own Gateway server and
 * tls route; team routes come first so a team's namespaces take their own lane.
 */
export function renderRouting(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const ns = o.routingNamespace;
  const multi = plan.lanes.length > 1;
  const routeOrder = [...plan.lanes.filter((l) => l.team), ...plan.lanes.filter((l) => !l.team)];
  const [mainPort] = upstreamPorts(plan);
  const resources: Resource[] = [
    {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'Gateway',
      metadata: { name: n.gateway, namespace: ns },
      spec: {
        selector: { ...n.podLabels },
        servers: plan.lanes.map((l) => ({
          port: { number: l.gatewayPort, name: `tls-egress${l.suffix}`, protocol: 'TLS' },
          hosts: ['*'],
          tls: { mode: 'ISTIO_MUTUAL' },
        })),
      },
    },
    {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'VirtualService',
      metadata: { name: n.virtualService, namespace: ns },
      spec: {
        hosts: [...plan.all],
        gateways: ['mesh', n.gatewayRef],
        tls: routeOrder.map((l) => ({
          match: laneMatches(l),
          route: [{ destination: { host: n.serviceHost, subset: n.subset, ...(multi ? { port: { number: l.servicePort } } : {}) } }],
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
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'DestinationRule',
      metadata: { name: n.destinationRule, namespace: ns },
      spec: {
        host: n.serviceHost,
        subsets: [{ name: n.subset }],
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      },
    },
    ...chunk(plan.all, SERVICE_ENTRY_MAX_HOSTS).map((hosts, i): Resource => ({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'ServiceEntry',
      metadata: { name: serviceEntryName(n.serviceEntry, i), namespace: ns },
      spec: {
        hosts,
        ports: upstreamPorts(plan).map((port) => ({ number: port, name: port === mainPort ? 'tls' : `tls-${port}`, protocol: 'TLS' })),
      },
    })),
  ];
  if (o.accessLogging && o.production.gatewayTelemetry) {
    // Access logs for the gateway pods only, not (as the post's mesh-default) for every workload.
    resources.push({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: n.deployment, namespace: o.gateway.namespace },
      spec: { selector: { matchLabels: { ...n.podLabels } }, accessLogging: [{ providers: [{ name: 'envoy' }] }] },
    });
  } else if (o.accessLogging) {
    resources.push({
      apiVersion: 'telemetry.istio.io/v1alpha1',
      kind: 'Telemetry',
      metadata: { name: n.telemetry, namespace: ns },
      spec: { accessLogging: [{ providers: [{ name: 'envoy' }] }] },
    });
  }
  return resources;
}
