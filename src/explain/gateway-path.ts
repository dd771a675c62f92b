import { isObject, type JsonObject, textOf } from '../util/data.js';
import { authorizeAtWorkload } from './authorization.js';
import {
  addsByName,
  chainFilters,
  gatewayPatches,
  hasTlsInspector,
  internalListenerOf,
  isForwardProxyCluster,
  listenerChains,
  tcpProxyMerge,
  type Patch,
} from './envoy-patches.js';
import {
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  selects,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import { networkVerdict } from './network-policy.js';
import type { ListedName } from './nearest-entry.js';
import { chooseChain, sharedServerName } from './server-names.js';
import type { Destination } from './sidecar-listener.js';
import type { Path, Verdict } from './types.js';

/** The gateway the route leads to: its Service, pod port, pod labels and namespace. */
interface GatewayPods {
  namespace: string;
  labels: Record<string, unknown>;
  podPort: number;
}

/** What the walk needs besides the items. */
export interface GatewayQuestion {
  host: string;
  port: number;
  namespace: string;
  trustDomain: string;
}

const SVC_HOST = /^([^.]+)\.([^.]+)(\.svc(\..+)?)?$/;

/** The Service a route destination names: `name.ns.svc.<domain>`, `name.ns`, or `name` in the route's namespace. */
function serviceOf(items: readonly Item[], host: string, routeNamespace: string): Item | undefined {
  const m = SVC_HOST.exec(host);
  const [name, ns] = m ? [m[1], m[2]] : [host, routeNamespace];
  return ofKind(items, 'Service').find(
    (s) => s.metadata.name === name && namespaceOfItem(s) === ns,
  );
}

/** The labels of the pods behind a Service: a Deployment's template in its namespace that the selector picks, else the selector itself. */
function podLabelsOf(items: readonly Item[], svc: Item): Record<string, unknown> {
  const selector = isObject(specOf(svc).selector) ? (specOf(svc).selector as JsonObject) : {};
  for (const d of ofKind(items, 'Deployment').filter(
    (x) => namespaceOfItem(x) === namespaceOfItem(svc),
  )) {
    const template = isObject(specOf(d).template) ? (specOf(d).template as JsonObject) : {};
    const labels =
      isObject(template.metadata) && isObject(template.metadata.labels)
        ? template.metadata.labels
        : {};
    if (Object.keys(selector).length > 0 && selects(selector, labels)) return labels;
  }
  return selector;
}

/**
 * Follows a route from the sidecar to the egress gateway and through it:
 * Service port → pod port → Gateway server → AuthorizationPolicy → the
 * tcp_proxy MERGE on that port → its cluster → the internal listener(s) and
 * Envoy's server-name match → the forward proxy and the port it dials. Each
 * layer is a step; the first that refuses ends the path.
 */
export function followGateway(
  items: readonly Item[],
  path: Path,
  dest: Destination,
  routeNamespace: string,
  q: GatewayQuestion,
): Verdict {
  const svc = serviceOf(items, dest.host, routeNamespace);
  if (!svc)
    return path.end('refused', {
      layer: 'gateway',
      value: dest.host,
      detail: `the route sends to ${dest.host}, which is no Service in the manifests: the sidecar has no cluster for it`,
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
  if (!/^\d+$/.test(String(target)))
    return path.end('refused', {
      layer: 'gateway',
      resource: refOf(svc),
      field: `spec.ports[${k}].targetPort`,
      value: String(target),
      detail: 'a named targetPort: explain follows numeric pod ports only',
    });
  const pods: GatewayPods = {
    namespace: namespaceOfItem(svc),
    labels: podLabelsOf(items, svc),
    podPort: Number(target),
  };
  path.pass({
    layer: 'gateway',
    resource: refOf(svc),
    field: `spec.ports[${k}]`,
    value: `${servicePort} → ${pods.podPort}`,
    detail: `Istio mTLS to the gateway Service, pod port ${pods.podPort}`,
  });

  const server = gatewayServer(items, pods);
  if (!server)
    return path.end('refused', {
      layer: 'gateway server',
      value: String(pods.podPort),
      detail: `no Gateway selecting the gateway pods has a server on port ${pods.podPort}: istiod builds no listener there`,
    });
  const { unbound, ...serverStep } = server;
  if (unbound)
    return path.end('refused', {
      layer: 'gateway server',
      ...serverStep,
      detail: `no VirtualService bound to the Gateway routes port ${pods.podPort} (the post's dummy tcp route): istiod drops the server's listener`,
    });
  path.pass({ layer: 'gateway server', ...serverStep });

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
  const merge = tcpProxyMerge(patches, pods.podPort);
  if (!merge)
    return path.end('refused', {
      layer: 'forwarder',
      value: String(pods.podPort),
      detail: `no EnvoyFilter MERGE patches the tcp_proxy on port ${pods.podPort}: it goes to the Gateway's own route (the post's dummy.local), not to the SNI forwarder`,
    });
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

/** The Gateway server on the pods' port, and whether istiod keeps its listener (some route binds it). */
/** Whether a VirtualService bound to the Gateway routes TCP or TLS on the port (istiod drops a server's listener nothing routes). */
function boundRoute(items: readonly Item[], gw: Item, port: number): boolean {
  const names = [String(gw.metadata.name), `${namespaceOfItem(gw)}/${String(gw.metadata.name)}`];
  return ofKind(items, 'VirtualService').some((vs) => {
    const bound = (gateways: unknown) =>
      strings(gateways).some(
        (g) =>
          names.includes(g) && (g.includes('/') || namespaceOfItem(vs) === namespaceOfItem(gw)),
      );
    const vsBound = bound(specOf(vs).gateways);
    return [...objects(specOf(vs).tcp), ...objects(specOf(vs).tls)].some((route) =>
      objects(route.match).some(
        (m) =>
          (m.gateways === undefined ? vsBound : bound(m.gateways)) &&
          (m.port === undefined || Number(m.port) === port),
      ),
    );
  });
}

function gatewayServer(
  items: readonly Item[],
  pods: GatewayPods,
): { resource: string; field: string; value: string; detail: string; unbound?: true } | undefined {
  for (const gw of ofKind(items, 'Gateway', 'networking.istio.io')) {
    if (!selects(specOf(gw).selector, pods.labels) || !isObject(specOf(gw).selector)) continue;
    const servers = objects(specOf(gw).servers);
    const i = servers.findIndex((s) => isObject(s.port) && Number(s.port.number) === pods.podPort);
    if (i < 0) continue;
    const s = servers[i];
    if (!boundRoute(items, gw, pods.podPort)) {
      return {
        resource: refOf(gw),
        field: `spec.servers[${i}]`,
        value: String(pods.podPort),
        detail: 'unbound',
        unbound: true,
      };
    }
    const tls = isObject(s.tls) ? textOf(s.tls.mode) : '';
    const protocol = isObject(s.port) ? textOf(s.port.protocol) : '';
    return {
      resource: refOf(gw),
      field: `spec.servers[${i}].port`,
      value: `${pods.podPort} ${protocol}${tls ? ` ${tls}` : ''}`,
      detail: `the gateway listens on ${pods.podPort} and ends the mTLS (hosts ${strings(s.hosts).join(', ') || 'none'})`,
    };
  }
  return undefined;
}

/** Walks internal listeners from a cluster: server-name match, default chains to the next listener, the forward proxy at the end. */
function walkListeners(
  items: readonly Item[],
  path: Path,
  patches: readonly Patch[],
  firstCluster: string,
  pods: GatewayPods,
  q: GatewayQuestion,
): Verdict {
  const clusters = addsByName(patches, 'CLUSTER');
  const listeners = addsByName(patches, 'LISTENER');
  const seen = new Set<string>();
  let cluster = firstCluster;
  for (;;) {
    const c = clusters.get(cluster)?.[0];
    if (!c)
      return path.end('refused', {
        layer: 'forwarder',
        value: cluster,
        detail: `no EnvoyFilter adds cluster ${cluster}: the connection fails`,
      });
    const name = internalListenerOf(c.value);
    if (!name)
      return path.end('refused', {
        layer: 'forwarder',
        resource: c.resource,
        field: `${c.field}.patch.value`,
        value: cluster,
        detail: `cluster ${cluster} leads to no internal listener: no name check happens`,
      });
    if (seen.has(name))
      return path.end('refused', {
        layer: 'listener',
        value: name,
        detail: `internal listener ${name} is reached twice: the chain loops`,
      });
    seen.add(name);
    const adds = listeners.get(name) ?? [];
    if (adds.length === 0)
      return path.end('refused', {
        layer: 'listener',
        resource: c.resource,
        field: `${c.field}.patch.value.load_assignment`,
        value: name,
        detail: `cluster ${cluster} names internal listener ${name}, which no EnvoyFilter adds`,
      });
    const l = adds[0];
    if (adds.length > 1)
      return path.end('refused', {
        layer: 'listener',
        resource: l.resource,
        field: `${l.field}.patch.value.name`,
        value: name,
        detail: `${adds.length} LISTENER ADDs use the name ${name}: Envoy refuses the update`,
      });
    const chains = listenerChains(l.value);
    const shared = sharedServerName(chains);
    if (shared)
      return path.end('refused', {
        layer: 'listener',
        resource: l.resource,
        field: `${l.field}.patch.value.filter_chains[${shared.second}].filter_chain_match.server_names`,
        value: shared.name,
        detail: `${shared.name} is in filter chains ${shared.first} and ${shared.second} of ${name}: Envoy refuses the whole listener ("overlapping matching rules")`,
      });
    const sni = hasTlsInspector(l.value) ? q.host : '';
    const i = sni ? chooseChain(chains, sni) : chains.findIndex((x) => x.serverNames.length === 0);
    if (i >= 0) {
      const names = chains[i].serverNames;
      const hit =
        names.length === 0
          ? -1
          : names.findIndex((n) => chooseChain([{ serverNames: [n] }], q.host) === 0);
      const field = `${l.field}.patch.value.filter_chains[${i}]`;
      path.rule = {
        resource: l.resource,
        field: hit >= 0 ? `${field}.filter_chain_match.server_names[${hit}]` : field,
        value: hit >= 0 ? names[hit] : '(any name)',
      };
      path.pass({
        layer: 'listener',
        ...path.rule,
        detail: `internal listener ${name}: ${hit >= 0 ? (names[hit] === q.host ? 'exact server name' : 'the longest matching wildcard') : 'a chain without server names takes every connection'}`,
      });
      const f = chainFilters(chains[i].chain);
      if (
        f.forwardPort === undefined &&
        f.cluster !== undefined &&
        internalListenerOf(clusters.get(f.cluster)?.[0]?.value ?? {})
      ) {
        cluster = f.cluster;
        continue;
      }
      return forward(items, path, clusters, f, `${field}`, l.resource, pods, q);
    }
    const fallback = isObject(l.value.default_filter_chain)
      ? l.value.default_filter_chain
      : undefined;
    if (!sni)
      path.note({
        layer: 'listener',
        resource: l.resource,
        field: `${l.field}.patch.value.listener_filters`,
        detail: `internal listener ${name} has no tls_inspector: it never reads the SNI`,
      });
    if (!fallback) {
      return path.end(
        'refused',
        {
          layer: 'listener',
          resource: l.resource,
          field: `${l.field}.patch.value.filter_chains`,
          value: q.host,
          detail: `internal listener ${name} has no filter chain for ${q.host} and no default chain: the connection is closed (NR)`,
        },
        undefined,
      );
    }
    const f = chainFilters(fallback);
    if (f.forwardPort !== undefined) {
      path.note({
        layer: 'listener',
        resource: l.resource,
        field: `${l.field}.patch.value.default_filter_chain`,
        detail: `internal listener ${name} forwards every name its chains do not list`,
      });
      return forward(
        items,
        path,
        clusters,
        f,
        `${l.field}.patch.value.default_filter_chain`,
        l.resource,
        pods,
        q,
      );
    }
    if (f.cluster === undefined)
      return path.end('refused', {
        layer: 'listener',
        resource: l.resource,
        field: `${l.field}.patch.value.default_filter_chain`,
        detail: 'the default chain sends nowhere',
      });
    path.pass({
      layer: 'listener',
      resource: l.resource,
      field: `${l.field}.patch.value.default_filter_chain.${f.clusterField}`,
      value: f.cluster,
      detail: `no chain of ${name} lists ${q.host}: its default chain hands the connection on to cluster ${f.cluster}`,
    });
    cluster = f.cluster;
  }
}

/** The forward proxy of the matched chain: its cluster, the port it dials, and the gateway's own NetworkPolicy. */
function forward(
  items: readonly Item[],
  path: Path,
  clusters: Map<string, Patch[]>,
  f: ReturnType<typeof chainFilters>,
  field: string,
  resource: string,
  pods: GatewayPods,
  q: GatewayQuestion,
): Verdict {
  if (f.forwardPort === undefined)
    return path.end('refused', {
      layer: 'forwarder',
      resource,
      field: `${field}.filters`,
      detail: 'the chain has no sni_dynamic_forward_proxy filter: nothing resolves the name',
    });
  const dfp = f.cluster ? clusters.get(f.cluster)?.[0] : undefined;
  if (!dfp || !isForwardProxyCluster(dfp.value))
    return path.end('refused', {
      layer: 'forwarder',
      resource,
      field: `${field}.${f.clusterField ?? 'filters'}`,
      value: f.cluster ?? '',
      detail: `the chain's tcp_proxy sends to ${f.cluster ?? 'no cluster'}, which is no dynamic forward proxy cluster an EnvoyFilter adds`,
    });
  if (f.forwardPort !== q.port)
    return path.end('refused', {
      layer: 'forwarder',
      resource,
      field: `${field}.${f.forwardField}`,
      value: String(f.forwardPort),
      detail: `the forward proxy dials ${q.host}:${f.forwardPort}, not port ${q.port}`,
    });
  path.pass({
    layer: 'forwarder',
    resource,
    field: `${field}.${f.forwardField}`,
    value: String(f.forwardPort),
    detail: `sni_dynamic_forward_proxy resolves ${q.host} and dials port ${f.forwardPort} through ${f.cluster}`,
  });
  const np = networkVerdict(items, pods.namespace, f.forwardPort, pods.labels);
  if (np.kind === 'refuses')
    return path.end('refused', {
      layer: 'network',
      resource: np.resource,
      detail: `the gateway pods may not leave: ${np.detail}`,
    });
  if (np.kind === 'admits')
    path.pass({
      layer: 'network',
      resource: np.resource,
      field: np.field,
      detail: `the gateway's NetworkPolicy ${np.detail}`,
    });
  return 'allowed';
}

/** Every name the gateway's internal listeners list, per MERGE port: for the nearest entry of a refusal. */
export function gatewayListedNames(items: readonly Item[], q: GatewayQuestion): ListedName[] {
  const out: ListedName[] = [];
  for (const svc of ofKind(items, 'Service')) {
    const labels = podLabelsOf(items, svc);
    const patches = gatewayPatches(items, namespaceOfItem(svc), labels);
    const clusters = addsByName(patches, 'CLUSTER');
    const listeners = addsByName(patches, 'LISTENER');
    for (const p of objects(specOf(svc).ports)) {
      const podPort = Number(p.targetPort ?? p.port);
      const merge = tcpProxyMerge(patches, podPort);
      if (!merge) continue;
      const admitted = authorizeAtWorkload(
        items,
        namespaceOfItem(svc),
        labels,
        { namespace: q.namespace, trustDomain: q.trustDomain, port: podPort },
        '',
      ).allowed;
      let cluster: string | undefined = String((merge.value.typed_config as JsonObject).cluster);
      for (const seen = new Set<string>(); cluster && !seen.has(cluster);) {
        seen.add(cluster);
        const name = internalListenerOf(clusters.get(cluster)?.[0]?.value ?? {});
        const l = name ? listeners.get(name)?.[0] : undefined;
        if (!l) break;
        listenerChains(l.value).forEach((c, i) => {
          const port = chainFilters(c.chain).forwardPort;
          c.serverNames.forEach((n, k) =>
            out.push({
              name: n.toLowerCase(),
              resource: l.resource,
              field: `${l.field}.patch.value.filter_chains[${i}].filter_chain_match.server_names[${k}]`,
              value: n,
              ...(port !== undefined ? { ports: [port] } : {}),
              forNamespace: admitted,
              scope: `the namespaces the gateway's AuthorizationPolicy admits on its port ${podPort}, which ${q.namespace} is not among`,
            }),
          );
        });
        cluster = isObject(l.value.default_filter_chain)
          ? chainFilters(l.value.default_filter_chain).cluster
          : undefined;
      }
    }
  }
  return out;
}
