import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { ABSENT, RawText } from '../krm/emit-yaml.js';
import { keptListSplice, stringListSplice } from './list-splice.js';
import {
  effectiveRule,
  isObject,
  mergeValue,
  pathOf,
  plainOf,
  planKeyedList,
  type MergeScope,
} from './merge-values.js';
import {
  applySplices,
  blockAt,
  columnOf,
  flowOf,
  lineStart,
  linesAt,
  rawOf,
  type Splice,
} from './text-edits.js';

/** One field the merge changed: where, what it held, what it holds now (undefined: absent). */
export interface FieldChange {
  path: string;
  current: unknown;
  proposed: unknown;
}

/** The item's new text and every field that changed. */
export interface ItemMerge {
  text: string;
  changes: FieldChange[];
}

/** Where a node sits: the value of a key (whose column new block lines follow) or an element of a list. */
type Place = { kind: 'value'; keyCol: number } | { kind: 'item' };

const isEmptyCollection = (x: unknown) =>
  (Array.isArray(x) && x.length === 0) ||
  (isObject(x) && Object.values(x).every((v) => v === undefined || v === ABSENT));

/**
 * Merges a rendered resource into one item's source: every field the
 * renderer sets takes the rendered value (by the rules of merge-rules.ts),
 * fields only the user wrote stay, and the text changes only where a value
 * changes, so comments, quoting and layout elsewhere stay byte for byte.
 * `rendered` holds the fields to merge (identity fields left out).
 */
