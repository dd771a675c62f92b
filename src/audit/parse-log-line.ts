import {
  ACCESS_LOG_JSON_KEYS,
  readJsonLine,
  readTextLine,
  type AccessLogFields,
} from './access-log-format.js';
import { isObject, type JsonObject } from '../util/data.js';
import { hubbleFlowOf, readHubbleFlow } from './hubble-flow.js';
import type { LogLine } from './log-line.js';

export type { LineKind, LogLine } from './log-line.js';

/** Names of the stack the lines are recognised by (from `stackNames` and the rendered EnvoyFilter). */
export interface StackLogNames {
  /** Gateway Service host of the lane clusters. */
  serviceHost: string;
  /** DestinationRule subset of the lane clusters. */
  subset: string;
  /** Forward proxy cluster names or prefixes (`dynamic_forward_proxy_cluster`, per-team variants). */
  forwardClusters: readonly string[];
  /** Internal listener names or prefixes (`sni_listener`, `sni_listener_<team>_<port>`). */
  listeners: readonly string[];
}

/** Outcome of one input line: a connection, a line that is no access log (ignored), or one that cannot be read. */
export type LineOutcome = { line: LogLine } | { ignored: true } | { unreadable: true };

// `kubectl logs --prefix` ([pod/NAME/CONTAINER]) and stern-like ([POD CONTAINER]) prefixes, then `--timestamps`.
const KUBECTL_PREFIX = /^\[(?:[a-z]+\/[^\]\s]+|[^\]\s]+ [^\]\s]+)\] /;
const KUBECTL_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) /;
// Envoy's text access logs start with the bracketed START_TIME (UTC) and a quoted field.
const ENVOY_TEXT_LINE = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\] "/;
// Istio's own SNI for mTLS between proxies, which Envoy ≥ 1.32 logs with `invalid:` before it.
const ISTIO_SNI = /^(?:outbound|inbound)(?:_\.|\|)/;

/** Strips what `kubectl logs` adds before each line. */
export function stripKubectlPrefixes(raw: string): string {
  return raw.replace(/\r$/, '').replace(KUBECTL_PREFIX, '').replace(KUBECTL_TIMESTAMP, '');
}

/**
 * Reads one line of `kubectl logs` output: an Envoy access-log line (Istio's
 * text or JSON default, or the stack's EnvoyFilter format) becomes a
 * connection; any other line (an application's, Envoy's own log) is ignored;
 * a line that starts like an access log but cannot be read (cut short) is
 * unreadable.
 */
export function parseLogLine(raw: string, names: StackLogNames): LineOutcome {
  const text = stripKubectlPrefixes(raw).trim();
  let fields: AccessLogFields | undefined;
  if (text.startsWith('{')) {
    const record = parseJsonObject(text);
    // A JSON line is an access log when it has Istio's keys; one cut short still shows them.
    if (!record)
      return ACCESS_LOG_JSON_KEYS.some((k) => text.includes(`"${k}"`)) ||
        (text.includes('"flow"') && text.includes('"verdict"'))
        ? { unreadable: true }
        : { ignored: true };
    const flow = hubbleFlowOf(record);
    if (flow) return { line: readHubbleFlow(flow) };
    if (!ACCESS_LOG_JSON_KEYS.some((k) => k in record)) return { ignored: true };
    fields = readJsonLine(record);
  } else if (ENVOY_TEXT_LINE.test(text)) {
    fields = readTextLine(text);
    if (!fields) return { unreadable: true };
  } else {
    return { ignored: true };
  }
  return { line: classify(fields, names) };
}

function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The port of `host:port` (IPv6 as `[addr]:port`). */
export function portOf(address: string | undefined): number | undefined {
  const m = address?.match(/:(\d{1,5})$/);
  return m ? Number(m[1]) : undefined;
}

/** The application's SNI as the list would write it, or `undefined` for none or Istio's own. */
function appSni(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = raw
    .replace(/^invalid:/, '')
    .toLowerCase()
    .replace(/\.$/, '');
  return name === '' || ISTIO_SNI.test(name) ? undefined : name;
}

/** `outbound|443|wildcard|host` or `outbound_.443_.wildcard_.host` → its parts. */
function laneCluster(cluster: string): { port: number; subset: string; host: string } | undefined {
  const parts = cluster.includes('|') ? cluster.split('|') : cluster.split('_.');
  if (parts.length < 4 || parts[0] !== 'outbound' || !/^\d+$/.test(parts[1])) return undefined;
  const sep = cluster.includes('|') ? '|' : '_.';
  return { port: Number(parts[1]), subset: parts[2], host: parts.slice(3).join(sep) };
}

const matchesName = (value: string, names: readonly string[]) =>
  names.some((n) => value === n || value.startsWith(n));

function classify(f: AccessLogFields, names: StackLogNames): LogLine {
  const responseFlags = f.responseFlags ? f.responseFlags.split(',') : [];
  const cluster = f.upstreamCluster;
  const listenerMatch = f.downstreamLocalAddress?.match(/^envoy:\/\/([^/]+)\//);
  const listener =
    listenerMatch && matchesName(listenerMatch[1], names.listeners) ? listenerMatch[1] : undefined;
  const sni = appSni(f.requestedServerName);
  const address = f.downstreamLocalAddress ?? f.upstreamHost;
  const base = {
    ...(cluster ? { cluster } : {}),
    ...(sni ? { sni } : {}),
    ...(address ? { address } : {}),
    responseFlags,
  };
  const lane = cluster ? laneCluster(cluster) : undefined;
  if (listener && cluster && matchesName(cluster, names.forwardClusters)) {
    return withPort({ kind: 'gateway-forwarded', ...base, listener }, f.upstreamHost);
  }
  if (listener && !cluster && responseFlags.includes('NR'))
    return { kind: 'gateway-refused', ...base, listener };
  if (lane && lane.subset === names.subset && lane.host === names.serviceHost) {
    return withPort(
      { kind: 'sidecar-lane', ...base, servicePort: lane.port },
      f.downstreamLocalAddress,
    );
  }
  if (cluster === 'PassthroughCluster') return withPort({ kind: 'passthrough', ...base }, address);
  if (cluster === 'BlackHoleCluster') return withPort({ kind: 'blackhole', ...base }, address);
  return { kind: 'other', ...base };
}

function withPort(line: LogLine, address: string | undefined): LogLine {
  const port = portOf(address);
  return port === undefined ? line : { ...line, port };
}
