import type { Options } from '../config/options.js';
import { ItemError, ItemSource } from '../krm/item-source.js';
import { error, warning, type Result } from '../krm/results.js';
import {
  MANAGE_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OPT_IN_ANNOTATION,
} from '../places/host-places.js';
import { identityKey, type Resource } from '../stack/resource.js';
import { isObject, stringMap } from '../util/data.js';
import type { Entry } from './entry.js';
import { about, labelOf } from './report.js';

/** Kinds a later step reads beyond their header (AuthorizationPolicies: policy-notes.ts). */
const READ_KINDS = new Set([
  'AuthorizationPolicy',
  'Sidecar',
  'VirtualService',
  'Gateway',
  'EnvoyFilter',
  'ServiceEntry',
  'DestinationRule',
  'HTTPRoute',
  'TLSRoute',
  'TCPRoute',
  'GRPCRoute',
]);

/** Labels of a parsed item, read only for items that carry the list's annotation. */
function labelsOf(item: ItemSource): Record<string, string> {
  const data: unknown = item.parse().root.toJS(item.parse().doc, { maxAliasCount: 100 });
  const metadata = isObject(data) ? data.metadata : undefined;
  return stringMap(isObject(metadata) ? metadata.labels : undefined);
}

/** The rendered resources by identity, and by name alone for the namespaced ones (to spot namespace-less clashes). */
export interface RenderedIndex {
  byIdentity: Map<string, Resource>;
  namespacedByName: Map<string, Resource>;
}

export function indexRendered(rendered: readonly Resource[]): RenderedIndex {
  const byIdentity = new Map<string, Resource>();
  const namespacedByName = new Map<string, Resource>();
  for (const r of rendered) {
    byIdentity.set(identityKey(r.apiVersion, r.kind, r.metadata.namespace, r.metadata.name), r);
    if (r.metadata.namespace !== undefined)
      namespacedByName.set(identityKey(r.apiVersion, r.kind, undefined, r.metadata.name), r);
  }
  return { byIdentity, namespacedByName };
}

/**
 * Decides each item's role (entry.ts). An item matches a rendered resource only
 * by its full identity, namespace included: an item without a namespace never
 * matches a namespaced resource by name alone. When the stack would add a
 * resource of that name, the run fails and says how to tell them apart.
 */
export function classifyItem(
  source: string,
  index: number,
  o: Options,
  rendered: RenderedIndex,
  results: Result[],
): Entry {
  let item: ItemSource;
  try {
    item = new ItemSource(source);
  } catch (e) {
    if (!(e instanceof ItemError)) throw e;
    results.push(error(`item ${index} ${e.message}`, { field: { path: `items[${index}]` } }));
    return { index, source, header: { annotations: {} }, role: 'other' };
  }
  const h = item.header;
  const entry: Entry = { index, source, item, header: h, role: 'other' };
  const manage = h.annotations[MANAGE_ANNOTATION];
  if (manage === 'hosts' || manage === 'all') entry.manage = manage;
  else if (manage !== undefined) {
    results.push(
      warning(
        `is ${JSON.stringify(manage)}, which the function does not know (hosts or all); ignored`,
        { ...about(h), field: { path: `metadata.annotations.${MANAGE_ANNOTATION}` } },
      ),
    );
  }
  if (!h.kind || !h.name) return entry;
  const match = rendered.byIdentity.get(
    identityKey(h.apiVersion ?? '', h.kind, h.namespace, h.name),
  );
  const listed = h.annotations[OPT_IN_ANNOTATION];
  let managedBy: string | undefined;
  if (listed !== undefined) {
    try {
      managedBy = labelsOf(item)[MANAGED_BY_LABEL];
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
    }
  }
  const ours = managedBy === MANAGED_BY;
  if (ours && listed === o.listName) entry.role = 'created';
  else if (match && ours) {
    results.push(
      error(
        `was rendered for domain list ${JSON.stringify(listed)}, and this list (${JSON.stringify(o.listName)}) renders the same resource: give one of the stacks other names (spec.gateway.name, spec.gateway.namespace, spec.routingNamespace)`,
        {
          ...about(h),
          field: { path: `metadata.annotations.${OPT_IN_ANNOTATION}`, currentValue: listed },
        },
      ),
    );
    return entry;
  } else if (match) entry.role = 'adopted';
  else if (listed === o.listName) entry.role = 'opted-in';
  if (match && entry.role !== 'opted-in') entry.rendered = match;
  if (!match && h.namespace === undefined && o.generate) {
    const same = rendered.namespacedByName.get(
      identityKey(h.apiVersion ?? '', h.kind, undefined, h.name),
    );
    if (same && entry.role !== 'created') {
      results.push(
        error(
          `is not written, and the stack adds ${labelOf(same)} of the same name: the function cannot tell whether they are one object, and adopts an item only when its namespace is written. Write metadata.namespace: ${same.metadata.namespace} on it to let the function fill its host places, or give the stack other names (spec.gateway.name, spec.gateway.namespace), or set generate: false`,
          { ...about(h), field: { path: 'metadata.namespace' } },
        ),
      );
    }
  }
  return entry;
}

/** An item no step of the reconcile concerns: none of the stack's, none opted in, of no kind read later, and no target could select it. */
export function isBystander(e: Entry, o: Options): boolean {
  return (
    e.item !== undefined &&
    e.role === 'other' &&
    e.manage === undefined &&
    o.targets.length === 0 &&
    !READ_KINDS.has(e.header.kind ?? '')
  );
}
