import type { Options } from '../config/options.js';
import {
  ABSENT_OPERATORS,
  NAMESPACE_KEY,
  NAMESPACE_LABELS_KEY,
  RESERVED_KEY_PREFIXES,
  TEAM_ENTITIES,
} from './cilium-labels.js';
import { celList, celString, rule, type GuardRule } from './guard-cel.js';

/**
 * Cilium's policy kinds under the guard. Cilium allows the union of every
 * policy that selects a pod (cilium/cilium
 * Documentation/security/policy/intro.rst), so one policy a team writes in
 * its namespace that allows an address outside the cluster undoes the
 * stack's, NetworkPolicy and CiliumNetworkPolicy alike.
 */

/** Destinations that may lie outside the cluster: addresses, names, Services without selectors, cloud groups, nodes. */
const OUTSIDE = ['toCIDR', 'toCIDRSet', 'toFQDNs', 'toServices', 'toGroups', 'toNodes'];

/** The service account Cilium's operator writes CiliumEnvoyConfigs with (Ingress and Gateway API, dedicated mode). */
export const CILIUM_OPERATOR = 'system:serviceaccount:kube-system:cilium-operator';

/** Whether selector key `k` (CEL) is read by Cilium as a reserved label. */
const reservedKey = (k: string) =>
  `(${RESERVED_KEY_PREFIXES.map((p) => `${k}.startsWith(${celString(p)})`).join(' || ')})`;

/** Whether selector key `k` (CEL) names the pod's namespace or its namespace's labels. */
const namespaceKey = (k: string) =>
  `(${k}.endsWith(${celString(NAMESPACE_KEY)}) || ${k}.contains(${celString(NAMESPACE_LABELS_KEY)}))`;

/**
 * Endpoint selector `s` selects pods only: no reserved label, and no
 * namespace key under an operator that also holds where the label is absent
 * (world, the nodes and CIDR identities carry no namespace).
 */
function podsOnly(s: string): string {
  return `((!has(${s}.matchLabels) || ${s}.matchLabels.all(lk, !${reservedKey('lk')})) && (!has(${s}.matchExpressions) || ${s}.matchExpressions.all(lx, !${reservedKey('lx.key')} && !(${namespaceKey('lx.key')} && lx.operator in ${celList(ABSENT_OPERATORS)}))))`;
}

/** Endpoint selector `s` names no namespace: Cilium keeps a namespaced policy's selector to its own namespace. */
function ownNamespace(s: string): string {
  return `((!has(${s}.matchLabels) || ${s}.matchLabels.all(nk, !${namespaceKey('nk')} && !${reservedKey('nk')})) && (!has(${s}.matchExpressions) || ${s}.matchExpressions.all(nx, !${namespaceKey('nx.key')} && !${reservedKey('nx.key')})))`;
}

/** The DNS ports: 53 and the resolver's own (its pods' ports, e.g. OpenShift's 5353). */
export const dnsPorts = (o: Options) => [...new Set([53, ...o.production.dns.ports])];

/**
 * Port entry `q` (CEL, `port` a string or an int, `endPort` an int) holds
 * one of the DNS ports, alone or in a range. A named port does not: Cilium
 * keeps it in a port filter of its own, apart from the DNS rule's.
 */
export function dnsPortCel(q: string, ports: readonly number[]): string {
  const numeric = `string(${q}.port).matches('^[0-9]+$')`;
  return `(has(${q}.port) && (string(${q}.port) in ${celList(ports.map(String))} || (has(${q}.endPort) && ${numeric} && [${ports.join(', ')}].exists(d, int(string(${q}.port)) <= d && ${q}.endPort >= d))))`;
}

/**
 * A CEL condition over egress rule `e` of a Cilium policy: it names only
 * pods of the cluster (toEndpoints that select pods only, or the entities
 * teams may name), through no Envoy listener. A rule with no peer at all
 * allows every destination (on its ports), so it fails too.
 */
export function clusterOnlyEgress(e: string): string {
  const none = OUTSIDE.map((k) => `(!has(${e}.${k}) || size(${e}.${k}) == 0)`).join(' && ');
  const entities = `(!has(${e}.toEntities) || ${e}.toEntities.all(x, x in ${celList(TEAM_ENTITIES)}))`;
  const peer = `((has(${e}.toEndpoints) && size(${e}.toEndpoints) > 0) || (has(${e}.toEntities) && size(${e}.toEntities) > 0))`;
  const pods = `(!has(${e}.toEndpoints) || ${e}.toEndpoints.all(t, ${podsOnly('t')}))`;
  const proxy = `(!has(${e}.toPorts) || ${e}.toPorts.all(p, !has(p.listener)))`;
  return `(${none} && ${entities} && ${peer} && ${pods} && ${proxy})`;
}

/**
 * A CEL condition over egress rule `e`: it holds no DNS port towards pods
 * beyond the policy's own namespace (for a clusterwide policy, towards any
 * pod). Cilium merges such a rule with the stack's DNS rule for the same
 * port: without DNS rules as "every name", with its own as more names
 * (pkg/policy/rule.go mergePortProto, pkg/fqdn/dnsproxy/proxy.go
 * GeneratePattern).
 */
export function noDnsBeyond(e: string, ports: readonly number[], clusterwide: boolean): string {
  const beyond = clusterwide
    ? `size(${e}.toEndpoints) > 0`
    : `${e}.toEndpoints.exists(t, !${ownNamespace('t')})`;
  return `(!has(${e}.toEndpoints) || !has(${e}.toPorts) || !(${beyond} && ${e}.toPorts.exists(p, has(p.ports) && p.ports.exists(q, ${dnsPortCel('q', ports)}))))`;
}

