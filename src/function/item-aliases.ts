import { parseDocument } from 'yaml';
import { error, type Result } from '../krm/results.js';
import { ITEM_PARSE_OPTIONS } from '../krm/yaml-options.js';
import { lineColumn, mayHoldAlias, unresolvedAliases } from '../krm/yaml-errors.js';

/**
 * Error results for items holding an alias that names no anchor, most often
 * an unquoted wildcard (`- *.example.com`). Only items whose text may hold an
 * alias are parsed. Lines are the input's where the item is a slice of it (the
 * usual case), else they count from the item's own first line.
 */
export function itemAliasProblems(items: readonly string[], input: string): Result[] {
  const out: Result[] = [];
  let from = 0;
  items.forEach((source, index) => {
    const offset = input.indexOf(source, from);
    if (offset >= 0) from = offset + source.length;
    if (!mayHoldAlias(source)) return;
    const doc = parseDocument(source, ITEM_PARSE_OPTIONS);
    const firstLine = offset >= 0 ? lineColumn(input, offset).line : 1;
    const where = offset >= 0 ? 'stdin' : 'of the item';
    for (const p of unresolvedAliases(doc, source, firstLine)) {
      out.push(
        error(`${where === 'stdin' ? `stdin: ${p.at}` : `${p.at} ${where}`}: ${p.message}`, {
          field: { path: `items[${index}]` },
        }),
      );
    }
  });
  return out;
}
