import { appNamespaces, type Options } from '../config/options.js';
import { compareDomains } from '../domains/normalize-list.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { namespacePorts } from '../stack/lane-scope.js';
import { SIDECAR_HOST_BYTES } from '../stack/limits.js';
import { APP_RESOURCE_NAME, stackNames } from '../stack/names.js';
import type { Item } from './manifests.js';
import { mayBePublic, type NetworkVerdict } from './network-policy.js';
import { sidecarScope, type SidecarScope } from './sidecar-scope.js';

/** Whether a namespace may use a lane: a team's lanes serve its namespaces; a shared lane those of production.namespaces, or all when none are named. */
export function laneServes(lane: Lane, ns: string): boolean {
  return lane.namespaces.length === 0 ? !lane.team : lane.namespaces.includes(ns);
}

/** Whether a namespace sees a lane's ServiceEntries in sidecar mode: exported to a scope's namespaces only when the config has teams. */
export function nativeVisible(o: Options, lane: Lane, ns: string): boolean {
  return (
    (o.production.teams ?? []).length === 0 ||
    lane.namespaces.length === 0 ||
    lane.namespaces.includes(ns)
  );
}

/**
 * The sidecar scope the config gives a namespace: with production.sidecars
 * (not in waypoint mode: ambient pods have no sidecar), each application
 * namespace gets a REGISTRY_ONLY Sidecar whose egress hosts are its own
 * namespace, the gateway Service (egress-gateway mode), the extra hosts and
 * the names of the lanes it may use in the routing namespace, or the whole
 * routing namespace once those names pass SIDECAR_HOST_BYTES (the renderer's
 * choices, src/stack/render-production.ts); any other namespace has none.
 */
export function configSidecarScope(
  o: Options,
  plan: DomainPlan,
  ns: string,
  registryOnly: boolean,
): SidecarScope {
  const covered =
    o.production.sidecars && o.mode !== 'waypoint' && appNamespaces(o.production).includes(ns);
  if (!covered) return sidecarScope([], ns, registryOnly);
  const n = stackNames(o);
  const names = [
    ...new Set(
      plan.lanes
        .filter((l) => (l.team ? l.namespaces : o.production.namespaces).includes(ns))
        .flatMap((l) => l.domains),
    ),
  ].sort(compareDomains);
  const bytes = names.reduce((sum, d) => sum + o.routingNamespace.length + d.length + 4, 0);
  const imports =
    bytes > SIDECAR_HOST_BYTES
      ? [`${o.routingNamespace}/*`]
      : names.map((d) => `${o.routingNamespace}/${d}`);
  const sidecar: Item = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: APP_RESOURCE_NAME, namespace: ns },
    spec: {
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      egress: [
        {
          hosts: [
            './*',
            ...(o.mode === 'egress-gateway' ? [`${o.gateway.namespace}/${n.serviceHost}`] : []),
            ...o.production.sidecarHosts,
            ...imports,
          ],
        },
      ],
    },
  };
  return sidecarScope([sidecar], ns, registryOnly);
}

/**
 * The application NetworkPolicy the config gives a namespace, for a
 * connection that leaves from the pod: with production.networkPolicies each
 * application namespace may reach cluster pods, DNS and the extra CIDRs, and
 * in sidecar mode public addresses on the upstream ports of the lanes it may
 * use (src/stack/render-network-policies.ts).
 */
export function configNetworkVerdict(
  o: Options,
  plan: DomainPlan,
  ns: string,
  port: number,
): NetworkVerdict {
  const p = o.production;
  if (!p.networkPolicies || !appNamespaces(p).includes(ns))
    return { kind: 'open', detail: `no NetworkPolicy isolates the pods of ${ns} for egress` };
  const resource = `NetworkPolicy ${ns}/${APP_RESOURCE_NAME}`;
  const extra = p.egressCIDRs.find(
    (d) => mayBePublic(d.cidr) && (!d.ports || d.ports.includes(port)),
  );
  if (extra)
    return {
      kind: 'admits',
      resource,
      field: 'spec.egress',
      detail: `admits ${extra.cidr} on port ${port} (explain does not resolve the host: it may lie there)`,
    };
  const dns = [...p.dns.nodeLocalAddresses, ...p.dns.serviceIPs].find(
    (ip) => port === 53 && mayBePublic(ip),
  );
  if (dns)
    return { kind: 'admits', resource, field: 'spec.egress', detail: `admits ${dns} on port 53` };
  if (o.mode === 'sidecar' && namespacePorts(o, plan.lanes, ns).includes(port)) {
    return {
      kind: 'admits',
      resource,
      field: 'spec.egress',
      detail: `admits public addresses on the listed port ${port} (sidecar mode: the pods dial out themselves)`,
    };
  }
  return {
    kind: 'refuses',
    resource,
    detail: `egress from ${ns} on port ${port} is allowed only to cluster pods and blocks that hold no public address`,
  };
}
