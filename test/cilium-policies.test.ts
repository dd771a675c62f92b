import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runFunction } from '../src/function/run-function.js';
import { parseOutput, resourceList, ROOT } from './helpers.js';
import { ciliumProblems } from './support/cilium-rules.js';
import { expectedOf, goldenCases } from './support/golden-cases.js';

type Item = Record<string, any>;

const cnps = (items: Item[]) => items.filter((i) => i.kind === 'CiliumNetworkPolicy');

describe('CiliumNetworkPolicies: Cilium CRD schema and agent checks', () => {
  const cases = goldenCases().filter((c) => c.exitCode === 0);
  const withCnp = cases.filter((c) => cnps(parse(expectedOf(c)).items ?? []).length > 0);

  it('golden cases in all three modes render CiliumNetworkPolicies', () => {
    const modes = new Set(
      withCnp.map(
        (c) => parse(readFileSync(`${c.dir}/config.yaml`, 'utf8')).spec.mode ?? 'egress-gateway',
      ),
    );
    expect([...modes].sort()).toEqual(['egress-gateway', 'sidecar', 'waypoint']);
  });

  for (const c of withCnp)
    it(`${c.name}: every CiliumNetworkPolicy passes the CRD schema and Cilium's Go checks, each under 256 KiB`, () => {
      for (const item of cnps(parse(expectedOf(c)).items)) {
        expect(ciliumProblems(item)).toEqual([]);
        expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(256 * 1024);
      }
    });

  it('fqdn-cilium-long: the long list is split over several objects per namespace, every name in exactly one', () => {
    const c = withCnp.find((x) => x.name === 'fqdn-cilium-long')!;
    const shop = cnps(parse(expectedOf(c)).items).filter((i) => i.metadata.namespace === 'shop');
    expect(shop.length).toBeGreaterThan(2);
    const fqdns = shop.flatMap((i) => i.spec.egress.flatMap((r: Item) => r.toFQDNs ?? []));
    const names = fqdns.map((s: Item) => s.matchName ?? s.matchPattern);
    expect(names.length).toBe(1060);
    expect(new Set(names).size).toBe(1060);
  });

  it('sidecar mode keeps IPv6 closed on the upstream ports unless dualStackCapture says the mesh captures it', () => {
    const render = (extra: string) => {
      const config = readFileSync(
        `${ROOT}testdata/fqdn-cilium-sidecar/config.yaml`,
        'utf8',
      ).replace('  production:\n', `  production:\n${extra}`);
      const out = runFunction(resourceList([], config));
      expect(out.exitCode).toBe(0);
      return cnps(parseOutput(out.stdout).items).filter(
        (i) => i.metadata.name === 'wildcard-egress',
      );
    };
    for (const p of render(''))
      expect(p.spec.egressDeny).toEqual([
        {
          toCIDRSet: [{ cidr: '::/0' }],
          toPorts: [{ ports: expect.arrayContaining([{ port: '443', protocol: 'TCP' }]) }],
        },
      ]);
    for (const p of render('    dualStackCapture: true\n'))
      expect(p.spec.egressDeny).toBeUndefined();
  });

  it('the checks refuse what Cilium refuses (so the passes above mean something)', () => {
    const base = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'x', namespace: 'shop' },
    };
    const bad = (spec: Item) => ciliumProblems({ ...base, spec }).join('\n');
    expect(
      bad({
        endpointSelector: {},
        egress: [{ toFQDNs: [{ matchName: 'a.com' }], toEndpoints: [{}] }],
      }),
    ).toMatch(/combining/);
    expect(
      bad({
        endpointSelector: {},
        egress: [
          {
            toEndpoints: [{}],
            toPorts: [
              {
                ports: Array.from({ length: 41 }, (_, i) => ({
                  port: String(i + 1),
                  protocol: 'TCP',
                })),
              },
            ],
          },
        ],
      }),
    ).toMatch(/more than 40 items/);
    expect(
      bad({
        endpointSelector: {},
        egress: [{ toEndpoints: [{}], toPorts: [{ rules: { dns: [{ matchPattern: '*' }] } }] }],
      }),
    ).toMatch(/port 53 must be specified/);
    expect(
      bad({ endpointSelector: {}, egress: [{ toFQDNs: [{ matchPattern: 'a b.com' }] }] }),
    ).toMatch(/pattern|Invalid characters/);
    expect(
      bad({
        endpointSelector: {},
        egressDeny: [{ toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }] }],
      }),
    ).toMatch(/does not contain/);
    expect(
      bad({ endpointSelector: {}, egressDeny: [{ toFQDNs: [{ matchName: 'a.com' }] }] }),
    ).toMatch(/must NOT have additional properties/);
    expect(bad({ endpointSelector: {} })).toMatch(
      /at least one of Ingress|required property 'egress'/,
    );
    expect(bad({ endpointSelector: {}, egress: [{ toEntities: ['internet'] }] })).toMatch(
      /entity|allowed values/,
    );
    expect(
      bad({
        endpointSelector: {},
        egress: [
          {
            toEndpoints: [{}],
            toPorts: [{ ports: [{ port: '80', protocol: 'UDP' }], rules: { http: [{}] } }],
          },
        ],
      }),
    ).toMatch(/TCP|rules/);
  });
});
