import type { Options, Target } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { annotationsOf, ItemError } from '../krm/item-source.js';
import { error, warning, type Result } from '../krm/results.js';
import {
  ADOPTED_ANNOTATION,
  hostPlacesFor,
  OPT_IN_ANNOTATION,
  type HostPlace,
} from '../places/host-places.js';
import { groupOf, type Resource } from '../stack/resource.js';
import { ownsAllFields, type Entry } from './entry.js';
import { declaredByUser, gatewaysBoundByList, routedHosts, wiringFor } from './input-facts.js';
import { layoutResults, meshConflicts, overlapWarnings } from './layout.js';
import { duplicateWarnings } from './duplicates.js';
import { gatewayPolicyWarnings } from './policy-notes.js';
import { sidecarScopeWarnings, stackImpactWarnings } from './guard-notes.js';
import { about, labelOf } from './report.js';
import { GATEWAY_LABEL } from '../stack/names.js';
import { isObject } from '../util/data.js';
import { listFacts } from './merge-input.js';
import { adoptSidecars, suppressedRoles } from './roles.js';

/** What the run does with one item. */
export type ItemAction =
  | { do: 'keep' }
  | { do: 'remove'; why: string }
  | {
      do: 'write';
      /** Merge every rendered field (the item is the function's), or only write host places. */
      fields: 'all' | 'hosts';
      /** Host places to write beyond a full merge, each with where its names come from. */
      places: HostPlace[];
      /** `rendered`: each place holds what the rendered resource holds there; `list`: the list, as the place fits. */
      names: 'rendered' | 'list';
      /** A target or an opt-in asked for a place: say so when none exists. */
      expected: boolean;
      /** Fields of an adopted item that resources the function creates depend on (merged in, reported). */
      wiring?: Record<string, unknown>;
      /** The item carries this list's mark of adoption, and the run no longer adopts it: remove the mark. */
      unmark?: boolean;
    };

/** The reconcile decided as plain data: what happens to each item, what is added and what is not. */
export interface ReconcilePlan {
  actions: Map<Entry, ItemAction>;
  /** Namespace Sidecars of the user's own that take the rendered Sidecar's place. */
  adoptedSidecars: Set<Entry>;
  add: Resource[];
  notAdded: { resource: Resource; why: string }[];
  /** Hosts ServiceEntries of the user's own declare (a Sidecar's imports of them are the user's). */
  userDeclared: Set<string>;
  /** Hosts that VirtualServices and DestinationRules route by name, and which items do. */
  routedBy: Map<string, Entry[]>;
}

function targetMatches(t: Target, e: Entry): boolean {
  const h = e.header;
  const s = t.select ?? {};
  if (s.group !== undefined && s.group !== groupOf(h.apiVersion ?? '')) return false;
  if (s.kind !== undefined && s.kind !== h.kind) return false;
  if (s.name !== undefined && s.name !== h.name) return false;
  if (s.namespace !== undefined && s.namespace !== h.namespace) return false;
  if (s.annotations && e.item) {
    const all = annotationsOf(e.item.parse());
    return Object.entries(s.annotations).every(([k, v]) => all[k] === v);
  }
  return true;
}

/**
 * The stack's policies that select the gateway pods' label: once an adopted
 * gateway's pods carry it, they apply to everything that gateway serves, not
 * only to the list's lanes. A warning naming them.
 */
function policiesOnAdopted(e: Entry, add: readonly Resource[]): Result[] {
  const selects = (r: Resource) => {
    const spec = isObject(r.spec) ? r.spec : {};
    return JSON.stringify(spec.podSelector ?? spec.selector ?? {}).includes(`"${GATEWAY_LABEL}"`);
  };
  const policies = add.filter(
    (r) =>
      (r.kind === 'AuthorizationPolicy' || r.kind === 'NetworkPolicy') &&
      r.metadata.namespace === e.header.namespace &&
      selects(r),
  );
  if (policies.length === 0) return [];
  return [
    warning(
      `its pods take the stack's gateway label, so ${policies.map(labelOf).join(' and ')} now apply to them: they admit only the list's lanes, and any other traffic this gateway serves (other ports, other hosts) is refused. Give the stack a gateway of its own (spec.gateway.name) if this gateway serves more`,
      { ...about(e.header), field: { path: 'spec.template.metadata.labels' } },
    ),
  ];
}

/**
 * Decides what the run does, before any text is written: which items the
 * function merges whole (those it created, or that were handed over), which
 * get only their host places (adopted, opted in, targeted, bound Gateways),
 * which it removes (only those it created and no longer renders), what it
 * adds, and what it does not add and why. Problems go to `results`.
 */
