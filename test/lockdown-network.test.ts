import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { domainList, parseOutput, resourceList, ROOT } from './helpers.js';
import { checkEnvoyFilter } from './support/envoy-protos.js';

/**
 * Issue 21 ("Lockdown, round two"), the network's part: the rendered
 * NetworkPolicies, the forward proxy's DNS cache, the upstream ports and the
 * sidecar-mode warnings.
 */

type Item = Record<string, any>;

function render(config: string) {
  const out = runFunction(resourceList([], config));
  return { ...out, parsed: parseOutput(out.stdout) };
}
function items(config: string): Item[] {
  const r = render(config);
  if (r.exitCode !== 0) throw new Error(`render failed:\n${r.stderr}`);
  return r.parsed.items;
}
const caseConfig = (name: string) => readFileSync(`${ROOT}testdata/${name}/config.yaml`, 'utf8');
function policy(all: Item[], ns: string): Item {
  const np = all.find((i) => i.kind === 'NetworkPolicy' && i.metadata.namespace === ns);
  if (!np) throw new Error(`no NetworkPolicy in ${ns}`);
  return np;
}
const external = (np: Item) =>
  np.spec.egress.find((r: Item) => r.to.some((p: Item) => p.ipBlock?.cidr === '0.0.0.0/0'));
const withProduction = (config: string, extra: string) =>
  config.replace('    recommended: true\n', `    recommended: true\n${extra}`);

describe('21.2 IPv6 in sidecar mode only where the mesh captures it', () => {
  it('opens no public IPv6 by default, and says so in a warning naming the option', () => {
    const r = render(caseConfig('mode-sidecar'));
    expect(r.exitCode).toBe(0);
    for (const ns of ['shop', 'payments'])
      expect(external(policy(r.parsed.items, ns)).to.map((p: Item) => p.ipBlock.cidr)).toEqual([
        '0.0.0.0/0',
      ]);
    const warning = r.parsed.results.find(
      (x) => x.severity === 'warning' && x.field?.path === 'spec.production.dualStackCapture',
    );
    expect(warning?.message).toMatch(
      /without ISTIO_DUAL_STACK istio-iptables installs no IPv6 rules/,
    );
  });

  it('opens ::/0 (with its except list) once production.dualStackCapture states dual-stack capture, without the warning', () => {
    const r = render(withProduction(caseConfig('mode-sidecar'), '    dualStackCapture: true\n'));
    const v6 = external(policy(r.parsed.items, 'shop')).to[1].ipBlock;
    expect(v6.cidr).toBe('::/0');
    expect(v6.except).toEqual(['fc00::/7', 'fe80::/10', '::1/128', '64:ff9b:1::/48']);
    expect(r.parsed.results.some((x) => x.field?.path === 'spec.production.dualStackCapture')).toBe(
      false,
    );
  });
});

describe('21.6 application pods reach only the pods the mesh needs, not every pod of every namespace', () => {
  it('egress-gateway: peers in the application namespaces, istiod on 15012, the gateway on its ports; no namespaceSelector {}', () => {
    const all = items(caseConfig('production-recommended'));
    const np = policy(all, 'shop');
    expect(np.spec.egress.slice(0, 3)).toEqual([
      {
        to: [
          {
            namespaceSelector: {
              matchExpressions: [
                { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'billing'] },
              ],
            },
          },
        ],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
            podSelector: { matchLabels: { app: 'istiod' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 15012 }],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-egress' } },
            podSelector: { matchLabels: { 'wildcard-egress.dev/gateway': 'egressgateway' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8443 }],
      },
    ]);
    expect(JSON.stringify(np.spec.egress)).not.toContain('"namespaceSelector":{}');
    expect(external(np)).toBeUndefined();
  });

  it('peerNamespaces adds namespaces the applications may reach; istiodNamespace moves the istiod rule', () => {
    const all = items(
      withProduction(
        caseConfig('production-recommended'),
        '    peerNamespaces: [data]\n    istiodNamespace: istio-control\n',
      ),
    );
    const np = policy(all, 'shop');
    expect(np.spec.egress[0].to[0].namespaceSelector.matchExpressions[0].values).toEqual([
      'shop',
      'billing',
      'data',
    ]);
    expect(np.spec.egress[1].to[0].namespaceSelector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'istio-control',
    });
    const gateway = policy(all, 'istio-egress');
    expect(gateway.spec.egress[1].to[0].namespaceSelector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'istio-control',
    });
  });

  it('waypoint: the waypoint on HBONE (15008) instead of istiod and a gateway; no public address', () => {
    const np = policy(items(caseConfig('mode-waypoint')), 'shop');
    expect(external(np)).toBeUndefined();
    expect(np.spec.egress[1]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-egress' } },
          podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 15008 }],
    });
  });
});

