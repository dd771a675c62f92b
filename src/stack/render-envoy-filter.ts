import type { Options } from '../config/options.js';
import type { Domain } from '../domains/normalize-domain.js';
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

/**
 * The SNI forwarder: a cluster into an internal listener, the dynamic forward
 * proxy cluster, the internal listener whose filter chain matches the listed
 * names and resolves each SNI, and the patch that sends the gateway's TLS
 * listener into it.
 */
export function renderEnvoyFilter(o: Options, domains: readonly Domain[]): Resource {
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
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: n.envoyFilter, namespace: o.routingNamespace },
    spec: {
      // Narrower than the post: only the egress gateway's pods get these patches.
      workloadSelector: { labels: { ...n.podLabels } },
      configPatches: [
        {
          applyTo: 'CLUSTER',
          match: { context: 'GATEWAY' },
          patch: {
            operation: 'ADD',
            value: {
              name: n.sniCluster,
              load_assignment: {
                cluster_name: n.sniCluster,
                endpoints: [
                  { lb_endpoints: [{ endpoint: { address: { envoy_internal_address: { server_listener_name: n.sniListener } } } }] },
                ],
              },
            },
          },
        },
        {
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
        },
        {
          applyTo: 'LISTENER',
          match: { context: 'GATEWAY' },
          patch: {
            operation: 'ADD',
            value: {
              name: n.sniListener,
              internal_listener: {},
              listener_filters: [
                {
                  name: 'envoy.filters.listener.tls_inspector',
                  typed_config: { '@type': `${TYPE}.filters.listener.tls_inspector.v3.TlsInspector` },
                },
              ],
              filter_chains: [
                {
                  filter_chain_match: { server_names: [...domains] },
                  filters: [
                    {
                      name: 'envoy.filters.network.sni_dynamic_forward_proxy',
                      typed_config: {
                        '@type': `${TYPE}.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig`,
                        port_value: o.upstreamPort,
                        dns_cache_config: { ...dnsCache },
                      },
                    },
                    { name: 'envoy.tcp_proxy', typed_config: tcpProxy },
                  ],
                },
              ],
            },
          },
        },
        {
          applyTo: 'NETWORK_FILTER',
          match: {
            context: 'GATEWAY',
            listener: {
              // Narrower than the post: only the gateway's mTLS listener, not every gateway TCP route.
              portNumber: o.gateway.targetPort,
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
                cluster: n.sniCluster,
              },
            },
          },
        },
      ],
    },
  };
}
