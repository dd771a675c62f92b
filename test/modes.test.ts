import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import {
  documentSources,
  domainList,
  ofKind,
  parseOutput,
  readProjectFile,
  resourceList,
} from './helpers.js';
import { nativeProblems } from './support/native-rules.js';

/** One list, whichever forwarder the mesh has: spec.mode and spec.istioVersion. */

const owned = documentSources(readProjectFile('testdata/fixtures/post-owned.yaml'));

function run(items: readonly string[], domains: string[], extra: string) {
  const out = runFunction(resourceList([...items], domainList(domains, extra)));
  return {
    ...out,
    parsed: parseOutput(out.stdout),
    errors: parseOutput(out.stdout)
      .results.filter((r) => r.severity === 'error')
      .map((r) => r.message),
  };
}

describe('versions gate the modes, with an error naming the minimum', () => {
  const table: [extra: string, domains: string[], error: string | undefined][] = [
    [
      'mode: sidecar',
      ['*.a.example'],
      'mode sidecar (wildcard ServiceEntries with resolution DYNAMIC_DNS on sidecars) needs spec.istioVersion, at least "1.30"',
    ],
    [
      'mode: sidecar\nistioVersion: "1.29"',
      ['*.a.example'],
      'needs Istio 1.30 or later; spec.istioVersion is "1.29"',
    ],
    ['mode: sidecar\nistioVersion: "1.30"', ['*.a.example'], undefined],
    [
      'mode: waypoint\nistioVersion: "1.28"',
      ['*.a.example'],
      'mode waypoint with TLS names needs Istio 1.29 or later; spec.istioVersion is "1.28"',
    ],
    ['mode: waypoint\nistioVersion: "1.29"', ['*.a.example'], undefined],
    ['istioVersion: "1.21"', ['*.a.example'], 'value "1.21" must match pattern'],
    ['istioVersion: "1.32"', ['*.a.example'], 'value "1.32" must match pattern'],
    [
      'mode: egress',
      ['*.a.example'],
      'value "egress" must be one of egress-gateway, sidecar, waypoint',
    ],
  ];
  for (const [extra, domains, message] of table) {
    it(`${extra.replace('\n', ', ')}: ${message ? 'refused' : 'accepted'}`, () => {
      const r = run([], domains, extra);
      expect(r.exitCode).toBe(message ? 1 : 0);
      if (message) expect(r.errors.join('\n')).toContain(message);
    });
  }

  it('a port that mixes TLS and HTTP names is refused', () => {
    const cfg = domainList(
      [],
      'mode: sidecar\nistioVersion: "1.30"\ndomains: [{name: a.example, ports: [80], protocol: HTTP}, {name: b.example, ports: [80]}]',
    ).replace('  domains:\n', '');
    const out = runFunction(resourceList([], cfg));
    expect(out.exitCode).toBe(1);
    expect(
      parseOutput(out.stdout)
        .results.map((r) => r.message)
        .join('\n'),
    ).toContain('port 80 mixes TLS and HTTP names');
  });
});

describe('API versions follow istioVersion', () => {
  it("unset: the post's; set: v1 for networking and telemetry, v1alpha3 for the EnvoyFilter", () => {
    const versions = (extra: string) =>
      Object.fromEntries(
        run([], ['*.a.example'], extra).parsed.items.map((i) => [i.kind, i.apiVersion]),
      );
    expect(versions('')).toMatchObject({
      Gateway: 'networking.istio.io/v1alpha3',
      VirtualService: 'networking.istio.io/v1alpha3',
      ServiceEntry: 'networking.istio.io/v1alpha3',
      Telemetry: 'telemetry.istio.io/v1alpha1',
      EnvoyFilter: 'networking.istio.io/v1alpha3',
    });
    expect(versions('istioVersion: "1.22"')).toMatchObject({
      Gateway: 'networking.istio.io/v1',
      VirtualService: 'networking.istio.io/v1',
      DestinationRule: 'networking.istio.io/v1',
      ServiceEntry: 'networking.istio.io/v1',
      Telemetry: 'telemetry.istio.io/v1',
      EnvoyFilter: 'networking.istio.io/v1alpha3',
    });
  });
});

