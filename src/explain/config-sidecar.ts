import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import type { EntryIndex } from './config-entries.js';
import { configNetworkVerdict, configSidecarScope, nativeVisible } from './config-scope.js';
import { leaveFromPod } from './leave-pod.js';
import { matchingName } from './server-names.js';
import { namespaceOf, type Path, type Question, type Verdict } from './types.js';

/**
 * Sidecar mode from the config (Istio 1.30 and later, no gateway): each
 * lane's names become ServiceEntries (wildcards DYNAMIC_DNS, exact names
 * DNS) on the lane's port, exported to the lane's namespaces when the config
 * has teams (src/stack/render-native.ts); a namespace's
 * sidecar forwards a host some entry it sees and imports lists on that port,
 * the most specific first, and the connection leaves from the pod. Anything
 * else is an unknown host: BlackHoleCluster under REGISTRY_ONLY, else
 * PassthroughCluster.
 */
export function decideSidecarConfig(
  o: Options,
  plan: DomainPlan,
  q: Question,
  path: Path,
  entries: EntryIndex,
): Verdict {
  const ns = namespaceOf(q);
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
  const seen = plan.lanes
    .filter((l) => l.upstreamPort === q.port && nativeVisible(o, l, ns))
    .flatMap((lane) =>
      lane.domains
        .filter((d) => scope.imports(o.routingNamespace, d, q.port))
        .map((d) => ({ lane, d })),
    );
  const hit = matchingName(
    seen.map((s) => s.d),
    q.host,
  );
  const entry = seen.find((s) => s.d === hit);
  if (!entry) {
    const step = {
      layer: 'sidecar',
      ...(scope.resource
        ? { resource: scope.resource, field: 'spec.outboundTrafficPolicy.mode' }
        : {}),
      value: policy,
      detail: `no ServiceEntry exported to ${ns} lists ${q.host} on port ${q.port}: the connection goes to ${scope.registryOnly ? 'BlackHoleCluster' : 'PassthroughCluster'}`,
    };
    return scope.registryOnly
      ? path.end('refused', step)
      : leaveFromPod(path, 'passthrough', step, configNetworkVerdict(o, plan, ns, q.port));
  }
  path.rule = entries(entry.lane, entry.d);
  path.pass({
    layer: 'service',
    ...path.rule,
    detail: `a ServiceEntry exported to ${ns} lists it on port ${q.port} (resolution ${entry.d.startsWith('*.') ? 'DYNAMIC_DNS' : 'DNS'}; ${entry.d === q.host ? 'exact name' : 'the most specific wildcard'})`,
  });
  return leaveFromPod(
    path,
    'allowed',
    {
      layer: 'forwarder',
      detail: `the sidecar ${entry.d.startsWith('*.') ? 'resolves the requested name itself (dynamic forward proxy)' : 'resolves the host'} and dials port ${q.port} from the pod`,
    },
    configNetworkVerdict(o, plan, ns, q.port),
  );
}
