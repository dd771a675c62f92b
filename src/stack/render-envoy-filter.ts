import type { Options } from '../config/options.js';
import { bucketCount, splitInto } from '../domains/buckets.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { NAME_BYTES_PER_OBJECT } from './limits.js';
import { bucketName } from './render-routing.js';
import { dnsCacheName, NO_SEARCH_RESOLVER, type DnsCacheSettings } from './dns-cache-name.js';
import { apiVersions, stackNames } from './names.js';
import type { Resource } from './resource.js';

const TYPE = 'type.googleapis.com/envoy.extensions';

/** Envoy access-log operators of the post's forwarder log line, in order. */
const ACCESS_LOG_FIELDS = [
  '[%START_TIME%]',
  '"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"',
  '%RESPONSE_CODE%',
  '%RESPONSE_FLAGS%',
  '%RESPONSE_CODE_DETAILS%',
  '%CONNECTION_TERMINATION_DETAILS%',
  '"%UPSTREAM_TRANSPORT_FAILURE_REASON%"',
  '%BYTES_RECEIVED%',
  '%BYTES_SENT%',
  '%DURATION%',
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  '"%REQ(X-FORWARDED-FOR)%"',
  '"%REQ(USER-AGENT)%"',
  '"%REQ(X-REQUEST-ID)%"',
  '"%REQ(:AUTHORITY)%"',
  '"%UPSTREAM_HOST%"',
  '%UPSTREAM_CLUSTER%',
  '%UPSTREAM_LOCAL_ADDRESS%',
  '%DOWNSTREAM_LOCAL_ADDRESS%',
  '%DOWNSTREAM_REMOTE_ADDRESS%',
  '%REQUESTED_SERVER_NAME%',
  '%ROUTE_NAME%',
];

/** The forwarder's access-log line (Envoy's file logger wants the trailing newline). */
export const ACCESS_LOG_FORMAT = `${ACCESS_LOG_FIELDS.join(' ')}\n`;

/** The forward-proxy cluster of a scope: the post's name for the shared list, `<name>_<team>` for a team. */
export function forwardClusterName(base: string, scope: string): string {
  return scope ? `${base}_${scope.replaceAll('-', '_')}` : base;
}

/**
 * The SNI forwarder: per lane, a cluster into an internal listener whose
 * filter chain matches the lane's names and resolves each SNI on the lane's
 * upstream port, and the patch that sends the lane's gateway port into it;
 * per scope (the shared list, each team) one dynamic forward proxy cluster
 * with its own DNS cache. Every added cluster carries explicit circuit
 * breakers: Envoy's defaults (1,024 connections per cluster) would cap each
 * gateway pod.
 */
