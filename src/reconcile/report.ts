import type { Options } from '../config/options.js';
import type { ItemHeader } from '../krm/item-header.js';
import { error, info, warning, type ResourceRef, type Result } from '../krm/results.js';
import type { FieldChange } from '../merge/merge-item.js';
import type { PlaceOutcome } from '../places/edit-host-places.js';
import type { Resource } from '../stack/resource.js';

/** How results name an item: `Kind/namespace/name`. */
export function label(h: Pick<ItemHeader, 'kind' | 'namespace' | 'name'>): string {
  return `${h.kind ?? '?'}/${h.namespace ? `${h.namespace}/` : ''}${h.name ?? '?'}`;
}

export function labelOf(r: Resource): string {
  return label({
    kind: r.kind,
    name: r.metadata.name,
    ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}),
  });
}

export function refOf(h: ItemHeader): ResourceRef | undefined {
  if (!h.kind || !h.name) return undefined;
  return {
    apiVersion: h.apiVersion ?? '',
    kind: h.kind,
    name: h.name,
    ...(h.namespace ? { namespace: h.namespace } : {}),
  };
}

export function resourceRefOf(r: Resource): ResourceRef {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.metadata.name,
    ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}),
  };
}

function fileOf(h: ItemHeader): Result['file'] | undefined {
  const path =
    h.annotations['config.kubernetes.io/path'] ??
    h.annotations['internal.config.kubernetes.io/path'];
  if (path === undefined) return undefined;
  const index = Number(
    h.annotations['config.kubernetes.io/index'] ??
      h.annotations['internal.config.kubernetes.io/index'],
  );
  return Number.isInteger(index) ? { path, index } : { path };
}

/** The resourceRef and file of a result about an item. */
export function about(h: ItemHeader): Pick<Result, 'resourceRef' | 'file'> {
  const ref = refOf(h);
  const file = fileOf(h);
  return { ...(ref ? { resourceRef: ref } : {}), ...(file ? { file } : {}) };
}

/** A value in a message: JSON, cut short. */
function shown(v: unknown): string {
  if (v === undefined) return '(absent)';
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One result per field an owned merge changed: info naming old → new, or, in check mode, an error. */
export function reportField(c: FieldChange, h: ItemHeader, check: boolean): Result {
  const field = {
    path: c.path,
    ...(c.current === undefined ? {} : { currentValue: c.current }),
    ...(c.proposed === undefined ? {} : { proposedValue: c.proposed }),
  };
  const strings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'string');
  // A list of names says which names it lacks and which it should not hold.
  const what =
    strings(c.current) && strings(c.proposed)
      ? hostDrift(c.current, c.proposed)
      : `${shown(c.current)} → ${shown(c.proposed)}`;
  if (check)
    return error(`differs from what the function renders: ${what}`, {
      ...about(h),
      field,
    });
  const change =
    strings(c.current) && strings(c.proposed)
      ? hostChange(c.current, c.proposed)
      : `${shown(c.current)} → ${shown(c.proposed)}`;
  return info(change, { ...about(h), field: { path: c.path } });
}

/** A host as a message shows it: quoted when it holds spaces, line breaks or other unprintables. */
export function shownHost(h: string): string {
  return /^[\x21-\x7e]+$/.test(h) ? h : JSON.stringify(h);
}

const joined = (hosts: readonly string[]) => hosts.map(shownHost).join(', ');

