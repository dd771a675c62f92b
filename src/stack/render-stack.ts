import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OPT_IN_ANNOTATION } from '../places/host-places.js';
import { renderEnvoyFilter } from './render-envoy-filter.js';
import { renderGateway } from './render-gateway.js';
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
      annotations: { ...(annotations as Record<string, string> | undefined), [OPT_IN_ANNOTATION]: listName },
      ...rest,
    },
  };
}

/** The whole egress stack of the post for one list, in the post's order, then the production parts that are on; each stamped as the function's. */
export function renderStack(o: Options, plan: DomainPlan): Resource[] {
  return [...renderGateway(o, plan), ...renderRouting(o, plan), renderEnvoyFilter(o, plan), ...renderProduction(o, plan)].map((r) => stamp(r, o.listName));
}
