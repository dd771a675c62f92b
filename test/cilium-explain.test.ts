import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { explainConfig, explainManifests, renderStackText } from './explain-harness.js';
import { domainList, ROOT } from './helpers.js';

/**
 * Issue 24: explain follows the Cilium layer. On the rendered stacks of the
 * fqdn-cilium golden cases, each edited in that layer alone, a connection the
 * CiliumNetworkPolicies do not admit is refused at layer `cilium`, naming the
 * policy; the unedited stacks admit it and cite the toFQDNs entry.
 */

type Item = Record<string, any>;

const expected = (name: string) => readFileSync(`${ROOT}testdata/${name}/expected.yaml`, 'utf8');

/** The case's output with one CiliumNetworkPolicy edited. */
function edited(name: string, ns: string, policy: string, edit: (spec: Item) => void): string {
  const doc = parse(expected(name));
  const cnp = doc.items.find(
    (i: Item) =>
      i.kind === 'CiliumNetworkPolicy' && i.metadata.namespace === ns && i.metadata.name === policy,
  );
  edit(cnp.spec);
  return stringify(doc);
}

const last = (a: { steps: { layer: string; resource?: string; detail: string }[] }) =>
  a.steps[a.steps.length - 1];

describe('explain and the Cilium layer', () => {
  it('sidecar mode: allowed through toFQDNs; refused at cilium once the name leaves toFQDNs, or its DNS rule', () => {
    const stack = expected('fqdn-cilium-sidecar');
    const ok = explainManifests(stack, 'en.wikipedia.org', { from: 'shop' });
    expect(ok.verdict).toBe('allowed');
    expect(ok.steps.find((s) => s.layer === 'cilium')).toMatchObject({
      resource: 'CiliumNetworkPolicy shop/wildcard-egress',
      field: expect.stringMatching(/^spec\.egress\[\d+\]\.toFQDNs\[\d+\]$/),
    });
    const noFqdn = edited('fqdn-cilium-sidecar', 'shop', 'wildcard-egress', (spec) => {
      for (const r of spec.egress)
        if (r.toFQDNs)
          r.toFQDNs = r.toFQDNs.filter((s: Item) => s.matchPattern !== '**.wikipedia.org');
    });
    const a = explainManifests(noFqdn, 'en.wikipedia.org', { from: 'shop' });
    expect(a.verdict).toBe('refused');
    expect(a.layer).toBe('cilium');
    expect(last(a).resource).toContain('CiliumNetworkPolicy shop/wildcard-egress');
    expect(last(a).detail).toMatch(
      /no egress rule of the CiliumNetworkPolicies of shop admits en\.wikipedia\.org on port 443/,
    );
    const noDns = edited('fqdn-cilium-sidecar', 'shop', 'wildcard-egress', (spec) => {
      for (const r of spec.egress)
        for (const p of r.toPorts ?? [])
          if (p.rules?.dns)
            p.rules.dns = p.rules.dns.filter((s: Item) => s.matchPattern !== '**.wikipedia.org');
    });
    const b = explainManifests(noDns, 'en.wikipedia.org', { from: 'shop' });
    expect(b.verdict).toBe('refused');
    expect(b.layer).toBe('cilium');
    expect(last(b).detail).toMatch(
      /lists en\.wikipedia\.org, but no DNS rule .* DNS proxy refuses the query/,
    );
  });

  it('egress-gateway mode: the hop to the gateway pods and the gateway exit are Cilium steps, each refusing when edited', () => {
    const stack = expected('fqdn-cilium-gateway');
    const ok = explainManifests(stack, 'api.github.com', { from: 'shop' });
    expect(ok.verdict).toBe('allowed');
    expect(ok.steps.filter((s) => s.layer === 'cilium').map((s) => s.resource)).toEqual([
      'CiliumNetworkPolicy shop/wildcard-egress',
      'CiliumNetworkPolicy istio-egress/istio-egressgateway-egress',
    ]);
    const noHop = edited('fqdn-cilium-gateway', 'shop', 'wildcard-egress', (spec) => {
      spec.egress = spec.egress.filter(
        (r: Item) =>
          !r.toEndpoints?.some((e: Item) => e.matchLabels?.['wildcard-egress.dev/gateway']),
      );
    });
    // Cilium adds up the allows of NetworkPolicies and CiliumNetworkPolicies: the NetworkPolicy still admits the hop.
    const viaNp = explainManifests(noHop, 'api.github.com', { from: 'shop' });
    expect(viaNp.verdict).toBe('allowed');
    expect(viaNp.steps.find((s) => s.layer === 'network')?.resource).toBe(
      'NetworkPolicy shop/wildcard-egress',
    );
    const doc = parse(noHop);
    const np = doc.items.find(
      (i: Item) => i.kind === 'NetworkPolicy' && i.metadata.namespace === 'shop',
    );
    np.spec.egress = np.spec.egress.filter(
      (r: Item) =>
        !r.to?.some((t: Item) => t.podSelector?.matchLabels?.['wildcard-egress.dev/gateway']),
    );
    const a = explainManifests(stringify(doc), 'api.github.com', { from: 'shop' });
    expect([a.verdict, a.layer]).toEqual(['refused', 'cilium']);
    expect(last(a).detail).toMatch(/the gateway pods \(namespace istio-egress\) on port 8443/);
    const noExit = edited(
      'fqdn-cilium-gateway',
      'istio-egress',
      'istio-egressgateway-egress',
      (spec) => {
        for (const r of spec.egress)
          if (r.toFQDNs)
            r.toFQDNs = r.toFQDNs.filter((s: Item) => s.matchName !== 'api.github.com');
      },
    );
    const b = explainManifests(noExit, 'api.github.com', { from: 'shop' });
    expect([b.verdict, b.layer]).toEqual(['refused', 'cilium']);
    expect(last(b).resource).toContain(
      'CiliumNetworkPolicy istio-egress/istio-egressgateway-egress',
    );
    // A team reaches the gateway only on its own lanes' ports.
    const team = explainManifests(stack, 'api.stripe.com', { from: 'payments' });
    expect(team.verdict).toBe('allowed');
  });

  it("waypoint mode: the waypoint's own CiliumNetworkPolicy decides its exit", () => {
    expect(
      explainManifests(expected('fqdn-cilium-waypoint'), 'en.wikipedia.org', { from: 'shop' })
        .verdict,
    ).toBe('allowed');
    const noExit = edited('fqdn-cilium-waypoint', 'istio-egress', 'waypoint-egress', (spec) => {
      for (const r of spec.egress)
        if (r.toFQDNs)
          r.toFQDNs = r.toFQDNs.filter((s: Item) => s.matchPattern !== '**.wikipedia.org');
    });
    const a = explainManifests(noExit, 'en.wikipedia.org', { from: 'shop' });
    expect([a.verdict, a.layer]).toEqual(['refused', 'cilium']);
    expect(last(a).detail).toMatch(/the waypoint's CiliumNetworkPolicy/);
  });

  it('--config walks the same layer: steps name the rendered policies', () => {
    const config = readFileSync(`${ROOT}testdata/fqdn-cilium-gateway/config.yaml`, 'utf8');
    const a = explainConfig(config, 'x.y.wikipedia.org', { from: 'shop' });
    expect(a.verdict).toBe('allowed');
    expect(
      a.steps.some((s) => s.layer === 'cilium' && /matchPattern|toFQDNs/.test(`${s.field}`)),
    ).toBe(true);
  });

  it('sidecar mode with teams: a name another team lists on another port passes Istio alone, and the CNI refuses it', () => {
    const text = (fqdn: boolean) =>
      domainList(
        [],
        [
          'mode: sidecar',
          'istioVersion: "1.31"',
          'production:',
          '  recommended: true',
          ...(fqdn ? ['  fqdnPolicies: cilium'] : []),
          '  namespaces: [shop]',
          '  teams:',
          '  - {name: pay, namespaces: [payments], domains: [{name: example.com, ports: [443, 8443]}]}',
        ].join('\n'),
      ).replace(
        '  domains:\n',
        '  domains: [{name: "*.example.com", ports: [443, 8443]}, example.com]\n',
      );
    expect(
      explainManifests(renderStackText(text(false)), 'example.com:8443', { from: 'shop' }).verdict,
    ).toBe('allowed');
    const a = explainManifests(renderStackText(text(true)), 'example.com:8443', { from: 'shop' });
    expect([a.verdict, a.layer]).toEqual(['refused', 'cilium']);
    expect(
      explainManifests(renderStackText(text(true)), 'example.com:8443', { from: 'payments' })
        .verdict,
    ).toBe('allowed');
  });
  describe("a team's own CiliumNetworkPolicy, read as the guard reads it", () => {
    /** The sidecar case's stack with shop's Sidecar gone (ALLOW_ANY: an unlisted name passes through) and a team policy added. */
    function withTeamPolicy(egress: Item[]): string {
      const doc = parse(expected('fqdn-cilium-sidecar'));
      doc.items = doc.items.filter(
        (i: Item) => !(i.kind === 'Sidecar' && i.metadata.namespace === 'shop'),
      );
      doc.items.push({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'team', namespace: 'shop' },
        spec: { endpointSelector: {}, egress },
      });
      return stringify(doc);
    }

    it('without one, the CNI refuses an unlisted name the proxy lets through', () => {
      const a = explainManifests(withTeamPolicy([{ toEndpoints: [{}] }]), 'evil.example.net', {
        from: 'shop',
      });
      expect([a.verdict, a.layer]).toEqual(['refused', 'cilium']);
    });

    for (const [what, selector] of [
      ['reserved:world', { matchLabels: { 'reserved:world': '' } }],
      ['$world', { matchLabels: { $world: '' } }],
      [
        'the namespace key under DoesNotExist',
        {
          matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'DoesNotExist' }],
        },
      ],
    ] as const)
      it(`a toEndpoints selector with ${what} lets every address out (the guard refuses it as opening)`, () => {
        const a = explainManifests(
          withTeamPolicy([{ toEndpoints: [selector] }]),
          'evil.example.net',
          { from: 'shop' },
        );
        expect(a.verdict).toBe('passthrough');
        expect(a.steps.find((s) => s.layer === 'cilium')).toMatchObject({
          resource: 'CiliumNetworkPolicy shop/team',
          field: 'spec.egress[0].toEndpoints[0]',
        });
      });

    it("a rule on the resolver's DNS port without DNS rules lets every name's query through", () => {
      const noDns = parse(
        edited('fqdn-cilium-sidecar', 'shop', 'wildcard-egress', (spec) => {
          for (const r of spec.egress)
            for (const p of r.toPorts ?? [])
              if (p.rules?.dns)
                p.rules.dns = p.rules.dns.filter(
                  (x: Item) => x.matchPattern !== '**.wikipedia.org',
                );
        }),
      );
      const refused = explainManifests(stringify(noDns), 'en.wikipedia.org', { from: 'shop' });
      expect([refused.verdict, refused.layer]).toEqual(['refused', 'cilium']);
      noDns.items.push({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'team', namespace: 'shop' },
        spec: {
          endpointSelector: {},
          egress: [
            {
              toEndpoints: [
                {
                  matchLabels: {
                    'k8s:io.kubernetes.pod.namespace': 'kube-system',
                    'k8s-app': 'kube-dns',
                  },
                },
              ],
              toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }],
            },
          ],
        },
      });
      const a = explainManifests(stringify(noDns), 'en.wikipedia.org', { from: 'shop' });
      expect(a.verdict).toBe('allowed');
      expect(a.steps.find((s) => s.layer === 'cilium')?.detail).toMatch(
        /CiliumNetworkPolicy shop\/team spec\.egress\[0\]\.toPorts\[0\] lets the query through/,
      );
    });
  });
});
