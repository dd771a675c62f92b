import { isObject as isDataObject } from '../util/data.js';
import type { Node } from 'yaml';
import { ABSENT, RawText } from '../krm/emit-yaml.js';
import { parseFieldPath, valuesAt, type Segment } from '../paths/field-path.js';
import { ruleFor, type MergeRule, type Ownership } from './merge-rules.js';
import { isRenderedScalar, sameScalar } from './scalars.js';

/**
 * The merge itself, over plain values: what an item's field becomes when the
 * rendered resource is merged into it. The item's side is its "raw" form
 * (scalars as RawText, so unchanged text stays byte for byte); the result
 * holds RawText where the item's scalar already says what the rendered one
 * says, and rendered values elsewhere. The text layer (merge-item.ts) only
 * decides how to write the difference.
 */
export interface MergeScope {
  group: string;
  kind: string;
  /** Values for `{name}` placeholders in the table's `owned` tests (`routingNamespace`). */
  vars?: Readonly<Record<string, string>>;
  /** Every entry of a `set` list is the function's (an item it created), whatever the table says. */
  ownsAll?: boolean;
  /** An entry the table calls the function's that is still the user's (a name the user's ServiceEntries declare). */
  keepsEntry?(entry: string): boolean;
  /** Whether the list of strings at this concrete path is a set (a host list): its order is the user's. */
  unordered?(path: string): boolean;
}

/** `spec.tls.*.match` for `['spec', 'tls', 0, 'match']`. */
export function patternOf(segs: readonly (string | number)[]): string {
  return segs.map((s) => (typeof s === 'number' ? '*' : s)).join('.');
}

export { pathOf } from '../paths/concrete-path.js';

/** The string a raw or rendered scalar reads as. */
export function valueOf(x: unknown): string | undefined {
  if (x instanceof RawText) return x.value;
  if (isRenderedScalar(x) && x !== null) return String(x);
  return undefined;
}

/** A map of merged or raw data (RawText, a scalar's source, is not one). */
export const isObject = (x: unknown): x is Record<string, unknown> =>
  isDataObject(x) && !(x instanceof RawText);

// Merge keys are parsed once each: the table holds a few dozen.
const parsedKeys = new Map<string, Segment[]>();

/**
 * The value at a field path (paths/field-path.ts) inside a raw or rendered
 * element, as a string: the first scalar it reaches. `.` is the element
 * itself; a trailing `?` reads presence (`"yes"`/`""`) instead of the value.
 */
export function fieldOf(x: unknown, path: string): string | undefined {
  if (path === '.') return valueOf(x);
  const presence = path.endsWith('?');
  const body = presence ? path.slice(0, -1) : path;
  let segments = parsedKeys.get(body);
  if (!segments) {
    segments = parseFieldPath(body);
    parsedKeys.set(body, segments);
  }
  const found = valuesAt(x, segments, (v) => (v === ABSENT ? undefined : valueOf(v)));
  if (presence) return found === undefined ? '' : 'yes';
  return found?.[0];
}

/** Key of a list element under a `map` rule: its key fields, joined. */
export function keyOf(x: unknown, key: readonly string[]): string {
  return key.map((k) => fieldOf(x, k) ?? '').join('\u0000');
}

/**
 * Whether an element (or a set entry) is one the function writes, by the
 * table's `owned` test; `{name}` placeholders in it take the scope's values.
 */
export function ownedBy(
  o: Ownership | undefined,
  x: unknown,
  vars: Readonly<Record<string, string>> = {},
): boolean {
  if (!o) return false;
  const v = fieldOf(x, o.path);
  if (v === undefined) return false;
  const fill = (t: string) => t.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
  if (o.except?.some((e) => fill(e) === v)) return false;
  if (o.equals !== undefined) return v === fill(o.equals);
  return v.startsWith(fill(o.prefix ?? ''));
}

/** The rule that applies: the table's row, or the default for a list (by `name` when every element has one, else atomic). */
export function effectiveRule(
  scope: MergeScope,
  segs: readonly (string | number)[],
  rendered: unknown,
): MergeRule | undefined {
  const row = ruleFor(scope.group, scope.kind, patternOf(segs));
  if (row || !Array.isArray(rendered)) return row;
  return rendered.length > 0 && rendered.every((e) => isObject(e) && typeof e.name === 'string')
    ? { type: 'map', key: ['name'] }
    : { type: 'atomic' };
}

/** One element of a merged keyed list: where it came from. */
export type ListSlot =
  | { from: 'both'; item: number; rendered: number }
  | { from: 'item'; item: number }
  | { from: 'rendered'; rendered: number; after: number };

/**
 * How a keyed list merges: rendered elements matched to the item's by key,
 * new ones placed after the element matched to the rendered element before
 * them (`after`: an item index, -1 for the list's start… or the end when none
 * matched), the function's stale elements dropped, the user's kept in place.
 * `inOrder` is false when the matched elements are not in the rendered order:
 * the list is then written anew, rendered elements first.
 */
