import type { Options, Target } from './config/options.js';
import { Document, isScalar, isSeq } from 'yaml';
import type { DomainPlan } from './domains/plan.js';
import type { ItemHeader } from './krm/item-header.js';
import { ItemError, ItemSource, annotationsOf } from './krm/item-source.js';
import { toEntry } from './krm/resource-list.js';
import { error, info, warning, type ResourceRef, type Result } from './krm/results.js';
import { emitYaml } from './krm/emit-yaml.js';
import { editHostPlaces, isOwnedEntry, type PlaceOutcome } from './places/edit-host-places.js';
import { parseFieldPath, resolveFieldPath } from './places/field-path.js';
import { hostPlacesFor, OPT_IN_ANNOTATION, type HostPlace } from './places/host-places.js';
import { groupOf, identityKey, type Resource } from './stack/resource.js';
import { stackNames } from './stack/names.js';
import { renderStack } from './stack/render-stack.js';

/** Items to write and results to report. */
export interface Reconciled {
  items: string[];
  results: Result[];
}

function refOf(h: ItemHeader): ResourceRef | undefined {
  if (!h.kind || !h.name) return undefined;
  return { apiVersion: h.apiVersion ?? '', kind: h.kind, name: h.name, ...(h.namespace ? { namespace: h.namespace } : {}) };
}

function fileOf(h: ItemHeader): Result['file'] | undefined {
  const path = h.annotations['config.kubernetes.io/path'] ?? h.annotations['internal.config.kubernetes.io/path'];
  if (path === undefined) return undefined;
  const index = Number(h.annotations['config.kubernetes.io/index'] ?? h.annotations['internal.config.kubernetes.io/index']);
  return Number.isInteger(index) ? { path, index } : { path };
}

function about(h: ItemHeader): Pick<Result, 'resourceRef' | 'file'> {
  const ref = refOf(h);
  const file = fileOf(h);
  return { ...(ref ? { resourceRef: ref } : {}), ...(file ? { file } : {}) };
}

