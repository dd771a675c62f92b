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

  const renderSidecar = (extra: string) => {
    const config = readFileSync(`${ROOT}testdata/fqdn-cilium-sidecar/config.yaml`, 'utf8').replace(
      '  production:\n',
      `  production:\n${extra}`,
    );
    const out = runFunction(resourceList([], config));
    expect(out.exitCode).toBe(0);
    return cnps(parseOutput(out.stdout).items).filter((i) => i.metadata.name === 'wildcard-egress');
  };
  const denied = (p: Item) =>
    (p.spec.egressDeny ?? []).flatMap((d: Item) => d.toCIDRSet.map((c: Item) => c.cidr));
  const deniedPorts = (p: Item) =>
    (p.spec.egressDeny ?? []).flatMap((d: Item) =>
      d.toPorts.flatMap((t: Item) => t.ports.map((x: Item) => x.port)),
    );

  it('sidecar mode: a listed name that resolves to a private, link-local, loopback or cluster address is never dialled (egressDeny, as the gateway)', () => {
    const policies = renderSidecar('    clusterCIDRs: [10.96.0.0/12]\n');
    expect(policies.map((p) => p.metadata.namespace).sort()).toEqual(['payments', 'shop']);
    for (const p of policies) {
      expect(denied(p)).toEqual(
        expect.arrayContaining([
          '10.0.0.0/8',
          '172.16.0.0/12',
          '192.168.0.0/16',
          '169.254.0.0/16',
          '100.64.0.0/10',
          '0.0.0.0/8',
          '127.0.0.0/8',
          '10.96.0.0/12',
        ]),
      );
      // On the ports toFQDNs opens, and only there.
      const opened = p.spec.egress
        .filter((r: Item) => r.toFQDNs)
        .flatMap((r: Item) => r.toPorts.flatMap((t: Item) => t.ports.map((x: Item) => x.port)));
      expect(new Set(deniedPorts(p))).toEqual(new Set(opened));
    }
    // The gateway's and the waypoint's policies already had it.
    for (const name of ['fqdn-cilium-gateway', 'fqdn-cilium-waypoint']) {
      const c = goldenCases().find((x) => x.name === name)!;
      const fwd = cnps(parse(expectedOf(c)).items).filter(
        (i) => i.metadata.namespace === 'istio-egress',
      );
      expect(fwd.length).toBeGreaterThan(0);
      for (const p of fwd.filter((i) => i.spec.egress.some((r: Item) => r.toFQDNs)))
        expect(denied(p)).toEqual(expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16']));
    }
  });

  it('sidecar mode keeps IPv6 closed on the upstream ports unless dualStackCapture says the mesh captures it', () => {
    for (const p of renderSidecar('')) {
      expect(denied(p)).toContain('::/0');
      expect(deniedPorts(p)).toContain('443');
    }
    for (const p of renderSidecar('    dualStackCapture: true\n')) {
      expect(denied(p)).not.toContain('::/0');
      expect(denied(p)).toEqual(expect.arrayContaining(['fc00::/7', 'fe80::/10', '::1/128']));
    }
  });

  it("egressCIDRs inside a denied range stay reachable: carved out of the deny where their ports meet the deny's", () => {
    const [shop] = renderSidecar(
      '    egressCIDRs: [{cidr: 10.0.0.1/32, ports: [443]}, {cidr: 10.1.0.0/16, ports: [6443]}, 172.16.0.0/12, {cidr: "fd00::1/128"}]\n',
    );
    const sets = shop.spec.egressDeny.flatMap((d: Item) => d.toCIDRSet);
    expect(sets.find((c: Item) => c.cidr === '10.0.0.0/8')).toEqual({
      cidr: '10.0.0.0/8',
      except: ['10.0.0.1/32'],
    });
    // All ports: the whole range is the config's to open.
    expect(denied(shop)).not.toContain('172.16.0.0/12');
    expect(sets.find((c: Item) => c.cidr === '::/0')).toEqual({
      cidr: '::/0',
      except: ['fd00::1/128'],
    });
    for (const item of [shop]) expect(ciliumProblems(item)).toEqual([]);
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
