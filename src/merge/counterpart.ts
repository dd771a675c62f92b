import { pathSegments } from '../paths/concrete-path.js';
import { isObject } from '../util/data.js';
import { effectiveRule, keyOf, type MergeScope } from './merge-values.js';

/**
 * The rendered value that corresponds to a field of an item: list elements
 * are found by their merge key (a tls route by its destination and port, a
 * config patch by what it adds or matches), never by position, so a list in
 * another order still maps each element to its own. Undefined when the
 * rendered resource has no such element (the user's own route, say).
 */
export function renderedCounterpart(
  scope: MergeScope,
  rendered: unknown,
  itemRaw: unknown,
  path: string,
): unknown {
  const segs = pathSegments(path);
  let r: unknown = rendered;
  let x: unknown = itemRaw;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    if (typeof seg === 'string') {
      r = isObject(r) ? r[seg] : undefined;
      x = isObject(x) ? x[seg] : undefined;
      continue;
    }
    if (!Array.isArray(r)) return undefined;
    const rule = effectiveRule(scope, segs.slice(0, i), r);
    const el: unknown = Array.isArray(x) ? (x as unknown[])[seg] : undefined;
    if (rule?.type === 'map') {
      const k = keyOf(el, rule.key);
      r = r.find((candidate) => keyOf(candidate, rule.key) === k);
    } else r = r[seg];
    x = el;
    if (r === undefined) return undefined;
  }
  return r;
}
