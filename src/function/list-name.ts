import { ItemError, ItemSource } from '../krm/item-source.js';
import { OPT_IN_ANNOTATION } from '../places/host-places.js';

/** The list name used when kpt's ConfigMap names none and no item carries one. */
export const DEFAULT_LIST_NAME = 'egress';

/**
 * The name of the list the items belong to, for a config that carries none of
 * its own (kpt's `function-input` ConfigMap): the one value of the items'
 * `wildcard-egress.dev/domain-list` annotation, `egress` when no item has it.
 * Items of two lists are an error: which one the arguments mean is unknown.
 */
export function listNameFromItems(items: readonly string[]): { name: string } | { error: string } {
  const names = new Set<string>();
  for (const source of items) {
    if (!source.includes(OPT_IN_ANNOTATION)) continue;
    try {
      const name = new ItemSource(source).header.annotations[OPT_IN_ANNOTATION];
      if (name) names.add(name);
    } catch (e) {
      if (!(e instanceof ItemError)) throw e; // the reconcile reports the item
    }
  }
  if (names.size > 1) {
    const shown = [...names].map((n) => JSON.stringify(n)).join(', ');
    return {
      error: `the items belong to ${names.size} domain lists (${shown}) and kpt's ConfigMap function-input names none: run with a config that names the list (a DomainList or ConfigMap with metadata.name, --fn-config FILE)`,
    };
  }
  return { name: [...names][0] ?? DEFAULT_LIST_NAME };
}
