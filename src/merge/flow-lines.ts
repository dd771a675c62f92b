import type { Node, YAMLSeq } from 'yaml';
import { lineStart, type Splice } from './text-edits.js';

/**
 * Edits of a flow list written one entry a line, the way people comment
 * each entry:
 *
 *   hosts: [
 *     api.dropboxapi.com,   # dropbox
 *     www.googleapis.com    # google
 *   ]
 *
 * Kept entries keep their line (comment, quoting, spacing); dropped ones lose
 * theirs; new ones get a line of their own at the list's indent. Every entry
 * but the last needs a comma, so one is written right after a kept value
 * that lacks it; the last entry has one only when the user's last had one
 * (YAML allows it, JSON does not).
 */

/** Whether only spaces or tabs stand between the line's start and `pos`. */
function startsItsLine(source: string, pos: number): boolean {
  return /^[ \t]*$/.test(source.slice(lineStart(source, pos), pos));
}

/** Whether a comma follows the value ending at `pos` before a comment or the line's end. */
function commaAfter(source: string, pos: number, to: number): boolean {
  const rest = source.slice(pos, to);
  const cut = rest.search(/[ \t]#|\r?\n/);
  return (cut < 0 ? rest : rest.slice(0, cut)).includes(',');
}

/**
 * The splice for a flow list laid out one entry a line with `]` on a line of
 * its own, or undefined for any other layout (the caller rewrites those).
 * `order` holds, for each entry of the result, its index among the current
 * entries, or the new entry already quoted.
 */
export function flowLinesSplice(
  source: string,
  seq: YAMLSeq,
  order: readonly (number | string)[],
  depth: number,
): Splice | undefined {
  const items = seq.items as Node[];
  const [start, end] = seq.range!;
  const close = source.lastIndexOf(']', end - 1);
  if (items.length === 0 || close <= start || !startsItsLine(source, close)) return undefined;
  if (!items.every((item) => item.range && startsItsLine(source, item.range[0]))) return undefined;
  const closeLine = lineStart(source, close);
  const spans = items.map((item, i) => ({
    from: lineStart(source, item.range![0]),
    valueEnd: item.range![1],
    to: i + 1 < items.length ? lineStart(source, items[i + 1].range![0]) : closeLine,
  }));
  const first = spans[0];
  const pad = source.slice(first.from, items[0].range![0]);
  const eol = source.slice(first.from, first.to).includes('\r\n') ? '\r\n' : '\n';
  // The last entry has a comma after it exactly when the user's last one had (JSON allows none).
  const lastSpan = spans[spans.length - 1];
  const trailing = commaAfter(source, lastSpan.valueEnd, lastSpan.to);
  const text = order
    .map((x, k) => {
      const comma = k < order.length - 1 || trailing;
      if (typeof x === 'string') return `${pad}${x}${comma ? ',' : ''}${eol}`;
      const s = spans[x];
      const line = source.slice(s.from, s.to);
      const at = s.valueEnd - s.from;
      const has = commaAfter(source, s.valueEnd, s.to);
      if (has === comma) return line;
      if (comma) return `${line.slice(0, at)},${line.slice(at)}`;
      const cut = line.indexOf(',', at);
      return `${line.slice(0, cut)}${line.slice(cut + 1)}`;
    })
    .join('');
  return { start: first.from, end: closeLine, text, depth };
}
