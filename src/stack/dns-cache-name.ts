import { fnv1a } from '../util/fnv1a.js';

/** Settings of a forward proxy's DNS cache, as both the filter and the cluster carry them. */
export interface DnsCacheSettings {
  dns_lookup_family: string;
  max_hosts: number;
  dns_cache_circuit_breaker: { max_pending_requests: number };
}

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
