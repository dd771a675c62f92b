import type { Options } from '../config/options.js';
import type { Lane } from '../domains/plan.js';

/** Whether a namespace may use a lane: a team's lanes serve its namespaces, the shared lanes `namespaces`. */
export function serves(o: Options, lane: Lane, ns: string): boolean {
  return lane.team ? lane.namespaces.includes(ns) : o.production.namespaces.includes(ns);
}

/** The upstream ports of the lanes a namespace may use, each once, in lane order. */
export function namespacePorts(o: Options, lanes: readonly Lane[], ns: string): number[] {
  return [...new Set(lanes.filter((l) => serves(o, l, ns)).map((l) => l.upstreamPort))];
}
