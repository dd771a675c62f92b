import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPLAIN_USAGE } from '../src/explain/cli.js';
import { fixture, renderStackText } from './explain-harness.js';
import { documentSources, readProjectFile, ROOT, runBundle } from './helpers.js';

/** `wildcard-egress explain` through the bundle, as a user runs it. */

const CONFIG = `${ROOT}testdata/explain/production.yaml`;
const explain = (args: string[], input = '') => runBundle(input, ['explain', ...args]);

describe('explain: the command', () => {
  it('exit 0 and first line "allowed" for an admitted host', () => {
    const r = explain(['en.wikipedia.org', '--from', 'shop', '--config', CONFIG]);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('allowed');
    expect(r.stdout).toContain('rule: DomainList egress spec.domains[0]: *.wikipedia.org');
    expect(r.stderr).toBe('');
  });

  it('exit 1 and first line "refused", the deciding step and the nearest entry', () => {
    const r = explain(['wikipedia.org', '--from', 'shop', '--config', CONFIG]);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('refused');
    expect(r.stdout).toContain(
      'decided by: sidecar, Sidecar shop/wildcard-egress spec.outboundTrafficPolicy.mode: REGISTRY_ONLY',
    );
    expect(r.stdout).toContain(
      'nearest entry: DomainList egress spec.domains[0]: *.wikipedia.org\n  *.wikipedia.org matches names under wikipedia.org, never the apex wikipedia.org itself: list wikipedia.org as well',
    );
  });

  it('exit 1 and first line "passthrough" for a namespace nothing locks down; --registry-only makes it "refused"', () => {
    expect(explain(['example.com', '--config', CONFIG]).stdout.split('\n')[0]).toBe('passthrough');
    const r = explain(['example.com', '--config', CONFIG, '--registry-only']);
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([1, 'refused']);
  });

  it('exit 1 and first line "bypass" for an original-destination path', () => {
    const r = explain([
      'en.wikipedia.org:8443',
      '--manifests',
      `${ROOT}testdata/explain/layers-bypass.yaml`,
    ]);
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([1, 'bypass']);
  });

  it('a host the domain rules refuse is refused (exit 1) with the rule that refuses it', () => {
    const r = explain(['foo_bar.example.com', '--config', CONFIG]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      '"foo_bar.example.com" has the character "_": only letters, digits and hyphens are allowed',
    );
  });

  it('--output json: {allowed, verdict, host, port, from, mode, steps, rule, nearest}', () => {
    const r = explain([
      'DE.Wikipedia.org.:443',
      '--from',
      'shop',
      '--config',
      CONFIG,
      '--output',
      'json',
    ]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual([
      'allowed',
      'verdict',
      'host',
      'port',
      'from',
      'mode',
      'steps',
      'rule',
      'nearest',
    ]);
    expect(j).toMatchObject({
      allowed: true,
      verdict: 'allowed',
      host: 'de.wikipedia.org',
      port: 443,
      from: 'shop',
      mode: 'egress-gateway',
      nearest: null,
    });
    expect(j.rule).toEqual({
      resource: 'DomainList egress',
      field: 'spec.domains[0]',
      value: '*.wikipedia.org',
    });
    for (const s of j.steps)
      expect(['pass', 'note', 'refused', 'bypass', 'passthrough']).toContain(s.outcome);
    const refused = JSON.parse(
      explain(['example.com', '--from', 'shop', '--config', CONFIG, '--output', 'json']).stdout,
    );
    expect(refused).toMatchObject({ allowed: false, verdict: 'refused', from: 'shop' });
    expect(refused.rule).toEqual({
      resource: 'Sidecar shop/wildcard-egress',
      field: 'spec.outboundTrafficPolicy.mode',
      value: 'REGISTRY_ONLY',
    });
    expect(
      JSON.parse(explain(['example.com', '--config', CONFIG, '--output', 'json']).stdout).from,
    ).toBeNull();
  });

  it('--manifests reads directories of YAML (a kpt package: one document per file, a Kptfile and local config left out) and "-" for stdin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'explain-'));
    const docs = documentSources(runBundle('', ['--config', CONFIG, '--no-input']).stdout);
    mkdirSync(join(dir, 'stack'));
    docs.forEach((d, i) =>
      writeFileSync(join(dir, 'stack', `${String(i).padStart(2, '0')}.yaml`), d),
    );
    writeFileSync(
      join(dir, 'Kptfile'),
      'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata: {name: egress}\n',
    );
    writeFileSync(
      join(dir, 'domains.yaml'),
      fixture('production.yaml').replace(
        'metadata:\n  name: egress',
        'metadata:\n  name: egress\n  annotations: {config.kubernetes.io/local-config: "true"}',
      ),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not yaml: [');
    expect(docs.length).toBeGreaterThan(10);
    const r = explain(['en.wikipedia.org', '--from', 'shop', '--manifests', dir]);
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([0, 'allowed']);
    const piped = explain(
      ['en.wikipedia.org', '--from', 'shop', '--manifests', '-'],
      renderStackText(fixture('production.yaml')),
    );
    expect([piped.status, piped.stdout.split('\n')[0]]).toEqual([0, 'allowed']);
  });

  it('exit 2 with the usage for usage errors', () => {
    for (const args of [
      [],
      ['en.wikipedia.org'],
      ['en.wikipedia.org', '--config', CONFIG, '--manifests', CONFIG],
      ['en.wikipedia.org:99999', '--config', CONFIG],
      ['en.wikipedia.org:', '--config', CONFIG],
      ['a.example', 'b.example', '--config', CONFIG],
      ['--manifests', CONFIG, 'en.wikipedia.org'],
      ['en.wikipedia.org', '--config', CONFIG, '--output', 'yaml'],
      ['en.wikipedia.org', '--config', CONFIG, '--nope'],
    ]) {
      const r = explain(args);
      expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(r.stderr).toMatch(
        /^wildcard-egress explain: .+\n\nusage: wildcard-egress explain HOST\[:PORT\]/,
      );
    }
    expect(explain(['--manifests', CONFIG, 'en.wikipedia.org']).stderr).toContain(
      'no HOST: give HOST[:PORT] before --manifests, which takes every path after it',
    );
  });

  it('exit 2 without the usage for input that cannot be read', () => {
    const missing = explain(['en.wikipedia.org', '--config', '/nonexistent/domains.yaml']);
    expect([missing.status, missing.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^wildcard-egress explain: --config: cannot read \/nonexistent\/domains.yaml: no such file/,
      ),
    ]);
    const bad = explain([
      'en.wikipedia.org',
      '--config',
      `${ROOT}testdata/bad-domains/config.yaml`,
    ]);
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringContaining('is refused:')]);
    const yaml = explain(['en.wikipedia.org', '--manifests', '-'], 'a: [');
    expect([yaml.status, yaml.stderr]).toEqual([
      2,
      expect.stringContaining('stdin is not valid YAML at line'),
    ]);
    const empty = explain(['en.wikipedia.org', '--manifests', '-'], '# nothing\n');
    expect([empty.status, empty.stderr]).toEqual([
      2,
      'wildcard-egress explain: no Kubernetes objects in -\n',
    ]);
  });

  it("a URL is read as its host and its scheme's port, never a port error; another scheme is a usage error", () => {
    const https = explain(['https://en.wikipedia.org/wiki', '--from', 'shop', '--config', CONFIG]);
    expect([https.status, https.stderr]).toEqual([0, '']);
    expect(https.stdout).toContain(
      'en.wikipedia.org:443 from shop (egress-gateway mode)\n\n  -           host           en.wikipedia.org\n                             the URL "https://en.wikipedia.org/wiki" is read as en.wikipedia.org:443 (https\'s port): a path is not part of the connection\n',
    );
    const http = JSON.parse(
      explain(['http://EN.wikipedia.org:8080/', '--config', CONFIG, '--output', 'json']).stdout,
    );
    expect([http.host, http.port]).toEqual(['en.wikipedia.org', 8080]);
    const path = JSON.parse(
      explain(['en.wikipedia.org/wiki/Istio', '--config', CONFIG, '--output', 'json']).stdout,
    );
    expect([path.host, path.port, path.steps[0].detail]).toEqual([
      'en.wikipedia.org',
      443,
      '"en.wikipedia.org/wiki/Istio" is read as en.wikipedia.org: a path is not part of the connection',
    ]);
    const ftp = explain(['ftp://en.wikipedia.org/', '--config', CONFIG]);
    expect([ftp.status, ftp.stderr.split('\n')[0]]).toEqual([
      2,
      'wildcard-egress explain: "ftp://en.wikipedia.org/" is a URL of scheme ftp: give HOST[:PORT], or an http:// or https:// URL',
    ]);
  });

  it('manifests without any Istio object: exit 2 saying so, not an answer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'explain-'));
    writeFileSync(
      join(dir, 'app.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: shop}\n',
    );
    const r = explain(['en.wikipedia.org', '--manifests', dir]);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(
      `wildcard-egress explain: no Istio objects in ${dir} (2 objects: Deployment, Service), so there is nothing to decide from: explain reads the egress stack (ServiceEntries, VirtualServices, Sidecars, Gateways, EnvoyFilters, policies); give its manifests (the function's output, a kpt package, kustomize build output) or the list with --config\n`,
    );
  });

  it('exit 1 and first line "unknown" when the path needs an object the manifests lack', () => {
    const r = explain([
      'edition.cnn.com',
      '--manifests',
      `${ROOT}testdata/explain/real-istio-no-service.yaml`,
    ]);
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([1, 'unknown']);
    expect(r.stdout).toContain('UNKNOWN     gateway');
  });

  it('--help prints the usage (exit 0); the binary lists explain among its commands; no subcommand is still the KRM function', () => {
    expect(explain(['--help'])).toEqual({ stdout: EXPLAIN_USAGE, stderr: '', status: 0 });
    expect(runBundle('', ['--help']).stdout).toContain(
      'wildcard-egress explain HOST[:PORT] [--from NAMESPACE] (--config FILE | --manifests PATH…) [--output json]',
    );
    const fn = runBundle(
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n  data: {domains: "*.wikipedia.org"}\n',
    );
    expect(fn.status).toBe(0);
    expect(fn.stdout).toContain('kind: EnvoyFilter');
  });
});

describe('explain: docs/explain.md', () => {
  it('each worked example prints what docs/explain.md shows', () => {
    const section = readProjectFile('docs/explain.md');
    const blocks = [
      ...section.matchAll(/```console\n\$ wildcard-egress (explain [^\n]+)\n([\s\S]*?)```/g),
    ];
    expect(blocks).toHaveLength(5);
    for (const [, command, shown] of blocks) {
      const r = runBundle('', command.split(' ')); // relative paths: vitest runs in the project root
      expect(r.stdout).toBe(shown);
    }
  });
});
