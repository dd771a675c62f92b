import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../src/domains/normalize-domain.js';
import type { StackMode, Verdict } from '../src/explain/types.js';
import { parse } from 'yaml';
import {
  expectCitationsExist,
  explainConfig,
  explainManifests,
  fixture,
  manifestObjects,
  renderedObjects,
  renderStackText,
  withMode,
  type Answer,
} from './explain-harness.js';
import { readProjectFile } from './helpers.js';

/**
 * The decision table: one connection per row, decided from the config and
 * from manifests (the function's own render; in the native modes also the
 * hand-written manifests of testdata/explain); all must
 * give the row's verdict, and the same deciding layer (a refusal) or the
 * same admitting entry (allowed).
 */

const CONFIGS = {
  basic: fixture('basic.yaml'),
  production: fixture('production.yaml'),
  teams: readProjectFile('testdata/teams/config.yaml'),
  networkOnly: fixture('network-only.yaml'),
  networkCidr: fixture('network-cidr.yaml'),
  nativeSidecar: withMode(fixture('native.yaml'), 'sidecar'),
  nativeWaypoint: withMode(fixture('native.yaml'), 'waypoint'),
};
type ConfigName = keyof typeof CONFIGS;

/** The native modes' manifests written by hand (testdata/explain): they must read as the rendered ones do. */
const HAND_WRITTEN: Record<Exclude<StackMode, 'egress-gateway'>, string> = {
  sidecar: fixture('sidecar-mode.yaml'),
  waypoint: fixture('waypoint-mode.yaml'),
};

interface Row {
  name: string;
  config: ConfigName;
  host: string;
  from?: string;
  registryOnly?: boolean;
  /** A native-mode row: also decided from the hand-written manifests of that mode. */
  mode?: Exclude<StackMode, 'egress-gateway'>;
  verdict: Verdict;
  /** Allowed: the admitting entry. Otherwise: the layer of the step that decided. */
  by: string;
}

