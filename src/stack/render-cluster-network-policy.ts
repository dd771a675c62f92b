import { appNamespaces, type Options } from '../config/options.js';
import type { Domain } from '../domains/normalize-domain.js';
import { sortDomains } from '../domains/normalize-list.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { serves } from './lane-scope.js';
import { NAME_BYTES_PER_OBJECT } from './limits.js';
import { APP_RESOURCE_NAME, stackNames } from './names.js';
import { WAYPOINT_NAME, WAYPOINT_POD_LABEL } from './render-native.js';
import type { Resource } from './resource.js';

/**
 * network-policy-api's ClusterNetworkPolicy (`policy.networking.k8s.io/v1alpha2`,
 * v0.2.0, experimental channel for `domainNames`) as a second FQDN engine, in
 * the Admin tier, which every implementation evaluates before NetworkPolicies
 * (apis/v1alpha2/clusternetworkpolicy_types.go, `Tier`). The tier's policies
 * apply by ascending priority (lower values first; two policies of one
 * priority that match a connection may apply in any order), the rules of one
 * policy in the order written, and the first rule that matches decides:
 * Accept and Deny end there, Pass hands the connection to the NetworkPolicies.
 * So for each subject, in this order:
 *
 * 1. Pass the in-cluster destinations the mesh needs (the resolver, the
 *    application and peer namespaces, istiod, the gateway or waypoint) and
 *    `egressCIDRs`: the namespace's NetworkPolicies decide them, as without
 *    this engine (an Accept here would override them);
 * 2. Deny the excepted ranges on the upstream ports, wherever names are
 *    accepted (a `networks` peer matches pod addresses too, hence after 1);
 * 3. Accept the names on their ports (`domainNames`, Accept-only; `*.x`
 *    matches one or more labels, never `x`, as Istio does);
 * 4. Deny every other address.
 *
 * Rules whose order matters (1 and 2) go in policies of increasing priority;
 * names fill the last of them and then `.names-<k>` policies that share the
 * next priority (Accept only, so their order does not matter); the deny
 * comes one priority later. Object names put a dot between the namespace and
 * any suffix: no namespace name holds one, so no two collide.
 */

const API_VERSION = 'policy.networking.k8s.io/v1alpha2';
const NAMESPACE_NAME = 'kubernetes.io/metadata.name';
/** Priority of each subject's first policy; the others follow it one by one (lower values go first). */
export const CLUSTER_POLICY_PRIORITY = 100;
/** The API's own caps: egress rules per policy, peers per rule, domain names per peer, protocols per rule, networks per peer. */
const MAX = { rules: 25, peers: 25, names: 25, protocols: 25, networks: 25 } as const;
const ISTIOD_PORT = 15012;
const HBONE_PORT = 15008;

type Rule = Record<string, unknown>;
type Action = 'Accept' | 'Deny' | 'Pass';

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

const tcp = (ports: readonly number[]) =>
  ports.map((number) => ({ tcp: { destinationPort: { number } } }));
const tcpUdp = (ports: readonly number[]) =>
  ports.flatMap((number) => [
    { udp: { destinationPort: { number } } },
    { tcp: { destinationPort: { number } } },
  ]);
const podsIn = (ns: string, labels: Record<string, string>) => ({
  pods: {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: ns } },
    podSelector: { matchLabels: { ...labels } },
  },
});
const hostCidr = (ip: string) => `${ip}/${ip.includes(':') ? 128 : 32}`;

/** Rules of one action to `to`, on `protocols` (none: every port), 25 protocols a rule: `name`, `name-1`, … */
const rules = (action: Action, name: string, to: unknown[], protocols?: unknown[]): Rule[] =>
  chunks(protocols ?? [undefined], MAX.protocols).map((p, i) => ({
    name: i === 0 ? name : `${name}-${i}`,
    action,
    to,
    ...(protocols ? { protocols: p } : {}),
  }));

