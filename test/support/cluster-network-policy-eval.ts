import { cidrContains } from '../../src/util/cidr.js';

/**
 * How network-policy-api v0.2.0 says a connection meets ClusterNetworkPolicies
 * (apis/v1alpha2/clusternetworkpolicy_types.go, and the vendored CRD's
 * descriptions): the Admin tier first; its policies by ascending `priority`
 * (lower values first); within one policy, rules in the order written; the
 * first rule that matches decides: Accept or Deny end evaluation, Pass
 * hands the connection to the NetworkPolicy tier. A `networks` peer matches
 * pod addresses too. Two policies of one priority that could both match
 * are ambiguous (the implementation "can apply any of" them): reported.
 * Written from the API's text, apart from the renderer.
 */

type Item = Record<string, any>;

/** One end of a connection: a pod (namespace, labels, address) or an external address a name resolved to. */
export type Peer =
  | { pod: { namespace: string; labels: Record<string, string> }; ip: string }
  | { ip: string; name?: string };

export interface Connection {
  from: { namespace: string; labels: Record<string, string> };
  to: Peer;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

export type Verdict =
  { action: 'Accept' | 'Deny' | 'Pass'; policy: string; rule: string } | { action: 'none' };

const namespaceLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });

/** A Kubernetes label selector over labels (an empty selector selects everything). */
export function selects(selector: Item | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const ml = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const me = (selector.matchExpressions ?? []).every((e: Item) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In':
        return has && e.values.includes(labels[e.key]);
      case 'NotIn':
        return !has || !e.values.includes(labels[e.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`operator ${e.operator}`);
    }
  });
  return ml && me;
}

function subjectSelects(subject: Item, from: Connection['from']): boolean {
  if (subject.namespaces) return selects(subject.namespaces, namespaceLabels(from.namespace));
  if (subject.pods)
    return (
      selects(subject.pods.namespaceSelector, namespaceLabels(from.namespace)) &&
      selects(subject.pods.podSelector, from.labels)
    );
  throw new Error(`subject ${JSON.stringify(subject)}`);
}

/** `*.x` matches one or more whole labels before x, never x; otherwise the name itself (case aside). */
function domainMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const n = name.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) return n.endsWith(p.slice(1)) && n.length > p.length - 1;
  return p === n;
}

function peerMatches(peer: Item, to: Peer): boolean {
  if (peer.networks) return peer.networks.some((c: string) => cidrContains(c, to.ip));
  if ('pod' in to) {
    if (peer.namespaces) return selects(peer.namespaces, namespaceLabels(to.pod.namespace));
    if (peer.pods)
      return (
        selects(peer.pods.namespaceSelector, namespaceLabels(to.pod.namespace)) &&
        selects(peer.pods.podSelector, to.pod.labels)
      );
    return false;
  }
  if (peer.domainNames)
    return (
      to.name !== undefined && peer.domainNames.some((d: string) => domainMatches(d, to.name!))
    );
  return false;
}

function protocolMatches(protocols: Item[] | undefined, port: number, proto: string): boolean {
  if (!protocols) return true;
  return protocols.some((p) => {
    const spec = p[proto.toLowerCase()];
    if (!spec) return false;
    const d = spec.destinationPort;
    if (!d) return true;
    if (d.number !== undefined) return d.number === port;
    if (d.range) return d.range.start <= port && port <= d.range.end;
    return false;
  });
}

/** The first matching rule of one policy, or undefined. */
function firstRule(policy: Item, c: Connection): Item | undefined {
  return (policy.spec.egress ?? []).find(
    (r: Item) =>
      (r.to ?? []).some((peer: Item) => peerMatches(peer, c.to)) &&
      protocolMatches(r.protocols, c.port, c.protocol ?? 'TCP'),
  );
}

/**
 * The Admin tier's verdict on a connection. Throws when two policies of the
 * same priority match it with different actions: the API leaves the choice to
 * the implementation.
 */
export function adminVerdict(policies: readonly Item[], c: Connection): Verdict {
  const admin = policies
    .filter((p) => p.kind === 'ClusterNetworkPolicy' && p.spec.tier === 'Admin')
    .filter((p) => subjectSelects(p.spec.subject, c.from));
  const priorities = [...new Set(admin.map((p) => p.spec.priority as number))].sort(
    (a, b) => a - b,
  );
  for (const priority of priorities) {
    const hits = admin
      .filter((p) => p.spec.priority === priority)
      .map((p) => ({ p, r: firstRule(p, c) }))
      .filter((h) => h.r !== undefined);
    if (hits.length === 0) continue;
    const actions = new Set(hits.map((h) => h.r!.action));
    if (actions.size > 1)
      throw new Error(
        `ambiguous at priority ${priority}: ${hits.map((h) => `${h.p.metadata.name} ${h.r!.name} ${h.r!.action}`).join(', ')}`,
      );
    return { action: hits[0].r!.action, policy: hits[0].p.metadata.name, rule: hits[0].r!.name };
  }
  return { action: 'none' };
}