const ROWS: Row[] = [
  // The shared list alone: every namespace, Istio's default ALLOW_ANY.
  {
    name: 'a wildcard admits a name one level under it',
    config: 'basic',
    host: 'en.wikipedia.org',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: 'a wildcard admits any depth',
    config: 'basic',
    host: 'upload.de.m.wikipedia.org',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: 'a wildcard never admits its apex: unknown, so PassthroughCluster',
    config: 'basic',
    host: 'wikipedia.org',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'the apex under mesh-wide REGISTRY_ONLY',
    config: 'basic',
    host: 'wikipedia.org',
    registryOnly: true,
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: 'case and a trailing dot do not matter',
    config: 'basic',
    host: 'EN.Wikipedia.ORG.',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: 'an exact name admits itself',
    config: 'basic',
    host: 'api.github.com',
    verdict: 'allowed',
    by: 'api.github.com',
  },
  {
    name: 'an exact name admits nothing under it',
    config: 'basic',
    host: 'raw.api.github.com',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'a name listed on two ports, on the second',
    config: 'basic',
    host: 'github.com:8443',
    verdict: 'allowed',
    by: 'github.com',
  },
  {
    name: 'a name listed on 443 only, asked on 8443',
    config: 'basic',
    host: 'api.github.com:8443',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'a port no entry lists: no listener on it',
    config: 'basic',
    host: 'github.com:9443',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'an international name, as written',
    config: 'basic',
    host: 'bücher.de',
    verdict: 'allowed',
    by: 'xn--bcher-kva.de',
  },
  {
    name: 'an international name, as punycode',
    config: 'basic',
    host: 'xn--bcher-kva.de',
    verdict: 'allowed',
    by: 'xn--bcher-kva.de',
  },
  {
    name: 'a look-alike suffix is another name',
    config: 'basic',
    host: 'en.wikipedia.org.evil.example',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'no label boundary: enwikipedia.org',
    config: 'basic',
    host: 'enwikipedia.org',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'a wildcard as host is refused by the domain rules',
    config: 'basic',
    host: '*.wikipedia.org',
    verdict: 'refused',
    by: 'host',
  },
  {
    name: 'a name with an underscore is refused by the domain rules',
    config: 'basic',
    host: 'foo_bar.wikipedia.org',
    verdict: 'refused',
    by: 'host',
  },
  {
    name: 'an IP address is followed as a connection with no name: passthrough under ALLOW_ANY',
    config: 'basic',
    host: '203.0.113.7',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'a partial wildcard is refused by the domain rules',
    config: 'basic',
    host: 'en*.wikipedia.org',
    verdict: 'refused',
    by: 'host',
  },

  // Production: Sidecars (REGISTRY_ONLY), NetworkPolicies, AuthorizationPolicy for shop and billing.
  {
    name: 'production: an IP address from a listed namespace goes nowhere (REGISTRY_ONLY)',
    config: 'production',
    host: '203.0.113.7',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: 'production: a listed name from a listed namespace',
    config: 'production',
    host: 'en.wikipedia.org',
    from: 'shop',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: 'production: the apex is blackholed by the Sidecar',
    config: 'production',
    host: 'wikipedia.org',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: 'production: an unlisted name is blackholed',
    config: 'production',
    host: 'example.com',
    from: 'billing',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: 'production: another namespace reaches the gateway and is refused by identity',
    config: 'production',
    host: 'en.wikipedia.org',
    from: 'other',
    verdict: 'refused',
    by: 'authorization',
  },
  {
    name: 'production: another namespace reaches unlisted names through PassthroughCluster',
    config: 'production',
    host: 'example.com',
    from: 'other',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'production: another namespace under mesh-wide REGISTRY_ONLY',
    config: 'production',
    host: 'example.com',
    from: 'other',
    registryOnly: true,
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: 'production: the second port of a name',
    config: 'production',
    host: 'github.com:8443',
    from: 'shop',
    verdict: 'allowed',
    by: 'github.com',
  },
  {
    name: 'production: a name on a port it is not listed for',
    config: 'production',
    host: 'api.github.com:8443',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },

  // Teams (testdata/teams): a team's names from its namespaces only.
  {
    name: 'teams: the shared list from the shared namespace',
    config: 'teams',
    host: 'en.wikipedia.org',
    from: 'shop',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: "teams: another team's name is not even exported to the shared namespace",
    config: 'teams',
    host: 'api.stripe.com',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: "teams: another team's wildcard, same",
    config: 'teams',
    host: 'www.paypal.com',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: "teams: a team's name from its own namespace: one chain per name on 443, to its lane",
    config: 'teams',
    host: 'api.stripe.com',
    from: 'payments',
    verdict: 'allowed',
    by: 'api.stripe.com',
  },
  {
    name: 'teams: the shared list from a team namespace, same listener',
    config: 'teams',
    host: 'en.wikipedia.org',
    from: 'payments',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: "teams: a team's name on its own port (one chain there)",
    config: 'teams',
    host: 'github.com:8443',
    from: 'ci',
    verdict: 'allowed',
    by: 'github.com',
  },
  {
    name: "teams: a team's port from the shared namespace: not imported",
    config: 'teams',
    host: 'github.com:8443',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: "teams: a team's name from a namespace outside every scope: not exported there (mesh-wide REGISTRY_ONLY)",
    config: 'teams',
    host: 'registry.npmjs.org',
    from: 'other',
    registryOnly: true,
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: "teams: a team's port from a namespace outside every scope: not exported there (mesh-wide REGISTRY_ONLY)",
    config: 'teams',
    host: 'github.com:8443',
    from: 'other',
    registryOnly: true,
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: 'teams: a namespace outside every scope, without REGISTRY_ONLY, is not locked down',
    config: 'teams',
    host: 'registry.npmjs.org',
    from: 'other',
    verdict: 'passthrough',
    by: 'sidecar',
  },

  // NetworkPolicies without Sidecars: what leaves from the pod meets them.
  {
    name: 'network: a listed name goes through the gateway, a cluster pod',
    config: 'networkOnly',
    host: 'en.wikipedia.org',
    from: 'shop',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: 'network: an unlisted name is stopped by the NetworkPolicy',
    config: 'networkOnly',
    host: 'example.com',
    from: 'shop',
    verdict: 'refused',
    by: 'network',
  },
  {
    name: 'network: a public range the policy admits keeps PassthroughCluster open',
    config: 'networkCidr',
    host: 'example.com',
    from: 'shop',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'network: a namespace the policies do not cover',
    config: 'networkOnly',
    host: 'example.com',
    from: 'other',
    verdict: 'passthrough',
    by: 'sidecar',
  },

  // Sidecar mode (DYNAMIC_DNS ServiceEntries, no gateway).
  {
    name: 'sidecar mode: a wildcard exported to the namespace',
    config: 'nativeSidecar',
    mode: 'sidecar',
    host: 'en.wikipedia.org',
    from: 'shop',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: 'sidecar mode: an exact name (DNS)',
    config: 'nativeSidecar',
    mode: 'sidecar',
    host: 'api.github.com',
    from: 'shop',
    verdict: 'allowed',
    by: 'api.github.com',
  },
  {
    name: 'sidecar mode: the apex',
    config: 'nativeSidecar',
    mode: 'sidecar',
    host: 'wikipedia.org',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: "sidecar mode: another team's name is not exported here",
    config: 'nativeSidecar',
    mode: 'sidecar',
    host: 'api.stripe.com',
    from: 'shop',
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: "sidecar mode: the team's own name",
    config: 'nativeSidecar',
    mode: 'sidecar',
    host: 'api.stripe.com',
    from: 'payments',
    verdict: 'allowed',
    by: 'api.stripe.com',
  },
  {
    name: 'sidecar mode: an unlisted name from a namespace without Sidecar',
    config: 'nativeSidecar',
    mode: 'sidecar',
    host: 'example.com',
    verdict: 'passthrough',
    by: 'sidecar',
  },

  // Waypoint mode (ambient: ztunnel ignores exportTo and REGISTRY_ONLY).
  {
    name: 'waypoint mode: a wildcard bound to the waypoint',
    config: 'nativeWaypoint',
    mode: 'waypoint',
    host: 'de.wikipedia.org',
    from: 'shop',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: "waypoint mode: another team's name reaches the waypoint, its policy refuses",
    config: 'nativeWaypoint',
    mode: 'waypoint',
    host: 'api.stripe.com',
    from: 'shop',
    verdict: 'refused',
    by: 'authorization',
  },
  {
    name: 'waypoint mode: a port the ServiceEntry lacks',
    config: 'nativeWaypoint',
    mode: 'waypoint',
    host: 'api.stripe.com:8443',
    from: 'payments',
    verdict: 'refused',
    by: 'service',
  },
  {
    name: 'waypoint mode: an unlisted name meets the NetworkPolicy',
    config: 'nativeWaypoint',
    mode: 'waypoint',
    host: 'example.com',
    from: 'shop',
    verdict: 'refused',
    by: 'network',
  },
  {
    name: 'waypoint mode: an unlisted name from an uncovered namespace leaves directly',
    config: 'nativeWaypoint',
    mode: 'waypoint',
    host: 'example.com',
    verdict: 'passthrough',
    by: 'dns',
  },
];

