/**
 * Whether a list entry admits a name the way Envoy's `server_names` and
 * Istio's `sniHosts` do: an exact entry only that name; `*.x` every name
 * under `x`, however deep, but never `x` itself. Both are lower-case already.
 */
export function admits(entry: string, name: string): boolean {
  if (!entry.startsWith('*.')) return entry === name;
  const base = entry.slice(1); // ".x"
  return name.length > base.length && name.endsWith(base);
}

/**
 * The entry of `entries` that admits `name`: the exact one, else the most
 * specific wildcard (Envoy's "most specific wins"); `undefined` when none does.
 */
export function admittingEntry(name: string, entries: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const entry of entries) {
    if (entry === name) return entry;
    if (admits(entry, name) && (best === undefined || entry.length > best.length)) best = entry;
  }
  return best;
}
