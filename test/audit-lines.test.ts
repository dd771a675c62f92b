import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ISTIO_JSON_FORMAT,
  ISTIO_TEXT_FORMAT,
  readTextLine,
} from '../src/audit/access-log-format.js';
import { laneTable } from '../src/audit/lane-table.js';
import { parseLogLine, type LineOutcome, type StackLogNames } from '../src/audit/parse-log-line.js';
import { parseConfig } from '../src/config/parse-config.js';
import { ACCESS_LOG_FORMAT, renderEnvoyFilter } from '../src/stack/render-envoy-filter.js';
import { readProjectFile } from './helpers.js';
import {
  forwardedLine,
  internalListenerLogs,
  refusedLine,
  sidecarJsonLine,
  sidecarLine,
} from './support/access-log-lines.js';

const NAMES: StackLogNames = {
  serviceHost: 'egressgateway.istio-egress.svc.cluster.local',
  subset: 'wildcard',
  forwardClusters: ['dynamic_forward_proxy_cluster'],
  listeners: ['sni_listener'],
};
const LANE_RAW = 'outbound|443|wildcard|egressgateway.istio-egress.svc.cluster.local';
const LANE_OLD = 'outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local';

const lineOf = (outcome: LineOutcome) => {
  if (!('line' in outcome)) throw new Error(`not a connection: ${JSON.stringify(outcome)}`);
  return outcome.line;
};

describe('the formats the audit reads (istio/istio pilot/pkg/model/telemetry_logging.go)', () => {
  it("Istio's text default has the fields of the stack's format, with %UPSTREAM_CLUSTER_RAW% for %UPSTREAM_CLUSTER%", () => {
    expect(ISTIO_TEXT_FORMAT).toBe(
      ACCESS_LOG_FORMAT.replace('%UPSTREAM_CLUSTER%', '%UPSTREAM_CLUSTER_RAW%'),
    );
  });

  it("Istio's JSON default has the 24 keys of EnvoyJSONLogFormatIstio, upstream_cluster raw", () => {
    expect(Object.keys(ISTIO_JSON_FORMAT)).toHaveLength(24);
    expect(ISTIO_JSON_FORMAT.upstream_cluster).toBe('%UPSTREAM_CLUSTER_RAW%');
    expect(ISTIO_JSON_FORMAT.requested_server_name).toBe('%REQUESTED_SERVER_NAME%');
  });

  it("reads the post's own log lines field by field", () => {
    const gateway =
      '[2023-11-24T13:21:52.798Z] "- - -" 0 - - - "-" 813 111152 55 - "-" "-" "-" "-" "185.15.59.224:443" dynamic_forward_proxy_cluster 172.17.5.170:48262 envoy://sni_listener/ envoy://internal_client_address/ en.wikipedia.org -';
    expect(readTextLine(gateway)).toEqual({
      startTime: '2023-11-24T13:21:52.798Z',
      upstreamHost: '185.15.59.224:443',
      upstreamCluster: 'dynamic_forward_proxy_cluster',
      downstreamLocalAddress: 'envoy://sni_listener/',
      requestedServerName: 'en.wikipedia.org',
    });
  });

  it("keeps a bare IPv6 address one field, and an HTTP line's quoted user agent with spaces one field", () => {
    const line = sidecarLine(
      ISTIO_TEXT_FORMAT,
      'PassthroughCluster',
      '[2001:db8::1]:443',
      'v6.example.com',
    );
    expect(readTextLine(line)?.downstreamLocalAddress).toBe('[2001:db8::1]:443');
    const http =
      '[2024-06-03T09:14:08.300Z] "GET /ip HTTP/1.1" 200 - via_upstream - "-" 0 14 12 11 "-" "Mozilla/5.0 (X11; Linux x86_64)" "id" "checkip.example.org" "93.184.215.34:80" PassthroughCluster 172.17.34.35:45640 93.184.215.34:80 172.17.34.35:45638 - allow_any';
    expect(readTextLine(http)).toMatchObject({
      upstreamCluster: 'PassthroughCluster',
      downstreamLocalAddress: '93.184.215.34:80',
    });
  });

  it('reads by any format given, even one with a field left open, without hanging', () => {
    expect(
      readTextLine('[2024-06-03T09:14:09.531Z] a.example.com', [
        '[%START_TIME%] %REQUESTED_SERVER_NAME%',
      ]),
    ).toEqual({ startTime: '2024-06-03T09:14:09.531Z', requestedServerName: 'a.example.com' });
    expect(
      readTextLine('[2024-06-03T09:14:09.531Z] "a', ['[%START_TIME%] "%REQUESTED_SERVER_NAME%']),
    ).toBeUndefined();
  });

  it('refuses a line cut short, a line with an extra field and a line with an open quote', () => {
    const line = sidecarLine(
      ISTIO_TEXT_FORMAT,
      'PassthroughCluster',
      '104.102.54.251:443',
      'cloud.ibm.com',
    );
    expect(readTextLine(line.slice(0, line.lastIndexOf(' ')))).toBeUndefined();
    expect(readTextLine(`${line} extra`)).toBeUndefined();
    expect(
      readTextLine(line.replace('"104.102.54.251:443"', '"104.102.54.251:443')),
    ).toBeUndefined();
  });
});

