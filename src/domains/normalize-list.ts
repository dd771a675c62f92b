import { error, warning, type Result } from '../krm/results.js';
import { normalizeDomain, type Domain } from './normalize-domain.js';
import { suffixKind } from './public-suffix.js';

/** One raw entry of the config, with the field path it came from and where it applies. */
export interface RawDomain {
  value: string;
  path: string;
  /** Upstream ports; the run's upstreamPort when not given. */
  ports?: number[];
  /** HTTP (by Host header) for the native modes; TLS (by SNI) when not given. */
  protocol?: 'TLS' | 'HTTP';
  /** The team whose namespaces may reach it; the shared list when absent. */
  team?: string;
}

/** An accepted entry: the normalised name, where it applies, and the entry it came from. */
export interface DomainEntry {
  domain: Domain;
  ports?: number[];
  protocol?: 'TLS' | 'HTTP';
  team?: string;
  raw: RawDomain;
}

/** The accepted entries in domain order, and the errors and warnings about the rest. */
export interface DomainListOutcome {
  entries: DomainEntry[];
  results: Result[];
}

// The sort key of a name, computed once per run however often the name is sorted.
const orderKeys = new Map<string, string>();

/** Sort key that keeps a domain next to its parent: `*.wikipedia.org` → `org.wikipedia.*`. */
export function domainOrder(domain: string): string {
  let key = orderKeys.get(domain);
  if (key === undefined) {
    key = domain.split('.').reverse().join('.');
    orderKeys.set(domain, key);
  }
  return key;
}

/** Compares two domains by hierarchy. */
export function compareDomains(a: string, b: string): number {
  const ka = domainOrder(a);
  const kb = domainOrder(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A copy of the names in hierarchy order, each sort key computed once (not at every comparison). */
export function sortDomains<T extends string>(names: Iterable<T>): T[] {
  return [...names]
    .map((name) => [domainOrder(name), name] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, name]) => name);
}

/**
 * Normalises every entry and refuses wildcards over a whole public suffix.
 * Every refused entry is an error result quoting it; an empty shared list is
 * an error too. Folding and de-duplication happen per lane (see plan.ts).
 */
export function normalizeList(
  raw: readonly RawDomain[],
  listPath: string,
  file?: Result['file'],
  clusterDomain = 'cluster.local',
): DomainListOutcome {
  const results: Result[] = [];
  const where = (path: string, value: string) => ({
    field: { path, currentValue: value },
    ...(file ? { file } : {}),
  });
  const entries: DomainEntry[] = [];
  for (const entry of raw) {
    const check = normalizeDomain(entry.value);
    if (!check.ok) {
      results.push(
        error(
          `domain ${JSON.stringify(entry.value)} ${check.reason}`,
          where(entry.path, entry.value),
        ),
      );
      continue;
    }
    const inCluster = clusterName(check.domain, clusterDomain);
    if (inCluster) {
      results.push(
        error(`domain ${JSON.stringify(entry.value)} ${inCluster}`, where(entry.path, entry.value)),
      );
      continue;
    }
    for (const w of check.warnings ?? [])
      results.push(
        warning(`domain ${JSON.stringify(entry.value)} ${w}`, where(entry.path, entry.value)),
      );
    if (check.domain.startsWith('*.')) {
      const kind = suffixKind(check.domain.slice(2));
      if (kind === 'icann') {
        results.push(
          error(
            `domain ${JSON.stringify(entry.value)} is a wildcard over the public suffix "${check.domain.slice(2)}": it would open every site under it`,
            where(entry.path, entry.value),
          ),
        );
        continue;
      }
      if (kind === 'private') {
        results.push(
          warning(
            `domain ${JSON.stringify(entry.value)} is a wildcard over "${check.domain.slice(2)}", where anyone can register a name (Public Suffix List, private section)`,
            where(entry.path, entry.value),
          ),
        );
      }
    }
    entries.push({
      domain: check.domain,
      ...(entry.ports ? { ports: entry.ports } : {}),
      ...(entry.protocol ? { protocol: entry.protocol } : {}),
      ...(entry.team ? { team: entry.team } : {}),
      raw: entry,
    });
  }
  if (!raw.some((r) => r.team === undefined)) {
    results.push(
      error('the domain list is empty: list at least one domain', { field: { path: listPath } }),
    );
  }
  const keys = new Map(entries.map((e) => [e, domainOrder(e.domain)]));
  entries.sort((a, b) => (keys.get(a)! < keys.get(b)! ? -1 : keys.get(a)! > keys.get(b)! ? 1 : 0));
  return { entries, results };
}

/**
 * Why a name is no external host, or undefined: a name under the cluster's
 * own domain is a Service of the mesh, and a name of one label (`localhost`,
 * `intranet`) is read by istiod as short for `<name>.<namespace>.svc.<cluster
 * domain>` in a VirtualService (istio/api networking/v1alpha3
 * virtual_service.proto, `hosts`) while a ServiceEntry and Envoy take it as
 * written, so the places would disagree.
 */
function clusterName(domain: string, clusterDomain: string): string | undefined {
  const bare = domain.startsWith('*.') ? domain.slice(2) : domain;
  if (bare === clusterDomain || bare.endsWith(`.${clusterDomain}`))
    return `is a name inside the cluster (under ${clusterDomain}): the list holds external hosts only; the mesh reaches its own Services without it`;
  if (!domain.startsWith('*.') && !bare.includes('.'))
    return 'is a single label: istiod reads a short VirtualService host as a Service of the namespace, so the places would disagree; list the full name';
  return undefined;
}
