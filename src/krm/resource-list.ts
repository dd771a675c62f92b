import {
  Document,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node,
  type YAMLMap,
} from 'yaml';
import { emitYaml } from './emit-yaml.js';
import { repairKptQuotes } from './repair-kpt-quotes.js';
import { scanItems } from './scan-items.js';
import { locateYamlError } from './yaml-errors.js';
import { MAX_ALIAS_COUNT, PARSE_OPTIONS, PRINT_OPTIONS } from './yaml-options.js';

/** A ResourceList read from stdin: items as source text, the function config as plain data. */
export interface ResourceListInput {
  /** Each item as its own sequence-entry source (`- apiVersion: …`), in input order. */
  items: string[];
  /** Column of the items' `-`; new items are written at the same column. */
  indent: number;
  /** `functionConfig` as plain data, or `undefined` when absent. */
  functionConfig: unknown;
}

/** A problem with the ResourceList as a whole: nothing in it can be trusted. */
export class ResourceListError extends Error {}

/** Largest input accepted, in bytes; beyond it the function refuses rather than risk memory. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a ResourceList. Items are kept as their own source text: the fast line
 * scan finds their boundaries, and only when the layout is unusual does the
 * full parser run and re-print each item.
 */
export function readResourceList(raw: string): ResourceListInput {
  if (raw.length > MAX_INPUT_BYTES) {
    throw new ResourceListError(
      `input is ${raw.length} bytes, over the limit of ${MAX_INPUT_BYTES}`,
    );
  }
  if (raw.trim() === '')
    throw new ResourceListError('input is empty: expected a ResourceList on stdin');
  const text = repairKptQuotes(raw);
  const scanned = scanItems(text);
  if (scanned) {
    let rest;
    try {
      rest = parseRoot(scanned.rest);
    } catch (e) {
      // The rest has the items cut out, so its line numbers are not the input's: let the full parse say where.
      if (e instanceof ResourceListError) return readWithFullParser(text);
      throw e;
    }
    return { items: scanned.items, indent: scanned.indent, functionConfig: rest.functionConfig };
  }
  return readWithFullParser(text);
}

function parseRoot(text: string): { functionConfig: unknown; doc: Document.Parsed; root: YAMLMap } {
  const doc = parseDocument(text, PARSE_OPTIONS);
  const problem = doc.errors[0];
  if (problem) {
    const { at, message } = locateYamlError(text, problem);
    throw new ResourceListError(`input is not valid YAML at ${at}: ${message}`);
  }
  const root = doc.contents;
  if (!isMap(root)) {
    throw new ResourceListError(
      `input is not a ResourceList: expected a mapping with kind: ResourceList, got ${describe(root)}`,
    );
  }
  const kindNode = root.get('kind', true);
  const kind: unknown = isScalar(kindNode) ? kindNode.value : undefined;
  if (kind !== 'ResourceList') {
    throw new ResourceListError(
      `input is not a ResourceList: kind is ${isScalar(kindNode) ? JSON.stringify(kind) : 'missing or not a scalar'}`,
    );
  }
  const fc = root.get('functionConfig', true);
  const functionConfig = fc === undefined ? undefined : expand(fc as Node, doc);
  return { functionConfig, doc, root };
}

/** Converts a node to plain data, refusing alias bombs with a clear message. */
function expand(node: Node, doc: Document.Parsed): unknown {
  try {
    return node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new ResourceListError(`input expands too many aliases: ${(e as Error).message}`);
  }
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'an empty document';
  if (isSeq(node)) return 'a sequence';
  if (isScalar(node) && node.value === null) return 'an empty document';
  return 'a scalar';
}

function readWithFullParser(text: string): ResourceListInput {
  const { functionConfig, doc, root } = parseRoot(text);
  const itemsNode = root.get('items', true);
  if (itemsNode === undefined || (isScalar(itemsNode) && itemsNode.value === null)) {
    return { items: [], indent: 0, functionConfig };
  }
  if (!isSeq(itemsNode))
    throw new ResourceListError('input is not a ResourceList: items is not a sequence');
  let hasAlias = false;
  visit(itemsNode, {
    Alias: () => {
      hasAlias = true;
      return visit.BREAK;
    },
  });
  const items = itemsNode.items.map((node) => {
    const item = new Document(undefined, PRINT_OPTIONS);
    item.contents = hasAlias ? item.createNode(expand(node as Node, doc)) : (node as Node);
    return toEntry(item.toString(PRINT_OPTIONS), 0);
  });
  return { items, indent: 0, functionConfig };
}

/** Turns a printed YAML document into a sequence entry at `indent`. */
export function toEntry(docText: string, indent: number): string {
  const pad = ' '.repeat(indent);
  const body = docText.endsWith('\n') ? docText.slice(0, -1) : docText;
  return (
    body
      .split('\n')
      .map((line, i) => (i === 0 ? `${pad}- ${line}` : line === '' ? line : `${pad}  ${line}`))
      .join('\n') + '\n'
  );
}

/**
 * Writes the output ResourceList: item sources as they are, the function config
 * echoed back (so the output can be fed to the function again), then results.
 */
export function writeResourceList(
  items: readonly string[],
  functionConfig: unknown,
  resultsYaml: string,
): string {
  const head = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n';
  const body = items.length === 0 ? 'items: []\n' : 'items:\n' + items.join('');
  const fc = functionConfig === undefined ? '' : emitYaml({ functionConfig });
  return head + body + fc + resultsYaml;
}
