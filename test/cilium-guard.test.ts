import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { parseOutput, resourceList, ROOT } from './helpers.js';
import { admission, type AdmissionRequest } from './support/admission.js';

/**
 * Issue 24, the guard's part: Cilium's policy kinds, evaluated as CEL
 * (@bufbuild/cel) the way the API server runs the rendered
 * ValidatingAdmissionPolicies. A team's CiliumNetworkPolicy that allows
 * egress outside the cluster is refused (Cilium allows the union of every
 * policy, so it would undo the stack's); one that reaches only the
 * cluster's endpoints passes; the rendered ones change only through the
 * guard's admins; a CiliumClusterwideNetworkPolicy that opens egress is the
 * admins' alone.
 */

type Item = Record<string, any>;

const ADMIN = 'system:serviceaccount:argocd:argocd-application-controller';

function render(name: string): Item[] {
  const config = readFileSync(`${ROOT}testdata/${name}/config.yaml`, 'utf8').replace(
    '  production:\n',
    `  production:\n    guardAdmins: [system:masters, ${ADMIN}]\n`,
  );
  const out = runFunction(resourceList([], config));
  if (out.exitCode !== 0) throw new Error(out.stderr);
  return parseOutput(out.stdout).items;
}

const cnp = (namespace: string, egress: Item[], extra: Item = {}): Item => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'team', namespace },
  spec: { endpointSelector: {}, egress, ...extra },
});

const request = (object: Item, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  group: 'cilium.io',
  version: 'v2',
  kind: object.kind,
  resource:
    object.kind === 'CiliumNetworkPolicy'
      ? 'ciliumnetworkpolicies'
      : 'ciliumclusterwidenetworkpolicies',
  operation: 'CREATE',
  namespace: object.metadata.namespace ?? '',
  object,
  ...extra,
});

const refusals = (items: Item[], req: AdmissionRequest) =>
  admission(items, req)
    .map((r) => r.message)
    .join('\n');

const OPENING: [string, Item[]][] = [
  ['toCIDR 0.0.0.0/0', [{ toCIDR: ['0.0.0.0/0'] }]],
  ['toCIDRSet', [{ toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }] }]],
  [
    'toFQDNs of any name',
    [{ toFQDNs: [{ matchPattern: '*' }], toPorts: [{ ports: [{ port: '443' }] }] }],
  ],
  ['toEntities world', [{ toEntities: ['world'] }]],
  ['toEntities all', [{ toEntities: ['all'] }]],
  [
    'toServices (a Service without selector may point anywhere)',
    [{ toServices: [{ k8sService: { serviceName: 'x', namespace: 'shop' } }] }],
  ],
  [
    'a rule with ports and no destination',
    [{ toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }],
  ],
  ['an empty rule', [{}]],
  ['toNodes', [{ toNodes: [{}] }]],
];

describe('24 the guard and Cilium policies', () => {
  let items: Item[];
  beforeAll(() => {
    items = render('fqdn-cilium-sidecar');
  });

  for (const [what, egress] of OPENING) {
    it(`refuses a team's CiliumNetworkPolicy with ${what}, in spec and in specs`, () => {
      expect(refusals(items, request(cnp('shop', egress)))).toMatch(
        /CiliumNetworkPolicy here may allow egress only/,
      );
      const listed = {
        ...cnp('shop', []),
        spec: undefined,
        specs: [
          { endpointSelector: {}, egress: [{ toEndpoints: [{}] }] },
          { endpointSelector: {}, egress },
        ],
      };
      expect(refusals(items, request(listed))).toMatch(
        /CiliumNetworkPolicy here may allow egress only/,
      );
      // In a namespace nobody locks down too: it could relay.
      expect(refusals(items, request(cnp('team-probe', egress)))).toMatch(/may allow egress only/);
    });
  }

  it("admits a team's CiliumNetworkPolicy that reaches only the cluster's endpoints, and ingress-only ones", () => {
    const inCluster = cnp('shop', [
      {
        toEndpoints: [{ matchLabels: { app: 'db' } }],
        toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }],
      },
      // Not `cluster`: it holds the nodes, whose host-network processes forward (cilium-guard-peers.test.ts).
      { toEntities: ['kube-apiserver'] },
    ]);
    expect(refusals(items, request(inCluster))).toBe('');
    expect(
      refusals(
        items,
        request({
          ...cnp('shop', []),
          spec: { endpointSelector: {}, ingress: [{ fromEntities: ['world'] }] },
        }),
      ),
    ).toBe('');
  });

  it('admits the rendered CiliumNetworkPolicies when the guard admins apply them, refuses anyone else', () => {
    const rendered = items.filter((i) => i.kind === 'CiliumNetworkPolicy');
    expect(rendered.length).toBeGreaterThan(0);
    for (const r of rendered) {
      expect(refusals(items, request(r, { user: ADMIN }))).toBe('');
      // The sidecar-mode ones hold toFQDNs: written by anyone else, they are refused.
      if (r.spec.egress.some((e: Item) => e.toFQDNs))
        expect(refusals(items, request(r, { user: 'jane' }))).toMatch(/may allow egress only/);
    }
  });

  it('the rendered CiliumNetworkPolicies change or go only through the guard admins and the cluster controllers', () => {
    for (const r of items.filter((i) => i.kind === 'CiliumNetworkPolicy')) {
      for (const operation of ['UPDATE', 'DELETE'] as const) {
        const req = request(r, {
          operation,
          oldObject: r,
          ...(operation === 'DELETE' ? { object: undefined } : {}),
        });
        expect(refusals(items, { ...req, user: 'jane' })).toMatch(/only the guard's admins/);
        expect(refusals(items, { ...req, user: ADMIN })).toBe('');
        expect(
          refusals(items, {
            ...req,
            user: 'system:serviceaccount:kube-system:namespace-controller',
          }),
        ).toBe('');
      }
    }
    // A team's own CiliumNetworkPolicy stays the team's.
    const own = cnp('shop', [{ toEndpoints: [{}] }]);
    expect(
      refusals(items, request(own, { operation: 'DELETE', oldObject: own, object: undefined })),
    ).toBe('');
  });

  it('refuses a CiliumClusterwideNetworkPolicy that opens egress unless the guard admins write it', () => {
    const ccnp = (egress: Item[]) => ({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: { name: 'open' },
      spec: { endpointSelector: {}, egress },
    });
    expect(refusals(items, request(ccnp([{ toEntities: ['world'] }])))).toMatch(
      /CiliumClusterwideNetworkPolicy/,
    );
    expect(refusals(items, request(ccnp([{ toEntities: ['world'] }]), { user: ADMIN }))).toBe('');
    expect(refusals(items, request(ccnp([{ toEndpoints: [{}] }])))).toBe('');
  });

  it('the guard on Cilium kinds is rendered in every mode, with or without fqdnPolicies', () => {
    for (const name of ['production-recommended', 'mode-waypoint', 'fqdn-cilium-gateway']) {
      const rendered = render(name);
      expect(refusals(rendered, request(cnp('shop', [{ toEntities: ['world'] }])))).toMatch(
        /may allow egress only/,
      );
    }
  });
});
