import { celList, rule, type GuardRule } from './guard-cel.js';

/**
 * Cilium's policy kinds under the guard. Cilium allows the union of every
 * policy that selects a pod (cilium/cilium
 * Documentation/security/policy/intro.rst), so one policy a team writes in
 * its namespace that allows an address outside the cluster undoes the
 * stack's, NetworkPolicy and CiliumNetworkPolicy alike.
 */

/** Entities that name only the cluster's own endpoints and nodes (pkg/policy/api/entity.go); world, all and unmanaged do not. */
export const CLUSTER_ENTITIES = [
  'cluster',
  'host',
  'remote-node',
  'kube-apiserver',
  'health',
  'init',
  'ingress',
];

/** Destinations that may lie outside the cluster: addresses, names, Services without selectors, cloud groups, nodes. */
const OUTSIDE = ['toCIDR', 'toCIDRSet', 'toFQDNs', 'toServices', 'toGroups', 'toNodes'];

/**
 * A CEL condition over egress rule `e` of a Cilium policy: it names only
 * endpoints of the cluster (toEndpoints, or cluster entities). A rule with no
 * peer at all allows every destination (on its ports), so it fails too.
 */
export function clusterOnlyEgress(e: string): string {
  const none = OUTSIDE.map((k) => `(!has(${e}.${k}) || size(${e}.${k}) == 0)`).join(' && ');
  const entities = `(!has(${e}.toEntities) || ${e}.toEntities.all(x, x in ${celList(CLUSTER_ENTITIES)}))`;
  const peer = `((has(${e}.toEndpoints) && size(${e}.toEndpoints) > 0) || (has(${e}.toEntities) && size(${e}.toEntities) > 0))`;
  return `(${none} && ${entities} && ${peer})`;
}

/** Every rule set of a Cilium policy (`spec` and `specs`) allows egress only inside the cluster. */
export function ciliumClusterOnly(of: string): string {
  const set = (s: string) => `(!has(${s}.egress) || ${s}.egress.all(e, ${clusterOnlyEgress('e')}))`;
  return `((!has(${of}.spec) || ${set(`${of}.spec`)}) && (!has(${of}.specs) || ${of}.specs.all(s, ${set('s')})))`;
}

/** Whether the request comes from one of the guard's admins (user or group). */
export const byAdmins = (admins: string) =>
  `(request.userInfo.username in ${admins} || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${admins})))`;

/** The main guard's rule for CiliumNetworkPolicies outside the stack's namespaces: egress only inside the cluster, unless the guard's admins write it (the rendered ones). */
export function ciliumNetworkPolicyRule(admins: string): GuardRule {
  return rule(
    `request.kind.kind != 'CiliumNetworkPolicy' || ${byAdmins(admins)} || ${ciliumClusterOnly('object')}`,
    `a CiliumNetworkPolicy here may allow egress only to endpoints of the cluster (toEndpoints, or the entities ${CLUSTER_ENTITIES.join(', ')}): toCIDR, toCIDRSet, toFQDNs, toServices, toGroups, toNodes, the world entities, or a rule without a destination open a path around the egress allowlist (Cilium allows the union of every policy)`,
  );
}

/** The rule for CiliumClusterwideNetworkPolicies (cluster-scoped, so any namespace's pods): one that opens egress only by the guard's admins. */
export function ciliumClusterwideRule(admins: string): GuardRule {
  return rule(
    `${byAdmins(admins)} || ${ciliumClusterOnly('object')}`,
    "a CiliumClusterwideNetworkPolicy that allows egress outside the cluster may select the application namespaces' pods: only the guard's admins (production.guardAdmins) may write one",
  );
}
