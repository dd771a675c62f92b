import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { asEntry, domainList, ofKind, parseOutput, resourceList } from './helpers.js';

/**
 * Layouts like the seven of issue "No harm on real layouts": each run either
 * does what the user meant with every other byte kept, or exits 1 naming the
 * item and field and what to do.
 */

function run(items: readonly string[], config: string) {
  const out = runFunction(resourceList([...items], config));
  const parsed = parseOutput(out.stdout);
  const errors = parsed.results.filter((r) => r.severity === 'error');
  const warnings = parsed.results.filter((r) => r.severity === 'warning');
  return { ...out, parsed, errors, warnings };
}

/** The output items as documents again, for a later run. */
function again(stdout: string): string[] {
  const parsed = parseOutput(stdout);
  const body = stdout.slice(stdout.indexOf('items:\n') + 7, stdout.search(/^functionConfig:/m));
  const docs = body
    .split(/^- /m)
    .filter((x) => x !== '')
    .map((e) =>
      e
        .split('\n')
        .map((l) => (l.startsWith('  ') ? l.slice(2) : l))
        .join('\n'),
    );
  expect(docs).toHaveLength(parsed.items.length);
  return docs;
}

const LIST = ['*.wikipedia.org', 'api.github.com'];

const helmGateway = (ns: string) =>
  [
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: istio-egressgateway',
      ns,
      '  labels: {app: istio-egressgateway, istio: egressgateway}',
      'spec:',
      '  selector:',
      '    matchLabels: {istio: egressgateway}',
      '  template:',
      '    metadata:',
      '      labels: {app: istio-egressgateway, istio: egressgateway}',
      '    spec:',
      '      serviceAccountName: istio-egressgateway-service-account',
      '      containers:',
      '      - name: istio-proxy',
      '        image: docker.io/istio/proxyv2:1.4.3',
      '        args: [proxy, router, --domain, $(POD_NAMESPACE).svc.cluster.local]',
    ],
    [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata:',
      '  name: istio-egressgateway-sds',
      ns,
      'rules:',
      '- apiGroups: [""]',
      '  resources: ["secrets"]',
      '  verbs: ["get", "watch", "list"]',
    ],
    [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata:',
      '  name: istio-egressgateway-sds',
      ns,
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: istio-egressgateway-sds}',
      'subjects:',
      '- kind: ServiceAccount',
      '  name: istio-egressgateway-service-account',
    ],
  ].map((lines) => lines.filter((l) => l !== '').join('\n') + '\n');

