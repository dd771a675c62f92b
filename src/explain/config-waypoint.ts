import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import type { EntryIndex } from './config-entries.js';
import { configNetworkVerdict } from './config-scope.js';
import { leaveFromPod } from './leave-pod.js';
import { matchingName } from './server-names.js';
import { namespaceOf, type Path, type Question, type Verdict } from './types.js';

/**
 * Waypoint mode from the config (ambient): each lane's names become
 * ServiceEntries bound to the waypoint, with an AuthorizationPolicy attached
 * (targetRefs) that admits the lane's namespaces. ztunnel ignores exportTo and
 * REGISTRY_ONLY: a host some entry lists (the most specific) goes to the
 * waypoint on that entry's ports, where the policy decides; any other host
 * resolves to its real address and only a NetworkPolicy stops it.
 */
export function decideWaypointConfig(
  o: Options,
  plan: DomainPlan,
  q: Question,
  path: Path,
  entries: EntryIndex,
): Verdict {
  const ns = namespaceOf(q);
  const all = plan.lanes.flatMap((lane) => lane.domains.map((d) => ({ lane, d })));
  const hit = matchingName([...new Set(all.map((x) => x.d))], q.host);
  if (hit === undefined) {
    return leaveFromPod(
      path,
      'passthrough',
      {
        layer: 'dns',
        value: q.host,
        detail: `no ServiceEntry lists ${q.host}: ztunnel's DNS proxy returns its real address and the connection leaves from the pod`,
      },
      configNetworkVerdict(o, plan, ns, q.port),
    );
  }
  // The renderer writes one ServiceEntry per host: its ports are every port any scope lists it on, and its
  // AuthorizationPolicy admits the namespaces of every scope that lists it.
  const listing = all.filter((x) => x.d === hit);
  const onPort = listing.filter((x) => x.lane.upstreamPort === q.port);
  const rule = entries(listing[0].lane, hit);
  if (onPort.length === 0) {
    return path.end('refused', {
      layer: 'service',
      ...rule,
      detail: `${hit} is listed for port ${[...new Set(listing.map((x) => x.lane.upstreamPort))].join(', ')}, not ${q.port}: the ServiceEntry's address has no port ${q.port}`,
    });
  }
  path.pass({
    layer: 'service',
    ...rule,
    detail: `ztunnel resolves ${q.host} to the ServiceEntry of ${hit} (${hit === q.host ? 'exact name' : 'the most specific wildcard'}), bound to the waypoint`,
  });
  const namespaces = [...new Set(listing.flatMap((x) => x.lane.namespaces))];
  const policy = o.production.authorization && namespaces.length > 0;
  const admitted =
    !policy || namespaces.includes(ns)
      ? (onPort.find((x) => x.lane.namespaces.includes(ns)) ?? onPort[0])
      : undefined;
  if (!admitted) {
    return path.end('refused', {
      layer: 'authorization',
      ...rule,
      detail: `the AuthorizationPolicy attached to the ServiceEntry admits ${namespaces.join(', ')}, not ${ns}`,
    });
  }
  path.rule = entries(admitted.lane, hit);
  path.pass({
    layer: 'authorization',
    detail: policy
      ? `the policy on the ServiceEntry admits ${ns}`
      : 'no AuthorizationPolicy: every identity is admitted',
  });
  path.pass({
    layer: 'forwarder',
    detail: `the waypoint resolves ${q.host} and dials port ${q.port}`,
  });
  return 'allowed';
}