function label(h: ItemHeader): string {
  return `${h.kind ?? '?'}/${h.namespace ? `${h.namespace}/` : ''}${h.name ?? '?'}`;
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

/** Renders one resource as a sequence entry at the input's indent. */
function renderEntry(resource: Resource, indent: number): string {
  return toEntry(emitYaml(resource), indent);
}

/**
 * Reconciles the input items with the stack for this list: items with a
 * rendered resource's identity, items that opt in by annotation and items a
 * target selects get the list in their host places; rendered resources the
 * input lacks are added (unless `generate: false`). In check mode nothing is
 * changed and each difference is an error.
 */
export function reconcile(sources: readonly string[], indent: number, o: Options, plan: DomainPlan): Reconciled {
  const results: Result[] = [];
  const rendered = renderStack(o, plan);
  const byIdentity = new Map<string, number>();
  const byName = new Map<string, number>();
  rendered.forEach((r, i) => {
    byIdentity.set(identityKey(r.apiVersion, r.kind, r.metadata.namespace, r.metadata.name), i);
    byName.set(identityKey(r.apiVersion, r.kind, undefined, r.metadata.name), i);
  });
  const present = new Set<number>();
  const out: string[] = [];
  let placesReached = 0;
  let changedPlaces = 0;

  sources.forEach((source, index) => {
    let item: ItemSource;
    try {
      item = new ItemSource(source);
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      results.push(error(`item ${index} ${e.message}`, { field: { path: `items[${index}]` } }));
      out.push(source);
      return;
    }
    const h = item.header;
    const places: HostPlace[] = [];
    const group = groupOf(h.apiVersion ?? '');
    const stackIndex = h.kind && h.name
      ? byIdentity.get(identityKey(h.apiVersion ?? '', h.kind, h.namespace, h.name)) ??
        (h.namespace === undefined ? byName.get(identityKey(h.apiVersion ?? '', h.kind, undefined, h.name)) : undefined)
      : undefined;
    const optedIn = h.annotations[OPT_IN_ANNOTATION] !== undefined && h.annotations[OPT_IN_ANNOTATION] === o.listName;
    if (stackIndex !== undefined) present.add(stackIndex);
    if ((stackIndex !== undefined || optedIn) && h.kind) places.push(...hostPlacesFor(group, h.kind));
    let targeted = false;
    for (const t of o.targets) {
      try {
        if (targetMatches(t, h, item)) {
          targeted = true;
          places.push({ group, kind: h.kind ?? '', path: t.path, ...(t.format ? { format: t.format } : {}) });
        }
      } catch (e) {
        if (!(e instanceof ItemError)) throw e;
        results.push(error(`item ${index} ${e.message}`, { field: { path: `items[${index}]` }, ...about(h) }));
      }
    }
    if (stackIndex === undefined && isStaleChunk(h, o, rendered)) {
      results.push(warning(`${label(h)} looks like a ServiceEntry this list split off earlier; the list no longer needs it: delete it`, about(h)));
    }
    if (places.length === 0) {
      if (optedIn) {
        results.push(warning(`${label(h)} asks for domain list ${JSON.stringify(o.listName)} but its kind has no host places; add a spec.targets entry for it`, about(h)));
      }
      out.push(source);
      return;
    }
    // A stack item takes, place by place, what the rendered resource holds there (a ServiceEntry its share,
    // a lane's listener its names); an opted-in or targeted item takes the whole list.
    const stackResource = stackIndex === undefined ? undefined : rendered[stackIndex]!;
    const fromRendered = stackResource ? renderedHosts(stackResource, places, o, plan) : undefined;
    const hostsAt = fromRendered?.hostsAt ?? (() => plan.all);
    // A stack resource whose rendered form holds no list (the gateway's AuthorizationPolicy) is not expected to have one.
    const expectsList = optedIn || targeted || (fromRendered?.count ?? 0) > 0;
    let edit;
    try {
      const parsed = item.parse();
      edit = editHostPlaces(source, parsed.root, places, hostsAt, o.routingNamespace);
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      results.push(error(`item ${index} ${e.message}`, { field: { path: `items[${index}]` }, ...about(h) }));
      out.push(source);
      return;
    }
    if (edit.outcomes.length === 0 && expectsList) {
      results.push(warning(`${label(h)} has no place for the list: none of ${places.map((p) => p.path).join(', ')} exists`, about(h)));
    }
    for (const oc of edit.outcomes) {
      placesReached++;
      results.push(...reportPlace(oc, h, o.check));
      if (oc.changed && !oc.problem && !oc.refused) changedPlaces++;
    }
    out.push(o.check ? source : edit.text);
  });

  if (o.generate) {
    rendered.forEach((r, i) => {
      if (present.has(i)) return;
      const ref = { apiVersion: r.apiVersion, kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace };
      if (o.check) {
        results.push(error(`${r.kind}/${r.metadata.namespace}/${r.metadata.name} is missing from the input`, { resourceRef: ref }));
        return;
      }
      out.push(renderEntry(r, indent));
      results.push(info(`added ${r.kind}/${r.metadata.namespace}/${r.metadata.name}`, { resourceRef: ref }));
    });
  }
  if (placesReached === 0 && !(o.generate && !o.check)) {
    results.push(warning(`domain list ${JSON.stringify(o.listName)} reached nothing: no item has a host place for it (annotate items with ${OPT_IN_ANNOTATION}: ${o.listName}, or set generate: true)`));
  }
  results.push(summary(o, plan.all.length, placesReached, changedPlaces, rendered.length - present.size, results));
  return { items: out, results };
}

/**
 * What each host place of a rendered resource holds, by concrete path; a place
 * the rendered resource does not have (a user's extra route, say) takes the
 * whole list. For formatted places (`istio-system/<host>`) the names are read
 * back from the entries the function owns.
 */
function renderedHosts(resource: Resource, places: readonly HostPlace[], o: Options, plan: DomainPlan) {
  // No aliases: a list placed twice (one lane's sniHosts in each namespace's match) must resolve at both paths.
  const root = new Document(resource, { aliasDuplicateObjects: false }).contents!;
  const byPath = new Map<string, string[]>();
  for (const place of places) {
    for (const hit of resolveFieldPath(root, parseFieldPath(place.path))) {
      if (!isSeq(hit.value)) continue;
      const values = hit.value.items.flatMap((x) => (isScalar(x) ? [String(x.value)] : []));
      const prefix = `${o.routingNamespace}/`;
      byPath.set(hit.path, place.format ? values.filter((v) => isOwnedEntry(v, o.routingNamespace)).map((v) => v.slice(prefix.length)) : values);
    }
  }
  return { count: byPath.size, hostsAt: (path: string): readonly string[] => byPath.get(path) ?? plan.all };
}

/** A ServiceEntry named like one of the list's chunks (`wildcard-3`) that the current list does not render. */
function isStaleChunk(h: ItemHeader, o: Options, rendered: readonly Resource[]): boolean {
  const base = stackNames(o).serviceEntry;
  if (h.kind !== 'ServiceEntry' || h.namespace !== o.routingNamespace || !h.name?.startsWith(`${base}-`)) return false;
  if (!/^\d+$/.test(h.name.slice(base.length + 1))) return false;
  return !rendered.some((r) => r.kind === 'ServiceEntry' && r.metadata.name === h.name);
}

function reportPlace(oc: PlaceOutcome, h: ItemHeader, check: boolean): Result[] {
  const where = { ...about(h) };
  if (oc.refused) {
    return [error(`field ${oc.refused}; let the function render the stack's ServiceEntries, which split the list`, { ...where, field: { path: oc.path } })];
  }
  if (oc.problem) {
    return [warning(`field ${oc.problem}; left as is`, { ...where, field: { path: oc.path } })];
  }
  if (!oc.changed) return [];
  const field = { path: oc.path, currentValue: oc.current, proposedValue: oc.proposed };
  if (check) {
    return [error(`hosts differ from domain list: ${oc.current.length} present, ${oc.proposed.length} expected`, { ...where, field })];
  }
  return [info(`hosts updated: ${oc.current.length} before, ${oc.proposed.length} after`, { ...where, field: { path: oc.path } })];
}

function summary(o: Options, domainCount: number, reached: number, changed: number, missing: number, results: readonly Result[]): Result {
  if (o.check) {
    const drift = results.filter((r) => r.severity === 'error').length;
    return drift === 0
      ? info(`check: all ${reached} host place(s) match the ${domainCount} domain(s); nothing changed`)
      : info(`check: ${drift} difference(s) from the ${domainCount} domain(s); nothing changed`);
  }
  const added = o.generate ? missing : 0;
  if (changed === 0 && added === 0) return info(`already up to date: ${reached} host place(s) hold the ${domainCount} domain(s); nothing changed`);
  return info(`${domainCount} domain(s): ${added} resource(s) added; ${changed} of ${reached} existing host place(s) changed`);
}
