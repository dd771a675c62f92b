import type { YAMLMap } from 'yaml';
import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { ABSENT, emitYaml } from '../krm/emit-yaml.js';
import { ItemError, ItemSource } from '../krm/item-source.js';
import { toEntry } from '../krm/resource-list.js';
import { error, info, warning, type Result } from '../krm/results.js';
import { renderedCounterpart } from '../merge/counterpart.js';
import { mergeItem } from '../merge/merge-item.js';
import type { MergeScope } from '../merge/merge-values.js';
import { rawOf } from '../merge/text-edits.js';
import {
  editHostPlaces,
  type PlaceDecision,
  type PlaceOutcome,
} from '../places/edit-host-places.js';
import { listPathsInData, parseFieldPath } from '../paths/field-path.js';
import { fitPlace, type ListFacts } from '../places/fit.js';
import {
  ADOPTED_ANNOTATION,
  hostPlacesFor,
  MANAGE_ANNOTATION,
  MANAGED_BY_LABEL,
  OPT_IN_ANNOTATION,
  type HostPlace,
} from '../places/host-places.js';
import { groupOf, type Resource } from '../stack/resource.js';
import { isObject, type JsonObject } from '../util/data.js';
import type { Entry } from './entry.js';
import type { ItemAction, ReconcilePlan } from './plan.js';
import {
  about,
  label,
  labelOf,
  reportField,
  reportPlace,
  resourceRefOf,
  summary,
  type Tally,
} from './report.js';
import { SIZE_CHECK_FROM, sizeProblems } from './size.js';

/** Items to write, where each came from (an input index, or undefined for an added one), and results. */
export interface Reconciled {
  items: string[];
  origins: (number | undefined)[];
  results: Result[];
}

/** Fields named in the warning about an adopted item's own fields; the rest are counted. */
const DRIFT_SHOWN = 6;

// Rendered resources do not change during a run: their host places are found once each.
const placePathsCache = new WeakMap<Resource, Set<string>>();

/** Concrete paths of the host places a rendered resource holds. */
export function hostPlacePaths(r: Resource): Set<string> {
  let paths = placePathsCache.get(r);
  if (!paths) {
    paths = new Set(
      hostPlacesFor(groupOf(r.apiVersion), r.kind)
        .filter((p) => !p.gatewayHosts)
        .flatMap((p) => listPathsInData(r, parseFieldPath(p.path))),
    );
    placePathsCache.set(r, paths);
  }
  return paths;
}

/**
 * The fields of a rendered resource a merge writes: all but its identity; the
 * marks of creation only on what the function created, the mark of adoption
 * (`adoptedBy`, the list's name) on a Sidecar it adopted.
 */
function mergeable(r: Resource, created: boolean, adoptedBy?: string): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = r;
  const { name: _n, namespace: _ns, labels, annotations, ...meta } = metadata;
  if (created) return { metadata: { ...meta, labels, annotations }, ...rest };
  const { [MANAGED_BY_LABEL]: _l, ...ownLabels } = (labels ?? {}) as Record<string, string>;
  const { [OPT_IN_ANNOTATION]: _o, ...rendered } = (annotations ?? {}) as Record<string, string>;
  const ownAnnotations = adoptedBy ? { ...rendered, [ADOPTED_ANNOTATION]: adoptedBy } : rendered;
  const marks = {
    ...(Object.keys(ownLabels).length > 0 ? { labels: ownLabels } : {}),
    ...(Object.keys(ownAnnotations).length > 0 ? { annotations: ownAnnotations } : {}),
  };
  return { metadata: { ...meta, ...marks }, ...rest };
}

/** The list as the fit checks need it: every name and the ports it is listed on. */
function listFacts(plan: DomainPlan, mode: Options['mode']): ListFacts {
  const ports = new Map<string, number[]>();
  for (const lane of plan.lanes)
    for (const d of lane.domains) {
      const at = ports.get(d) ?? [];
      if (!at.includes(lane.upstreamPort)) at.push(lane.upstreamPort);
      ports.set(d, at);
    }
  return { names: plan.all, portsOf: (n) => ports.get(n) ?? [], mode };
}

