import { formatJsonLine, formatTextLine } from '../../src/audit/access-log-format.js';
import type { Resource } from '../../src/stack/resource.js';

/**
 * Access-log lines as Envoy prints them, built by putting values into a
 * format string (the inverse of the audit's reader), so tests never depend on
 * hand-typed lines alone.
 */

type Json = Record<string, any>;

/** An internal listener of a rendered EnvoyFilter, with the access-log formats that log for it. */
export interface InternalListenerLogs {
  name: string;
  /** Formats of the listener's own `access_log` (connections no filter chain matched, when filtered on NR). */
  listenerFormats: string[];
  /** Formats of the `tcp_proxy` access logs in its filter chains (forwarded connections). */
  tcpProxyFormats: string[];
}

const textFormats = (accessLogs: unknown): string[] =>
  (Array.isArray(accessLogs) ? accessLogs : [])
    .map((l: Json) => l?.typed_config?.log_format?.text_format_source?.inline_string)
    .filter((f: unknown): f is string => typeof f === 'string');

/** Every internal listener an EnvoyFilter adds, with its access-log formats. */
export function internalListenerLogs(envoyFilter: Resource): InternalListenerLogs[] {
  const patches: Json[] = (envoyFilter.spec as Json)?.configPatches ?? [];
  return patches
    .filter((p) => p.applyTo === 'LISTENER' && p.patch?.value?.internal_listener !== undefined)
    .map((p) => {
      const listener = p.patch.value as Json;
      const filters: Json[] = (listener.filter_chains ?? []).flatMap((c: Json) => c.filters ?? []);
      return {
        name: String(listener.name),
        listenerFormats: textFormats(listener.access_log),
        tcpProxyFormats: filters.flatMap((f) => textFormats(f.typed_config?.access_log)),
      };
    });
}

const START = '2024-06-03T09:14:09.531Z';

/** The line an internal listener logs when no filter chain matches the SNI: `NR`, no cluster, no upstream. */
export function refusedLine(format: string, listener: string, sni: string): string {
  return formatTextLine(format, {
    '%START_TIME%': START,
    '%RESPONSE_CODE%': '0',
    '%RESPONSE_FLAGS%': 'NR',
    '%RESPONSE_CODE_DETAILS%': 'filter_chain_not_found',
    '%BYTES_RECEIVED%': '0',
    '%BYTES_SENT%': '0',
    '%DURATION%': '0',
    '%DOWNSTREAM_LOCAL_ADDRESS%': `envoy://${listener}/`,
    '%DOWNSTREAM_REMOTE_ADDRESS%': 'envoy://internal_client_address/',
    '%REQUESTED_SERVER_NAME%': sni,
  });
}

/** The line the internal listener's tcp_proxy logs for a connection it forwarded to the real host. */
export function forwardedLine(
  format: string,
  listener: string,
  sni: string,
  upstreamHost = '185.15.59.224:443',
  cluster = 'dynamic_forward_proxy_cluster',
): string {
  return formatTextLine(format, {
    '%START_TIME%': START,
    '%RESPONSE_CODE%': '0',
    '%BYTES_RECEIVED%': '813',
    '%BYTES_SENT%': '111152',
    '%DURATION%': '55',
    '%UPSTREAM_HOST%': upstreamHost,
    '%UPSTREAM_CLUSTER%': cluster,
    '%UPSTREAM_CLUSTER_RAW%': cluster,
    '%UPSTREAM_LOCAL_ADDRESS%': '172.17.5.170:48262',
    '%DOWNSTREAM_LOCAL_ADDRESS%': `envoy://${listener}/`,
    '%DOWNSTREAM_REMOTE_ADDRESS%': 'envoy://internal_client_address/',
    '%REQUESTED_SERVER_NAME%': sni,
  });
}

/** Values of a sidecar's outbound TCP line: cluster (both operators), destination and SNI. */
function sidecarValues(
  cluster: string,
  destination: string,
  sni: string | undefined,
  flags = '-',
): Record<string, string> {
  return {
    '%START_TIME%': START,
    '%RESPONSE_CODE%': '0',
    '%RESPONSE_FLAGS%': flags,
    '%BYTES_RECEIVED%': '805',
    '%BYTES_SENT%': '15199',
    '%DURATION%': '158',
    ...(cluster === 'BlackHoleCluster'
      ? {}
      : { '%UPSTREAM_HOST%': destination, '%UPSTREAM_LOCAL_ADDRESS%': '172.17.34.35:45584' }),
    '%UPSTREAM_CLUSTER%': cluster,
    '%UPSTREAM_CLUSTER_RAW%': cluster,
    '%DOWNSTREAM_LOCAL_ADDRESS%': destination,
    '%DOWNSTREAM_REMOTE_ADDRESS%': '172.17.34.35:45582',
    ...(sni === undefined ? {} : { '%REQUESTED_SERVER_NAME%': sni }),
  };
}

/** A sidecar's line in a text format (Istio's default or the post's). */
export function sidecarLine(
  format: string,
  cluster: string,
  destination: string,
  sni?: string,
  flags?: string,
): string {
  return formatTextLine(format, sidecarValues(cluster, destination, sni, flags));
}

/** A sidecar's line in Istio's default JSON format. */
export function sidecarJsonLine(
  cluster: string,
  destination: string,
  sni?: string,
  flags?: string,
): string {
  return formatJsonLine(sidecarValues(cluster, destination, sni, flags));
}
