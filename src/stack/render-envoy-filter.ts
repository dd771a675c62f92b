import type { Options } from '../config/options.js';
import type { DomainPlan, Lane } from '../domains/plan.js';
import { dnsCacheName } from './dns-cache-name.js';
import { stackNames } from './names.js';
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

/** Envoy names of a lane: the post's for the first lane, with the lane's suffix for the others. */
function laneNames(o: Options, lane: Lane) {
  const n = stackNames(o);
  const tail = lane.suffix.replaceAll('-', '_');
  return { cluster: `${n.sniCluster}${tail}`, listener: `${n.sniListener}${tail}` };
}

/**
 * The SNI forwarder: per lane, a cluster into an internal listener whose
 * filter chain matches the lane's names and resolves each SNI on the lane's
 * upstream port, and the patch that sends the lane's gateway port into it;
 * one dynamic forward proxy cluster (and DNS cache) for all lanes.
 */
export function renderEnvoyFilter(o: Options, plan: DomainPlan): Resource {
  const n = stackNames(o);
  const settings = { dns_lookup_family: o.dnsLookupFamily };
  const dnsCache = { name: dnsCacheName(settings), ...settings };
  const tcpProxy: Record<string, unknown> = {
    '@type': `${TYPE}.filters.network.tcp_proxy.v3.TcpProxy`,
    stat_prefix: 'tcp',
    cluster: n.forwardCluster,
  };
  if (o.accessLogging) {
    tcpProxy.access_log = [
      {
        name: 'envoy.access_loggers.file',
        typed_config: {
          '@type': `${TYPE}.access_loggers.file.v3.FileAccessLog`,
          path: '/dev/stdout',
          log_format: { text_format_source: { inline_string: ACCESS_LOG_FORMAT } },
        },
      },
    ];
  }
  const sniCluster = ({ cluster, listener }: ReturnType<typeof laneNames>) => ({
    applyTo: 'CLUSTER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: cluster,
        load_assignment: {
          cluster_name: cluster,
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { envoy_internal_address: { server_listener_name: listener } } } }] }],
        },
      },
    },
  });
  const forwardCluster = {
    applyTo: 'CLUSTER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: n.forwardCluster,
        lb_policy: 'CLUSTER_PROVIDED',
        cluster_type: {
          name: 'envoy.clusters.dynamic_forward_proxy',
          typed_config: {
            '@type': `${TYPE}.clusters.dynamic_forward_proxy.v3.ClusterConfig`,
            dns_cache_config: { ...dnsCache },
          },
        },
      },
    },
  };
  const listener = (lane: Lane) => ({
    applyTo: 'LISTENER',
    match: { context: 'GATEWAY' },
    patch: {
      operation: 'ADD',
      value: {
        name: laneNames(o, lane).listener,
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
                  dns_cache_config: { ...dnsCache },
                },
              },
              { name: 'envoy.tcp_proxy', typed_config: structuredClone(tcpProxy) },
            ],
          },
        ],
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
          cluster: laneNames(o, lane).cluster,
        },
      },
    },
  });
  const [first, ...others] = plan.lanes;
  // The post's order for the first lane; each further lane adds its cluster, listener and patch.
  const configPatches = [
    ...(first ? [sniCluster(laneNames(o, first)), forwardCluster, listener(first), merge(first)] : [forwardCluster]),
    ...others.flatMap((l) => [sniCluster(laneNames(o, l)), listener(l), merge(l)]),
  ];
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: n.envoyFilter, namespace: o.routingNamespace },
    spec: {
      // Narrower than the post: only the egress gateway's pods get these patches.
      workloadSelector: { labels: { ...n.podLabels } },
      configPatches,
    },
  };
}
