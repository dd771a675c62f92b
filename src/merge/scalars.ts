import { textOf } from '../util/data.js';
import { isScalar, Scalar, type Node } from 'yaml';

/** A value a rendered resource sets: these are written, everything else is a collection. */
export type RenderedScalar = string | number | boolean | null;

export function isRenderedScalar(v: unknown): v is RenderedScalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

// Plain scalars YAML 1.1 or 1.2 readers could take for something other than a string.
const NULL_OR_BOOL =
  /^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$/;
const NUMBER =
  /^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?0(x[0-9a-fA-F_]+|o[0-7_]+|b[01_]+)$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;
// Characters that start or end a plain scalar badly, or that make it something else (comments, mappings, flow).
const UNSAFE = /^[\s\-?:,[\]{}#&*!|>'"%@`]|[\s:]$|: | #|[\r\n\t]|[[\]{},]/;

/** Whether `text` written plain reads back as exactly this string in every YAML reader. */
export function plainReadsAsString(text: string): boolean {
  return text !== '' && !NULL_OR_BOOL.test(text) && !NUMBER.test(text) && !UNSAFE.test(text);
}

/** Source text of a scalar in the style of `like` where that keeps its value and type. */
export function formatScalar(value: RenderedScalar, like?: Node | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  const style = isScalar(like) ? like.type : undefined;
  if (style === Scalar.QUOTE_SINGLE && !/[\n\r]/.test(value))
    return `'${value.replaceAll("'", "''")}'`;
  if (style !== Scalar.QUOTE_DOUBLE && plainReadsAsString(value)) return value;
  return JSON.stringify(value);
}

/**
 * Whether a scalar node already says what the rendered value says: the same
 * text and the same type (a number written plain, a string that would read as
 * a number or boolean written quoted).
 */
export function sameScalar(value: RenderedScalar, node: Node | null | undefined): boolean {
  if (!isScalar(node)) return false;
  const plain = node.type === Scalar.PLAIN;
  const text = textOf(node.value);
  if (value === null) return plain && (text === '' || /^(~|null|Null|NULL)$/.test(text));
  if (typeof value !== 'string') return plain && text === String(value);
  if (text !== value) return false;
  return !plain || plainReadsAsString(value);
}

/** A scalar node's value as the reader of a result sees it. */
export function scalarText(node: Node | null | undefined): string {
  return isScalar(node) ? textOf(node.value) : '';
}
