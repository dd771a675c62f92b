/** Settings of the forward proxy's DNS cache, as both the filter and the cluster carry them. */
export interface DnsCacheSettings {
  dns_lookup_family: string;
}

/**
 * Names the DNS cache after a hash of its settings. Envoy requires one name to
 * carry identical settings wherever it is used, and refuses an update that
 * changes the settings under an existing name; a name derived from the
 * settings can never be reused for different ones.
 */
export function dnsCacheName(settings: DnsCacheSettings): string {
  return `dynamic_forward_proxy_cache_${fnv1a(JSON.stringify(settings))}`;
}

/** 32-bit FNV-1a as 8 hex digits: tiny, stable and needs no crypto module at start-up. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
