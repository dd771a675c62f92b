import { isAlias, Parser, visit, type Document, type YAMLError } from 'yaml';

/** 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: offset - lineStart + 1 };
}

/** `line 7, column 5`, counting `text`'s first line as `firstLine`. */
function at(text: string, offset: number, firstLine: number): string {
  const { line, column } = lineColumn(text, offset);
  return `line ${line + firstLine - 1}, column ${column}`;
}

/** A quote or bracket opened in the source and never closed: where it opens and what it is. */
interface Unclosed {
  offset: number;
  what: string;
}

/** The plain-data view of a CST token this file reads (the `yaml` CST is plain objects). */
interface TokenLike {
  type?: unknown;
  offset?: unknown;
  source?: unknown;
  start?: unknown;
  end?: unknown;
}

/** Every quoted scalar and flow collection of the CST that is never closed, in source order. */
function unclosedIn(text: string): Unclosed[] {
  const out: Unclosed[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    const t = node as TokenLike;
    if (typeof t.offset === 'number' && typeof t.source === 'string') {
      const s = t.source;
      if (t.type === 'double-quoted-scalar' && (s.length < 2 || !/(^|[^\\])(\\\\)*"$/.test(s)))
        out.push({ offset: t.offset, what: 'the double quote' });
      if (t.type === 'single-quoted-scalar' && (s.length < 2 || !s.endsWith("'")))
        out.push({ offset: t.offset, what: 'the single quote' });
    }
    if (t.type === 'flow-collection' && typeof t.offset === 'number') {
      const open = (t.start as TokenLike | undefined)?.source;
      const close = (t.end as TokenLike[] | undefined)?.find(
        (e) => e.type === 'flow-seq-end' || e.type === 'flow-map-end',
      );
      if (!close && (open === '[' || open === '{'))
        out.push({ offset: t.offset, what: `the ${open === '[' ? 'bracket [' : 'brace {'}` });
    }
    for (const value of Object.values(node)) walk(value);
  };
  for (const token of new Parser().parse(text)) walk(token);
  return out.sort((a, b) => a.offset - b.offset);
}

/**
 * Where a `yaml` parse error is and what it says: `at` is `line 5, column 1`
 * (`firstLine` is the line number of `text`'s first line in what the user
 * sees), `message` the error's first line. A quote or bracket left open is
 * reported where it opens, not where the parser gave up (often the end of the
 * file, or a later line it read as part of the quote).
 */
export function locateYamlError(
  text: string,
  err: YAMLError,
  firstLine = 1,
): { at: string; message: string } {
  const message = err.message.split('\n')[0];
  const unclosed = unclosedIn(text).filter((u) => u.offset <= err.pos[0]);
  const opened = unclosed[unclosed.length - 1];
  if (opened) {
    return {
      at: at(text, opened.offset, firstLine),
      message: `${opened.what} opened here is never closed (the parser gave up at ${at(text, err.pos[0], firstLine)}: ${message})`,
    };
  }
  return { at: at(text, err.pos[0], firstLine), message };
}

/** A YAML alias that names no anchor: where it is, and the message. */
export interface AliasProblem {
  at: string;
  message: string;
}

/**
 * Aliases (`*name`) of a parsed document that name no anchor. The usual cause
 * is an unquoted wildcard (`- *.wikipedia.org`): YAML reads a leading `*` as
 * an alias, so the message says to quote it.
 */
export function unresolvedAliases(doc: Document, text: string, firstLine = 1): AliasProblem[] {
  const out: AliasProblem[] = [];
  visit(doc, {
    Alias(_key, node) {
      if (!isAlias(node) || node.resolve(doc) !== undefined) return;
      const name = node.source;
      const offset = node.range?.[0] ?? 0;
      out.push({
        at: at(text, offset, firstLine),
        message: name.includes('.')
          ? `*${name} is read as a YAML alias (a leading * refers to an anchor): quote wildcards, "*${name}"`
          : `alias *${name} refers to no anchor &${name}; if it is a value, quote it: "*${name}"`,
      });
    },
  });
  return out;
}

/** A cheap look at the text: could it hold an alias at all? (`*` after a space, dash, colon, comma or bracket.) */
export function mayHoldAlias(text: string): boolean {
  return /(^|[\s[{,:-])\*[^\s,\]}]/.test(text);
}
