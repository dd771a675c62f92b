import {
  ABSENT_OPERATORS,
  isNamespaceKey,
  isReservedKey,
  RESERVED_KEY_PREFIXES,
  WORLD_LABELS,
} from '../stack/cilium-labels.js';
import { isObject, type JsonObject, textOf } from '../util/data.js';
import { ciliumSelects, selectorText } from './cilium-match.js';
import { namespaceOfItem, objects, ofKind, refOf, strings, type Item } from './manifests.js';
import { mayBePublic } from './network-policy.js';

/**
 * The Cilium layer: CiliumNetworkPolicies (cilium.io/v2) of a pod's
 * namespace that select it, read as Cilium's agent reads them. Every allow
 * rule of every policy that selects a pod adds up (Cilium enforces
 * Kubernetes NetworkPolicies in the same repository, so theirs add too);
 * a pod any policy selects for egress is denied what none allows
 * (cilium/cilium Documentation/security/policy/intro.rst, language.rst;
 * pkg/policy/api/rule_validation.go for the default-deny posture).
 */

/** One rule set of a policy (its `spec`, or an item of `specs`) that selects the pod. */
interface SelectedRule {
  item: Item;
  /** `spec` or `specs[k]`. */
  at: string;
  rule: JsonObject;
}

/** What the Cilium layer says about one connection: no policy selects the pod, or admits / refuses. */
export type CiliumVerdict =
  | { kind: 'none' }
  | { kind: 'admits'; resource: string; field: string; value?: string; detail: string }
  | { kind: 'refuses'; resource: string; detail: string };

const NAMESPACE_KEYS = ['io.kubernetes.pod.namespace', 'k8s:io.kubernetes.pod.namespace'];
const bare = (key: string) => key.replace(/^(k8s|any):/, '');

/** Whether a Cilium endpoint selector selects pods with these labels in `namespace`, the policy being in `own`. */
function selectsPod(
  selector: unknown,
  own: string,
  namespace: string,
  labels: Record<string, unknown> | undefined,
): boolean {
  if (!isObject(selector)) return false;
  const match = isObject(selector.matchLabels) ? selector.matchLabels : {};
  const expressions = objects(selector.matchExpressions);
  const nsKey = (k: string) => NAMESPACE_KEYS.includes(k);
  // A namespaced policy's selectors pick pods of its own namespace unless they name another.
  const names = [
    ...Object.entries(match)
      .filter(([k]) => nsKey(k))
      .map(([, v]) => [textOf(v)]),
    ...expressions
      .filter((e) => nsKey(textOf(e.key)) && e.operator === 'In')
      .map((e) => strings(e.values)),
  ];
  if (names.length === 0 ? namespace !== own : !names.every((n) => n.includes(namespace)))
    return false;
  if (expressions.some((e) => nsKey(textOf(e.key)) && e.operator !== 'In')) return false;
  const podLabels = Object.entries(match).filter(([k]) => !nsKey(k));
  const podExpressions = expressions.filter((e) => !nsKey(textOf(e.key)));
  if (podLabels.length === 0 && podExpressions.length === 0) return true;
  if (!labels || podExpressions.length > 0) return false;
  return podLabels.every(([k, v]) => String(labels[bare(k)]) === String(v));
}

/** Every key of a selector (matchLabels and matchExpressions) with the operator it is read under. */
function selectorKeys(selector: unknown): { key: string; operator: string }[] {
  if (!isObject(selector)) return [];
  return [
    ...Object.keys(isObject(selector.matchLabels) ? selector.matchLabels : {}).map((key) => ({
      key,
      operator: 'In',
    })),
    ...objects(selector.matchExpressions).map((e) => ({
      key: textOf(e.key),
      operator: textOf(e.operator),
    })),
  ];
}

