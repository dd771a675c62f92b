import { textOf } from '../util/data.js';
import { isMap, isScalar, isSeq, Scalar, type Node } from 'yaml';
import { ABSENT, emitYaml, RawText } from '../krm/emit-yaml.js';
import { formatScalar, isRenderedScalar, plainReadsAsString } from './scalars.js';

/** Replace `source[start, end)` with `text`; `depth` orders insertions at one position (deeper first). */
export interface Splice {
  start: number;
  end: number;
  text: string;
  depth: number;
}

/**
 * Applies splices that do not overlap. Insertions at one position come out
 * deepest first, then in the order they were made.
 */
export function applySplices(source: string, splices: readonly Splice[]): string {
  const ordered = splices
    .map((s, seq) => ({ ...s, seq }))
    .sort((a, b) => b.start - a.start || b.end - a.end || a.depth - b.depth || b.seq - a.seq);
  let text = source;
  for (const s of ordered) text = text.slice(0, s.start) + s.text + text.slice(s.end);
  return text;
}

/** Column of a position (characters since the line start). */
export function columnOf(source: string, pos: number): number {
  return pos - (source.lastIndexOf('\n', pos - 1) + 1);
}

/** Start of the line holding `pos`. */
export function lineStart(source: string, pos: number): number {
  return source.lastIndexOf('\n', pos - 1) + 1;
}

/** Block YAML of a value whose first line goes at the current position and the rest at column `col`. */
export function blockAt(value: unknown, col: number): string {
  const pad = ' '.repeat(col);
  return emitYaml(value)
    .split('\n')
    .map((l, i) => (i === 0 || l === '' ? l : pad + l))
    .join('\n');
}

/** Block YAML lines, each at column `col` (for lines inserted whole). */
export function linesAt(value: unknown, col: number): string {
  const pad = ' '.repeat(col);
  return emitYaml(value)
    .split('\n')
    .map((l) => (l === '' ? l : pad + l))
    .join('\n');
}

/** A map key as it may be written in flow or block style. */
function flowKey(k: string): string {
  return plainReadsAsString(k) ? k : JSON.stringify(k);
}

// Values are never changed once built: a collection's flow text is computed once however often asked.
const flowCache = new WeakMap<object, string>();

/** Flow YAML of a value (`{a: 1, b: [x]}`); strings quoted when a reader could take them for anything else. */
export function flowOf(value: unknown): string {
  if (value instanceof RawText) return value.text;
  if (value === null || typeof value !== 'object')
    return isRenderedScalar(value) ? formatScalar(value) : JSON.stringify(value);
  const cached = flowCache.get(value);
  if (cached !== undefined) return cached;
  const text = Array.isArray(value)
    ? `[${value.map(flowOf).join(', ')}]`
    : `{${Object.entries(value)
        .filter(([, v]) => v !== undefined && v !== ABSENT)
        .map(([k, v]) => `${flowKey(k)}: ${flowOf(v)}`)
        .join(', ')}}`;
  flowCache.set(value, text);
  return text;
}

/**
 * The item's own data as written: scalars as their source text (so `0800` or
 * `'yes'` stay what they were), collections as plain arrays and objects.
 */
export function rawOf(node: Node | null | undefined, source: string): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items)
      out[String(isScalar(pair.key) ? pair.key.value : pair.key)] = rawOf(
        pair.value as Node | null,
        source,
      );
    return out;
  }
  if (isSeq(node)) return node.items.map((x) => rawOf(x as Node | null, source));
  if (isScalar(node)) {
    const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
    const value = textOf(node.value);
    if (block || !node.range) return new RawText(JSON.stringify(value), value, node);
    const text = source.slice(node.range[0], node.range[1]);
    return new RawText(text.includes('\n') ? JSON.stringify(value) : text, value, node);
  }
  return null;
}
