import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { ofKind, parseOutput, resourceList, ROOT } from './helpers.js';
import { allProblems, wiringProblems } from './support/istio-rules.js';
import { lockdownProblems } from './support/lockdown-rules.js';

/** Renders a golden case's config with no items; a failed render throws (inside the test that asked). */
function renderCase(name: string) {
  const out = runFunction(
    resourceList([], readFileSync(`${ROOT}testdata/${name}/config.yaml`, 'utf8')),
  );
  if (out.exitCode !== 0) throw new Error(`testdata/${name} failed to render:\n${out.stderr}`);
  return parseOutput(out.stdout);
}

const listenerOf = (ef: any, name: string) =>
  ef.spec.configPatches.find((p: any) => p.applyTo === 'LISTENER' && p.patch.value.name === name)
    ?.patch.value;

describe('a domain on port 8443', () => {
  let out: ReturnType<typeof renderCase>;
  let svc: any, gw: any, vs: any, ef: any;
  beforeAll(() => {
    out = renderCase('port-8443');
    [svc] = ofKind(out, 'Service');
    [gw] = ofKind(out, 'Gateway');
    [vs] = ofKind(out, 'VirtualService');
    [ef] = ofKind(out, 'EnvoyFilter');
  });

  it('gets its own gateway port, Service port and Gateway server; the post lane keeps 443 → 8443', () => {
    expect(svc!.spec.ports).toEqual([
      { port: 443, name: 'tls-egress', targetPort: 8443 },
      { port: 8444, name: 'tls-egress-8443', targetPort: 8444 },
    ]);
    expect(gw!.spec.servers.map((s: any) => [s.port.number, s.port.name])).toEqual([
      [8443, 'tls-egress'],
      [8444, 'tls-egress-8443'],
    ]);
  });

  it('gets a tls route matching port 8443 with only its names, sent to its Service port', () => {
    expect(
      vs!.spec.tls.map((t: any) => [
        t.match[0].port,
        t.match[0].sniHosts,
        t.route[0].destination.port.number,
      ]),
    ).toEqual([
      [443, ['api.example.com', '*.wikipedia.org'], 443],
      [8443, ['api.example.com'], 8444],
    ]);
  });

  it('gets a ServiceEntry of its own for its two ports; the names on 443 only keep a ServiceEntry with 443 only', () => {
    expect(
      ofKind(out, 'ServiceEntry').map((se) => [
        se.metadata.name,
        se.spec.hosts,
        se.spec.ports.map((p: any) => `${p.name}/${p.number}`),
      ]),
    ).toEqual([
      ['wildcard', ['*.wikipedia.org'], ['tls/443']],
      ['wildcard-ports-443-8443', ['api.example.com'], ['tls/443', 'tls-8443/8443']],
    ]);
  });

  it('gets an internal listener whose port_value is 8443, patched in on its gateway port', () => {
    const listener = listenerOf(ef, 'sni_listener_8443');
    expect(listener.filter_chains[0].filter_chain_match.server_names).toEqual(['api.example.com']);
    expect(listener.filter_chains[0].filters[0].typed_config.port_value).toBe(8443);
    const merges = ef!.spec.configPatches.filter((p: any) => p.applyTo === 'NETWORK_FILTER');
    expect(
      merges.map((m: any) => [m.match.listener.portNumber, m.patch.value.typed_config.cluster]),
    ).toEqual([
      [8443, 'sni_cluster'],
      [8444, 'sni_cluster_8443'],
    ]);
  });

  it('passes the Envoy proto, Istio schema and wiring checks', () => {
    expect(allProblems(out.items)).toEqual([]);
    expect(wiringProblems(out.items)).toEqual([]);
    expect(lockdownProblems(out.items)).toEqual([]);
  });
});