export function planReconcile(
  entries: readonly Entry[],
  rendered: readonly Resource[],
  o: Options,
  plan: DomainPlan,
  results: Result[],
): ReconcilePlan {
  const adoptedSidecars = adoptSidecars(entries, rendered, results);
  const suppressed = suppressedRoles(
    entries,
    rendered,
    o,
    listFacts(plan, o.mode, o.clusterDomain),
  );
  const present = new Set(
    entries.flatMap((e) =>
      e.rendered && !(e.role === 'created' && suppressed.has(e.rendered)) ? [e.rendered] : [],
    ),
  );
  const add = o.generate ? rendered.filter((r) => !present.has(r) && !suppressed.has(r)) : [];
  const notAdded = o.generate
    ? rendered.flatMap((r) => {
        const why = present.has(r) ? undefined : suppressed.get(r);
        return why ? [{ resource: r, why }] : [];
      })
    : [];
  // The stack routes the list for sidecars when it adds or owns its VirtualService (egress-gateway mode).
  const routesList = [...add, ...entries.flatMap((e) => (e.rendered ? [e.rendered] : []))].some(
    (r) => r.kind === 'VirtualService',
  );
  results.push(
    ...layoutResults(entries, o, add),
    ...meshConflicts(entries, plan.all, o, routesList),
    ...overlapWarnings(entries, plan.all),
    ...gatewayPolicyWarnings(entries, o),
    ...stackImpactWarnings(entries, o),
    ...sidecarScopeWarnings(entries, add, o),
    ...duplicateWarnings(entries),
  );
  const bound = gatewaysBoundByList(entries);
  const wiring = wiringFor(entries, rendered, add);
  const actions = new Map<Entry, ItemAction>();
  for (const e of entries) {
    const h = e.header;
    if (!e.item) {
      actions.set(e, { do: 'keep' });
      continue;
    }
    if (e.role === 'created' && (!e.rendered || suppressed.has(e.rendered)) && o.generate) {
      actions.set(e, { do: 'remove', why: 'the config no longer needs it' });
      continue;
    }
    const group = groupOf(h.apiVersion ?? '');
    const all = ownsAllFields(e) || adoptedSidecars.has(e);
    const places: HostPlace[] = [];
    if (!all && (e.rendered || e.role === 'opted-in'))
      places.push(...hostPlacesFor(group, h.kind ?? '').filter((p) => !p.gatewayHosts));
    const isBound = bound.has(`${h.namespace ?? ''}/${h.name}`);
    if (
      h.kind === 'Gateway' &&
      group === 'networking.istio.io' &&
      e.role === 'opted-in' &&
      !all &&
      !isBound
    ) {
      // Names in a server that no route of the list takes would displace the hosts its own routes serve.
      results.push(
        error(
          `opted in, but no VirtualService holding the list binds this Gateway: the names would replace the hosts its servers carry for their own routes, and no route would forward them. Annotate the VirtualService that binds it with ${OPT_IN_ANNOTATION}: ${o.listName} as well, or remove the annotation from the Gateway`,
          { ...about(h), field: { path: 'spec.servers[*].hosts' } },
        ),
      );
      actions.set(e, { do: 'keep' });
      continue;
    }
    if (h.kind === 'Gateway' && !all && (e.role === 'opted-in' || isBound)) {
      places.push(...hostPlacesFor(group, 'Gateway').filter((p) => p.gatewayHosts));
    }
    let targeted = false;
    for (const t of o.targets) {
      try {
        if (!targetMatches(t, e)) continue;
      } catch (err) {
        if (!(err instanceof ItemError)) throw err;
        results.push(
          error(`item ${e.index} ${err.message}`, {
            field: { path: `items[${e.index}]` },
            ...about(h),
          }),
        );
        continue;
      }
      targeted = true;
      places.push({
        group,
        kind: h.kind ?? '',
        path: t.path,
        ...(t.format ? { format: t.format } : {}),
      });
    }
    const unmark =
      e.header.annotations[ADOPTED_ANNOTATION] === o.listName && !adoptedSidecars.has(e);
    if (!all && places.length === 0 && e.role !== 'adopted' && !unmark) {
      if (e.role === 'opted-in')
        results.push(
          warning(
            `asks for domain list ${JSON.stringify(o.listName)} but its kind has no host places; add a spec.targets entry for it`,
            about(h),
          ),
        );
      actions.set(e, { do: 'keep' });
      continue;
    }
    const needed = !all && e.rendered ? wiring.get(e.rendered) : undefined;
    if (needed) results.push(...policiesOnAdopted(e, add));
    actions.set(e, {
      do: 'write',
      fields: all ? 'all' : 'hosts',
      places,
      names: e.rendered ? 'rendered' : 'list',
      expected: e.role === 'opted-in' || targeted,
      ...(needed ? { wiring: needed } : {}),
      ...(unmark ? { unmark } : {}),
    });
  }
  return {
    actions,
    adoptedSidecars,
    add,
    notAdded,
    userDeclared: declaredByUser(entries),
    routedBy: routedHosts(entries),
  };
}
