import { error, warning, type Result } from '../krm/results.js';
import { foldCovered } from './fold-covered.js';
import { normalizeDomain, type Domain } from './normalize-domain.js';
import { suffixKind } from './public-suffix.js';

/** One raw entry of the config, with the field path it came from. */
export interface RawDomain {
  value: string;
  path: string;
}

/** The normalised list, or the errors that refuse it, with warnings about what was changed. */
export interface DomainListOutcome {
  domains: Domain[];
  results: Result[];
}

/** Sort key that keeps a domain next to its parent: `*.wikipedia.org` → `org.wikipedia.*`. */
function domainOrder(domain: string): string {
  return domain.split('.').reverse().join('.');
}

/**
 * Normalises every entry, refuses wildcards over a whole public suffix,
 * collapses duplicates, folds names a listed wildcard covers, and sorts the
 * list so the output does not depend on input order. Every refused entry is
 * an error result quoting it; an empty list is an error too.
 */
export function normalizeList(raw: readonly RawDomain[], listPath: string, file?: Result['file']): DomainListOutcome {
  const results: Result[] = [];
  const where = (path: string, value: string) => ({ field: { path, currentValue: value }, ...(file ? { file } : {}) });
  const seen = new Map<string, RawDomain>();
  for (const entry of raw) {
    const check = normalizeDomain(entry.value);
    if (!check.ok) {
      results.push(error(`domain ${JSON.stringify(entry.value)} ${check.reason}`, where(entry.path, entry.value)));
      continue;
    }
    for (const w of check.warnings ?? []) results.push(warning(`domain ${JSON.stringify(entry.value)} ${w}`, where(entry.path, entry.value)));
    if (check.domain.startsWith('*.')) {
      const kind = suffixKind(check.domain.slice(2));
      if (kind === 'icann') {
        results.push(error(`domain ${JSON.stringify(entry.value)} is a wildcard over the public suffix "${check.domain.slice(2)}": it would open every site under it`, where(entry.path, entry.value)));
        continue;
      }
      if (kind === 'private') {
        results.push(warning(`domain ${JSON.stringify(entry.value)} is a wildcard over "${check.domain.slice(2)}", where anyone can register a name (Public Suffix List, private section)`, where(entry.path, entry.value)));
      }
    }
    if (!seen.has(check.domain)) seen.set(check.domain, entry);
  }
  if (raw.length === 0) {
    results.push(error('the domain list is empty: list at least one domain', { field: { path: listPath } }));
  }
  const keyed = [...seen.keys()].map((d) => [domainOrder(d), d as Domain] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const { kept, folded } = foldCovered(keyed.map(([, d]) => d));
  for (const f of folded) {
    const entry = seen.get(f.name)!;
    results.push(warning(`domain ${JSON.stringify(entry.value)} is covered by "${f.by}" and is left out: Istio and Envoy refuse overlapping names`, where(entry.path, entry.value)));
  }
  return { domains: kept, results };
}
