import { objects, specOf, strings, type Item } from './manifests.js';

/**
 * Why istiod's validation refuses a ServiceEntry (istio/istio
 * pkg/config/validation/validation.go `ValidateServiceEntry`, 1.30): such an
 * object never reaches the cluster (`kubectl apply` fails at the validating
 * webhook), so a decision must leave it out. Checked: a bare `*` host; with
 * resolution DNS or DNS_ROUND_ROBIN and no endpoints, a host that is no
 * FQDN (a wildcard: the proxy would have nothing to resolve); with
 * DYNAMIC_DNS, an exact host, or addresses or endpoints. Undefined when none
 * of these applies.
 */
export function rejectedServiceEntry(se: Item): string | undefined {
  const spec = specOf(se);
  const hosts = strings(spec.hosts);
  const resolution = typeof spec.resolution === 'string' ? spec.resolution : 'NONE';
  if (hosts.includes('*')) return 'a bare "*" host is invalid in a ServiceEntry';
  const wildcard = hosts.find((h) => h.startsWith('*'));
  if (
    (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') &&
    objects(spec.endpoints).length === 0 &&
    wildcard !== undefined
  )
    return `resolution ${resolution} without endpoints takes exact names only, and ${JSON.stringify(wildcard)} is a wildcard: a wildcard needs resolution NONE or DYNAMIC_DNS`;
  if (resolution === 'DYNAMIC_DNS') {
    const exact = hosts.find((h) => !h.startsWith('*.'));
    if (exact !== undefined)
      return `resolution DYNAMIC_DNS takes wildcard hosts only, and ${JSON.stringify(exact)} is not one`;
    if (strings(spec.addresses).length > 0 || objects(spec.endpoints).length > 0)
      return 'resolution DYNAMIC_DNS takes no addresses or endpoints';
  }
  return undefined;
}