describe('two teams', () => {
  let out: ReturnType<typeof renderCase>;
  let sidecars: Record<string, string[]>;
  beforeAll(() => {
    out = renderCase('teams');
    sidecars = Object.fromEntries(
      ofKind(out, 'Sidecar').map((s) => [
        s.metadata.namespace,
        s.spec.egress[0].hosts.filter((h: string) => h.startsWith('istio-system/')),
      ]),
    );
  });

  it('keeps each team to its own domains at the sidecar', () => {
    expect(sidecars).toEqual({
      shop: ['istio-system/*.wikipedia.org'],
      payments: ['istio-system/*.paypal.com', 'istio-system/api.stripe.com'],
      ci: ['istio-system/github.com', 'istio-system/*.npmjs.org'],
      release: ['istio-system/github.com', 'istio-system/*.npmjs.org'],
    });
  });

  it("routes each namespace's names once, to its own lanes: every route names its namespaces, no name is in two of a namespace's routes", () => {
    const [vs] = ofKind(out, 'VirtualService');
    const routes = vs.spec.tls.map((t: any) => ({
      from: t.match.map((m: any) => m.sourceNamespace ?? '*'),
      port: t.match[0].port,
      names: t.match[0].sniHosts,
    }));
    expect(routes).toEqual([
      { from: ['shop'], port: 443, names: ['*.wikipedia.org'] },
      { from: ['ci', 'release'], port: 443, names: ['github.com', '*.npmjs.org'] },
      { from: ['ci', 'release'], port: 8443, names: ['github.com'] },
      { from: ['payments'], port: 443, names: ['*.paypal.com', 'api.stripe.com'] },
    ]);
    expect(vs.spec.tls.map((t: any) => t.route[0].destination.port.number)).toEqual([
      443, 8444, 8445, 8446,
    ]);
  });

  it('exports each ServiceEntry only to the namespaces of the scopes that list its names', () => {
    expect(ofKind(out, 'ServiceEntry').map((se) => [se.metadata.name, se.spec.exportTo])).toEqual([
      ['wildcard', ['shop']],
      ['wildcard-builds', ['ci', 'release']],
      ['wildcard-builds-ports-443-8443', ['ci', 'release']],
      ['wildcard-payments', ['payments']],
    ]);
  });

  it('admits each team only on its own lanes at the gateway', () => {
    const [ap] = ofKind(out, 'AuthorizationPolicy');
    const [svc] = ofKind(out, 'Service');
    const laneOfPort = Object.fromEntries(svc.spec.ports.map((p: any) => [p.targetPort, p.name]));
    const ns = (r: any) => r.from[0].source.principals.map((p: string) => p.split('/')[2]);
    expect(ap.spec.rules.map((r: any) => [laneOfPort[r.to[0].operation.ports[0]], ns(r)])).toEqual([
      ['tls-egress', ['shop']],
      ['tls-egress-builds', ['ci', 'release']],
      ['tls-egress-builds-8443', ['ci', 'release']],
      ['tls-egress-payments', ['payments']],
    ]);
  });

  it('passes the Envoy proto, Istio schema and wiring checks', () => {
    expect(allProblems(out.items)).toEqual([]);
    expect(wiringProblems(out.items)).toEqual([]);
    expect(lockdownProblems(out.items)).toEqual([]);
  });

  it('refuses a team name used twice', () => {
    const cfg = readFileSync(`${ROOT}testdata/teams/config.yaml`, 'utf8').replace(
      'name: builds',
      'name: payments',
    );
    const r = runFunction(resourceList([], cfg));
    expect(r.exitCode).toBe(1);
    expect(parseOutput(r.stdout).results.map((x) => x.message)).toContain(
      'team name "payments" is used twice',
    );
  });
});

describe('the wiring check itself', () => {
  let out: ReturnType<typeof renderCase>;
  beforeAll(() => {
    out = renderCase('port-8443');
  });
  const broken: Record<string, [mutate: (items: any[]) => void, problem: RegExp]> = {
    'a Service port that leads to no Gateway server': [
      (items) => {
        items.find((i) => i.kind === 'Service').spec.ports[1].targetPort = 9999;
      },
      /Service targetPort 9999 is not a Gateway port/,
    ],
    'a listener with a name no route carries': [
      (items) => {
        listenerOf(
          items.find((i) => i.kind === 'EnvoyFilter'),
          'sni_listener_8443',
        ).filter_chains[0].filter_chain_match.server_names = ['x.org'];
      },
      /the lane forwards x\.org, which no route to it carries/,
    ],
    'a listener on the wrong upstream port': [
      (items) => {
        listenerOf(
          items.find((i) => i.kind === 'EnvoyFilter'),
          'sni_listener_8443',
        ).filter_chains[0].filters[0].typed_config.port_value = 443;
      },
      /port_value 443 is not the matched port 8443/,
    ],
    'a Gateway selector that selects nothing': [
      (items) => {
        items.find((i) => i.kind === 'Gateway').spec.selector = { istio: 'nothing' };
      },
      /Gateway selector does not select/,
    ],
  };
  for (const [name, [mutate, problem]] of Object.entries(broken)) {
    it(`finds ${name}`, () => {
      const items = structuredClone(out.items);
      mutate(items);
      expect(wiringProblems(items).join('\n')).toMatch(problem);
    });
  }
});
