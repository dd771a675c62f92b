import type { JsonObject } from '../util/data.js';
import type { Options } from '../config/options.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { decideGatewayConfig } from './config-gateway.js';
import { entryIndex, planListedNames } from './config-entries.js';
import { laneServes, nativeVisible } from './config-scope.js';
import { decideSidecarConfig } from './config-sidecar.js';
import { decideWaypointConfig } from './config-waypoint.js';
import { nearestEntry } from './nearest-entry.js';
import { namespaceOf, Path, type Explanation, type Question } from './types.js';

/** The deciders by mode: one small module each, switched on `options.mode`. */
const DECIDERS = {
  'egress-gateway': decideGatewayConfig,
  sidecar: decideSidecarConfig,
  waypoint: decideWaypointConfig,
} as const;

/**
 * Decides from a parsed config (options and plan) the way the rendered stack
 * would, in the config's mode; a refusal names the nearest listed entry.
 */
export function decideConfig(
  doc: JsonObject,
  o: Options,
  plan: DomainPlan,
  q: Question,
): Explanation {
  const mode = o.mode;
  const path = new Path(mode);
  const entries = entryIndex(doc);
  path.note({
    layer: 'stack',
    detail: `${mode} mode, from the config's spec.mode${mode === 'egress-gateway' ? ' (or its default)' : ''}`,
  });
  const verdict = DECIDERS[mode](o, plan, q, path, entries);
  if (verdict !== 'allowed') {
    const ns = namespaceOf(q);
    const mayUse = (lane: Lane) => {
      if (mode === 'sidecar') return nativeVisible(o, lane, ns);
      if (mode === 'waypoint')
        return (
          !o.production.authorization ||
          lane.namespaces.length === 0 ||
          lane.namespaces.includes(ns)
        );
      return (!lane.team && !o.production.authorization) || laneServes(lane, ns);
    };
    const near = nearestEntry(q.host, q.port, planListedNames(plan, entries, mayUse));
    if (near) path.nearest = near;
  }
  return path.explanation(verdict, q);
}
