import { isObject, type JsonObject, textOf } from '../util/data.js';
import {
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  selects,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import { ROOT_NAMESPACE } from './sidecar-scope.js';

/** The connection as an AuthorizationPolicy sees it (TCP: no HTTP attributes). */
export interface Peer {
  /** Namespace of the client pod. */
  namespace: string;
  trustDomain: string;
  /** The port of the proxy's listener (the gateway pod port, the ServiceEntry port at a waypoint). */
  port: number;
}

/** What the policies decided, and the rule or policy that decided it. */
export interface AuthzDecision {
  allowed: boolean;
  resource?: string;
  field?: string;
  value?: string;
  detail: string;
}

/** Istio's string match: `*`, `prefix*`, `*suffix`, or exact. */
function matchPattern(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

// Two service account names no policy is likely to name: a pattern that admits both admits every account.
const PROBE_ACCOUNTS = ['default', 'zz-any-account-0'];

/** Whether a principal pattern admits identities of the namespace: `every` account, `some`, or `none`. */
function principalAdmits(pattern: string, peer: Peer): 'every' | 'some' | 'none' {
  const hits = PROBE_ACCOUNTS.filter((sa) =>
    matchPattern(pattern, `${peer.trustDomain}/ns/${peer.namespace}/sa/${sa}`),
  ).length;
  if (hits === PROBE_ACCOUNTS.length) return 'every';
  if (hits > 0 || pattern.includes(`/ns/${peer.namespace}/sa/`)) return 'some';
  return 'none';
}

/** Fields only HTTP requests carry: on a TCP connection an ALLOW rule holding one matches nothing. */
const HTTP_ONLY = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
  'requestPrincipals',
  'notRequestPrincipals',
];

type Match = { match: boolean; why: string };

function sourceMatches(s: JsonObject, peer: Peer): Match {
  if (HTTP_ONLY.some((k) => k in s))
    return { match: false, why: 'names request principals, which a TCP connection has none of' };
  if ('principals' in s && !strings(s.principals).some((p) => principalAdmits(p, peer) !== 'none'))
    return { match: false, why: 'its principals do not name the namespace' };
  if (strings(s.notPrincipals).some((p) => principalAdmits(p, peer) === 'every'))
    return { match: false, why: 'notPrincipals excludes the namespace' };
  if ('namespaces' in s && !strings(s.namespaces).some((n) => matchPattern(n, peer.namespace)))
    return { match: false, why: 'its namespaces do not include the namespace' };
  if (strings(s.notNamespaces).some((n) => matchPattern(n, peer.namespace)))
    return { match: false, why: 'notNamespaces excludes the namespace' };
  if ('ipBlocks' in s || 'remoteIpBlocks' in s)
    return { match: false, why: 'names source addresses, which explain does not know' };
  return { match: true, why: 'names the namespace' };
}

function operationMatches(o: JsonObject, peer: Peer): Match {
  if (HTTP_ONLY.some((k) => k in o))
    return { match: false, why: 'names HTTP attributes, which a TCP connection lacks' };
  const ports = (Array.isArray(o.ports) ? o.ports : []).map(String);
  if ('ports' in o && !ports.includes(String(peer.port)))
    return { match: false, why: `its ports ${ports.join(', ')} do not include ${peer.port}` };
  if ((Array.isArray(o.notPorts) ? o.notPorts : []).map(String).includes(String(peer.port)))
    return { match: false, why: `notPorts excludes ${peer.port}` };
  return { match: true, why: 'covers the port' };
}

const KNOWN_KEYS: Record<string, (peer: Peer) => string> = {
  'source.namespace': (p) => p.namespace,
  'source.principal': (p) => `${p.trustDomain}/ns/${p.namespace}/sa/${PROBE_ACCOUNTS[0]}`,
  'destination.port': (p) => String(p.port),
};

function conditionMatches(c: JsonObject, peer: Peer): Match {
  const key = String(c.key);
  const read = KNOWN_KEYS[key];
  if (!read) return { match: false, why: `condition ${key} cannot be judged here` };
  const v = read(peer);
  if ('values' in c && !strings(c.values).some((x) => matchPattern(x, v)))
    return { match: false, why: `${key} is not in its values` };
  if (strings(c.notValues).some((x) => matchPattern(x, v)))
    return { match: false, why: `${key} is in its notValues` };
  return { match: true, why: `${key} matches` };
}

/** Whether every part of a rule matches (an empty rule matches everything); the first part that does not, why. */
function ruleMatches(rule: JsonObject, peer: Peer): Match {
  const from = objects(rule.from);
  if (
    'from' in rule &&
    !from.some((f) => sourceMatches(isObject(f.source) ? f.source : {}, peer).match)
  ) {
    return {
      match: false,
      why: `from: ${sourceMatches(isObject(from[0]?.source) ? from[0].source : {}, peer).why}`,
    };
  }
  const to = objects(rule.to);
  if (
    'to' in rule &&
    !to.some((t) => operationMatches(isObject(t.operation) ? t.operation : {}, peer).match)
  ) {
    return {
      match: false,
      why: `to: ${operationMatches(isObject(to[0]?.operation) ? to[0].operation : {}, peer).why}`,
    };
  }
  for (const c of objects(rule.when)) {
    const m = conditionMatches(c, peer);
    if (!m.match) return { match: false, why: `when: ${m.why}` };
  }
  return { match: true, why: 'matches' };
}

/** Policies that apply: those of `select` (by workload selector or target), CUSTOM and AUDIT left aside. */
function evaluate(policies: readonly Item[], peer: Peer, subject: string): AuthzDecision {
  const action = (p: Item) => textOf(specOf(p).action, 'ALLOW');
  for (const p of policies.filter((x) => action(x) === 'DENY')) {
    const rules = objects(specOf(p).rules);
    const i = rules.findIndex((r) => ruleMatches(r, peer).match);
    if (i >= 0)
      return {
        allowed: false,
        resource: refOf(p),
        field: `spec.rules[${i}]`,
        detail: `DENY rule matches ${subject}`,
      };
  }
  const allow = policies.filter((x) => action(x) === 'ALLOW');
  if (allow.length === 0)
    return {
      allowed: true,
      detail: `no ALLOW or DENY AuthorizationPolicy applies to ${subject}: every identity is admitted`,
    };
  const misses: string[] = [];
  for (const p of allow) {
    const rules = objects(specOf(p).rules);
    for (let i = 0; i < rules.length; i++) {
      const m = ruleMatches(rules[i], peer);
      if (m.match) {
        const source = objects(rules[i].from).map((f) => (isObject(f.source) ? f.source : {}))[0];
        const k = source
          ? strings(source.principals).findIndex((x) => principalAdmits(x, peer) !== 'none')
          : -1;
        const partial = k >= 0 && principalAdmits(strings(source.principals)[k], peer) === 'some';
        return {
          allowed: true,
          resource: refOf(p),
          field: k >= 0 ? `spec.rules[${i}].from[0].source.principals[${k}]` : `spec.rules[${i}]`,
          ...(k >= 0 ? { value: strings(source.principals)[k] } : {}),
          detail: `ALLOW rule admits namespace ${peer.namespace} on port ${peer.port}${partial ? ' (only the service accounts it names)' : ''}`,
        };
      }
      misses.push(`${refOf(p)} spec.rules[${i}]: ${m.why}`);
    }
  }
  const first = allow[0];
  return {
    allowed: false,
    resource: refOf(first),
    field: 'spec.rules',
    detail: `ALLOW policies apply to ${subject} and no rule admits namespace ${peer.namespace} on port ${peer.port}${misses.length > 0 ? ` (${misses.slice(0, 3).join('; ')})` : ' (no rules: allow nothing)'}`,
  };
}

/** Policies on a workload: the root namespace's and its own namespace's, by selector; targetRefs policies are for waypoints and gateways of the Gateway API. */
export function authorizeAtWorkload(
  items: readonly Item[],
  podNamespace: string,
  podLabels: Record<string, unknown>,
  peer: Peer,
  subject: string,
): AuthzDecision {
  const policies = ofKind(items, 'AuthorizationPolicy').filter((p) => {
    const ns = namespaceOfItem(p);
    const spec = specOf(p);
    if (ns !== ROOT_NAMESPACE && ns !== podNamespace) return false;
    if ('targetRefs' in spec || 'targetRef' in spec) return false;
    return !isObject(spec.selector) || selects(spec.selector.matchLabels, podLabels);
  });
  return evaluate(policies, peer, subject);
}

/** Policies attached by targetRefs to one object (a ServiceEntry or a waypoint Gateway), in that object's namespace. */
export function authorizeAtTarget(
  items: readonly Item[],
  target: { namespace: string; kind: string; name: string },
  peer: Peer,
  subject: string,
): AuthzDecision {
  const policies = ofKind(items, 'AuthorizationPolicy').filter((p) => {
    if (namespaceOfItem(p) !== target.namespace) return false;
    const spec = specOf(p);
    const refs = [
      ...objects(spec.targetRefs),
      ...(isObject(spec.targetRef) ? [spec.targetRef] : []),
    ];
    return refs.some((r) => r.kind === target.kind && r.name === target.name);
  });
  return evaluate(policies, peer, subject);
}
