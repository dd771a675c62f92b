import { HostIndex, mostSpecific } from '../domains/host-match.js';
import { normalizeDomain } from '../domains/normalize-domain.js';
import { compareDomains } from '../domains/normalize-list.js';
import { foldSuggestions, type Suggestion } from './fold-suggestions.js';
import type { AuditLane } from './lane-table.js';
import type { LogLine } from './parse-log-line.js';

/** A list entry and the connections it admitted. */
export interface EntryUse {
  entry: string;
  /** The larger of the two views: a connection is logged once by its sidecar and once by the gateway. */
  count: number;
  /** Lines of the gateway's internal listeners that forwarded a name the entry admits. */
  gateway: number;
  /** Sidecar lines to the entry's lane. */
  sidecar: number;
  /** Hubble flows Cilium let out to an address the entry's names resolved to. */
  cni: number;
}

/** A name on a port the list does not admit, with the connections that tried it. */
export interface UnlistedName {
  host: string;
  port: number;
  /** `passthrough + blackhole + max(lane, gateway)`: connections through a lane are logged at both ends. */
  count: number;
  passthrough: number;
  blackhole: number;
  /** Sidecar lines to a lane whose names do not admit it. */
  lane: number;
  /** Gateway lines: refused (no filter chain) or, if the deployed list differs, forwarded. */
  gateway: number;
  /** Hubble flows: Cilium refused the connection or the DNS query, or (if the deployed policy differs) let it out. */
  cni: number;
}

/** Connections without an SNI that left directly or were refused, by destination address. */
export interface UnnamedDestination {
  address: string;
  count: number;
}

/** A name seen with a count, for the notes of the report. */
export interface NamedCount {
  host: string;
  port: number;
  count: number;
}

/** Everything the audit found. */
export interface AuditReport {
  used: EntryUse[];
  unused: string[];
  unlisted: UnlistedName[];
  unnamed: UnnamedDestination[];
  suggest: Suggestion[];
  /** Listed names that left through PassthroughCluster: a direct path that skips the gateway. */
  bypassed: NamedCount[];
  /** Listed names a sidecar refused (BlackHoleCluster): the stack does not reach that namespace. */
  blockedListed: NamedCount[];
  /** Listed names the gateway refused: the deployed stack does not hold this list. */
  refusedListed: NamedCount[];
  /** SNI values that no list can hold (not a host name). */
  unusable: NamedCount[];
  /** Gateway refusals without any SNI (a client that sent none). */
  refusedWithoutSni: number;
}

/** What the audit compares the lines with. */
export interface AuditScope {
  /** Every lane of the plan; lines of lanes not served are left out. */
  lanes: readonly AuditLane[];
  /** Whether a lane is in scope (`--from`); every lane when not given. */
  served: (lane: AuditLane) => boolean;
  /** Port of a gateway line whose lane is unknown. */
  defaultPort: number;
  /** `--from`: Hubble flows from other namespaces are left out. */
  namespace?: string;
}

function counter<K>() {
  const map = new Map<K, number>();
  return { map, add: (key: K) => map.set(key, (map.get(key) ?? 0) + 1) };
}

/** `host|port` keys for maps. */
const key = (host: string, port: number) => `${host}|${port}`;
const unkey = (k: string) => ({
  host: k.slice(0, k.lastIndexOf('|')),
  port: Number(k.slice(k.lastIndexOf('|') + 1)),
});

/**
 * Compares the connections in the logs with the list: which entries admitted
 * connections (`used`) and which none (`unused`, together the whole list in
 * scope), which names on which ports the list would have refused
 * (`unlisted`), connections without a name (`unnamed`), and entries that
 * would admit every unlisted name (`suggest`).
 */