/**
 * Why a toEndpoints selector may select addresses outside the cluster, as
 * the guard refuses it (src/stack/cilium-labels.ts): a reserved world label,
 * or a namespace key under an operator that holds where the label is absent
 * (Cilium then adds no namespace, and world carries none). Undefined when it
 * selects pods only.
 */
function worldSelector(selector: unknown): string | undefined {
  for (const { key, operator } of selectorKeys(selector)) {
    const reserved = RESERVED_KEY_PREFIXES.find((p) => key.startsWith(p));
    if (
      reserved &&
      WORLD_LABELS.includes(key.slice(reserved.length)) &&
      operator !== 'DoesNotExist'
    )
      return `its selector names the reserved label ${key}: every address outside the cluster`;
    if (isNamespaceKey(key) && ABSENT_OPERATORS.includes(operator))
      return `its selector holds ${key} ${operator}, which identities without a namespace (world among them) satisfy: it may select every address outside the cluster`;
  }
  return undefined;
}

/** Whether a toEndpoints selector of a namespaced policy may select pods beyond the policy's namespace. */
const beyondNamespace = (selector: unknown) =>
  selectorKeys(selector).some(({ key }) => isNamespaceKey(key) || isReservedKey(key));

/** The egress rule sets of the namespace's CiliumNetworkPolicies that select its pods (labels when known). */
function selectedRules(
  items: readonly Item[],
  namespace: string,
  labels?: Record<string, unknown>,
): SelectedRule[] {
  return ofKind(items, 'CiliumNetworkPolicy', 'cilium.io')
    .filter((cnp) => namespaceOfItem(cnp) === namespace)
    .flatMap((item) => {
      const sets: { at: string; rule: JsonObject }[] = [
        ...(isObject(item.spec) ? [{ at: 'spec', rule: item.spec }] : []),
        ...objects(item.specs).map((rule, k) => ({ at: `specs[${k}]`, rule })),
      ];
      return sets
        .filter(({ rule }) => selectsPod(rule.endpointSelector, namespace, namespace, labels))
        .filter(({ rule }) => {
          const deny = isObject(rule.enableDefaultDeny) ? rule.enableDefaultDeny.egress : undefined;
          return deny !== false && ('egress' in rule || 'egressDeny' in rule);
        })
        .map(({ at, rule }) => ({ item, at, rule }));
    });
}

/** Whether a rule's `toPorts` covers TCP `port` (no toPorts: every port); DNS rules count for UDP too. */
function portCovered(rule: JsonObject, port: number, dns = false): JsonObject | undefined | false {
  const entries = objects(rule.toPorts);
  if (entries.length === 0) return undefined;
  for (const pr of entries)
    for (const p of objects(pr.ports)) {
      const proto = textOf(p.protocol, 'ANY');
      if (!(proto === 'ANY' || proto === 'TCP' || (dns && proto === 'UDP'))) continue;
      const from = Number(textOf(p.port));
      const to = p.endPort === undefined ? from : Number(p.endPort);
      if (from === 0 || (port >= from && port <= to)) return pr;
    }
  return false;
}

const L3_KEYS = [
  'toEndpoints',
  'toCIDR',
  'toCIDRSet',
  'toEntities',
  'toServices',
  'toFQDNs',
  'toGroups',
  'toNodes',
];
const hasL3 = (rule: JsonObject) =>
  L3_KEYS.some((k) => objects(rule[k]).length > 0 || strings(rule[k]).length > 0);
const refs = (rules: readonly SelectedRule[]) =>
  [...new Set(rules.map((r) => refOf(r.item)))].join(', ');

/** Whether port entry `p` (a Cilium PortProtocol) holds `port`, alone or in its range. */
function holdsPort(p: JsonObject, port: number): boolean {
  const from = textOf(p.port);
  if (!/^[0-9]+$/.test(from)) return false;
  const to = p.endPort === undefined ? Number(from) : Number(p.endPort);
  return Number(from) <= port && port <= to;
}