describe('parseLogLine: one line → one connection, by kind', () => {
  const cases: Record<string, [line: string, expected: Record<string, unknown>]> = {
    "gateway forwarder line (the post's EnvoyFilter format)": [
      forwardedLine(ACCESS_LOG_FORMAT, 'sni_listener', 'en.wikipedia.org'),
      {
        kind: 'gateway-forwarded',
        sni: 'en.wikipedia.org',
        listener: 'sni_listener',
        port: 443,
        cluster: 'dynamic_forward_proxy_cluster',
      },
    ],
    'gateway forwarder line with a per-team forward cluster': [
      forwardedLine(
        ACCESS_LOG_FORMAT,
        'sni_listener',
        'api.stripe.com',
        '54.187.174.169:443',
        'dynamic_forward_proxy_cluster_payments',
      ),
      { kind: 'gateway-forwarded', sni: 'api.stripe.com', listener: 'sni_listener' },
    ],
    'gateway refusal (listener-level log, NR, no cluster)': [
      refusedLine(ACCESS_LOG_FORMAT, 'sni_listener', 'upload.example.net'),
      {
        kind: 'gateway-refused',
        sni: 'upload.example.net',
        listener: 'sni_listener',
        responseFlags: ['NR'],
      },
    ],
    'sidecar to the lane, Istio ≥ 1.23 text (%UPSTREAM_CLUSTER_RAW%)': [
      sidecarLine(ISTIO_TEXT_FORMAT, LANE_RAW, '208.80.153.224:443', 'en.wikipedia.org'),
      { kind: 'sidecar-lane', sni: 'en.wikipedia.org', servicePort: 443, port: 443 },
    ],
    'sidecar to the lane, Istio ≤ 1.22 text (%UPSTREAM_CLUSTER%)': [
      sidecarLine(ACCESS_LOG_FORMAT, LANE_OLD, '208.80.153.224:443', 'de.wikipedia.org'),
      { kind: 'sidecar-lane', sni: 'de.wikipedia.org', servicePort: 443 },
    ],
    'sidecar to the lane, JSON': [
      sidecarJsonLine(LANE_RAW, '208.80.153.224:443', 'en.wikipedia.org'),
      { kind: 'sidecar-lane', sni: 'en.wikipedia.org', servicePort: 443 },
    ],
    'PassthroughCluster with an SNI, upper case and a trailing dot': [
      sidecarLine(ISTIO_TEXT_FORMAT, 'PassthroughCluster', '104.102.54.251:443', 'Cloud.IBM.com.'),
      { kind: 'passthrough', sni: 'cloud.ibm.com', port: 443, address: '104.102.54.251:443' },
    ],
    'BlackHoleCluster without an SNI (no TLS inspector on the port)': [
      sidecarLine(ISTIO_TEXT_FORMAT, 'BlackHoleCluster', '209.85.200.95:443', undefined, 'UH'),
      { kind: 'blackhole', address: '209.85.200.95:443', port: 443, responseFlags: ['UH'] },
    ],
    'BlackHoleCluster in JSON with null SNI': [
      sidecarJsonLine('BlackHoleCluster', '240.240.180.115:81', undefined, 'UH'),
      { kind: 'blackhole', address: '240.240.180.115:81', port: 81 },
    ],
    "the gateway's mTLS listener: Istio's own SNI, marked invalid: by Envoy ≥ 1.32": [
      sidecarLine(ISTIO_TEXT_FORMAT, 'sni_cluster', '172.17.5.170:8443', `invalid:${LANE_OLD}`),
      { kind: 'other', cluster: 'sni_cluster' },
    ],
    'an app SNI Envoy marks invalid: keeps its name': [
      sidecarLine(
        ISTIO_TEXT_FORMAT,
        'PassthroughCluster',
        '1.2.3.4:443',
        'invalid:under_score.example.com',
      ),
      { kind: 'passthrough', sni: 'under_score.example.com' },
    ],
    'in-mesh traffic': [
      sidecarLine(
        ISTIO_TEXT_FORMAT,
        'outbound|8080||reviews.default.svc.cluster.local',
        '10.96.0.12:8080',
        undefined,
      ),
      { kind: 'other' },
    ],
  };
  for (const [name, [line, expected]] of Object.entries(cases)) {
    it(name, () => {
      const got = lineOf(parseLogLine(line, NAMES));
      expect(got).toMatchObject(expected);
      if (!('sni' in expected)) expect(got.sni).toBeUndefined();
    });
  }

  it('strips kubectl --prefix, stern-style and --timestamps prefixes', () => {
    const line = sidecarLine(
      ISTIO_TEXT_FORMAT,
      'PassthroughCluster',
      '104.102.54.251:443',
      'cloud.ibm.com',
    );
    for (const prefix of [
      '[pod/sleep-5d8f/istio-proxy] ',
      '[sleep-5d8f istio-proxy] ',
      '2024-06-03T09:14:06.197004511Z ',
      '[pod/sleep-5d8f/istio-proxy] 2024-06-03T09:14:06.197004511Z ',
    ]) {
      expect(lineOf(parseLogLine(`${prefix}${line}\r`, NAMES))).toMatchObject({
        kind: 'passthrough',
        sni: 'cloud.ibm.com',
      });
    }
  });

  it("ignores lines that are no access log: app output, app JSON, Envoy's own log, blank", () => {
    for (const line of [
      '<title>IBM Cloud</title>',
      '{"level":"info","msg":"started"}',
      '{"level":"info"',
      '2024-06-03T09:13:58.000000Z\tinfo\tEnvoy proxy is ready',
      '',
      '[pod/a/b] [warn] retrying',
      '[1, 2]',
    ]) {
      expect(parseLogLine(line, NAMES)).toEqual({ ignored: true });
    }
  });

  it('calls unreadable a text or JSON access-log line cut short', () => {
    const text = sidecarLine(
      ISTIO_TEXT_FORMAT,
      'PassthroughCluster',
      '104.102.54.251:443',
      'cloud.ibm.com',
    );
    const json = sidecarJsonLine('PassthroughCluster', '104.102.54.251:443', 'cloud.ibm.com');
    expect(parseLogLine(text.slice(0, 120), NAMES)).toEqual({ unreadable: true });
    expect(parseLogLine(json.slice(0, 120), NAMES)).toEqual({ unreadable: true });
  });
});

