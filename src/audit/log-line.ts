/**
 * What one access-log line says about a connection:
 * - `gateway-forwarded`: the gateway's internal listener sent it to the real host (forward proxy cluster);
 * - `gateway-refused`: the internal listener found no filter chain for its SNI (`NR`, no cluster);
 * - `sidecar-lane`: a sidecar sent it to one of the gateway's lanes (`outbound|<port>|<subset>|<gateway host>`);
 * - `passthrough`: a sidecar let it out directly (ALLOW_ANY, `PassthroughCluster`);
 * - `blackhole`: a sidecar refused it (REGISTRY_ONLY, `BlackHoleCluster`);
 * - `cni-forwarded`, `cni-refused`: Cilium let a pod's connection out, or refused it (a Hubble flow, hubble-flow.ts);
 * - `cni-dns-refused`: Cilium's DNS proxy refused a pod's query for a name;
 * - `other`: any other connection (in-mesh traffic, the gateway's mTLS listener).
 */
export type LineKind =
  | 'gateway-forwarded'
  | 'gateway-refused'
  | 'sidecar-lane'
  | 'passthrough'
  | 'blackhole'
  | 'cni-forwarded'
  | 'cni-refused'
  | 'cni-dns-refused'
  | 'other';

/** One connection as the audit sees it. */
export interface LogLine {
  kind: LineKind;
  cluster?: string;
  /** The application's SNI, lower-case, without a trailing dot; absent when none, or when it is Istio's own mTLS SNI. */
  sni?: string;
  /** Port of the destination address, when the line has one. */
  port?: number;
  /** Destination: the original destination at a sidecar (`DOWNSTREAM_LOCAL_ADDRESS`), else the upstream host. */
  address?: string;
  responseFlags: string[];
  /** Internal listener that logged a gateway line (`envoy://sni_listener/` → `sni_listener`). */
  listener?: string;
  /** Gateway Service port a sidecar-lane line went to. */
  servicePort?: number;
  /** The source pod's namespace (Hubble flows carry it). */
  namespace?: string;
}
