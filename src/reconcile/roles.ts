import { isMap } from 'yaml';
import type { Options } from '../config/options.js';
import { ItemError } from '../krm/item-source.js';
import { error, warning, type Result } from '../krm/results.js';
import type { Resource } from '../stack/resource.js';
import type { Entry } from './reconcile.js';
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
  entries: Entry[],
  rendered: readonly Resource[],
  _o: Options,
  results: Result[],
): Set<Entry> {
  const adopted = new Set<Entry>();
  for (const r of rendered.filter((x) => x.kind === 'Sidecar')) {
    const ns = r.metadata.namespace;
    const wide = entries.filter((e) => e.header.namespace === ns && isNamespaceWideSidecar(e));
    const users = wide.filter((e) => e.rendered !== r && !e.ours);
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
      if (!e.ours)
        results.push(
          warning(
            `${label(e.header)} is a second namespace-wide Sidecar beside ${label(user.header)}, which now holds the list: delete ${label(e.header)}`,
            about(e.header),
          ),
        );
    }
    user.rendered = r;
    user.optedIn = false;
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
export function suppressedRoles(
  entries: readonly Entry[],
  rendered: readonly Resource[],
  o: Options,
): Map<Resource, string> {
  const opted = entries.filter((e) => e.optedIn);
  const byKind = new Map<string, Entry[]>();
  for (const e of opted) {
    const kind = e.header.kind ?? '';
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(e);
  }
  const forwarder = opted.find(
    (e) => e.header.kind === 'EnvoyFilter' && e.source.includes('sni_dynamic_forward_proxy'),
  );
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
        `${label(forwarder.header)} already forwards the list's names; this would belong to a second gateway`,
      );
    }
  }
  return out;
}
