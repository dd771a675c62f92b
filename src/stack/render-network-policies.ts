import { appNamespaces, type Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { APP_RESOURCE_NAME, stackNames } from './names.js';
import { WAYPOINT_NAME, WAYPOINT_POD_LABEL } from './render-native.js';
import type { Resource } from './resource.js';

const ANY_POD = { namespaceSelector: {} };
const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

const isV6 = (cidr: string) => cidr.includes(':');
const hostCidr = (ip: string) => `${ip}/${isV6(ip) ? 128 : 32}`;
const tcpUdp = (ports: readonly number[]) =>
  ports.flatMap((port) => [
    { protocol: 'UDP', port },
    { protocol: 'TCP', port },
  ]);

/**
 * DNS to the cluster's resolver only: its pods by selector, and, as ipBlock
 * rules, node-local DNS (host network, so no selector reaches it) and the DNS
 * Service IPs for CNIs that apply policy before DNAT. A DNS rule without `to`
 * would let a pod query any resolver on the internet.
 */
function dnsRules(o: Options): Record<string, unknown>[] {
  const dns = o.production.dns;
  const rules: Record<string, unknown>[] = [
    {
      to: [
        {
          namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: dns.namespace } },
          podSelector: { matchLabels: { ...dns.podSelector } },
        },
      ],
      ports: tcpUdp(dns.ports),
    },
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
 * Deny by default on the network: application pods may reach pods in the
 * cluster (the gateway, istiod, their peers), the cluster's DNS and the
 * destinations the config adds (the API server's endpoints, say), nothing
 * else; the gateway may reach istiod, DNS, and public addresses on the
 * upstream ports only, never private, link-local or shared ranges (a listed
 * name that resolves to 10.0.0.5 or 169.254.169.254 stays unreachable).
 */
export function renderNetworkPolicies(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const extra = o.production.egressCIDRs.map((d) => ({
    to: [{ ipBlock: { cidr: d.cidr } }],
    ...(d.ports ? { ports: d.ports.map((port) => ({ protocol: 'TCP', port })) } : {}),
  }));
  const except = o.production.externalExcept;
  const block = (cidr: string, v6: boolean) => {
    const own = except.filter((c) => isV6(c) === v6);
    return { ipBlock: { cidr, ...(own.length > 0 ? { except: own } : {}) } };
  };
  // Public addresses on the listed upstream ports: from the forwarder's pods, or in sidecar mode from every app pod.
  const external = {
    to: [block('0.0.0.0/0', false), block('::/0', true)],
    ports: [...new Set(plan.lanes.map((l) => l.upstreamPort))].map((port) => ({
      protocol: 'TCP',
      port,
    })),
  };
  const apps: Resource[] = appNamespaces(o.production).map((ns) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: APP_RESOURCE_NAME, namespace: ns },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [ANY_POD] },
        ...dnsRules(o),
        ...extra,
        ...(o.mode === 'sidecar' ? [external] : []),
      ],
    },
  }));
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
        external,
        // istiod: configuration (xDS) and certificates.
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: o.rootNamespace } },
              podSelector: { matchLabels: { app: 'istiod' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 15012 }],
        },
        ...dnsRules(o),
      ],
    },
  };
  return [...apps, gateway];
}