export function auditConnections(lines: Iterable<LogLine>, scope: AuditScope): AuditReport {
  const served = scope.lanes.filter(scope.served);
  const entries = [...new Set(served.flatMap((l) => l.lane.domains))].sort(compareDomains);
  const byListener = new Map(
    scope.lanes.flatMap((l) => l.listeners.map((name) => [name, l] as const)),
  );
  const byServicePort = new Map(scope.lanes.map((l) => [l.lane.servicePort, l]));
  // Each lane's names indexed once: a log line costs one lookup per label, not a scan of the list.
  const indexes = new Map<AuditLane, HostIndex>();
  const admittingEntry = (name: string, lane: AuditLane) => {
    let index = indexes.get(lane);
    if (!index) indexes.set(lane, (index = new HostIndex(lane.lane.domains)));
    const i = index.covering(name);
    return i >= 0 ? lane.lane.domains[i] : undefined;
  };
  const entryOn = (name: string, lanes: readonly AuditLane[]) => {
    const found = lanes.map((l) => admittingEntry(name, l)).filter((e) => e !== undefined);
    return mostSpecific(found, name);
  };
  const listedOn = (name: string, port: number) =>
    entryOn(
      name,
      served.filter((l) => l.lane.upstreamPort === port),
    );
  const gatewayUse = counter<string>();
  const sidecarUse = counter<string>();
  const cniUse = counter<string>();
  const views = {
    passthrough: counter<string>(),
    blackhole: counter<string>(),
    lane: counter<string>(),
    gateway: counter<string>(),
    cni: counter<string>(),
  };
  const bypassed = counter<string>();
  const blockedListed = counter<string>();
  const refusedListed = counter<string>();
  const unusable = counter<string>();
  const unnamed = counter<string>();
  let refusedWithoutSni = 0;
  /** Records a name the list does not admit in one view, or as unusable when no list could hold it. */
  const unlisted = (view: keyof typeof views, name: string, port: number) => {
    const check = normalizeDomain(name);
    if (check.ok && check.domain === name && !name.startsWith('*'))
      views[view].add(key(name, port));
    else unusable.add(key(name, port));
  };

  for (const line of lines) {
    if (line.kind === 'gateway-forwarded' || line.kind === 'gateway-refused') {
      const lane = line.listener === undefined ? undefined : byListener.get(line.listener);
      if (lane && !scope.served(lane)) continue;
      const port = lane?.lane.upstreamPort ?? line.port ?? scope.defaultPort;
      if (!line.sni) {
        if (line.kind === 'gateway-refused') refusedWithoutSni++;
        continue;
      }
      const entry = entryOn(line.sni, lane ? [lane] : served);
      if (line.kind === 'gateway-forwarded' && entry) gatewayUse.add(entry);
      else if (line.kind === 'gateway-refused' && entry) refusedListed.add(key(line.sni, port));
      else unlisted('gateway', line.sni, port);
    } else if (line.kind === 'sidecar-lane') {
      const lane = byServicePort.get(line.servicePort!);
      if (!lane || !scope.served(lane) || !line.sni) continue;
      const entry = admittingEntry(line.sni, lane);
      if (entry) sidecarUse.add(entry);
      else unlisted('lane', line.sni, lane.lane.upstreamPort);
    } else if (
      line.kind === 'cni-forwarded' ||
      line.kind === 'cni-refused' ||
      line.kind === 'cni-dns-refused'
    ) {
      // Hubble flows: a DNS query has no port (counted on the default upstream port); a flow whose namespace a
      // --from review leaves out is skipped.
      if (scope.namespace && line.namespace && line.namespace !== scope.namespace) continue;
      if (!line.sni) {
        if (line.kind === 'cni-refused') unnamed.add(line.address ?? '-');
        continue;
      }
      const port = line.port ?? scope.defaultPort;
      const entry =
        line.kind === 'cni-dns-refused' ? entryOn(line.sni, served) : listedOn(line.sni, port);
      if (line.kind === 'cni-forwarded' && entry) cniUse.add(entry);
      else if (entry) refusedListed.add(key(line.sni, port));
      else unlisted('cni', line.sni, port);
    } else if (line.kind === 'passthrough' || line.kind === 'blackhole') {
      if (!line.sni) {
        unnamed.add(line.address ?? '-');
        continue;
      }
      const port = line.port ?? scope.defaultPort;
      if (!listedOn(line.sni, port)) unlisted(line.kind, line.sni, port);
      else (line.kind === 'passthrough' ? bypassed : blockedListed).add(key(line.sni, port));
    }
  }

  const used = entries
    .map((entry): EntryUse => {
      const gateway = gatewayUse.map.get(entry) ?? 0;
      const sidecar = sidecarUse.map.get(entry) ?? 0;
      const cni = cniUse.map.get(entry) ?? 0;
      return { entry, count: Math.max(gateway, sidecar, cni), gateway, sidecar, cni };
    })
    .filter((u) => u.count > 0);
  const usedEntries = new Set(used.map((u) => u.entry));
  const unlistedKeys = new Set(Object.values(views).flatMap((v) => [...v.map.keys()]));
  const names = [...unlistedKeys].map((k): UnlistedName => {
    const seen = (view: keyof typeof views) => views[view].map.get(k) ?? 0;
    const by = {
      passthrough: seen('passthrough'),
      blackhole: seen('blackhole'),
      lane: seen('lane'),
      gateway: seen('gateway'),
      cni: seen('cni'),
    };
    return {
      ...unkey(k),
      count: by.passthrough + by.blackhole + Math.max(by.lane, by.gateway, by.cni),
      ...by,
    };
  });
  return {
    used,
    unused: entries.filter((e) => !usedEntries.has(e)),
    unlisted: names.sort(byCountThenName),
    unnamed: [...unnamed.map]
      .map(([address, count]) => ({ address, count }))
      .sort(
        (a, b) => b.count - a.count || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0),
      ),
    // A name of one label is never suggested: the list refuses it (normalize-list.ts).
    suggest: foldSuggestions(names.filter((n) => n.host.includes('.'))),
    bypassed: named(bypassed.map),
    blockedListed: named(blockedListed.map),
    refusedListed: named(refusedListed.map),
    unusable: named(unusable.map),
    refusedWithoutSni,
  };
}

function byCountThenName(
  a: { host: string; port: number; count: number },
  b: { host: string; port: number; count: number },
): number {
  return b.count - a.count || compareDomains(a.host, b.host) || a.port - b.port;
}

function named(map: ReadonlyMap<string, number>): NamedCount[] {
  return [...map].map(([k, count]) => ({ ...unkey(k), count })).sort(byCountThenName);
}
