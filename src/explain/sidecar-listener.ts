import { chooseChain, sharedServerName } from './server-names.js';

/** One (host, port) of a ServiceEntry a sidecar sees. */
export interface ServiceView {
  /** `ServiceEntry ns/name`. */
  resource: string;
  namespace: string;
  /** `spec.hosts[k]`. */
  field: string;
  host: string;
  /** `NONE` (original destination), `DNS`, `DYNAMIC_DNS`, `STATIC`. */
  resolution: string;
  /** `spec.ports[i]`, and the port's protocol. */
  portField: string;
  protocol: string;
}

/** Where a route sends a connection. */
export interface Destination {
  host: string;
  port?: number;
  subset?: string;
}

/** One `tls[i].match[j]` that applies to the sidecar (mesh-bound, its namespace, the port). */
export interface TlsMatchView {
  /** `VirtualService ns/name`. */
  resource: string;
  namespace: string;
  /** `spec.tls[i].match[j]`. */
  field: string;
  sniHosts: string[];
  destination: Destination;
}

/** A filter chain of the sidecar's outbound listener `0.0.0.0_<port>`. */
export interface Chain {
  serverNames: string[];
  via: { kind: 'route'; match: TlsMatchView } | { kind: 'direct'; service: ServiceView };
}

/** The sidecar's listener for one port, as istiod builds it and Envoy loads it. */
export interface SidecarListener {
  chains: Chain[];
  /** A chain matching every name (`sniHosts: ["*"]`), which istiod makes the default chain. */
  matchAll?: Chain;
  /** Two chains sharing a server name: Envoy refuses the whole listener. */
  rejected?: { name: string; first: Chain; second: Chain };
}

const setKey = (names: readonly string[]) =>
  [...new Set(names.filter((n) => n !== '*'))].sort().join(',');

/**
 * istiod's outbound TLS listener of one port (pilot/pkg/networking/core
 * `tls.go` buildSidecarOutboundTLSFilterChainOpts, `listener.go`
 * mergeTCPFilterChains, Istio 1.30): per service, one chain per applicable tls
 * match (a match whose sniHosts repeat an earlier one's is skipped), or, if no
 * match applies at all, the default chain for the service's own host, which
 * goes straight to it (original destination for resolution NONE). Chains of
 * several services merge; a chain whose SNI set equals an earlier one's is
 * dropped. Envoy then refuses the listener if two chains share a server name
 * (`filter_chain_manager_impl.cc`, "overlapping matching rules").
 */
export function buildSidecarListener(
  services: readonly ServiceView[],
  matchesFor: (s: ServiceView) => readonly TlsMatchView[],
): SidecarListener {
  const chains: Chain[] = [];
  const keys = new Set<string>();
  let matchAll: Chain | undefined;
  // A long list puts thousands of names in one match, seen once per service: its keys are computed once.
  const hashes = new Map<TlsMatchView, { hash: string; key: string; all: boolean }>();
  const hashOf = (m: TlsMatchView) => {
    if (!hashes.has(m))
      hashes.set(m, {
        hash: m.sniHosts.join(','),
        key: setKey(m.sniHosts),
        all: m.sniHosts.length === 0 || m.sniHosts.includes('*'),
      });
    return hashes.get(m)!;
  };
  const merge = (c: Chain, key: string, all: boolean) => {
    if (all) {
      matchAll ??= c;
      return;
    }
    if (keys.has(key)) return;
    keys.add(key);
    chains.push(c);
  };
  for (const s of services) {
    const handled = new Set<string>();
    const matches = matchesFor(s);
    for (const m of matches) {
      const { hash, key, all } = hashOf(m);
      if (handled.has(hash)) continue;
      handled.add(hash);
      merge({ serverNames: m.sniHosts, via: { kind: 'route', match: m } }, key, all);
    }
    if (matches.length === 0)
      merge(
        { serverNames: [s.host], via: { kind: 'direct', service: s } },
        setKey([s.host]),
        s.host === '*',
      );
  }
  const shared = sharedServerName(chains);
  const listener: SidecarListener = { chains, ...(matchAll ? { matchAll } : {}) };
  if (shared)
    listener.rejected = {
      name: shared.name,
      first: chains[shared.first],
      second: chains[shared.second],
    };
  return listener;
}

/** The chain Envoy picks for the SNI: by server name, else the match-all chain; undefined: the listener's passthrough chain. */
export function pickChain(listener: SidecarListener, host: string): Chain | undefined {
  const i = chooseChain(listener.chains, host);
  return i >= 0 ? listener.chains[i] : listener.matchAll;
}

/** How a chain reads in a step: the route match or the ServiceEntry host it came from. */
export function chainOrigin(c: Chain): { resource: string; field: string } {
  return c.via.kind === 'route'
    ? { resource: c.via.match.resource, field: `${c.via.match.field}.sniHosts` }
    : { resource: c.via.service.resource, field: c.via.service.field };
}
