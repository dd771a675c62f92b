import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  BUNDLE,
  domainList,
  fourPlaces,
  parseOutput,
  readProjectFile,
  resourceList,
  ROOT,
  runBundle,
} from './helpers.js';
import { runFunction } from '../src/function/run-function.js';

const MALFORMED = [
  '*',
  '*foo.com',
  'foo.*.com',
  '10.0.0.1',
  '::1',
  'https://a.com',
  'a.com:443',
  'a.com/x',
  'a..com',
  `${'a'.repeat(64)}.com`,
  `${'a.'.repeat(127)}com`,
  'a_b.com',
  '-a.com',
  'a-.com',
];

describe('node dist/fn.js', () => {
  it('prints the post stack for *.wikipedia.org with no items, exit 0', () => {
    const r = runBundle(resourceList([], domainList(['*.wikipedia.org'])));
    expect(r.status).toBe(0);
    const out = parseOutput(r.stdout);
    expect(out.items.map((i) => i.kind)).toEqual([
      'Service',
      'Deployment',
      'Role',
      'RoleBinding',
      'Gateway',
      'VirtualService',
      'DestinationRule',
      'ServiceEntry',
      'Telemetry',
      'EnvoyFilter',
    ]);
    expect(Object.values(fourPlaces(out))).toEqual(Array(4).fill(['*.wikipedia.org']));
    expect(r.stderr).toBe('');
  });

  it('keeps the wiring consistent for a mixed list: Service, subset, selector, ports', () => {
    const r = runBundle(
      resourceList([], domainList(['*.Example.COM', 'api.github.com', 'WikiPedia.org.'])),
    );
    const out = parseOutput(r.stdout);
    const [svc, deploy, , , gw, vs, dr, se, , ef] = out.items as any[];
    expect(Object.values(fourPlaces(out))).toEqual(
      Array(4).fill(['*.example.com', 'api.github.com', 'wikipedia.org']),
    );
    const svcHost = `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
    expect(vs.spec.tls[0].route[0].destination).toEqual({
      host: svcHost,
      subset: dr.spec.subsets[0].name,
    });
    expect(dr.spec.host).toBe(svcHost);
    expect(svc.spec.selector).toEqual(gw.spec.selector);
    expect(deploy.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(ef.spec.workloadSelector.labels).toEqual(svc.spec.selector);
    expect(svc.spec.ports[0].targetPort).toBe(gw.spec.servers[0].port.number);
    expect(vs.spec.tcp[0].match[0].port).toBe(gw.spec.servers[0].port.number);
    expect(vs.spec.gateways).toContain(gw.metadata.name);
    expect(vs.spec.tls[0].match[0].port).toBe(se.spec.ports[0].number);
  });

  it('gives the same stack from the ConfigMap form', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\ndata:\n  domains: "*.Example.COM,api.github.com\\nWikiPedia.org."\n';
    const fromCm = parseOutput(runBundle(resourceList([], cm)).stdout).items;
    const fromDl = parseOutput(
      runBundle(
        resourceList(
          [],
          domainList(['*.Example.COM', 'api.github.com', 'WikiPedia.org.'], '', 'egress'),
        ),
      ).stdout,
    ).items;
    expect(fromCm).toEqual(fromDl);
  });

  for (const name of MALFORMED) {
    it(`exits 1 on ${JSON.stringify(name.length > 30 ? `${name.slice(0, 20)}…` : name)} with an error result quoting it`, () => {
      const items = ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\ndata:\n  a: "1"\n'];
      const r = runBundle(resourceList(items, domainList(['ok.example.com', name])));
      expect(r.status).toBe(1);
      const out = parseOutput(r.stdout);
      expect(out.results).toContainEqual(
        expect.objectContaining({
          severity: 'error',
          message: expect.stringContaining(JSON.stringify(name)),
          field: expect.objectContaining({ path: 'spec.domains[1]' }),
        }),
      );
      expect(out.items).toEqual([
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep' }, data: { a: '1' } },
      ]);
      expect(r.stderr).toContain(JSON.stringify(name));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  const broken: Record<string, string> = {
    'empty stdin': '',
    'not YAML': '{{{ not: yaml',
    'a YAML list': '- a\n- b\n',
    'random bytes': Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256)).toString(
      'latin1',
    ),
  };
  for (const [name, input] of Object.entries(broken)) {
    it(`exits 1 with a one-line message on ${name}`, () => {
      const r = runBundle(input);
      expect(r.status).toBe(1);
      expect(parseOutput(r.stdout).results).toEqual([
        expect.objectContaining({ severity: 'error' }),
        { severity: 'info', message: '1 error(s): items returned unchanged' },
      ]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('wildcard-egress as a command', () => {
  const version = (JSON.parse(readProjectFile('package.json')) as { version: string }).version;

  it('--help prints the usage on stdout, exit 0, without reading stdin', () => {
    const r = spawnSync(process.execPath, [BUNDLE, '--help'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wildcard-egress \d+\.\d+\.\d+: /);
    expect(r.stdout).toContain('kpt fn render PKG --allow-exec');
    expect(r.stderr).toBe('');
  });

  it("--version prints package.json's version, written into the bundle at build time", () => {
    expect(runBundle('', ['--version'])).toEqual({ stdout: `${version}\n`, stderr: '', status: 0 });
    expect(readProjectFile('dist/fn.js')).not.toContain('package.json');
  });

  // `script` gives the command a terminal on stdin, as a person typing `wildcard-egress` gets.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'with no arguments and a terminal on stdin: usage on stderr, exit 2, no wait for input',
    () => {
      const r = spawnSync('script', ['-qec', `${process.execPath} ${BUNDLE}`, '/dev/null'], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(r.status).toBe(2);
      expect(r.stdout).toContain('wildcard-egress: stdin is a terminal');
      expect(r.stdout).toContain('Usage:');
    },
  );

  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'audit and explain asked to read a terminal on stdin: say so and exit 2, no wait for input',
    () => {
      const config = `${ROOT}testdata/explain/production.yaml`;
      for (const args of [`audit --config ${config}`, `explain api.github.com --manifests -`]) {
        const r = spawnSync(
          'script',
          ['-qec', `${process.execPath} ${BUNDLE} ${args}`, '/dev/null'],
          {
            encoding: 'utf8',
            timeout: 10_000,
          },
        );
        expect([r.status, r.stdout]).toEqual([
          2,
          expect.stringContaining('stdin is a terminal: pipe the input in, or name a file'),
        ]);
      }
    },
  );

  it('an unknown option: the reason and the usage on stderr, exit 2', () => {
    const r = runBundle('', ['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^wildcard-egress: unknown option "--bogus"\n\nwildcard-egress /);
  });
});

describe('wildcard-egress audit, through the bundle', () => {
  it('reads the config and log files given and prints the report as JSON, exit 0', () => {
    const r = runBundle('', [
      'audit',
      '--config',
      `${ROOT}testdata/audit/teams.yaml`,
      `${ROOT}testdata/audit/text-logs.txt`,
      '--output',
      'json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['used', 'unused', 'unlisted', 'unnamed', 'suggest']);
    expect(report.used).toEqual([{ entry: '*.wikipedia.org', count: 3 }]);
  });

  it('reads the logs from stdin when no file is given', () => {
    const r = runBundle(readFileSync(`${ROOT}testdata/audit/text-logs.txt`, 'utf8'), [
      'audit',
      '--config',
      `${ROOT}testdata/audit/teams.yaml`,
      '--output',
      'json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).used).toEqual([{ entry: '*.wikipedia.org', count: 3 }]);
  });
});

describe('options from the schema', () => {
  it('every ConfigMap key is generated from the schema (x-configmap-key) and reaches its option', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\ndata:\n  domains: "*.example.com"\n  dnsCacheMaxHosts: "4096"\n  maxConnections: "250000"\n  gatewayCreateNamespace: "true"\n  mode: egress-gateway\n  istioVersion: "1.30"\n';
    const out = runFunction(resourceList([], cm));
    expect(out.exitCode, out.stderr).toBe(0);
    const items = parseOutput(out.stdout).items;
    const ef = items.find((i) => i.kind === 'EnvoyFilter')!;
    expect(JSON.stringify(ef)).toContain('"max_hosts":4096');
    expect(JSON.stringify(ef)).toContain('"max_connections":250000');
    expect(items[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'istio-egress' },
    });
    expect(items.find((i) => i.kind === 'VirtualService')!.apiVersion).toBe(
      'networking.istio.io/v1',
    );
  });

  it('an unknown ConfigMap key is refused, naming the known ones', () => {
    const out = runFunction(
      resourceList(
        [],
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\ndata:\n  domains: a.example.com\n  constructor: x\n',
      ),
    );
    expect(out.exitCode).toBe(1);
    expect(parseOutput(out.stdout).results[0].message).toMatch(
      /^unknown ConfigMap key "constructor" \(known keys: domains, mode, istioVersion, gatewayNamespace/,
    );
  });

  it('gateway.createNamespace renders the gateway namespace first; off by default', () => {
    const on = parseOutput(
      runFunction(
        resourceList(
          [],
          domainList(['a.example.com'], 'gateway: {namespace: egress, createNamespace: true}'),
        ),
      ).stdout,
    ).items;
    expect(on[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'egress',
        labels: { 'app.kubernetes.io/managed-by': 'wildcard-egress' },
        annotations: { 'wildcard-egress.dev/domain-list': 'egress' },
      },
    });
    const off = parseOutput(
      runFunction(resourceList([], domainList(['a.example.com']))).stdout,
    ).items;
    expect(off.map((i) => i.kind)).not.toContain('Namespace');
  });
});
