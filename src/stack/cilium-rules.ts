import type { Options } from '../config/options.js';
import type { Domain } from '../domains/normalize-domain.js';
import { cidrContains } from '../util/cidr.js';

/**
 * The pieces of a CiliumNetworkPolicy (cilium.io/v2) the stack writes, as
 * plain data: selectors in Cilium's label syntax, FQDN selectors in the
 * form that makes Cilium's match equal to Istio's, and port lists cut to
 * Cilium's own limit.
 */

/** The label Cilium gives every endpoint for its namespace (`k8s:` source prefix). */
export const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

/**
 * Most ports one `toPorts` entry may hold: `maxPorts` in cilium/cilium
 * pkg/policy/api/rule_validation.go ("too many ports, the max is 40"), also
 * the CRD's `maxItems: 40` (pkg/policy/api/l4.go). Cilium sets no such cap
 * on `toFQDNs` selectors per rule (pkg/policy/api/egress.go,
 * pkg/policy/api/fqdn.go): those lists are split by object size alone.
 */
export const CILIUM_MAX_PORTS = 40;

/** Longest matchName or matchPattern: `MaxFQDNLength` in pkg/fqdn/matchpattern/matchpattern.go. */
export const CILIUM_MAX_FQDN_LENGTH = 255;

/** An FQDN selector (toFQDNs entry or DNS rule): exactly one of the two fields. */
export type FqdnSelector = { matchName: string } | { matchPattern: string };

/**
 * A listed name as a Cilium FQDN selector: an exact name as `matchName`; a
 * wildcard `*.x` as `matchPattern: "**.x"`, which Cilium 1.19 and later
 * match for one or more whole labels before `x` and never `x` itself
 * (pkg/fqdn/matchpattern/matchpattern.go: a leading `**.` becomes
 * `([-a-zA-Z0-9_]+([.][-a-zA-Z0-9_]+)*)[.]`), exactly Istio's and Envoy's
 * multi-level `*.x`. Cilium's `*.x` would match a single label only.
 */
export function fqdnSelector(name: Domain | string): FqdnSelector {
  return name.startsWith('*.') ? { matchPattern: `*${name}` } : { matchName: name };
}

/** The DNS pattern for every name under a suffix the pods search (the cluster domain, node search domains). */
export function suffixPattern(suffix: string): FqdnSelector {
  return { matchPattern: `**.${suffix}` };
}

/** An endpoint selector for pods of one namespace with these labels. */
export function podsIn(namespace: string, labels: Record<string, string>) {
  return { matchLabels: { [CILIUM_NAMESPACE_LABEL]: namespace, ...labels } };
}

/** An endpoint selector for every pod of these namespaces. */
export function namespacesSelector(names: readonly string[]) {
  return {
    matchExpressions: [{ key: CILIUM_NAMESPACE_LABEL, operator: 'In', values: [...names] }],
  };
}

/** `toPorts` for these ports and protocol, one entry per 40 ports. */
export function toPorts(ports: readonly number[], protocol: 'TCP' | 'ANY', rules?: unknown) {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < ports.length; i += CILIUM_MAX_PORTS)
    out.push({
      ports: ports.slice(i, i + CILIUM_MAX_PORTS).map((port) => ({ port: String(port), protocol })),
      ...(rules ? { rules } : {}),
    });
  return out;
}

/** The DNS patterns every pod needs besides the list: the cluster's own names and the configured search domains. */
export function clusterDnsPatterns(o: Options): FqdnSelector[] {
  return [o.clusterDomain, ...o.production.dnsSearchDomains].map(suffixPattern);
}

/** Bytes one name costs in an object: its selector written out as JSON, once per place it appears. */
export function selectorBytes(name: string): number {
  return JSON.stringify(fqdnSelector(name)).length + 1;
}

/** A destination a policy allows by address, on these ports (none: every port). */
export interface AddressAllow {
  cidr: string;
  ports?: readonly number[];
}

/** A toCIDRSet entry. */
export type CidrSetEntry = { cidr: string } | { cidr: string; except: string[] };

/**
 * The toCIDRSet of an egressDeny: `ranges`, denied on `ports`, less the
 * addresses the same policy allows by CIDR on one of those ports (a deny
 * wins over every allow in Cilium, so they would be cut off): an allowed
 * range inside a denied one becomes that one's `except`, a denied range
 * inside an allowed one is left out.
 */
export function deniedRanges(
  ranges: readonly string[],
  allowed: readonly AddressAllow[],
  ports: readonly number[],
): CidrSetEntry[] {
  const meets = allowed.filter((a) => !a.ports || a.ports.some((p) => ports.includes(p)));
  return ranges
    .filter((r) => !meets.some((a) => cidrContains(a.cidr, r)))
    .map((cidr) => {
      const except = [
        ...new Set(meets.filter((a) => cidrContains(cidr, a.cidr)).map((a) => a.cidr)),
      ];
      return except.length > 0 ? { cidr, except } : { cidr };
    });
}

/** A host address as a one-address CIDR. */
export const hostCidr = (ip: string) => `${ip}/${ip.includes(':') ? 128 : 32}`;
