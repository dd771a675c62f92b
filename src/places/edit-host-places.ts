import { isMap, isScalar, isSeq, Scalar, type Node } from 'yaml';
import { parseFieldPath, resolveFieldPath } from './field-path.js';
import type { HostPlace } from './host-places.js';

/** What one place held and what the list says it should hold. */
export interface PlaceOutcome {
  path: string;
  current: string[];
  proposed: string[];
  changed: boolean;
  /** Set when the place exists but cannot hold a list (e.g. it is a mapping); it is left as is. */
  problem?: string;
  /** Set when the list would break a limit of the field; the place is left as is and the run fails. */
  refused?: string;
}

/** The item's new source and what happened at each place. */
export interface ItemEdit {
  text: string;
  outcomes: PlaceOutcome[];
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Hosts as a place writes them: `{host}` and `{routingNamespace}` replaced. */
export function formatHosts(place: HostPlace, hosts: readonly string[], routingNamespace: string): string[] {
  if (!place.format) return [...hosts];
  return hosts.map((h) => place.format!.replaceAll('{routingNamespace}', routingNamespace).replaceAll('{host}', h));
}

/**
 * Whether an entry of a shared list (a Sidecar's egress hosts) belongs to the
 * list: `<routingNamespace>/<host>`, except the namespace-wide `<routingNamespace>/*`.
 */
export function isOwnedEntry(entry: string, routingNamespace: string): boolean {
  const prefix = `${routingNamespace}/`;
  return entry.startsWith(prefix) && entry !== `${prefix}*`;
}

/**
 * Rewrites the host places of one item by splicing new text over each list's
 * source range, so every byte outside the changed lists stays as written.
 * `root` is the item's mapping node, parsed from `source`; `hostsAt` gives the
 * names each place (by its concrete path) should hold.
 */
export function editHostPlaces(
  source: string,
  root: Node,
  places: readonly HostPlace[],
  hostsAt: (path: string) => readonly string[],
  routingNamespace: string,
): ItemEdit {
  const outcomes: PlaceOutcome[] = [];
  const splices: Splice[] = [];
  for (const place of places) {
    const segments = parseFieldPath(place.path);
    for (const hit of resolveFieldPath(root, segments)) {
      const value = hit.value;
      if (isMap(value)) {
        outcomes.push({ path: hit.path, current: [], proposed: [], changed: false, problem: 'is a mapping, not a list' });
        continue;
      }
      const current = isSeq(value) ? value.items.map((x) => (isScalar(x) ? String(x.value) : JSON.stringify(x))) : [];
      const own = formatHosts(place, hostsAt(hit.path), routingNamespace);
      const foreign = current.filter((h) => !isOwnedEntry(h, routingNamespace));
      const proposed = place.keepForeign ? [...foreign, ...own] : own;
      const changed = !isSeq(value) || current.length !== proposed.length || current.some((h, i) => h !== proposed[i]);
      if (place.maxItems !== undefined && proposed.length > place.maxItems) {
        const refused = `would hold ${proposed.length} hosts, over the limit of ${place.maxItems}`;
        outcomes.push({ path: hit.path, current, proposed, changed: false, refused });
        continue;
      }
      outcomes.push({ path: hit.path, current, proposed, changed });
      if (changed) splices.push(spliceFor(source, value, proposed));
    }
  }
  splices.sort((a, b) => b.start - a.start);
  let text = source;
  for (const s of splices) text = text.slice(0, s.start) + s.text + text.slice(s.end);
  return { text, outcomes };
}

type Style = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

function styleOf(value: Node | null): Style {
  if (isSeq(value)) {
    const first = value.items.find((x) => isScalar(x)) as Scalar | undefined;
    if (first?.type === 'QUOTE_SINGLE' || first?.type === 'PLAIN') return first.type;
  }
  return 'QUOTE_DOUBLE';
}

// Plain only when no YAML reader could take it for anything but this string.
const PLAIN_SAFE = /^[a-z0-9][a-z0-9./*-]*$/;

function quote(host: string, style: Style): string {
  if (style === 'PLAIN' && PLAIN_SAFE.test(host) && host.includes('.') && !/^[0-9.e+-]+$/.test(host)) return host;
  if (style === 'QUOTE_SINGLE') return `'${host.replaceAll("'", "''")}'`;
  return JSON.stringify(host);
}

function spliceFor(source: string, value: Node | null, hosts: readonly string[]): Splice {
  const style = styleOf(value);
  const range = value?.range;
  if (!range) throw new Error('host place has no source range');
  const [start, end] = range;
  if (isSeq(value) && !value.flow && value.items.length > 0) {
    const lineStart = source.lastIndexOf('\n', start - 1) + 1;
    const pad = ' '.repeat(start - lineStart);
    const trailing = source.slice(start, end).endsWith('\n') ? '\n' : '';
    const body = hosts.map((h) => `- ${quote(h, style)}`).join(`\n${pad}`);
    // An emptied block list becomes `[]` at the dash's place.
    return { start, end, text: (hosts.length === 0 ? '[]' : body) + trailing };
  }
  const flow = `[${hosts.map((h) => quote(h, style)).join(', ')}]`;
  if (isScalar(value) && start === end) {
    // `hosts:` with no value: the empty scalar sits right after the colon.
    return { start, end, text: ` ${flow}` };
  }
  return { start, end, text: flow };
}
