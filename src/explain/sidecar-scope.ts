import { isObject, textOf } from '../util/data.js';
import { objects, ofKind, refOf, specOf, strings, type Item } from './manifests.js';
import { HostIndex } from '../domains/host-match.js';

/** The Istio root namespace: a Sidecar there without workloadSelector is every namespace's default. */
export const ROOT_NAMESPACE = 'istio-system';

/** What one namespace's sidecars see and do with unknown hosts. */
export interface SidecarScope {
  /** `Sidecar ns/name`, when one applies. */
  resource?: string;
  registryOnly: boolean;
  /** Where the outbound policy comes from: a Sidecar field, --registry-only, or Istio's default. */
  policySource: { resource?: string; field?: string; detail: string };
  /**
   * The egress host entry that imports `host` of a resource in `resourceNs` on `port`:
   * `{field, value}`, or undefined when none does. Without a Sidecar everything is imported.
   */
  imports(
    resourceNs: string,
    host: string,
    port: number,
  ): { field: string; value: string } | undefined;
}

/** Whether `exportTo` (absent: everywhere) makes a resource in `resourceNs` visible in `ns`. */
export function exportedTo(exportTo: unknown, resourceNs: string, ns: string): boolean {
  const to = strings(exportTo);
  if (!Array.isArray(exportTo) || to.length === 0) return true;
  return to.some((t) => t === '*' || t === ns || (t === '.' && resourceNs === ns));
}

/** The Sidecar that applies to a namespace's pods: its own namespace-wide one, else the root namespace's. */
function sidecarFor(items: readonly Item[], ns: string): Item | undefined {
  const wide = ofKind(items, 'Sidecar').filter((s) => !isObject(specOf(s).workloadSelector));
  return (
    wide.find((s) => s.metadata.namespace === ns) ??
    wide.find((s) => s.metadata.namespace === ROOT_NAMESPACE)
  );
}

/**
 * The sidecar scope of namespace `ns` from the manifests. An egress host
 * `ns/host` imports a host of a resource in `ns` (`.` is the workload's
 * namespace, `*` any, `~` none), matched both ways (`a.x` imports `*.x`,
 * `*.x` imports `a.x`). A Sidecar's egress listener with a port applies to
 * that port; the one without applies to the others. `registryOnly` assumes meshConfig's REGISTRY_ONLY where no Sidecar
 * says otherwise.
 */
export function sidecarScope(
  items: readonly Item[],
  ns: string,
  registryOnly: boolean,
): SidecarScope {
  const sidecar = sidecarFor(items, ns);
  const meshDefault = registryOnly
    ? { detail: 'meshConfig.outboundTrafficPolicy.mode REGISTRY_ONLY (assumed: --registry-only)' }
    : {
        detail:
          "Istio's default outboundTrafficPolicy ALLOW_ANY (no Sidecar sets one; --registry-only assumes REGISTRY_ONLY mesh-wide)",
      };
  if (!sidecar)
    return {
      registryOnly,
      policySource: meshDefault,
      imports: (_ns, h) => ({ field: '', value: `*/${h}` }),
    };
  const spec = specOf(sidecar);
  const mode = isObject(spec.outboundTrafficPolicy) ? spec.outboundTrafficPolicy.mode : undefined;
  const ref = refOf(sidecar);
  // Per egress listener, its hosts indexed by namespace part (`*` for any): a long list stays one lookup per name.
  const listeners = objects(spec.egress).map((e, i) => {
    const hosts = strings(e.hosts);
    const byNs = new Map<string, { index: HostIndex; positions: number[] }>();
    hosts.forEach((entry, k) => {
      const slash = entry.indexOf('/');
      const raw = slash < 0 ? '*' : entry.slice(0, slash);
      if (raw === '~') return;
      const entryNs = raw === '.' ? ns : raw;
      if (!byNs.has(entryNs)) byNs.set(entryNs, { index: new HostIndex([]), positions: [] });
      byNs.get(entryNs)!.positions.push(k);
    });
    for (const [entryNs, v] of byNs) {
      v.index = new HostIndex(
        v.positions.map((k) => {
          const entry = hosts[k];
          const slash = entry.indexOf('/');
          return slash < 0 ? entry : entry.slice(slash + 1);
        }),
      );
      byNs.set(entryNs, v);
    }
    return { i, port: isObject(e.port) ? Number(e.port.number) : undefined, hosts, byNs };
  });
  return {
    resource: ref,
    registryOnly: mode === 'REGISTRY_ONLY' || (mode === undefined && registryOnly),
    policySource:
      mode === undefined
        ? meshDefault
        : {
            resource: ref,
            field: 'spec.outboundTrafficPolicy.mode',
            detail: textOf(mode, JSON.stringify(mode)),
          },
    imports(resourceNs, h, port) {
      const forPort = listeners.filter((l) => l.port === port);
      const applying = forPort.length > 0 ? forPort : listeners.filter((l) => l.port === undefined);
      for (const l of applying) {
        for (const entryNs of [resourceNs, '*']) {
          const group = l.byNs.get(entryNs);
          const hit = group ? group.index.overlapping(h) : -1;
          if (hit >= 0) {
            const k = group!.positions[hit];
            return { field: `spec.egress[${l.i}].hosts[${k}]`, value: l.hosts[k] };
          }
        }
      }
      return undefined;
    },
  };
}
