import { isObject, type JsonObject, textOf } from '../util/data.js';
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

/** What the NetworkPolicies of a pod say about a connection to an external address on a TCP port. */
export type NetworkVerdict =
  | { kind: 'open'; detail: string }
  | { kind: 'admits'; resource: string; field: string; detail: string }
  | { kind: 'refuses'; resource: string; detail: string };

/** Ranges that hold no public address: a block inside one never reaches an external host. */
const NON_PUBLIC_V4: [number, number][] = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
].map(([a, l]) => [toInt(a as string), l as number]);
const NON_PUBLIC_V6 = [/^f[cd]/i, /^fe[89ab]/i, /^::1\//];

function toInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

/** Whether a CIDR may hold a public address (it is not inside a private, link-local, shared or loopback range). */
export function mayBePublic(cidr: string): boolean {
  const [ip, lenText] = cidr.split('/');
  const len = Number(lenText ?? (cidr.includes(':') ? 128 : 32));
  if (ip.includes(':')) return !NON_PUBLIC_V6.some((r) => r.test(cidr));
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return true;
  const addr = toInt(ip);
  return !NON_PUBLIC_V4.some(([net, l]) => {
    if (len < l) return false;
    const mask = l === 0 ? 0 : (~0 << (32 - l)) >>> 0;
    return (addr & mask) >>> 0 === (net & mask) >>> 0;
  });
}

function portAdmits(rule: JsonObject, port: number): boolean {
  const ports = objects(rule.ports);
  if (!('ports' in rule) || ports.length === 0) return true;
  return ports.some((p) => {
    if (p.protocol !== undefined && p.protocol !== 'TCP') return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) return true; // a named port: explain cannot tell
    const from = Number(p.port);
    const to = p.endPort === undefined ? from : Number(p.endPort);
    return port >= from && port <= to;
  });
}

/** Whether a policy selects a pod: `podSelector: {}` selects every pod; labels are judged when known. */
function selectsPod(np: Item, labels: Record<string, unknown> | undefined): boolean {
  const sel = specOf(np).podSelector;
  const match = isObject(sel) && isObject(sel.matchLabels) ? sel.matchLabels : {};
  const expressions = isObject(sel) ? objects(sel.matchExpressions) : [];
  if (Object.keys(match).length === 0 && expressions.length === 0) return true;
  if (!labels || expressions.length > 0) return false;
  return Object.entries(match).every(([k, v]) => String(labels[k]) === String(v));
}

/** The NetworkPolicies that isolate a namespace's pods (with these labels, when known) for egress. */
function egressPolicies(
  items: readonly Item[],
  namespace: string,
  labels: Record<string, unknown> | undefined,
): Item[] {
  return ofKind(items, 'NetworkPolicy').filter((np) => {
    if (namespaceOfItem(np) !== namespace || !selectsPod(np, labels)) return false;
    const spec = specOf(np);
    const types = strings(spec.policyTypes);
    return types.length > 0 ? types.includes('Egress') : 'egress' in spec;
  });
}

/**
 * Kubernetes NetworkPolicy for egress from a pod of `namespace` (labels when
 * known; an application pod's are not, so only policies selecting every pod
 * count) to an external address on TCP `port`: `open` when no policy isolates
 * the pod for egress, `admits` when a rule could let it through (no `to`, or
 * an ipBlock that may hold a public address: explain does not resolve names),
 * `refuses` otherwise.
 */
export function networkVerdict(
  items: readonly Item[],
  namespace: string,
  port: number,
  labels?: Record<string, unknown>,
): NetworkVerdict {
  const policies = egressPolicies(items, namespace, labels);
  if (policies.length === 0)
    return {
      kind: 'open',
      detail: `no NetworkPolicy isolates the pods of ${namespace} for egress`,
    };
  for (const np of policies) {
    const rules = objects(specOf(np).egress);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (!portAdmits(rule, port)) continue;
      const to = objects(rule.to);
      if (!('to' in rule) || to.length === 0)
        return {
          kind: 'admits',
          resource: refOf(np),
          field: `spec.egress[${i}]`,
          detail: `the rule has no "to": every address on port ${port}`,
        };
      const k = to.findIndex(
        (peer) => isObject(peer.ipBlock) && mayBePublic(String(peer.ipBlock.cidr)),
      );
      if (k >= 0) {
        const cidr = String((to[k].ipBlock as JsonObject).cidr);
        return {
          kind: 'admits',
          resource: refOf(np),
          field: `spec.egress[${i}].to[${k}].ipBlock.cidr`,
          detail: `admits ${cidr} on port ${port} (explain does not resolve the host: it may lie there)`,
        };
      }
    }
  }
  return {
    kind: 'refuses',
    resource: policies.map(refOf).join(', '),
    detail: `egress from ${namespace} on port ${port} is allowed only to cluster pods and blocks that hold no public address`,
  };
}

