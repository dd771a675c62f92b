import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runFunction } from '../src/function/run-function.js';
import { domainList, parseOutput, resourceList } from './helpers.js';
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
    const deny = items.find((i) => i.metadata.name === 'wildcard-egress-shop-deny')!;
    const accept = items.find((i) => i.metadata.name === 'wildcard-egress-shop')!;
    expect(deny.spec.priority).toBeGreaterThan(accept.spec.priority);
    expect(deny.spec.tier).toBe('Admin');
  });

  it('egress-gateway mode: the gateway denies the excepted ranges before it accepts any name', () => {
    const items = cnps(
      parse(expectedOf(cases.find((c) => c.name === 'fqdn-kubernetes-gateway')!)).items,
    );
    const gw = items.find((i) => i.metadata.name === 'wildcard-egress-istio-egressgateway')!;
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
        'wildcard-egress-shop',
        'wildcard-egress-shop-names-1',
        'wildcard-egress-shop-deny',
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
});
