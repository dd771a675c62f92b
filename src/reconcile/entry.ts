import type { ItemHeader } from '../krm/item-header.js';
import { ItemError, type ItemSource } from '../krm/item-source.js';
import type { Resource } from '../stack/resource.js';
import { isObject, type JsonObject } from '../util/data.js';

/**
 * How an input item relates to the list, decided from the item alone and the
 * rendered stack:
 * - `created`: the function rendered it (managed-by label and this list's
 *   annotation): it owns every rendered field and removes it when no longer
 *   rendered;
 * - `adopted`: the user's own item with the group, kind, namespace and name
 *   of a rendered resource, the namespace written in the item: only its host
 *   places are written (all of it with `wildcard-egress.dev/manage: all`),
 *   and it is never removed;
 * - `opted-in`: the user's own item carrying this list's annotation: its host
 *   places that fit take the list;
 * - `other`: anything else (targets and bound Gateways may still reach it).
 */
export type Role = 'created' | 'adopted' | 'opted-in' | 'other';

/** One input item as the reconcile sees it. */
export interface Entry {
  index: number;
  source: string;
  item?: ItemSource;
  header: ItemHeader;
  role: Role;
  /** The rendered resource with this item's identity (or that it adopts), if any. */
  rendered?: Resource;
  /** `wildcard-egress.dev/manage`: `hosts` keeps a created item to its host places, `all` hands an adopted one over. */
  manage?: 'hosts' | 'all';
}

/** Whether the run writes every rendered field of the item (not only its host places). */
export function ownsAllFields(e: Entry): boolean {
  if (!e.rendered) return false;
  if (e.role === 'created') return e.manage !== 'hosts';
  return e.role === 'adopted' && e.manage === 'all';
}

/** An item's data, or undefined when it has none or cannot be read (the reconcile reports that). */
export function entryData(e: Entry): JsonObject | undefined {
  if (!e.item) return undefined;
  try {
    const parsed = e.item.parse();
    const data: unknown = parsed.root.toJS(parsed.doc, { maxAliasCount: 100 });
    return isObject(data) ? data : undefined;
  } catch (err) {
    if (!(err instanceof ItemError)) throw err;
    return undefined;
  }
}

/** An item's spec, or an empty object when it has none or cannot be read. */
export function entrySpec(e: Entry): JsonObject {
  const data = entryData(e);
  return data && isObject(data.spec) ? data.spec : {};
}
