import type { Options } from '../config/options.js';
import { warning, type Result } from '../krm/results.js';
import { stackNames } from '../stack/names.js';
import { WAYPOINT_NAME } from '../stack/render-native.js';
import { isObject, stringMap, textOf } from '../util/data.js';
import { entrySpec, type Entry } from './entry.js';
import { about } from './report.js';

/**
 * AuthorizationPolicies of the user's that apply to the stack's gateway pods
 * and make them refuse the list's traffic. Istio denies a request at a
 * workload that some ALLOW policy applies to unless one of them matches it;
 * a policy with no rules matches nothing (allow-nothing). A policy without a
 * selector applies to every workload of its namespace, and in the root
 * namespace to every workload of the mesh (istio.io, Authorization Policy
 * reference: "selector", "rules"). Only egress-gateway mode is concerned:
 * sidecars forward the list outbound, where no AuthorizationPolicy applies,
 * and waypoints are bound by targetRefs.
 */
export function gatewayPolicyWarnings(entries: readonly Entry[], o: Options): Result[] {
  // The stack's own ALLOW policy (production.authorization) admits the lanes whatever else applies.
  if (!o.generate || o.production.authorization) return [];
  if (o.mode === 'waypoint') return waypointPolicyWarnings(entries, o);
  if (o.mode !== 'egress-gateway') return [];
  const names = stackNames(o);
  const pods: Record<string, string> = names.podLabels;
  const out: Result[] = [];
  for (const e of entries) {
    if (e.role !== 'other' || e.header.kind !== 'AuthorizationPolicy') continue;
    const ns = e.header.namespace;
    if (ns !== o.rootNamespace && ns !== o.gateway.namespace) continue;
    const spec = entrySpec(e);
    const action = textOf(spec.action, 'ALLOW');
    if (action !== 'ALLOW' || 'targetRef' in spec || 'targetRefs' in spec) continue;
    const selector = isObject(spec.selector) ? stringMap(spec.selector.matchLabels) : {};
    if (!Object.entries(selector).every(([k, v]) => pods[k] === v)) continue;
    const rules = Array.isArray(spec.rules) ? spec.rules : [];
    const where = ns === o.rootNamespace ? 'every workload of the mesh' : `the pods of ${ns}`;
    const effect =
      rules.length === 0
        ? 'it allows nothing, so the gateway refuses every connection of the list'
        : "the gateway admits only what its rules match, which may leave out the sidecars' connections to the list's lanes";
    const fix =
      'set spec.production.authorization: true to render the gateway its own ALLOW policy, or give this one a selector that leaves out the gateway pods';
    out.push(
      warning(
        `applies to ${where}, the stack's gateway pods (${names.deployment}) included: ${effect}. Check with wildcard-egress explain; ${fix}`,
        { ...about(e.header), field: { path: 'spec' } },
      ),
    );
  }
  return out;
}

/**
 * In waypoint mode: ALLOW AuthorizationPolicies of the user's that target the
 * stack's waypoint Gateway. Such a policy applies to every connection the
 * waypoint handles, so the waypoint admits only what one of its rules
 * matches; HTTP attributes (methods, paths) never match TLS passthrough.
 * The stack's own ALLOW policies (production.authorization) target the
 * list's ServiceEntries and admit its lanes whatever else applies.
 */
function waypointPolicyWarnings(entries: readonly Entry[], o: Options): Result[] {
  const out: Result[] = [];
  for (const e of entries) {
    if (e.role !== 'other' || e.header.kind !== 'AuthorizationPolicy') continue;
    if (e.header.namespace !== o.gateway.namespace) continue;
    const spec = entrySpec(e);
    if (textOf(spec.action, 'ALLOW') !== 'ALLOW') continue;
    const refs = Array.isArray(spec.targetRefs) ? spec.targetRefs : [spec.targetRef];
    const at = refs.findIndex(
      (r) =>
        isObject(r) &&
        textOf(r.kind) === 'Gateway' &&
        textOf(r.name) === WAYPOINT_NAME &&
        textOf(r.group, 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io',
    );
    if (at < 0) continue;
    const rules = Array.isArray(spec.rules) ? spec.rules : [];
    out.push(
      warning(
        `targets the stack's waypoint (Gateway ${o.gateway.namespace}/${WAYPOINT_NAME}): the waypoint then admits only what ${rules.length === 0 ? 'its rules match, and it has none' : 'its rules match (HTTP attributes such as methods and paths never match TLS passthrough)'}, so the list's names may be refused. Check with wildcard-egress explain; set spec.production.authorization: true to render the list's own ALLOW policies (they target its ServiceEntries), or target your ServiceEntries instead of the waypoint`,
        {
          ...about(e.header),
          field: {
            path: Array.isArray(spec.targetRefs) ? `spec.targetRefs[${at}]` : 'spec.targetRef',
          },
        },
      ),
    );
  }
  return out;
}
