import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { parseOutput, resourceList, ROOT } from './helpers.js';
import { admission, type AdmissionRequest } from './support/admission.js';

/**
 * The guard on the peers of a team's Cilium policy, evaluated as CEL
 * (@bufbuild/cel) the way the API server runs it. Cilium adds the policy's
 * own namespace to a `toEndpoints` selector only when the selector names
 * no namespace and no reserved label (cilium/cilium
 * pkg/k8s/apis/cilium.io/utils/utils.go, getEndpointSelector), and reads
 * `$x`, `reserved:x` and `reserved.x` as reserved labels
 * (pkg/labels/labels.go, parseSource): such a selector reaches world, the
 * nodes, every address. A rule on the resolver's DNS port without DNS rules
 * is merged with the stack's DNS rule as "every name" (pkg/policy/rule.go,
 * mergePortProto and appendL7WildcardRule; pkg/fqdn/dnsproxy/proxy.go,
 * GeneratePattern): DNS tunnelling again.
 */

type Item = Record<string, any>;

function render(name: string, extra = ''): Item[] {
  const config = readFileSync(`${ROOT}testdata/${name}/config.yaml`, 'utf8').replace(
    '  production:\n',
    `  production:\n${extra}`,
  );
  const out = runFunction(resourceList([], config));
  if (out.exitCode !== 0) throw new Error(out.stderr);
  return parseOutput(out.stdout).items;
}

const cnp = (egress: Item[], namespace = 'shop'): Item => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'team', namespace },
  spec: { endpointSelector: {}, egress },
});

const request = (object: Item): AdmissionRequest => ({
  group: object.apiVersion.split('/')[0],
  version: 'v2',
  kind: object.kind,
  resource: `${object.kind.toLowerCase()}s`.replace(/ys$/, 'ies'),
  operation: 'CREATE',
  namespace: object.metadata.namespace,
  object,
});

const refusals = (items: Item[], object: Item) =>
  admission(items, request(object))
    .map((r) => r.message)
    .join('\n');

const to = (selector: Item, ports?: Item[]): Item[] => [
  { toEndpoints: [selector], ...(ports ? { toPorts: [{ ports }] } : {}) },
];
const KUBE_DNS = { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' };
const udp53 = [{ port: '53', protocol: 'UDP' }];

const OUTSIDE_THE_CLUSTER: [string, Item[]][] = [
  ['reserved:world', to({ matchLabels: { 'reserved:world': '' } })],
  ['$world (short form)', to({ matchLabels: { $world: '' } })],
  ['reserved.world (no colon)', to({ matchLabels: { 'reserved.world': '' } })],
  ['reserved:host', to({ matchLabels: { 'reserved:host': '' } })],
  ['reserved:remote-node', to({ matchLabels: { 'reserved:remote-node': '' } })],
  [
    'a reserved key in matchExpressions',
    to({ matchExpressions: [{ key: 'reserved:world-ipv4', operator: 'Exists' }] }),
  ],
  [
    'the namespace key with DoesNotExist (every identity without a namespace: world, nodes)',
    to({
      matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'DoesNotExist' }],
    }),
  ],
  [
    'the namespace key with NotIn (also true where the label is absent)',
    to({
      matchExpressions: [
        { key: 'io.kubernetes.pod.namespace', operator: 'NotIn', values: ['shop'] },
      ],
    }),
  ],
  [
    'the any: namespace key with DoesNotExist',
    to({
      matchExpressions: [{ key: 'any:io.kubernetes.pod.namespace', operator: 'DoesNotExist' }],
    }),
  ],
  [
    'a namespace-label key with DoesNotExist (Cilium then adds no namespace)',
    to({
      matchExpressions: [
        { key: 'k8s:io.cilium.k8s.namespace.labels.team', operator: 'DoesNotExist' },
      ],
    }),
  ],
  ['toEntities cluster (nodes included)', [{ toEntities: ['cluster'] }]],
  ['toEntities host', [{ toEntities: ['host'] }]],
  ['toEntities remote-node', [{ toEntities: ['remote-node'] }]],
  ['toEntities unmanaged', [{ toEntities: ['unmanaged'] }]],
  ['toEntities ingress (a proxy of its own)', [{ toEntities: ['ingress'] }]],
  [
    'a listener of a CiliumEnvoyConfig (its upstream may be anywhere)',
    [
      {
        toEndpoints: [{}],
        toPorts: [
          {
            ports: [{ port: '80', protocol: 'TCP' }],
            listener: { envoyConfig: { kind: 'CiliumEnvoyConfig', name: 'x' }, name: 'y' },
          },
        ],
      },
    ],
  ],
];

const DNS_AROUND_THE_RULES: [string, Item[]][] = [
  ['the resolver on 53 without DNS rules', to({ matchLabels: KUBE_DNS }, udp53)],
  [
    'the resolver on 53 with a DNS rule of its own (any name it likes)',
    [
      {
        toEndpoints: [{ matchLabels: KUBE_DNS }],
        toPorts: [{ ports: udp53, rules: { dns: [{ matchPattern: '*.tunnel.example' }] } }],
      },
    ],
  ],
  [
    'every pod on 53, any protocol',
    to({ matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' }] }, [
      { port: '53', protocol: 'ANY' },
    ]),
  ],
  [
    'a port range over 53',
    to({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }, [
      { port: '1', endPort: 1024, protocol: 'UDP' },
    ]),
  ],
  [
    'the namespace by its labels, on 53',
    to(
      {
        matchLabels: {
          'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'kube-system',
        },
      },
      udp53,
    ),
  ],
];

