import { isObject, type JsonObject } from '../util/data.js';
import {
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
  const policies = ofKind(items, 'NetworkPolicy').filter((np) => {
    if (namespaceOfItem(np) !== namespace || !selectsPod(np, labels)) return false;
    const spec = specOf(np);
    const types = strings(spec.policyTypes);
    return types.length > 0 ? types.includes('Egress') : 'egress' in spec;
  });
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
