import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runFunction } from '../src/function/run-function.js';
import { domainList, parseOutput, resourceList } from './helpers.js';
import { adminVerdict, type Connection } from './support/cluster-network-policy-eval.js';
import { clusterNetworkPolicyProblems } from './support/cluster-network-policy-rules.js';
import { expectedOf, goldenCases } from './support/golden-cases.js';

/**
 * fqdnPolicies: kubernetes, the second engine (issue 24): network-policy-api's
 * ClusterNetworkPolicy (v0.2.0, experimental channel) with domainNames,
 * validated against that release's CRD and the rules its Go types state.
 */

type Item = Record<string, any>;
const cnps = (items: Item[]) => items.filter((i) => i.kind === 'ClusterNetworkPolicy');

function render(config: string): Item[] {
  const out = runFunction(resourceList([], config));
  if (out.exitCode !== 0) throw new Error(out.stderr);
  return parseOutput(out.stdout).items;
}

describe('ClusterNetworkPolicies: network-policy-api CRD and rules', () => {
  const cases = goldenCases().filter(
    (c) => c.exitCode === 0 && cnps(parse(expectedOf(c)).items ?? []).length > 0,
  );

  it('golden cases render them (sidecar and egress-gateway modes)', () => {
    expect(cases.map((c) => c.name).sort()).toEqual([
      'fqdn-kubernetes-gateway',
      'fqdn-kubernetes-sidecar',
    ]);
  });

  for (const c of cases)
    it(`${c.name}: every ClusterNetworkPolicy passes the CRD schema and the API's rules`, () => {
      for (const item of cnps(parse(expectedOf(c)).items)) {
        expect(clusterNetworkPolicyProblems(item)).toEqual([]);
        expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(256 * 1024);
      }
    });

  it("sidecar mode: a namespace accepts exactly its scope's names, on their ports, before the deny of everything else", () => {
    const items = cnps(
      parse(expectedOf(cases.find((c) => c.name === 'fqdn-kubernetes-sidecar')!)).items,
    );
    const names = (ns: string) =>
      items
        .filter(
          (i) => i.spec.subject.namespaces?.matchLabels?.['kubernetes.io/metadata.name'] === ns,
        )
        .flatMap((i) => i.spec.egress)
        .filter((r: Item) => r.action === 'Accept')
        .flatMap((r: Item) => r.to.flatMap((p: Item) => p.domainNames ?? []));
    expect(names('payments').sort()).toEqual(['*.paypal.com', 'api.stripe.com']);
    expect(names('shop')).toContain('*.wikipedia.org');
    expect(names('shop')).not.toContain('api.stripe.com');
    const deny = items.find((i) => i.metadata.name === 'wildcard-egress.shop.deny')!;
    const accept = items.find((i) => i.metadata.name === 'wildcard-egress.shop')!;
    expect(deny.spec.priority).toBeGreaterThan(accept.spec.priority);
    expect(deny.spec.tier).toBe('Admin');
  });

  it('egress-gateway mode: the gateway denies the excepted ranges before it accepts any name', () => {
    const items = cnps(
      parse(expectedOf(cases.find((c) => c.name === 'fqdn-kubernetes-gateway')!)).items,
    );
    const gw = items.find(
      (i) => i.metadata.name === 'wildcard-egress.istio-egress.istio-egressgateway',
    )!;
    const first = gw.spec.egress.findIndex((r: Item) => r.to.some((p: Item) => p.domainNames));
    const denies = gw.spec.egress.slice(0, first).filter((r: Item) => r.action === 'Deny');
    expect(denies.flatMap((r: Item) => r.to.flatMap((p: Item) => p.networks))).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16', '127.0.0.0/8']),
    );
  });

  it('a long list is packed into policies of at most 25 rules, 25 peers and 25 names each, every name once', () => {
    const names = Array.from(
      { length: 7000 },
      (_, i) => `host-${String(i).padStart(4, '0')}.example.com`,
    );
    const items = cnps(
      render(
        domainList(
          names,
          'mode: sidecar\nistioVersion: "1.31"\nproduction:\n  fqdnPolicies: kubernetes\n  namespaces: [shop]',
        ),
      ),
    );
    expect(items.map((i) => i.metadata.name)).toEqual(
      expect.arrayContaining([
        'wildcard-egress.shop',
        'wildcard-egress.shop.names-1',
        'wildcard-egress.shop.deny',
      ]),
    );
    const listed = items.flatMap((i) =>
      i.spec.egress.flatMap((r: Item) => r.to.flatMap((p: Item) => p.domainNames ?? [])),
    );
    expect(listed.length).toBe(7000);
    expect(new Set(listed).size).toBe(7000);
    for (const i of items) expect(clusterNetworkPolicyProblems(i)).toEqual([]);
  });

  it('the checks refuse what the API refuses', () => {
    const base = {
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'x' },
    };
    const bad = (spec: Item) => clusterNetworkPolicyProblems({ ...base, spec }).join('\n');
    const subject = { namespaces: {} };
    expect(
      bad({
        tier: 'Admin',
        priority: 1,
        subject,
        egress: [{ action: 'Deny', to: [{ domainNames: ['a.com'] }] }],
      }),
    ).toMatch(/only be used with Accept/);
    expect(
      bad({
        tier: 'Admin',
        priority: 1,
        subject,
        egress: [{ action: 'Accept', to: [{ domainNames: Array(26).fill('a.com') }] }],
      }),
    ).toMatch(/more than 25|duplicate/);
    expect(
      bad({
        tier: 'Admin',
        priority: 1,
        subject,
        egress: [{ action: 'Accept', to: [{ domainNames: ['*a.com'] }] }],
      }),
    ).toMatch(/pattern/);
    expect(bad({ tier: 'Top', priority: 1, subject, egress: [] })).toMatch(/allowed values/);
    expect(
      bad({
        tier: 'Admin',
        priority: 1,
        subject,
        egress: [
          {
            action: 'Accept',
            to: [{ networks: ['0.0.0.0/0'], pods: { namespaceSelector: {}, podSelector: {} } }],
          },
        ],
      }),
    ).toMatch(/more than 1 properties/);
  });
  describe('ClusterNetworkPolicies evaluated as the API orders them (tier, priority, rule order)', () => {
    const golden = (name: string) =>
      cnps(parse(expectedOf(goldenCases().find((c) => c.name === name)!)).items);
    const app = (namespace: string) => ({ namespace, labels: { app: 'web' } });
    const pod = (namespace: string, labels: Record<string, string>, ip = '10.244.1.7') => ({
      pod: { namespace, labels },
      ip,
    });
    const host = (name: string, ip: string) => ({ name, ip });
    const verdict = (items: Item[], c: Connection) => adminVerdict(items, c).action;
    const gatewayPods = (items: Item[]) => {
      const subject = items.find((i) => i.spec.subject.pods)!.spec.subject.pods;
      return {
        namespace: subject.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
        labels: subject.podSelector.matchLabels,
      };
    };

    it('sidecar mode: in-cluster destinations Pass to the NetworkPolicies; others are denied', () => {
      const items = golden('fqdn-kubernetes-sidecar');
      const shop = app('shop');
      expect(verdict(items, { from: shop, to: pod('payments', { app: 'api' }), port: 8080 })).toBe(
        'Pass',
      );
      expect(verdict(items, { from: shop, to: pod('shop', { app: 'db' }), port: 5432 })).toBe(
        'Pass',
      );
      expect(
        verdict(items, { from: shop, to: pod('istio-system', { app: 'istiod' }), port: 15012 }),
      ).toBe('Pass');
      expect(
        verdict(items, {
          from: shop,
          to: pod('kube-system', { 'k8s-app': 'kube-dns' }),
          port: 53,
          protocol: 'UDP',
        }),
      ).toBe('Pass');
      expect(
        verdict(items, { from: shop, to: { ip: '169.254.20.10' }, port: 53, protocol: 'UDP' }),
      ).toBe('Pass');
      // A pod of a namespace nothing locks down could relay: denied, as any other address.
      expect(verdict(items, { from: shop, to: pod('team-probe', { app: 'x' }), port: 8080 })).toBe(
        'Deny',
      );
      expect(
        verdict(items, { from: shop, to: host('evil.example.net', '203.0.113.9'), port: 443 }),
      ).toBe('Deny');
    });

    it('sidecar mode: a listed name is accepted on its ports at a public address, denied at an excepted one', () => {
      const items = golden('fqdn-kubernetes-sidecar');
      const shop = app('shop');
      expect(
        verdict(items, { from: shop, to: host('en.wikipedia.org', '203.0.113.10'), port: 443 }),
      ).toBe('Accept');
      for (const ip of ['10.0.0.5', '169.254.169.254', '127.0.0.1', '172.16.3.3', 'fd00:ec2::254'])
        expect({
          ip,
          v: verdict(items, { from: shop, to: host('en.wikipedia.org', ip), port: 443 }),
        }).toEqual({
          ip,
          v: 'Deny',
        });
      // IPv6 stays closed on the upstream ports unless dualStackCapture says the mesh captures it.
      expect(
        verdict(items, { from: shop, to: host('en.wikipedia.org', '2001:db8::10'), port: 443 }),
      ).toBe('Deny');
      expect(
        verdict(items, { from: shop, to: host('en.wikipedia.org', '203.0.113.10'), port: 8443 }),
      ).toBe('Deny');
      expect(
        verdict(items, { from: shop, to: host('api.stripe.com', '203.0.113.11'), port: 443 }),
      ).toBe('Deny');
      expect(
        verdict(items, {
          from: app('payments'),
          to: host('api.stripe.com', '203.0.113.11'),
          port: 443,
        }),
      ).toBe('Accept');
    });

    it('egress-gateway mode: the gateway accepts listed names at public addresses only; apps Pass to it', () => {
      const items = golden('fqdn-kubernetes-gateway');
      const gw = gatewayPods(items);
      expect(
        verdict(items, { from: gw, to: host('en.wikipedia.org', '203.0.113.10'), port: 443 }),
      ).toBe('Accept');
      for (const ip of ['10.0.0.5', '169.254.169.254', '0.0.0.1'])
        expect(verdict(items, { from: gw, to: host('en.wikipedia.org', ip), port: 443 })).toBe(
          'Deny',
        );
      expect(
        verdict(items, { from: gw, to: pod('istio-system', { app: 'istiod' }), port: 15012 }),
      ).toBe('Pass');
      expect(
        verdict(items, { from: app('shop'), to: pod(gw.namespace, gw.labels), port: 8443 }),
      ).toBe('Pass');
      expect(
        verdict(items, {
          from: app('shop'),
          to: host('en.wikipedia.org', '203.0.113.10'),
          port: 443,
        }),
      ).toBe('Deny');
    });

    const longList = (mode: string) =>
      cnps(
        render(
          domainList(
            Array.from(
              { length: 7000 },
              (_, i) => `host-${String(i).padStart(4, '0')}.example.com`,
            ),
            `mode: ${mode}\nistioVersion: "1.31"\nproduction:\n  recommended: true\n  fqdnPolicies: kubernetes\n  namespaces: [shop]`,
          ),
        ),
      );

    for (const mode of ['sidecar', 'egress-gateway'])
      it(`${mode} mode, a long list: the excepted ranges are denied before every name, whichever policy holds it`, () => {
        const items = longList(mode);
        expect(items.filter((i) => i.metadata.name.includes('names')).length).toBeGreaterThan(0);
        const from = mode === 'sidecar' ? app('shop') : gatewayPods(items);
        for (const n of [0, 3500, 6999]) {
          const name = `host-${String(n).padStart(4, '0')}.example.com`;
          expect(verdict(items, { from, to: host(name, '10.0.0.5'), port: 443 })).toBe('Deny');
          expect(verdict(items, { from, to: host(name, '203.0.113.5'), port: 443 })).toBe('Accept');
        }
      });

    it('rule names are unique within a subject, and the same list renders the same names', () => {
      for (const items of [
        golden('fqdn-kubernetes-sidecar'),
        golden('fqdn-kubernetes-gateway'),
        longList('sidecar'),
      ]) {
        const bySubject = new Map<string, string[]>();
        for (const i of items) {
          const key = JSON.stringify(i.spec.subject);
          bySubject.set(key, [
            ...(bySubject.get(key) ?? []),
            ...i.spec.egress.map((r: Item) => r.name),
          ]);
        }
        for (const names of bySubject.values()) {
          expect(names.every((n) => typeof n === 'string' && n.length > 0)).toBe(true);
          expect(new Set(names).size).toBe(names.length);
        }
      }
      expect(JSON.stringify(longList('sidecar'))).toBe(JSON.stringify(longList('sidecar')));
    });

    it('policy names never collide, whatever the namespaces are called (cluster-scoped objects)', () => {
      const items = cnps(
        render(
          domainList(
            ['*.wikipedia.org'],
            'istioVersion: "1.31"\nproduction:\n  recommended: true\n  fqdnPolicies: kubernetes\n  namespaces: [shop, shop-deny, istio-egressgateway]',
          ),
        ),
      );
      const names = items.map((i) => i.metadata.name);
      expect(new Set(names).size).toBe(names.length);
      for (const i of items) expect(clusterNetworkPolicyProblems(i)).toEqual([]);
    });
  });
});