describe('1. nothing of the user is taken over or removed', () => {
  it('an item without a namespace never matches the stack by name: the run fails naming metadata.namespace, items unchanged', () => {
    const items = helmGateway('');
    const out = run(items, domainList(LIST));
    expect(out.exitCode).toBe(1);
    expect(out.errors.map((r) => [r.resourceRef.kind, r.field.path])).toEqual([
      ['Deployment', 'metadata.namespace'],
      ['Role', 'metadata.namespace'],
      ['RoleBinding', 'metadata.namespace'],
    ]);
    expect(out.errors[0].message).toContain(
      'Write metadata.namespace: istio-egress on it to let the function fill its host places',
    );
    for (const doc of items) expect(out.stdout).toContain(asEntry(doc));
  });

  it('with generate: false the same items are simply left alone', () => {
    const items = helmGateway('');
    const out = run(items, domainList(LIST, 'generate: false'));
    expect(out.exitCode).toBe(0);
    for (const doc of items) expect(out.stdout).toContain(asEntry(doc));
  });

  it('adopted by full identity: its fields stay, but for the pod label the created Service selects; no later run (another mode, generate: false) removes it', () => {
    const items = helmGateway('  namespace: istio-egress');
    const first = run(items, domainList(LIST));
    expect(first.exitCode, first.stderr).toBe(0);
    // The one field written: the label the created Service, Gateway and EnvoyFilter select the gateway pods by.
    const labelled = items[0].replace(
      '      labels: {app: istio-egressgateway, istio: egressgateway}\n',
      '      labels: {app: istio-egressgateway, istio: egressgateway, wildcard-egress.dev/gateway: egressgateway}\n',
    );
    expect(labelled).not.toBe(items[0]);
    const kept = [labelled, items[1], items[2]];
    for (const doc of kept) expect(first.stdout).toContain(asEntry(doc));
    expect(
      first.parsed.results
        .filter((r) => r.resourceRef?.kind === 'Deployment')
        .map((r) => r.message),
    ).toEqual([
      expect.stringMatching(/^\{.*\} → \{.*"wildcard-egress\.dev\/gat/),
      expect.stringMatching(/^kept as written: \d+ field\(s\) differ/),
    ]);
    expect(ofKind(first.parsed, 'Deployment')).toHaveLength(1);
    for (const mode of ['mode: sidecar\nistioVersion: "1.31"', 'generate: false']) {
      const later = run(again(first.stdout), domainList(LIST, mode));
      expect(later.exitCode, later.stderr).toBe(0);
      for (const doc of kept) expect(later.stdout).toContain(asEntry(doc));
      // What the function created before (the Gateway, the EnvoyFilter…) goes in sidecar mode; the user's stays.
      const removed = later.parsed.results.filter((r) => r.message.startsWith('removed '));
      expect(removed.map((r) => r.resourceRef.kind)).not.toContain('Deployment');
      expect(removed.map((r) => r.resourceRef.kind)).not.toContain('Role');
    }
  });

  it('check mode fails on each field an adopted item keeps that differs from the render, naming the fields', () => {
    const first = run(helmGateway('  namespace: istio-egress'), domainList(LIST));
    const checked = run(again(first.stdout), domainList(LIST, 'check: true'));
    expect(checked.exitCode).toBe(1);
    expect(checked.errors.map((r) => r.resourceRef?.kind)).toEqual([
      'Deployment',
      'Role',
      'RoleBinding',
    ]);
    expect(checked.errors[0].message).toMatch(
      /^4 field\(s\) differ from what the function renders \(spec\.template\.metadata\.labels, .*spec\.template\.spec\.containers\[0\]\.image.*\); the item is yours, so runs keep them as written: .*wildcard-egress\.dev\/manage: all/,
    );
    expect(checked.errors[2].message).toMatch(/^1 field\(s\) differ .*\(subjects\[0\]\.name\)/);
    // The same items without check: the difference is an info, the run passes.
    expect(run(again(first.stdout), domainList(LIST)).exitCode).toBe(0);
  });

  it("a name the list drops from an adopted item's host place is a warning naming the field", () => {
    const se =
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: wildcard\n  namespace: istio-system\nspec:\n  hosts:\n  - internal-billing.corp.example   # partner API\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n  resolution: NONE\n  location: MESH_EXTERNAL\n';
    const out = run([se], domainList(LIST));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.warnings.map((w) => [w.resourceRef?.kind, w.field?.path, w.message])).toContainEqual(
      [
        'ServiceEntry',
        'spec.hosts',
        expect.stringMatching(
          /removed internal-billing\.corp\.example .*this item is yours and shares the stack's name/,
        ),
      ],
    );
  });

  it("the user's istio-system/mesh-default Telemetry is adopted, never removed by accessLogging: false", () => {
    const telemetry =
      'apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: mesh-default\n  namespace: istio-system\nspec:\n  tracing:\n  - randomSamplingPercentage: 1.0\n';
    const first = run([telemetry], domainList(LIST));
    expect(first.stdout).toContain(asEntry(telemetry));
    const later = run(again(first.stdout), domainList(LIST, 'accessLogging: false'));
    expect(later.exitCode).toBe(0);
    expect(later.stdout).toContain(asEntry(telemetry));
    expect(later.parsed.results.map((r) => r.message)).not.toContain(
      'removed Telemetry/istio-system/mesh-default: the config no longer needs it',
    );
  });

  it('an item another list created is an error naming both lists, not an adoption', () => {
    const other = run([], domainList(LIST, '', 'other-list'));
    const out = run(again(other.stdout), domainList(LIST));
    expect(out.exitCode).toBe(1);
    expect(out.errors[0].message).toContain(
      'was rendered for domain list "other-list", and this list ("egress") renders the same resource',
    );
  });
});

const vs = (name: string, spec: string) =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n  namespace: apps\n  annotations:\n    wildcard-egress.dev/domain-list: egress\nspec:\n${spec}`;

describe('2. per-destination routes are never merged into one list', () => {
  const perDestination = vs(
    'saas',
    [
      '  hosts: [api.dropboxapi.com, www.googleapis.com]',
      '  tls:',
      '  - match: [{port: 443, sniHosts: [api.dropboxapi.com]}]',
      '    route: [{destination: {host: api.dropboxapi.com, port: {number: 443}}}]',
      '  - match: [{port: 443, sniHosts: [www.googleapis.com]}]',
      '    route: [{destination: {host: www.googleapis.com, port: {number: 443}}}]',
      '',
    ].join('\n'),
  );

  it('an opted-in VirtualService routing each host to itself is refused, naming the route', () => {
    const out = run([perDestination], domainList(LIST, 'generate: false'));
    expect(out.exitCode).toBe(1);
    expect(out.errors.map((r) => r.field.path)).toEqual(['spec.tls[0].route']);
    expect(out.errors[0].message).toContain(
      'routes "api.dropboxapi.com" to "api.dropboxapi.com" itself',
    );
    expect(out.stdout).toContain(asEntry(perDestination));
  });

  it('an HTTP VirtualService sending its host to one upstream is refused: the list would go there too', () => {
    const http = vs(
      'httpbin',
      '  hosts: [httpbin.org]\n  http:\n  - route:\n    - destination: {host: httpbin.org}\n',
    );
    const out = run([http], domainList(LIST, 'generate: false'));
    expect(out.exitCode).toBe(1);
    expect(out.errors.map((r) => r.field.path)).toEqual(['spec.http[0].route']);
  });

  it('beside a route to a forwarder, a per-destination route is left as written (with a warning) and its host kept', () => {
    const mixed = vs(
      'mixed',
      [
        '  hosts: [api.dropboxapi.com, "*.wikipedia.org"]',
        '  tls:',
        '  - match: [{port: 443, sniHosts: [api.dropboxapi.com]}]',
        '    route: [{destination: {host: api.dropboxapi.com}}]',
        '  - match: [{port: 443, sniHosts: ["*.wikipedia.org"]}]',
        '    route: [{destination: {host: egressgateway.istio-egress.svc.cluster.local}}]',
        '',
      ].join('\n'),
    );
    const out = run([mixed], domainList(LIST, 'generate: false'));
    expect(out.exitCode, out.stderr).toBe(0);
    const [v] = ofKind(out.parsed, 'VirtualService');
    expect(v.spec.hosts).toEqual(['api.dropboxapi.com', '*.wikipedia.org', 'api.github.com']);
    expect(v.spec.tls[0].match[0].sniHosts).toEqual(['api.dropboxapi.com']);
    expect(v.spec.tls[1].match[0].sniHosts).toEqual(['*.wikipedia.org', 'api.github.com']);
    expect(out.warnings.map((r) => r.field.path)).toEqual(['spec.tls[0].route']);
  });

  it('two routes alike but to different forwarders are refused: istiod keeps the first', () => {
    const twins = vs(
      'twins',
      [
        '  hosts: ["*.wikipedia.org"]',
        '  tls:',
        '  - match: [{port: 443, sniHosts: ["*.wikipedia.org"]}]',
        '    route: [{destination: {host: gw-a.egress.svc.cluster.local}}]',
        '  - match: [{port: 443, sniHosts: ["*.wikipedia.org"]}]',
        '    route: [{destination: {host: gw-b.egress.svc.cluster.local}}]',
        '',
      ].join('\n'),
    );
    const out = run([twins], domainList(LIST, 'generate: false'));
    expect(out.exitCode).toBe(1);
    expect(out.errors[0].message).toContain('istiod keeps the first route for a name');
  });
});

const se = (spec: string) =>
  `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: external\n  namespace: apps\n  annotations:\n    wildcard-egress.dev/domain-list: egress\nspec:\n${spec}`;

describe('3 and 4. a ServiceEntry takes the list only where istiod accepts it and no port bypasses the forwarder', () => {
  it('resolution DNS cannot hold a wildcard: refused naming spec.resolution', () => {
    const dns = se(
      '  hosts: [api.github.com]\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: DNS\n',
    );
    const out = run([dns], domainList(LIST, 'generate: false'));
    expect(out.exitCode).toBe(1);
    expect(out.errors.map((r) => r.field.path)).toEqual(['spec.resolution']);
    expect(out.errors[0].message).toContain(
      'istiod refuses for a wildcard host such as "*.wikipedia.org"',
    );
    // With exact names only, DNS is fine.
    const exact = run([dns], domainList(['api.github.com', 'crates.io'], 'generate: false'));
    expect(exact.exitCode, exact.stderr).toBe(0);
  });

  it('a port the list does not route (80 beside 443) is a bypass: refused naming the port', () => {
    const ports = se(
      '  hosts: []\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 443, name: tls, protocol: TLS}\n  resolution: NONE\n',
    );
    const out = run([ports], domainList(LIST, 'generate: false'));
    expect(out.exitCode).toBe(1);
    expect(out.errors.map((r) => r.field.path)).toEqual(['spec.ports[0]']);
    expect(out.errors[0].message).toContain('(a bypass)');
  });

  it('a name listed on another port only is left out of a ServiceEntry for 443, with a note', () => {
    const one = se('  hosts: []\n  ports: [{number: 443, name: tls, protocol: TLS}]\n');
    const config = domainList(['*.wikipedia.org'], 'generate: false').replace(
      '  - "*.wikipedia.org"\n',
      '  - "*.wikipedia.org"\n  - {name: api.example.com, ports: [8443]}\n',
    );
    const out = run([one], config);
    expect(ofKind(out.parsed, 'ServiceEntry')[0].spec.hosts).toEqual(['*.wikipedia.org']);
    expect(out.parsed.results.map((r) => r.message)).toContain(
      'left out api.example.com: not listed on every port of this ServiceEntry (443)',
    );
  });
});

describe('7. the layout is recognised, and no second forwarder is added silently', () => {
  const perHost = [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    '  name: direct-cnn-through-egress-gateway',
    '  namespace: istio-system',
    'spec:',
    '  hosts: [edition.cnn.com]',
    '  gateways: [istio-egressgateway, mesh]',
    '  tls:',
    '  - match: [{gateways: [mesh], port: 443, sniHosts: [edition.cnn.com]}]',
    '    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: cnn, port: {number: 443}}}]',
    '  - match: [{gateways: [istio-egressgateway], port: 443, sniHosts: [edition.cnn.com]}]',
    '    route: [{destination: {host: edition.cnn.com, port: {number: 443}}, weight: 100}]',
    '',
  ].join('\n');

  it('a per-host egress gateway: the run fails naming its gateway route and what to do', () => {
    const out = run([perHost], domainList(LIST));
    expect(out.exitCode).toBe(1);
    expect(out.errors.map((r) => [r.resourceRef.name, r.field.path])).toEqual([
      ['direct-cnn-through-egress-gateway', 'spec.tls[1]'],
    ]);
    expect(out.errors[0].message).toContain(
      'a per-host egress gateway of your own; the run would add a second egress gateway (Deployment/istio-egress/istio-egressgateway) beside it',
    );
    expect(out.errors[0].message).toContain('spec.coexist: true');
  });

  it('with coexist: true the stack is added beside it, and a warning says so', () => {
    const out = run([perHost], domainList(LIST, 'coexist: true'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.warnings.map((r) => r.resourceRef?.name)).toContain(
      'direct-cnn-through-egress-gateway',
    );
    expect(out.stdout).toContain(asEntry(perHost));
  });

  it('opted in, a per-host gateway route is refused: the gateway would drop every other name', () => {
    const opted = perHost.replace(
      '  namespace: istio-system\n',
      '  namespace: istio-system\n  annotations:\n    wildcard-egress.dev/domain-list: egress\n',
    );
    const out = run([opted], domainList(LIST, 'generate: false'));
    expect(out.exitCode).toBe(1);
    expect(out.errors[0].field.path).toBe('spec.tls[1]');
    expect(out.errors[0].message).toContain('is a per-host egress gateway route');
  });

  const waypoint = [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: Gateway',
    'metadata:',
    '  name: egress-waypoint',
    '  namespace: egress',
    '  labels: {istio.io/waypoint-for: service}',
    'spec:',
    '  gatewayClassName: istio-waypoint',
    '  listeners: [{name: mesh, port: 15008, protocol: HBONE}]',
    '',
  ].join('\n');

  it('an ambient waypoint with the default mode: the run fails and names mode: waypoint', () => {
    const out = run([waypoint], domainList(LIST));
    expect(out.exitCode).toBe(1);
    expect(out.errors[0].field.path).toBe('spec.gatewayClassName');
    expect(out.errors[0].message).toContain(
      'Set spec.mode: waypoint to enforce the list on a waypoint',
    );
  });

  it('in waypoint mode, a waypoint of another name is not doubled silently', () => {
    const out = run([waypoint], domainList(LIST, 'mode: waypoint\nistioVersion: "1.31"'));
    expect(out.exitCode).toBe(1);
    expect(out.errors[0].message).toContain(
      'the run would add a second waypoint (Gateway/istio-egress/waypoint) beside it',
    );
  });

  it('a user SNI forward proxy that is not opted in: the run fails and says how to opt it in', () => {
    const ef = [
      'apiVersion: networking.istio.io/v1alpha3',
      'kind: EnvoyFilter',
      'metadata: {name: sni-proxy, namespace: istio-system}',
      'spec:',
      '  configPatches:',
      '  - applyTo: NETWORK_FILTER',
      '    patch:',
      '      operation: ADD',
      '      value: {name: envoy.filters.network.sni_dynamic_forward_proxy}',
      '',
    ].join('\n');
    const out = run([ef], domainList(LIST));
    expect(out.exitCode).toBe(1);
    expect(out.errors[0].message).toContain('annotate that EnvoyFilter');
  });

  it('a ServiceEntry of the user declaring a listed name is named in a warning', () => {
    const own =
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: github\n  namespace: apps\nspec:\n  hosts: [api.github.com]\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: DNS\n';
    const out = run([own], domainList(LIST));
    expect(out.exitCode).toBe(0);
    expect(out.warnings.map((r) => r.message)).toContain(
      "also declares api.github.com (resolution DNS): proxies may take its path to them rather than the stack's; remove them from it, or annotate it with wildcard-egress.dev/domain-list to let the function fill it",
    );
  });
});

describe("an adopted namespace Sidecar keeps the user's own imports", () => {
  const sidecar = [
    'apiVersion: networking.istio.io/v1',
    'kind: Sidecar',
    'metadata:',
    '  name: default',
    '  namespace: shop',
    'spec:',
    '  egress:',
    '  - hosts:',
    '    - "./*"',
    '    - "istio-system/grafana.istio-system.svc.cluster.local" # dashboards',
    '    - "istio-system/api.partner.example" # our own ServiceEntry',
    '    - "istio-system/old.example.com"',
    '',
  ].join('\n');
  const partner =
    'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: partner\n  namespace: istio-system\nspec:\n  hosts: [api.partner.example]\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: DNS\n';
  it('cluster names and names its own ServiceEntries declare stay; the stale list name goes; comments stay', () => {
    const out = run(
      [sidecar, partner],
      domainList(LIST, 'production:\n  sidecars: true\n  namespaces: [shop]'),
    );
    expect(out.exitCode, out.stderr).toBe(0);
    const [sc] = ofKind(out.parsed, 'Sidecar');
    expect(sc.spec.egress[0].hosts).toEqual([
      './*',
      'istio-system/grafana.istio-system.svc.cluster.local',
      'istio-system/api.partner.example',
      'istio-egress/egressgateway.istio-egress.svc.cluster.local',
      'istio-system/api.github.com',
      'istio-system/*.wikipedia.org',
    ]);
    expect(out.stdout).toContain('# dashboards');
    expect(out.stdout).toContain('# our own ServiceEntry');
    expect(JSON.stringify(sc)).not.toContain('old.example.com');
  });
});

describe('the mark of adoption', () => {
  const mine =
    'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: default\n  namespace: shop\nspec:\n  egress:\n  - hosts:\n    - "./*"\n';
  it('is written on a Sidecar the run adopts, and taken off once it no longer does; the Sidecar stays', () => {
    const on = run([mine], domainList(LIST, 'production:\n  sidecars: true\n  namespaces: [shop]'));
    expect(on.exitCode, on.stderr).toBe(0);
    expect(ofKind(on.parsed, 'Sidecar')[0].metadata.annotations).toEqual({
      'wildcard-egress.dev/adopted-by': 'egress',
    });
    const off = run(again(on.stdout), domainList(LIST));
    expect(off.exitCode, off.stderr).toBe(0);
    const [sc] = ofKind(off.parsed, 'Sidecar');
    expect(sc.metadata.name).toBe('default');
    expect(sc.metadata.annotations ?? {}).toEqual({});
    expect(off.parsed.results.map((r) => r.message)).toContain(
      '{"wildcard-egress.dev/adopted-by":"egress"} → (absent)',
    );
  });
});
