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
 * Each name is checked against a set of wildcard bases, one lookup per label:
 * O(n · labels), with no pairwise comparison.
 */
export function foldCovered(domains: readonly Domain[]): { kept: Domain[]; folded: FoldedName[] } {
  const bases = new Set<string>();
  for (const d of domains) if (d.startsWith('*.')) bases.add(d.slice(2));
  const kept: Domain[] = [];
  const folded: FoldedName[] = [];
  for (const d of domains) {
    const by = coveringBase(d.startsWith('*.') ? d.slice(2) : d, bases);
    if (by === undefined) kept.push(d);
    else folded.push({ name: d, by: `*.${by}` as Domain });
  }
  return { kept, folded };
}

/** The broadest listed wildcard base that is a proper suffix of `name`, if any. */
function coveringBase(name: string, bases: ReadonlySet<string>): string | undefined {
  let found: string | undefined;
  let dot = name.indexOf('.');
  while (dot >= 0) {
    const suffix = name.slice(dot + 1);
    if (bases.has(suffix)) found = suffix;
    dot = name.indexOf('.', dot + 1);
  }
  return found;
}