describe('the rendered gateway: a refused SNI appears with its name', () => {
  for (const fixture of [
    'fn-config/example.yaml',
    'testdata/teams/config.yaml',
    'testdata/port-8443/config.yaml',
  ]) {
    it(`${fixture}: each internal listener's refusal line, in the format its access log uses, reads as gateway-refused on its lane`, () => {
      const config = parseConfig(parse(readProjectFile(fixture)));
      const table = laneTable(config.options!, config.plan);
      const [ef] = renderEnvoyFilter(config.options!, config.plan) as [
        ReturnType<typeof renderEnvoyFilter>[number],
      ];
      const listeners = internalListenerLogs(ef);
      expect(listeners.map((l) => l.name)).toEqual(table.lanes.map((l) => l.listener));
      // Each internal listener logs at listener level only connections no filter chain took (response flag NR).
      for (const p of (ef.spec as any).configPatches.filter((x: any) => x.applyTo === 'LISTENER')) {
        expect(p.patch.value.access_log.map((a: any) => a.filter)).toEqual([
          { response_flag_filter: { flags: ['NR'] } },
        ]);
      }
      for (const l of listeners) {
        const formats = l.listenerFormats;
        expect(formats).toHaveLength(1);
        for (const format of formats) {
          expect(
            lineOf(
              parseLogLine(refusedLine(format, l.name, 'not-listed.example.net'), table.names),
            ),
          ).toMatchObject({
            kind: 'gateway-refused',
            sni: 'not-listed.example.net',
            listener: l.name,
          });
        }
        for (const format of l.tcpProxyFormats) {
          expect(
            lineOf(parseLogLine(forwardedLine(format, l.name, 'x.example.net'), table.names)),
          ).toMatchObject({ kind: 'gateway-forwarded', listener: l.name });
        }
      }
    });
  }
});
