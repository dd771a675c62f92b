import { covers } from '../domains/host-match.js';
import { isObject, type JsonObject, textOf } from '../util/data.js';
import {
  labelsOf,
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  selects,
  specOf,
  strings,
  type Item,
} from './manifests.js';

/** The gateway pods a route reaches: the Service it names, the pods' namespace and labels, the Service port and the pod port. */
export interface GatewayPods {
  service: Item;
  namespace: string;
  labels: Record<string, unknown>;
  servicePort: number;
  podPort: number;
}

/** A Gateway server that istiod binds on the pods' port, and how its port got there. */
export interface GatewayServer {
  gateway: Item;
  /** Index in `spec.servers`. */
  index: number;
  server: JsonObject;
  /** The server's own port number (what routes bound to it match on). */
  port: number;
  protocol: string;
  tlsMode: string;
  /** The Service whose port translated the server's port to the pod port (`resolvePorts`), if one did. */
  translatedBy?: Item;
}

const SVC_HOST = /^([^.]+)\.([^.]+)(\.svc(\..+)?)?$/;

/** The Service a route destination names (`name.ns.svc.<domain>`, `name.ns`, or `name` in the route's namespace), and that name. */
export function serviceOf(
  items: readonly Item[],
  host: string,
  routeNamespace: string,
): { service?: Item; name: string; namespace: string } {
  const m = SVC_HOST.exec(host);
  const [name, namespace] = m ? [m[1], m[2]] : [host, routeNamespace];
  const service = ofKind(items, 'Service').find(
    (s) => s.metadata.name === name && namespaceOfItem(s) === namespace,
  );
  return { ...(service ? { service } : {}), name, namespace };
}

/** The labels of the pods behind a Service: a Deployment's template in its namespace that the selector picks, else the selector itself. */
export function podLabelsOf(items: readonly Item[], svc: Item): Record<string, unknown> {
  const sel = specOf(svc).selector;
  const selector = isObject(sel) ? sel : {};
  for (const d of ofKind(items, 'Deployment').filter(
    (x) => namespaceOfItem(x) === namespaceOfItem(svc),
  )) {
    const t = specOf(d).template;
    const template = isObject(t) ? t : {};
    const labels =
      isObject(template.metadata) && isObject(template.metadata.labels)
        ? template.metadata.labels
        : {};
    if (Object.keys(selector).length > 0 && selects(selector, labels)) return labels;
  }
  return selector;
}

/** Services istiod counts as the gateway pods' own (ServiceTargets): in their namespace, selecting them. */
function podServices(items: readonly Item[], pods: GatewayPods): Item[] {
  return ofKind(items, 'Service').filter((s) => {
    const selector = specOf(s).selector;
    return (
      namespaceOfItem(s) === pods.namespace &&
      isObject(selector) &&
      Object.keys(selector).length > 0 &&
      selects(selector, pods.labels)
    );
  });
}

/** Label of a Service that opts out of the translation (istio/istio pilot/pkg/model/gateway.go). */
const NO_TRANSLATION = 'experimental.istio.io/disable-gateway-port-translation';

/**
 * The pod port a Gateway server port is listened on, as istiod's
 * `resolvePorts` (pilot/pkg/model/gateway.go) does it for a selector-bound
 * Gateway: the targetPort of the first Service of the pods that has that port
 * (443 → 8443 on a stock egress gateway), else the number as written.
 */
function resolvePort(
  services: readonly Item[],
  number: number,
): { port: number | string; by?: Item } {
  for (const s of services) {
    const labels = labelsOf(s);
    if (NO_TRANSLATION in labels) continue;
    const p = objects(specOf(s).ports).find((x) => Number(x.port) === number);
    if (p) {
      const target = p.targetPort ?? p.port;
      return { port: /^\d+$/.test(textOf(target)) ? Number(target) : textOf(target), by: s };
    }
  }
  return { port: number };
}

/**
 * Every server of the Gateways (networking.istio.io, any namespace) whose
 * selector picks the pods, that istiod listens on the pods' port once server
 * ports are translated through the pods' Services.
 */
export function gatewayServers(items: readonly Item[], pods: GatewayPods): GatewayServer[] {
  const services = podServices(items, pods);
  return ofKind(items, 'Gateway', 'networking.istio.io').flatMap((gw) => {
    const selector = specOf(gw).selector;
    if (!isObject(selector) || !selects(selector, pods.labels)) return [];
    return objects(specOf(gw).servers).flatMap((server, index): GatewayServer[] => {
      if (!isObject(server.port)) return [];
      const port = Number(server.port.number);
      const resolved = resolvePort(services, port);
      if (resolved.port !== pods.podPort) return [];
      return [
        {
          gateway: gw,
          index,
          server,
          port,
          protocol: textOf(server.port.protocol).toUpperCase(),
          tlsMode: isObject(server.tls) ? textOf(server.tls.mode) : '',
          ...(resolved.by ? { translatedBy: resolved.by } : {}),
        },
      ];
    });
  });
}

/** Whether a server's `hosts` (`ns/host`, `./host`, `*\/host` or `host`) admit a VirtualService host of namespace `vsNs`. */
export function serverAdmits(s: GatewayServer, vsNs: string, host: string): boolean {
  const gwNs = namespaceOfItem(s.gateway);
  return strings(s.server.hosts).some((entry) => {
    const slash = entry.indexOf('/');
    const ns = slash < 0 ? '*' : entry.slice(0, slash);
    const h = slash < 0 ? entry : entry.slice(slash + 1);
    if (ns !== '*' && (ns === '.' ? gwNs : ns) !== vsNs) return false;
    return covers(h, host) || covers(host, h);
  });
}

/** How a server reads in a step: `Gateway ns/name spec.servers[i].port: 443 TLS PASSTHROUGH`. */
export function serverStep(s: GatewayServer, pods: GatewayPods) {
  const translated = s.translatedBy
    ? `server port ${s.port} is a port of ${refOf(s.translatedBy)}: istiod listens on its targetPort ${pods.podPort} (resolvePorts)`
    : `the gateway listens on ${pods.podPort}`;
  return {
    layer: 'gateway server',
    resource: refOf(s.gateway),
    field: `spec.servers[${s.index}].port`,
    value: `${s.port} ${s.protocol}${s.tlsMode ? ` ${s.tlsMode}` : ''}`,
    detail: `${translated}${s.tlsMode === 'ISTIO_MUTUAL' ? ' and ends the mTLS' : ''}; hosts ${strings(s.server.hosts).join(', ') || 'none'}`,
  };
}