/** DNS to the cluster's resolver (its pods, node-local addresses): passed to the NetworkPolicies. */
function dnsRules(o: Options): Rule[] {
  const dns = o.production.dns;
  return [
    ...rules('Pass', 'dns', [podsIn(dns.namespace, dns.podSelector)], tcpUdp(dns.ports)),
    ...(dns.nodeLocalAddresses.length > 0
      ? rules(
          'Pass',
          'node-local-dns',
          [{ networks: dns.nodeLocalAddresses.map(hostCidr) }],
          tcpUdp([53]),
        )
      : []),
  ];
}

/** Deny `ranges` on the ports names are accepted on: `deny-excepted-<ports chunk>-<ranges chunk>`. */
function exceptedRules(ranges: readonly string[], ports: readonly number[]): Rule[] {
  if (ports.length === 0) return [];
  return chunks(tcp(ports), MAX.protocols).flatMap((protocols, j) =>
    chunks(ranges, MAX.networks).map((networks, i) => ({
      name: `deny-excepted-${j}-${i}`,
      action: 'Deny',
      to: [{ networks }],
      protocols,
    })),
  );
}

/** Accept rules for names on their ports, 25 names a peer, 25 peers a rule: `names-<ports>-<k>` by position. */
function nameRules(names: readonly Domain[], ports: Map<Domain, number[]>): Rule[] {
  const groups = new Map<string, { ports: number[]; names: Domain[] }>();
  for (const n of names) {
    const p = ports.get(n)!;
    const g = groups.get(p.join(',')) ?? { ports: p, names: [] };
    g.names.push(n);
    groups.set(p.join(','), g);
  }
  return [...groups.values()].flatMap((g) =>
    chunks(chunks(g.names, MAX.names), MAX.peers).flatMap((peers, k) =>
      rules(
        'Accept',
        `names-${g.ports.join('-')}-${k}`,
        peers.map((domainNames) => ({ domainNames })),
        tcp(g.ports),
      ),
    ),
  );
}

function namePorts(lanes: readonly Lane[]): Map<Domain, number[]> {
  const out = new Map<Domain, Set<number>>();
  for (const l of lanes)
    for (const d of l.domains) out.set(d, (out.get(d) ?? new Set()).add(l.upstreamPort));
  return new Map(
    sortDomains([...out.keys()]).map((d) => [d, [...out.get(d)!].sort((a, b) => a - b)]),
  );
}

/**
 * The policies of one subject: the ordered rules (Pass, then Deny) in
 * policies of at most 25 rules at increasing priorities, the name rules
 * after them (filling the last, then `.names-<k>` policies of about 128 KiB
 * of rules that share the next priority), and a deny of everything else one
 * priority later.
 */
function policies(name: string, subject: unknown, ordered: Rule[], names: Rule[]): Resource[] {
  const policy = (n: string, priority: number, egress: Rule[]): Resource => ({
    apiVersion: API_VERSION,
    kind: 'ClusterNetworkPolicy',
    metadata: { name: n },
    spec: { tier: 'Admin', priority, subject, egress },
  });
  const first = chunks(ordered, MAX.rules);
  if (first.length === 0) first.push([]);
  const packed: Rule[][] = [first[first.length - 1]];
  let bytes = 0;
  for (const r of names) {
    const size = JSON.stringify(r).length;
    const cur = packed[packed.length - 1];
    if (cur.length >= MAX.rules || bytes + size > NAME_BYTES_PER_OBJECT) {
      packed.push([r]);
      bytes = size;
    } else {
      cur.push(r);
      bytes += size;
    }
  }
  const last = first.length - 1;
  const namesPriority = CLUSTER_POLICY_PRIORITY + last + (packed.length > 1 ? 1 : 0);
  return [
    ...first
      .slice(0, last)
      .map((egress, k) =>
        policy(k === 0 ? name : `${name}.${k}`, CLUSTER_POLICY_PRIORITY + k, egress),
      ),
    policy(last === 0 ? name : `${name}.${last}`, CLUSTER_POLICY_PRIORITY + last, packed[0]),
    ...packed.slice(1).map((egress, k) => policy(`${name}.names-${k + 1}`, namesPriority, egress)),
    policy(`${name}.deny`, namesPriority + 1, [
      { name: 'deny-other', action: 'Deny', to: [{ networks: ['0.0.0.0/0', '::/0'] }] },
    ]),
  ];
}

