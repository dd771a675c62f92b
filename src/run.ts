import { parseConfig } from './config/parse-config.js';
import {
  readResourceList,
  ResourceListError,
  writeResourceList,
  type ResourceListInput,
} from './krm/resource-list.js';
import {
  error,
  formatForHumans,
  hasErrors,
  info,
  printResults,
  type Result,
} from './krm/results.js';
import { FieldPathError, parseFieldPath } from './paths/field-path.js';
import { reconcile } from './reconcile/reconcile.js';

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

/**
 * The whole function as a pure step: ResourceList text in, ResourceList text
 * out. Any error result leaves every item as it came in and exits 1.
 */
export function runFunction(input: string): RunOutput {
  let list;
  try {
    list = readResourceList(input);
  } catch (e) {
    if (!(e instanceof ResourceListError)) throw e;
    const failed = settle([], [error(e.message)]);
    return {
      stdout: writeResourceList([], undefined, printResults(failed.results)),
      exitCode: 1,
      stderr: forHumans(failed.results),
    };
  }
  const done = processList(list);
  return {
    stdout: writeResourceList(done.items, list.functionConfig, printResults(done.results)),
    exitCode: done.exitCode,
    stderr: forHumans(done.results),
  };
}

/**
 * Reconciles a list already read (from a ResourceList, or built from a plain
 * YAML stream): parse the config, check target paths, reconcile the items.
 */
export function processList(list: ResourceListInput): ListOutcome {
  const config = parseConfig(list.functionConfig);
  const options = config.options;
  if (!options || hasErrors(config.results)) return settle(list.items, config.results);
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
