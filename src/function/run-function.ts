import { isObject } from '../util/data.js';
import { parseConfig, type ConfigOutcome } from '../config/parse-config.js';
import {
  readResourceList,
  ResourceListError,
  writeResourceList,
  type ResourceListInput,
} from '../krm/resource-list.js';
import {
  error,
  formatForHumans,
  hasErrors,
  info,
  printResults,
  type Result,
} from '../krm/results.js';
import { FieldPathError, parseFieldPath } from '../paths/field-path.js';
import { reconcile } from '../reconcile/reconcile.js';
import { itemAliasProblems } from './item-aliases.js';
import { listNameFromItems } from './list-name.js';
import { notAResourceList } from './not-a-resource-list.js';

/** What one run produced: the ResourceList text, the exit code, and lines for stderr. */
export interface RunOutput {
  stdout: string;
  exitCode: 0 | 1;
  stderr: string;
}

/** What processing a list gave: the items to write (all unchanged on failure), the results, the exit code. */
export interface ListOutcome {
  items: readonly string[];
  /** For each item written, the index of the input item it came from; undefined for an added one. */
  origins: readonly (number | undefined)[];
  results: Result[];
  exitCode: 0 | 1;
}

/** kpt's readers mark every item with this annotation; kustomize's do not. */
const KPT_ITEM_MARK = 'internal.config.kubernetes.io/seqindent:';

/** `kpt fn eval … -- key=value` (or with no config at all) hands the function a ConfigMap named `function-input`. */
function isKptInput(config: unknown): boolean {
  if (!isObject(config) || config.kind !== 'ConfigMap' || !isObject(config.metadata)) return false;
  return config.metadata.name === 'function-input';
}

/**
 * The whole function as a pure step: ResourceList text in, ResourceList text
 * out. Any error result leaves every item as it came in and exits 1.
 *
 * Warnings and errors also go to stderr, one line each, which is where
 * kustomize shows them; kpt prints the results itself (and stderr beside
 * them), so for input read by kpt they are not repeated there.
 */
export function runFunction(input: string): RunOutput {
  let list;
  try {
    list = readResourceList(input);
  } catch (e) {
    if (!(e instanceof ResourceListError)) throw e;
    const failed = settle([], [error(notAResourceList(input) ?? e.message)]);
    return {
      stdout: writeResourceList([], undefined, printResults(failed.results)),
      exitCode: 1,
      stderr: forHumans(failed.results),
    };
  }
  const aliases = itemAliasProblems(list.items, input);
  const done = aliases.length > 0 ? settle(list.items, aliases) : processList(list);
  const underKpt =
    list.items.some((item) => item.includes(KPT_ITEM_MARK)) || isKptInput(list.functionConfig);
  return {
    stdout: writeResourceList(done.items, list.functionConfig, printResults(done.results)),
    exitCode: done.exitCode,
    stderr: underKpt ? '' : forHumans(done.results),
  };
}

/**
 * Reconciles a list already read (from a ResourceList, or built from a plain
 * YAML stream): parse the config (unless the caller read it already), check
 * target paths, reconcile the items. A config kpt built from `-- key=value`
 * arguments (its ConfigMap `function-input`) takes the list's name from the
 * items, so the name stays stable whichever way the function is run.
 */
export function processList(
  list: ResourceListInput,
  config: ConfigOutcome = parseConfig(list.functionConfig),
): ListOutcome {
  const parsed = config.options;
  if (!parsed || hasErrors(config.results)) return settle(list.items, config.results);
  const named = config.generatedName ? listNameFromItems(list.items) : undefined;
  if (named && 'error' in named) return settle(list.items, [error(named.error)]);
  const options = named ? { ...parsed, listName: named.name } : parsed;
  const pathProblems = options.targets.flatMap((t, i): Result[] => {
    try {
      parseFieldPath(t.path);
      return [];
    } catch (e) {
      if (!(e instanceof FieldPathError)) throw e;
      return [
        error(e.message, { field: { path: `spec.targets[${i}].path`, currentValue: t.path } }),
      ];
    }
  });
  if (pathProblems.length > 0) return settle(list.items, pathProblems);
  const done = reconcile(list.items, list.indent, options, config.plan);
  const results = [...config.results, ...done.results];
  return hasErrors(results)
    ? settle(list.items, results)
    : settle(done.items, results, done.origins);
}

function settle(
  items: readonly string[],
  allResults: readonly Result[],
  origins: readonly (number | undefined)[] = items.map((_, i) => i),
): ListOutcome {
  const failed = hasErrors(allResults);
  // A failed run returns every item as it came in: infos about changes that were not made would mislead.
  const results = failed
    ? [
        ...allResults.filter((r) => r.severity !== 'info'),
        info(
          `${allResults.filter((r) => r.severity === 'error').length} error(s): items returned unchanged`,
        ),
      ]
    : [...allResults];
  return { items, origins, results, exitCode: failed ? 1 : 0 };
}

/** Warnings and errors, one line each, for stderr (infos stay in the ResourceList). */
function forHumans(results: readonly Result[]): string {
  const shown = results.filter((r) => r.severity !== 'info');
  return shown.length > 0 ? formatForHumans(shown) + '\n' : '';
}
