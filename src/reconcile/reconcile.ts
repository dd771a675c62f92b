import { isObject, stringMap } from '../util/data.js';
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { Options, Target } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import type { ItemHeader } from '../krm/item-header.js';
import { ItemError, ItemSource, annotationsOf } from '../krm/item-source.js';
import { toEntry } from '../krm/resource-list.js';
import { emitYaml } from '../krm/emit-yaml.js';
import { error, info, warning, type Result } from '../krm/results.js';
import { renderedCounterpart } from '../merge/counterpart.js';
import { mergeItem } from '../merge/merge-item.js';
import type { MergeScope } from '../merge/merge-values.js';
import { rawOf } from '../merge/text-edits.js';
import { editHostPlaces, isOwnedEntry } from '../places/edit-host-places.js';
import { listPathsInData, parseFieldPath } from '../places/field-path.js';
import {
  hostPlacesFor,
  MANAGE_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OPT_IN_ANNOTATION,
  type HostPlace,
} from '../places/host-places.js';
import { groupOf, identityKey, type Resource } from '../stack/resource.js';
import { renderStack } from '../stack/render-stack.js';
import { MAX_OBJECT_BYTES, WARN_OBJECT_BYTES } from '../stack/limits.js';
import {
  about,
  listChangeResult,
  noteListChange,
  reportField,
  reportPlace,
  resourceRefOf,
  summary,
  type ListChange,
  type Tally,
} from './report.js';
import { adoptSidecars, suppressedRoles } from './roles.js';

/** Items to write and results to report. */
export interface Reconciled {
  items: string[];
  results: Result[];
}

/** One input item as the reconcile sees it. */
export interface Entry {
  index: number;
  source: string;
  item?: ItemSource;
  header: ItemHeader;
  /** The rendered resource with this item's identity (or that it adopts), if any. */
  rendered?: Resource;
  /** `wildcard-egress.dev/manage: hosts`: only host places. */
  hostsOnly: boolean;
  optedIn: boolean;
  /** Rendered by an earlier run of this list (managed-by label and annotation). */
  ours: boolean;
}

function targetMatches(t: Target, h: ItemHeader, item: ItemSource): boolean {
  const s = t.select ?? {};
  if (s.group !== undefined && s.group !== groupOf(h.apiVersion ?? '')) return false;
  if (s.kind !== undefined && s.kind !== h.kind) return false;
  if (s.name !== undefined && s.name !== h.name) return false;
  if (s.namespace !== undefined && s.namespace !== h.namespace) return false;
  if (s.annotations) {
    const all = annotationsOf(item.parse());
    return Object.entries(s.annotations).every(([k, v]) => all[k] === v);
  }
  return true;
}

/** Labels of a parsed item, read only for items that carry the list's annotation. */
function labelsOf(item: ItemSource): Record<string, string> {
  const data: unknown = item.parse().root.toJS(item.parse().doc, { maxAliasCount: 100 });
  const metadata = isObject(data) ? data.metadata : undefined;
  return stringMap(isObject(metadata) ? metadata.labels : undefined);
}

/** The fields of a rendered resource the merge writes: all but its identity. */
function mergeable(r: Resource, adopted: boolean): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = r;
  const { name: _n, namespace: _ns, labels, annotations, ...meta } = metadata;
  // An adopted item (the user's own, taking the list) gets the list's annotation, not the managed-by label.
  return { metadata: { ...meta, ...(adopted ? {} : { labels }), annotations }, ...rest };
}

/**
 * Reconciles the input items with the stack for this list:
 * - an item with a rendered resource's identity takes every field the
 *   function renders (merge-rules.ts), keeping what only the user wrote;
 *   with `wildcard-egress.dev/manage: hosts` only its host places;
 * - an item that opts in by annotation, a target selects, or (a Gateway) an
 *   owned or opted-in VirtualService binds to gets the list in its host places;
 * - a resource the function rendered earlier that the config no longer needs
 *   is removed (generate mode), and missing ones are added, except where the
 *   input already has its own of that role.
 * In check mode nothing changes and each difference is an error.
 */
