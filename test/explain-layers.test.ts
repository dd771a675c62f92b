import { describe, expect, it } from 'vitest';
import { explainConfig, explainManifests, fixture, renderStackText } from './explain-harness.js';

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

/**
 * Layouts written by others (testdata/explain/real-*.yaml), layer by layer:
 * what istiod does with each, as its source says (docs/explain.md, Sources).
 */
describe('explain: layouts written by others', () => {
  const ask = (layout: string, host: string, from?: string) =>
    explainManifests(fixture(layout), host, from ? { from } : {});
  const step = (a: ReturnType<typeof ask>, layer: string) => a.steps.find((s) => s.layer === layer);

  it("a Gateway server on the stock Service's port 443 is listened on at the pods' 8443 (resolvePorts)", () => {
    const a = ask('real-stock-wildcard.yaml', 'en.wikipedia.org');
    expect(step(a, 'gateway server')).toMatchObject({
      outcome: 'pass',
      resource: 'Gateway istio-system/istio-egressgateway',
      field: 'spec.servers[0].port',
      value: '443 TLS ISTIO_MUTUAL',
    });
    expect(step(a, 'gateway server')!.detail).toContain(
      'server port 443 is a port of Service istio-system/istio-egressgateway: istiod listens on its targetPort 8443 (resolvePorts)',
    );
    // A Service that opts out of the translation leaves the server on 443, where the pods do not listen.
    const optOut = fixture('real-stock-wildcard.yaml').replace(
      '  labels:\n    app: istio-egressgateway\n    istio: egressgateway\nspec:\n  type: ClusterIP',
      '  labels:\n    app: istio-egressgateway\n    istio: egressgateway\n    experimental.istio.io/disable-gateway-port-translation: "true"\nspec:\n  type: ClusterIP',
    );
    expect(optOut).not.toBe(fixture('real-stock-wildcard.yaml'));
    const refused = explainManifests(optOut, 'en.wikipedia.org');
    expect([refused.verdict, refused.layer]).toEqual(['refused', 'gateway server']);
  });

  it("a TLS PASSTHROUGH server: the gateway's own tls route picks the destination by SNI, resolved by its ServiceEntry", () => {
    const a = ask('real-istio-tls.yaml', 'edition.cnn.com');
    expect(step(a, 'gateway route')).toMatchObject({
      resource: 'VirtualService direct-cnn-through-egress-gateway',
      field: 'spec.tls[1].match[0].sniHosts[0]',
    });
    expect(a.steps.at(-1)).toMatchObject({
      layer: 'forwarder',
      resource: 'ServiceEntry cnn',
      detail: 'resolution DNS: the gateway resolves edition.cnn.com and dials port 443',
    });
    // A name the gateway's own routes do not list is closed there.
    const other = fixture('real-istio-tls.yaml').replace(
      '      - istio-egressgateway\n      port: 443\n      sniHosts:\n      - edition.cnn.com',
      '      - istio-egressgateway\n      port: 443\n      sniHosts:\n      - other.cnn.com',
    );
    expect(other).not.toBe(fixture('real-istio-tls.yaml'));
    const closed = explainManifests(other, 'edition.cnn.com');
    expect([closed.verdict, closed.layer]).toEqual(['refused', 'gateway route']);
    expect(closed.steps.at(-1)!.detail).toBe(
      'no VirtualService bound to this server routes edition.cnn.com on its port 443: the gateway closes the connection',
    );
  });

  it('an HTTP port: the mesh http route sends the Host to the gateway, whose http route sends it out', () => {
    const a = ask('real-istio-http.yaml', 'edition.cnn.com:80');
    expect(a.steps.filter((s) => s.layer === 'route' || s.layer === 'gateway route')).toMatchObject(
      [
        { resource: 'VirtualService direct-cnn-through-egress-gateway', field: 'spec.hosts[0]' },
        { resource: 'VirtualService direct-cnn-through-egress-gateway', field: 'spec.hosts[0]' },
      ],
    );
    expect(step(a, 'route')!.detail).toContain('spec.http[0] of this VirtualService sends');
    expect(step(a, 'gateway route')!.detail).toContain('spec.http[1] sends edition.cnn.com');
    expect(step(a, 'gateway')).toMatchObject({ value: '80 → 8080' });
  });

  it("the pod → gateway hop meets the client namespace's NetworkPolicy; a Namespace's labels it cannot see are unknown", () => {
    const admitted = ask('real-istio-netpol.yaml', 'edition.cnn.com', 'test-egress');
    expect(step(admitted, 'network')).toMatchObject({
      resource: 'NetworkPolicy test-egress/allow-egress-to-istio-system-and-kube-dns',
      field: 'spec.egress[1].to[0]',
    });
    const dropped = ask('real-istio-netpol.yaml', 'edition.cnn.com', 'shop');
    expect(dropped.steps.at(-1)!.detail).toBe(
      "the sidecar's connection to the gateway pods is dropped: no egress rule of shop admits the gateway pods (namespace istio-system) on port 8443",
    );
    const withoutNamespace = fixture('real-istio-netpol.yaml').replace(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n  labels:\n    istio: system\n---\n',
      '',
    );
    expect(withoutNamespace).not.toContain('kind: Namespace');
    const unknown = explainManifests(withoutNamespace, 'edition.cnn.com', { from: 'test-egress' });
    expect([unknown.verdict, unknown.layer]).toEqual(['unknown', 'network']);
    expect(unknown.steps.at(-1)!.detail).toContain(
      'selects namespaces by labels, and Namespace istio-system is not among the manifests: its labels are unknown',
    );
  });

  it('a gateway Service not among the manifests: unknown, naming what is missing, without a nearest entry', () => {
    const a = ask('real-istio-no-service.yaml', 'edition.cnn.com');
    expect(a.steps.at(-1)).toMatchObject({ outcome: 'unknown', layer: 'gateway' });
    expect(a.steps.at(-1)!.detail).toContain(
      'Service istio-system/istio-egressgateway is not among the manifests',
    );
    expect(a.nearest).toBeUndefined();
  });

  it('a resolution DNS ServiceEntry with a wildcard: explain says istiod refuses it and leaves it out', () => {
    const a = ask('real-dns-wildcard.yaml', 'en.wikipedia.org');
    expect(step(a, 'service')).toMatchObject({
      outcome: 'note',
      resource: 'ServiceEntry default/wikipedia',
      field: 'spec.hosts[0]',
    });
    expect(step(a, 'service')!.detail).toContain(
      "istiod's validation refuses this ServiceEntry: resolution DNS without endpoints takes exact names only",
    );
    // The same entry with endpoints is valid (istiod resolves the endpoints, not the host).
    const withEndpoints = fixture('real-dns-wildcard.yaml').replace(
      '  resolution: DNS\n  location: MESH_EXTERNAL\n---',
      '  resolution: DNS\n  location: MESH_EXTERNAL\n  endpoints:\n  - address: wikipedia.example.net\n---',
    );
    expect(explainManifests(withEndpoints, 'en.wikipedia.org').verdict).toBe('allowed');
  });

  it('a bypass names the route the connection missed, without saying it was refused', () => {
    const a = ask('real-istio-source-labels.yaml', 'edition.cnn.com');
    expect(step(a, 'route')).toMatchObject({
      outcome: 'note',
      field: 'spec.tls[0].match[0].sourceLabels',
    });
    expect(a.nearestRef).toMatchObject({ field: 'spec.tls[1].match[0].sniHosts[0]' });
    expect(a.nearest).toBe(
      'edition.cnn.com admits edition.cnn.com, but this connection never reaches it: it leaves by the path above, around the stack',
    );
  });

  it('an ingress Gateway beside a sidecar-mode stack does not make it egress-gateway mode', () => {
    const config = `apiVersion: wildcard-egress.dev/v1alpha1
kind: DomainList
metadata: {name: egress}
spec:
  mode: sidecar
  istioVersion: "1.31"
  domains: ["*.wikipedia.org"]
`;
    const ingress = `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: alpha, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;
    const stack = renderStackText(config);
    const alone = explainManifests(stack, 'en.wikipedia.org', { from: 'shop' });
    const beside = explainManifests(`${stack}${ingress}`, 'en.wikipedia.org', { from: 'shop' });
    expect([alone.mode, alone.verdict]).toEqual(['sidecar', 'allowed']);
    expect([beside.mode, beside.verdict]).toEqual(['sidecar', 'allowed']);
  });
});
