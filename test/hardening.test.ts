import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import {
  asEntry,
  domainList,
  fourPlaces,
  ofKind,
  parseOutput,
  resourceList,
  resultsOf,
  ROOT,
} from './helpers.js';
import { allProblems, wiringProblems } from './support/istio-rules.js';
import { lockdownProblems } from './support/lockdown-rules.js';
import { nativeProblems } from './support/native-rules.js';
import { parse } from 'yaml';

function render(domains: string[], extra = '') {
  const out = runFunction(resourceList([], domainList(domains, extra)));
  return { ...out, parsed: parseOutput(out.stdout) };
}

describe('every golden output passes the Envoy proto, Istio schema and CEL checks', () => {
  const dir = join(ROOT, 'testdata');
  const cases = readdirSync(dir).filter((c) => existsSync(join(dir, c, 'case.json')));
  for (const c of cases) {
    const meta = JSON.parse(readFileSync(join(dir, c, 'case.json'), 'utf8'));
    if (meta.exitCode !== 0) continue;
    it(c, () => {
      const { items } = parseOutput(readFileSync(join(dir, c, 'expected.yaml'), 'utf8'));
      expect(allProblems(items)).toEqual([]);
      const config = existsSync(join(dir, c, 'config.yaml'))
        ? parse(readFileSync(join(dir, c, 'config.yaml'), 'utf8'))
        : {};
      const mode = config?.spec?.mode ?? 'egress-gateway';
      const minor = Number(String(config?.spec?.istioVersion ?? '1.31').split('.')[1]);
      // Wiring is the function's own work only where it rendered the whole stack; the lockdown rules hold for
      // everything it owns (what carries its managed-by label), in every case.
      if (meta.items?.length === 0 && mode === 'egress-gateway')
        expect(wiringProblems(items)).toEqual([]);
      expect(
        lockdownProblems(
          items.filter(
            (i) => i.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'wildcard-egress',
          ),
        ),
      ).toEqual([]);
      expect(nativeProblems(items, minor)).toEqual([]);
    });
  }
});

describe('domain semantics', () => {
  it('folds a name a listed wildcard covers, with a warning naming it; the apex stays', () => {
    const { parsed, exitCode } = render([
      '*.wikipedia.org',
      'en.wikipedia.org',
      'a.b.wikipedia.org',
      '*.de.wikipedia.org',
      'wikipedia.org',
    ]);
    expect(exitCode).toBe(0);
    expect(Object.values(fourPlaces(parsed))).toEqual(
      Array(4).fill(['wikipedia.org', '*.wikipedia.org']),
    );
    const warnings = parsed.results.filter((r) => r.severity === 'warning').map((r) => r.message);
    expect(warnings).toEqual([
      'domain "a.b.wikipedia.org" is covered by "*.wikipedia.org" and is left out: Istio and Envoy refuse overlapping names',
      'domain "*.de.wikipedia.org" is covered by "*.wikipedia.org" and is left out: Istio and Envoy refuse overlapping names',
      'domain "en.wikipedia.org" is covered by "*.wikipedia.org" and is left out: Istio and Envoy refuse overlapping names',
    ]);
  });

  it('writes international names as punycode', () => {
    const { parsed } = render(['bücher.example', '*.Bücher.example.org']);
    expect(Object.values(fourPlaces(parsed))).toEqual(
      Array(4).fill(['xn--bcher-kva.example', '*.xn--bcher-kva.example.org']),
    );
  });

  it('warns about a label that mixes scripts', () => {
    // "раypal": Cyrillic р and а with Latin ypal.
    const { parsed, exitCode } = render(['\u0440\u0430ypal.com']);
    expect(exitCode).toBe(0);
    expect(parsed.results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(/mixes scripts \(Cyrillic, Latin\)/),
      }),
    );
  });

  for (const suffix of ['com', 'co.uk', 'org', 'github.io.evil']) {
    const bad = suffix !== 'github.io.evil';
    it(`${bad ? 'refuses' : 'accepts'} *.${suffix}`, () => {
      const { parsed, exitCode } = render([`*.${suffix}`]);
      expect(exitCode).toBe(bad ? 1 : 0);
      if (bad)
        expect(parsed.results).toContainEqual(
          expect.objectContaining({
            severity: 'error',
            message: expect.stringContaining(`"*.${suffix}" is a wildcard over the public suffix`),
          }),
        );
    });
  }

  it('warns about a wildcard over a private-section suffix', () => {
    const { parsed, exitCode } = render(['*.github.io']);
    expect(exitCode).toBe(0);
    expect(parsed.results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('"*.github.io" is a wildcard over "github.io"'),
      }),
    );
  });
});