describe('21.7 SSRF and DNS at the gateway', () => {
  it('the gateway never dials this network, loopback, the local-use NAT64 prefix or the cluster ranges given', () => {
    const all = items(
      withProduction(
        caseConfig('production-recommended'),
        '    clusterCIDRs: [10.96.0.0/12, "fd00:10:96::/112", 10.0.0.0/8]\n',
      ),
    );
    const [v4, v6] = external(policy(all, 'istio-egress')).to.map((p: Item) => p.ipBlock);
    expect(v4.except).toEqual([
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '169.254.0.0/16',
      '100.64.0.0/10',
      '0.0.0.0/8',
      '127.0.0.0/8',
      '10.96.0.0/12',
    ]);
    expect(v6.except).toEqual([
      'fc00::/7',
      'fe80::/10',
      '::1/128',
      '64:ff9b:1::/48',
      'fd00:10:96::/112',
    ]);
    // A list of its own still gets the never-public ranges.
    const own = items(
      withProduction(
        caseConfig('production-recommended'),
        '    externalExcept: [203.0.113.0/24]\n',
      ),
    );
    expect(external(policy(own, 'istio-egress')).to[0].ipBlock.except).toEqual([
      '203.0.113.0/24',
      '0.0.0.0/8',
      '127.0.0.0/8',
    ]);
  });

  it('refuses upstream ports in 15000-15090 with an error naming the field', () => {
    const domain = render(
      [
        'apiVersion: wildcard-egress.dev/v1alpha1',
        'kind: DomainList',
        'metadata: {name: egress}',
        'spec:',
        '  domains: [a.example.com, {name: b.example.com, ports: [443, 15000]}]',
        '',
      ].join('\n'),
    );
    expect(domain.exitCode).toBe(1);
    const err = domain.parsed.results.find((x) => x.severity === 'error');
    expect(err?.message).toContain('domain "b.example.com": upstream port 15000 is in 15000-15090');
    expect(err?.field).toEqual({ path: 'spec.domains[1].ports', currentValue: 15000 });
    const main = render(domainList(['a.example.com'], 'upstreamPort: 15021'));
    expect(main.exitCode).toBe(1);
    expect(main.parsed.results.find((x) => x.severity === 'error')?.field).toEqual({
      path: 'spec.upstreamPort',
      currentValue: 15021,
    });
    expect(render(domainList(['a.example.com'], 'upstreamPort: 15091')).exitCode).toBe(0);
  });

  it("resolves listed names as written: c-ares without the pod's search domains, valid against Envoy's protos", () => {
    const ef: any = items(caseConfig('teams')).find((i) => i.kind === 'EnvoyFilter');
    const caches = ef.spec.configPatches.flatMap((p: Item) => {
      const v = p.patch.value;
      return [
        v.cluster_type?.typed_config?.dns_cache_config,
        ...(v.filter_chains ?? []).map((c: Item) => c.filters[0].typed_config.dns_cache_config),
      ].filter(Boolean);
    });
    expect(caches.length).toBeGreaterThan(3);
    for (const c of caches)
      expect(c.typed_dns_resolver_config).toEqual({
        name: 'envoy.network.dns_resolver.cares',
        typed_config: {
          '@type':
            'type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig',
          dns_resolver_options: { no_default_search_domain: true },
        },
      });
    expect(checkEnvoyFilter(ef)).toEqual([]);
    // The check reads the resolver's own message: a misspelt option fails.
    const bad = structuredClone(ef);
    bad.spec.configPatches[1].patch.value.cluster_type.typed_config.dns_cache_config.typed_dns_resolver_config.typed_config.dns_resolver_options =
      { no_default_search_domains: true };
    expect(checkEnvoyFilter(bad).join('\n')).toContain('no field "no_default_search_domains"');
  });
});

describe("21.8 sidecar mode: each namespace's NetworkPolicy opens only its own lanes' ports", () => {
  it('shop (the shared list: 443, 8443, 80) and payments (its team: 443) differ', () => {
    const all = items(caseConfig('mode-sidecar'));
    const ports = (ns: string) => external(policy(all, ns)).ports.map((p: Item) => p.port);
    expect(ports('shop')).toEqual([443, 80, 8443]);
    expect(ports('payments')).toEqual([443]);
  });
});

describe('21.9 the sidecar-mode warning says what remains: domain fronting, not a client-chosen address', () => {
  it('names DYNAMIC_DNS resolution by the sidecar and domain fronting', () => {
    const r = render(caseConfig('mode-sidecar-1.30'));
    const text = r.parsed.results
      .filter((x) => x.severity === 'warning')
      .map((x) => x.message)
      .join('\n');
    expect(text).toContain(
      "With DYNAMIC_DNS the sidecar resolves the SNI (or Host) the client sends and connects to that name's addresses, so a client cannot pick the address",
    );
    expect(text).toContain('domain fronting');
    expect(text).not.toContain('connect to another address');
  });
});
