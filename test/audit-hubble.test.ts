import { describe, expect, it } from 'vitest';
import { runAudit } from '../src/audit/cli.js';
import { readFileSync } from 'node:fs';
import { ROOT } from './helpers.js';

/**
 * Issue 24: the audit reads Hubble's flow log (`hubble observe -o json`: one
 * GetFlowsResponse per line, proto field names; cilium/cilium
 * hubble/pkg/printer/printer.go, api/v1/flow/flow.proto) beside Envoy's
 * access logs. The lines below have the shape and field names that printer
 * writes: a connection Cilium let out counts for the entry whose name it
 * resolved, one it dropped and a DNS query its proxy refused are unlisted
 * names, a drop without a name is unnamed; replies, in-cluster flows and
 * allowed DNS queries say nothing.
 */

const TIME = '2026-02-10T09:14:09.531118212Z';
const pod = (namespace: string) => ({
  ID: 1234,
  identity: 51234,
  namespace,
  labels: [`k8s:io.kubernetes.pod.namespace=${namespace}`, 'k8s:app=frontend'],
  pod_name: `frontend-7d4b9c-x2x9k`,
});
const world = { identity: 2, labels: ['reserved:world'] };
const tcpFlow = (o: {
  verdict: string;
  namespace?: string;
  to?: object;
  names?: string[];
  port?: number;
  flags?: object;
  reply?: boolean;
}) =>
  JSON.stringify({
    flow: {
      time: TIME,
      uuid: '6b3c2f7e-0c1d-4a53-9a1b-3f0c1f5d9a10',
      verdict: o.verdict,
      ...(o.verdict === 'DROPPED' ? { drop_reason: 133, drop_reason_desc: 'POLICY_DENIED' } : {}),
      IP: { source: '10.244.1.17', destination: '198.51.100.7', ipVersion: 'IPv4' },
      l4: {
        TCP: {
          source_port: 50412,
          destination_port: o.port ?? 443,
          flags: o.flags ?? { SYN: true },
        },
      },
      source: pod(o.namespace ?? 'shop'),
      destination: o.to ?? world,
      Type: 'L3_L4',
      node_name: 'kind-worker',
      ...(o.names ? { destination_names: o.names } : {}),
      event_type: { type: o.verdict === 'DROPPED' ? 1 : 4 },
      traffic_direction: 'EGRESS',
      is_reply: o.reply ?? false,
      Summary: 'TCP Flags: SYN',
    },
    node_name: 'kind-worker',
    time: TIME,
  });
const dnsFlow = (verdict: string, query: string) =>
  JSON.stringify({
    flow: {
      time: TIME,
      verdict,
      IP: { source: '10.244.1.17', destination: '10.244.0.5', ipVersion: 'IPv4' },
      l4: { UDP: { source_port: 40122, destination_port: 53 } },
      source: pod('shop'),
      destination: { identity: 102, namespace: 'kube-system', labels: ['k8s:k8s-app=kube-dns'] },
      Type: 'L7',
      l7: { type: 'REQUEST', dns: { query, qtypes: ['A'], observation_source: 'proxy' } },
      traffic_direction: 'EGRESS',
      is_reply: false,
    },
    node_name: 'kind-worker',
    time: TIME,
  });

const LOG = [
  tcpFlow({ verdict: 'FORWARDED', names: ['en.wikipedia.org'] }),
  tcpFlow({ verdict: 'FORWARDED', names: ['de.wikipedia.org'] }),
  tcpFlow({
    verdict: 'FORWARDED',
    names: ['en.wikipedia.org'],
    flags: { SYN: true, ACK: true },
    reply: true,
  }),
  tcpFlow({ verdict: 'FORWARDED', names: ['en.wikipedia.org'], flags: { ACK: true } }),
  tcpFlow({ verdict: 'DROPPED', names: ['evil.example.net'] }),
  tcpFlow({ verdict: 'DROPPED', names: ['evil.example.net'], namespace: 'billing' }),
  tcpFlow({ verdict: 'DROPPED' }),
  tcpFlow({
    verdict: 'FORWARDED',
    to: { identity: 51999, namespace: 'db', labels: ['k8s:app=db'] },
    port: 5432,
  }),
  dnsFlow('DROPPED', 'tunnel-abc123.attacker.example.'),
  dnsFlow('FORWARDED', 'api.github.com.'),
  '{"flow":{"time":"2026-02-10T09:14:09Z","verdict":"DROPPED","IP":{"source":"10.244.1.17"',
].join('\n');

const run = (args: string[]) =>
  runAudit([...args, '--output', 'json'], {
    readFile: (path) => (path === 'flows.json' ? LOG : readFileSync(`${ROOT}${path}`, 'utf8')),
    stdin: () => '',
    listDir: () => undefined,
  });

describe('audit reads Hubble flows', () => {
  it('counts connections Cilium let out for their entry, and what it refused as unlisted or unnamed', () => {
    const out = run(['--config', 'testdata/audit/config.yaml', 'flows.json']);
    expect(out.exitCode).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.used).toEqual([{ entry: '*.wikipedia.org', count: 2 }]);
    expect(report.unlisted).toEqual([
      { host: 'evil.example.net', port: 443, count: 2 },
      { host: 'tunnel-abc123.attacker.example', port: 443, count: 1 },
    ]);
    expect(report.unnamed).toEqual([{ address: '198.51.100.7', count: 1 }]);
    // The line cut short is named on stderr, not silently dropped.
    expect(out.stderr).toMatch(/flows\.json:11/);
  });

  it('--from keeps the flows of that namespace only', () => {
    const report = JSON.parse(
      run(['--config', 'testdata/audit/config.yaml', 'flows.json', '--from', 'billing']).stdout,
    );
    expect(report.used).toEqual([]);
    expect(report.unlisted).toEqual([{ host: 'evil.example.net', port: 443, count: 1 }]);
  });
});
