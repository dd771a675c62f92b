import { isObject, type JsonObject } from '../util/data.js';
import { normalizeDomain } from '../domains/normalize-domain.js';
import type { Lane } from '../domains/plan.js';
import type { Rule } from './types.js';

/** Where a lane's name was written in the config: its line, or the list field when none is found. */
export type ConfigLines = (lane: Lane, name: string) => Rule;

/**
 * Indexes the config's entries by scope and normalised name, so a decision
 * can cite the line that admits a host: `DomainList egress spec.domains[0]:
 * *.wikipedia.org`, a team's `spec.production.teams[1].domains[0]` (ports
 * and all: `….domains[0].name` for an entry with ports), or a ConfigMap's
 * `data.domains`.
 */
export function configLines(doc: JsonObject): ConfigLines {
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
