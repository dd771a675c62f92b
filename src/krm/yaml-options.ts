import type {
  CreateNodeOptions,
  DocumentOptions,
  ParseOptions,
  SchemaOptions,
  ToStringOptions,
} from 'yaml';

/** Aliases expanded per document before the input is refused (alias bombs). */
export const MAX_ALIAS_COUNT = 100;

/** Options for reading the ResourceList root and the function config (typed scalars). */
export const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  prettyErrors: false,
  uniqueKeys: true,
  strict: true,
};

/**
 * Options for items that get edited: every scalar stays a string, so nothing
 * the user wrote (`0800`, `yes`, `.5`) is reinterpreted.
 */
export const ITEM_PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  ...PARSE_OPTIONS,
  schema: 'failsafe',
};

/** Options for printing YAML the function writes: no anchors, no folding, compact sequences. */
export const PRINT_OPTIONS: CreateNodeOptions & DocumentOptions & SchemaOptions & ToStringOptions =
  {
    aliasDuplicateObjects: false,
    lineWidth: 0,
    indentSeq: false,
    flowCollectionPadding: false,
  };
