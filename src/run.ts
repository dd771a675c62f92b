import { parseConfig } from './config/parse-config.js';
import { readResourceList, ResourceListError, writeResourceList } from './krm/resource-list.js';
import { error, formatForHumans, hasErrors, info, printResults, type Result } from './krm/results.js';
import { FieldPathError, parseFieldPath } from './places/field-path.js';
import { reconcile } from './reconcile/reconcile.js';

/** What one run produced: the ResourceList text, the exit code, and lines for stderr. */
export interface RunOutput {
  stdout: string;
  exitCode: 0 | 1;
  stderr: string;
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
    return finish([], undefined, [error(e.message)]);
  }
  const config = parseConfig(list.functionConfig);
  const options = config.options;
  if (!options || hasErrors(config.results)) return finish(list.items, list.functionConfig, config.results);
  const pathProblems = options.targets.flatMap((t, i): Result[] => {
    try {
      parseFieldPath(t.path);
      return [];
    } catch (e) {
      if (!(e instanceof FieldPathError)) throw e;
      return [error(e.message, { field: { path: `spec.targets[${i}].path`, currentValue: t.path } })];
    }
  });
  if (pathProblems.length > 0) return finish(list.items, list.functionConfig, pathProblems);
  const done = reconcile(list.items, list.indent, options, config.plan);
  const results = [...config.results, ...done.results];
  return finish(hasErrors(results) ? list.items : done.items, list.functionConfig, results);
}

function finish(items: readonly string[], functionConfig: unknown, allResults: readonly Result[]): RunOutput {
  const failed = hasErrors(allResults);
  // A failed run returns every item as it came in: infos about changes that were not made would mislead.
  const results = failed
    ? [...allResults.filter((r) => r.severity !== 'info'), info(`${allResults.filter((r) => r.severity === 'error').length} error(s): items returned unchanged`)]
    : allResults;
  const shown = results.filter((r) => r.severity !== 'info');
  return {
    stdout: writeResourceList(items, functionConfig, printResults(results)),
    exitCode: failed ? 1 : 0,
    stderr: shown.length > 0 ? formatForHumans(shown) + '\n' : '',
  };
}
