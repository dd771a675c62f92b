import { appNamespaces, type Options } from '../config/options.js';
import { bucketCount, splitInto } from '../domains/buckets.js';
import type { Domain } from '../domains/normalize-domain.js';
import { sortDomains } from '../domains/normalize-list.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import {
  clusterDnsPatterns,
  deniedRanges,
  fqdnSelector,
  hostCidr,
  namespacesSelector,
  podsIn,
  selectorBytes,
  toPorts,
  type AddressAllow,
  type FqdnSelector,
} from './cilium-rules.js';
import { serves } from './lane-scope.js';
import { NAME_BYTES_PER_OBJECT } from './limits.js';
import { APP_RESOURCE_NAME, stackNames } from './names.js';
import { WAYPOINT_NAME, WAYPOINT_POD_LABEL } from './render-native.js';
import type { Resource } from './resource.js';

/** Port of istiod that proxies fetch configuration (xDS) and certificates from. */
const ISTIOD_PORT = 15012;
/** Port of a waypoint (HBONE). */
const HBONE_PORT = 15008;

type Rule = Record<string, unknown>;

/** The names a set of lanes lists, each with the upstream ports those lanes serve it on. */
function namePorts(lanes: readonly Lane[]): Map<Domain, number[]> {
  const out = new Map<Domain, Set<number>>();
  for (const l of lanes)
    for (const d of l.domains) out.set(d, (out.get(d) ?? new Set()).add(l.upstreamPort));
  return new Map(
    sortDomains([...out.keys()]).map((d) => [d, [...out.get(d)!].sort((a, b) => a - b)]),
  );
}

/**
 * DNS to the cluster's resolver only, and only for these names: its pods
 * (any protocol on its ports) and node-local DNS addresses on 53, each with
 * a DNS rule, so Cilium's DNS proxy answers only queries these patterns
 * admit (and learns the addresses toFQDNs admits from the answers).
 */
function dnsRules(o: Options, patterns: FqdnSelector[]): Rule[] {
  const dns = o.production.dns;
  const rules = { dns: patterns };
  const out: Rule[] = [
    {
      toEndpoints: [podsIn(dns.namespace, dns.podSelector)],
      toPorts: toPorts(dns.ports, 'ANY', rules),
    },
  ];
  if (dns.nodeLocalAddresses.length > 0)
    out.push({
      toCIDR: dns.nodeLocalAddresses.map(hostCidr),
      toPorts: toPorts([53], 'ANY', rules),
    });
  return out;
}

/** toFQDNs rules for names, one per set of upstream ports. */
function fqdnRules(names: readonly Domain[], ports: Map<Domain, number[]>): Rule[] {
  const groups = new Map<string, { ports: number[]; names: Domain[] }>();
  for (const n of names) {
    const p = ports.get(n)!;
    const key = p.join(',');
    if (!groups.has(key)) groups.set(key, { ports: p, names: [] });
    groups.get(key)!.names.push(n);
  }
  return [...groups.values()].map((g) => ({
    toFQDNs: g.names.map(fqdnSelector),
    toPorts: toPorts(g.ports, 'TCP'),
  }));
}

/**
 * The policies of one set of pods: `base` rules (in-cluster destinations)
 * plus, for the listed names, a DNS rule and (when `fqdn`) toFQDNs rules.
 * A long list is split by a hash of each name over objects named
 * `<name>-names-<k>`, each well under the 256 KiB `kubectl apply` keeps in
 * its annotation; the DNS rules of all of them add up (Cilium allows a query
 * any rule admits).
 */
function policies(
  o: Options,
  meta: { name: string; namespace: string },
  endpointSelector: Record<string, unknown>,
  base: Rule[],
  ports: Map<Domain, number[]>,
  fqdn: boolean,
  extra: Record<string, unknown> = {},
): Resource[] {
  const names = [...ports.keys()];
  const appearances = fqdn ? 2 : 1;
  const count = bucketCount(
    names,
    NAME_BYTES_PER_OBJECT,
    Infinity,
    (n) => (appearances * selectorBytes(n)) / (n.length + 3),
  );
  const policy = (name: string, egress: Rule[], more: Record<string, unknown> = {}): Resource => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name, namespace: meta.namespace },
    spec: { endpointSelector, egress, ...more },
  });
  const named = (part: readonly Domain[]) => [
    ...(fqdn ? fqdnRules(part, ports) : []),
    ...(part.length > 0 ? dnsRules(o, part.map(fqdnSelector)) : []),
  ];
  if (count === 1)
    return [
      policy(
        meta.name,
        [
          ...base,
          ...dnsRules(o, [...clusterDnsPatterns(o), ...names.map(fqdnSelector)]),
          ...(fqdn ? fqdnRules(names, ports) : []),
        ],
        extra,
      ),
    ];
  return [
    policy(meta.name, [...base, ...dnsRules(o, clusterDnsPatterns(o))], extra),
    ...splitInto(names, count).map((part, k) => policy(`${meta.name}-names-${k}`, named(part))),
  ];
}

