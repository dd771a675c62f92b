import { appNamespaces, type Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { namespacePorts } from './lane-scope.js';
import { APP_RESOURCE_NAME, stackNames } from './names.js';
import { WAYPOINT_NAME, WAYPOINT_POD_LABEL } from './render-native.js';
import type { Resource } from './resource.js';

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/** Port of istiod that proxies fetch configuration (xDS) and certificates from. */
const ISTIOD_PORT = 15012;

/** Port of a waypoint (HBONE). */
const HBONE_PORT = 15008;

const isV6 = (cidr: string) => cidr.includes(':');
const hostCidr = (ip: string) => `${ip}/${isV6(ip) ? 128 : 32}`;
const tcp = (ports: readonly number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
const tcpUdp = (ports: readonly number[]) =>
  ports.flatMap((port) => [
    { protocol: 'UDP', port },
    { protocol: 'TCP', port },
  ]);
const namespaces = (names: readonly string[]) => ({
  namespaceSelector: {
    matchExpressions: [{ key: NAMESPACE_NAME, operator: 'In', values: [...names] }],
  },
});
const podsIn = (ns: string, labels: Record<string, string>) => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: ns } },
  podSelector: { matchLabels: { ...labels } },
});

/**
 * DNS to the cluster's resolver only: its pods by selector, and, as ipBlock
 * rules, node-local DNS (host network, so no selector reaches it) and the DNS
 * Service IPs for CNIs that apply policy before DNAT. A DNS rule without `to`
 * would let a pod query any resolver on the internet.
 */
function dnsRules(o: Options): Record<string, unknown>[] {
  const dns = o.production.dns;
  const rules: Record<string, unknown>[] = [
    { to: [podsIn(dns.namespace, dns.podSelector)], ports: tcpUdp(dns.ports) },
  ];
  const addresses = [...dns.nodeLocalAddresses, ...dns.serviceIPs];
  if (addresses.length > 0)
    rules.push({
      to: addresses.map((ip) => ({ ipBlock: { cidr: hostCidr(ip) } })),
      ports: tcpUdp([53]),
    });
  return rules;
}

/**
 * In-cluster destinations of the application pods: every pod of the
 * application namespaces and of `peerNamespaces` (all locked down, or trusted
 * to hold no path out), istiod on its xDS port, and the mode's forwarder on
 * its own ports only. Not every pod of every namespace: a pod in a namespace
 * nothing locks down could relay traffic out.
 */
function clusterRules(o: Options, plan: DomainPlan): Record<string, unknown>[] {
  const n = stackNames(o);
  const p = o.production;
  const rules: Record<string, unknown>[] = [
    { to: [namespaces([...new Set([...appNamespaces(p), ...p.peerNamespaces])])] },
  ];
  if (o.mode !== 'waypoint')
    rules.push({
      to: [podsIn(p.istiodNamespace, { app: 'istiod' })],
      ports: tcp([ISTIOD_PORT]),
    });
  if (o.mode === 'egress-gateway')
    rules.push({
      to: [podsIn(o.gateway.namespace, n.selector)],
      ports: tcp([...new Set(plan.lanes.map((l) => l.gatewayPort))]),
    });
  if (o.mode === 'waypoint')
    rules.push({
      to: [podsIn(o.gateway.namespace, { [WAYPOINT_POD_LABEL]: WAYPOINT_NAME })],
      ports: tcp([HBONE_PORT]),
    });
  return rules;
}

/**
 * Deny by default on the network: application pods may reach the pods the
 * mesh needs (their peers, istiod, the gateway or waypoint), the cluster's
 * DNS and the destinations the config adds (the API server's endpoints, say),
 * nothing else; the gateway may reach istiod, DNS, and public addresses on the
 * upstream ports only, never private, link-local, loopback, shared or cluster
 * ranges (a listed name that resolves to 10.0.0.5 or 169.254.169.254 stays
 * unreachable). In sidecar mode each namespace's pods dial out themselves, on
 * the upstream ports of the lanes it may use only, and on IPv6 only when the
 * mesh captures it (`dualStackCapture`: without ISTIO_DUAL_STACK istio-iptables
 * installs no IPv6 rules on a pod whose first address is IPv4).
 */
export function renderNetworkPolicies(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  // With Cilium's FQDN policies (render-cilium.ts) DNS and external egress are theirs: Cilium allows the union of
  // every policy that selects a pod, so a rule here to 0.0.0.0/0, or to the resolver without DNS rules, would
  // widen them again (cilium/cilium Documentation/security/policy/intro.rst).
  const cni = o.production.fqdnPolicies === 'cilium';
  const dns = cni ? [] : dnsRules(o);
  const extra = o.production.egressCIDRs.map((d) => ({
    to: [{ ipBlock: { cidr: d.cidr } }],
    ...(d.ports ? { ports: tcp(d.ports) } : {}),
  }));
  const except = o.production.externalExcept;
  const block = (cidr: string, v6: boolean) => {
    const own = except.filter((c) => isV6(c) === v6);
    return { ipBlock: { cidr, ...(own.length > 0 ? { except: own } : {}) } };
  };
  // Public addresses on some upstream ports: from the forwarder's pods, or in sidecar mode from app pods.
  const external = (ports: readonly number[], v6: boolean) => ({
    to: [block('0.0.0.0/0', false), ...(v6 ? [block('::/0', true)] : [])],
    ports: tcp(ports),
  });
  const apps: Resource[] = appNamespaces(o.production).map((ns) => {
    const ports = o.mode === 'sidecar' ? namespacePorts(o, plan.lanes, ns) : [];
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: APP_RESOURCE_NAME, namespace: ns },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          ...clusterRules(o, plan),
          ...dns,
          ...extra,
          ...(ports.length > 0 && !cni ? [external(ports, o.production.dualStackCapture)] : []),
        ],
      },
    };
  });
  if (o.mode === 'sidecar') return apps;
  const forwarder =
    o.mode === 'waypoint'
      ? { name: `${WAYPOINT_NAME}-egress`, selector: { [WAYPOINT_POD_LABEL]: WAYPOINT_NAME } }
      : { name: `${n.deployment}-egress`, selector: { ...n.selector } };
  const gateway: Resource = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: forwarder.name, namespace: o.gateway.namespace },
    spec: {
      podSelector: { matchLabels: forwarder.selector },
      policyTypes: ['Egress'],
      egress: [
        ...(cni ? [] : [external([...new Set(plan.lanes.map((l) => l.upstreamPort))], true)]),
        // istiod: configuration (xDS) and certificates.
        {
          to: [podsIn(o.production.istiodNamespace, { app: 'istiod' })],
          ports: tcp([ISTIOD_PORT]),
        },
        ...dns,
      ],
    },
  };
  return [...apps, gateway];
}
