import { warning, type Result } from '../krm/results.js';
import { groupOf } from '../stack/resource.js';
import type { Entry } from './entry.js';
import { about } from './report.js';

/**
 * Items of one identity (group, kind, namespace, name) given twice: kustomize
 * refuses such a build and `kubectl apply` keeps the last, so the run fills
 * both and says so on the later one, naming the first's position.
 */
export function duplicateWarnings(entries: readonly Entry[]): Result[] {
  const seen = new Map<string, Entry>();
  const out: Result[] = [];
  for (const e of entries) {
    const h = e.header;
    if (!h.kind || !h.name) continue;
    const key = [groupOf(h.apiVersion ?? ''), h.kind, h.namespace ?? '', h.name].join('/');
    const first = seen.get(key);
    if (!first) {
      seen.set(key, e);
      continue;
    }
    out.push(
      warning(
        `is given twice (items ${first.index} and ${e.index}): kustomize refuses a build with both, and kubectl apply keeps the last; keep one`,
        about(h),
      ),
    );
  }
  return out;
}