/**
 * ClusterNetworkPolicies drawn from the list: each application namespace
 * passes the pods the mesh needs and the resolver to its NetworkPolicies
 * and, in sidecar mode, accepts its scope's names on their ports, never at
 * an excepted address; the gateway or waypoint pods accept the listed names
 * on their ports, never at an excepted address. Everything else is denied,
 * ahead of any NetworkPolicy.
 */
export function renderClusterNetworkPolicies(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const p = o.production;
  const apps = appNamespaces(p).flatMap((ns) => {
    const lanes = plan.lanes.filter((l) => serves(o, l, ns));
    const ports = namePorts(lanes);
    const upstream = [...new Set(lanes.map((l) => l.upstreamPort))].sort((a, b) => a - b);
    const passed: Rule[] = [
      ...dnsRules(o),
      ...rules('Pass', 'cluster', [
        {
          namespaces: {
            matchExpressions: [
              {
                key: NAMESPACE_NAME,
                operator: 'In',
                values: [...new Set([...appNamespaces(p), ...p.peerNamespaces])],
              },
            ],
          },
        },
      ]),
      ...(o.mode !== 'waypoint'
        ? rules(
            'Pass',
            'istiod',
            [podsIn(p.istiodNamespace, { app: 'istiod' })],
            tcp([ISTIOD_PORT]),
          )
        : []),
      ...(o.mode === 'egress-gateway' && lanes.length > 0
        ? rules(
            'Pass',
            'gateway',
            [podsIn(o.gateway.namespace, n.selector)],
            tcp([...new Set(lanes.map((l) => l.gatewayPort))]),
          )
        : []),
      ...(o.mode === 'waypoint'
        ? rules(
            'Pass',
            'waypoint',
            [podsIn(o.gateway.namespace, { [WAYPOINT_POD_LABEL]: WAYPOINT_NAME })],
            tcp([HBONE_PORT]),
          )
        : []),
      ...p.egressCIDRs.flatMap((d, i) =>
        rules(
          'Pass',
          `egress-cidr-${i}`,
          [{ networks: [d.cidr] }],
          d.ports ? tcp(d.ports) : undefined,
        ),
      ),
    ];
    const sidecar = o.mode === 'sidecar';
    // As the NetworkPolicies and Cilium's policies: IPv6 stays closed on the upstream ports unless the mesh
    // captures it (without ISTIO_DUAL_STACK an IPv4-first pod gets no ip6tables rules).
    const excepted = p.dualStackCapture
      ? p.externalExcept
      : [...p.externalExcept.filter((c) => !c.includes(':')), '::/0'];
    return policies(
      `${APP_RESOURCE_NAME}.${ns}`,
      { namespaces: { matchLabels: { [NAMESPACE_NAME]: ns } } },
      [...passed, ...(sidecar ? exceptedRules(excepted, upstream) : [])],
      sidecar ? nameRules([...ports.keys()], ports) : [],
    );
  });
  if (o.mode === 'sidecar') return apps;
  const labels: Record<string, string> =
    o.mode === 'waypoint' ? { [WAYPOINT_POD_LABEL]: WAYPOINT_NAME } : { ...n.selector };
  const ports = namePorts(plan.lanes);
  const upstream = [...new Set(plan.lanes.map((l) => l.upstreamPort))].sort((a, b) => a - b);
  return [
    ...apps,
    ...policies(
      `${APP_RESOURCE_NAME}.${o.gateway.namespace}.${o.mode === 'waypoint' ? WAYPOINT_NAME : n.deployment}`,
      podsIn(o.gateway.namespace, labels),
      [
        ...rules(
          'Pass',
          'istiod',
          [podsIn(p.istiodNamespace, { app: 'istiod' })],
          tcp([ISTIOD_PORT]),
        ),
        ...dnsRules(o),
        ...exceptedRules(p.externalExcept, upstream),
      ],
      nameRules([...ports.keys()], ports),
    ),
  ];
}
