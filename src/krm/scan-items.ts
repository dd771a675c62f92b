/**
 * Line-level scan of a ResourceList: finds where each item of the top-level
 * `items:` block sequence begins and ends without composing any YAML.
 *
 * The scan accepts only the layout kpt and kustomize write (a block map at
 * column 0, `items:` followed by a block sequence). Anything else returns
 * `undefined` and the caller falls back to the full `yaml` parser, so the scan
 * never has to be right about unusual input: it only has to say "not mine".
 */

/** The ResourceList split into item sources and everything else. */
export interface ScannedList {
  /** Each item's source lines, starting at its `-` (comment lines before the first item included). */
  items: string[];
  /** Column of the items' `-` indicators. */
  indent: number;
  /** The input with the items block replaced by `items: []`, small enough to parse fully. */
  rest: string;
}

const TOP_KEY = /^[A-Za-z_][\w.-]*:(?:[ \t]|$)/;

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  return i;
}

function isBlankOrComment(line: string, indent: number): boolean {
  return indent === line.length || line.charCodeAt(indent) === 35 /* # */ || line.trim() === '';
}

function isSeqEntry(line: string, indent: number): boolean {
  if (line.charCodeAt(indent) !== 45 /* - */) return false;
  const next = line.charCodeAt(indent + 1);
  return Number.isNaN(next) || next === 32 || next === 9;
}

/**
 * Splits `text` into item sources, or returns `undefined` when the layout is
 * not the plain block style this scan understands.
 */
export function scanItems(text: string): ScannedList | undefined {
  const lines = text.split('\n');
  // Re-joining with '\n' must give back the text; a lone '\r' would break the column logic.
  if (text.includes('\r')) return undefined;
  const items: string[] = [];
  const restLines: string[] = [];
  let sawContent = false;
  let i = 0;
  let itemsSeen = false;
  let indent = 0;
  while (i < lines.length) {
    const line = lines[i];
    const ind = indentOf(line);
    if (line.charCodeAt(0) === 9) return undefined;
    // Indented lines and column-0 `- ` entries belong to the value of the last top-level key.
    if (isBlankOrComment(line, ind) || ind > 0 || (sawContent && isSeqEntry(line, 0))) {
      restLines.push(line);
      i++;
      continue;
    }
    if (line === '---' && !sawContent) {
      restLines.push(line);
      i++;
      continue;
    }
    if (!TOP_KEY.test(line)) return undefined;
    sawContent = true;
    const key = line.slice(0, line.indexOf(':'));
    if (key !== 'items') {
      restLines.push(line);
      i++;
      continue;
    }
    if (itemsSeen) return undefined;
    itemsSeen = true;
    const value = line.slice(6).trim();
    if (value === '[]' || value === '[ ]') {
      restLines.push('items: []');
      i++;
      continue;
    }
    if (value !== '' && !value.startsWith('#')) return undefined;
    const block = readItemsBlock(lines, i + 1);
    if (!block) return undefined;
    items.push(...block.items);
    indent = block.indent;
    restLines.push('items: []');
    i = block.end;
  }
  return { items, indent, rest: restLines.join('\n') };
}

function readItemsBlock(
  lines: string[],
  start: number,
): { items: string[]; end: number; indent: number } | undefined {
  let first = start;
  while (first < lines.length) {
    const l = lines[first];
    if (l.charCodeAt(0) === 9) return undefined;
    if (!isBlankOrComment(l, indentOf(l))) break;
    first++;
  }
  if (first >= lines.length) return { items: [], end: start, indent: 0 };
  const indent = indentOf(lines[first]);
  if (!isSeqEntry(lines[first], indent)) {
    // `items:` with a null value followed by the next top-level key.
    return indent === 0 ? { items: [], end: start, indent: 0 } : undefined;
  }
  const items: string[] = [];
  let itemStart = start;
  let i = first + 1;
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l.charCodeAt(0) === 9) return undefined;
    const ind = indentOf(l);
    if (isBlankOrComment(l, ind)) continue;
    if (ind > indent) continue;
    if (ind === indent && isSeqEntry(l, ind)) {
      items.push(lines.slice(itemStart, i).join('\n') + '\n');
      itemStart = i;
      continue;
    }
    if (ind === 0 && TOP_KEY.test(l)) break;
    return undefined;
  }
  // Trailing blank and comment lines before the next top-level key stay with the last item.
  let end = i;
  if (i === lines.length) {
    // Keep the final newline of the input out of the last item (the rest supplies it), but only that one:
    // blank lines before it may belong to a keep-chomped block scalar (`>+`) that ends the item.
    if (end > itemStart + 1 && lines[end - 1] === '') end--;
  }
  items.push(lines.slice(itemStart, end).join('\n') + '\n');
  return { items, end, indent };
}