/** What a namespace's egress NetworkPolicies say about a connection to pods of the cluster. */
export type PodPeerVerdict =
  | { kind: 'open'; detail: string }
  | { kind: 'admits'; resource: string; field: string; detail: string }
  | { kind: 'refuses' | 'unknown'; resource: string; detail: string };

/** Kubernetes label selector semantics (matchLabels, matchExpressions); an absent selector selects everything. */
function labelSelects(selector: unknown, labels: Record<string, unknown>): boolean {
  if (!isObject(selector)) return true;
  const match = isObject(selector.matchLabels) ? selector.matchLabels : {};
  if (!Object.entries(match).every(([k, v]) => k in labels && String(labels[k]) === String(v)))
    return false;
  return objects(selector.matchExpressions).every((e) => {
    const key = String(e.key);
    const values = strings(e.values);
    const has = key in labels;
    switch (e.operator) {
      case 'In':
        return has && values.includes(String(labels[key]));
      case 'NotIn':
        return !has || !values.includes(String(labels[key]));
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/** The label keys a selector reads. */
function selectorKeys(selector: unknown): string[] {
  if (!isObject(selector)) return [];
  return [
    ...Object.keys(isObject(selector.matchLabels) ? selector.matchLabels : {}),
    ...objects(selector.matchExpressions).map((e) => String(e.key)),
  ];
}

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/**
 * Egress from a pod of `namespace` (its labels unknown: only policies that
 * select every pod count) to pods of the cluster on TCP `port` (the pod
 * port: policies see the connection after the Service's translation). A peer
 * admits the pods when its namespaceSelector picks their Namespace (labels
 * from a Namespace object in the manifests, else only the
 * `kubernetes.io/metadata.name` every namespace carries), or, without one,
 * when they are in the policy's own namespace, and its podSelector picks
 * them; an ipBlock may hold pod addresses, which explain does not know.
 */
export function podPeerVerdict(
  items: readonly Item[],
  namespace: string,
  to: { namespace: string; labels: Record<string, unknown>; port: number; what: string },
): PodPeerVerdict {
  const policies = egressPolicies(items, namespace, undefined);
  if (policies.length === 0)
    return {
      kind: 'open',
      detail: `no NetworkPolicy isolates the pods of ${namespace} for egress`,
    };
  const nsItem = ofKind(items, 'Namespace').find((n) => n.metadata.name === to.namespace);
  const nsLabels = {
    ...(nsItem ? labelsOf(nsItem) : {}),
    [NAMESPACE_NAME]: to.namespace,
  };
  let unknownBy: string | undefined;
  for (const np of policies) {
    const rules = objects(specOf(np).egress);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (!portAdmits(rule, to.port)) continue;
      const peers = objects(rule.to);
      if (!('to' in rule) || peers.length === 0)
        return {
          kind: 'admits',
          resource: refOf(np),
          field: `spec.egress[${i}]`,
          detail: `the rule has no "to": every address on port ${to.port}, ${to.what} included`,
        };
      for (let k = 0; k < peers.length; k++) {
        const peer = peers[k];
        const field = `spec.egress[${i}].to[${k}]`;
        if (isObject(peer.ipBlock))
          return {
            kind: 'admits',
            resource: refOf(np),
            field: `${field}.ipBlock.cidr`,
            detail: `admits ${textOf(peer.ipBlock.cidr)} on port ${to.port}, which may hold the addresses of ${to.what} (explain does not know pod addresses)`,
          };
        const nsSel = peer.namespaceSelector;
        const inNamespace =
          nsSel === undefined ? to.namespace === namespace : labelSelects(nsSel, nsLabels);
        if (inNamespace && labelSelects(peer.podSelector, to.labels))
          return {
            kind: 'admits',
            resource: refOf(np),
            field,
            detail: `lets its pods reach ${to.what} (namespace ${to.namespace}) on port ${to.port}`,
          };
        if (!inNamespace && !nsItem && selectorKeys(nsSel).some((key) => key !== NAMESPACE_NAME))
          unknownBy ??= `${refOf(np)} ${field}.namespaceSelector selects namespaces by labels, and Namespace ${to.namespace} is not among the manifests: its labels are unknown`;
      }
    }
  }
  const resource = policies.map(refOf).join(', ');
  if (unknownBy) return { kind: 'unknown', resource, detail: unknownBy };
  return {
    kind: 'refuses',
    resource,
    detail: `no egress rule of ${namespace} admits ${to.what} (namespace ${to.namespace}) on port ${to.port}`,
  };
}