/**
 * Carries out a reconcile plan on the items' text: full merges of what the
 * function owns, host places of the rest (each place checked for fit first),
 * removals and additions; in check mode every change is an error and nothing
 * is written. Every item not written comes out as it came in.
 */
export function applyPlan(
  slots: readonly (Entry | string)[],
  rp: ReconcilePlan,
  o: Options,
  plan: DomainPlan,
  indent: number,
  results: Result[],
): Reconciled {
  const tally: Tally = { reached: 0, changedPlaces: 0, changedFields: 0, added: 0, removed: 0 };
  const large = plan.all.reduce((n, d) => n + d.length + 3, 0) > SIZE_CHECK_FROM;
  const facts = listFacts(plan, o.mode);
  const prefix = `${o.routingNamespace}/`;
  const clusterSuffix = `.${o.clusterDomain}`;
  // An entry of a Sidecar's egress hosts is the list's when it imports an external name from the
  // routing namespace that no ServiceEntry of the user's declares; `ns/*` and cluster names stay the user's.
  const userKeeps = (entry: string) => {
    const host = entry.slice(entry.indexOf('/') + 1);
    return host.endsWith(clusterSuffix) || rp.userDeclared.has(host);
  };
  const ownsSidecarEntry = (entry: string) =>
    entry.startsWith(prefix) && entry !== `${prefix}*` && !userKeeps(entry);
  const scopeOf = (e: Entry): MergeScope => ({
    group: groupOf(e.header.apiVersion ?? ''),
    kind: e.header.kind ?? '',
    vars: { routingNamespace: o.routingNamespace },
    // In what it created every entry is the function's; in a Sidecar of the user's, imports of
    // cluster names and of names the user's ServiceEntries declare stay the user's.
    ownsAll: e.role === 'created',
    keepsEntry: userKeeps,
    unordered: (path) => (e.rendered ? hostPlacePaths(e.rendered).has(path) : false),
  });
  const drifted: string[] = [];
  const items: string[] = [];
  const origins: (number | undefined)[] = [];
  const emit = (text: string, origin: number | undefined) => {
    items.push(text);
    origins.push(origin);
  };

  slots.forEach((slot, index) => {
    if (typeof slot === 'string') return emit(slot, index);
    const e = slot;
    const action: ItemAction = rp.actions.get(e) ?? { do: 'keep' };
    if (action.do === 'keep') return emit(e.source, index);
    if (action.do === 'remove') {
      if (o.check) {
        results.push(
          error(
            `${label(e.header)} would be removed: the function rendered it and ${action.why}`,
            about(e.header),
          ),
        );
        return emit(e.source, index);
      }
      results.push(info(`removed ${label(e.header)}: ${action.why}`, about(e.header)));
      tally.removed++;
      return;
    }
    const text = writeItem(e, action);
    emit(o.check ? e.source : text, index);
  });

  function writeItem(e: Entry, action: Extract<ItemAction, { do: 'write' }>): string {
    const h = e.header;
    let text = e.source;
    try {
      if (action.fields === 'all' && e.rendered) {
        const merge = mergeItem(
          text,
          e.item!.parse().root as YAMLMap,
          mergeable(
            e.rendered,
            e.role === 'created',
            rp.adoptedSidecars.has(e) ? o.listName : undefined,
          ),
          scopeOf(e),
        );
        const placePaths = hostPlacePaths(e.rendered);
        for (const c of merge.changes) {
          results.push(reportField(c, h, o.check));
          if (placePaths.has(c.path)) tally.changedPlaces++;
          else tally.changedFields++;
        }
        tally.reached += placePaths.size;
        text = merge.text;
      }
      if (action.unmark) {
        // A Sidecar the function adopted before and no longer does: its mark of adoption goes.
        const merge = mergeItem(
          text,
          e.item!.parse().root as YAMLMap,
          { metadata: { annotations: { [ADOPTED_ANNOTATION]: ABSENT } } },
          scopeOf(e),
        );
        for (const c of merge.changes) {
          results.push(reportField(c, e.header, o.check));
          tally.changedFields++;
        }
        text = merge.text;
      }
      if (action.wiring) {
        // A field the created part of the stack selects on: written into the adopted item, and reported.
        const merge = mergeItem(text, e.item!.parse().root as YAMLMap, action.wiring, scopeOf(e));
        for (const c of merge.changes) {
          results.push(reportField(c, e.header, o.check));
          tally.changedFields++;
        }
        text = merge.text;
      }
      if (action.fields === 'hosts' && e.role === 'adopted' && e.rendered)
        results.push(...driftOf(e, e.rendered, text));
      if (action.places.length > 0) {
        const parsed = text === e.source ? e.item!.parse() : new ItemSource(text).parse();
        const own = e.item!.parse();
        const data: unknown = own.root.toJS(own.doc, { maxAliasCount: 100 });
        const decide = decider(e, action, isObject(data) ? data : {}, rawOf(parsed.root, text));
        const edit = editHostPlaces(
          text,
          parsed.root,
          action.places,
          decide,
          o.routingNamespace,
          (x) =>
            e.role === 'created' ? x.startsWith(prefix) && x !== `${prefix}*` : ownsSidecarEntry(x),
        );
        if (edit.outcomes.length === 0 && action.expected) {
          results.push(
            warning(
              `${label(h)} has no place for the list: none of ${action.places.map((p) => p.path).join(', ')} exists`,
              about(h),
            ),
          );
        }
        // A refused item says why once: the places left as written beside the refusal add nothing.
        const refused = edit.outcomes.some((oc) => oc.refused);
        for (const oc of edit.outcomes) {
          if (refused && oc.left) continue;
          tally.reached++;
          results.push(...reportPlace(oc, h, o.check));
          if (oc.changed) tally.changedPlaces++;
          if (oc.changed && e.role !== 'created') results.push(...danglingNames(e, oc));
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
      return e.source;
    }
    if (text !== e.source && large) results.push(...sizeProblems(text, h, e.role !== 'created'));
    return text;
  }

  /**
   * An adopted item keeps its own fields: an info names those that differ
   * from what the function renders (a dry-run merge), and one warning for the
   * run names the items and says how to hand them over.
   */
  function driftOf(e: Entry, rendered: Resource, text: string): Result[] {
    const dry = mergeItem(
      text,
      (text === e.source ? e.item!.parse() : new ItemSource(text).parse()).root as YAMLMap,
      mergeable(rendered, false),
      scopeOf(e),
    );
    const places = hostPlacePaths(rendered);
    const fields = dry.changes.map((c) => c.path).filter((p) => !places.has(p));
    if (fields.length === 0) return [];
    drifted.push(label(e.header));
    const shown = fields.slice(0, DRIFT_SHOWN).join(', ');
    const more = fields.length > DRIFT_SHOWN ? ` and ${fields.length - DRIFT_SHOWN} more` : '';
    return [
      info(
        `kept as written: ${fields.length} field(s) differ from what the function renders (${shown}${more})`,
        about(e.header),
      ),
    ];
  }

  /**
   * Names an item of the user's own loses that other items still route by
   * name (a VirtualService's hosts, a DestinationRule's host): one warning, so
   * the user sees what no longer has a declaration.
   */
  function danglingNames(e: Entry, oc: PlaceOutcome): Result[] {
    const dropped = oc.current.filter((h) => !oc.proposed.includes(h));
    const users = new Map<string, string[]>();
    for (const h of dropped) {
      const by = (rp.routedBy.get(h) ?? []).filter((x) => x !== e);
      if (by.length > 0)
        users.set(
          h,
          by.map((x) => label(x.header)),
        );
    }
    if (users.size === 0) return [];
    const who = [...new Set([...users.values()].flat())].join(', ');
    return [
      warning(
        `${oc.path} no longer holds ${[...users.keys()].join(', ')}, which ${who} still route${who.includes(',') ? '' : 's'} by name: add ${users.size === 1 ? 'it' : 'them'} to the list, or keep ${users.size === 1 ? 'it' : 'them'} in a ServiceEntry of ${users.size === 1 ? 'its' : 'their'} own`,
        { ...about(e.header), field: { path: oc.path } },
      ),
    ];
  }

  /** What each place of an item should hold: the rendered counterpart's names, or the list as the place fits. */
  function decider(
    e: Entry,
    action: Extract<ItemAction, { do: 'write' }>,
    data: JsonObject,
    raw: unknown,
  ): (place: HostPlace, path: string) => PlaceDecision {
    return (place, path) => {
      if (e.role !== 'created' && place.shape) {
        const fit = fitPlace(place.shape, data, path, facts);
        if (!fit.fits)
          return { leave: { field: fit.field, message: fit.message, refuse: fit.refuse } };
        if (action.names === 'list' || place.gatewayHosts)
          return {
            names: fit.names,
            ...(fit.keep ? { keep: fit.keep } : {}),
            ...(fit.notes ? { notes: fit.notes } : {}),
          };
      } else if (action.names === 'list' || place.gatewayHosts) return { names: plan.all };
      const value = renderedCounterpart(scopeOf(e), e.rendered, raw, path);
      if (!Array.isArray(value)) {
        return {
          leave: {
            field: path,
            message: `the stack renders no list at this place of ${labelOf(e.rendered!)}; left as written`,
            refuse: false,
          },
        };
      }
      const names = value.map(String);
      return {
        names: place.format
          ? names
              .filter((v) => v.startsWith(prefix) && v !== `${prefix}*`)
              .map((v) => v.slice(prefix.length))
          : names,
      };
    };
  }

  // What the run does not add, and why; moot when the run fails.
  if (!results.some((r) => r.severity === 'error'))
    for (const { resource, why } of rp.notAdded)
      results.push(
        warning(`did not add ${labelOf(resource)}: ${why}`, {
          resourceRef: resourceRefOf(resource),
        }),
      );
  for (const r of rp.add) {
    if (o.check) {
      results.push(
        error(`${labelOf(r)} is missing from the input`, { resourceRef: resourceRefOf(r) }),
      );
      continue;
    }
    emit(toEntry(emitYaml(r), indent), undefined);
    if (large) {
      const h = {
        kind: r.kind,
        name: r.metadata.name,
        ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}),
        annotations: {},
      };
      results.push(...sizeProblems(r, h, false));
    }
    results.push(info(`added ${labelOf(r)}`, { resourceRef: resourceRefOf(r) }));
    tally.added++;
    tally.reached += hostPlacePaths(r).size;
  }
  if (drifted.length > 0) {
    results.push(
      warning(
        `${drifted.length} item(s) of the stack are yours, not created by the function, and keep fields that differ from what it renders (${drifted.join(', ')}): only the list goes into their host places. Annotate them with ${MANAGE_ANNOTATION}: all to let the function own those fields (docs/ownership.md)`,
      ),
    );
  }
  if (tally.reached === 0 && !(o.generate && !o.check)) {
    results.push(
      warning(
        `domain list ${JSON.stringify(o.listName)} reached nothing: no item has a host place for it (annotate items with ${OPT_IN_ANNOTATION}: ${o.listName}${o.generate ? '' : ', or set generate: true'})`,
      ),
    );
  }
  results.push(summary(o, plan.all.length, tally, results));
  return { items, origins, results };
}
