import { isObject, stringMap } from '../util/data.js';
import { isMap, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { readItemHeader, READ_ANNOTATIONS, type ItemHeader } from './item-header.js';
import { locateYamlError } from './yaml-errors.js';
import { ITEM_PARSE_OPTIONS, MAX_ALIAS_COUNT } from './yaml-options.js';

/** An item parsed for editing: its document and the mapping node of the resource. */
export interface ParsedItem {
  doc: Document.Parsed;
  root: Node;
}

// `&name` where YAML allows an anchor: after a space, a flow indicator or a dash, or at a line start.
const ANCHOR = /(^|[\s[{,])&[^\s[\]{},]+/m;

/** An item that cannot be read as a resource, with the reason. */
export class ItemError extends Error {}

/** Parses one item's source (a sequence entry) into a document whose first entry is a mapping. */
export function parseItem(source: string): ParsedItem {
  const doc = parseDocument(source, ITEM_PARSE_OPTIONS);
  const problem = doc.errors[0];
  if (problem) {
    // Lines count from the item's own first line (its `-`): the item's source is all the function holds of it.
    const { at, message } = locateYamlError(source, problem);
    throw new ItemError(`is not valid YAML at ${at} of the item: ${message}`);
  }
  const seq = doc.contents;
  const root = isSeq(seq) ? (seq.items[0] as Node | undefined) : undefined;
  if (!isMap(root))
    throw new ItemError('is not an object: every item must be a Kubernetes resource mapping');
  return { doc, root };
}

/** Reads the header from a parsed item (the slow path when the line reader declines). */
export function headerOf(item: ParsedItem): ItemHeader {
  let data: unknown;
  try {
    data = item.root.toJS(item.doc, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new ItemError(`expands too many aliases: ${(e as Error).message}`);
  }
  const obj = data as Record<string, unknown>;
  const meta = (
    typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}
  ) as Record<string, unknown>;
  const ann = (
    typeof meta.annotations === 'object' && meta.annotations !== null ? meta.annotations : {}
  ) as Record<string, unknown>;
  const header: ItemHeader = { annotations: {} };
  if (typeof obj.apiVersion === 'string') header.apiVersion = obj.apiVersion;
  if (typeof obj.kind === 'string') header.kind = obj.kind;
  if (typeof meta.name === 'string') header.name = meta.name;
  if (typeof meta.namespace === 'string') header.namespace = meta.namespace;
  for (const [k, v] of Object.entries(ann))
    if (READ_ANNOTATIONS.has(k) && typeof v === 'string') header.annotations[k] = v;
  return header;
}

/** All annotations of a parsed item, for selectors that match on any annotation. */
export function annotationsOf(item: ParsedItem): Record<string, string> {
  const data: unknown = item.root.toJS(item.doc, { maxAliasCount: MAX_ALIAS_COUNT });
  const metadata = isObject(data) ? data.metadata : undefined;
  return stringMap(isObject(metadata) ? metadata.annotations : undefined);
}

/**
 * One input item: its source, its header (read by lines when possible), and,
 * once needed, its parsed document.
 */
export class ItemSource {
  private parsed: ParsedItem | undefined;
  readonly header: ItemHeader;

  constructor(readonly source: string) {
    // An anchor could start an alias bomb: such items are expanded once, with a bound (or refused),
    // and that expansion gives the header.
    this.header = ANCHOR.test(source)
      ? headerOf(this.parse())
      : (readItemHeader(source) ?? headerOf(this.parse()));
  }

  /** Parses the item on first use; throws ItemError when it is not a resource. */
  parse(): ParsedItem {
    this.parsed ??= parseItem(this.source);
    return this.parsed;
  }
}
