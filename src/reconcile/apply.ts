import type { YAMLMap } from 'yaml';
import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { ABSENT, emitYaml } from '../krm/emit-yaml.js';
import { ItemError, ItemSource } from '../krm/item-source.js';
import { toEntry } from '../krm/resource-list.js';
import { error, info, warning, type Result } from '../krm/results.js';
import { renderedCounterpart } from '../merge/counterpart.js';
import { mergeItem } from '../merge/merge-item.js';
import { rawOf } from '../merge/text-edits.js';
import { editHostPlaces, type PlaceDecision } from '../places/edit-host-places.js';
import { fitPlace } from '../places/fit.js';
import {
  ADOPTED_ANNOTATION,
  MANAGE_ANNOTATION,
  OPT_IN_ANNOTATION,
  type HostPlace,
} from '../places/host-places.js';
import { isObject, type JsonObject } from '../util/data.js';
import type { Entry } from './entry.js';
import type { ItemAction, ReconcilePlan } from './plan.js';
import {
  about,
  label,
  labelOf,
  listChangeResult,
  noteListChange,
  reportField,
  reportPlace,
  resourceRefOf,
  shownHost,
  summary,
  type ListChange,
  type Tally,
} from './report.js';
import { SIZE_CHECK_FROM, sizeProblems } from './size.js';
import { hostPlacePaths, listFacts, mergeable, mergeScopes } from './merge-input.js';
import { danglingNames, driftOf } from './user-notes.js';

/** Items to write, where each came from (an input index, or undefined for an added one), and results. */
export interface Reconciled {
  items: string[];
  origins: (number | undefined)[];
  results: Result[];
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
  const facts = listFacts(plan, o.mode, o.clusterDomain);
  const { scopeOf, ownsSidecarEntry, prefix } = mergeScopes(o, rp.userDeclared);
  const drifted: string[] = [];
  /** Names the places written hold (a `namespace/` prefix dropped): what generate: false leaves unplaced. */
  const placed = new Set<string>();
  const listChange: ListChange = { before: new Set(), after: new Set() };
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
          error(`would be removed: the function rendered it and ${action.why}`, about(e.header)),
        );
        return emit(e.source, index);
      }
      results.push(info(`removed: ${action.why}`, about(e.header)));
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
          if (placePaths.has(c.path)) {
            tally.changedPlaces++;
            noteListChange(listChange, c.current, c.proposed);
          } else tally.changedFields++;
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
      if (action.fields === 'hosts' && e.role === 'adopted' && e.rendered) {
        const drift = driftOf(e, e.rendered, text, scopeOf(e), o.check);
        if (drift.fields.length > 0) drifted.push(label(e.header));
        results.push(...drift.results);
      }
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
              `has no place for the list: none of ${action.places.map((p) => p.path).join(', ')} exists`,
              about(h),
            ),
          );
        }
        // A refused item says why once: the places left as written beside the refusal add nothing.
        const refused = edit.outcomes.some((oc) => oc.refused);
        for (const oc of edit.outcomes) {
          if (refused && oc.left) continue;
          tally.reached++;
          if (!oc.left && !oc.refused && !oc.problem)
            for (const x of oc.proposed) placed.add(x.slice(x.lastIndexOf('/') + 1));
          results.push(...reportPlace(oc, h, o.check, e.role === 'adopted'));
          if (oc.changed) {
            tally.changedPlaces++;
            noteListChange(listChange, oc.current, oc.proposed);
          }
          if (oc.changed && e.role !== 'created')
            results.push(...danglingNames(e, oc, rp.routedBy));
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

  /** What each place of an item should hold: the rendered counterpart's names, or the list as the place fits. */
  function decider(
    e: Entry,
    action: Extract<ItemAction, { do: 'write' }>,
    data: JsonObject,
    raw: unknown,
  ): (place: HostPlace, path: string) => PlaceDecision {
    return (place, path) => {
      if (e.role !== 'created' && place.shape) {
        // An item adopted by identity carries no annotation to remove: say what makes it the stack's.
        const undo =
          e.role === 'adopted' && e.rendered
            ? `rename it or move it to another namespace (it is taken as the stack's ${labelOf(e.rendered)} because its kind, namespace and name are that resource's)`
            : undefined;
        const fit = fitPlace(place.shape, data, path, facts, undo);
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
        warning(`not added: ${why}`, {
          resourceRef: resourceRefOf(resource),
        }),
      );
  for (const r of rp.add) {
    if (o.check) {
      results.push(error('missing from the input', { resourceRef: resourceRefOf(r) }));
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
    results.push(info('added', { resourceRef: resourceRefOf(r) }));
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
  // With nothing rendered, a name no item of the user's carries is enforced nowhere: say which.
  const unplaced = o.generate ? [] : plan.all.filter((n) => !placed.has(n));
  if (tally.reached > 0 && unplaced.length > 0)
    results.push(
      warning(
        `${unplaced.map(shownHost).join(', ')}: in the list, but in no host place (generate: false renders nothing, and no item of yours carries ${unplaced.length === 1 ? 'it' : 'them'}, e.g. no port of theirs fits). Opt in an item that can, or set generate: true`,
      ),
    );
  if (tally.reached === 0 && !(o.generate && !o.check)) {
    results.push(
      warning(
        `domain list ${JSON.stringify(o.listName)} reached nothing: no item has a host place for it (annotate items with ${OPT_IN_ANNOTATION}: ${o.listName}${o.generate ? '' : ', or set generate: true'})`,
      ),
    );
  }
  results.push(summary(o, plan.all.length, tally, results));
  // What changed in the list leads: kpt shows the first results, and the per-place lines repeat it.
  return {
    items,
    origins,
    results: o.check ? results : [...listChangeResult(o, listChange, plan.all), ...results],
  };
}