export function reconcile(
  sources: readonly string[],
  indent: number,
  o: Options,
  plan: DomainPlan,
): Reconciled {
  const results: Result[] = [];
  const rendered = renderStack(o, plan);
  const byIdentity = new Map<string, Resource>();
  const byName = new Map<string, Resource>();
  for (const r of rendered) {
    byIdentity.set(identityKey(r.apiVersion, r.kind, r.metadata.namespace, r.metadata.name), r);
    byName.set(identityKey(r.apiVersion, r.kind, undefined, r.metadata.name), r);
  }
  // Items the function has nothing to do with (most of a large input) stay plain text: only their source is kept.
  const slots: (Entry | string)[] = sources.map((source, index) => {
    const e = classify(source, index, o, byIdentity, byName, results);
    return isBystander(e, o) ? source : e;
  });
  const entries = slots.filter((x): x is Entry => typeof x !== 'string');
  const adopted = adoptSidecars(entries, rendered, o, results);
  const suppressed = suppressedRoles(entries, rendered, o);
  const present = new Set(
    entries.flatMap((e) =>
      e.rendered && !(e.ours && suppressed.has(e.rendered)) ? [e.rendered] : [],
    ),
  );
  const boundGateways = gatewaysBoundByList(entries);
  const tally: Tally = { reached: 0, changedPlaces: 0, changedFields: 0, added: 0, removed: 0 };
  const listChange: ListChange = { added: new Set(), removed: new Set() };
  // Only a long list can push an object near the API server's limits: shorter ones skip the measuring.
  const large = plan.all.reduce((n, d) => n + d.length + 3, 0) > SIZE_CHECK_FROM;
  const out: string[] = [];
  // In the function's own Sidecar every egress host is the function's (extra ones come from sidecarHosts);
  // in a Sidecar it adopts, only `<routingNamespace>/<name>` entries are.
  const scopeOf = (h: ItemHeader, e?: Entry): MergeScope => ({
    group: groupOf(h.apiVersion ?? ''),
    kind: h.kind ?? '',
    ownsEntry: (pattern, entry) =>
      pattern === 'spec.egress.*.hosts' &&
      (!(e && adopted.has(e)) || isOwnedEntry(entry, o.routingNamespace)),
  });

  for (const slot of slots) {
    if (typeof slot === 'string') {
      out.push(slot);
      continue;
    }
    const e = slot;
    const h = e.header;
    if (!e.item) {
      out.push(e.source);
      continue;
    }
    if (e.ours && (!e.rendered || suppressed.has(e.rendered)) && o.generate) {
      // Rendered by an earlier run; this config no longer needs it.
      if (o.check)
        results.push(
          error(
            'would be removed: the function rendered it and the config no longer needs it',
            about(h),
          ),
        );
      else {
        results.push(info('removed: the config no longer needs it', about(h)));
        tally.removed++;
        continue;
      }
    }
    if (!e.rendered && !e.ours && isStaleChunk(h, o)) {
      results.push(
        warning(
          'looks like a ServiceEntry this list split off earlier; the list no longer needs it: delete it',
          about(h),
        ),
      );
    }
    const group = groupOf(h.apiVersion ?? '');
    const places: HostPlace[] = [];
    const owned = e.rendered !== undefined && !e.hostsOnly;
    if ((e.rendered && e.hostsOnly) || e.optedIn)
      places.push(...hostPlacesFor(group, h.kind ?? '').filter((p) => !p.gatewayHosts));
    if (
      h.kind === 'Gateway' &&
      !owned &&
      (e.optedIn || boundGateways.has(`${h.namespace ?? ''}/${h.name}`))
    ) {
      places.push(...hostPlacesFor(group, 'Gateway').filter((p) => p.gatewayHosts));
    }
    let targeted = false;
    for (const t of o.targets) {
      try {
        if (targetMatches(t, h, e.item)) {
          targeted = true;
          places.push({
            group,
            kind: h.kind ?? '',
            path: t.path,
            ...(t.format ? { format: t.format } : {}),
          });
        }
      } catch (err) {
        if (!(err instanceof ItemError)) throw err;
        results.push(
          error(`item ${e.index} ${err.message}`, {
            field: { path: `items[${e.index}]` },
            ...about(h),
          }),
        );
      }
    }
    if (!owned && places.length === 0) {
      if (e.optedIn)
        results.push(
          warning(
            `asks for domain list ${JSON.stringify(o.listName)} but its kind has no host places; add a spec.targets entry for it`,
            about(h),
          ),
        );
      out.push(e.source);
      continue;
    }
    let text = e.source;
    try {
      if (owned) {
        const merge = mergeItem(
          text,
          e.item.parse().root as YAMLMap,
          mergeable(e.rendered!, adopted.has(e)),
          scopeOf(h, e),
        );
        const placePaths = hostPlacePaths(e.rendered!);
        for (const c of merge.changes) {
          results.push(reportField(c, h, o.check));
          if (placePaths.has(c.path)) {
            tally.changedPlaces++;
            noteListChange(listChange, c.current, c.proposed);
          } else tally.changedFields++;
        }
        text = merge.text;
      } else if (e.rendered && e.hostsOnly) {
        text = ensureListAnnotation(text, e.item, o, scopeOf(h));
      }
      if (places.length > 0) {
        const parsed = text === e.source ? e.item.parse() : new ItemSource(text).parse();
        const hostsAt = hostsFor(e, places, parsed.root, text, o, plan, scopeOf(h));
        const edit = editHostPlaces(text, parsed.root, places, hostsAt.at, o.routingNamespace);
        if (edit.outcomes.length === 0 && (e.optedIn || targeted || hostsAt.expected)) {
          results.push(
            warning(
              `has no place for the list: none of ${places.map((p) => p.path).join(', ')} exists`,
              about(h),
            ),
          );
        }
        for (const oc of edit.outcomes) {
          tally.reached++;
          results.push(...reportPlace(oc, h, o.check));
          if (oc.changed && !oc.problem && !oc.refused) {
            tally.changedPlaces++;
            noteListChange(listChange, oc.current, oc.proposed);
          }
        }
        text = edit.text;
      }
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      results.push(
        error(`item ${e.index} ${err.message}`, {
          field: { path: `items[${e.index}]` },
          ...about(h),
        }),
      );
      text = e.source;
    }
    if (owned) tally.reached += countPlaces(e.rendered!);
    if (text !== e.source && large) results.push(...sizeProblems(text, h, !owned));
    out.push(o.check ? e.source : text);
  }

  if (o.generate) {
    for (const r of rendered) {
      if (present.has(r)) continue;
      const why = suppressed.get(r);
      if (why) {
        results.push(warning(`not added: ${why}`, { resourceRef: resourceRefOf(r) }));
        continue;
      }
      if (o.check) {
        results.push(error('missing from the input', { resourceRef: resourceRefOf(r) }));
        continue;
      }
      out.push(toEntry(emitYaml(r), indent));
      if (large)
        results.push(
          ...sizeProblems(
            r,
            {
              kind: r.kind,
              name: r.metadata.name,
              ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}),
              annotations: {},
            },
            false,
          ),
        );
      results.push(info('added', { resourceRef: resourceRefOf(r) }));
      tally.added++;
      tally.reached += countPlaces(r);
    }
  }
  if (tally.reached === 0 && !(o.generate && !o.check)) {
    results.push(
      warning(
        `domain list ${JSON.stringify(o.listName)} reached nothing: no item has a host place for it (annotate items with ${OPT_IN_ANNOTATION}: ${o.listName}, or set generate: true)`,
      ),
    );
  }
  results.push(summary(o, plan.all.length, tally, results));
  // What changed in the list leads: kpt shows the first results, and the per-place lines repeat it.
  return {
    items: out,
    results: o.check ? results : [...listChangeResult(o, listChange), ...results],
  };
}

