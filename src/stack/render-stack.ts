import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { renderEnvoyFilter } from './render-envoy-filter.js';
import { renderGateway } from './render-gateway.js';
import { renderProduction } from './render-production.js';
import { renderRouting } from './render-routing.js';
import type { Resource } from './resource.js';

/** The whole egress stack of the post for one list, in the post's order, then the production parts that are on. */
export function renderStack(o: Options, plan: DomainPlan): Resource[] {
  return [...renderGateway(o, plan), ...renderRouting(o, plan), renderEnvoyFilter(o, plan), ...renderProduction(o, plan)];
}
