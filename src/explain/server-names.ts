/**
 * Name matching as Envoy and Istio do it. Every name here is already
 * lower-case (the domain rules lower-case the host; Envoy lower-cases the SNI
 * its TLS inspector reads and compares server names as written lower-case).
 */

/**
 * Envoy's filter-chain choice by server name within one listener
 * (`FilterChainManagerImpl::findFilterChainForServerName`): the exact name
 * first, then each wildcard suffix from the longest (`.b.example.com`, then
 * `.example.com`, …; a suffix is tried only after a first label, so
 * `*.example.com` never matches `example.com`), then a chain without server
 * names. Returns the index of the chosen chain, or -1.
 */
export function chooseChain(
  chains: readonly { serverNames: readonly string[] }[],
  host: string,
): number {
  const byName = new Map<string, number>();
  let catchAll = -1;
  chains.forEach((c, i) => {
    if (c.serverNames.length === 0) {
      if (catchAll < 0) catchAll = i;
      return;
    }
    for (const n of c.serverNames) {
      const key = n.toLowerCase().startsWith('*.') ? n.toLowerCase().slice(1) : n.toLowerCase();
      if (!byName.has(key)) byName.set(key, i);
    }
  });
  const exact = byName.get(host);
  if (exact !== undefined) return exact;
  for (
    let pos = host.indexOf('.', 1);
    pos >= 0 && pos < host.length - 1;
    pos = host.indexOf('.', pos + 1)
  ) {
    const hit = byName.get(host.slice(pos));
    if (hit !== undefined) return hit;
  }
  return catchAll;
}

/** The server name of a chain that matches the host, as Envoy chose it (exact, then the longest wildcard). */
export function matchingName(names: readonly string[], host: string): string | undefined {
  const i = chooseChain(
    names.map((n) => ({ serverNames: [n] })),
    host,
  );
  return i >= 0 ? names[i] : undefined;
}

/**
 * A server name that two chains of one listener share (lower-cased; `*.x`
 * and `*.X` are the same key): Envoy refuses such a listener ("multiple
 * filter chains with overlapping matching rules are defined").
 */
export function sharedServerName(
  chains: readonly { serverNames: readonly string[] }[],
): { name: string; first: number; second: number } | undefined {
  const owner = new Map<string, number>();
  for (let i = 0; i < chains.length; i++) {
    const names = chains[i].serverNames.length === 0 ? [''] : chains[i].serverNames;
    for (const n of new Set(names.map((x) => x.toLowerCase()))) {
      const first = owner.get(n);
      if (first !== undefined && first !== i)
        return { name: n || '(no server name)', first, second: i };
      owner.set(n, i);
    }
  }
  return undefined;
}

/** Istio's host match for one direction: `*.a.b` covers `x.a.b` and `x.y.a.b` (never `a.b`); a name covers itself. */
export function covers(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === n || p === '*') return true;
  if (!p.startsWith('*.')) return false;
  const base = p.slice(1);
  if (n.startsWith('*.')) return n.slice(1).endsWith(base) && n.length > base.length + 1;
  return n.endsWith(base) && n.length > base.length;
}
