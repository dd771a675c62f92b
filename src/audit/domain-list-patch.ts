import type { DomainSpec } from '../config/options.js';
import { normalizeDomain } from '../domains/normalize-domain.js';
import { emitYaml } from '../krm/emit-yaml.js';
import { admitsOthers, portsLabel, type Suggestion } from './fold-suggestions.js';
import { isObject, type JsonObject } from '../util/data.js';

/** Where the new entries go: the shared list, or one team's. */
export type PatchTarget = { team?: string };

/** The name an entry as written stands for, normalised, or the text itself if the rules refuse it. */
function nameOf(d: DomainSpec): string {
  const raw = typeof d === 'string' ? d : d.name;
  const check = normalizeDomain(raw);
  return check.ok ? check.domain : raw;
}

/**
 * The list as written with the suggestions merged in: an entry already
 * written for a suggested name gets the new ports; any other suggestion is
 * appended, as a plain name on the default port, else as `{name, ports}`.
 */
export function mergeDomains(
  written: readonly DomainSpec[],
  suggest: readonly Suggestion[],
  upstreamPort: number,
): DomainSpec[] {
  const out = [...written];
  const entry = (name: string, ports: readonly number[]): DomainSpec =>
    ports.length === 1 && ports[0] === upstreamPort ? name : { name, ports: [...ports] };
  for (const s of suggest) {
    const at = out.findIndex((d) => nameOf(d) === s.entry);
    if (at < 0) {
      out.push(entry(s.entry, s.ports));
      continue;
    }
    const old = out[at];
    const ports = [
      ...new Set([
        ...(typeof old === 'string' ? [upstreamPort] : (old.ports ?? [upstreamPort])),
        ...s.ports,
      ]),
    ].sort((a, b) => a - b);
    out[at] = entry(typeof old === 'string' ? old : old.name, ports);
  }
  return out;
}

/**
 * A ready-to-paste patch of the config that adds the suggestions: for a
 * DomainList, `spec.domains` (or, for a team, `spec.production.teams`) as a
 * whole, the entries as written plus the new ones, since a patch replaces a
 * list; for a ConfigMap, `data.domains`. Comment lines say what was added.
 */
export function domainListPatch(
  config: JsonObject,
  suggest: readonly Suggestion[],
  upstreamPort: number,
  target: PatchTarget = {},
): string {
  const metadata =
    isObject(config.metadata) && typeof config.metadata.name === 'string'
      ? { name: config.metadata.name }
      : undefined;
  const head = {
    apiVersion: config.apiVersion,
    kind: config.kind,
    ...(metadata ? { metadata } : {}),
  };
  /** One comment line per suggestion: a new entry (and what it admits), or new ports for an entry already written. */
  const notes = (written: readonly DomainSpec[]) =>
    suggest.map((s) => {
      const ports = portsLabel(s.ports);
      if (written.some((d) => nameOf(d) === s.entry)) return `# ${ports} added to: ${s.entry}`;
      return `# new: ${s.entry}${s.ports.length === 1 && s.ports[0] === upstreamPort ? '' : ` (${ports})`}${admitsOthers(s) ? `: admits ${s.covers.join(', ')}` : ''}`;
    });
  if (config.kind === 'ConfigMap') {
    const data =
      isObject(config.data) && typeof config.data.domains === 'string' ? config.data.domains : '';
    const written = data
      .split(/[,\n]/)
      .map((d) => d.trim())
      .filter((d) => d !== '');
    const names = new Set(written.map((d) => nameOf(d)));
    const added = suggest.map((s) => s.entry).filter((e) => !names.has(e));
    const otherPorts = suggest.filter((s) => s.ports.some((p) => p !== upstreamPort));
    return (
      [
        '# ConfigMap patch: data.domains with the new names appended',
        ...notes(written),
        ...(otherPorts.length > 0
          ? [
              `# the ConfigMap form has no per-name ports; a DomainList entry {name, ports} is needed for: ${otherPorts.map((s) => `${s.entry} (${s.ports.join(', ')})`).join(', ')}`,
            ]
          : []),
        emitYaml({ ...head, data: { domains: [...written, ...added].join(',') } }).trimEnd(),
      ].join('\n') + '\n'
    );
  }
  const spec = isObject(config.spec) ? config.spec : {};
  const production = isObject(spec.production) ? spec.production : {};
  const teams = Array.isArray(production.teams) ? production.teams.filter(isObject) : [];
  const team = target.team === undefined ? undefined : teams.find((t) => t.name === target.team);
  if (team) {
    const merged = teams.map((t) =>
      t === team
        ? { ...t, domains: mergeDomains(t.domains as DomainSpec[], suggest, upstreamPort) }
        : t,
    );
    return (
      [
        `# DomainList patch: spec.production.teams as a whole, the new entries in team ${JSON.stringify(target.team)}`,
        ...notes(team.domains as DomainSpec[]),
        emitYaml({ ...head, spec: { production: { teams: merged } } }).trimEnd(),
      ].join('\n') + '\n'
    );
  }
  const domains = Array.isArray(spec.domains) ? (spec.domains as DomainSpec[]) : [];
  return (
    [
      '# DomainList patch: spec.domains as a whole, the entries as written and the new ones',
      ...notes(domains),
      emitYaml({
        ...head,
        spec: { domains: mergeDomains(domains, suggest, upstreamPort) },
      }).trimEnd(),
    ].join('\n') + '\n'
  );
}
