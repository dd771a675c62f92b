import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { applySplices, stringListSplice, type Splice } from '../merge/text-edits.js';
import { resolveFieldPath, parseFieldPath } from './field-path.js';
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

/** Hosts as a place writes them: `{host}` and `{routingNamespace}` replaced. */
export function formatHosts(
  place: HostPlace,
  hosts: readonly string[],
  routingNamespace: string,
): string[] {
  if (!place.format) return [...hosts];
  return hosts.map((h) =>
    place.format!.replaceAll('{routingNamespace}', routingNamespace).replaceAll('{host}', h),
  );
}

/**
 * Whether an entry of a shared list (a Sidecar's egress hosts) belongs to the
 * list: `<routingNamespace>/<host>`, except the namespace-wide `<routingNamespace>/*`.
 */
export function isOwnedEntry(entry: string, routingNamespace: string): boolean {
  const prefix = `${routingNamespace}/`;
  return entry.startsWith(prefix) && entry !== `${prefix}*`;
}

/** A Gateway server's hosts as the list: with the `namespace/` prefix its entries share, if any. */
function gatewayHosts(current: readonly string[], hosts: readonly string[]): string[] {
  const prefixes = new Set(
    current.map((h) => (h.includes('/') ? h.slice(0, h.indexOf('/') + 1) : '')),
  );
  const prefix = prefixes.size === 1 ? [...prefixes][0] : '';
  return hosts.map((h) => prefix + h);
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
    for (const hit of resolveFieldPath(root, parseFieldPath(place.path))) {
      const value = hit.value;
      if (isMap(value)) {
        outcomes.push({
          path: hit.path,
          current: [],
          proposed: [],
          changed: false,
          problem: 'is a mapping, not a list',
        });
        continue;
      }
      const current = isSeq(value)
        ? value.items.map((x) => (isScalar(x) ? String(x.value) : JSON.stringify(x)))
        : [];
      if (place.gatewayHosts && current.some((h) => h === '*' || h.endsWith('/*'))) continue;
      const own = place.gatewayHosts
        ? gatewayHosts(current, hostsAt(hit.path))
        : formatHosts(place, hostsAt(hit.path), routingNamespace);
      const foreign = current.filter((h) => !isOwnedEntry(h, routingNamespace));
      const proposed = place.keepForeign ? [...foreign, ...own] : own;
      const changed =
        !isSeq(value) ||
        current.length !== proposed.length ||
        current.some((h, i) => h !== proposed[i]);
      if (place.maxItems !== undefined && proposed.length > place.maxItems) {
        const refused = `would hold ${proposed.length} hosts, over the limit of ${place.maxItems}`;
        outcomes.push({ path: hit.path, current, proposed, changed: false, refused });
        continue;
      }
      outcomes.push({ path: hit.path, current, proposed, changed });
      if (changed) splices.push(stringListSplice(source, value, proposed, 0));
    }
  }
  return { text: splices.length === 0 ? source : applySplices(source, splices), outcomes };
}