export function mergeItem(
  source: string,
  root: YAMLMap,
  rendered: Record<string, unknown>,
  scope: MergeScope,
): ItemMerge {
  const splices: Splice[] = [];
  const changes: FieldChange[] = [];
  const raw = rawOf(root, source);
  const merged = mergeValue(scope, raw, rendered, []);
  writeNode(root, raw, merged, rendered, [], { kind: 'item' });
  return { text: splices.length === 0 ? source : applySplices(source, splices), changes };

  function change(segs: readonly (string | number)[], current: unknown, proposed: unknown): void {
    changes.push({ path: pathOf(segs), current: plainOf(current), proposed: plainOf(proposed) });
  }

  /**
   * Writes the difference between a node's raw value and its merged value:
   * into block maps key by key, into block lists element by element (keyed
   * lists by their plan, others by position when the length stays), lists of
   * strings in their own style; anything else is written over whole.
   */
  function writeNode(
    node: Node | null,
    rawValue: unknown,
    mergedValue: unknown,
    renderedValue: unknown,
    segs: (string | number)[],
    place: Place,
  ): void {
    if (flowOf(rawValue) === flowOf(mergedValue)) return;
    const rule = effectiveRule(scope, segs, renderedValue);
    if (isMap(node) && !node.flow && isObject(mergedValue) && isObject(rawValue))
      return writeMap(node, rawValue, mergedValue, renderedValue, segs);
    if (
      isSeq(node) &&
      !node.flow &&
      Array.isArray(rawValue) &&
      Array.isArray(mergedValue) &&
      mergedValue.length > 0 &&
      node.items.every((x) => isMap(x))
    ) {
      if (rule?.type === 'map' && Array.isArray(renderedValue)) {
        const plan = planKeyedList(rawValue, renderedValue, rule.key, rule.owned);
        if (plan.inOrder)
          return writeKeyedList(node, rawValue, mergedValue, renderedValue, plan, segs);
      } else if (rawValue.length === mergedValue.length && mergedValue.every((x) => isObject(x))) {
        const items = node.items as Node[];
        mergedValue.forEach((m, i) =>
          writeNode(
            items[i],
            rawValue[i],
            m,
            Array.isArray(renderedValue) ? renderedValue[i] : undefined,
            [...segs, i],
            { kind: 'item' },
          ),
        );
        return;
      }
    }
    if (
      isSeq(node) &&
      Array.isArray(mergedValue) &&
      mergedValue.every((x) => typeof x === 'string' || x instanceof RawText)
    ) {
      const strings = mergedValue.map((x) => (x instanceof RawText ? x.value : String(x)));
      if (rule?.type === 'set' || scope.unordered?.(pathOf(segs))) {
        // A list whose order means nothing (host lists): what stays keeps its line and place.
        const splice = keptListSplice(source, node, strings, segs.length);
        if (!splice) return;
        change(segs, rawValue, mergedValue);
        splices.push(splice);
        return;
      }
      change(segs, rawValue, mergedValue);
      splices.push(stringListSplice(source, node, strings, segs.length));
      return;
    }
    change(segs, rawValue, mergedValue);
    replaceNode(node, mergedValue, segs.length, place);
  }

  function writeMap(
    node: YAMLMap,
    rawValue: Record<string, unknown>,
    mergedValue: Record<string, unknown>,
    renderedValue: unknown,
    segs: (string | number)[],
  ): void {
    const col = columnOf(source, node.range![0]);
    const pairOf = (k: string) =>
      node.items.find((p) => isScalar(p.key) && String(p.key.value) === k) as
        Pair<Node, Node | null> | undefined;
    for (const k of Object.keys(rawValue)) {
      const pair = pairOf(k);
      if (pair && !(k in mergedValue)) {
        change([...segs, k], rawValue[k], undefined);
        splices.push(removePair(node, pair, segs.length));
      }
    }
    for (const [k, v] of Object.entries(mergedValue)) {
      const pair = pairOf(k);
      const renderedChild = isObject(renderedValue) ? renderedValue[k] : undefined;
      if (pair) {
        writeNode(pair.value, rawValue[k], v, renderedChild, [...segs, k], {
          kind: 'value',
          keyCol: columnOf(source, pair.key.range![0]),
        });
      } else {
        change([...segs, k], undefined, v);
        splices.push({
          start: node.range![1],
          end: node.range![1],
          text: prefixNewline(node) + linesAt({ [k]: v }, col),
          depth: segs.length,
        });
      }
    }
  }

  function writeKeyedList(
    node: YAMLSeq,
    rawValue: unknown[],
    mergedValue: unknown[],
    renderedValue: unknown[],
    plan: ReturnType<typeof planKeyedList>,
    segs: (string | number)[],
  ): void {
    const items = node.items as (Node | null)[];
    const dashCol = columnOf(source, dashOf(items[0]!));
    for (const i of plan.removed) {
      change([...segs, i], rawValue[i], undefined);
      splices.push({
        start: lineStart(source, dashOf(items[i]!)),
        end: elementEnd(node, i),
        text: '',
        depth: segs.length,
      });
    }
    plan.slots.forEach((slot, at) => {
      if (slot.from === 'both') {
        writeNode(
          items[slot.item],
          rawValue[slot.item],
          mergedValue[at],
          renderedValue[slot.rendered],
          [...segs, slot.item],
          { kind: 'item' },
        );
      } else if (slot.from === 'rendered') {
        const pos =
          slot.after < 0 ? lineStart(source, dashOf(items[0]!)) : elementEnd(node, slot.after);
        change([...segs, at], undefined, mergedValue[at]);
        splices.push({
          start: pos,
          end: pos,
          text: linesAt([mergedValue[at]], dashCol),
          depth: segs.length + 1,
        });
      }
    });
  }

  /** Writes a new value over a node: block where the node was block (or inline but now a collection), flow inside flow. */
  function replaceNode(node: Node | null, value: unknown, depth: number, place: Place): void {
    const range = node?.range;
    if (!range) throw new Error('node has no source range');
    const [start, end] = range;
    const collection = (isMap(node) || isSeq(node)) && !node.flow;
    if (value === ABSENT) throw new Error('a removed field reached replaceNode');
    if (collection) {
      const col = columnOf(source, start);
      const text =
        isEmptyCollection(value) || !(isObject(value) || Array.isArray(value))
          ? `${flowOf(value)}\n`
          : blockAt(value, col);
      splices.push({ start, end, text, depth });
      return;
    }
    const inline = start === end ? ` ${flowOf(value)}` : flowOf(value);
    // A flow collection stays flow (`labels: {a: b}` takes its new key inside the braces).
    const flow = (isMap(node) || isSeq(node)) && node.flow === true;
    if (
      flow ||
      isEmptyCollection(value) ||
      !(isObject(value) || Array.isArray(value)) ||
      insideFlow(start)
    ) {
      splices.push({ start, end, text: inline, depth });
      return;
    }
    if (place.kind === 'item') {
      // `- x` becomes `- a: b` with the rest under it.
      splices.push({
        start,
        end,
        text: blockAt(value, columnOf(source, start)).replace(/\n$/, ''),
        depth,
      });
      return;
    }
    const col = place.keyCol + (Array.isArray(value) ? 0 : 2);
    splices.push({ start, end, text: `\n${linesAt(value, col).replace(/\n$/, '')}`, depth });
  }

  /** Whether a position lies inside a flow collection (an unclosed `[` or `{` on its line before it). */
  function insideFlow(pos: number): boolean {
    const before = source.slice(lineStart(source, pos), pos);
    let depth = 0;
    for (const c of before.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, '')) {
      if (c === '[' || c === '{') depth++;
      if (c === ']' || c === '}') depth--;
    }
    return depth > 0;
  }

  /** Position of the `-` that starts a block list element. */
  function dashOf(node: Node): number {
    let i = node.range![0] - 1;
    while (i >= 0 && source[i] !== '-') {
      if (!/\s/.test(source[i])) throw new Error('list element without a dash before it');
      i--;
    }
    return i;
  }

  /** End of element `i` of a block list: where the next element's line starts, or where the list ends. */
  function elementEnd(seq: YAMLSeq, i: number): number {
    const next = seq.items[i + 1] as Node | undefined;
    return next ? lineStart(source, dashOf(next)) : seq.range![1];
  }

  /** A line break before inserted lines when the map's text does not end with one. */
  function prefixNewline(map: YAMLMap): string {
    const end = map.range![1];
    return end > 0 && source[end - 1] !== '\n' ? '\n' : '';
  }

  /** Removes a key and its value from a block map; a key on a list's dash line gives the line to the next key. */
  function removePair(map: YAMLMap, pair: Pair<Node, Node | null>, depth: number): Splice {
    const keyStart = pair.key.range![0];
    const index = map.items.indexOf(pair);
    const next = map.items[index + 1] as Pair<Node, Node | null> | undefined;
    const end = next ? lineStart(source, next.key.range![0]) : map.range![1];
    const from = lineStart(source, keyStart);
    if (source.slice(from, keyStart).trim() !== '') {
      // `- key: v` with the pair first after the dash: the next key moves up onto the dash line.
      const nextKey = next ? next.key.range![0] : end;
      return { start: keyStart, end: nextKey, text: next ? '' : '{}\n', depth };
    }
    return { start: from, end, text: '', depth };
  }
}
