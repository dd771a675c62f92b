import type { Options } from '../config/options.js';
import { warning, type Result } from '../krm/results.js';
import { selectsGatewayPods } from '../stack/guard-rules.js';
import { stackNames } from '../stack/names.js';
import { GUARD_NAME, guardExemptNamespaces } from '../stack/render-guard.js';
import { groupOf, type Resource } from '../stack/resource.js';
import { isObject, stringMap, textOf } from '../util/data.js';
import { entrySpec, type Entry } from './entry.js';
import { about } from './report.js';

/**
 * Items of the user's that the rendered stack changes the meaning of, said
 * before they bite:
 * - an Istio Gateway whose selector could select the stack's gateway pods
 *   (istiod merges every such Gateway, from any namespace, into those pods'
 *   configuration), in egress-gateway mode;
 * - with production.guard, a Sidecar in a guarded namespace that does not say
 *   REGISTRY_ONLY, which the guard refuses at its next create or update (and
 *   whose pods meanwhile take the mesh default), and a ServiceEntry there
 *   that declares external hosts, which it refuses likewise.
 * A Sidecar is judged only where its namespace is written; a Gateway always.
 */
export function stackImpactWarnings(entries: readonly Entry[], o: Options): Result[] {
  if (!o.generate) return [];
  const guarded = o.production.guard ? new Set(guardExemptNamespaces(o)) : undefined;
  const isGuarded = (ns: string) => guarded !== undefined && !guarded.has(ns);
  const out: Result[] = [];
  for (const e of entries) {
    const ns = e.header.namespace;
    if (e.role !== 'other') continue;
    if (groupOf(e.header.apiVersion ?? '') !== 'networking.istio.io') continue;
    // Gateways select pods mesh-wide, whatever namespace they are applied in.
    if (e.header.kind === 'Gateway' && o.mode === 'egress-gateway') {
      const found = gatewayImpact(e, o, ns !== undefined && isGuarded(ns));
      if (found) out.push(found);
    }
    if (e.header.kind === 'ServiceEntry' && ns !== undefined && isGuarded(ns)) {
      const found = serviceEntryImpact(e, o);
      if (found) out.push(found);
    }
    if (e.header.kind === 'Sidecar' && ns !== undefined && isGuarded(ns)) {
      const found = sidecarImpact(e);
      if (found) out.push(found);
    }
  }
  return out;
}

function gatewayImpact(e: Entry, o: Options, guarded: boolean): Result | undefined {
  const spec = entrySpec(e);
  const selector = isObject(spec.selector) ? stringMap(spec.selector) : undefined;
  if (!selectsGatewayPods(selector, o)) return undefined;
  const shown = selector ? JSON.stringify(selector) : 'none';
  const refused = guarded
    ? `; the guard this run adds (ValidatingAdmissionPolicy ${GUARD_NAME}) refuses it at its next create or update`
    : '';
  return warning(
    `its selector (${shown}) selects the stack's gateway pods (Deployment ${o.gateway.namespace}/${stackNames(o).deployment}) too: istiod merges every Gateway whose selector the pods' labels satisfy, from any namespace, so its servers are served by the locked-down gateway${refused}. Give it a selector label those pods do not carry`,
    { ...about(e.header), field: { path: 'spec.selector' } },
  );
}

/** The guard's first ServiceEntry rule: only in-cluster hosts outside the stack's namespaces. */
function serviceEntryImpact(e: Entry, o: Options): Result | undefined {
  const spec = entrySpec(e);
  const suffix = `.svc.${o.clusterDomain}`;
  const hosts = Array.isArray(spec.hosts) ? spec.hosts.map((h) => textOf(h)) : [];
  const external = hosts.filter((h) => !h.endsWith(suffix));
  if (external.length === 0) return undefined;
  return warning(
    `declares external hosts (${external.join(', ')}) in a namespace the guard this run adds (ValidatingAdmissionPolicy ${GUARD_NAME}) covers: it refuses this ServiceEntry at its next create or update. Put those names in the list instead (the stack then declares and routes them)`,
    { ...about(e.header), field: { path: 'spec.hosts' } },
  );
}

function sidecarImpact(e: Entry): Result | undefined {
  const spec = entrySpec(e);
  const policy = isObject(spec.outboundTrafficPolicy) ? spec.outboundTrafficPolicy : {};
  const mode = textOf(policy.mode);
  if (mode === 'REGISTRY_ONLY') return undefined;
  const says = mode
    ? `sets outboundTrafficPolicy.mode ${JSON.stringify(mode)}, which lets the pods it selects reach unlisted hosts`
    : 'sets no outboundTrafficPolicy.mode, so the mesh default applies to the pods it selects (with ALLOW_ANY, unlisted hosts are reachable)';
  return warning(
    `${says}; the guard this run adds (ValidatingAdmissionPolicy ${GUARD_NAME}) refuses this Sidecar at its next create or update. Set spec.outboundTrafficPolicy.mode: REGISTRY_ONLY`,
    { ...about(e.header), field: { path: 'spec.outboundTrafficPolicy.mode' } },
  );
}

/**
 * Namespace-wide Sidecars of the user's that the Sidecars this run adds
 * displace: the root namespace's (the mesh default, which a namespace's own
 * Sidecar replaces whole, its egress hosts included), and one written with
 * no namespace, which applied into a namespace the run locks would be a
 * second namespace-wide Sidecar there (Istio leaves that undefined).
 */
export function sidecarScopeWarnings(
  entries: readonly Entry[],
  add: readonly Resource[],
  o: Options,
): Result[] {
  const added = add
    .filter((r) => r.kind === 'Sidecar' && !(isObject(r.spec) && 'workloadSelector' in r.spec))
    .map((r) => r.metadata.namespace ?? '')
    .sort();
  if (added.length === 0) return [];
  const where = added.join(', ');
  const out: Result[] = [];
  for (const e of entries) {
    if (e.role !== 'other' || e.header.kind !== 'Sidecar') continue;
    if (groupOf(e.header.apiVersion ?? '') !== 'networking.istio.io') continue;
    const spec = entrySpec(e);
    if ('workloadSelector' in spec) continue;
    const ns = e.header.namespace;
    if (!ns) {
      out.push(
        warning(
          `has no namespace and no workloadSelector: applied into ${where} (where this run adds a namespace-wide Sidecar), it would be a second one there, which Istio leaves undefined. Write its namespace in the item: the run then puts the list into it instead of adding its own`,
          { ...about(e.header), field: { path: 'metadata.namespace' } },
        ),
      );
      continue;
    }
    if (ns !== o.rootNamespace) continue;
    const hosts = (Array.isArray(spec.egress) ? spec.egress : [])
      .flatMap((l) => (isObject(l) && Array.isArray(l.hosts) ? l.hosts.map((h) => textOf(h)) : []))
      .filter((h) => h !== './*');
    if (hosts.length === 0) continue;
    out.push(
      warning(
        `is the mesh's default Sidecar; the Sidecars this run adds in ${where} replace it there, so its egress hosts (${hosts.join(', ')}) no longer apply to those namespaces. To keep them, give such a namespace a Sidecar of your own without workloadSelector that lists them: the run puts the list into it instead of adding its own`,
        { ...about(e.header), field: { path: 'spec.egress' } },
      ),
    );
  }
  return out;
}
