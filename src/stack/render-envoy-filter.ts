import type { Options } from '../config/options.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { dnsCacheName, type DnsCacheSettings } from './dns-cache-name.js';
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
export function renderEnvoyFilter(o: Options, plan: DomainPlan): Resource {
  const n = stackNames(o);
  const f = o.forwarder;
  const settings: DnsCacheSettings = {
    dns_lookup_family: o.dnsLookupFamily,
    max_hosts: f.dnsCache.maxHosts,
    dns_cache_circuit_breaker: { max_pending_requests: f.dnsCache.maxPendingRequests },
  };
  const dnsCache = (scope: string) => ({ name: dnsCacheName(scope, settings), ...structuredClone(settings) });
  const circuitBreakers = () => ({
    thresholds: [{ max_connections: f.maxConnections, max_pending_requests: f.maxPendingRequests, max_requests: f.maxRequests }],
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
  const sniCluster = (lane: Lane) => ({
    applyTo: 'CLUSTER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: lane.cluster,
        load_assignment: {
          cluster_name: lane.cluster,
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { envoy_internal_address: { server_listener_name: lane.listener } } } }] }],
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
  const listener = (lane: Lane) => ({
    applyTo: 'LISTENER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: lane.listener,
        internal_listener: {},
        listener_filters: [
          {
            name: 'envoy.filters.listener.tls_inspector',
            typed_config: { '@type': `${TYPE}.filters.listener.tls_inspector.v3.TlsInspector` },
          },
        ],
        filter_chains: [
          {
            filter_chain_match: { server_names: [...lane.domains] },
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
        // A connection whose SNI no chain lists is closed without a tcp_proxy line: this log, kept to
        // such connections (response flag NR), names the refused SNI.
        ...(o.accessLogging ? { access_log: [{ ...fileLog(), filter: { response_flag_filter: { flags: ['NR'] } } }] } : {}),
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
  // The post's order for the first lane; each further lane adds its cluster (and its scope's forward
  // cluster, the first time the scope appears), listener and patch.
  const scopes = new Set<string>();
  const configPatches = plan.lanes.flatMap((lane) => {
    const newScope = !scopes.has(lane.scope);
    scopes.add(lane.scope);
    return [sniCluster(lane), ...(newScope ? [forwardCluster(lane.scope)] : []), listener(lane), merge(lane)];
  });
  return {
    apiVersion: apiVersions(o).envoyFilter,
    kind: 'EnvoyFilter',
    metadata: { name: n.envoyFilter, namespace: n.envoyFilterNamespace },
    spec: {
      // Narrower than the post: only this project's gateway pods get these patches.
      workloadSelector: { labels: { ...n.selector } },
      configPatches,
    },
  };
}
