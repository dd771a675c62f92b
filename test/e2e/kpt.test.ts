import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fourPlaces, ROOT } from '../helpers.js';
import { allProblems, wiringProblems } from '../support/istio-rules.js';
import { lockdownProblems } from '../support/lockdown-rules.js';
import {
  copyExample,
  describeWithTool,
  kptExamples,
  localCommand,
  parseStream,
  sh,
  SHIM_DIR,
  snapshot,
} from './tools.js';

function setDomains(dir: string, domains: string[]): void {
  const file = join(dir, 'domains.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    text.replace(
      / {2}domains:\n( {2}- .*\n)+/,
      `  domains:\n${domains.map((d) => `  - ${JSON.stringify(d)}\n`).join('')}`,
    ),
  );
}

const NEW = ['*.wikipedia.org', 'API.GitHub.com', '*.wikimedia.org'];
const NORMALISED = ['api.github.com', '*.wikimedia.org', '*.wikipedia.org'];

/** `kpt fn render` with `wildcard-egress` on PATH, as the README installs it. */
function render(dir: string, cwd?: string) {
  return sh('kpt', ['fn', 'render', dir, '--allow-exec', '--truncate-output=false'], {
    path: localCommand(),
    ...(cwd ? { cwd } : {}),
  });
}

describeWithTool('kpt', 'kpt fn render and eval with the real kpt', () => {
  for (const name of kptExamples()) {
    it(`examples/${name} renders from the repository root, exit 0, and no byte changes (stored as kpt writes it)`, () => {
      const repo = mkdtempSync(join(tmpdir(), 'wildcard-egress-repo-'));
      cpSync(join(ROOT, 'examples', name), join(repo, 'examples', name), { recursive: true });
      const before = snapshot(repo);
      const r = render(`examples/${name}`, repo);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(snapshot(repo)).toEqual(before);
    });
  }

  it('every kpt example runs this function by name (exec: wildcard-egress), not by a path', () => {
    for (const name of kptExamples())
      expect(readFileSync(join(ROOT, 'examples', name, 'Kptfile'), 'utf8')).toMatch(
        /^ {2}- exec: wildcard-egress$/m,
      );
  });

  it("kpt's closing-quote bug: the post's single-quoted access-log format renders, twice, with nothing changed the second time", () => {
    const dir = copyExample('kpt-package');
    cpSync(join(ROOT, 'testdata/fixtures/post-stack.yaml'), join(dir, 'egress-stack.yaml'));
    setDomains(dir, NEW);
    const r = render(dir);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const text = readFileSync(join(dir, 'egress-stack.yaml'), 'utf8');
    expect(text).toMatch(/^'$/m); // kpt wrote the closing quote at column 0 …
    const items = parseStream(text); // … and the function read it back
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(Array(4).fill(NORMALISED));
    const first = snapshot(dir);
    const again = render(dir);
    expect(again.status, again.stderr).toBe(0);
    expect(snapshot(dir)).toEqual(first);
  });

  it('render rewrites the package: the list in all four places, comments kept, a second render changes no file', () => {
    const dir = copyExample('kpt-package');
    setDomains(dir, NEW);
    const before = readFileSync(join(dir, 'egress-stack.yaml'), 'utf8');
    const r = render(dir);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const after = readFileSync(join(dir, 'egress-stack.yaml'), 'utf8');
    const items = parseStream(after);
    expect(items).toHaveLength(10);
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(Array(4).fill(NORMALISED));
    for (const comment of before.split('\n').filter((l) => l.trimStart().startsWith('#')))
      expect(after).toContain(comment.trim());
    expect(readFileSync(join(dir, 'domains.yaml'), 'utf8')).toContain(
      '# The one place the egress allowlist lives.',
    );

    const first = snapshot(dir);
    const again = render(dir);
    expect(again.status, again.stderr).toBe(0);
    expect(snapshot(dir)).toEqual(first);
  });

  it('render with the published image in the Kptfile runs the container function (docker shim)', () => {
    const dir = copyExample('kpt-package');
    const kptfile = join(dir, 'Kptfile');
    writeFileSync(
      kptfile,
      readFileSync(kptfile, 'utf8').replace(
        '- exec: wildcard-egress',
        '- image: localhost/wildcard-egress:0.1.0',
      ),
    );
    setDomains(dir, NEW);
    const r = sh('kpt', ['fn', 'render', dir], { path: SHIM_DIR });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const items = parseStream(readFileSync(join(dir, 'egress-stack.yaml'), 'utf8'));
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(Array(4).fill(NORMALISED));
  });

  const productionCases: Record<string, string[]> = {
    'production-recommended': [
      'AuthorizationPolicy',
      'Deployment',
      'DestinationRule',
      'EnvoyFilter',
      'Gateway',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'NetworkPolicy',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceEntry',
      'Sidecar',
      'Sidecar',
      'Telemetry',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'VirtualService',
    ],
    teams: [
      'AuthorizationPolicy',
      'Deployment',
      'DestinationRule',
      'EnvoyFilter',
      'Gateway',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'NetworkPolicy',
      'NetworkPolicy',
      'NetworkPolicy',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceEntry',
      'ServiceEntry',
      'ServiceEntry',
      'ServiceEntry',
      'Sidecar',
      'Sidecar',
      'Sidecar',
      'Sidecar',
      'Telemetry',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
      'VirtualService',
    ],
    'port-8443': [
      'Deployment',
      'DestinationRule',
      'EnvoyFilter',
      'Gateway',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceEntry',
      'ServiceEntry',
      'Telemetry',
      'VirtualService',
    ],
  };
  for (const [name, kinds] of Object.entries(productionCases)) {
    it(`eval renders testdata/${name} into an empty package; every check passes; a second eval changes nothing`, () => {
      const dir = mkdtempSync(join(tmpdir(), `wildcard-egress-${name}-`));
      const pkg = join(dir, 'pkg');
      mkdirSync(pkg);
      const config = join(dir, 'config.yaml');
      writeFileSync(config, readFileSync(join(ROOT, 'testdata', name, 'config.yaml'), 'utf8'));
      const r = sh('kpt', ['fn', 'eval', pkg, '--exec', 'wildcard-egress', '--fn-config', config], {
        path: localCommand(),
      });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const files = snapshot(pkg);
      const items = Object.values(files).flatMap((text) => parseStream(text));
      expect(items.map((i) => i.kind).sort()).toEqual(kinds);
      expect(allProblems(items)).toEqual([]);
      expect(wiringProblems(items)).toEqual([]);
      expect(lockdownProblems(items)).toEqual([]);
      const again = sh(
        'kpt',
        ['fn', 'eval', pkg, '--exec', 'wildcard-egress', '--fn-config', config],
        { path: localCommand() },
      );
      expect(again.status, again.stderr).toBe(0);
      expect(snapshot(pkg)).toEqual(files);
    });
  }

  it('eval with the ConfigMap form (-- domains=…) writes the list', () => {
    const dir = copyExample('kpt-package');
    const r = sh(
      'kpt',
      [
        'fn',
        'eval',
        dir,
        '--exec',
        'wildcard-egress',
        '--',
        'domains=*.Example.com,api.example.org',
      ],
      { path: localCommand() },
    );
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const items = parseStream(readFileSync(join(dir, 'egress-stack.yaml'), 'utf8'));
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
      Array(4).fill(['*.example.com', 'api.example.org']),
    );
    expect(readFileSync(join(dir, 'domains.yaml'), 'utf8')).toContain('kind: DomainList');
  });

  it('a malformed list fails the render with the function message and leaves files alone', () => {
    const dir = copyExample('kpt-package');
    setDomains(dir, ['*.wikipedia.org', 'foo.*.com']);
    const before = snapshot(dir);
    const r = render(dir);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      'domain "foo.*.com" has a wildcard that is not the leftmost label',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('the drift check as a validator passes on matching manifests and fails on drift', () => {
    const dir = copyExample('kpt-validator');
    const before = snapshot(dir);
    const ok = render(dir);
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stdout + ok.stderr).toContain(
      'check: all 4 host place(s) and every owned field match the 1 domain(s) and options; nothing changed',
    );
    expect(snapshot(dir)).toEqual(before);

    setDomains(dir, ['*.wikipedia.org', 'api.github.com']);
    const drift = render(dir);
    expect(drift.status).not.toBe(0);
    expect(drift.stdout + drift.stderr).toContain(
      'spec.hosts: differs from what the function renders: missing api.github.com',
    );
  });
});
