import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OPT_IN_ANNOTATION } from '../places/host-places.js';
import { renderEnvoyFilter } from './render-envoy-filter.js';
import { renderGateway } from './render-gateway.js';
import { renderSidecarMode, renderWaypointMode } from './render-native.js';
import { renderProduction } from './render-production.js';
import { renderRouting } from './render-routing.js';
import type { Resource } from './resource.js';

/**
 * Marks a resource as the function's: the managed-by label (what a later run
 * may remove when the config no longer needs it) and the list it belongs to.
 */
export function stamp(r: Resource, listName: string): Resource {
  const { name, namespace, labels, annotations, ...rest } = r.metadata;
  return {
    ...r,
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      labels: { ...(labels as Record<string, string> | undefined), [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: {
        ...(annotations as Record<string, string> | undefined),
        [OPT_IN_ANNOTATION]: listName,
      },
      ...rest,
    },
  };
}

/** The forwarder of the mode: the post's egress gateway stack (in the post's order), or a native one. */
function renderForwarder(o: Options, plan: DomainPlan): Resource[] {
  const namespace: Resource[] =
    o.gateway.createNamespace && o.mode !== 'sidecar'
      ? [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.gateway.namespace } }]
      : [];
  switch (o.mode) {
    case 'egress-gateway':
      return [...renderGateway(o, plan), ...renderRouting(o, plan), ...renderEnvoyFilter(o, plan)];
    case 'sidecar':
      return renderSidecarMode(o, plan);
    case 'waypoint':
      return [...namespace, ...renderWaypointMode(o, plan)];
  }
}

/** The whole egress stack for one list and mode, then the production parts that are on; each stamped as the function's. */
export function renderStack(o: Options, plan: DomainPlan): Resource[] {
  return [...renderForwarder(o, plan), ...renderProduction(o, plan)].map((r) =>
    stamp(r, o.listName),
  );
}