const IN_THE_CLUSTER: [string, Item[]][] = [
  ["the policy's own namespace, every port", to({})],
  [
    "the policy's own namespace on 53 (its pods' own upstream DNS meets their policy)",
    to({}, udp53),
  ],
  [
    'pods of another namespace on their port',
    to({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'billing', app: 'api' } }, [
      { port: '8080', protocol: 'TCP' },
    ]),
  ],
  [
    'every pod (namespace key Exists)',
    to({ matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' }] }),
  ],
  [
    'namespaces In a list, a named port',
    to(
      {
        matchExpressions: [
          {
            key: 'io.kubernetes.pod.namespace',
            operator: 'In',
            values: ['billing', 'kube-system'],
          },
        ],
      },
      [{ port: 'dns-tcp', protocol: 'TCP' }],
    ),
  ],
  [
    "the resolver's namespace without ports (Cilium keeps its DNS proxy on 53: the more specific port wins)",
    to({ matchLabels: KUBE_DNS }),
  ],
  ['the API server and health entities', [{ toEntities: ['kube-apiserver', 'health'] }]],
];

describe("the guard and a team's Cilium peers", () => {
  const items = render('fqdn-cilium-sidecar');

  for (const [what, egress] of OUTSIDE_THE_CLUSTER)
    it(`refuses a team's CiliumNetworkPolicy reaching ${what}`, () => {
      expect(refusals(items, cnp(egress))).toMatch(/may allow egress only/);
      // A clusterwide one by anyone but the guard's admins too.
      const ccnp: Item = {
        ...cnp(egress),
        kind: 'CiliumClusterwideNetworkPolicy',
        metadata: { name: 'team' },
      };
      expect(
        admission(items, { ...request(ccnp), namespace: '' })
          .map((r) => r.message)
          .join('\n'),
      ).toMatch(/CiliumClusterwideNetworkPolicy/);
    });

  for (const [what, egress] of DNS_AROUND_THE_RULES)
    it(`refuses a team's CiliumNetworkPolicy reaching ${what}`, () => {
      expect(refusals(items, cnp(egress))).toMatch(/DNS/);
    });

  for (const [what, egress] of IN_THE_CLUSTER)
    it(`admits a team's CiliumNetworkPolicy reaching ${what}`, () => {
      expect(refusals(items, cnp(egress))).toBe('');
    });

  it("the resolver's own ports count as DNS ports (OpenShift's 5353)", () => {
    const openshift = render(
      'fqdn-cilium-sidecar',
      '    dns: {namespace: openshift-dns, podSelector: {dns.operator.openshift.io/daemonset-dns: default}, ports: [5353]}\n',
    );
    const resolver = {
      matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'openshift-dns' },
    };
    expect(refusals(openshift, cnp(to(resolver, [{ port: '5353', protocol: 'UDP' }])))).toMatch(
      /DNS/,
    );
    expect(refusals(openshift, cnp(to(resolver, udp53)))).toMatch(/DNS/);
  });

  it("a team's NetworkPolicy to another namespace on the DNS port is refused with fqdnPolicies: cilium (Cilium merges it the same way)", () => {
    const np = (ports: Item[], peer: Item): Item => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'team', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [peer], ports }] },
    });
    const req = (o: Item): AdmissionRequest => ({
      group: 'networking.k8s.io',
      kind: 'NetworkPolicy',
      resource: 'networkpolicies',
      operation: 'CREATE',
      namespace: 'shop',
      object: o,
    });
    const dnsNs = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    };
    const refused = (list: Item[], o: Item) =>
      admission(list, req(o))
        .map((r) => r.message)
        .join('\n');
    expect(refused(items, np([{ port: 53, protocol: 'UDP' }], dnsNs))).toMatch(/DNS/);
    expect(refused(items, np([{ port: 1, endPort: 100, protocol: 'TCP' }], dnsNs))).toMatch(/DNS/);
    expect(refused(items, np([{ port: 53 }], { podSelector: {} }))).toBe('');
    expect(refused(items, np([{ port: 5432 }], dnsNs))).toBe('');
    expect(refused(items, np([{ port: 'dns' }], dnsNs))).toBe('');
    // Without Cilium's DNS rules there is nothing to widen: the NetworkPolicy layer never stopped tunnelling.
    const plain = render('production-recommended');
    expect(refused(plain, np([{ port: 53, protocol: 'UDP' }], dnsNs))).toBe('');
  });

  it('refuses CiliumEnvoyConfigs outside the stack, as EnvoyFilters (an Envoy listener may forward anywhere)', () => {
    const cec = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumEnvoyConfig',
      metadata: { name: 'relay', namespace: 'shop' },
      spec: { services: [{ name: 'api', namespace: 'shop' }], resources: [] },
    };
    expect(refusals(items, cec)).toMatch(/CiliumEnvoyConfig/);
    expect(refusals(render('production-recommended'), cec)).toMatch(/CiliumEnvoyConfig/);
  });
});