function classify(
  source: string,
  index: number,
  o: Options,
  byIdentity: Map<string, Resource>,
  byName: Map<string, Resource>,
  results: Result[],
): Entry {
  let item: ItemSource;
  try {
    item = new ItemSource(source);
  } catch (e) {
    if (!(e instanceof ItemError)) throw e;
    results.push(error(`item ${index} ${e.message}`, { field: { path: `items[${index}]` } }));
    return {
      index,
      source,
      header: { annotations: {} },
      hostsOnly: false,
      optedIn: false,
      ours: false,
    };
  }
  const h = item.header;
  const rendered =
    h.kind && h.name
      ? (byIdentity.get(identityKey(h.apiVersion ?? '', h.kind, h.namespace, h.name)) ??
        (h.namespace === undefined
          ? byName.get(identityKey(h.apiVersion ?? '', h.kind, undefined, h.name))
          : undefined))
      : undefined;
  const listed = h.annotations[OPT_IN_ANNOTATION] === o.listName;
  let ours = false;
  if (listed) {
    try {
      ours = labelsOf(item)[MANAGED_BY_LABEL] === MANAGED_BY;
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
    }
  }
  const entry: Entry = {
    index,
    source,
    item,
    header: h,
    hostsOnly: h.annotations[MANAGE_ANNOTATION] === 'hosts',
    // An item the function rendered carries the annotation too; it is owned, not merely opted in.
    optedIn: listed && !ours && rendered === undefined,
    ours,
  };
  if (rendered) entry.rendered = rendered;
  return entry;
}