/** `added a.com, b.org; removed c.net`: what a change did to a host list. */
export function hostChange(current: readonly string[], proposed: readonly string[]): string {
  const added = proposed.filter((h) => !current.includes(h));
  const removed = current.filter((h) => !proposed.includes(h));
  const parts = [
    added.length > 0 ? `added ${joined(added)}` : '',
    removed.length > 0 ? `removed ${joined(removed)}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'same names, other order';
}

/** `missing a.com, b.org; extra c.net`: the domains a host list lacks and the ones it should not hold. */
export function hostDrift(current: readonly string[], proposed: readonly string[]): string {
  const missing = proposed.filter((h) => !current.includes(h));
  const extra = current.filter((h) => !proposed.includes(h));
  const parts = [
    missing.length > 0 ? `missing ${joined(missing)}` : '',
    extra.length > 0 ? `extra ${joined(extra)}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'same names, other order';
}

/**
 * Results for one host place: a refusal, a problem, or the change (an error
 * naming the drift in check mode). On an adopted item (the user's own, taken
 * by its name) a change that removes names is a warning: they were the user's.
 */
export function reportPlace(
  oc: PlaceOutcome,
  h: ItemHeader,
  check: boolean,
  adopted = false,
): Result[] {
  const where = about(h);
  if (oc.refused) {
    return [
      error(oc.refused.message, {
        ...where,
        field: { path: oc.refused.field },
      }),
    ];
  }
  if (oc.left) {
    return [warning(oc.left.message, { ...where, field: { path: oc.left.field } })];
  }
  const notes = (oc.notes ?? []).map((n) =>
    info(n.message, { ...where, field: { path: n.field } }),
  );
  if (oc.problem)
    return [warning(`field ${oc.problem}; left as is`, { ...where, field: { path: oc.path } })];
  if (!oc.changed) return notes;
  if (check) {
    return [
      error(`hosts differ from domain list: ${hostDrift(oc.current, oc.proposed)}`, {
        ...where,
        field: { path: oc.path, currentValue: oc.current, proposedValue: oc.proposed },
      }),
    ];
  }
  const drops = adopted && oc.current.some((n) => !oc.proposed.includes(n));
  return [
    ...notes,
    (drops ? warning : info)(
      `${hostChange(oc.current, oc.proposed)} (${oc.current.length} before, ${oc.proposed.length} after)${drops ? `: this item is yours and shares the stack's name, so its ${oc.path} holds the list only; rename it to keep your names there` : ''}`,
      { ...where, field: { path: oc.path } },
    ),
  ];
}

/** Names the list's places held before the run and hold after it (a Sidecar's `ns/` prefix dropped). */
export interface ListChange {
  before: Set<string>;
  after: Set<string>;
}

/**
 * Adds one place's names to the run's list change: the names the places held
 * before and after, over all places, so that a name moving from one object to
 * another (a split list, a mode switch) is neither added nor removed.
 */
export function noteListChange(change: ListChange, current: unknown, proposed: unknown): void {
  if (!Array.isArray(current) || !Array.isArray(proposed)) return;
  const bare = (v: unknown) => String(v).slice(String(v).lastIndexOf('/') + 1);
  for (const n of current) change.before.add(bare(n));
  for (const n of proposed) change.after.add(bare(n));
}

/** Names shown in the list-change line before the rest are counted. */
const CHANGE_SHOWN = 10;

/** The run's first result: what changed in the list itself, or nothing when no place's names changed. */
export function listChangeResult(
  o: Options,
  change: ListChange,
  listed: readonly string[],
): Result[] {
  const before = change.before;
  const now = new Set([...change.after, ...listed]);
  const added = new Set([...change.after].filter((n) => !before.has(n)));
  const removed = new Set([...before].filter((n) => !now.has(n)));
  const names = (set: Set<string>) => {
    const all = [...set].sort();
    const more = all.length - CHANGE_SHOWN;
    return joined(all.slice(0, CHANGE_SHOWN)) + (more > 0 ? ` and ${more} more` : '');
  };
  const parts = [
    added.size > 0 ? `added ${names(added)}` : '',
    removed.size > 0 ? `removed ${names(removed)}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? [info(`list ${JSON.stringify(o.listName)}: ${parts.join('; ')}`)] : [];
}

/** What one run did, in numbers. */
export interface Tally {
  reached: number;
  changedPlaces: number;
  changedFields: number;
  added: number;
  removed: number;
}

/** The run's one summary result. */
export function summary(
  o: Options,
  domainCount: number,
  t: Tally,
  results: readonly Result[],
): Result {
  if (o.check) {
    const drift = results.filter((r) => r.severity === 'error').length;
    return drift === 0
      ? info(
          `check: all ${t.reached} host place(s) and every owned field match the ${domainCount} domain(s) and options; nothing changed`,
        )
      : info(
          `check: ${drift} difference(s) from the ${domainCount} domain(s) and options; nothing changed`,
        );
  }
  if (t.changedPlaces === 0 && t.changedFields === 0 && t.added === 0 && t.removed === 0) {
    return info(
      `already up to date: ${t.reached} host place(s) hold the ${domainCount} domain(s); nothing changed`,
    );
  }
  const parts = [
    t.added > 0 ? `${t.added} resource(s) added` : '',
    t.removed > 0 ? `${t.removed} removed` : '',
    t.changedFields > 0 ? `${t.changedFields} owned field(s) changed` : '',
    t.changedPlaces > 0 ? `${t.changedPlaces} of ${t.reached} host place(s) changed` : '',
  ].filter(Boolean);
  return info(`${domainCount} domain(s): ${parts.join(', ')}`);
}
