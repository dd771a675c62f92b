import { fnv1a } from '../util/fnv1a.js';

/**
 * Splitting a long list over several objects, so each stays under the API
 * server's limits: a name's bucket is a hash of the name, so the same list
 * always gives the same objects, and adding or removing a name changes only
 * its own bucket (unless the number of buckets has to double).
 */

/** Bytes a name takes in a JSON list: the name, its quotes and a comma. */
const cost = (name: string) => name.length + 3;

/** The bucket of a name among `count` (a power of two). */
export function bucketOf(name: string, count: number): number {
  return count <= 1 ? 0 : parseInt(fnv1a(name), 16) % count;
}

/**
 * The fewest buckets, a power of two, such that no bucket holds more than
 * `maxBytes` of names (each name weighing `weight` times its JSON bytes: a
 * name written in several places of one object) nor more than `maxItems` names.
 */
export function bucketCount(names: readonly string[], maxBytes: number, maxItems = Infinity, weight: (name: string) => number = () => 1): number {
  const total = names.reduce((n, s) => n + cost(s) * weight(s), 0);
  let count = 1;
  while (count < Math.ceil(total / maxBytes) || count < Math.ceil(names.length / maxItems)) count *= 2;
  for (;;) {
    const bytes = new Array<number>(count).fill(0);
    const items = new Array<number>(count).fill(0);
    for (const s of names) {
      const b = bucketOf(s, count);
      bytes[b]! += cost(s) * weight(s);
      items[b]!++;
    }
    if (bytes.every((b) => b <= maxBytes) && items.every((i) => i <= maxItems)) return count;
    count *= 2;
  }
}

/** Splits names into `count` buckets, keeping their order inside each. */
export function splitInto<T extends string>(names: readonly T[], count: number): T[][] {
  const out: T[][] = Array.from({ length: count }, () => []);
  for (const s of names) out[bucketOf(s, count)]!.push(s);
  return out;
}
