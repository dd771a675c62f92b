import { ACCESS_LOG_FORMAT } from '../stack/render-envoy-filter.js';

/**
 * Istio's default text access-log format (`EnvoyTextLogFormat` in istio/istio
 * `pilot/pkg/model/telemetry_logging.go`). Its cluster operator is
 * `%UPSTREAM_CLUSTER_RAW%` (`outbound|443|wildcard|host`) since Istio 1.23;
 * before, and in the post's EnvoyFilter format (`ACCESS_LOG_FORMAT`), it is
 * `%UPSTREAM_CLUSTER%` (`outbound_.443_.wildcard_.host`).
 */
export const ISTIO_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% ' +
  '%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ' +
  '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/**
 * Istio's default JSON access-log keys and their Envoy operators
 * (`EnvoyJSONLogFormatIstio`, same file). Envoy writes `null` for a value it
 * does not have.
 */
export const ISTIO_JSON_FORMAT: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
};

/** The fields of an access-log line the audit reads. */
export interface AccessLogFields {
  startTime?: string;
  responseFlags?: string;
  responseCodeDetails?: string;
  upstreamHost?: string;
  upstreamCluster?: string;
  downstreamLocalAddress?: string;
  requestedServerName?: string;
}

/** Where each field is, as data: the operators that print it (either form of the cluster) and its JSON key. */
const FIELDS: readonly {
  field: keyof AccessLogFields;
  operators: readonly string[];
  json: string;
}[] = [
  { field: 'startTime', operators: ['%START_TIME%'], json: 'start_time' },
  { field: 'responseFlags', operators: ['%RESPONSE_FLAGS%'], json: 'response_flags' },
  {
    field: 'responseCodeDetails',
    operators: ['%RESPONSE_CODE_DETAILS%'],
    json: 'response_code_details',
  },
  { field: 'upstreamHost', operators: ['%UPSTREAM_HOST%'], json: 'upstream_host' },
  {
    field: 'upstreamCluster',
    operators: ['%UPSTREAM_CLUSTER_RAW%', '%UPSTREAM_CLUSTER%'],
    json: 'upstream_cluster',
  },
  {
    field: 'downstreamLocalAddress',
    operators: ['%DOWNSTREAM_LOCAL_ADDRESS%'],
    json: 'downstream_local_address',
  },
  {
    field: 'requestedServerName',
    operators: ['%REQUESTED_SERVER_NAME%'],
    json: 'requested_server_name',
  },
];

/** JSON keys whose presence makes a JSON line an access-log line. */
export const ACCESS_LOG_JSON_KEYS: readonly string[] = FIELDS.map((f) => f.json);

/** Text formats the audit reads, tried in order; a line takes the first whose shape it has. */
export const TEXT_FORMATS: readonly string[] = [ISTIO_TEXT_FORMAT, ACCESS_LOG_FORMAT];

/** One field of a format: its wrapping (`[…]`, `"…"` or bare) and the operators it holds. */
interface Field {
  wrap: '[' | '"' | '';
  operators: string[];
}

const OPERATOR = /%[A-Z_]+(?:\([^)]*\))?(?::\d+)?%/g;
const CLOSE = { '[': ']', '"': '"' } as const;

/** A format's fields, split on the spaces between them. */
function formatShape(format: string): Field[] {
  const shape: Field[] = [];
  const text = format.replace(/\n$/, '');
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    const open = text[i];
    const wrap = open === '[' || open === '"' ? open : '';
    // A wrapped field ends after its closing character, a bare one at the next space; either at the end of the text.
    const close = wrap ? text.indexOf(CLOSE[wrap], i + 1) : text.indexOf(' ', i);
    const end = close < 0 ? text.length : wrap ? close + 1 : close;
    shape.push({ wrap, operators: text.slice(i, end).match(OPERATOR) ?? [] });
    i = end;
  }
  return shape;
}

/**
 * Cuts a line into the values of a format's fields, reading each field the
 * way the format wraps it, so a bare IPv6 address (`[::1]:443`) stays one
 * value; `undefined` when the line has another shape (a cut line, another format).
 */
function cutLine(line: string, shape: readonly Field[]): string[] | undefined {
  const values: string[] = [];
  let i = 0;
  for (const field of shape) {
    while (line[i] === ' ') i++;
    if (i >= line.length) return undefined;
    let end: number;
    if (field.wrap) {
      if (line[i] !== field.wrap) return undefined;
      const close = line.indexOf(CLOSE[field.wrap], i + 1);
      if (close < 0) return undefined;
      values.push(line.slice(i + 1, close));
      end = close + 1;
    } else {
      const space = line.indexOf(' ', i);
      end = space < 0 ? line.length : space;
      values.push(line.slice(i, end));
    }
    if (end < line.length && line[end] !== ' ') return undefined;
    i = end;
  }
  return line.slice(i).trim() === '' ? values : undefined;
}

const SHAPES = new Map<string, Field[]>();

function shapeOf(format: string): Field[] {
  let shape = SHAPES.get(format);
  if (!shape) SHAPES.set(format, (shape = formatShape(format)));
  return shape;
}

/** `-` and empty are Envoy's "no value". */
function present(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' || value === '-' ? undefined : value;
}

/**
 * Reads a text access-log line by the first format whose shape it has (same
 * fields, same brackets and quotes); `undefined` when none fits.
 */
export function readTextLine(
  line: string,
  formats: readonly string[] = TEXT_FORMATS,
): AccessLogFields | undefined {
  for (const format of formats) {
    const shape = shapeOf(format);
    const cut = cutLine(line, shape);
    if (!cut) continue;
    const values = new Map<string, string>();
    shape.forEach((field, i) => {
      // A quoted group of several operators ("%METHOD% %PATH% %PROTOCOL%") splits on spaces.
      const parts = field.operators.length > 1 ? cut[i].split(' ') : [cut[i]];
      field.operators.forEach((op, j) => values.set(op, parts[j] ?? '-'));
    });
    const out: AccessLogFields = {};
    for (const f of FIELDS) {
      const op = f.operators.find((o) => values.has(o));
      const value = op === undefined ? undefined : present(values.get(op));
      if (value !== undefined) out[f.field] = value;
    }
    return out;
  }
  return undefined;
}

/** Reads the fields of a parsed JSON access-log line (Istio's keys; `null` is no value). */
export function readJsonLine(record: Readonly<Record<string, unknown>>): AccessLogFields {
  const out: AccessLogFields = {};
  for (const f of FIELDS) {
    const raw = record[f.json];
    const value = present(
      typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : undefined,
    );
    if (value !== undefined) out[f.field] = value;
  }
  return out;
}

/**
 * Writes the line Envoy would print for `format`, each operator replaced by
 * its value in `values` (keyed by the operator, e.g. `%REQUESTED_SERVER_NAME%`)
 * or `-`; the inverse of `readTextLine`, for tests and fixtures.
 */
export function formatTextLine(format: string, values: Readonly<Record<string, string>>): string {
  return format.replace(/\n$/, '').replace(OPERATOR, (op) => values[op] ?? '-');
}

/** Writes the JSON line Istio's default JSON format would print; missing values are `null`. */
export function formatJsonLine(values: Readonly<Record<string, string>>): string {
  const record: Record<string, string | null> = {};
  for (const [key, op] of Object.entries(ISTIO_JSON_FORMAT)) record[key] = values[op] ?? null;
  return JSON.stringify(record);
}
