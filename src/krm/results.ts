import { emitYaml } from './emit-yaml.js';

/** Severity levels of the KRM results spec. */
export type Severity = 'error' | 'warning' | 'info';

/** Identity of the resource a result is about. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** One entry of a ResourceList's `results`, as the KRM functions spec defines it. */
export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: { path: string; currentValue?: unknown; proposedValue?: unknown };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}

/** Makes an error result; the message should quote the offending value. */
export function error(message: string, extra: Omit<Result, 'message' | 'severity'> = {}): Result {
  return { message, severity: 'error', ...extra };
}

/** Makes a warning result. */
export function warning(message: string, extra: Omit<Result, 'message' | 'severity'> = {}): Result {
  return { message, severity: 'warning', ...extra };
}

/** Makes an info result. */
export function info(message: string, extra: Omit<Result, 'message' | 'severity'> = {}): Result {
  return { message, severity: 'info', ...extra };
}

/** True when any result is an error: the run must exit 1 and return items unchanged. */
export function hasErrors(results: readonly Result[]): boolean {
  return results.some((r) => r.severity === 'error');
}

/** Prints `results:` as the tail of a ResourceList. */
export function printResults(results: readonly Result[]): string {
  return emitYaml({ results });
}

/**
 * One line per result for stderr, laid out as kpt prints results: severity,
 * the resource (`Kind/namespace/name`), the field path, then the message,
 * which names neither again.
 */
export function formatForHumans(results: readonly Result[]): string {
  return results
    .map((r) => {
      const ref = r.resourceRef
        ? ` ${r.resourceRef.kind}/${r.resourceRef.namespace ? `${r.resourceRef.namespace}/` : ''}${r.resourceRef.name}`
        : '';
      const field = r.field ? ` ${r.field.path}` : '';
      return `${r.severity}${ref}${field}: ${r.message}`;
    })
    .join('\n');
}
