import { isObject, type JsonObject } from '../util/data.js';
import { normalizeDomain } from '../domains/normalize-domain.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import type { ListedName } from './nearest-entry.js';
import type { Rule } from './types.js';

/** Where each accepted name was written in the config, by `team|name` (`|name` for the shared list). */
export type EntryIndex = (lane: Lane, name: string) => Rule;

/**
 * Indexes the config's entries by their normalised name, so a decision can
 * cite the line that admits a host: `DomainList egress spec.domains[0]:
 * *.wikipedia.org`, a team's `spec.production.teams[1].domains[0]`, or a
 * ConfigMap's `data.domains`.
 */
export function entryIndex(doc: JsonObject): EntryIndex {
  const name =
    isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '';
  const resource = `${String(doc.kind)}${name ? ` ${name}` : ''}`;
  const found = new Map<string, Rule>();
  const add = (team: string, raw: unknown, field: string) => {
    const value =
      typeof raw === 'string'
        ? raw
        : isObject(raw) && typeof raw.name === 'string'
          ? raw.name
          : undefined;
    if (value === undefined) return;
    const check = normalizeDomain(value);
    const key = `${team}|${check.ok ? check.domain : value}`;
    if (!found.has(key))
      found.set(key, { resource, field: typeof raw === 'string' ? field : `${field}.name`, value });
  };
  const spec = isObject(doc.spec) ? doc.spec : {};
  if (doc.kind === 'ConfigMap') {
    const data = isObject(doc.data) && typeof doc.data.domains === 'string' ? doc.data.domains : '';
    for (const d of data.split(/[,\n]/)) add('', d.trim(), 'data.domains');
  }
  (Array.isArray(spec.domains) ? spec.domains : []).forEach((d, i) =>
    add('', d, `spec.domains[${i}]`),
  );
  const production = isObject(spec.production) ? spec.production : {};
  (Array.isArray(production.teams) ? production.teams : []).forEach((t, ti) => {
    if (!isObject(t)) return;
    (Array.isArray(t.domains) ? t.domains : []).forEach((d, i) =>
      add(String(t.name), d, `spec.production.teams[${ti}].domains[${i}]`),
    );
  });
  return (lane, n) =>
    found.get(`${lane.team ?? ''}|${n}`) ?? {
      resource,
      field: lane.team ? 'spec.production.teams' : 'spec.domains',
      value: n,
    };
}

/** Who a lane is for, in words. */
export function laneScope(lane: Lane): string {
  const who =
    lane.namespaces.length > 0 ? `namespaces ${lane.namespaces.join(', ')}` : 'every namespace';
  return lane.team ? `team ${lane.team} (${who})` : `the shared list (${who})`;
}

/** Every listed name of the plan, for a refusal's nearest entry; `forNamespace` says whether the namespace may use the lane. */
export function planListedNames(
  plan: DomainPlan,
  entries: EntryIndex,
  mayUse: (lane: Lane) => boolean,
): ListedName[] {
  return plan.lanes.flatMap((lane) =>
    lane.domains.map((d) => ({
      name: d,
      ...entries(lane, d),
      ports: [lane.upstreamPort],
      forNamespace: mayUse(lane),
      scope: laneScope(lane),
    })),
  );
}
