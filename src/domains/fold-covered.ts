import { HostIndex } from './host-match.js';
import type { Domain } from './normalize-domain.js';

/** A name dropped from the list because a listed wildcard already matches it. */
export interface FoldedName {
  name: Domain;
  by: Domain;
}

/**
 * Drops every name a listed wildcard covers: `en.wikipedia.org` and
 * `*.en.wikipedia.org` under `*.wikipedia.org`. Istio refuses both in one
 * VirtualService and Envoy refuses the overlap in one listener. Matching is
 * multi-level, and a wildcard never covers its apex (`wikipedia.org` stays).
 *
 * Each name is checked against an index of the wildcards, one lookup per
 * label: O(n · labels), with no pairwise comparison.
 */
export function foldCovered(domains: readonly Domain[]): { kept: Domain[]; folded: FoldedName[] } {
  const wildcards = domains.filter((d) => d.startsWith('*.'));
  const index = new HostIndex(wildcards);
  const kept: Domain[] = [];
  const folded: FoldedName[] = [];
  for (const d of domains) {
    // The broadest wildcard over the name: the one that stays when nested wildcards fold too.
    const by = index.wildcardsOver(d).at(-1);
    if (by === undefined) kept.push(d);
    else folded.push({ name: d, by: wildcards[by] });
  }
  return { kept, folded };
}
