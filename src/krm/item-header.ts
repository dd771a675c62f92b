/**
 * Reads what decides whether an item concerns us — apiVersion, kind,
 * metadata.name, metadata.namespace and a few annotations — straight from the
 * item's source lines, without composing YAML.
 *
 * Only one-line plain or quoted scalars are read this way. Any other shape
 * (anchors, tags, flow maps, multi-line scalars, escapes) returns `undefined`,
 * and the caller parses the item fully instead.
 */

/** Identity and selected annotations of one item. */
export interface ItemHeader {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  annotations: Record<string, string>;
}

/** Annotations the function reads; any other annotation is skipped unread. */
export const READ_ANNOTATIONS = new Set([
  'wildcard-egress.dev/domain-list',
  'wildcard-egress.dev/manage',
  'wildcard-egress.dev/adopted-by',
  'config.kubernetes.io/path',
  'config.kubernetes.io/index',
  'internal.config.kubernetes.io/path',
  'internal.config.kubernetes.io/index',
  'config.kubernetes.io/local-config',
]);

const KEY = /^([A-Za-z0-9_][\w.\-/]*):(?:[ \t]+(.*))?$/;

/**
 * Reads one scalar written on a single line. Returns `undefined` when the
 * text is not a scalar this reader can decode with certainty.
 */
export function readInlineScalar(raw: string): string | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  const c = text[0];
  if (c === "'") {
    const close = findSingleQuoteEnd(text);
    if (close < 0 || !isCommentOrEnd(text.slice(close + 1))) return undefined;
    return text.slice(1, close).replace(/''/g, "'");
  }
  if (c === '"') {
    const close = text.indexOf('"', 1);
    const body = text.slice(1, close);
    if (close < 0 || body.includes('\\') || !isCommentOrEnd(text.slice(close + 1)))
      return undefined;
    return body;
  }
  if ('&*!|>{}[]%@`,?:-#'.includes(c)) return undefined;
  const hash = text.search(/[ \t]#/);
  const value = (hash >= 0 ? text.slice(0, hash) : text).trimEnd();
  if (value.includes(': ') || value.endsWith(':')) return undefined;
  return value;
}

function findSingleQuoteEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] !== "'") continue;
    if (text[i + 1] === "'") {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

function isCommentOrEnd(after: string): boolean {
  const t = after.trimStart();
  return t === '' || (t.startsWith('#') && after.length > t.length);
}

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/** Reads the header of an item source (`- apiVersion: …` lines), or `undefined`. */
export function readItemHeader(source: string): ItemHeader | undefined {
  const lines = source.split('\n');
  let li = 0;
  // Skip comment lines before the entry's dash (leading comments of the first item).
  while (li < lines.length && /^\s*(#.*)?$/.test(lines[li])) li++;
  if (li >= lines.length) return undefined;
  const dashLine = lines[li];
  const dash = indentOf(dashLine);
  if (dashLine[dash] !== '-') return undefined;
  const after = dashLine.slice(dash + 1);
  const content = after.trimStart();
  let keyIndent: number;
  if (content === '' || content.startsWith('#')) {
    li++;
    while (li < lines.length && /^\s*(#.*)?$/.test(lines[li])) li++;
    if (li >= lines.length) return undefined;
    keyIndent = indentOf(lines[li]);
    if (keyIndent <= dash) return undefined;
  } else {
    keyIndent = dash + 1 + (after.length - content.length);
    lines[li] = ' '.repeat(keyIndent) + content;
  }
  const header: ItemHeader = { annotations: {} };
  const seen = new Set<string>();
  let section: 'top' | 'metadata' | 'annotations' = 'top';
  let metaIndent = -1;
  let annIndent = -1;
  // Indent of the key whose one-line value was just read: a deeper next line would continue it.
  let scalarIndent = -1;
  const take = (key: string, value: string | undefined, ind: number): string | undefined => {
    const v = readInlineScalar(value ?? '');
    if (v === undefined || seen.has(key)) return undefined;
    seen.add(key);
    scalarIndent = ind;
    return v;
  };
  for (; li < lines.length; li++) {
    const line = lines[li];
    const ind = indentOf(line);
    if (ind === line.length || line[ind] === '#') continue;
    if (ind < keyIndent) return undefined;
    if (scalarIndent >= 0 && ind > scalarIndent) return undefined;
    scalarIndent = -1;
    const m = KEY.exec(line.slice(ind));
    if (ind === keyIndent) {
      if (!m) return undefined;
      const [, key, value] = m;
      section = 'top';
      if (key === 'apiVersion' || key === 'kind') {
        const v = take(key, value, ind);
        if (v === undefined) return undefined;
        header[key] = v;
      } else if (key === 'metadata') {
        if (!isEmptyValue(value) || seen.has(key)) return undefined;
        seen.add(key);
        section = 'metadata';
        metaIndent = -1;
      }
      continue;
    }
    if (section === 'top') continue;
    if (section === 'annotations') {
      if (annIndent < 0 && ind > metaIndent) annIndent = ind;
      if (annIndent >= 0 && ind > annIndent) continue;
      if (annIndent >= 0 && ind === annIndent) {
        const entry = m ? [m[1], m[2]] : quotedKey(line.slice(ind));
        if (!entry) return undefined;
        const [key, value] = entry;
        if (key === undefined || !READ_ANNOTATIONS.has(key)) continue;
        const v = take(key, value, ind);
        if (v === undefined) return undefined;
        header.annotations[key] = v;
        continue;
      }
      section = 'metadata';
    }
    if (metaIndent < 0) metaIndent = ind;
    if (ind > metaIndent) continue;
    if (ind < metaIndent || !m) return undefined;
    const [, key, value] = m;
    if (key === 'name' || key === 'namespace') {
      const v = take(key, value, ind);
      if (v === undefined) return undefined;
      header[key] = v;
    } else if (key === 'annotations') {
      if (value?.trim() === '{}') continue;
      if (!isEmptyValue(value) || seen.has(key)) return undefined;
      seen.add(key);
      section = 'annotations';
      annIndent = -1;
    }
  }
  return header;
}

function isEmptyValue(value: string | undefined): boolean {
  const t = (value ?? '').trim();
  return t === '' || t.startsWith('#');
}

function quotedKey(text: string): [string | undefined, string | undefined] | undefined {
  const q = /^(["'])([^"'\\]*)\1:(?:[ \t]+(.*))?$/.exec(text);
  return q ? [q[2], q[3]] : undefined;
}