/** Names shorter than this many bytes in all cannot bring an object near the limits. */
const SIZE_CHECK_FROM = 16 * 1024;

/**
 * An object's size as JSON (what `kubectl apply` keeps in its annotation): a
 * warning past 200 KiB; an item the user owns that the list pushes past 256
 * KiB is refused (the function splits only what it renders).
 */
function sizeProblems(object: string | Resource, h: ItemHeader, userOwned: boolean): Result[] {
  let data: unknown = object;
  if (typeof object === 'string') {
    // JSON of a block-style item is at most about 1.5 times its YAML: shorter items need no parse.
    if (object.length * 1.5 < WARN_OBJECT_BYTES) return [];
    try {
      const parsed = new ItemSource(object).parse();
      data = parsed.root.toJS(parsed.doc, { maxAliasCount: 100 });
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      return [];
    }
  }
  const bytes = JSON.stringify(data).length;
  const kib = (bytes / 1024).toFixed(1);
  if (userOwned && bytes > MAX_OBJECT_BYTES) {
    return [
      error(
        `would be ${kib} KiB as JSON with the list, over the ${MAX_OBJECT_BYTES / 1024} KiB kubectl apply can store: the function splits only what it renders; let it render this object, or shorten the list`,
        about(h),
      ),
    ];
  }
  if (bytes > WARN_OBJECT_BYTES)
    return [
      warning(
        `is ${kib} KiB as JSON, near the ${MAX_OBJECT_BYTES / 1024} KiB kubectl apply (client-side) can store`,
        about(h),
      ),
    ];
  return [];
}

/** Kinds a later step reads beyond their header: a namespace's Sidecars, the VirtualServices that bind Gateways, the Gateways, EnvoyFilters and ServiceEntries. */
const READ_KINDS = new Set(['Sidecar', 'VirtualService', 'Gateway', 'EnvoyFilter', 'ServiceEntry']);

/** An item no step of the reconcile concerns: not the stack's, not opted in or the function's, of no kind read later, and no target could select it. */
function isBystander(e: Entry, o: Options): boolean {
  return (
    e.item !== undefined &&
    !e.rendered &&
    !e.optedIn &&
    !e.ours &&
    !e.hostsOnly &&
    o.targets.length === 0 &&
    !READ_KINDS.has(e.header.kind ?? '')
  );
}

