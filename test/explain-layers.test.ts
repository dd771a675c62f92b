import { describe, expect, it } from 'vitest';
import { explainConfig, explainManifests, fixture } from './explain-harness.js';

/**
 * Manifests edited so that the layers disagree (testdata/explain/layers-*,
 * each rendered from layers-config.yaml and then changed in one place):
 * explain follows the connection to the layer that refuses and names it.
 */

const CONFIG = fixture('layers-config.yaml');

describe('explain: layers that disagree', () => {
  it('the rendered stack admits both names from shop (the baseline the edits break)', () => {
    expect(explainConfig(CONFIG, 'api.github.com', { from: 'shop' }).verdict).toBe('allowed');
    expect(explainConfig(CONFIG, 'en.wikipedia.org', { from: 'shop' }).verdict).toBe('allowed');
  });

  it('a name in the VirtualService but not in the listener: closed at the internal listener', () => {
    const a = explainManifests(fixture('layers-listener.yaml'), 'api.github.com', { from: 'shop' });
    expect(a.verdict).toBe('refused');
    expect(a.layer).toBe('listener');
    expect(a.steps.at(-1)!.detail).toBe(
      'internal listener sni_listener has no filter chain for api.github.com and no default chain: the connection is closed (NR)',
    );
    // The sidecar still sent it: the route step passed on the way.
    expect(a.steps.find((s) => s.layer === 'route')).toMatchObject({
      outcome: 'pass',
      value: 'api.github.com',
    });
  });

  it('a Sidecar that imports none of the names: blackholed at the sidecar', () => {
    const a = explainManifests(fixture('layers-sidecar-none.yaml'), 'api.github.com', {
      from: 'shop',
    });
    expect(a.verdict).toBe('refused');
    expect(a.layer).toBe('sidecar');
    expect(a.steps.at(-1)).toMatchObject({
      resource: 'Sidecar shop/wildcard-egress',
      field: 'spec.outboundTrafficPolicy.mode',
      value: 'REGISTRY_ONLY',
    });
  });

  it('a Sidecar that drops one name still imports the whole VirtualService through the other: the name goes out', () => {
    // Istio imports a VirtualService whole once any host matches (model/virtualservice.go), and the
    // every-namespace route's filter chain lists both names: dropping an import is no way to refuse a name.
    const a = explainManifests(fixture('layers-sidecar-partial.yaml'), 'api.github.com', {
      from: 'shop',
    });
    expect(a.verdict).toBe('allowed');
    expect(a.steps.some((s) => s.layer === 'service')).toBe(false);
  });

  it('an AuthorizationPolicy without the namespace: refused at the gateway, naming the policy', () => {
    const a = explainManifests(fixture('layers-authorization.yaml'), 'en.wikipedia.org', {
      from: 'shop',
    });
    expect(a.verdict).toBe('refused');
    expect(a.layer).toBe('authorization');
    expect(a.steps.at(-1)).toMatchObject({
      resource: 'AuthorizationPolicy istio-egress/istio-egressgateway',
      field: 'spec.rules',
    });
    expect(
      explainManifests(fixture('layers-authorization.yaml'), 'en.wikipedia.org', {
        from: 'billing',
      }).verdict,
    ).toBe('allowed');
  });

  it('a ServiceEntry port no route covers: bypass where nothing else stops it, refused where the NetworkPolicy does', () => {
    const other = explainManifests(fixture('layers-bypass.yaml'), 'en.wikipedia.org:8443');
    expect(other.verdict).toBe('bypass');
    expect(other.exitCode).toBe(1);
    expect(other.steps.at(-1)).toMatchObject({
      layer: 'route',
      resource: 'ServiceEntry istio-system/wildcard',
      value: '*.wikipedia.org',
    });
    const shop = explainManifests(fixture('layers-bypass.yaml'), 'en.wikipedia.org:8443', {
      from: 'shop',
    });
    expect(shop.verdict).toBe('refused');
    expect(shop.layer).toBe('network');
  });

  it('chained internal listeners: a name the first does not list is handed on through its default chain', () => {
    const chained = fixture('layers-chained.yaml');
    const wiki = explainManifests(chained, 'en.wikipedia.org', { from: 'shop' });
    expect(wiki.verdict).toBe('allowed');
    expect(wiki.rule).toBe('*.wikipedia.org');
    expect(wiki.steps.filter((s) => s.layer === 'listener').map((s) => s.resource)).toEqual([
      'EnvoyFilter istio-system/sni-magic',
      'EnvoyFilter istio-system/sni-magic-2',
    ]);
    const github = explainManifests(chained, 'api.github.com', { from: 'shop' });
    expect(github.verdict).toBe('allowed');
    expect(github.steps.filter((s) => s.layer === 'listener')).toHaveLength(1);
  });
});
