import { isObject, type JsonObject } from '../util/data.js';
import { authorizeAtWorkload } from './authorization.js';
import {
  addsByName,
  chainFilters,
  gatewayPatches,
  internalListenerOf,
  listenerChains,
  tcpProxyMerge,
} from './envoy-patches.js';
import { podLabelsOf } from './gateway-pods.js';
import { namesGateway } from './gateway-routes.js';
import type { GatewayQuestion } from './internal-listeners.js';
import {
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import type { ListedName } from './nearest-entry.js';
import { rejectedServiceEntry } from './service-entry-rules.js';
import { exportedTo } from './sidecar-scope.js';
import type { Question, StackMode } from './types.js';

/**
 * The names a stack lists, for a refusal's nearest entry: in egress-gateway
 * mode the gateway's internal listeners and its own routes, else (or when it
 * has none) the ServiceEntries istiod would accept.
 */

/** Listed names for a refusal's nearest entry: the gateway's listeners and its own routes, else the ServiceEntries. */
export function listedNames(
  items: readonly Item[],
  mode: StackMode,
  q: Question,
  ns: string,
  trustDomain: string,
): ListedName[] {
  if (mode === 'egress-gateway') {
    const names = [
      ...gatewayListedNames(items, { host: q.host, port: q.port, namespace: ns, trustDomain }),
      ...gatewayRouteNames(items),
    ];
    if (names.length > 0) return names;
  }
  return ofKind(items, 'ServiceEntry').flatMap((se) =>
    (rejectedServiceEntry(se) ? [] : strings(specOf(se).hosts)).map((h, k) => ({
      name: h.toLowerCase(),
      resource: refOf(se),
      field: `spec.hosts[${k}]`,
      value: h,
      ports: objects(specOf(se).ports).map((p) => Number(p.number)),
      forNamespace: exportedTo(specOf(se).exportTo, namespaceOfItem(se), ns),
      scope: `the namespaces of its exportTo (${strings(specOf(se).exportTo).join(', ') || '*'})`,
    })),
  );
}

/** Every name the gateway's internal listeners list, per MERGE port: for the nearest entry of a refusal. */
function gatewayListedNames(items: readonly Item[], q: GatewayQuestion): ListedName[] {
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

/**
 * The names the Gateways' own routes admit, for a refusal's nearest entry:
 * the sniHosts of tls matches bound to a Gateway (passthrough), and the hosts
 * of VirtualServices whose http routes are. A tcp route names no host.
 */
function gatewayRouteNames(items: readonly Item[]): ListedName[] {
  const out: ListedName[] = [];
  const entry = (vs: Item, field: string, value: string): ListedName => ({
    name: value.toLowerCase(),
    resource: refOf(vs),
    field,
    value,
    forNamespace: true,
    scope: 'every namespace',
  });
  for (const gw of ofKind(items, 'Gateway', 'networking.istio.io')) {
    for (const vs of ofKind(items, 'VirtualService')) {
      const spec = specOf(vs);
      const bound = (m: JsonObject) => {
        const own = strings(m.gateways);
        return namesGateway(gw, vs, own.length > 0 ? own : strings(spec.gateways));
      };
      objects(spec.tls).forEach((b, i) =>
        objects(b.match).forEach((m, j) => {
          if (bound(m))
            strings(m.sniHosts).forEach((h, k) =>
              out.push(entry(vs, `spec.tls[${i}].match[${j}].sniHosts[${k}]`, h)),
            );
        }),
      );
      const http = objects(spec.http);
      if (
        http.some((b) => (objects(b.match).length === 0 ? bound({}) : objects(b.match).some(bound)))
      )
        strings(spec.hosts).forEach((h, k) => out.push(entry(vs, `spec.hosts[${k}]`, h)));
    }
  }
  return out;
}
