import { isObject, type JsonObject, textOf } from '../util/data.js';
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
import { ROOT_NAMESPACE } from './sidecar-scope.js';

/** One configPatch of an EnvoyFilter that applies to the gateway pods, with where it is. */
export interface Patch {
  resource: string;
  /** `spec.configPatches[i]`. */
  field: string;
  applyTo: string;
  operation: string;
  match: JsonObject;
  value: JsonObject;
}

const TCP_PROXY = ['envoy.filters.network.tcp_proxy', 'envoy.tcp_proxy'];
const SNI_FORWARD_PROXY = 'envoy.filters.network.sni_dynamic_forward_proxy';

/**
 * Every configPatch istiod applies to gateway pods with these labels in this
 * namespace: EnvoyFilters of the root namespace and of the pods' own
 * namespace whose workloadSelector selects them (none: all), in the order
 * istiod merges them (root first, then by priority), for the GATEWAY context.
 */
export function gatewayPatches(
  items: readonly Item[],
  podNamespace: string,
  podLabels: Record<string, unknown>,
): Patch[] {
  const filters = ofKind(items, 'EnvoyFilter')
    .filter((ef) => [ROOT_NAMESPACE, podNamespace].includes(namespaceOfItem(ef)))
    .filter((ef) => {
      const ws = specOf(ef).workloadSelector;
      return !isObject(ws) || selects(ws.labels, podLabels);
    })
    .map((ef, order) => ({
      ef,
      order,
      root: namespaceOfItem(ef) === ROOT_NAMESPACE ? 0 : 1,
      priority: Number(specOf(ef).priority ?? 0),
    }))
    .sort((a, b) => a.root - b.root || a.priority - b.priority || a.order - b.order);
  return filters.flatMap(({ ef }) =>
    objects(specOf(ef).configPatches).flatMap((p, i) => {
      const match = isObject(p.match) ? p.match : {};
      const patch = isObject(p.patch) ? p.patch : {};
      const context = match.context ?? 'ANY';
      if (context !== 'GATEWAY' && context !== 'ANY') return [];
      return [
        {
          resource: refOf(ef),
          field: `spec.configPatches[${i}]`,
          applyTo: String(p.applyTo),
          operation: String(patch.operation),
          match,
          value: isObject(patch.value) ? patch.value : {},
        },
      ];
    }),
  );
}

/** The last MERGE on the tcp_proxy of the listener on `port` that names a cluster: what the gateway's tcp_proxy sends to. */
export function tcpProxyMerge(patches: readonly Patch[], port: number): Patch | undefined {
  return patches
    .filter((p) => p.applyTo === 'NETWORK_FILTER' && p.operation === 'MERGE')
    .filter((p) => {
      const l = isObject(p.match.listener) ? p.match.listener : {};
      if (l.portNumber !== undefined && Number(l.portNumber) !== port) return false;
      const fc = isObject(l.filterChain) ? l.filterChain : {};
      const filter = isObject(fc.filter) ? fc.filter : {};
      return filter.name === undefined || TCP_PROXY.includes(textOf(filter.name));
    })
    .filter((p) => typeof clusterOfFilter(p.value) === 'string')
    .at(-1);
}

/** The `typed_config.cluster` of a tcp_proxy filter value. */
export function clusterOfFilter(filter: JsonObject): string | undefined {
  const tc = isObject(filter.typed_config) ? filter.typed_config : {};
  return typeof tc.cluster === 'string' ? tc.cluster : undefined;
}

/** The ADD patches of one kind by the name they add; a name added twice maps to both. */
export function addsByName(
  patches: readonly Patch[],
  applyTo: 'CLUSTER' | 'LISTENER',
): Map<string, Patch[]> {
  const out = new Map<string, Patch[]>();
  for (const p of patches.filter((x) => x.applyTo === applyTo && x.operation === 'ADD')) {
    const name = String(p.value.name);
    out.set(name, [...(out.get(name) ?? []), p]);
  }
  return out;
}

/** The internal listener a cluster's endpoint names (`envoy_internal_address.server_listener_name`). */
export function internalListenerOf(cluster: JsonObject): string | undefined {
  const la = isObject(cluster.load_assignment) ? cluster.load_assignment : {};
  for (const e of objects(la.endpoints)) {
    for (const lb of objects(e.lb_endpoints)) {
      const ep = isObject(lb.endpoint) ? lb.endpoint : {};
      const address = isObject(ep.address) ? ep.address : {};
      const internal = isObject(address.envoy_internal_address)
        ? address.envoy_internal_address
        : undefined;
      if (internal && typeof internal.server_listener_name === 'string')
        return internal.server_listener_name;
    }
  }
  return undefined;
}

/** Whether a cluster is a dynamic forward proxy (resolves the name it is given). */
export function isForwardProxyCluster(cluster: JsonObject): boolean {
  const ct = isObject(cluster.cluster_type) ? cluster.cluster_type : {};
  return ct.name === 'envoy.clusters.dynamic_forward_proxy';
}

/** A filter chain's network filters as the explanation needs them. */
export interface ChainFilters {
  /** `port_value` of the sni_dynamic_forward_proxy filter, when the chain has one. */
  forwardPort?: number;
  forwardField?: string;
  /** The tcp_proxy's cluster. */
  cluster?: string;
  clusterField?: string;
}

const typeOf = (f: JsonObject) => (isObject(f.typed_config) ? textOf(f.typed_config['@type']) : '');

/** Reads a filter chain's forward-proxy port and tcp_proxy cluster (fields relative to the chain). */
export function chainFilters(chain: JsonObject): ChainFilters {
  const out: ChainFilters = {};
  objects(chain.filters).forEach((f, i) => {
    if (
      f.name === SNI_FORWARD_PROXY ||
      typeOf(f).endsWith('sni_dynamic_forward_proxy.v3.FilterConfig')
    ) {
      const tc = isObject(f.typed_config) ? f.typed_config : {};
      if (tc.port_value !== undefined)
        [out.forwardPort, out.forwardField] = [
          Number(tc.port_value),
          `filters[${i}].typed_config.port_value`,
        ];
    }
    if (TCP_PROXY.includes(String(f.name)) || typeOf(f).endsWith('tcp_proxy.v3.TcpProxy')) {
      const c = clusterOfFilter(f);
      if (c !== undefined)
        [out.cluster, out.clusterField] = [c, `filters[${i}].typed_config.cluster`];
    }
  });
  return out;
}

/** Whether a listener reads the SNI (a tls_inspector listener filter). */
export function hasTlsInspector(listener: JsonObject): boolean {
  return objects(listener.listener_filters).some(
    (f) => f.name === 'envoy.filters.listener.tls_inspector' || typeOf(f).endsWith('TlsInspector'),
  );
}

/** A listener's filter chains with their server names. */
export function listenerChains(
  listener: JsonObject,
): { serverNames: string[]; chain: JsonObject }[] {
  return objects(listener.filter_chains).map((chain) => {
    const m = isObject(chain.filter_chain_match) ? chain.filter_chain_match : {};
    return { serverNames: strings(m.server_names), chain };
  });
}
