import type { Options } from '../config/options.js';
import { celList, celMap, rule, type GuardRule } from './guard-cel.js';
import { dnsPortCel, dnsPorts } from './guard-cilium-rules.js';
import { stackNames } from './names.js';

/**
 * Label keys istiod may see on a gateway pod with values this project cannot
 * know: the Deployment controller's `pod-template-hash`, and the locality,
 * cluster, network and node labels istiod adds to every proxy's own
 * (istio/istio pilot/pkg/serviceregistry/util/label/label.go, AugmentLabels).
 */
export const CLUSTER_DECIDED_LABELS = [
  'pod-template-hash',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
  'topology.istio.io/cluster',
  'topology.istio.io/network',
  'kubernetes.io/hostname',
];

/**
 * The labels istiod sees on the stack's gateway pods whose values are known:
 * the Deployment template's, and those the injector's gateway template adds
 * (`service.istio.io/canonical-name`: the Deployment's name when the pod has no
 * `app.kubernetes.io/name` or `app` label; `canonical-revision`: `latest`;
 * istio-discovery/files/gateway-injection-template.yaml).
 */
export function gatewayProxyLabels(o: Options): Record<string, string> {
  const n = stackNames(o);
  return {
    ...n.templateLabels,
    'service.istio.io/canonical-name': n.deployment,
    'service.istio.io/canonical-revision': 'latest',
  };
}

/**
 * Whether an Istio Gateway with this selector could select the stack's gateway
 * pods: the same test as the guard's Gateway rule below (absent selector, or
 * every key either one whose value the cluster decides or one the pods carry
 * with that value), for the reconcile to say it before the guard refuses it.
 */
export function selectsGatewayPods(
  selector: Record<string, string> | undefined,
  o: Options,
): boolean {
  if (selector === undefined) return true;
  const known = gatewayProxyLabels(o);
  return Object.entries(selector).every(
    ([k, v]) => CLUSTER_DECIDED_LABELS.includes(k) || (Object.hasOwn(known, k) && known[k] === v),
  );
}

/**
 * The rules for every namespace but the stack's own and the exempt ones:
 * each refuses one way a namespace could open its own path out around the
 * list, or attach to the project's gateway.
 */
export function guardValidations(o: Options): GuardRule[] {
  const suffix = `.svc.${o.clusterDomain}`;
  const known = celMap(gatewayProxyLabels(o));
  return [
    rule(
      `request.kind.kind != 'ServiceEntry' || !has(object.spec.hosts) || object.spec.hosts.all(h, h.endsWith('${suffix}'))`,
      `a ServiceEntry here may name only in-cluster hosts (*${suffix}): external hosts are allowed through the egress allowlist`,
    ),
    // An in-cluster name with external addresses or endpoints would be a direct path out all the same.
    rule(
      `request.kind.kind != 'ServiceEntry' || ((!has(object.spec.addresses) || size(object.spec.addresses) == 0) && (!has(object.spec.endpoints) || size(object.spec.endpoints) == 0))`,
      'a ServiceEntry here may not list addresses or endpoints: they could point outside the cluster',
    ),
    // Resolution NONE (also the default) forwards to the address the pod dialled: with a TCP port, a catch-all path out.
    rule(
      `request.kind.kind != 'ServiceEntry' || (has(object.spec.resolution) && object.spec.resolution != 'NONE')`,
      'a ServiceEntry here must set a resolution other than NONE: NONE forwards to whatever address the pod dials',
    ),
    rule(
      `request.kind.kind != 'WorkloadEntry'`,
      'WorkloadEntries are managed by the platform team: one could register an external address as a mesh workload',
    ),
    // istiod creates a WorkloadEntry at the address the workload reports (INSTANCE_IPS): only its namespace and
    // service account are checked (pilot/pkg/autoregistration/controller.go).
    rule(
      `request.kind.kind != 'WorkloadGroup'`,
      'WorkloadGroups are managed by the platform team: a workload that registers with one reports its own address, any address',
    ),
    rule(
      `request.kind.kind != 'EnvoyFilter'`,
      'EnvoyFilters are managed by the platform team: one could route around the egress allowlist',
    ),
    // A ProxyConfig's environmentVariables become the proxy metadata, which the injector writes into istio-init's
    // environment, where istio-iptables reads its options (pilot/pkg/model/proxy_config.go, tools/istio-iptables).
    rule(
      `request.kind.kind != 'ProxyConfig' || !has(object.spec.environmentVariables) || size(object.spec.environmentVariables) == 0`,
      'a ProxyConfig here may not set environmentVariables: they reach istio-init, whose capture settings they can turn off',
    ),
    // A Sidecar without a mode takes the mesh default (often ALLOW_ANY), and one with a workloadSelector wins over the namespace's.
    rule(
      `request.kind.kind != 'Sidecar' || (has(object.spec.outboundTrafficPolicy) && has(object.spec.outboundTrafficPolicy.mode) && object.spec.outboundTrafficPolicy.mode == 'REGISTRY_ONLY')`,
      'a Sidecar here must say outboundTrafficPolicy.mode: REGISTRY_ONLY: any other mode (or none, the mesh default) lets unlisted hosts out through PassthroughCluster',
    ),
    // istiod merges into a gateway proxy every Gateway, from any namespace, whose selector is a subset of the
    // proxy's labels (pilot/pkg/model/push_context.go, mergeGateways): a selector passes only with a key the
    // gateway pods cannot match.
    rule(
      `request.kind.kind != 'Gateway' || (has(object.spec.selector) && object.spec.selector.exists(k, !(k in ${celList(CLUSTER_DECIDED_LABELS)}) && !(k in ${known} && ${known}[k] == object.spec.selector[k])))`,
      `a Gateway here may not select the egress gateway pods: its selector needs a label they do not carry (they carry ${Object.entries(
        gatewayProxyLabels(o),
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}, and ${CLUSTER_DECIDED_LABELS.join(', ')} with values the cluster decides)`,
    ),
    // NetworkPolicies add up: one that opens egress beyond the cluster's pods would undo the stack's.
    rule(
      `request.kind.kind != 'NetworkPolicy' || !has(object.spec.egress) || object.spec.egress.all(r, has(r.to) && size(r.to) > 0 && r.to.all(p, !has(p.ipBlock)))`,
      'a NetworkPolicy here may allow egress only to pods (podSelector, namespaceSelector): an ipBlock, or a rule without "to", opens the internet around the egress allowlist',
    ),
    // Cilium enforces NetworkPolicies in the same repository as its own policies: a DNS port towards the
    // resolver's pods is merged with the stack's DNS rule as "every name" (pkg/policy/rule.go, mergePortProto).
    ...(o.production.fqdnPolicies === 'cilium'
      ? [
          rule(
            `request.kind.kind != 'NetworkPolicy' || !has(object.spec.egress) || object.spec.egress.all(r, !has(r.ports) || !has(r.to) || !(r.to.exists(t, has(t.namespaceSelector)) && r.ports.exists(q, ${dnsPortCel('q', dnsPorts(o))})))`,
            `a NetworkPolicy here may not allow the DNS ports (${dnsPorts(o).join(', ')}) to pods of other namespaces (namespaceSelector): Cilium merges that rule with the stack's DNS rule for the resolver as every name, which reopens DNS tunnelling; the stack's policy already lets the namespace resolve its names`,
          ),
        ]
      : []),
  ];
}
