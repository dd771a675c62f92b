import type { YAMLMap } from 'yaml';
import { ItemSource } from '../krm/item-source.js';
import { error, info, warning, type Result } from '../krm/results.js';
import { mergeItem } from '../merge/merge-item.js';
import type { MergeScope } from '../merge/merge-values.js';
import type { PlaceOutcome } from '../places/edit-host-places.js';
import type { Resource } from '../stack/resource.js';
import type { Entry } from './entry.js';
import { hostPlacePaths, mergeable } from './merge-input.js';
import { MANAGE_ANNOTATION } from '../places/host-places.js';
import { about, label } from './report.js';

/** What the run tells the user about items of theirs it adopted or filled. */

/** Fields named in the info about an adopted item's own fields; the rest are counted. */
const DRIFT_SHOWN = 6;

/**
 * An adopted item keeps its own fields: an info names those that differ
 * from what the function renders (a dry-run merge), an error in check mode,
 * and one warning for the run names the items and says how to hand them over.
 */
export function driftOf(
  e: Entry,
  rendered: Resource,
  text: string,
  scope: MergeScope,
  check: boolean,
): { fields: string[]; results: Result[] } {
  const dry = mergeItem(
    text,
    (text === e.source ? e.item!.parse() : new ItemSource(text).parse()).root as YAMLMap,
    mergeable(rendered, false),
    scope,
  );
  const places = hostPlacePaths(rendered);
  const fields = dry.changes.map((c) => c.path).filter((p) => !places.has(p));
  if (fields.length === 0) return { fields, results: [] };
  const shown = fields.slice(0, DRIFT_SHOWN).join(', ');
  const more = fields.length > DRIFT_SHOWN ? ` and ${fields.length - DRIFT_SHOWN} more` : '';
  return {
    fields,
    results: [
      check
        ? error(
            `${fields.length} field(s) differ from what the function renders (${shown}${more}); the item is yours, so runs keep them as written: set them as rendered, or annotate it with ${MANAGE_ANNOTATION}: all to hand them to the function`,
            about(e.header),
          )
        : info(
            `kept as written: ${fields.length} field(s) differ from what the function renders (${shown}${more})`,
            about(e.header),
          ),
    ],
  };
}

/**
 * Names an item of the user's own loses that other items still route by
 * name (a VirtualService's hosts, a DestinationRule's host): one warning, so
 * the user sees what no longer has a declaration.
 */
export function danglingNames(
  e: Entry,
  oc: PlaceOutcome,
  routedBy: ReadonlyMap<string, Entry[]>,
): Result[] {
  const dropped = oc.current.filter((h) => !oc.proposed.includes(h));
  const users = new Map<string, string[]>();
  for (const h of dropped) {
    const by = (routedBy.get(h) ?? []).filter((x) => x !== e);
    if (by.length > 0)
      users.set(
        h,
        by.map((x) => label(x.header)),
      );
  }
  if (users.size === 0) return [];
  const who = [...new Set([...users.values()].flat())].join(', ');
  return [
    warning(
      `no longer holds ${[...users.keys()].join(', ')}, which ${who} still route${who.includes(',') ? '' : 's'} by name: add ${users.size === 1 ? 'it' : 'them'} to the list, or keep ${users.size === 1 ? 'it' : 'them'} in a ServiceEntry of ${users.size === 1 ? 'its' : 'their'} own`,
      { ...about(e.header), field: { path: oc.path } },
    ),
  ];
}