describe('limits', () => {
  const names = Array.from(
    { length: 300 },
    (_, i) => `host-${String(i).padStart(3, '0')}.example.com`,
  );

  it('splits 300 names over ServiceEntries of at most 256 hosts, by a hash of each name, with stable names', () => {
    const { parsed, exitCode } = render(names);
    expect(exitCode).toBe(0);
    const ses = ofKind(parsed, 'ServiceEntry');
    // By a hash of each name: two buckets, each at most 256 hosts, together every name once.
    expect(ses.map((s) => s.metadata.name)).toEqual(['wildcard', 'wildcard-2']);
    for (const se of ses) expect(se.spec.hosts.length).toBeLessThanOrEqual(256);
    expect(ses.flatMap((s) => s.spec.hosts).sort()).toEqual([...names].sort());
    expect(allProblems(parsed.items)).toEqual([]);
    expect(wiringProblems(parsed.items)).toEqual([]);
    // Stable: a second run on the output changes nothing.
    const again = runFunction(runFunction(resourceList([], domainList(names))).stdout);
    expect(parseOutput(again.stdout).results.at(-1)!.message).toMatch(/^already up to date/);
  });

  it('refuses to write more than 256 hosts into an opted-in ServiceEntry', () => {
    const se =
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: mine\n  annotations:\n    wildcard-egress.dev/domain-list: egress\nspec:\n  hosts: []\n';
    const out = runFunction(resourceList([se], domainList(names, 'generate: false')));
    expect(out.exitCode).toBe(1);
    expect(parseOutput(out.stdout).results).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        message: expect.stringContaining('would hold 300 hosts, over the limit of 256'),
      }),
    );
  });

  it('leaves a ServiceEntry it did not create alone, even one named like a split-off of its own', () => {
    const stale =
      'apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata:\n  name: wildcard-2\n  namespace: istio-system\nspec:\n  hosts: [old.example.com]\n';
    const out = runFunction(resourceList([stale], domainList(['a.example.com'])));
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain(asEntry(stale));
    expect(
      parseOutput(out.stdout).results.filter((r) => r.resourceRef?.name === 'wildcard-2'),
    ).toEqual([]);
  });
});

describe('EnvoyFilter scoping and safety', () => {
  it('selects only the gateway pods and merges only on the gateway TLS port', () => {
    const { parsed } = render(['a.example.com'], 'gateway: {name: egw, targetPort: 9443}');
    const [ef] = ofKind(parsed, 'EnvoyFilter');
    const [deploy] = ofKind(parsed, 'Deployment');
    expect(ef.spec.workloadSelector).toEqual({ labels: { 'wildcard-egress.dev/gateway': 'egw' } });
    expect(deploy.spec.template.metadata.labels).toMatchObject(ef.spec.workloadSelector.labels);
    const merge = ef.spec.configPatches.find((p: any) => p.patch.operation === 'MERGE');
    expect(merge.match.listener.portNumber).toBe(9443);
  });

  it('derives the DNS cache name from its settings: a new dnsLookupFamily gives a new name, the same settings the same name', () => {
    const cacheNames = (family: string) => {
      const [ef] = ofKind(
        render(['a.example.com'], `dnsLookupFamily: ${family}`).parsed,
        'EnvoyFilter',
      );
      return ef.spec.configPatches.flatMap(
        (p: any) =>
          JSON.stringify(p.patch.value).match(/dynamic_forward_proxy_cache_[0-9a-f]{8}/g) ?? [],
      );
    };
    const v4 = cacheNames('V4_ONLY');
    const auto = cacheNames('AUTO');
    expect(v4).toHaveLength(2);
    expect(new Set(v4).size).toBe(1);
    expect(new Set(auto).size).toBe(1);
    expect(auto[0]).not.toBe(v4[0]);
    expect(cacheNames('V4_ONLY')).toEqual(v4);
  });
});

