import type { Options } from '../config/options.js';
import type { Domain } from '../domains/normalize-domain.js';
import { renderEnvoyFilter } from './render-envoy-filter.js';
import { renderGateway } from './render-gateway.js';
import { renderProduction } from './render-production.js';
import { renderRouting } from './render-routing.js';
import type { Resource } from './resource.js';

/** The whole egress stack of the post for one list, in the post's order, then the production parts that are on. */
export function renderStack(o: Options, domains: readonly Domain[]): Resource[] {
  return [...renderGateway(o), ...renderRouting(o, domains), renderEnvoyFilter(o, domains), ...renderProduction(o, domains)];
}
