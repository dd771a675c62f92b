import { fnv1a } from '../util/fnv1a.js';

/**
 * Splitting a long list over several objects, so each stays under the API
 * server's limits: a name's bucket is a hash of the name, so the same list
 * always gives the same objects, and adding or removing a name changes only
 * its own bucket (unless the number of buckets has to double).
 */

/** Bytes a name takes in a JSON list: the name, its quotes and a comma. */
const cost = (name: string) => name.length + 3;

// A name's hash, computed once per run however often its bucket is asked for.
const hashes = new Map<string, number>();

/** The bucket of a name among `count` (a power of two). */
export function bucketOf(name: string, count: number): number {
  if (count <= 1) return 0;
  let h = hashes.get(name);
  if (h === undefined) {
    h = parseInt(fnv1a(name), 16);
    hashes.set(name, h);
  }
  return h % count;
}

/**
 * The fewest buckets, a power of two, such that no bucket holds more than
 * `maxBytes` of names (each name weighing `weight` times its JSON bytes: a
 * name written in several places of one object) nor more than `maxItems` names.
 */
export function bucketCount(
  names: readonly string[],
  maxBytes: number,
  maxItems = Infinity,
  weight: (name: string) => number = () => 1,
): number {
  const total = names.reduce((n, s) => n + cost(s) * weight(s), 0);
  // Most lists fit one object: no hashing at all.
  if (total <= maxBytes && names.length <= maxItems) return 1;
  let count = 1;
  while (count < Math.ceil(total / maxBytes) || count < Math.ceil(names.length / maxItems))
    count *= 2;
  for (;;) {
    const bytes = new Array<number>(count).fill(0);
    const items = new Array<number>(count).fill(0);
    for (const s of names) {
      const b = bucketOf(s, count);
      bytes[b] += cost(s) * weight(s);
      items[b]++;
    }
    if (bytes.every((b) => b <= maxBytes) && items.every((i) => i <= maxItems)) return count;
    count *= 2;
  }
}

/** Splits names into `count` buckets, keeping their order inside each. */
export function splitInto<T extends string>(names: readonly T[], count: number): T[][] {
  const out: T[][] = Array.from({ length: count }, () => []);
  for (const s of names) out[bucketOf(s, count)].push(s);
  return out;
}