export function planKeyedList(
  items: readonly unknown[],
  rendered: readonly unknown[],
  key: readonly string[],
  owned?: Ownership,
): { slots: ListSlot[]; removed: number[]; inOrder: boolean } {
  const itemKeys = items.map((x) => keyOf(x, key));
  const taken = new Set<number>();
  const matchOf = rendered.map((r) => {
    const k = keyOf(r, key);
    const i = itemKeys.findIndex((ik, idx) => ik === k && !taken.has(idx));
    if (i >= 0) taken.add(i);
    return i;
  });
  const removed = items.map((_, i) => i).filter((i) => !taken.has(i) && ownedBy(owned, items[i]));
  const matched = matchOf.filter((i) => i >= 0);
  const inOrder = matched.every((v, i) => i === 0 || v > matched[i - 1]);
  const slots: ListSlot[] = [];
  if (!inOrder) {
    rendered.forEach((_, r) =>
      slots.push(
        matchOf[r] >= 0
          ? { from: 'both', item: matchOf[r], rendered: r }
          : { from: 'rendered', rendered: r, after: -1 },
      ),
    );
    items.forEach((_, i) => {
      if (!taken.has(i) && !removed.includes(i)) slots.push({ from: 'item', item: i });
    });
    return { slots, removed, inOrder };
  }
  // New rendered elements go after the item element matched to the last rendered element before them.
  const insertAfter = new Map<number, number[]>();
  let lastMatched = matched.length === 0 ? items.length - 1 : -1;
  rendered.forEach((_, r) => {
    if (matchOf[r] >= 0) lastMatched = matchOf[r]!;
    else {
      if (!insertAfter.has(lastMatched)) insertAfter.set(lastMatched, []);
      insertAfter.get(lastMatched)!.push(r);
    }
  });
  const pushInserts = (after: number) =>
    (insertAfter.get(after) ?? []).forEach((r) =>
      slots.push({ from: 'rendered', rendered: r, after }),
    );
  pushInserts(-1);
  items.forEach((_, i) => {
    if (!removed.includes(i)) {
      const r = matchOf.indexOf(i);
      slots.push(r >= 0 ? { from: 'both', item: i, rendered: r } : { from: 'item', item: i });
    }
    pushInserts(i);
  });
  return { slots, removed, inOrder };
}

/** Every part of the value is the rendered one, but a raw scalar that already says the same stays as written. */
export function atomicMerge(raw: unknown, rendered: unknown): unknown {
  if (isRenderedScalar(rendered))
    return raw instanceof RawText && sameScalar(rendered, raw.node as Node) ? raw : rendered;
  if (Array.isArray(rendered))
    return rendered.map((r, i) => atomicMerge(Array.isArray(raw) ? raw[i] : undefined, r));
  if (isObject(rendered)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rendered)) {
      if (v === undefined || v === ABSENT) continue;
      out[k] = atomicMerge(isObject(raw) ? raw[k] : undefined, v);
    }
    return out;
  }
  return rendered;
}

/** What the item's field becomes; ABSENT when the field must go. */
export function mergeValue(
  scope: MergeScope,
  raw: unknown,
  rendered: unknown,
  segs: readonly (string | number)[],
): unknown {
  if (rendered === ABSENT) return ABSENT;
  const rule = effectiveRule(scope, segs, rendered);
  if (rule?.type === 'create' && raw !== undefined) return raw;
  if (isRenderedScalar(rendered) || rule?.type === 'atomic' || rule?.type === 'create')
    return atomicMerge(raw, rendered);
  if (Array.isArray(rendered)) {
    const items: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [];
    if (rule?.type === 'set') {
      const strings = rendered.map(String);
      // Entries stay where they are unless the function wrote them and no longer renders them; new ones go last.
      const wanted = new Set(strings);
      const owns = (v: string) =>
        scope.ownsAll === true ||
        (ownedBy(rule.owned, v, scope.vars) && !(scope.keepsEntry?.(v) ?? false));
      const kept = items.filter((e) => {
        const v = valueOf(e);
        return v === undefined || wanted.has(v) || !owns(v);
      });
      const present = new Set(kept.map(valueOf));
      return [...kept, ...strings.filter((s) => !present.has(s))];
    }
    if (rule?.type === 'map' && Array.isArray(raw)) {
      const { slots } = planKeyedList(items, rendered, rule.key, rule.owned);
      return slots.map((s) =>
        s.from === 'item'
          ? items[s.item]
          : mergeValue(scope, s.from === 'both' ? items[s.item] : undefined, rendered[s.rendered], [
              ...segs,
              s.from === 'both' ? s.item : s.rendered,
            ]),
      );
    }
    return atomicMerge(raw, rendered);
  }
  if (isObject(rendered)) {
    if (!isObject(raw)) return atomicMerge(undefined, rendered);
    const out: Record<string, unknown> = { ...raw };
    let removed = false;
    for (const [k, v] of Object.entries(rendered)) {
      if (v === undefined) continue;
      const m = mergeValue(scope, raw[k], v, [...segs, k]);
      if (m === ABSENT) {
        removed ||= k in out;
        delete out[k];
      } else out[k] = m;
    }
    // A map the merge emptied (the last annotation it wrote gone) goes with its key.
    return removed && Object.keys(out).length === 0 ? ABSENT : out;
  }
  return rendered;
}

/** A merged or raw value as plain data, for results (`currentValue`, `proposedValue`). */
export function plainOf(x: unknown): unknown {
  if (x instanceof RawText) return x.value;
  if (x === ABSENT) return undefined;
  if (Array.isArray(x)) return x.map(plainOf);
  if (isObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plainOf(v)]));
  return x;
}
