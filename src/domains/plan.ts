import type { Options } from '../config/options.js';
import { warning, type Result } from '../krm/results.js';
import { foldCovered } from './fold-covered.js';
import type { Domain } from './normalize-domain.js';
import { compareDomains, type DomainEntry } from './normalize-list.js';

/**
 * One path through the gateway: a set of names on one upstream port for one
 * group of namespaces. The post has exactly one lane (the shared list on port
 * 443, open to every namespace); upstream ports and teams add more. Each lane
 * gets its own gateway port, internal listener and VirtualService tls route.
 */
export interface Lane {
  /** `''` for the post's lane; otherwise `-<team>`, `-<port>` or `-<team>-<port>`, used in names. */
  suffix: string;
  team?: string;
  /** Namespaces that may use the lane; empty means every namespace. */
  namespaces: string[];
  upstreamPort: number;
  /** Port of the gateway pods (the Gateway server) for this lane. */
  gatewayPort: number;
  /** Port of the gateway Service that sidecars send this lane's traffic to. */
  servicePort: number;
  domains: Domain[];
}

/** The whole list: every name once (for hosts that ignore ports), and the lanes. */
export interface DomainPlan {
  all: Domain[];
  lanes: Lane[];
}

/** Sorted, de-duplicated names with every name a listed wildcard covers left out. */
function folded(domains: Iterable<Domain>): { kept: Domain[]; folded: ReturnType<typeof foldCovered>['folded'] } {
  return foldCovered([...new Set(domains)].sort(compareDomains));
}

/**
 * Groups the accepted entries into lanes, folds each lane's names (with a
 * warning per name left out), and numbers the lanes' ports: the post's lane
 * keeps the configured ports, every further lane takes the next gateway port.
 */
export function planDomains(entries: readonly DomainEntry[], o: Options): { plan: DomainPlan; results: Result[] } {
  const results: Result[] = [];
  const groups = new Map<string, { team?: string; port: number; entries: DomainEntry[] }>();
  for (const e of entries) {
    for (const port of e.ports ?? [o.upstreamPort]) {
      const key = `${e.team ?? ''}|${port}`;
      if (!groups.has(key)) groups.set(key, { ...(e.team ? { team: e.team } : {}), port, entries: [] });
      groups.get(key)!.entries.push(e);
    }
  }
  const isMain = (g: { team?: string; port: number }) => g.team === undefined && g.port === o.upstreamPort;
  const ordered = [...groups.values()].sort((a, b) => {
    if (isMain(a) !== isMain(b)) return isMain(a) ? -1 : 1;
    const ta = a.team ?? '';
    const tb = b.team ?? '';
    return ta < tb ? -1 : ta > tb ? 1 : a.port - b.port;
  });
  const teamNamespaces = new Map((o.production.teams ?? []).map((t) => [t.name, t.namespaces]));
  const lanes = ordered.map((g, i): Lane => {
    const suffix = isMain(g) ? '' : `${g.team ? `-${g.team}` : ''}${g.port !== o.upstreamPort ? `-${g.port}` : ''}`;
    const { kept, folded: dropped } = folded(g.entries.map((e) => e.domain));
    const where = [g.team ? `team ${g.team}` : '', g.port !== o.upstreamPort ? `port ${g.port}` : ''].filter(Boolean).join(', ');
    for (const f of dropped) {
      const entry = g.entries.find((e) => e.domain === f.name)!;
      results.push(warning(`domain ${JSON.stringify(entry.raw.value)} is covered by "${f.by}"${where ? ` (${where})` : ''} and is left out: Istio and Envoy refuse overlapping names`, {
        field: { path: entry.raw.path, currentValue: entry.raw.value },
      }));
    }
    const gatewayPort = i === 0 && isMain(g) ? o.gateway.targetPort : o.gateway.targetPort + i + (isMain(ordered[0]!) ? 0 : 1);
    return {
      suffix,
      ...(g.team ? { team: g.team } : {}),
      namespaces: g.team ? (teamNamespaces.get(g.team) ?? []) : [...o.production.namespaces],
      upstreamPort: g.port,
      gatewayPort,
      servicePort: isMain(g) ? o.gateway.servicePort : gatewayPort,
      domains: kept,
    };
  });
  return { plan: { all: folded(entries.map((e) => e.domain)).kept, lanes }, results };
}
