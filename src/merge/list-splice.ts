import { isScalar, isSeq, type Node, type Scalar, type YAMLSeq } from 'yaml';
import { textOf } from '../util/data.js';
import { flowLinesSplice } from './flow-lines.js';
import { plainReadsAsString } from './scalars.js';
import { columnOf, lineStart, type Splice } from './text-edits.js';

/** How the entries of a list of strings are quoted, to write new ones the way the old ones are. */
type ListStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

function listStyle(value: Node | null): ListStyle {
  if (isSeq(value)) {
    const first = value.items.find((x): x is Scalar => isScalar(x));
    if (first?.type === 'QUOTE_SINGLE' || first?.type === 'PLAIN') return first.type;
  }
  return 'QUOTE_DOUBLE';
}

function quoteIn(style: ListStyle, v: string): string {
  if (style === 'PLAIN' && plainReadsAsString(v)) return v;
  if (style === 'QUOTE_SINGLE') return `'${v.replaceAll("'", "''")}'`;
  return JSON.stringify(v);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Fewer entries than this in order are no evidence of an order: new ones are appended. */
const EVIDENT_FROM = 3;

/**
 * The order the entries already follow strictly, as a person keeps a list
 * (alphabetical), or undefined when they follow none.
 */
function evidentOrder(values: readonly string[]): ((a: string, b: string) => number) | undefined {
  if (values.length < EVIDENT_FROM) return undefined;
  return values.every((v, i) => i === 0 || byText(values[i - 1], v) < 0) ? byText : undefined;
}

/**
 * The entries of a list of strings after an edit that keeps what stays where
 * it is: entries still wanted keep their position (first occurrence only),
 * the others go, and new ones are placed by the order the list evidently
 * follows (alphabetical), or appended when it follows none.
 * Returns, for each kept entry, its index in `current`; new entries as strings.
 */
export function keptListOrder(
  current: readonly string[],
  wanted: readonly string[],
): (number | string)[] {
  const want = new Set(wanted);
  const seen = new Set<string>();
  const kept: number[] = [];
  current.forEach((v, i) => {
    if (want.has(v) && !seen.has(v)) {
      seen.add(v);
      kept.push(i);
    }
  });
  const added = wanted.filter((v, i) => !seen.has(v) && wanted.indexOf(v) === i);
  const order = evidentOrder(kept.map((i) => current[i]));
  const out: (number | string)[] = [...kept];
  if (!order) return [...out, ...added];
  for (const name of [...added].sort(order)) {
    const at = out.findIndex((x) => order(typeof x === 'number' ? current[x] : x, name) > 0);
    if (at < 0) out.push(name);
    else out.splice(at, 0, name);
  }
  return out;
}

/** Whether two lists hold the same strings, whatever their order and repeats. */
export function sameEntries(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** End of the line holding `pos` (after its line break), or the end of the text. */
function lineEndAfter(source: string, pos: number): number {
  const nl = source.indexOf('\n', pos);
  return nl < 0 ? source.length : nl + 1;
}

/** Position of the `-` of a block list element. */
function dashBefore(source: string, node: Node): number {
  let i = node.range![0] - 1;
  while (i >= 0 && source[i] !== '-') i--;
  return i;
}

function entryValues(seq: YAMLSeq): string[] {
  return seq.items.map((x) => (isScalar(x) ? textOf(x.value) : JSON.stringify(x)));
}

/**
 * A splice that turns a list of strings into `wanted` while keeping what
 * stays: kept entries keep their line (comments and quoting included) and
 * position, dropped ones lose their line, new ones are written in the list's
 * style at the place its order gives. A flow list written one entry a line
 * is edited line by line (flow-lines.ts); another flow list is written anew
 * in the new order; a field with no list (`hosts:`) gets a flow list. Undefined when
 * the list already holds exactly these entries.
 */
export function keptListSplice(
  source: string,
  value: Node | null,
  wanted: readonly string[],
  depth: number,
): Splice | undefined {
  const range = value?.range;
  if (!range) throw new Error('list has no source range');
  const current = isSeq(value) ? entryValues(value) : [];
  const order = keptListOrder(current, wanted);
  const unchanged =
    isSeq(value) && order.length === current.length && order.every((x, i) => x === i);
  if (unchanged) return undefined;
  const style = listStyle(value);
  const [start, end] = range;
  if (isSeq(value) && value.flow && value.items.length > 0 && order.length > 0) {
    const quoted = order.map((x) => (typeof x === 'number' ? x : quoteIn(style, x)));
    const lines = flowLinesSplice(source, value, quoted, depth);
    if (lines) return lines;
  }
  if (!isSeq(value) || value.flow || value.items.length === 0 || order.length === 0) {
    const names = order.map((x) => (typeof x === 'number' ? current[x] : x));
    const flow = `[${names.map((h) => quoteIn(style, h)).join(', ')}]`;
    if (isSeq(value) && !value.flow && value.items.length > 0) {
      // An emptied block list: its lines give way to `[]`, indented past its dashes so that it
      // still reads as the key's value when the dashes stood at the key's own column.
      const from = lineStart(source, dashBefore(source, value.items[0] as Node));
      const pad = ' '.repeat(columnOf(source, dashBefore(source, value.items[0] as Node)) + 2);
      const trailing = source.slice(start, end).endsWith('\n') ? '\n' : '';
      return { start: from, end, text: `${pad}${flow}${trailing}`, depth };
    }
    if (isScalar(value) && start === end) return { start, end, text: ` ${flow}`, depth };
    return { start, end, text: flow, depth };
  }
  const items = value.items as Node[];
  const spans = items.map((item) => ({
    from: lineStart(source, dashBefore(source, item)),
    to: lineEndAfter(source, item.range![1]),
  }));
  const regionStart = spans[0].from;
  const regionEnd = Math.max(end, spans[spans.length - 1].to);
  const pad = ' '.repeat(columnOf(source, dashBefore(source, items[0])));
  // The text between elements (comment lines, blank lines) stays where it is.
  const gapBefore = (i: number) =>
    source.slice(i === 0 ? regionStart : spans[i - 1].to, spans[i].from);
  // A list in a CRLF file gets CRLF lines.
  const eol = source.slice(spans[0].from, spans[0].to).endsWith('\r\n') ? '\r\n' : '\n';
  let text = '';
  const add = (piece: string) => {
    if (piece === '') return;
    if (text !== '' && !text.endsWith('\n')) text += eol;
    text += piece;
  };
  let next = 0;
  for (const x of order) {
    if (typeof x === 'number') {
      for (; next <= x; next++) add(gapBefore(next));
      add(source.slice(spans[x].from, spans[x].to));
    } else add(`${pad}- ${quoteIn(style, x)}${eol}`);
  }
  for (; next < items.length; next++) add(gapBefore(next));
  add(source.slice(spans[spans.length - 1].to, regionEnd));
  const keepsNoFinalBreak = regionEnd === source.length && !source.endsWith('\n');
  return {
    start: regionStart,
    end: regionEnd,
    text: keepsNoFinalBreak ? text.replace(/\n$/, '') : text,
    depth,
  };
}

/**
 * Text that replaces a list of strings in place: block lists stay block
 * (same indent, same quoting), flow lists stay flow, an emptied block list
 * becomes `[]`; a field with no value (`hosts:`) gets a flow list.
 */
export function stringListSplice(
  source: string,
  value: Node | null,
  items: readonly string[],
  depth: number,
): Splice {
  const style = listStyle(value);
  const range = value?.range;
  if (!range) throw new Error('list has no source range');
  const [start, end] = range;
  if (isSeq(value) && !value.flow && value.items.length > 0) {
    const pad = ' '.repeat(columnOf(source, start));
    const trailing = source.slice(start, end).endsWith('\n') ? '\n' : '';
    const body = items.map((h) => `- ${quoteIn(style, h)}`).join(`\n${pad}`);
    return { start, end, text: (items.length === 0 ? '[]' : body) + trailing, depth };
  }
  const flow = `[${items.map((h) => quoteIn(style, h)).join(', ')}]`;
  if (isScalar(value) && start === end) return { start, end, text: ` ${flow}`, depth };
  return { start, end, text: flow, depth };
}
