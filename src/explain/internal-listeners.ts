import { isObject } from '../util/data.js';
import {
  addsByName,
  chainFilters,
  hasTlsInspector,
  internalListenerOf,
  isForwardProxyCluster,
  listenerChains,
  type Patch,
} from './envoy-patches.js';
import type { GatewayPods } from './gateway-pods.js';
import { leaveFromGateway } from './leave-pod.js';
import type { Item } from './manifests.js';
import { chooseChain, sharedServerName } from './server-names.js';
import type { Path, Verdict } from './types.js';

/** What the walk needs besides the items. */
export interface GatewayQuestion {
  host: string;
  port: number;
  namespace: string;
  trustDomain: string;
}

/**
 * Walks the gateway's internal listeners from the cluster its tcp_proxy MERGE
 * names: Envoy's server-name match in each, default chains handing the
 * connection on to the next (chunked lists), the forward proxy at the end.
 */
export function walkListeners(
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
  return leaveFromGateway(items, path, pods, q.host, f.forwardPort);
}