/**
 * A rule that widens the DNS rules to every name, as the guard refuses it:
 * on a port some DNS rule of these policies uses, towards pods beyond the
 * policy's namespace, with no DNS rules of its own (pkg/policy/rule.go,
 * mergePortProto: an L4-only rule on the same port becomes "every name").
 */
function widenedDns(
  rules: readonly SelectedRule[],
): { item: Item; field: string; port: number } | undefined {
  const dnsPorts = new Set(
    rules.flatMap(({ rule }) =>
      objects(rule.egress).flatMap((r) =>
        objects(r.toPorts)
          .filter((pr) => isObject(pr.rules) && objects(pr.rules.dns).length > 0)
          .flatMap((pr) => objects(pr.ports).map((p) => Number(textOf(p.port)))),
      ),
    ),
  );
  for (const { item, at, rule } of rules)
    for (const [i, r] of objects(rule.egress).entries()) {
      if (!objects(r.toEndpoints).some(beyondNamespace)) continue;
      for (const [k, pr] of objects(r.toPorts).entries()) {
        if (isObject(pr.rules) && objects(pr.rules.dns).length > 0) continue;
        for (const port of dnsPorts)
          if (objects(pr.ports).some((p) => holdsPort(p, port)))
            return { item, field: `${at}.egress[${i}].toPorts[${k}]`, port };
      }
    }
  return undefined;
}

/**
 * Whether the pod's DNS query for `host` passes Cilium's DNS proxy: a DNS
 * rule whose pattern selects the name. A rule that lets DNS through
 * without DNS rules passes every name but never feeds toFQDNs.
 */
export function ciliumDns(
  items: readonly Item[],
  namespace: string,
  host: string,
  labels?: Record<string, unknown>,
): CiliumVerdict & { proxied?: boolean } {
  const rules = selectedRules(items, namespace, labels);
  if (rules.length === 0) return { kind: 'none' };
  let open: CiliumVerdict | undefined;
  for (const { item, at, rule } of rules)
    objects(rule.egress).forEach((r, i) => {
      for (const [k, pr] of objects(r.toPorts).entries()) {
        const dns = isObject(pr.rules) ? objects(pr.rules.dns) : [];
        const j = dns.findIndex((s) => ciliumSelects(s, host));
        if (j >= 0 && !open)
          open = {
            kind: 'admits',
            resource: refOf(item),
            field: `${at}.egress[${i}].toPorts[${k}].rules.dns[${j}]`,
            value: selectorText(dns[j]),
            detail: `Cilium's DNS proxy lets ${namespace}'s query for ${host} through (and learns the addresses it answers)`,
          };
      }
    });
  if (open) return { ...open, proxied: true };
  const widened = widenedDns(rules);
  if (widened)
    return {
      kind: 'admits',
      resource: refOf(widened.item),
      field: widened.field,
      detail: `a rule on the DNS port ${widened.port} to pods beyond ${namespace} without DNS rules: Cilium merges it with the DNS rules on that port as every name, so ${namespace}'s query for ${host} passes (if it selects the resolver)`,
      proxied: true,
    };
  return {
    kind: 'refuses',
    resource: refs(rules),
    detail: `no DNS rule of the CiliumNetworkPolicies of ${namespace} selects ${host}: Cilium's DNS proxy refuses the query, so no address of it is ever admitted by toFQDNs`,
  };
}

/**
 * Egress from a pod of `namespace` (labels when known) to `host` on TCP
 * `port` outside the cluster: admitted by a toFQDNs selector of the name
 * (once the pod's DNS query passed the proxy), or by a rule that may hold
 * any public address (toCIDR, toCIDRSet, world entities, no peer at all:
 * explain does not resolve names).
 */
