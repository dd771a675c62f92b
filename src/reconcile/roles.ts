import { isMap } from 'yaml';
import type { Options } from '../config/options.js';
import { ItemError } from '../krm/item-source.js';
import { error, warning, type Result } from '../krm/results.js';
import type { Resource } from '../stack/resource.js';
import { meshForwarders } from '../places/vs-routes.js';
import { stackNames } from '../stack/names.js';
import { isObject } from '../util/data.js';
import type { Entry } from './entry.js';
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

/**
 * Rendered resources not to add because the input already has its own of
 * that role, each with the reason: a kind the user opted in (a renamed
 * VirtualService or ServiceEntry), and, when an opted-in EnvoyFilter already
 * forwards SNI (sni_dynamic_forward_proxy), the whole gateway side: a second
 * forwarder for the same pods would clash in Envoy (duplicate listener and
 * cluster names) and a second VirtualService in Istio.
 */
/**
 * Whether an opted-in VirtualService sends the list's names to a forwarder of
 * the user's own (their gateway, an SNI proxy) rather than to the stack's
 * gateway Service: then the stack's gateway side would serve nothing.
 */
function routesElsewhere(e: Entry, o: Options): boolean {
  if (e.header.kind !== 'VirtualService' || !e.item) return false;
  let data: unknown;
  try {
    const parsed = e.item.parse();
    data = parsed.root.toJS(parsed.doc, { maxAliasCount: 100 });
  } catch (err) {
    if (!(err instanceof ItemError)) throw err;
    return false;
  }
  if (!isObject(data)) return false;
  const destinations = meshForwarders(data);
  const gw = stackNames(o);
  const ours = (host: string) =>
    host === gw.serviceHost ||
    host.startsWith(`${gw.service}.${o.gateway.namespace}.`) ||
    host === `${gw.service}.${o.gateway.namespace}` ||
    (host === gw.service && e.header.namespace === o.gateway.namespace);
  return destinations.length > 0 && !destinations.some(ours);
}

export function suppressedRoles(
  entries: readonly Entry[],
  rendered: readonly Resource[],
  o: Options,
): Map<Resource, string> {
  const opted = entries.filter((e) => e.role === 'opted-in');
  const byKind = new Map<string, Entry[]>();
  for (const e of opted) {
    const kind = e.header.kind ?? '';
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(e);
  }
  const forwarder =
    opted.find(
      (e) => e.header.kind === 'EnvoyFilter' && e.source.includes('sni_dynamic_forward_proxy'),
    ) ?? opted.find((e) => routesElsewhere(e, o));
  const out = new Map<Resource, string>();
  for (const r of rendered) {
    if (r.kind === 'Sidecar') continue;
    const own = byKind.get(r.kind);
    if (own)
      out.set(
        r,
        `the input has its own ${r.kind} for this list (${own.map((e) => label(e.header)).join(', ')})`,
      );
    else if (
      forwarder &&
      (GATEWAY_ROLE.has(r.kind) || r.metadata.namespace === o.gateway.namespace)
    ) {
      out.set(
        r,
        `${label(forwarder.header)} already ${forwarder.header.kind === 'EnvoyFilter' ? "forwards the list's names" : "routes the list's names to a forwarder of your own"}; this would belong to a second gateway`,
      );
    }
  }
  return out;
}
