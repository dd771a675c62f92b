import { mostSpecific } from '../domains/host-match.js';
import { type JsonObject, textOf } from '../util/data.js';
import { authorizeAtWorkload } from './authorization.js';
import { addsByName, gatewayPatches, tcpProxyMerge } from './envoy-patches.js';
import {
  gatewayServers,
  podLabelsOf,
  serverStep,
  serviceOf,
  type GatewayPods,
  type GatewayServer,
} from './gateway-pods.js';
import { gatewayRoute, tcpBound } from './gateway-routes.js';
import { walkListeners, type GatewayQuestion } from './internal-listeners.js';
import { leaveFromGateway } from './leave-pod.js';
import {
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import { podHop } from './network-layers.js';
import { rejectedServiceEntry } from './service-entry-rules.js';
import type { Destination } from './sidecar-listener.js';
import { exportedTo } from './sidecar-scope.js';
import type { Path, Verdict } from './types.js';

export type { GatewayQuestion } from './internal-listeners.js';

/** Protocols a Gateway server of each kind of connection speaks. */
const HTTP_SERVER = ['HTTP', 'HTTP2', 'GRPC'];

/**
 * Follows a route from the sidecar to the egress gateway and through it:
 * Service port → pod port (and the client namespace's NetworkPolicy on that
 * hop) → the Gateway server istiod listens on there → AuthorizationPolicy →
 * then either the EnvoyFilter SNI forwarder (a tcp_proxy MERGE on that port:
 * internal listeners, Envoy's server-name match, the forward proxy) or the
 * gateway's own routes to a ServiceEntry host. Each layer is a step; the
 * first that refuses ends the path, and a layer the manifests do not hold
 * ends it `unknown`.
 */
export function followGateway(
  items: readonly Item[],
  path: Path,
  dest: Destination,
  routeNamespace: string,
  q: GatewayQuestion,
  kind: 'tls' | 'http',
): Verdict {
  const { service: svc, name, namespace } = serviceOf(items, dest.host, routeNamespace);
  if (!svc)
    return path.end('unknown', {
      layer: 'gateway',
      value: dest.host,
      detail: `the route sends to ${dest.host}: Service ${namespace}/${name} is not among the manifests, so explain cannot see the gateway pods, their port, Gateway server, policies or forwarder (add the Service and its Deployment: kubectl get service,deployment -n ${namespace} -o yaml)`,
    });
  const ports = objects(specOf(svc).ports);
  const servicePort = dest.port ?? (ports.length === 1 ? Number(ports[0].port) : q.port);
  const k = ports.findIndex((p) => Number(p.port) === servicePort);
  if (k < 0)
    return path.end('refused', {
      layer: 'gateway',
      resource: refOf(svc),
      field: 'spec.ports',
      value: String(servicePort),
      detail: `the route sends to port ${servicePort}${dest.port === undefined ? ' (no port in the route: the matched port)' : ''}, which the Service does not have`,
    });
  const target = ports[k].targetPort ?? ports[k].port;
  if (!/^\d+$/.test(textOf(target)))
    return path.end('unknown', {
      layer: 'gateway',
      resource: refOf(svc),
      field: `spec.ports[${k}].targetPort`,
      value: textOf(target),
      detail: 'a named targetPort: explain follows numeric pod ports only',
    });
  const pods: GatewayPods = {
    service: svc,
    namespace: namespaceOfItem(svc),
    labels: podLabelsOf(items, svc),
    servicePort,
    podPort: Number(target),
  };
  path.pass({
    layer: 'gateway',
    resource: refOf(svc),
    field: `spec.ports[${k}]`,
    value: `${servicePort} → ${pods.podPort}`,
    detail: `Istio mTLS to the gateway Service, pod port ${pods.podPort}`,
  });

  const hop = podHop(items, q.namespace, {
    namespace: pods.namespace,
    labels: pods.labels,
    port: pods.podPort,
    what: 'the gateway pods',
  });
  if (hop.kind === 'refuses' || hop.kind === 'unknown')
    return path.end(hop.kind === 'refuses' ? 'refused' : 'unknown', {
      layer: hop.by ? 'cilium' : 'network',
      resource: hop.resource,
      detail: `the sidecar's connection to the gateway pods is ${hop.kind === 'refuses' ? 'dropped' : 'not known to pass'}: ${hop.detail}`,
    });
  if (hop.kind === 'admits')
    path.pass({
      layer: hop.by ? 'cilium' : 'network',
      resource: hop.resource,
      field: hop.field,
      detail: `the ${hop.by ?? 'NetworkPolicy'} of ${q.namespace} ${hop.detail}`,
    });

  const servers = gatewayServers(items, pods).filter(
    (s) => (kind === 'http') === HTTP_SERVER.includes(s.protocol),
  );
  const server =
    servers.find((s) => HTTP_SERVER.includes(s.protocol) || tcpBound(items, s)) ?? servers[0];
  if (!server)
    return path.end('refused', {
      layer: 'gateway server',
      value: String(pods.podPort),
      detail: `no Gateway selecting the gateway pods has ${kind === 'http' ? 'an HTTP' : 'a TLS or TCP'} server that istiod listens on at pod port ${pods.podPort} (a server's port counts as written or through the pods' Service ports, resolvePorts)`,
    });
  const step = serverStep(server, pods);
  if (kind === 'tls' && !tcpBound(items, server))
    return path.end('refused', {
      ...step,
      field: `spec.servers[${server.index}]`,
      detail: `no VirtualService bound to the Gateway routes its port ${server.port} (the post's dummy tcp route): istiod drops the server's listener`,
    });
  path.pass(step);

  const authz = authorizeAtWorkload(
    items,
    pods.namespace,
    pods.labels,
    { namespace: q.namespace, trustDomain: q.trustDomain, port: pods.podPort },
    `the gateway pods on port ${pods.podPort}`,
  );
  const authzStep = {
    layer: 'authorization',
    ...(authz.resource ? { resource: authz.resource } : {}),
    ...(authz.field ? { field: authz.field } : {}),
    ...(authz.value ? { value: authz.value } : {}),
    detail: authz.detail,
  };
  if (!authz.allowed) return path.end('refused', authzStep);
  path.pass(authzStep);

  const patches = gatewayPatches(items, pods.namespace, pods.labels);
  const merge = kind === 'tls' ? tcpProxyMerge(patches, pods.podPort) : undefined;
  if (merge) {
    const cluster = String((merge.value.typed_config as JsonObject).cluster);
    path.pass({
      layer: 'forwarder',
      resource: merge.resource,
      field: `${merge.field}.patch.value.typed_config.cluster`,
      value: cluster,
      detail: `the tcp_proxy on port ${pods.podPort} sends to cluster ${cluster}`,
    });
    return walkListeners(items, path, patches, cluster, pods, q);
  }
  if (kind === 'tls' && addsByName(patches, 'LISTENER').size > 0)
    path.note({
      layer: 'forwarder',
      value: String(pods.podPort),
      detail: `EnvoyFilters add internal listeners to these pods, but none MERGEs the tcp_proxy on port ${pods.podPort}: the Gateway's own routes decide there`,
    });
  return followGatewayRoute(items, path, server, pods, q);
}

/** The gateway's own route for the connection (no SNI forwarder on the port), and the ServiceEntry host it dials. */
function followGatewayRoute(
  items: readonly Item[],
  path: Path,
  server: GatewayServer,
  pods: GatewayPods,
  q: GatewayQuestion,
): Verdict {
  const route = gatewayRoute(items, server, q.host);
  if (!route)
    return path.end('refused', {
      layer: 'gateway route',
      resource: refOf(server.gateway),
      field: `spec.servers[${server.index}]`,
      value: q.host,
      detail: `no VirtualService bound to this server routes ${q.host} on its port ${server.port}: the gateway ${HTTP_SERVER.includes(server.protocol) ? 'answers 404' : 'closes the connection'}`,
    });
  const at = {
    layer: 'gateway route',
    resource: route.resource,
    field: route.field,
    value: route.value,
  };
  if (!route.destination)
    return path.end('refused', {
      ...at,
      detail: `${route.route} answers the request itself (a redirect or direct response): nothing leaves`,
    });
  const dest = route.destination;
  path.pass({
    ...at,
    detail: `the gateway's route ${route.route} sends ${q.host} to ${dest.host}${dest.port ? ` port ${dest.port}` : ''}`,
  });
  return dialFromGateway(items, path, dest, pods, q, at);
}

/** The ServiceEntry host a gateway route names, as the gateway's cluster for it resolves and dials it. */
function dialFromGateway(
  items: readonly Item[],
  path: Path,
  dest: Destination,
  pods: GatewayPods,
  q: GatewayQuestion,
  at: { layer: string; resource: string; field: string; value: string },
): Verdict {
  const entries = ofKind(items, 'ServiceEntry').flatMap((se) =>
    exportedTo(specOf(se).exportTo, namespaceOfItem(se), pods.namespace) &&
    !rejectedServiceEntry(se)
      ? strings(specOf(se).hosts).map((h, k) => ({ se, h: h.toLowerCase(), k }))
      : [],
  );
  const best = mostSpecific(
    entries.map((e) => e.h),
    dest.host,
  );
  const hit = entries.find((e) => e.h === best);
  if (!hit)
    return path.end(serviceOf(items, dest.host, pods.namespace).service ? 'refused' : 'unknown', {
      layer: 'forwarder',
      value: dest.host,
      detail: serviceOf(items, dest.host, pods.namespace).service
        ? `${dest.host} is a Service of the cluster: the connection stays inside the mesh`
        : `no ServiceEntry the gateway's namespace sees lists ${dest.host}, and no Service in the manifests is it: explain cannot tell where the gateway sends the connection`,
    });
  const spec = specOf(hit.se);
  const ports = objects(spec.ports);
  const port = dest.port ?? (ports.length === 1 ? Number(ports[0].number) : q.port);
  const p = ports.findIndex((x) => Number(x.number) === port);
  const resource = refOf(hit.se);
  if (p < 0)
    return path.end('refused', {
      layer: 'forwarder',
      resource,
      field: 'spec.ports',
      value: String(port),
      detail: `the route sends to port ${port}, which the ServiceEntry does not have: the gateway has no cluster for it`,
    });
  const resolution = textOf(spec.resolution, 'NONE');
  if (resolution === 'NONE')
    return path.end('unknown', {
      layer: 'forwarder',
      resource,
      field: `spec.hosts[${hit.k}]`,
      value: hit.h,
      detail:
        'resolution NONE at a gateway: its ORIGINAL_DST cluster dials the address the connection was sent to, which explain does not follow',
    });
  const target = Number(ports[p].targetPort ?? port);
  path.rule = { resource: at.resource, field: at.field, value: at.value };
  path.pass({
    layer: 'forwarder',
    resource,
    field: `spec.hosts[${hit.k}]`,
    value: hit.h,
    detail: `resolution ${resolution}: the gateway ${resolution === 'DYNAMIC_DNS' ? `resolves ${q.host} itself` : `resolves ${dest.host}`} and dials port ${target}${dest.host !== q.host && resolution !== 'DYNAMIC_DNS' ? ` (the route's host, not ${q.host}: the connection reaches ${dest.host}'s addresses)` : ''}`,
  });
  return leaveFromGateway(items, path, pods, q.host, target);
}
