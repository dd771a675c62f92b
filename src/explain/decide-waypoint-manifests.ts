import { textOf } from '../util/data.js';
import { authorizeAtTarget } from './authorization.js';
import { leaveFromPod } from './leave-pod.js';
import {
  labelsOf,
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import { ciliumExternal, ciliumPeer } from './cilium-policy.js';
import { podExit, podHop } from './network-layers.js';
import { covers, mostSpecific } from '../domains/host-match.js';
import { rejectedServiceEntry } from './service-entry-rules.js';
import { namespaceOf, type Path, type Question, type Verdict } from './types.js';

const USE_WAYPOINT = 'istio.io/use-waypoint';
/** The label Istio's waypoint Deployment gives its pods: the Gateway's name. */
const WAYPOINT_POD_LABEL = 'gateway.networking.k8s.io/gateway-name';
const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';

/** The waypoint a ServiceEntry is bound to: its own label, else its Namespace's; `none` opts out. */
function boundWaypoint(
  items: readonly Item[],
  se: Item,
): { name: string; namespace: string; resource: string; field: string } | undefined {
  const own = labelsOf(se);
  const nsItem = ofKind(items, 'Namespace').find((n) => n.metadata.name === namespaceOfItem(se));
  const from =
    USE_WAYPOINT in own
      ? { labels: own, resource: refOf(se) }
      : nsItem && USE_WAYPOINT in labelsOf(nsItem)
        ? { labels: labelsOf(nsItem), resource: refOf(nsItem) }
        : undefined;
  if (!from || from.labels[USE_WAYPOINT] === 'none') return undefined;
  const namespace =
    typeof from.labels[USE_WAYPOINT_NAMESPACE] === 'string'
      ? String(from.labels[USE_WAYPOINT_NAMESPACE])
      : namespaceOfItem(se);
  return {
    name: String(from.labels[USE_WAYPOINT]),
    namespace,
    resource: from.resource,
    field: `metadata.labels.${USE_WAYPOINT}`,
  };
}

/**
 * Ambient mode: ztunnel's DNS proxy answers a name a ServiceEntry lists
 * (wildcards at any depth, never the apex; the most specific entry taken)
 * with that entry's address; ztunnel ignores exportTo and REGISTRY_ONLY. A
 * ServiceEntry bound to a waypoint sends the connection there, where
 * AuthorizationPolicies attached to the ServiceEntry (targetRefs) decide. A
 * name no ServiceEntry lists resolves to its real address and leaves from
 * the pod unless a NetworkPolicy stops it.
 */
export function decideWaypointManifests(
  items: readonly Item[],
  path: Path,
  q: Question,
  trustDomain: string,
): Verdict {
  const ns = namespaceOf(q);
  const all = ofKind(items, 'ServiceEntry').flatMap((se) =>
    strings(specOf(se).hosts).map((h, k) => ({ se, host: h.toLowerCase(), k })),
  );
  for (const r of all.filter((h) => rejectedServiceEntry(h.se) && covers(h.host, q.host)))
    path.note({
      layer: 'service',
      resource: refOf(r.se),
      field: `spec.hosts[${r.k}]`,
      value: r.host,
      detail: `istiod's validation refuses this ServiceEntry: ${rejectedServiceEntry(r.se)}. The cluster never holds it (kubectl apply fails); explain leaves it out`,
    });
  const hosts = all.filter((h) => !rejectedServiceEntry(h.se));
  const best = mostSpecific(
    hosts.map((h) => h.host),
    q.host,
  );
  const hit = hosts.find((h) => h.host === best);
  if (!hit) {
    return leaveFromPod(
      path,
      'passthrough',
      {
        layer: 'dns',
        value: q.host,
        detail: `no ServiceEntry lists ${q.host}: ztunnel's DNS proxy returns its real address and the connection leaves from the pod (ztunnel ignores REGISTRY_ONLY)`,
      },
      podExit(items, ns, q.host, q.port),
    );
  }
  const spec = specOf(hit.se);
  const others = hosts.filter(
    (h) => h.host === best && h.se !== hit.se && namespaceOfItem(h.se) === namespaceOfItem(hit.se),
  );
  if (others.length > 0) {
    path.note({
      layer: 'service',
      resource: refOf(others[0].se),
      field: `spec.hosts[${others[0].k}]`,
      value: best!,
      detail: `${refOf(hit.se)} lists ${best} too: Istio keeps one ServiceEntry per host and namespace (the oldest; push_context.go initServiceRegistry), taken here as the first in the manifests`,
    });
  }
  path.pass({
    layer: 'service',
    resource: refOf(hit.se),
    field: `spec.hosts[${hit.k}]`,
    value: hit.host,
    detail: `ztunnel resolves ${q.host} to this ServiceEntry's address (resolution ${textOf(spec.resolution, 'NONE')}; exportTo does not apply in ambient mode)`,
  });
  const ports = objects(spec.ports);
  const p = ports.findIndex((x) => Number(x.number) === q.port);
  if (p < 0)
    return path.end('refused', {
      layer: 'service',
      resource: refOf(hit.se),
      field: 'spec.ports',
      value: ports.map((x) => String(x.number)).join(', '),
      detail: `the ServiceEntry's address serves ports ${ports.map((x) => String(x.number)).join(', ')}, not ${q.port}`,
    });
  const waypoint = boundWaypoint(items, hit.se);
  if (!waypoint) {
    return leaveFromPod(
      path,
      'bypass',
      {
        layer: 'waypoint',
        resource: refOf(hit.se),
        field: `metadata.labels.${USE_WAYPOINT}`,
        detail:
          'the ServiceEntry is bound to no waypoint: ztunnel sends the connection out directly, skipping the waypoint and its policies',
      },
      podExit(items, ns, q.host, q.port),
    );
  }
  const gw = ofKind(items, 'Gateway').find(
    (g) =>
      g.metadata.name === waypoint.name &&
      namespaceOfItem(g) === waypoint.namespace &&
      specOf(g).gatewayClassName === 'istio-waypoint',
  );
  if (!gw)
    return path.end('refused', {
      layer: 'waypoint',
      resource: waypoint.resource,
      field: waypoint.field,
      value: waypoint.name,
      detail: `the ServiceEntry is bound to waypoint ${waypoint.namespace}/${waypoint.name}, which is no istio-waypoint Gateway in the manifests`,
    });
  const mesh = objects(specOf(gw).listeners).findIndex(
    (l) => Number(l.port) === 15008 && l.protocol === 'HBONE',
  );
  const forWhat = labelsOf(gw)['istio.io/waypoint-for'];
  if (forWhat === 'workload' || forWhat === 'none')
    return path.end('refused', {
      layer: 'waypoint',
      resource: refOf(gw),
      field: 'metadata.labels.istio.io/waypoint-for',
      value: String(forWhat),
      detail: 'this waypoint does not take service traffic',
    });
  path.pass({
    layer: 'waypoint',
    resource: refOf(gw),
    field: mesh >= 0 ? `spec.listeners[${mesh}]` : 'spec.listeners',
    value: 'mesh 15008 HBONE',
    detail: `the ServiceEntry is bound to this waypoint (${waypoint.resource} ${waypoint.field})`,
  });
  // Under Cilium, the hop to the waypoint (HBONE, 15008) and the waypoint's own exit meet the CNI's policies.
  const waypointPods = { [WAYPOINT_POD_LABEL]: waypoint.name };
  const to = {
    namespace: waypoint.namespace,
    labels: waypointPods,
    port: 15008,
    what: 'the waypoint pods',
  };
  if (ciliumPeer(items, ns, to).kind !== 'none') {
    const hop = podHop(items, ns, to);
    const step = {
      layer: hop.by ? 'cilium' : 'network',
      ...('resource' in hop ? { resource: hop.resource } : {}),
      ...('field' in hop ? { field: hop.field } : {}),
      detail: `the ${hop.by ?? 'NetworkPolicy'} of ${ns}: ${hop.detail}`,
    };
    if (hop.kind === 'refuses' || hop.kind === 'unknown')
      return path.end(hop.kind === 'refuses' ? 'refused' : 'unknown', step);
    path.pass(step);
  }
  const seNs = namespaceOfItem(hit.se);
  const peer = { namespace: ns, trustDomain, port: q.port };
  for (const target of [
    { namespace: seNs, kind: 'ServiceEntry', name: String(hit.se.metadata.name) },
    { namespace: waypoint.namespace, kind: 'Gateway', name: waypoint.name },
  ]) {
    const authz = authorizeAtTarget(
      items,
      target,
      peer,
      `${target.kind} ${target.namespace}/${target.name}`,
    );
    const step = {
      layer: 'authorization',
      ...(authz.resource ? { resource: authz.resource } : {}),
      ...(authz.field ? { field: authz.field } : {}),
      ...(authz.value ? { value: authz.value } : {}),
      detail: authz.detail,
    };
    if (!authz.allowed) return path.end('refused', step);
    path.pass(step);
  }
  path.rule = { resource: refOf(hit.se), field: `spec.hosts[${hit.k}]`, value: hit.host };
  path.pass({
    layer: 'forwarder',
    ...path.rule,
    detail: `the waypoint ${String(spec.resolution) === 'DYNAMIC_DNS' ? 'resolves the requested name' : 'resolves the host'} and dials port ${q.port}`,
  });
  if (ciliumExternal(items, waypoint.namespace, q.host, q.port, waypointPods).kind === 'none')
    return 'allowed';
  const exit = podExit(items, waypoint.namespace, q.host, q.port, waypointPods);
  const step = {
    layer: exit.by ? 'cilium' : 'network',
    ...('resource' in exit ? { resource: exit.resource } : {}),
    ...('field' in exit ? { field: exit.field } : {}),
    detail: `the waypoint's ${exit.by ?? 'NetworkPolicy'}: ${exit.detail}`,
  };
  if (exit.kind === 'refuses') return path.end('refused', step);
  path.pass(step);
  return 'allowed';
}
