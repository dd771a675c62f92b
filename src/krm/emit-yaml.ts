import { textOf } from '../util/data.js';

/**
 * A small block-style YAML writer for plain data the function creates (rendered
 * resources, results). It needs no schema machinery, so printing costs nothing
 * at start-up, and it never writes anchors or aliases.
 *
 * Strings are written plain only when no YAML 1.1 or 1.2 reader could take them
 * for anything else; every other string is double-quoted (JSON string syntax is
 * valid YAML).
 */
export function emitYaml(value: unknown): string {
  if (isCollection(value) && !isEmpty(value)) return emitBlock(value, '');
  return `${scalar(value)}\n`;
}

type Json = Record<string, unknown>;

/**
 * A scalar kept as the source text it was written with (`0800`, `'yes'`):
 * written as is. `value` is what it reads as; `node` the parsed scalar, for
 * comparisons.
 */
export class RawText {
  constructor(
    readonly text: string,
    readonly value: string,
    readonly node?: unknown,
  ) {}
}

/**
 * Marks a field a rendered resource says must not be there (a Deployment's
 * `replicas` when an autoscaler owns the count): the merge removes it, and the
 * writer skips it like `undefined`.
 */
export const ABSENT: unique symbol = Symbol('absent');

const skipped = (v: unknown) => v === undefined || v === ABSENT;

function isCollection(v: unknown): v is Json | unknown[] {
  return typeof v === 'object' && v !== null && !(v instanceof RawText);
}

function isEmpty(v: Json | unknown[]): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).every((k) => skipped(v[k]));
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

function scalar(v: unknown): string {
  if (v instanceof RawText) return v.text;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  const s = textOf(v);
  return PLAIN.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s);
}

function key(k: string): string {
  return PLAIN_KEY.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

/** Writes a non-empty collection; every line starts with `pad`. */
function emitBlock(value: Json | unknown[], pad: string): string {
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        // The first line of the nested block goes on the dash line.
        out += `${pad}- ${emitBlock(item, `${pad}  `).slice(pad.length + 2)}`;
      } else {
        out += `${pad}- ${scalar(item)}\n`;
      }
    }
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    if (skipped(v)) continue;
    if (isCollection(v) && !isEmpty(v)) {
      // Sequences under a key sit at the key's column, as kpt and kubectl write them.
      out += `${pad}${key(k)}:\n${emitBlock(v, Array.isArray(v) ? pad : `${pad}  `)}`;
    } else {
      out += `${pad}${key(k)}: ${scalar(v)}\n`;
    }
  }
  return out;
}
