import { fnv1a } from '../util/fnv1a.js';

/** Settings of a forward proxy's DNS cache, as both the filter and the cluster carry them. */
export interface DnsCacheSettings {
  dns_lookup_family: string;
  max_hosts: number;
  dns_cache_circuit_breaker: { max_pending_requests: number };
  typed_dns_resolver_config: {
    name: string;
    typed_config: { '@type': string; dns_resolver_options: { no_default_search_domain: true } };
  };
}

/**
 * Envoy's c-ares resolver with the pod's resolv.conf search domains off
 * (ARES_FLAG_NOSEARCH, envoyproxy/envoy
 * source/extensions/network/dns_resolver/cares/dns_impl.cc): a listed name is
 * looked up as written, never as `<name>.<namespace>.svc.cluster.local` or
 * another in-cluster name the search list would try first (pods have ndots:5).
 */
export const NO_SEARCH_RESOLVER: DnsCacheSettings['typed_dns_resolver_config'] = {
  name: 'envoy.network.dns_resolver.cares',
  typed_config: {
    '@type':
      'type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig',
    dns_resolver_options: { no_default_search_domain: true },
  },
};

/**
 * Names a DNS cache after its scope (a team, or `''` for the shared list) and
 * a hash of all its settings. Envoy requires one name to carry identical
 * settings wherever it is used, and refuses an update that changes the
 * settings under an existing name; a name derived from the settings can never
 * be reused for different ones, and the scope gives each team a cache of its
 * own, so one team filling its cache cannot refuse another's names.
 */
export function dnsCacheName(scope: string, settings: DnsCacheSettings): string {
  const hash = fnv1a(JSON.stringify(settings));
  return scope
    ? `dynamic_forward_proxy_cache_${scope.replaceAll('-', '_')}_${hash}`
    : `dynamic_forward_proxy_cache_${hash}`;
}
