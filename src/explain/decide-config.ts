import type { JsonObject } from '../util/data.js';
import type { Options } from '../config/options.js';
import { normalizeDomain } from '../domains/normalize-domain.js';
import { servesNamespace, type DomainPlan, type Lane } from '../domains/plan.js';
import { laneListeners } from '../stack/render-envoy-filter.js';
import { renderStack } from '../stack/render-stack.js';
import { configLines } from './config-lines.js';
import { decideManifests } from './decide-manifests.js';
import { refOf, type Item } from './manifests.js';
import { resolveField } from './resolve-field.js';
import { namespaceOf, type Explanation, type Question, type Rule } from './types.js';

/** The stack the function renders for a config (`renderStack`, the function's own code path), as the objects --manifests reads. */
export function renderedItems(o: Options, plan: DomainPlan): Item[] {
  return renderStack(o, plan);
}

/** The internal listener an EnvoyFilter entry belongs to: the `name` of the LISTENER patch the field lies in. */
function listenerOf(items: readonly Item[], rule: Rule): string | undefined {
  const patch = /^(spec\.configPatches\[\d+\])\.patch\.value\./.exec(rule.field)?.[1];
  const ef = patch && items.find((i) => i.kind === 'EnvoyFilter' && refOf(i) === rule.resource);
  if (!ef) return undefined;
  const name = resolveField(ef, `${patch}.patch.value.name`);
  return name.found && typeof name.value === 'string' ? name.value : undefined;
}

/**
 * Maps an entry of the rendered stack back to the config line it came from:
 * among the lanes that list the name, the one whose internal listener holds
 * the entry (egress-gateway mode), else one on the asked port that serves the
 * namespace. Undefined when the value is no listed name.
 */
function lineOf(
  doc: JsonObject,
  plan: DomainPlan,
  items: readonly Item[],
  q: Question,
): (rule: Rule) => Rule | undefined {
  const lines = configLines(doc);
  const listeners = laneListeners(plan);
  const ns = namespaceOf(q);
  return (rule) => {
    const check = normalizeDomain(rule.value);
    if (!check.ok) return undefined;
    const lanes = plan.lanes.filter((l) => l.domains.includes(check.domain));
    if (lanes.length === 0) return undefined;
    const listener = listenerOf(items, rule);
    const inListener = lanes.filter((l) => listener && listeners.get(l)?.includes(listener));
    const rank = (l: Lane) =>
      (l.upstreamPort === q.port ? 0 : 2) + (servesNamespace(l, ns) ? 0 : 1);
    const lane = inListener[0] ?? [...lanes].sort((a, b) => rank(a) - rank(b))[0];
    return lines(lane, check.domain);
  };
}

/**
 * Decides from a parsed config by rendering its stack with the function's
 * own code (`renderStack` after `parseConfig`) and walking those objects
 * exactly as `--manifests` walks a cluster's: the steps are the same, and
 * they cite resources and fields that exist in the render. The admitting
 * entry, and a refusal's nearest one, are then named by their config line
 * (`DomainList egress spec.production.teams[0].domains[1]`).
 */
export function decideConfig(
  doc: JsonObject,
  o: Options,
  plan: DomainPlan,
  q: Question,
): Explanation {
  const items = renderedItems(o, plan);
  const e = decideManifests(items, q, o.production.trustDomain);
  const line = lineOf(doc, plan, items, q);
  if (e.rule) e.rule = line(e.rule) ?? e.rule;
  if (e.nearest) {
    const near = line(e.nearest);
    if (near) e.nearest = { ...near, why: e.nearest.why };
  }
  return e;
}