describe('switching mode on an owned install', () => {
  it('sidecar: the gateway side is removed (an info each), the ServiceEntry becomes native in place', () => {
    const r = run(owned, ['*.wikipedia.org'], 'mode: sidecar\nistioVersion: "1.30"');
    expect(r.exitCode).toBe(0);
    expect(r.parsed.items.map((i) => i.kind)).toEqual(['ServiceEntry', 'Telemetry']);
    expect(ofKind(r.parsed, 'ServiceEntry')[0].spec).toEqual({
      hosts: ['*.wikipedia.org'],
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
      location: 'MESH_EXTERNAL',
      resolution: 'DYNAMIC_DNS',
    });
    expect(
      r.parsed.results
        .filter((x) => x.message.startsWith('removed'))
        .map(
          (x) => `removed ${x.resourceRef.kind}/${x.resourceRef.namespace}/${x.resourceRef.name}`,
        ),
    ).toEqual([
      'removed Service/istio-egress/egressgateway',
      'removed Deployment/istio-egress/istio-egressgateway',
      'removed Role/istio-egress/istio-egressgateway-sds',
      'removed RoleBinding/istio-egress/istio-egressgateway-sds',
      'removed Gateway/istio-system/egressgateway',
      'removed VirtualService/istio-system/direct-wildcard-through-egress-gateway',
      'removed DestinationRule/istio-system/egressgateway',
      'removed EnvoyFilter/istio-system/sni-magic',
    ]);
    expect(nativeProblems(r.parsed.items, 30)).toEqual([]);
  });

  it('in check mode each resource the new mode does not need is an error, and nothing changes', () => {
    const r = run(owned, ['*.wikipedia.org'], 'mode: sidecar\nistioVersion: "1.30"\ncheck: true');
    expect(r.exitCode).toBe(1);
    expect(r.parsed.results).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        message: 'would be removed: the function rendered it and the config no longer needs it',
        resourceRef: expect.objectContaining({ kind: 'EnvoyFilter', name: 'sni-magic' }),
      }),
    );
    expect(r.parsed.items).toHaveLength(owned.length);
  });

  it("waypoint: a waypoint and bound ServiceEntries in the egress namespace, the routing namespace's ServiceEntry removed", () => {
    const r = run(owned, ['*.wikipedia.org'], 'mode: waypoint\nistioVersion: "1.30"');
    expect(r.exitCode).toBe(0);
    expect(r.parsed.items.map((i) => `${i.kind}/${i.metadata.namespace}`)).toEqual([
      'Telemetry/istio-system',
      'Gateway/istio-egress',
      'ServiceEntry/istio-egress',
    ]);
    expect(ofKind(r.parsed, 'ServiceEntry')[0].metadata.labels).toMatchObject({
      'istio.io/use-waypoint': 'waypoint',
    });
    expect(r.parsed.results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('ENABLE_WILDCARD_HOST_SERVICE_ENTRIES_FOR_TLS=true'),
      }),
    );
  });

  it('back to egress-gateway: the native resources go, the post stack comes back', () => {
    const native = run(owned, ['*.wikipedia.org'], 'mode: waypoint\nistioVersion: "1.30"').stdout;
    const docs = parseOutput(native).items.length;
    expect(docs).toBe(3);
    const again = runFunction(native.replace(/mode: waypoint/, 'mode: egress-gateway'));
    expect(again.exitCode).toBe(0);
    expect(
      parseOutput(again.stdout)
        .items.map((i) => i.kind)
        .sort(),
    ).toEqual([
      'Deployment',
      'DestinationRule',
      'EnvoyFilter',
      'Gateway',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceEntry',
      'Telemetry',
      'VirtualService',
    ]);
  });
});
