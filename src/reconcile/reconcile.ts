import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import type { Result } from '../krm/results.js';
import { renderStack } from '../stack/render-stack.js';
import { applyPlan, type Reconciled } from './apply.js';
import { classifyItem, indexRendered, isBystander } from './classify.js';
import type { Entry } from './entry.js';
import { planReconcile } from './plan.js';

export type { Reconciled } from './apply.js';

/**
 * Reconciles the input items with the stack for this list, in three steps:
 * classify each item (created by the function, adopted by its full identity,
 * opted in, or other: entry.ts), plan what happens to each as plain data
 * (plan.ts: merge, host places only, remove, add, and why not), then apply
 * the plan to the items' text (apply.ts). The function removes only what it
 * created; every item it does not write comes out as it came in. In check
 * mode nothing changes and each difference is an error.
 */
export function reconcile(
  sources: readonly string[],
  indent: number,
  o: Options,
  plan: DomainPlan,
): Reconciled {
  const results: Result[] = [];
  const rendered = renderStack(o, plan);
  const index = indexRendered(rendered);
  // Items the function has nothing to do with (most of a large input) stay plain text.
  const slots: (Entry | string)[] = sources.map((source, i) => {
    const e = classifyItem(source, i, o, index, results);
    return isBystander(e, o) ? source : e;
  });
  const entries = slots.filter((x): x is Entry => typeof x !== 'string');
  const decided = planReconcile(entries, rendered, o, plan, results);
  return applyPlan(slots, decided, o, plan, indent, results);
}
