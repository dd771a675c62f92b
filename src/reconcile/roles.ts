import { isMap } from 'yaml';
import type { Options } from '../config/options.js';
import { ItemError } from '../krm/item-source.js';
import { error, warning, type Result } from '../krm/results.js';
import type { Resource } from '../stack/resource.js';
import { meshForwarders } from '../places/vs-routes.js';
import { stackNames } from '../stack/names.js';
import { isObject, textOf } from '../util/data.js';
import { fitPlace, type ListFacts } from '../places/fit.js';
import { entryData, type Entry } from './entry.js';
import { about, label } from './report.js';

/** Whether an item is a Sidecar for its whole namespace (no workloadSelector). */
function isNamespaceWideSidecar(e: Entry): boolean {
  if (e.header.kind !== 'Sidecar' || !e.item) return false;
  try {
    const root = e.item.parse().root;
    return isMap(root) && !root.hasIn(['spec', 'workloadSelector']);
  } catch (err) {
    if (!(err instanceof ItemError)) throw err;
    return false;
  }
}

/**
 * One namespace-wide Sidecar per namespace (Istio defines nothing else): where
 * an application namespace already has its own (often `default`), the list
 * goes into that one, keeping its other hosts, instead of a second Sidecar.
 * Returns the entries that adopt a rendered Sidecar. Two of the user's own in
 * one namespace are an error naming them.
 */
export function adoptSidecars(
  entries: readonly Entry[],
  rendered: readonly Resource[],
  results: Result[],
): Set<Entry> {
  const adopted = new Set<Entry>();
  for (const r of rendered.filter((x) => x.kind === 'Sidecar')) {
    const ns = r.metadata.namespace;
    const wide = entries.filter((e) => e.header.namespace === ns && isNamespaceWideSidecar(e));
    const users = wide.filter((e) => e.rendered !== r && e.role !== 'created');
    if (users.length === 0) continue;
    if (users.length > 1) {
      results.push(
        error(
          `namespace ${ns} has ${users.length} Sidecars without workloadSelector (${users.map((e) => e.header.name).join(', ')}): Istio leaves that undefined; keep one and the list goes into it`,
          about(users[1].header),
        ),
      );
      continue;
    }
    const user = users[0];
    for (const e of wide) {
      if (e === user || e.rendered !== r) continue;
      delete e.rendered;
      if (e.role !== 'created')
        results.push(
          warning(
            `is a second namespace-wide Sidecar beside ${label(user.header)}, which now holds the list: delete this one`,
            about(e.header),
          ),
        );
    }
    user.rendered = r;
    user.role = 'adopted';
    adopted.add(user);
  }
  return adopted;
}

/** Kinds of the gateway's role: what a forwarder of the user's own makes redundant. */
const GATEWAY_ROLE = new Set(['Gateway', 'DestinationRule', 'EnvoyFilter', 'Telemetry']);

/** Where an opted-in VirtualService sends the list's names for sidecars: the stack's gateway, elsewhere, or nowhere. */
export function meshRouteTarget(e: Entry, o: Options): 'stack' | 'elsewhere' | 'none' {
  if (e.header.kind !== 'VirtualService' || !e.item) return 'none';
  const data = entryData(e);
  if (!data) return 'none';
  const destinations = meshForwarders(data);
  const gw = stackNames(o);
  const ours = (host: string) =>
    host === gw.serviceHost ||
    host.startsWith(`${gw.service}.${o.gateway.namespace}.`) ||
    host === `${gw.service}.${o.gateway.namespace}` ||
    (host === gw.service && e.header.namespace === o.gateway.namespace);
  if (destinations.length === 0) return 'none';
  return destinations.some(ours) ? 'stack' : 'elsewhere';
}

/**
 * Whether an opted-in VirtualService sends the list's names to a forwarder of
 * the user's own (their gateway, an SNI proxy) rather than to the stack's
 * gateway Service: then the stack's gateway side would serve nothing.
 */
function routesElsewhere(e: Entry, o: Options): boolean {
  return meshRouteTarget(e, o) === 'elsewhere';
}

/**
 * Rendered resources not to add because an item the user opted in already
 * does their job, each with the reason: a ServiceEntry that fits and carries
 * all of a rendered one's names for every namespace; a VirtualService that
 * routes the list to a forwarder of the user's (then also the whole gateway
 * side); an EnvoyFilter that forwards SNI itself (sni_dynamic_forward_proxy:
 * the gateway side, whose second forwarder would clash in Envoy). An opted-in
 * item that cannot do the job (no place for the list, ports or exports
 * short of the rendered one's) takes nothing's place.
 */
export function suppressedRoles(
  entries: readonly Entry[],
  rendered: readonly Resource[],
  o: Options,
  facts: ListFacts,
): Map<Resource, string> {
  const opted = entries.filter((e) => e.role === 'opted-in');
  const forwardProxy = opted.find(
    (e) => e.header.kind === 'EnvoyFilter' && e.source.includes('sni_dynamic_forward_proxy'),
  );
  const elsewhere = opted.find((e) => routesElsewhere(e, o));
  const forwarder = forwardProxy ?? elsewhere;
  // A ServiceEntry of the user's takes a rendered one's place only where it carries all of its
  // names, for every namespace: it fits, and exports to all.
  const carriers = opted.flatMap((e) => {
    if (e.header.kind !== 'ServiceEntry') return [];
    const data = entryData(e);
    if (!data) return [];
    const spec = isObject(data.spec) ? data.spec : {};
    const exportTo = Array.isArray(spec.exportTo) ? spec.exportTo.map((x) => textOf(x)) : ['*'];
    if (!exportTo.includes('*')) return [];
    const fit = fitPlace('service-entry', data, 'spec.hosts', facts);
    const ports = new Set(
      (Array.isArray(spec.ports) ? spec.ports : []).map((p) =>
        isObject(p) ? textOf(p.number) : '',
      ),
    );
    return fit.fits ? [{ entry: e, names: new Set(fit.names), ports }] : [];
  });
  const out = new Map<Resource, string>();
  for (const r of rendered) {
    if (r.kind === 'ServiceEntry') {
      const spec = isObject(r.spec) ? r.spec : {};
      const hosts = Array.isArray(spec.hosts) ? spec.hosts.map((h) => textOf(h)) : [];
      const ports = (Array.isArray(spec.ports) ? spec.ports : []).map((p) =>
        isObject(p) ? textOf(p.number) : '',
      );
      const carrier = carriers.find(
        (c) => hosts.every((h) => c.names.has(h)) && ports.every((p) => c.ports.has(p)),
      );
      if (carrier) {
        out.set(r, `${label(carrier.entry.header)} carries its names for the list`);
        continue;
      }
    }
    if (r.kind === 'VirtualService' && elsewhere) {
      out.set(r, `${label(elsewhere.header)} routes the list's names for sidecars`);
      continue;
    }
    if (forwarder && (GATEWAY_ROLE.has(r.kind) || r.metadata.namespace === o.gateway.namespace)) {
      out.set(
        r,
        `${label(forwarder.header)} already ${forwarder.header.kind === 'EnvoyFilter' ? "forwards the list's names" : "routes the list's names to a forwarder of your own"}; this would belong to a second gateway`,
      );
    }
  }
  return out;
}