/** In-cluster destinations of the application pods, as the NetworkPolicies have them. */
function clusterRules(o: Options, plan: DomainPlan, ns: string): Rule[] {
  const p = o.production;
  const n = stackNames(o);
  const rules: Rule[] = [
    { toEndpoints: [namespacesSelector([...new Set([...appNamespaces(p), ...p.peerNamespaces])])] },
  ];
  if (o.mode !== 'waypoint')
    rules.push({
      toEndpoints: [podsIn(p.istiodNamespace, { app: 'istiod' })],
      toPorts: toPorts([ISTIOD_PORT], 'TCP'),
    });
  if (o.mode === 'egress-gateway') {
    // The pod port of each lane the namespace may use: Cilium applies policy after the Service's translation.
    const ports = [
      ...new Set(plan.lanes.filter((l) => serves(o, l, ns)).map((l) => l.gatewayPort)),
    ];
    if (ports.length > 0)
      rules.push({
        toEndpoints: [podsIn(o.gateway.namespace, n.selector)],
        toPorts: toPorts(ports, 'TCP'),
      });
  }
  if (o.mode === 'waypoint')
    rules.push({
      toEndpoints: [podsIn(o.gateway.namespace, { [WAYPOINT_POD_LABEL]: WAYPOINT_NAME })],
      toPorts: toPorts([HBONE_PORT], 'TCP'),
    });
  for (const d of p.egressCIDRs)
    rules.push({ toCIDR: [d.cidr], ...(d.ports ? { toPorts: toPorts(d.ports, 'TCP') } : {}) });
  return rules;
}

/**
 * CiliumNetworkPolicies drawn from the list, for clusters whose CNI is
 * Cilium (1.19 or later): the same names Istio enforces, one layer down,
 * where a pod that steps around its proxy still meets them.
 *
 * - Each application namespace may reach the pods the mesh needs (as its
 *   NetworkPolicy), DNS only for its own scope's names and the cluster's
 *   suffixes, and: in sidecar mode, the addresses its names resolved to, on
 *   their upstream ports (toFQDNs), never the ranges the NetworkPolicy
 *   excepts (an egressDeny, as at the gateway); in egress-gateway mode, only
 *   the gateway pods on its lanes' ports; in waypoint mode, only the
 *   waypoint.
 * - The gateway (or waypoint) pods may reach istiod, DNS for every listed
 *   name, and the addresses those names resolved to on the upstream ports;
 *   never the ranges the NetworkPolicy excepts (an egressDeny: deny wins
 *   over any allow in Cilium), even when a listed name resolves there.
 */
export function renderCiliumPolicies(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const p = o.production;
  // Addresses the policies allow by CIDR: a deny on the same port must leave them out.
  const nodeLocal = p.dns.nodeLocalAddresses.map((ip) => ({ cidr: hostCidr(ip), ports: [53] }));
  /** The ranges a listed name may resolve to but must never be dialled at, on the ports toFQDNs opens. */
  const deny = (ranges: readonly string[], allowed: AddressAllow[], ports: readonly number[]) =>
    ports.length === 0
      ? {}
      : {
          egressDeny: [
            { toCIDRSet: deniedRanges(ranges, allowed, ports), toPorts: toPorts(ports, 'TCP') },
          ],
        };
  const apps = appNamespaces(p).flatMap((ns) => {
    const lanes = plan.lanes.filter((l) => serves(o, l, ns));
    const ports = [...new Set(lanes.map((l) => l.upstreamPort))].sort((a, b) => a - b);
    // Sidecar mode: the pods dial the names themselves, so the excepted ranges are denied here as at the gateway.
    // Without dualStackCapture, istio-iptables captures no IPv6 on an IPv4-first pod, so IPv6 stays closed on the
    // upstream ports, as the NetworkPolicies keep it.
    const ranges = p.dualStackCapture
      ? p.externalExcept
      : [...p.externalExcept.filter((c) => !c.includes(':')), '::/0'];
    return policies(
      o,
      { name: APP_RESOURCE_NAME, namespace: ns },
      {},
      clusterRules(o, plan, ns),
      namePorts(lanes),
      o.mode === 'sidecar',
      o.mode === 'sidecar' ? deny(ranges, [...p.egressCIDRs, ...nodeLocal], ports) : {},
    );
  });
  if (o.mode === 'sidecar') return apps;
  const forwarder =
    o.mode === 'waypoint'
      ? { name: `${WAYPOINT_NAME}-egress`, labels: { [WAYPOINT_POD_LABEL]: WAYPOINT_NAME } }
      : { name: `${n.deployment}-egress`, labels: { ...n.selector } };
  const upstream = [...new Set(plan.lanes.map((l) => l.upstreamPort))].sort((a, b) => a - b);
  return [
    ...apps,
    ...policies(
      o,
      { name: forwarder.name, namespace: o.gateway.namespace },
      { matchLabels: forwarder.labels },
      [
        {
          toEndpoints: [podsIn(p.istiodNamespace, { app: 'istiod' })],
          toPorts: toPorts([ISTIOD_PORT], 'TCP'),
        },
      ],
      namePorts(plan.lanes),
      true,
      deny(p.externalExcept, nodeLocal, upstream),
    ),
  ];
}