describe('hostile input', () => {
  it('refuses an alias bomb in an item quickly, with a message', () => {
    const levels = Array.from(
      { length: 9 },
      (_, i) => `    l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`,
    );
    const bomb = `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: wildcard\n  namespace: istio-system\nspec:\n  hosts: []\n  x:\n    l0: &l0 [a]\n${levels.join('\n')}\n`;
    const out = runFunction(resourceList([bomb], domainList(['a.example.com'])));
    expect(out.exitCode).toBe(1);
    expect(resultsOf(out.stdout)).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(/too many aliases/),
      }),
    );
  });

  it('refuses an alias bomb in the function config quickly', () => {
    const cfg =
      'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nmetadata:\n  name: egress\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\nspec:\n  domains: [a.example.com]\n';
    const out = runFunction(resourceList([], cfg));
    expect(out.exitCode).toBe(1);
  });

  const wrongTypes: Record<string, [spec: string, message: RegExp]> = {
    'domains as a string': ['domains: "*.a.org"', /^value "\*\.a\.org" must be array/m],
    'a domain that is a number': ['domains: [42]', /^value 42 must be string/m],
    'a port out of range': [
      'domains: [a.org]\nupstreamPort: 70000',
      /^value 70000 must be <= 65535/m,
    ],
    'generate as text': ['domains: [a.org]\ngenerate: "no"', /^value "no" must be boolean/m],
    'an unknown nested field': [
      'domains: [a.org]\ngateway: {nmae: x}',
      /^unknown field "nmae"; did you mean "name"\?/m,
    ],
  };
  for (const [name, [spec, message]] of Object.entries(wrongTypes)) {
    it(`refuses ${name}`, () => {
      const cfg = `apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nmetadata:\n  name: egress\nspec:\n${spec
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`;
      const out = runFunction(resourceList([], cfg));
      expect(out.exitCode).toBe(1);
      expect(
        parseOutput(out.stdout)
          .results.map((r) => r.message)
          .join('\n'),
      ).toMatch(message);
    });
  }

  it('refuses items that are not objects, naming them, and returns every item unchanged', () => {
    const input =
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- just text\n- [1, 2]\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep\n' +
      `functionConfig:\n${domainList(['a.example.com']).replace(/^/gm, '  ')}`;
    const out = runFunction(input);
    expect(out.exitCode).toBe(1);
    const errors = parseOutput(out.stdout).results.filter((r) => r.severity === 'error');
    expect(errors.map((e) => [e.message, e.field.path])).toEqual([
      ['item 0 is not an object: every item must be a Kubernetes resource mapping', 'items[0]'],
      ['item 1 is not an object: every item must be a Kubernetes resource mapping', 'items[1]'],
    ]);
    expect(out.stdout).toContain(
      'items:\n- just text\n- [1, 2]\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep\n',
    );
  });

  it('refuses input over the size cap with a clear error', async () => {
    const { MAX_INPUT_BYTES } = await import('../src/krm/resource-list.js');
    const out = runFunction('#'.repeat(MAX_INPUT_BYTES + 1));
    expect(out.exitCode).toBe(1);
    expect(parseOutput(out.stdout).results[0].message).toMatch(/over the limit of/);
  });
});