/** Every rule set of a Cilium policy (`spec` and `specs`) satisfies `rule` over each of its egress rules `e`. */
function everyEgress(of: string, condition: (e: string) => string): string {
  const set = (s: string) => `(!has(${s}.egress) || ${s}.egress.all(e, ${condition('e')}))`;
  return `((!has(${of}.spec) || ${set(`${of}.spec`)}) && (!has(${of}.specs) || ${of}.specs.all(s, ${set('s')})))`;
}

/** Every rule set of a Cilium policy (`spec` and `specs`) allows egress only to pods of the cluster. */
export function ciliumClusterOnly(of: string): string {
  return everyEgress(of, clusterOnlyEgress);
}

/**
 * A clusterwide policy's subject names no reserved label when it allows
 * egress: for one that selects initialising pods (`reserved:init`), Cilium
 * adds no namespace requirement to its peers, so `toEndpoints: [{}]` then
 * selects every identity (utils.go, matchesInit).
 */
function subjectNotReserved(of: string): string {
  const set = (s: string) =>
    `(!has(${s}.egress) || size(${s}.egress) == 0 || !has(${s}.endpointSelector) || ${podsOnly(`${s}.endpointSelector`)})`;
  return `((!has(${of}.spec) || ${set(`${of}.spec`)}) && (!has(${of}.specs) || ${of}.specs.all(s, ${set('s')})))`;
}

/** Whether the request comes from one of the guard's admins (user or group). */
export const byAdmins = (admins: string) =>
  `(request.userInfo.username in ${admins} || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${admins})))`;

const OPENING = `toCIDR, toCIDRSet, toFQDNs, toServices, toGroups, toNodes, any other entity, a selector with a reserved label ($x, reserved:x: world, host, remote-node) or with a namespace key under ${ABSENT_OPERATORS.join('/')} (both reach identities that are no pod), an Envoy listener, or a rule without a destination open a path around the egress allowlist (Cilium allows the union of every policy)`;

const DNS_MESSAGE = (ports: readonly number[]) =>
  `may not allow the DNS ports (${ports.join(', ')}) to pods beyond its own namespace: Cilium merges that rule with the stack's DNS rule for the resolver, as every name without DNS rules of its own or as the names it lists, which reopens DNS tunnelling; the stack's policy already lets the namespace resolve its names`;

/**
 * The main guard's rules for CiliumNetworkPolicies outside the stack's
 * namespaces, unless the guard's admins write them (the rendered ones):
 * egress only to pods of the cluster, and with fqdnPolicies cilium no DNS
 * port towards other namespaces' pods.
 */
export function ciliumNetworkPolicyRules(o: Options, admins: string): GuardRule[] {
  const kind = `request.kind.kind != 'CiliumNetworkPolicy' || ${byAdmins(admins)}`;
  const ports = dnsPorts(o);
  return [
    rule(
      `${kind} || ${ciliumClusterOnly('object')}`,
      `a CiliumNetworkPolicy here may allow egress only to pods of the cluster (toEndpoints, or the entities ${TEAM_ENTITIES.join(', ')}): ${OPENING}`,
    ),
    ...(o.production.fqdnPolicies === 'cilium'
      ? [
          rule(
            `${kind} || ${everyEgress('object', (e) => noDnsBeyond(e, ports, false))}`,
            `a CiliumNetworkPolicy here ${DNS_MESSAGE(ports)}`,
          ),
        ]
      : []),
  ];
}

/** The rule for CiliumClusterwideNetworkPolicies (cluster-scoped, so any namespace's pods): one that opens egress only by the guard's admins. */
export function ciliumClusterwideRule(o: Options, admins: string): GuardRule {
  const ports = dnsPorts(o);
  const dns =
    o.production.fqdnPolicies === 'cilium'
      ? ` && ${everyEgress('object', (e) => noDnsBeyond(e, ports, true))}`
      : '';
  return rule(
    `${byAdmins(admins)} || (${ciliumClusterOnly('object')} && ${subjectNotReserved('object')}${dns})`,
    `a CiliumClusterwideNetworkPolicy may select the application namespaces' pods: one that allows egress beyond pods of the cluster (${OPENING}), selects initialising pods by a reserved label${dns ? `, or ${DNS_MESSAGE(ports).replace(' to pods beyond its own namespace', ' to pods')}` : ''}, only the guard's admins (production.guardAdmins) may write`,
  );
}

/**
 * CiliumEnvoyConfigs outside the stack's namespaces: refused as EnvoyFilters
 * are. Its listeners forward where their clusters say, and its `services`
 * redirect a Service's traffic into them: a path out from the node's Envoy
 * that no pod's policy sees. Cilium's operator (Ingress and Gateway API in
 * dedicated mode) and the guard's admins may write them.
 */
export function ciliumEnvoyConfigRule(admins: string): GuardRule {
  return rule(
    `request.kind.kind != 'CiliumEnvoyConfig' || request.userInfo.username == '${CILIUM_OPERATOR}' || ${byAdmins(admins)}`,
    `CiliumEnvoyConfigs are managed by the platform team (production.guardAdmins, or Cilium's operator ${CILIUM_OPERATOR}): one could forward any Service's traffic, or a policy's, to an Envoy listener that dials any address`,
  );
}
