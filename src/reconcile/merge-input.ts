import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import type { MergeScope } from '../merge/merge-values.js';
import { listPathsInData, parseFieldPath } from '../paths/field-path.js';
import type { ListFacts } from '../places/fit.js';
import {
  ADOPTED_ANNOTATION,
  hostPlacesFor,
  MANAGED_BY_LABEL,
  OPT_IN_ANNOTATION,
} from '../places/host-places.js';
import { groupOf, type Resource } from '../stack/resource.js';
import type { Entry } from './entry.js';

/** What the apply step merges and fills: the rendered fields, the list's facts, the merge scopes. */

// Rendered resources do not change during a run: their host places are found once each.
const placePathsCache = new WeakMap<Resource, Set<string>>();

/** Concrete paths of the host places a rendered resource holds. */
export function hostPlacePaths(r: Resource): Set<string> {
  let paths = placePathsCache.get(r);
  if (!paths) {
    paths = new Set(
      hostPlacesFor(groupOf(r.apiVersion), r.kind)
        .filter((p) => !p.gatewayHosts)
        .flatMap((p) => listPathsInData(r, parseFieldPath(p.path))),
    );
    placePathsCache.set(r, paths);
  }
  return paths;
}

/**
 * The fields of a rendered resource a merge writes: all but its identity; the
 * marks of creation only on what the function created, the mark of adoption
 * (`adoptedBy`, the list's name) on a Sidecar it adopted.
 */
export function mergeable(
  r: Resource,
  created: boolean,
  adoptedBy?: string,
): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = r;
  const { name: _n, namespace: _ns, labels, annotations, ...meta } = metadata;
  if (created) return { metadata: { ...meta, labels, annotations }, ...rest };
  const { [MANAGED_BY_LABEL]: _l, ...ownLabels } = (labels ?? {}) as Record<string, string>;
  const { [OPT_IN_ANNOTATION]: _o, ...rendered } = (annotations ?? {}) as Record<string, string>;
  const ownAnnotations = adoptedBy ? { ...rendered, [ADOPTED_ANNOTATION]: adoptedBy } : rendered;
  const marks = {
    ...(Object.keys(ownLabels).length > 0 ? { labels: ownLabels } : {}),
    ...(Object.keys(ownAnnotations).length > 0 ? { annotations: ownAnnotations } : {}),
  };
  return { metadata: { ...meta, ...marks }, ...rest };
}

/** The list as the fit checks need it: every name and the ports it is listed on. */
export function listFacts(
  plan: DomainPlan,
  mode: Options['mode'],
  clusterDomain?: string,
): ListFacts {
  const ports = new Map<string, number[]>();
  const protocols = new Map<string, 'TLS' | 'HTTP'>();
  for (const lane of plan.lanes)
    for (const d of lane.domains) {
      const at = ports.get(d) ?? [];
      if (!at.includes(lane.upstreamPort)) at.push(lane.upstreamPort);
      ports.set(d, at);
      protocols.set(`${d}|${lane.upstreamPort}`, lane.protocol);
    }
  return {
    names: plan.all,
    portsOf: (n) => ports.get(n) ?? [],
    protocolOf: (n, port) => protocols.get(`${n}|${port}`),
    mode,
    ...(clusterDomain ? { clusterDomain } : {}),
  };
}

/**
 * How merges see items of this run: the table's placeholders filled in, and
 * which entries of a Sidecar's egress hosts are the list's. An entry is the
 * list's when it imports an external name from the routing namespace that no
 * ServiceEntry of the user's declares; `ns/*` and cluster names stay the user's.
 */
export function mergeScopes(o: Options, userDeclared: ReadonlySet<string>) {
  const prefix = `${o.routingNamespace}/`;
  const clusterSuffix = `.${o.clusterDomain}`;
  const userKeeps = (entry: string) => {
    const host = entry.slice(entry.indexOf('/') + 1);
    return host.endsWith(clusterSuffix) || userDeclared.has(host);
  };
  const ownsSidecarEntry = (entry: string) =>
    entry.startsWith(prefix) && entry !== `${prefix}*` && !userKeeps(entry);
  const scopeOf = (e: Entry): MergeScope => ({
    group: groupOf(e.header.apiVersion ?? ''),
    kind: e.header.kind ?? '',
    vars: { routingNamespace: o.routingNamespace },
    // In what it created every entry is the function's; in a Sidecar of the user's, imports of
    // cluster names and of names the user's ServiceEntries declare stay the user's.
    ownsAll: e.role === 'created',
    keepsEntry: userKeeps,
    unordered: (path) => (e.rendered ? hostPlacePaths(e.rendered).has(path) : false),
  });
  return { scopeOf, ownsSidecarEntry, prefix };
}