let citations = 0;
/**
 * Layouts written by others (testdata/explain/real-*.yaml: Istio's own egress
 * gateway tasks on its stock gateway, the post's forwarder on that gateway,
 * common mistakes): --manifests must decide them as Istio would.
 */
interface LayoutRow {
  name: string;
  layout: string;
  host: string;
  from?: string;
  registryOnly?: boolean;
  verdict: Verdict;
  by: string;
}

const LAYOUT_ROWS: LayoutRow[] = [
  {
    name: "a stock gateway Service 443→8443 and a Gateway server on 443: istiod listens on 8443, the post's forwarder takes it",
    layout: 'real-stock-wildcard.yaml',
    host: 'en.wikipedia.org',
    verdict: 'allowed',
    by: '*.wikipedia.org',
  },
  {
    name: "Istio's TLS egress task: the stock gateway passes edition.cnn.com through by SNI",
    layout: 'real-istio-tls.yaml',
    host: 'edition.cnn.com',
    verdict: 'allowed',
    by: 'edition.cnn.com',
  },
  {
    name: "Istio's HTTP egress task: a port-80 host routed to the gateway by an http route is no bypass",
    layout: 'real-istio-http.yaml',
    host: 'edition.cnn.com:80',
    verdict: 'allowed',
    by: 'edition.cnn.com',
  },
  {
    name: "the application namespace's NetworkPolicy admits the gateway's namespace by label",
    layout: 'real-istio-netpol.yaml',
    host: 'edition.cnn.com',
    from: 'test-egress',
    verdict: 'allowed',
    by: 'edition.cnn.com',
  },
  {
    name: "the application namespace's NetworkPolicy does not let the sidecar reach the gateway pods",
    layout: 'real-istio-netpol.yaml',
    host: 'edition.cnn.com',
    from: 'shop',
    verdict: 'refused',
    by: 'network',
  },
  {
    name: 'a gateway whose Service is not among the manifests: unknown, not refused',
    layout: 'real-istio-no-service.yaml',
    host: 'edition.cnn.com',
    verdict: 'unknown',
    by: 'gateway',
  },
  {
    name: 'a wildcard in a resolution DNS ServiceEntry is refused by istiod: the name is unlisted',
    layout: 'real-dns-wildcard.yaml',
    host: 'en.wikipedia.org',
    verdict: 'passthrough',
    by: 'sidecar',
  },
  {
    name: 'a wildcard in a resolution DNS ServiceEntry, under mesh-wide REGISTRY_ONLY',
    layout: 'real-dns-wildcard.yaml',
    host: 'en.wikipedia.org',
    registryOnly: true,
    verdict: 'refused',
    by: 'sidecar',
  },
  {
    name: 'an exact name with resolution DNS beside it stays valid',
    layout: 'real-dns-wildcard.yaml',
    host: 'api.github.com',
    verdict: 'allowed',
    by: 'api.github.com',
  },
  {
    name: 'a mesh route kept to labelled pods: every other pod bypasses the gateway',
    layout: 'real-istio-source-labels.yaml',
    host: 'edition.cnn.com',
    verdict: 'bypass',
    by: 'route',
  },
];

