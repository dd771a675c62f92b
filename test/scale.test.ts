import { beforeAll, describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { domainList, ofKind, parseOutput, resourceList } from './helpers.js';
import { allProblems, coverInSet, wiringProblems } from './support/istio-rules.js';
import { lockdownProblems } from './support/lockdown-rules.js';
import { manyNames } from './support/many-names.js';

/**
 * Fifty thousand names: every object the function renders stays under what
 * `kubectl apply` can store (262,144 bytes as JSON), and every name still
 * reaches every kind of place.
 */

const N = 50_000;
const PRODUCTION = [
  'production:',
  '  recommended: true',
  '  namespaces: [shop, billing]',
  '  teams:',
  '  - {name: payments, namespaces: [payments], domains: [api.stripe.com, "*.paypal.com", {name: api.adyen.com, ports: [443, 8443]}]}',
].join('\n');

function render(names: string[]) {
  const out = runFunction(resourceList([], domainList(names, PRODUCTION)));
  if (out.exitCode !== 0) throw new Error(out.stderr);
  return parseOutput(out.stdout);
}

describe(`${N.toLocaleString('en')} names, recommended production, two namespaces, a team, a second port`, () => {
  const names = manyNames(N);
  let out: ReturnType<typeof render>;
  beforeAll(() => {
    out = render(names);
  }, 120_000);

  it('every object is under 262,144 bytes as JSON, and no size warning is needed', () => {
    const sizes = out.items.map(
      (i) => [`${i.kind}/${i.metadata.name}`, JSON.stringify(i).length] as const,
    );
    expect(sizes.filter(([, b]) => b >= 262_144)).toEqual([]);
    expect(Math.max(...sizes.map(([, b]) => b))).toBeLessThan(200 * 1024);
    expect(out.results.filter((r) => r.severity === 'warning')).toEqual([]);
    // It is split: several VirtualServices, EnvoyFilters and ServiceEntries.
    expect(ofKind(out, 'VirtualService').length).toBeGreaterThan(1);
    expect(ofKind(out, 'EnvoyFilter').length).toBeGreaterThan(1);
  });

  it('ServiceEntries hold at most 256 hosts each', () => {
    for (const se of ofKind(out, 'ServiceEntry'))
      expect(se.spec.hosts.length).toBeLessThanOrEqual(256);
  });

  it('every name reaches every kind of place: VirtualService hosts and sniHosts, ServiceEntry hosts, EnvoyFilter server_names, each Sidecar', () => {
    const vss = ofKind(out, 'VirtualService');
    const vsHosts = new Set<string>(vss.flatMap((v) => v.spec.hosts));
    const sniHosts = new Set<string>(
      vss.flatMap((v) => v.spec.tls.flatMap((t: any) => t.match.flatMap((m: any) => m.sniHosts))),
    );
    const seHosts = new Set<string>(ofKind(out, 'ServiceEntry').flatMap((s) => s.spec.hosts));
    const serverNames = new Set<string>(
      ofKind(out, 'EnvoyFilter').flatMap((e) =>
        e.spec.configPatches.flatMap((p: any) =>
          (p.patch.value.filter_chains ?? []).flatMap(
            (c: any) => c.filter_chain_match.server_names,
          ),
        ),
      ),
    );
    const missing = (set: Set<string>) => names.filter((n) => coverInSet(set, n) === undefined);
    expect(missing(vsHosts)).toEqual([]);
    expect(missing(sniHosts)).toEqual([]);
    expect(missing(seHosts)).toEqual([]);
    expect(missing(serverNames)).toEqual([]);
    const sidecars = Object.fromEntries(
      ofKind(out, 'Sidecar').map((s) => [s.metadata.namespace, s.spec.egress[0].hosts as string[]]),
    );
    // The shared namespaces' Sidecars import the routing namespace, where every ServiceEntry is.
    for (const ns of ['shop', 'billing']) expect(sidecars[ns]).toContain('istio-system/*');
    expect(new Set(ofKind(out, 'ServiceEntry').map((s) => s.metadata.namespace))).toEqual(
      new Set(['istio-system']),
    );
    // The team's Sidecar is short enough to list its names.
    expect(sidecars.payments).toEqual(
      expect.arrayContaining([
        'istio-system/api.stripe.com',
        'istio-system/*.paypal.com',
        'istio-system/api.adyen.com',
      ]),
    );
  });

  it('the wiring check follows every listener chain to its end; schemas, Envoy protos and the lockdown rules hold', () => {
    expect(wiringProblems(out.items)).toEqual([]);
    expect(lockdownProblems(out.items)).toEqual([]);
    expect(allProblems(out.items)).toEqual([]);
  });

  it('the same list gives the same objects; one more name changes only the objects of its bucket', () => {
    const again = render(names);
    expect(again.items).toEqual(out.items);
    const more = render([...names, 'api.one-more-name.example.com']);
    const byId = (items: any[]) =>
      new Map(
        items.map((i) => [
          `${i.kind}/${i.metadata.namespace}/${i.metadata.name}`,
          JSON.stringify(i),
        ]),
      );
    const before = byId(out.items);
    const changed = [...byId(more.items)]
      .filter(([k, v]) => before.get(k) !== v)
      .map(([k]) => k.split('/')[0]);
    expect(changed.sort()).toEqual(['EnvoyFilter', 'ServiceEntry', 'VirtualService']);
  });
});

describe('items the user owns are never split', () => {
  const vs = (extraAnnotation = '') =>
    [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  name: mine',
      '  namespace: egress-config',
      '  annotations:',
      '    wildcard-egress.dev/domain-list: egress',
      extraAnnotation,
      'spec:',
      '  hosts: []',
      '  tls:',
      '  - match:',
      '    - port: 443',
      '      sniHosts: []',
      '    route:',
      '    - destination: {host: my-gateway.egress.svc.cluster.local}',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n';

  it('one the list would push past 256 KiB is refused, naming it and its size; items unchanged', () => {
    const out = runFunction(
      resourceList([vs()], domainList(manyNames(8_000, 3), 'generate: false')),
    );
    expect(out.exitCode).toBe(1);
    expect(
      parseOutput(out.stdout)
        .results.filter((r) => r.severity === 'error')
        .map((r) => r.message),
    ).toEqual([
      expect.stringMatching(
        /^would be \d+\.\d KiB as JSON with the list, over the 256 KiB kubectl apply can store/,
      ),
    ]);
    expect(out.stdout).toContain(
      vs()
        .split('\n')
        .map((l, i) => (i === 0 ? `- ${l}` : l === '' ? l : `  ${l}`))
        .join('\n'),
    );
  });

  it('one past 200 KiB gets a warning naming it', () => {
    const out = runFunction(
      resourceList([vs()], domainList(manyNames(6_000, 3), 'generate: false')),
    );
    expect(out.exitCode).toBe(0);
    expect(parseOutput(out.stdout).results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(/^is 2\d\d\.\d KiB as JSON, near the 256 KiB/),
      }),
    );
  });
});

describe('the native modes at 50,000 names', () => {
  for (const mode of ['sidecar', 'waypoint']) {
    it(`${mode}: every object under 262,144 bytes, ServiceEntries at most 256 hosts, every name in one`, () => {
      const names = manyNames(N, 5);
      const out = runFunction(
        resourceList([], domainList(names, `mode: ${mode}\nistioVersion: "1.31"\n${PRODUCTION}`)),
      );
      expect(out.exitCode, out.stderr).toBe(0);
      const items = parseOutput(out.stdout).items;
      expect(Math.max(...items.map((i) => JSON.stringify(i).length))).toBeLessThan(200 * 1024);
      const ses = ofKind({ items, results: [] }, 'ServiceEntry');
      for (const se of ses) expect(se.spec.hosts.length).toBeLessThanOrEqual(256);
      const hosts = new Set<string>(ses.flatMap((s) => s.spec.hosts));
      expect(names.filter((n) => !hosts.has(n))).toEqual([]);
    }, 60_000);
  }
});
