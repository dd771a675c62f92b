import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { keptListSplice } from '../merge/list-splice.js';
import { applySplices, type Splice } from '../merge/text-edits.js';
import { textOf } from '../util/data.js';
import { resolveFieldPath, parseFieldPath } from '../paths/field-path.js';
import type { PlaceNote } from './fit.js';
import type { HostPlace } from './host-places.js';

/** What a place should hold, or why it is left as it is. */
export type PlaceDecision =
  | { names: readonly string[]; keep?: readonly string[]; notes?: readonly PlaceNote[] }
  | { leave: { field: string; message: string; refuse: boolean } };

/** What one place held and what the list says it should hold. */
export interface PlaceOutcome {
  path: string;
  current: string[];
  proposed: string[];
  changed: boolean;
  /** Set when the place exists but cannot hold a list (e.g. it is a mapping); it is left as is. */
  problem?: string;
  /** Set when the list would break a limit of the field or the item's shape; the run fails. */
  refused?: { field: string; message: string };
  /** Set when the place is left as written, with the reason. */
  left?: { field: string; message: string };
  notes?: readonly PlaceNote[];
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

/** A Gateway server's hosts as the list: with the `namespace/` prefix its entries share, if any. */
function gatewayHosts(current: readonly string[], hosts: readonly string[]): string[] {
  const prefixes = new Set(
    current.map((h) => (h.includes('/') ? h.slice(0, h.indexOf('/') + 1) : '')),
  );
  const prefix = prefixes.size === 1 ? [...prefixes][0] : '';
  return hosts.map((h) => prefix + h);
}

/**
 * Rewrites the host places of one item in place, so every byte outside the
 * changed lists stays as written, and inside them every entry that stays
 * keeps its line, comment and position (new names go where the list's order
 * puts them, removed ones lose their line). `decide` says what each place
 * (by its concrete path) should hold; `owns` says which entries of a shared
 * list (a Sidecar's egress hosts) are the list's to change.
 */
export function editHostPlaces(
  source: string,
  root: Node,
  places: readonly HostPlace[],
  decide: (place: HostPlace, path: string) => PlaceDecision,
  routingNamespace: string,
  owns: (entry: string) => boolean,
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
        ? value.items.map((x) => (isScalar(x) ? textOf(x.value) : JSON.stringify(x)))
        : [];
      if (place.gatewayHosts && current.some((h) => h === '*' || h.endsWith('/*'))) continue;
      const decision = decide(place, hit.path);
      if ('leave' in decision) {
        const { refuse, ...why } = decision.leave;
        outcomes.push({
          path: hit.path,
          current,
          proposed: current,
          changed: false,
          ...(refuse ? { refused: why } : { left: why }),
        });
        continue;
      }
      const own = place.gatewayHosts
        ? gatewayHosts(current, decision.names)
        : formatHosts(place, decision.names, routingNamespace);
      const kept = place.keepForeign
        ? current.filter((h) => !owns(h))
        : current.filter((h) => decision.keep?.includes(h));
      const proposed = [...new Set([...kept, ...own])];
      const splice = keptListSplice(source, value, proposed, 0);
      const after = splice ? proposed : current;
      if (place.maxItems !== undefined && proposed.length > place.maxItems) {
        const message = `would hold ${proposed.length} hosts, over the limit of ${place.maxItems}; let the function render the stack's ServiceEntries, which split the list`;
        outcomes.push({
          path: hit.path,
          current,
          proposed,
          changed: false,
          refused: { field: hit.path, message },
        });
        continue;
      }
      outcomes.push({
        path: hit.path,
        current,
        proposed: after,
        changed: splice !== undefined,
        ...(decision.notes?.length ? { notes: decision.notes } : {}),
      });
      if (splice) splices.push(splice);
    }
  }
  return { text: splices.length === 0 ? source : applySplices(source, splices), outcomes };
}
