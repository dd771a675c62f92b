import { parseAllDocuments } from 'yaml';
import { unresolvedAliases } from '../krm/yaml-errors.js';
import { PARSE_OPTIONS } from '../krm/yaml-options.js';

const HINT =
  'to fill the list into plain manifests, name the list with --config: wildcard-egress --config domains.yaml < manifests.yaml';

/**
 * A clearer message for stdin the ResourceList reader refused, when it parses
 * as YAML: an alias that names no anchor (an unquoted wildcard in the config),
 * or plain manifests (several documents, or one resource of another kind),
 * which is what stream mode (`--config`) takes. Undefined when the input is
 * not valid YAML or is a ResourceList: the reader's own message stands.
 */
export function notAResourceList(input: string): string | undefined {
  const docs = parseAllDocuments(input, PARSE_OPTIONS);
  const list = Array.isArray(docs) ? docs.filter((d) => d.contents !== null) : [];
  if (list.length === 0 || list.some((d) => d.errors.length > 0)) return undefined;
  const alias = list.flatMap((d) => unresolvedAliases(d, input))[0];
  if (alias) return `stdin: ${alias.at}: ${alias.message}`;
  if (list.length > 1)
    return `stdin holds ${list.length} YAML documents, not one ResourceList: ${HINT}`;
  const kind = list[0].get('kind');
  if (kind === 'ResourceList' || kind === undefined) return undefined;
  if (kind === 'DomainList')
    return `stdin holds a DomainList, not a ResourceList: to render the stack from it, run wildcard-egress --config domains.yaml --no-input`;
  return `stdin holds a ${typeof kind === 'string' ? kind : 'document'}, not a ResourceList: ${HINT}`;
}
