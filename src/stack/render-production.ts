import { appNamespaces, type Options } from '../config/options.js';
import { sortDomains } from '../domains/normalize-list.js';
import type { DomainPlan } from '../domains/plan.js';
import { serves } from './lane-scope.js';
import { renderCiliumPolicies } from './render-cilium.js';
import { renderClusterNetworkPolicies } from './render-cluster-network-policy.js';
import { renderGuard } from './render-guard.js';
import { renderNetworkPolicies } from './render-network-policies.js';
import { SIDECAR_HOST_BYTES } from './limits.js';
import { APP_RESOURCE_NAME, stackNames } from './names.js';
import type { Resource } from './resource.js';

/**
 * Deny by default at the sidecar: in each application namespace, a Sidecar
 * that knows only its own namespace, the egress gateway, the extra hosts the
 * config names and the names of the lanes the namespace may use, with
 * REGISTRY_ONLY so any other external host fails at the sidecar.
 */
function renderSidecars(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  return appNamespaces(o.production).map((ns) => {
    const names = sortDomains(
      new Set(plan.lanes.filter((l) => serves(o, l, ns)).flatMap((l) => l.domains)),
    );
    // A long list would make the Sidecar too large (one namespace may have only one namespace-wide
    // Sidecar, so it cannot be split): it imports the routing namespace whole instead, where the
    // list's ServiceEntries and VirtualServices live. Teams stay apart at the gateway (sidecar mode:
    // by the ServiceEntries' exportTo).
    const bytes = names.reduce((n, d) => n + o.routingNamespace.length + d.length + 4, 0);
    const imports =
      bytes > SIDECAR_HOST_BYTES
        ? [`${o.routingNamespace}/*`]
        : names.map((d) => `${o.routingNamespace}/${d}`);
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: APP_RESOURCE_NAME, namespace: ns },
      spec: {
        outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
        egress: [
          {
            hosts: [
              './*',
              // The gateway Service, where the egress-gateway mode sends the list; the native modes have none.
              ...(o.mode === 'egress-gateway' ? [`${o.gateway.namespace}/${n.serviceHost}`] : []),
              ...o.production.sidecarHosts,
              ...imports,
            ],
          },
        ],
      },
    };
  });
}

/**
 * Defense in depth at the gateway: each lane's gateway port admits only mesh
 * identities (principals) from the namespaces that lane serves, so a team cannot use
 * another team's lane even by addressing the gateway directly. Every rule names
 * its principals: a rule without `from` would admit every identity. (The names are
 * checked by each lane's internal listener, whose filter chain matches only
 * them: on the gateway's own listener `connection.sni` is the Istio mTLS name,
 * not the application's.)
 */
function renderAuthorization(o: Options, plan: DomainPlan): Resource {
  const n = stackNames(o);
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: n.deployment, namespace: o.gateway.namespace },
    spec: {
      selector: { matchLabels: { ...n.selector } },
      action: 'ALLOW',
      rules: plan.lanes
        .filter((l) => l.namespaces.length > 0)
        .map((l) => ({
          // Mesh identities (SPIFFE principals) of every service account in the lane's namespaces.
          from: [
            {
              source: {
                principals: l.namespaces.map((ns) => `${o.production.trustDomain}/ns/${ns}/sa/*`),
              },
            },
          ],
          to: [{ operation: { ports: [String(l.gatewayPort)] } }],
        })),
    },
  };
}

/** Keeps the gateway up through node drains and load: a PodDisruptionBudget and an autoscaler. */
function renderAvailability(o: Options): Resource[] {
  const ha = o.production.highAvailability;
  if (!ha) return [];
  const n = stackNames(o);
  return [
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: n.deployment, namespace: o.gateway.namespace },
      spec: { minAvailable: ha.minAvailable, selector: { matchLabels: { ...n.selector } } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: n.deployment, namespace: o.gateway.namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: n.deployment },
        minReplicas: ha.replicas,
        maxReplicas: ha.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: ha.targetCPUUtilization },
            },
          },
        ],
      },
    },
  ];
}

/**
 * Every production resource that is switched on and applies to the mode,
 * after the stack: the native modes have no gateway of this project's to
 * authorize, scale or log (waypoint mode authorizes per ServiceEntry), and
 * ambient has no Sidecars.
 */
export function renderProduction(o: Options, plan: DomainPlan): Resource[] {
  const p = o.production;
  const gateway = o.mode === 'egress-gateway';
  return [
    ...(p.sidecars && o.mode !== 'waypoint' ? renderSidecars(o, plan) : []),
    ...(p.networkPolicies ? renderNetworkPolicies(o, plan) : []),
    ...(p.fqdnPolicies === 'cilium' ? renderCiliumPolicies(o, plan) : []),
    ...(p.fqdnPolicies === 'kubernetes' ? renderClusterNetworkPolicies(o, plan) : []),
    ...(p.authorization && gateway ? [renderAuthorization(o, plan)] : []),
    ...(gateway ? renderAvailability(o) : []),
    ...(p.guard ? renderGuard(o) : []),
  ];
}