export function renderEnvoyFilter(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const f = o.forwarder;
  const settings: DnsCacheSettings = {
    dns_lookup_family: o.dnsLookupFamily,
    max_hosts: f.dnsCache.maxHosts,
    dns_cache_circuit_breaker: { max_pending_requests: f.dnsCache.maxPendingRequests },
    typed_dns_resolver_config: NO_SEARCH_RESOLVER,
  };
  const dnsCache = (scope: string) => ({
    name: dnsCacheName(scope, settings),
    ...structuredClone(settings),
  });
  const circuitBreakers = () => ({
    thresholds: [
      {
        max_connections: f.maxConnections,
        max_pending_requests: f.maxPendingRequests,
        max_requests: f.maxRequests,
      },
    ],
  });
  const fileLog = () => ({
    name: 'envoy.access_loggers.file',
    typed_config: {
      '@type': `${TYPE}.access_loggers.file.v3.FileAccessLog`,
      path: '/dev/stdout',
      log_format: { text_format_source: { inline_string: ACCESS_LOG_FORMAT } },
    },
  });
  const tcpProxy = (scope: string): Record<string, unknown> => ({
    '@type': `${TYPE}.filters.network.tcp_proxy.v3.TcpProxy`,
    stat_prefix: 'tcp',
    cluster: forwardClusterName(n.forwardCluster, scope),
    ...(o.accessLogging ? { access_log: [fileLog()] } : {}),
  });
  /** A cluster that leads into an internal listener (the lane's first, or the next in its chain). */
  const sniCluster = (link: ChainLink) => ({
    applyTo: 'CLUSTER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: link.cluster,
        load_assignment: {
          cluster_name: link.cluster,
          endpoints: [
            {
              lb_endpoints: [
                {
                  endpoint: {
                    address: { envoy_internal_address: { server_listener_name: link.listener } },
                  },
                },
              ],
            },
          ],
        },
        circuit_breakers: circuitBreakers(),
      },
    },
  });
  const forwardCluster = (scope: string) => ({
    applyTo: 'CLUSTER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: forwardClusterName(n.forwardCluster, scope),
        lb_policy: 'CLUSTER_PROVIDED',
        cluster_type: {
          name: 'envoy.clusters.dynamic_forward_proxy',
          typed_config: {
            '@type': `${TYPE}.clusters.dynamic_forward_proxy.v3.ClusterConfig`,
            dns_cache_config: dnsCache(scope),
          },
        },
        circuit_breakers: circuitBreakers(),
      },
    },
  });
  const listener = (lane: Lane, link: ChainLink, next: ChainLink | undefined) => ({
    applyTo: 'LISTENER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: link.listener,
        internal_listener: {},
        listener_filters: [
          {
            name: 'envoy.filters.listener.tls_inspector',
            typed_config: { '@type': `${TYPE}.filters.listener.tls_inspector.v3.TlsInspector` },
          },
        ],
        filter_chains: [
          {
            filter_chain_match: { server_names: [...link.names] },
            filters: [
              {
                name: 'envoy.filters.network.sni_dynamic_forward_proxy',
                typed_config: {
                  '@type': `${TYPE}.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig`,
                  port_value: lane.upstreamPort,
                  dns_cache_config: dnsCache(lane.scope),
                },
              },
              { name: 'envoy.tcp_proxy', typed_config: tcpProxy(lane.scope) },
            ],
          },
        ],
        // A long list is a chain of listeners: a name this one does not list goes on, untouched, to
        // the next, whose tls_inspector reads the same ClientHello again.
        ...(next
          ? {
              default_filter_chain: {
                filters: [
                  {
                    name: 'envoy.tcp_proxy',
                    typed_config: {
                      '@type': `${TYPE}.filters.network.tcp_proxy.v3.TcpProxy`,
                      stat_prefix: 'tcp',
                      cluster: next.cluster,
                    },
                  },
                ],
              },
            }
          : {}),
        // The last listener closes a connection whose SNI no chain lists without a tcp_proxy line: this log,
        // kept to such connections (response flag NR), names the refused SNI.
        ...(o.accessLogging && !next
          ? { access_log: [{ ...fileLog(), filter: { response_flag_filter: { flags: ['NR'] } } }] }
          : {}),
      },
    },
  });
  const merge = (lane: Lane) => ({
    applyTo: 'NETWORK_FILTER',
    match: {
      context: 'GATEWAY',
      listener: {
        // Narrower than the post: only this lane's mTLS listener, not every gateway TCP route.
        portNumber: lane.gatewayPort,
        filterChain: { filter: { name: 'envoy.filters.network.tcp_proxy' } },
      },
    },
    patch: {
      operation: 'MERGE',
      value: {
        name: 'envoy.tcp_proxy',
        typed_config: {
          '@type': `${TYPE}.filters.network.tcp_proxy.v3.TcpProxy`,
          stat_prefix: 'tcp',
          cluster: lane.cluster,
        },
      },
    },
  });
  // One object per bucket of names. The first holds, in the post's order for the first lane, each
  // lane's cluster into its chain, its scope's forward cluster (the first time the scope appears),
  // its bucket-0 listener and its patch; every other object holds, per lane, the listener of its
  // bucket and the cluster that leads into it.
  const count = chainBuckets(plan);
  const objects: Record<string, unknown>[][] = Array.from({ length: count }, () => []);
  const scopes = new Set<string>();
  for (const lane of plan.lanes) {
    const chain = laneChain(lane, count);
    const newScope = !scopes.has(lane.scope);
    scopes.add(lane.scope);
    objects[0].push(sniCluster(chain[0]), ...(newScope ? [forwardCluster(lane.scope)] : []));
    chain.forEach((link, i) => {
      if (i > 0) objects[link.bucket].push(sniCluster(link));
      objects[link.bucket].push(listener(lane, link, chain[i + 1]));
    });
    objects[0].push(merge(lane));
  }
  return objects
    .map((configPatches, bucket): [number, Record<string, unknown>[]] => [bucket, configPatches])
    .filter(([bucket, patches]) => bucket === 0 || patches.length > 0)
    .map(([bucket, configPatches]) => ({
      apiVersion: apiVersions(o).envoyFilter,
      kind: 'EnvoyFilter',
      metadata: { name: bucketName(n.envoyFilter, bucket), namespace: n.envoyFilterNamespace },
      spec: {
        // Narrower than the post: only this project's gateway pods get these patches.
        workloadSelector: { labels: { ...n.selector } },
        configPatches,
      },
    }));
}

/** How many buckets the EnvoyFilters split the lanes' names into. */
function chainBuckets(plan: DomainPlan): number {
  return bucketCount(
    plan.lanes.flatMap((l) => l.domains),
    NAME_BYTES_PER_OBJECT,
  );
}

/** Each lane's internal listeners, first to last: what its access logs are written under. */
export function laneListeners(plan: DomainPlan): Map<Lane, string[]> {
  const count = chainBuckets(plan);
  return new Map(plan.lanes.map((lane) => [lane, laneChain(lane, count).map((l) => l.listener)]));
}

/** One internal listener of a lane's chain: its bucket, its names, its name and the cluster that leads into it. */
interface ChainLink {
  bucket: number;
  names: string[];
  listener: string;
  cluster: string;
}

/**
 * A lane's names over the buckets that hold any: the first link is the lane's own listener and
 * cluster (what its MERGE patch sends to), the others `<listener>_<bucket+1>`.
 */
function laneChain(lane: Lane, count: number): ChainLink[] {
  const links = splitInto(lane.domains, count)
    .map((names, bucket) => ({ bucket, names }))
    .filter((b) => b.names.length > 0);
  return links.map((b, i) => ({
    ...b,
    listener: i === 0 ? lane.listener : `${lane.listener}_${b.bucket + 1}`,
    cluster: i === 0 ? lane.cluster : `${lane.cluster}_${b.bucket + 1}`,
  }));
}
