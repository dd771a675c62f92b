import type { ItemHeader } from '../krm/item-header.js';
import { ItemError, ItemSource } from '../krm/item-source.js';
import { error, warning, type Result } from '../krm/results.js';
import type { Resource } from '../stack/resource.js';
import { MAX_OBJECT_BYTES, WARN_OBJECT_BYTES } from '../stack/limits.js';
import { about } from './report.js';

/** Names shorter than this many bytes in all cannot bring an object near the limits. */
export const SIZE_CHECK_FROM = 16 * 1024;

/**
 * An object's size as JSON (what `kubectl apply` keeps in its annotation): a
 * warning past 200 KiB; an item the user owns that the list pushes past 256
 * KiB is refused (the function splits only what it renders).
 */
export function sizeProblems(
  object: string | Resource,
  h: ItemHeader,
  userOwned: boolean,
): Result[] {
  let data: unknown = object;
  if (typeof object === 'string') {
    // JSON of a block-style item is at most about 1.5 times its YAML: shorter items need no parse.
    if (object.length * 1.5 < WARN_OBJECT_BYTES) return [];
    try {
      const parsed = new ItemSource(object).parse();
      data = parsed.root.toJS(parsed.doc, { maxAliasCount: 100 });
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      return [];
    }
  }
  const bytes = JSON.stringify(data).length;
  const kib = (bytes / 1024).toFixed(1);
  if (userOwned && bytes > MAX_OBJECT_BYTES) {
    return [
      error(
        `would be ${kib} KiB as JSON with the list, over the ${MAX_OBJECT_BYTES / 1024} KiB kubectl apply can store: the function splits only what it renders; let it render this object, or shorten the list`,
        about(h),
      ),
    ];
  }
  if (bytes > WARN_OBJECT_BYTES)
    return [
      warning(
        `is ${kib} KiB as JSON, near the ${MAX_OBJECT_BYTES / 1024} KiB kubectl apply (client-side) can store`,
        about(h),
      ),
    ];
  return [];
}
