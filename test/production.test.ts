import { beforeAll, describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { domainList, ofKind, parseOutput, resourceList, withoutResults } from './helpers.js';
import { allProblems, wiringProblems } from './support/istio-rules.js';
import { lockdownProblems } from './support/lockdown-rules.js';

const DOMAINS = ['*.wikipedia.org', 'api.github.com'];

function render(production: string, domains = DOMAINS) {
  const out = runFunction(
    resourceList(
      [],
      domainList(
        domains,
        `production:\n${production
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
      ),
    ),
  );
  return { ...out, parsed: parseOutput(out.stdout) };
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('production: the recommended set', () => {
  let parsed: ReturnType<typeof render>['parsed'];
  let exitCode: number;
  let items: any[];
  let deploy: any;
  let podLabels: Record<string, string>;
  beforeAll(() => {
    ({ parsed, exitCode } = render('recommended: true\nnamespaces: [shop, billing]'));
    items = parsed.items;
    [deploy] = ofKind(parsed, 'Deployment');
    podLabels = deploy.spec.template.metadata.labels;
  });

  it('renders the stack plus Sidecars, NetworkPolicies, the AuthorizationPolicy, PDB and HPA, and passes every check', () => {
    expect(exitCode).toBe(0);
    expect(items.map((i) => `${i.kind}/${i.metadata.namespace}`).slice(10)).toEqual([
      'Sidecar/shop',
      'Sidecar/billing',
      'NetworkPolicy/shop',
      'NetworkPolicy/billing',
      'NetworkPolicy/istio-egress',
      'AuthorizationPolicy/istio-egress',
      'PodDisruptionBudget/istio-egress',
      'HorizontalPodAutoscaler/istio-egress',
      'ValidatingAdmissionPolicy/undefined',
      'ValidatingAdmissionPolicyBinding/undefined',
      'ValidatingAdmissionPolicy/undefined',
      'ValidatingAdmissionPolicyBinding/undefined',
      'ValidatingAdmissionPolicy/undefined',
      'ValidatingAdmissionPolicyBinding/undefined',
      'ValidatingAdmissionPolicy/undefined',
      'ValidatingAdmissionPolicyBinding/undefined',
      'ValidatingAdmissionPolicy/undefined',
      'ValidatingAdmissionPolicyBinding/undefined',
    ]);
    expect(allProblems(items)).toEqual([]);
    expect(wiringProblems(items)).toEqual([]);
    expect(lockdownProblems(items)).toEqual([]);
  });

  it('denies by default at the sidecar: REGISTRY_ONLY, and egress hosts are the gateway and the list', () => {
    for (const sc of ofKind(parsed, 'Sidecar')) {
      expect(sc.spec.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
      expect(sc.spec.egress).toEqual([
        {
          hosts: [
            './*',
            'istio-egress/egressgateway.istio-egress.svc.cluster.local',
            'istio-system/api.github.com',
            'istio-system/*.wikipedia.org',
          ],
        },
      ]);
    }
  });

  it("denies by default on the network: apps reach their namespaces' pods, istiod, the gateway and the cluster's DNS only; the gateway reaches istiod, DNS and public addresses on the upstream port", () => {
    const [shop, , gateway] = ofKind(parsed, 'NetworkPolicy');
    const dns = [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      {
        to: [{ ipBlock: { cidr: '169.254.20.10/32' } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ];
    const istiod = {
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
          podSelector: { matchLabels: { app: 'istiod' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 15012 }],
    };
    expect(shop.spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: {
                matchExpressions: [
                  {
                    key: 'kubernetes.io/metadata.name',
                    operator: 'In',
                    values: ['shop', 'billing'],
                  },
                ],
              },
            },
          ],
        },
        istiod,
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-egress' } },
              podSelector: { matchLabels: { 'wildcard-egress.dev/gateway': 'egressgateway' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 8443 }],
        },
        ...dns,
      ],
    });
    expect(selects(gateway.spec.podSelector.matchLabels, podLabels)).toBe(true);
    expect(gateway.spec.egress).toEqual([
      {
        to: [
          {
            ipBlock: {
              cidr: '0.0.0.0/0',
              except: [
                '10.0.0.0/8',
                '172.16.0.0/12',
                '192.168.0.0/16',
                '169.254.0.0/16',
                '100.64.0.0/10',
                '0.0.0.0/8',
                '127.0.0.0/8',
              ],
            },
          },
          {
            ipBlock: {
              cidr: '::/0',
              except: ['fc00::/7', 'fe80::/10', '::1/128', '64:ff9b:1::/48'],
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
      istiod,
      ...dns,
    ]);
  });

  it('admits only mesh identities of the namespaces at the gateway TLS port', () => {
    const [ap] = ofKind(parsed, 'AuthorizationPolicy');
    expect(selects(ap.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(ap.spec.action).toBe('ALLOW');
    expect(ap.spec.rules).toEqual([
      {
        from: [
          {
            source: { principals: ['cluster.local/ns/shop/sa/*', 'cluster.local/ns/billing/sa/*'] },
          },
        ],
        to: [{ operation: { ports: ['8443'] } }],
      },
    ]);
  });

  it('keeps the gateway up: requests, zone spread, PDB below replicas, HPA on the Deployment, which leaves the replica count to it', () => {
    expect(deploy!.spec).not.toHaveProperty('replicas');
    expect(deploy!.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
    });
    const spread = deploy!.spec.template.spec.topologySpreadConstraints;
    expect(spread.map((c: any) => c.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    for (const c of spread) expect(selects(c.labelSelector.matchLabels, podLabels)).toBe(true);
    const [pdb] = ofKind(parsed, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(2);
    expect(selects(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    const [hpa] = ofKind(parsed, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deploy!.metadata.name,
    });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 6]);
  });

  it('logs access for the gateway pods only, instead of the mesh-wide Telemetry', () => {
    const telemetry = ofKind(parsed, 'Telemetry');
    expect(telemetry).toHaveLength(1);
    expect(telemetry[0].metadata.namespace).toBe('istio-egress');
    expect(selects(telemetry[0].spec.selector.matchLabels, podLabels)).toBe(true);
  });
});

describe('production: parts one by one', () => {
  it('renders nothing extra by default', () => {
    expect(render('namespaces: [shop]').parsed.items).toHaveLength(10);
  });

  it('turns a part off inside the recommended set', () => {
    const kinds = render(
      'recommended: true\nnamespaces: [shop]\nsidecars: false\nnetworkPolicies: false',
    ).parsed.items.map((i) => i.kind);
    expect(kinds).not.toContain('Sidecar');
    expect(kinds).not.toContain('NetworkPolicy');
    expect(kinds).toContain('AuthorizationPolicy');
  });

  it('takes the trust domain of the principals', () => {
    const [ap] = ofKind(
      render('authorization: true\nnamespaces: [shop]\ntrustDomain: corp.example').parsed,
      'AuthorizationPolicy',
    );
    expect(ap.spec.rules[0].from[0].source.principals).toEqual(['corp.example/ns/shop/sa/*']);
  });

  it('takes high-availability settings', () => {
    const { parsed } = render(
      'highAvailability: {replicas: 4, minAvailable: 3, maxReplicas: 10, cpuRequest: 250m, zoneKey: example.com/rack}',
    );
    expect(ofKind(parsed, 'HorizontalPodAutoscaler')[0].spec.minReplicas).toBe(4);
    expect(ofKind(parsed, 'PodDisruptionBudget')[0].spec.minAvailable).toBe(3);
    expect(ofKind(parsed, 'HorizontalPodAutoscaler')[0].spec.maxReplicas).toBe(10);
    expect(
      ofKind(parsed, 'Deployment')[0].spec.template.spec.topologySpreadConstraints[0].topologyKey,
    ).toBe('example.com/rack');
  });

  const refusals: Record<string, [production: string, message: RegExp]> = {
    'sidecars without namespaces': [
      'sidecars: true',
      /spec\.production\.namespaces lists no namespace, which sidecars need/,
    ],
    'minAvailable not below replicas': [
      'highAvailability: {replicas: 2, minAvailable: 2}',
      /minAvailable 2 must be below replicas 2/,
    ],
    'maxReplicas below replicas': [
      'highAvailability: {replicas: 4, maxReplicas: 3}',
      /maxReplicas 3 is below replicas 4/,
    ],
    'a namespace that is not a DNS label': [
      'namespaces: [Shop_1]',
      /value "Shop_1" must match pattern/,
    ],
    'an unknown part': ['egressFirewall: true', /unknown field "egressFirewall"/],
  };
  for (const [name, [production, message]] of Object.entries(refusals)) {
    it(`refuses ${name}`, () => {
      const { exitCode, parsed } = render(production);
      expect(exitCode).toBe(1);
      expect(parsed.results.map((r) => r.message).join('\n')).toMatch(message);
    });
  }
});

describe('production resources are reconciled like the rest of the stack', () => {
  it('a new list reaches the Sidecars; their other egress hosts stay; a second run changes nothing', () => {
    const first = render('sidecars: true\nnamespaces: [shop]').stdout;
    const items = first.slice(first.indexOf('items:\n') + 7, first.search(/^functionConfig:/m));
    const input = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}functionConfig:\n${domainList(['*.example.org'], 'production:\n  sidecars: true\n  namespaces: [shop]').replace(/^/gm, '  ')}`;
    const second = runFunction(input);
    const [sc] = ofKind(parseOutput(second.stdout), 'Sidecar');
    expect(sc.spec.egress[0].hosts).toEqual([
      './*',
      'istio-egress/egressgateway.istio-egress.svc.cluster.local',
      'istio-system/*.example.org',
    ]);
    const third = runFunction(second.stdout);
    expect(withoutResults(third.stdout)).toBe(withoutResults(second.stdout));
  });
});