/** A ServiceEntry named like one of the list's (`wildcard-3`, `wildcard-ports-443-8443`) from a run before the function labelled what it renders. */
function isStaleChunk(h: ItemHeader, o: Options): boolean {
  return (
    h.kind === 'ServiceEntry' &&
    h.namespace === o.routingNamespace &&
    /^wildcard(-ports(-\d+)+)?(-\d+)?$/.test(h.name ?? '') &&
    h.name !== 'wildcard'
  );
}

// Rendered resources do not change during a run: their host places are found once each.
const placePathsCache = new WeakMap<Resource, Set<string>>();

/** Concrete paths of the host places a rendered resource holds. */
function hostPlacePaths(r: Resource): Set<string> {
  const cached = placePathsCache.get(r);
  if (cached) return cached;
  const paths = findHostPlacePaths(r);
  placePathsCache.set(r, paths);
  return paths;
}

function findHostPlacePaths(r: Resource): Set<string> {
  return new Set(
    hostPlacesFor(groupOf(r.apiVersion), r.kind)
      .filter((p) => !p.gatewayHosts)
      .flatMap((p) => listPathsInData(r, parseFieldPath(p.path))),
  );
}

/** Number of host places a rendered resource holds (for the summary). */
function countPlaces(r: Resource): number {
  return hostPlacePaths(r).size;
}

/**
 * What each host place of an item should hold: for an item of the stack, the
 * value the rendered resource holds at the corresponding field (list
 * elements matched by key, never by position); anything else takes the
 * whole list. Formatted places (`istio-system/<host>`) give back their names.
 */
function hostsFor(
  e: Entry,
  places: readonly HostPlace[],
  root: unknown,
  text: string,
  o: Options,
  plan: DomainPlan,
  scope: MergeScope,
) {
  if (!e.rendered) return { at: (): readonly string[] => plan.all, expected: false };
  const raw = rawOf(root as never, text);
  const prefix = `${o.routingNamespace}/`;
  let expected = false;
  const at = (path: string): readonly string[] => {
    const value = renderedCounterpart(scope, e.rendered, raw, path);
    if (!Array.isArray(value)) return plan.all;
    const place = places.find((p) => p.format);
    const names = value.map(String);
    return place && path.startsWith('spec.egress')
      ? names.filter((v) => isOwnedEntry(v, o.routingNamespace)).map((v) => v.slice(prefix.length))
      : names;
  };
  // A stack resource whose rendered form holds no list (the gateway's AuthorizationPolicy) is not expected to have one.
  for (const p of places)
    if (listPathsInData(e.rendered, parseFieldPath(p.path)).length > 0) expected = true;
  return { at, expected };
}

/** Gateways (`namespace/name`) that a VirtualService holding the list binds to: theirs get the list in their server hosts. */
function gatewaysBoundByList(entries: readonly Entry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.header.kind !== 'VirtualService' || !e.item || !(e.rendered || e.optedIn)) continue;
    let gateways: unknown;
    try {
      const root = e.item.parse().root;
      gateways = isMap(root) ? root.getIn(['spec', 'gateways'], true) : undefined;
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      continue;
    }
    if (!isSeq(gateways)) continue;
    // Without namespaces in the files (kustomize or kubectl supplies one), a VirtualService and a Gateway share theirs.
    const ns = e.header.namespace ?? '';
    for (const g of gateways.items) {
      const ref = isScalar(g) ? String(g.value) : '';
      if (ref === '' || ref === 'mesh') continue;
      out.add(ref.includes('/') ? ref : `${ns}/${ref}`);
    }
  }
  return out;
}

/** An item of the stack kept to its host places still says whose list it holds. */
function ensureListAnnotation(
  text: string,
  item: ItemSource,
  o: Options,
  scope: MergeScope,
): string {
  if (item.header.annotations[OPT_IN_ANNOTATION] === o.listName) return text;
  return mergeItem(
    text,
    item.parse().root as YAMLMap,
    { metadata: { annotations: { [OPT_IN_ANNOTATION]: o.listName } } },
    scope,
  ).text;
}
