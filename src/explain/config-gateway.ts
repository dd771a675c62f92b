import type { Options } from '../config/options.js';
import type { DomainPlan, Route } from '../domains/plan.js';
import { stackNames } from '../stack/names.js';
import { serviceEntryBuckets, serviceEntryName } from '../stack/render-routing.js';
import type { EntryIndex } from './config-entries.js';
import { configNetworkVerdict, configSidecarScope } from './config-scope.js';
import { leaveFromPod } from './leave-pod.js';
import { covers, matchingName } from './server-names.js';
import {
  buildSidecarListener,
  chainOrigin,
  pickChain,
  type ServiceView,
  type TlsMatchView,
} from './sidecar-listener.js';
import { namespaceOf, type Path, type Question, type Verdict } from './types.js';

/**
 * Egress-gateway mode from the config: the decisions the renderer takes from
 * the plan, followed the way istiod and Envoy apply them. The namespace's
 * Sidecar (production.sidecars), the ServiceEntry hosts of the port groups
 * it imports, the filter chain Envoy picks among the plan's routes that apply
 * to it (the same listener model as --manifests), then the lane: the gateway's
 * AuthorizationPolicy (production.authorization) and the lane's listener,
 * where Envoy matches the host against the lane's names.
 */
export function decideGatewayConfig(
  o: Options,
  plan: DomainPlan,
  q: Question,
  path: Path,
  entries: EntryIndex,
): Verdict {
  const ns = namespaceOf(q);
  const n = stackNames(o);
  const scope = configSidecarScope(o, plan, ns, q.registryOnly);
  const policy = scope.registryOnly ? 'REGISTRY_ONLY' : 'ALLOW_ANY';
  path.pass({
    layer: 'sidecar',
    ...(scope.resource
      ? { resource: scope.resource, field: 'spec.outboundTrafficPolicy.mode' }
      : {}),
    value: policy,
    detail: scope.resource
      ? `production.sidecars gives ${ns} a Sidecar that imports only the names of its lanes`
      : `${ns} gets no Sidecar from this config: ${scope.policySource.detail}`,
  });
  const unknown = (detail: string) => {
    const step = {
      layer: 'sidecar',
      ...(scope.resource
        ? { resource: scope.resource, field: 'spec.outboundTrafficPolicy.mode' }
        : {}),
      value: policy,
      detail: `${detail}: the connection goes to ${scope.registryOnly ? 'BlackHoleCluster' : 'PassthroughCluster'}`,
    };
    return scope.registryOnly
      ? path.end('refused', step)
      : leaveFromPod(path, 'passthrough', step, configNetworkVerdict(o, plan, ns, q.port));
  };

  // The port groups' ServiceEntries as the renderer splits them (by bucket), those exported to the namespace.
  const services: ServiceView[] = plan.portGroups
    .filter((g) => g.ports.includes(q.port) && (!g.exportTo || g.exportTo.includes(ns)))
    .flatMap((g) =>
      serviceEntryBuckets(g.hosts).flatMap(([bucket, hosts]) =>
        hosts.flatMap((host, h) => {
          if (!scope.imports(o.routingNamespace, host, q.port)) return [];
          return [
            {
              resource: `ServiceEntry ${o.routingNamespace}/${serviceEntryName(n.serviceEntry, g, o.upstreamPort, bucket)}`,
              namespace: o.routingNamespace,
              field: `spec.hosts[${h}]`,
              host,
              resolution: 'NONE',
              portField: `spec.ports[${g.ports.indexOf(q.port)}]`,
              protocol: 'TLS',
            },
          ];
        }),
      ),
    );
  if (services.length === 0)
    return unknown(`no ServiceEntry host ${ns} imports has port ${q.port}`);
  const own = services.find((s) => covers(s.host, q.host));
  if (own)
    path.pass({
      layer: 'service',
      resource: own.resource,
      field: own.field,
      value: own.host,
      detail: `${ns} sees this ServiceEntry host on port ${q.port}`,
    });

  const vsImported = plan.all.some((h) => scope.imports(o.routingNamespace, h, q.port));
  const routeOf = new Map<TlsMatchView, Route>();
  const matches = vsImported
    ? plan.routes.flatMap((r, i): TlsMatchView[] => {
        if (r.port !== q.port || (r.sourceNamespaces && !r.sourceNamespaces.includes(ns)))
          return [];
        const view: TlsMatchView = {
          resource: `VirtualService ${o.routingNamespace}/${n.virtualService}`,
          namespace: o.routingNamespace,
          field: `spec.tls[${i}].match[${r.sourceNamespaces ? r.sourceNamespaces.indexOf(ns) : 0}]`,
          sniHosts: [...r.sniHosts],
          destination: {
            host: n.serviceHost,
            subset: n.subset,
            ...(plan.lanes.length > 1 ? { port: r.lane.servicePort } : {}),
          },
        };
        routeOf.set(view, r);
        return [view];
      })
    : [];
  const listener = buildSidecarListener(services, () => matches);
  if (listener.rejected) {
    const [a, b] = [chainOrigin(listener.rejected.first), chainOrigin(listener.rejected.second)];
    return unknown(
      `${ns}'s sidecar listener 0.0.0.0_${q.port} is refused by Envoy: server name ${listener.rejected.name} is in two filter chains (${a.resource} ${a.field} and ${b.resource} ${b.field}, "overlapping matching rules"), so new pods get no listener on ${q.port}`,
    );
  }
  const chain = pickChain(listener, q.host);
  if (!chain)
    return unknown(
      `no filter chain of ${ns}'s listener 0.0.0.0_${q.port} matches ${q.host}${own ? '' : ', and no ServiceEntry it sees lists it'}`,
    );
  if (chain.via.kind === 'direct') {
    const s = chain.via.service;
    return leaveFromPod(
      path,
      'bypass',
      {
        layer: 'route',
        resource: s.resource,
        field: s.field,
        value: s.host,
        detail: `no tls route applies to ${ns} on port ${q.port}: istiod's default chain for this ServiceEntry (resolution NONE) is an ORIGINAL_DST path that skips the egress gateway`,
      },
      configNetworkVerdict(o, plan, ns, q.port),
    );
  }
  const m = chain.via.match;
  const route = routeOf.get(m)!;
  const lane = route.lane;
  const name = chain.serverNames.find((x) => covers(x, q.host))!;
  path.pass({
    layer: 'route',
    resource: m.resource,
    field: `${m.field}.sniHosts[${m.sniHosts.indexOf(name)}]`,
    value: name,
    detail: `the filter chain Envoy picks on 0.0.0.0_${q.port} sends to the gateway Service port ${lane.servicePort} (lane ${lane.listener})`,
  });
  path.pass({
    layer: 'gateway',
    resource: `Service ${o.gateway.namespace}/${n.service}`,
    field: 'spec.ports',
    value: `${lane.servicePort} → ${lane.gatewayPort}`,
    detail: `Istio mTLS to the gateway, pod port ${lane.gatewayPort}`,
  });
  if (o.production.authorization) {
    const resource = `AuthorizationPolicy ${o.gateway.namespace}/${n.deployment}`;
    if (!lane.namespaces.includes(ns))
      return path.end('refused', {
        layer: 'authorization',
        resource,
        field: 'spec.rules',
        value: String(lane.gatewayPort),
        detail: `no ALLOW rule admits namespace ${ns} on port ${lane.gatewayPort} (the lane admits ${lane.namespaces.join(', ') || 'no namespace'})`,
      });
    path.pass({
      layer: 'authorization',
      resource,
      value: `${o.production.trustDomain}/ns/${ns}/sa/*`,
      detail: `the lane's ALLOW rule admits ${ns} on port ${lane.gatewayPort}`,
    });
  }
  path.pass({
    layer: 'forwarder',
    resource: `EnvoyFilter ${n.envoyFilterNamespace}/${n.envoyFilter}`,
    value: lane.cluster,
    detail: `the tcp_proxy on port ${lane.gatewayPort} sends to ${lane.cluster}, into internal listener ${lane.listener}`,
  });
  const hit = matchingName(lane.domains, q.host);
  if (!hit)
    return path.end('refused', {
      layer: 'listener',
      resource: `EnvoyFilter ${n.envoyFilterNamespace}/${n.envoyFilter}`,
      value: lane.listener,
      detail: `internal listener ${lane.listener} lists no name matching ${q.host}: the connection is closed (NR)`,
    });
  path.rule = entries(lane, hit);
  path.pass({
    layer: 'listener',
    ...path.rule,
    detail: `internal listener ${lane.listener}: ${hit === q.host ? 'exact server name' : 'the longest matching wildcard'}; the forward proxy dials port ${lane.upstreamPort}`,
  });
  return 'allowed';
}
