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
 * v0.2.0, experimental channel for `domainNames`) as a second FQDN engine:
 * Admin-tier policies, which every implementation evaluates before
 * NetworkPolicies (apis/v1alpha2/clusternetworkpolicy_types.go, `Tier`),
 * accept what the namespace may reach and, one priority later, deny the
 * rest. Its `domainNames` match `*.x` for one or more labels, never `x`,
 * as Istio does; they are allowed in Accept rules only.
 */

const API_VERSION = 'policy.networking.k8s.io/v1alpha2';
const NAMESPACE_NAME = 'kubernetes.io/metadata.name';
/** Precedence of the accepting policies; the denying one is one after (lower priority values go first). */
export const CLUSTER_POLICY_PRIORITY = 100;
/** The API's own caps: egress rules per policy, peers per rule, domain names per peer, protocols per rule. */
const MAX = { rules: 25, peers: 25, names: 25, protocols: 25 } as const;
const ISTIOD_PORT = 15012;
const HBONE_PORT = 15008;

type Rule = Record<string, unknown>;

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
const accept = (name: string, to: unknown[], protocols?: unknown[]): Rule[] =>
  chunks(protocols ?? [undefined], MAX.protocols).map((p, i) => ({
    name: i === 0 ? name : `${name}-${i}`,
    action: 'Accept',
    to,
    ...(protocols ? { protocols: p } : {}),
  }));

/** DNS to the cluster's resolver (its pods, node-local addresses). */
function dnsRules(o: Options): Rule[] {
  const dns = o.production.dns;
  return [
    ...accept('dns', [podsIn(dns.namespace, dns.podSelector)], tcpUdp(dns.ports)),
    ...(dns.nodeLocalAddresses.length > 0
      ? accept(
          'node-local-dns',
          [
            {
              networks: dns.nodeLocalAddresses.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`),
            },
          ],
          tcpUdp([53]),
        )
      : []),
  ];
}

/** Accept rules for names on their ports: 25 names a peer, 25 peers a rule. */
function nameRules(names: readonly Domain[], ports: Map<Domain, number[]>): Rule[] {
  const groups = new Map<string, { ports: number[]; names: Domain[] }>();
  for (const n of names) {
    const p = ports.get(n)!;
    const g = groups.get(p.join(',')) ?? { ports: p, names: [] };
    g.names.push(n);
    groups.set(p.join(','), g);
  }
  return [...groups.values()].flatMap((g) =>
    chunks(chunks(g.names, MAX.names), MAX.peers).flatMap((peers) =>
      accept(
        `names-${g.ports.join('-')}`,
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
 * The policies of one subject: its fixed rules and name rules, packed in
 * order into policies of at most 25 rules and about 128 KiB of names, then
 * one that denies everything else.
 */
function policies(
  name: string,
  subject: unknown,
  first: Rule[],
  names: Rule[],
  deny: Rule[] = [],
): Resource[] {
  const out: Rule[][] = [[...deny, ...first]];
  let bytes = 0;
  for (const r of names) {
    const size = JSON.stringify(r).length;
    const cur = out[out.length - 1];
    if (cur.length >= MAX.rules || bytes + size > NAME_BYTES_PER_OBJECT) {
      out.push([r]);
      bytes = size;
    } else {
      cur.push(r);
      bytes += size;
    }
  }
  const policy = (n: string, priority: number, egress: Rule[]): Resource => ({
    apiVersion: API_VERSION,
    kind: 'ClusterNetworkPolicy',
    metadata: { name: n },
    spec: { tier: 'Admin', priority, subject, egress },
  });
  return [
    ...out.map((egress, k) =>
      policy(k === 0 ? name : `${name}-names-${k}`, CLUSTER_POLICY_PRIORITY, egress),
    ),
    policy(`${name}-deny`, CLUSTER_POLICY_PRIORITY + 1, [
      { name: 'deny-other', action: 'Deny', to: [{ networks: ['0.0.0.0/0', '::/0'] }] },
    ]),
  ];
}

/**
 * ClusterNetworkPolicies drawn from the list: each application namespace
 * may reach the pods the mesh needs, the resolver, and, in sidecar mode,
 * its scope's names on their ports (`domainNames`); the gateway or
 * waypoint pods the listed names on their ports, never the excepted ranges
 * (a Deny rule before the Accepts). Everything else is denied one priority
 * later, ahead of any NetworkPolicy.
 */
export function renderClusterNetworkPolicies(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const p = o.production;
  const apps = appNamespaces(p).flatMap((ns) => {
    const lanes = plan.lanes.filter((l) => serves(o, l, ns));
    const fixed: Rule[] = [
      ...dnsRules(o),
      ...accept('cluster', [
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
        ? accept('istiod', [podsIn(p.istiodNamespace, { app: 'istiod' })], tcp([ISTIOD_PORT]))
        : []),
      ...(o.mode === 'egress-gateway' && lanes.length > 0
        ? accept(
            'gateway',
            [podsIn(o.gateway.namespace, n.selector)],
            tcp([...new Set(lanes.map((l) => l.gatewayPort))]),
          )
        : []),
      ...(o.mode === 'waypoint'
        ? accept(
            'waypoint',
            [podsIn(o.gateway.namespace, { [WAYPOINT_POD_LABEL]: WAYPOINT_NAME })],
            tcp([HBONE_PORT]),
          )
        : []),
      ...p.egressCIDRs.flatMap((d, i) =>
        accept(`egress-cidr-${i}`, [{ networks: [d.cidr] }], d.ports ? tcp(d.ports) : undefined),
      ),
    ];
    const ports = namePorts(lanes);
    return policies(
      `${APP_RESOURCE_NAME}-${ns}`,
      { namespaces: { matchLabels: { [NAMESPACE_NAME]: ns } } },
      fixed,
      o.mode === 'sidecar' ? nameRules([...ports.keys()], ports) : [],
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
      `${APP_RESOURCE_NAME}-${o.mode === 'waypoint' ? WAYPOINT_NAME : n.deployment}`,
      podsIn(o.gateway.namespace, labels),
      [
        ...accept('istiod', [podsIn(p.istiodNamespace, { app: 'istiod' })], tcp([ISTIOD_PORT])),
        ...dnsRules(o),
      ],
      nameRules([...ports.keys()], ports),
      // Before every Accept: a listed name that resolves to a private or cluster address is still refused.
      chunks(tcp(upstream), MAX.protocols).flatMap((protocols, j) =>
        chunks(p.externalExcept, MAX.names).map((networks, i) => ({
          name: `deny-excepted-${j}-${i}`,
          action: 'Deny',
          to: [{ networks }],
          protocols,
        })),
      ),
    ),
  ];
}
