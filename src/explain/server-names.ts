import { HostIndex } from '../domains/host-match.js';

/**
 * Envoy's filter-chain choice by server name within one listener
 * (`FilterChainManagerImpl::findFilterChainForServerName`): the exact name
 * first, then each wildcard suffix from the longest (a wildcard never matches
 * its apex), then a chain without server names. The first chain listing a
 * name owns it. Returns the index of the chosen chain, or -1.
 */
export function chooseChain(
  chains: readonly { serverNames: readonly string[] }[],
  host: string,
): number {
  const names: string[] = [];
  const owner: number[] = [];
  let catchAll = -1;
  chains.forEach((c, i) => {
    if (c.serverNames.length === 0) {
      if (catchAll < 0) catchAll = i;
      return;
    }
    for (const n of c.serverNames) {
      names.push(n);
      owner.push(i);
    }
  });
  const hit = new HostIndex(names).covering(host);
  return hit >= 0 ? owner[hit] : catchAll;
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