const rendered = new Map<ConfigName, string>();
const manifestsOf = (row: Row) => {
  if (!rendered.has(row.config)) rendered.set(row.config, renderStackText(CONFIGS[row.config]));
  return rendered.get(row.config)!;
};

function expectRow(row: Pick<Row, 'verdict' | 'by'>, a: Answer): void {
  expect(a.verdict).toBe(row.verdict);
  // Only a refusal's nearest entry may say the path to it was refused.
  if (row.verdict !== 'refused') expect(a.nearest ?? '').not.toContain('refused');
  expect(a.exitCode).toBe(row.verdict === 'allowed' ? 0 : 1);
  if (row.verdict === 'allowed') {
    const value = a.rule ?? '';
    const check = normalizeDomain(value);
    expect(check.ok ? check.domain : value).toBe(row.by);
  } else {
    expect(a.layer).toBe(row.by);
  }
}

describe('explain: the decision table', () => {
  it('has at least 40 rows, each named once', () => {
    const all = [...ROWS, ...LAYOUT_ROWS];
    expect(all.length).toBeGreaterThanOrEqual(50);
    expect(new Set(all.map((r) => r.name)).size).toBe(all.length);
  });

  for (const row of ROWS) {
    const ask = {
      ...(row.from ? { from: row.from } : {}),
      ...(row.registryOnly ? { registryOnly: true } : {}),
    };
    it(`${row.name} (--config: the same steps as --manifests on the render, every citation in the render)`, () => {
      const config = CONFIGS[row.config];
      const fromConfig = explainConfig(config, row.host, ask);
      expectRow(row, fromConfig);
      const fromManifests = explainManifests(manifestsOf(row), row.host, ask);
      expect(fromConfig.steps).toEqual(fromManifests.steps);
      expect(fromConfig.mode).toBe(fromManifests.mode);
      expect(fromConfig.nearest).toBe(fromManifests.nearest);
      citations += expectCitationsExist(fromConfig, renderedObjects(config), parse(config));
      // The admitting entry is the config's own line.
      if (row.verdict === 'allowed')
        expect(fromConfig.ruleRef?.resource).toMatch(/^(DomainList|ConfigMap) /);
    });
    it(`${row.name} (--manifests)`, () => {
      expectRow(row, explainManifests(manifestsOf(row), row.host, ask));
      if (row.mode) expectRow(row, explainManifests(HAND_WRITTEN[row.mode], row.host, ask));
    });
  }

  for (const row of LAYOUT_ROWS) {
    it(`${row.name} (--manifests, ${row.layout})`, () => {
      const a = explainManifests(fixture(row.layout), row.host, {
        ...(row.from ? { from: row.from } : {}),
        ...(row.registryOnly ? { registryOnly: true } : {}),
      });
      expectRow(row, a);
      expect(expectCitationsExist(a, manifestObjects(fixture(row.layout)))).toBeGreaterThan(0);
    });
  }

  it('the --config rows cited resources and fields, all found in the render', () => {
    expect(citations).toBeGreaterThan(ROWS.length * 2);
  });

  it('--config names the line of the lane that admitted the name: the shared list, or the team, ports included', () => {
    const config = `apiVersion: wildcard-egress.dev/v1alpha1
kind: DomainList
metadata:
  name: egress
spec:
  domains: ["*.wikipedia.org", api.github.com]
  production:
    recommended: true
    namespaces: [shop]
    teams:
    - name: payments
      namespaces: [payments]
      domains: [api.stripe.com, {name: api.github.com, ports: [443, 8443]}]
`;
    const line = (host: string, from: string) => explainConfig(config, host, { from }).ruleRef;
    expect(line('api.github.com', 'shop')).toEqual({
      resource: 'DomainList egress',
      field: 'spec.domains[1]',
      value: 'api.github.com',
    });
    for (const host of ['api.github.com', 'api.github.com:8443'])
      expect(line(host, 'payments')).toEqual({
        resource: 'DomainList egress',
        field: 'spec.production.teams[0].domains[1].name',
        value: 'api.github.com',
      });
  });

  it('a refusal names the nearest entry and why it did not match', () => {
    const stack = manifestsOf(ROWS[0]);
    expect(explainManifests(stack, 'wikipedia.org').nearest).toBe(
      '*.wikipedia.org matches names under wikipedia.org, never the apex wikipedia.org itself: list wikipedia.org as well',
    );
    expect(explainManifests(stack, 'api.github.com:8443').nearest).toBe(
      'api.github.com matches api.github.com but is served on port 443, not 8443',
    );
    expect(explainConfig(CONFIGS.basic, 'raw.api.github.com').nearest).toBe(
      'api.github.com is an exact name: it does not admit raw.api.github.com under it (a wildcard *.api.github.com would)',
    );
    const stripe = explainConfig(CONFIGS.teams, 'api.stripe.com', { from: 'shop' });
    expect(stripe.nearest).toBe(
      "api.stripe.com matches api.stripe.com but is for the namespaces the gateway's AuthorizationPolicy admits on its port 8446, which shop is not among",
    );
    // --config names the entry by its config line: the team's.
    expect(stripe.nearestRef).toMatchObject({
      resource: 'DomainList egress',
      field: 'spec.production.teams[0].domains[0]',
      value: 'api.stripe.com',
    });
  });
});
