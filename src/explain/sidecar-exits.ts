import { followGateway } from './gateway-path.js';
import { httpRoute } from './gateway-routes.js';
import { leaveFromPod } from './leave-pod.js';
import type { Item } from './manifests.js';
import { podExit } from './network-layers.js';
import type { ServiceView } from './sidecar-listener.js';
import { namespaceOf, type Path, type Question, type StackMode, type Verdict } from './types.js';

/**
 * An HTTP port: the sidecar picks the route by Host header, from the
 * mesh-bound VirtualService whose host covers it most specifically (its
 * first http block that applies), else straight to the ServiceEntry. A route
 * to the egress gateway Service is followed through the gateway.
 */
export function routeByHost(
  items: readonly Item[],
  path: Path,
  q: Question,
  mode: StackMode,
  http: ServiceView,
  vss: readonly Item[],
  services: readonly ServiceView[],
  trustDomain: string,
): Verdict {
  const ns = namespaceOf(q);
  const route = httpRoute(vss, q.host, {
    port: q.port,
    sourceNamespace: ns,
    gateways: (_vs, named) => named.length === 0 || named.includes('mesh'),
  });
  if (!route?.destination) {
    if (route)
      return path.end('refused', {
        layer: 'route',
        resource: route.resource,
        field: route.field,
        value: route.value,
        detail: `${route.route} answers the request itself (a redirect or direct response): nothing leaves`,
      });
    path.note({
      layer: 'route',
      resource: http.resource,
      field: http.portField,
      value: http.protocol,
      detail: `an ${http.protocol} port: the sidecar routes by Host header, and no VirtualService routes ${q.host}: straight to this ServiceEntry`,
    });
    return direct(items, path, q, mode, http);
  }
  const dest = route.destination;
  path.pass({
    layer: 'route',
    resource: route.resource,
    field: route.field,
    value: route.value,
    detail: `an ${http.protocol} port: the sidecar routes by Host header; ${route.route} of this VirtualService sends ${q.host} to ${dest.host}${dest.port ? ` port ${dest.port}` : ''}`,
  });
  const svc = services.find((s) => s.host === dest.host);
  if (svc) return direct(items, path, q, mode, svc);
  return followGateway(
    items,
    path,
    dest,
    route.namespace,
    { host: q.host, port: q.port, namespace: ns, trustDomain },
    'http',
  );
}

/** A chain that goes straight to a ServiceEntry host: original destination (a bypass), or the ServiceEntry's own resolution. */
export function direct(
  items: readonly Item[],
  path: Path,
  q: Question,
  mode: StackMode,
  s: ServiceView,
): Verdict {
  const ns = namespaceOf(q);
  const np = podExit(items, ns, q.host, q.port);
  if (s.resolution === 'NONE') {
    return leaveFromPod(
      path,
      'bypass',
      {
        layer: 'route',
        resource: s.resource,
        field: s.field,
        value: s.host,
        detail: `resolution NONE: an ORIGINAL_DST cluster sends the connection to whatever address the app dialled, skipping ${mode === 'egress-gateway' ? 'the egress gateway' : 'any name check'}`,
      },
      np,
    );
  }
  if (mode === 'egress-gateway') {
    return leaveFromPod(
      path,
      'bypass',
      {
        layer: 'route',
        resource: s.resource,
        field: s.field,
        value: s.host,
        detail: `resolution ${s.resolution}: the sidecar dials ${q.host} itself, not through the egress gateway`,
      },
      np,
    );
  }
  path.rule = { resource: s.resource, field: s.field, value: s.host };
  return leaveFromPod(
    path,
    'allowed',
    {
      layer: 'forwarder',
      resource: s.resource,
      field: s.field,
      value: s.host,
      detail: `resolution ${s.resolution}: the sidecar ${s.resolution === 'DYNAMIC_DNS' ? 'resolves the SNI itself (sni_dynamic_forward_proxy)' : 'resolves the ServiceEntry host'} and dials port ${q.port} from the pod`,
    },
    np,
  );
}
