import { error, type Result } from '../krm/results.js';
import { normalizeDomain, type Domain } from './normalize-domain.js';

/** One raw entry of the config, with the field path it came from. */
export interface RawDomain {
  value: string;
  path: string;
}

/** The normalised list, or the errors that refuse it. */
export interface DomainListOutcome {
  domains: Domain[];
  results: Result[];
}

/** Sort key that keeps a domain next to its parent: `*.wikipedia.org` → `org.wikipedia.*`. */
function domainOrder(domain: string): string {
  return domain.split('.').reverse().join('.');
}

/**
 * Normalises every entry, collapses exact duplicates and sorts the list so the
 * output does not depend on input order. Every refused entry is an error
 * result quoting it; an empty list is an error too.
 */
export function normalizeList(raw: readonly RawDomain[], listPath: string, file?: Result['file']): DomainListOutcome {
  const results: Result[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    const check = normalizeDomain(entry.value);
    if (!check.ok) {
      results.push(error(`domain ${JSON.stringify(entry.value)} ${check.reason}`, {
        field: { path: entry.path, currentValue: entry.value },
        ...(file ? { file } : {}),
      }));
      continue;
    }
    seen.add(check.domain);
  }
  if (raw.length === 0) {
    results.push(error('the domain list is empty: list at least one domain', { field: { path: listPath } }));
  }
  const keyed = [...seen].map((d) => [domainOrder(d), d] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { domains: keyed.map(([, d]) => d as Domain), results };
}
