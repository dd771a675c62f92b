import type { Options } from '../config/options.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { stackNames } from '../stack/names.js';
import { laneListeners, renderEnvoyFilter } from '../stack/render-envoy-filter.js';
import type { StackLogNames } from './parse-log-line.js';
import { isObject } from '../util/data.js';

/** A lane as the audit reads its logs: the plan's lane and the internal listeners the gateway logs it under. */
export interface AuditLane {
  lane: Lane;
  /** Name of the lane's first internal listener in the rendered EnvoyFilters. */
  listener?: string;
  /** Every internal listener of the lane (a long list is a chain of them). */
  listeners: string[];
}

/** The lanes and the names log lines are recognised by. */
export interface LaneTable {
  lanes: AuditLane[];
  names: StackLogNames;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What the rendered EnvoyFilter holds per internal listener and which clusters forward to the real hosts. */
function renderedForwarder(o: Options, plan: DomainPlan) {
  const patches = renderEnvoyFilter(o, plan).flatMap((ef) =>
    isObject(ef.spec) ? list(ef.spec.configPatches).filter(isObject) : [],
  );
  const values = patches.map((p) => ({
    applyTo: p.applyTo,
    value: isObject(p.patch) && isObject(p.patch.value) ? p.patch.value : {},
  }));
  const listeners = values
    .filter((p) => p.applyTo === 'LISTENER' && 'internal_listener' in p.value)
    .map(({ value }) => {
      const chains = list(value.filter_chains).filter(isObject);
      const serverNames = chains.flatMap((c) =>
        isObject(c.filter_chain_match) ? list(c.filter_chain_match.server_names) : [],
      );
      const ports = chains
        .flatMap((c) => list(c.filters).filter(isObject))
        .map((f) => (isObject(f.typed_config) ? f.typed_config.port_value : undefined));
      return {
        name: String(value.name),
        serverNames: serverNames.map(String),
        port: ports.find((p) => typeof p === 'number'),
      };
    });
  const forwardClusters = values
    .filter(
      (p) =>
        p.applyTo === 'CLUSTER' &&
        isObject(p.value.cluster_type) &&
        p.value.cluster_type.name === 'envoy.clusters.dynamic_forward_proxy',
    )
    .map((p) => String(p.value.name));
  return { listeners, forwardClusters };
}

/**
 * The plan's lanes, each with the internal listener the rendered EnvoyFilter
 * gives it (matched by its names and upstream port, so renames of the
 * listeners flow through), and the names that tell the stack's log lines
 * apart: the gateway Service host and subset of the lane clusters, the
 * forward proxy clusters and the internal listeners.
 */
export function laneTable(o: Options, plan: DomainPlan): LaneTable {
  const n = stackNames(o);
  const rendered = renderedForwarder(o, plan);
  const chains = laneListeners(plan);
  const renderedNames = new Set(rendered.listeners.map((l) => l.name));
  const lanes = plan.lanes.map((lane): AuditLane => {
    const listeners = (chains.get(lane) ?? []).filter((l) => renderedNames.has(l));
    return listeners.length > 0
      ? { lane, listener: listeners[0], listeners }
      : { lane, listeners: [] };
  });
  return {
    lanes,
    names: {
      serviceHost: n.serviceHost,
      subset: n.subset,
      forwardClusters: [...new Set([n.forwardCluster, ...rendered.forwardClusters])],
      listeners: [...new Set([n.sniListener, ...rendered.listeners.map((l) => l.name)])],
    },
  };
}

/** Which lanes a namespace may use: one function for every step (src/domains/plan.ts). */
export { servesNamespace } from '../domains/plan.js';
