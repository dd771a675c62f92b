import { normalizeDomain } from '../domains/normalize-domain.js';
import { compareDomains } from '../domains/normalize-list.js';
import { suffixKind } from '../domains/public-suffix.js';
import { registrableDomain } from './registrable-domain.js';

/** An entry to add to the list: the name or wildcard, the upstream ports it needs, and the names seen that it admits. */
export interface Suggestion {
  entry: string;
  ports: number[];
  covers: string[];
}

/** Whether a suggestion admits names other than itself (a wildcard, or an entry for several names). */
export function admitsOthers(s: Suggestion): boolean {
  return s.covers.length !== 1 || s.covers[0] !== s.entry;
}

/** `port 443`, `ports 443, 8443`. */
export function portsLabel(ports: readonly number[]): string {
  return `${ports.length === 1 ? 'port' : 'ports'} ${ports.join(', ')}`;
}

/** How many names under one registrable domain (its apex aside) make a wildcard. */
export const NAMES_FOR_WILDCARD = 2;

/**
 * Whether an entry may go into the list: the domain rules accept it as
 * written, and a wildcard's base is no public suffix, ICANN or private.
 */
export function isValidSuggestion(entry: string): boolean {
  const check = normalizeDomain(entry);
  if (!check.ok || check.domain !== entry) return false;
  return !entry.startsWith('*.') || suffixKind(entry.slice(2)) === undefined;
}

/**
 * Entries that admit every one of `names` (valid host names the list does
 * not admit on their port), folded as a careful reviewer would: per port,
 * two or more names under one registrable domain become `*.<registrable>`
 * (and its apex, if seen, stays an exact entry, since a wildcard never
 * admits its apex); a lone name stays exact. A wildcard the domain rules
 * would refuse (over a public suffix) falls back to the exact names.
 * Entries are sorted by domain; an entry needed on several ports lists them all.
 */
export function foldSuggestions(names: readonly { host: string; port: number }[]): Suggestion[] {
  const byEntry = new Map<string, { ports: Set<number>; covers: Set<string> }>();
  const add = (entry: string, port: number, covers: readonly string[]) => {
    if (!byEntry.has(entry)) byEntry.set(entry, { ports: new Set(), covers: new Set() });
    const s = byEntry.get(entry)!;
    s.ports.add(port);
    for (const c of covers) s.covers.add(c);
  };
  const ports = [...new Set(names.map((n) => n.port))];
  for (const port of ports) {
    const hosts = [...new Set(names.filter((n) => n.port === port).map((n) => n.host))];
    const groups = new Map<string, string[]>();
    for (const host of hosts) {
      // A name that is itself a public suffix has no registrable domain: it is its own group.
      const key = registrableDomain(host) ?? host;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(host);
    }
    for (const [registrable, group] of groups) {
      const under = group.filter((h) => h !== registrable);
      const wildcard = `*.${registrable}`;
      if (under.length >= NAMES_FOR_WILDCARD && isValidSuggestion(wildcard))
        add(wildcard, port, under);
      else for (const h of under) add(h, port, [h]);
      if (group.includes(registrable)) add(registrable, port, [registrable]);
    }
  }
  return [...byEntry.entries()]
    .filter(([entry]) => isValidSuggestion(entry))
    .map(([entry, s]) => ({
      entry,
      ports: [...s.ports].sort((a, b) => a - b),
      covers: [...s.covers].sort(compareDomains),
    }))
    .sort((a, b) => compareDomains(a.entry, b.entry));
}