export function ciliumExternal(
  items: readonly Item[],
  namespace: string,
  host: string,
  port: number,
  labels?: Record<string, unknown>,
): CiliumVerdict {
  const rules = selectedRules(items, namespace, labels);
  if (rules.length === 0) return { kind: 'none' };
  const dns = ciliumDns(items, namespace, host, labels);
  let listedOnly: string | undefined;
  for (const { item, at, rule } of rules) {
    const egress = objects(rule.egress);
    for (let i = 0; i < egress.length; i++) {
      const r = egress[i];
      if (portCovered(r, port) === false) continue;
      const field = `${at}.egress[${i}]`;
      const fqdns = objects(r.toFQDNs);
      const j = fqdns.findIndex((s) => ciliumSelects(s, host));
      if (j >= 0) {
        if (dns.kind === 'admits')
          return {
            kind: 'admits',
            resource: refOf(item),
            field: `${field}.toFQDNs[${j}]`,
            value: selectorText(fqdns[j]),
            detail: `toFQDNs admits the addresses ${host} resolved to, on port ${port}; ${dns.resource} ${dns.field} lets the query through`,
          };
        listedOnly ??= `${refOf(item)} ${field}.toFQDNs[${j}] lists ${host}, but ${dns.kind === 'refuses' ? dns.detail : 'no DNS rule proxies its query'}`;
        continue;
      }
      const cidrs = [
        ...strings(r.toCIDR),
        ...objects(r.toCIDRSet).map((c) => textOf(c.cidr)),
      ].filter((c) => c && mayBePublic(c));
      const world = strings(r.toEntities).find((e) =>
        ['world', 'world-ipv4', 'world-ipv6', 'all'].includes(e),
      );
      const selectors = objects(r.toEndpoints);
      const k = selectors.findIndex((e) => worldSelector(e) !== undefined);
      if (k >= 0)
        return {
          kind: 'admits',
          resource: refOf(item),
          field: `${field}.toEndpoints[${k}]`,
          detail: `${worldSelector(selectors[k])}, on port ${port}`,
        };
      if (cidrs.length > 0 || world || !hasL3(r))
        return {
          kind: 'admits',
          resource: refOf(item),
          field,
          detail: world
            ? `entity ${world} admits every address outside the cluster on port ${port}`
            : cidrs.length > 0
              ? `admits ${cidrs[0]} on port ${port} (explain does not resolve the host: it may lie there)`
              : `the rule names no destination: every address on port ${port}`,
        };
    }
  }
  return {
    kind: 'refuses',
    resource: refs(rules),
    detail:
      listedOnly ??
      `no egress rule of the CiliumNetworkPolicies of ${namespace} admits ${host} on port ${port}`,
  };
}

/** Egress from a pod of `namespace` to pods of the cluster (namespace, labels) on TCP `port`. */
export function ciliumPeer(
  items: readonly Item[],
  namespace: string,
  to: { namespace: string; labels: Record<string, unknown>; port: number; what: string },
): CiliumVerdict {
  const rules = selectedRules(items, namespace);
  if (rules.length === 0) return { kind: 'none' };
  for (const { item, at, rule } of rules) {
    const egress = objects(rule.egress);
    for (let i = 0; i < egress.length; i++) {
      const r = egress[i];
      if (portCovered(r, to.port) === false) continue;
      const k = objects(r.toEndpoints).findIndex((s) =>
        selectsPod(s, namespaceOfItem(item), to.namespace, to.labels),
      );
      const entity = strings(r.toEntities).find((e) => ['cluster', 'all'].includes(e));
      if (k >= 0 || entity || !hasL3(r))
        return {
          kind: 'admits',
          resource: refOf(item),
          field: k >= 0 ? `${at}.egress[${i}].toEndpoints[${k}]` : `${at}.egress[${i}]`,
          detail: `lets its pods reach ${to.what} (namespace ${to.namespace}) on port ${to.port}`,
        };
    }
  }
  return {
    kind: 'refuses',
    resource: refs(rules),
    detail: `no egress rule of the CiliumNetworkPolicies of ${namespace} admits ${to.what} (namespace ${to.namespace}) on port ${to.port}`,
  };
}
