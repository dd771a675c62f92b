import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { domainList, ofKind, parseOutput, resourceList, ROOT } from './helpers.js';
import { runPolicy } from './support/admission.js';
import { appPod, injectPod } from './support/injected-pod.js';
import { allProblems, covers, wiringProblems } from './support/istio-rules.js';
import {
  bypassProblems,
  chainOverlapProblems,
  forwarderProblems,
  lockdownProblems,
  nameProblems,
  networkPolicyProblems,
  OTHER_NAMESPACE,
  placementProblems,
  principalProblems,
  replicaProblems,
  reservedPortProblems,
  selectorProblems,
} from './support/lockdown-rules.js';

/**
 * One block per finding of the Istio review (issue "Lockdown that holds"):
 * each shows the rendered output now holds, and that its check fails on an
 * output with the old defect (so the check can tell them apart).
 */

const GATEWAY_HOST = 'egressgateway.istio-egress.svc.cluster.local';

function render(config: string) {
  const out = runFunction(resourceList([], config));
  return { ...out, parsed: parseOutput(out.stdout) };
}

function renderOk(config: string): any[] {
  const r = render(config);
  if (r.exitCode !== 0) throw new Error(`render failed:\n${r.stderr}`);
  return r.parsed.items;
}

const caseConfig = (name: string) => readFileSync(`${ROOT}testdata/${name}/config.yaml`, 'utf8');
const errorsOf = (r: ReturnType<typeof render>) =>
  r.parsed.results
    .filter((x) => x.severity === 'error')
    .map((x) => x.message)
    .join('\n');
const find = (items: any[], kind: string, name?: string) =>
  items.find((i) => i.kind === kind && (name === undefined || i.metadata.name === name));

describe('1. no (host, port) a namespace can see goes around the gateway', () => {
  it('a name asked only on 443 is not declared on 8443: one ServiceEntry per port set', () => {
    const items = renderOk(caseConfig('port-8443'));
    expect(bypassProblems(items, GATEWAY_HOST)).toEqual([]);
    // The old output: one ServiceEntry with every name on every port.
    const old = structuredClone(items).filter(
      (i) => i.kind !== 'ServiceEntry' || i.metadata.name === 'wildcard',
    );
    const se = find(old, 'ServiceEntry');
    se.spec.hosts = ['api.example.com', '*.wikipedia.org'];
    se.spec.ports = [
      { number: 443, name: 'tls', protocol: 'TLS' },
      { number: 8443, name: 'tls-8443', protocol: 'TLS' },
    ];
    expect(bypassProblems(old, GATEWAY_HOST)).toContain(
      `${OTHER_NAMESPACE}: *.wikipedia.org:8443 of ServiceEntry/istio-system/wildcard has no route to the gateway: istiod would build a direct (original destination) chain`,
    );
  });

  it("teams: ServiceEntries are exported only to their scopes' namespaces, each of which has a route for every name it sees", () => {
    const items = renderOk(caseConfig('teams'));
    expect(bypassProblems(items, GATEWAY_HOST)).toEqual([]);
    // Exported everywhere, a team's ServiceEntry would be seen by namespaces without a route for it.
    const everywhere = structuredClone(items);
    for (const se of everywhere.filter((i) => i.kind === 'ServiceEntry')) delete se.spec.exportTo;
    expect(bypassProblems(everywhere, GATEWAY_HOST).join('\n')).toMatch(
      /\(any other namespace\): api\.stripe\.com:443 .* has no route to the gateway/,
    );
  });

  it("teams: no server name is in two of a namespace's filter chains (Envoy would refuse the listener)", () => {
    const items = renderOk(caseConfig('teams'));
    expect(chainOverlapProblems(items)).toEqual([]);
    // The old output: team routes, then one route for every namespace with every name, overlapping them.
    const old = structuredClone(items);
    const vs = find(old, 'VirtualService');
    vs.spec.tls.push({
      match: [
        {
          gateways: ['mesh'],
          port: 443,
          sniHosts: [
            'github.com',
            '*.paypal.com',
            'api.stripe.com',
            '*.npmjs.org',
            '*.wikipedia.org',
          ],
        },
      ],
      route: [{ destination: { host: GATEWAY_HOST, port: { number: 443 } } }],
    });
    expect(chainOverlapProblems(old).join('\n')).toMatch(
      /payments: api\.stripe\.com on port 443 is in two filter chains .*: Envoy refuses the listener/,
    );
  });
});

/** The listener names a namespace reaches: routes it may take, into lanes whose AuthorizationPolicy rule admits it. */
function reachableNames(items: any[], ns: string): string[] {
  const vs = find(items, 'VirtualService');
  const svc = find(items, 'Service');
  const ef = find(items, 'EnvoyFilter');
  const ap = find(items, 'AuthorizationPolicy');
  const patches = ef.spec.configPatches;
  const names = new Set<string>();
  for (const t of vs.spec.tls) {
    if (!t.match.some((m: any) => m.sourceNamespace === undefined || m.sourceNamespace === ns))
      continue;
    const port = svc.spec.ports.find(
      (p: any) => p.port === t.route[0].destination.port.number,
    ).targetPort;
    const admitted = ap.spec.rules.some(
      (r: any) =>
        r.to[0].operation.ports.includes(String(port)) &&
        r.from[0].source.principals.includes(`cluster.local/ns/${ns}/sa/*`),
    );
    if (!admitted) continue;
    const merge = patches.find(
      (p: any) => p.applyTo === 'NETWORK_FILTER' && p.match.listener.portNumber === port,
    );
    const cluster = patches.find(
      (p: any) =>
        p.applyTo === 'CLUSTER' && p.patch.value.name === merge.patch.value.typed_config.cluster,
    ).patch.value;
    const listenerName =
      cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.envoy_internal_address
        .server_listener_name;
    const listener = patches.find(
      (p: any) => p.applyTo === 'LISTENER' && p.patch.value.name === listenerName,
    ).patch.value;
    // Only the names this route carries and the listener forwards.
    for (const n of listener.filter_chains[0].filter_chain_match.server_names)
      if (t.match[0].sniHosts.some((s: string) => covers(s, n))) names.add(n);
  }
  return [...names].sort();
}

describe('2. no identity is admitted by default; a team never reaches the shared list', () => {
  it('refuses teams without spec.production.namespaces, and teams without authorization', () => {
    const noNamespaces = render(caseConfig('teams').replace('    namespaces: [shop]\n', ''));
    expect(noNamespaces.exitCode).toBe(1);
    expect(errorsOf(noNamespaces)).toContain(
      'spec.production.teams needs spec.production.namespaces',
    );
    const noAuthorization = render(
      caseConfig('teams').replace(
        '    recommended: true\n',
        '    recommended: true\n    authorization: false\n',
      ),
    );
    expect(noAuthorization.exitCode).toBe(1);
    expect(errorsOf(noAuthorization)).toContain(
      'spec.production.teams needs spec.production.authorization',
    );
  });

  it('every ALLOW rule names its principals', () => {
    const items = renderOk(caseConfig('teams'));
    expect(principalProblems(items)).toEqual([]);
    const old = structuredClone(items);
    delete find(old, 'AuthorizationPolicy').spec.rules[0].from;
    expect(principalProblems(old)).toEqual([
      'AuthorizationPolicy/istio-egress/istio-egressgateway rules[0] admits every identity: no principals',
    ]);
  });

  it('a team namespace reaches only its team names, a shared namespace only the shared list', () => {
    const items = renderOk(caseConfig('teams'));
    expect(reachableNames(items, 'payments')).toEqual(['*.paypal.com', 'api.stripe.com']);
    expect(reachableNames(items, 'ci')).toEqual(['*.npmjs.org', 'github.com']);
    expect(reachableNames(items, 'shop')).toEqual(['*.wikipedia.org']);
    expect(reachableNames(items, 'elsewhere')).toEqual([]);
  });
});

describe('3. the stock egress gateway is never patched', () => {
  it("every selector picks the project's own label; the Deployment keeps the post's selector", () => {
    const items = renderOk(caseConfig('production-recommended'));
    expect(selectorProblems(items)).toEqual([]);
    const deploy = find(items, 'Deployment');
    expect(deploy.spec.selector).toEqual({ matchLabels: { istio: 'egressgateway' } });
    expect(deploy.spec.template.metadata.labels).toMatchObject({
      istio: 'egressgateway',
      'wildcard-egress.dev/gateway': 'egressgateway',
    });
    const old = structuredClone(items);
    find(old, 'EnvoyFilter').spec.workloadSelector.labels = { istio: 'egressgateway' };
    expect(selectorProblems(old)).toEqual([
      'EnvoyFilter/istio-system/sni-magic spec.workloadSelector.labels also selects a stock egress gateway ({"istio":"egressgateway","app":"istio-egressgateway"})',
    ]);
  });
});

describe("4. every generated name is unique and valid; no gateway port in Istio's range", () => {
  const teams = (list: string) =>
    `production:\n  recommended: true\n  namespaces: [shop]\n  teams:\n${list}`;

  it('refuses teams whose lane names would collide, naming both', () => {
    const r = render(
      domainList(
        ['a.example.com'],
        teams(
          '  - {name: x, namespaces: [a], domains: [{name: b.example.com, ports: [8443]}]}\n  - {name: x-8443, namespaces: [b], domains: [c.example.com]}',
        ),
      ),
    );
    expect(r.exitCode).toBe(1);
    expect(errorsOf(r)).toContain(
      'team "x", port 8443 and team "x-8443", port 443 would share the port name "tls-egress-x-8443"',
    );
    const numeric = render(
      domainList(
        [],
        `${teams('  - {name: "8443", namespaces: [a], domains: [b.example.com]}')}\ndomains: [a.example.com, {name: d.example.com, ports: [8443]}]`,
      ).replace('  domains:\n', ''),
    );
    expect(numeric.exitCode).toBe(1);
    expect(errorsOf(numeric)).toContain('would share the port name "tls-egress-8443"');
  });

  it("skips the Service port and Istio's ports when numbering lanes", () => {
    const items = renderOk(
      domainList(
        ['a.example.com', 'b.example.com'],
        'gateway: {servicePort: 8444}\nproduction: {namespaces: [shop], teams: [{name: t, namespaces: [t], domains: [c.example.com]}], authorization: true}',
      ),
    );
    expect(
      find(items, 'Service').spec.ports.map((p: any) => [p.name, p.port, p.targetPort]),
    ).toEqual([
      ['tls-egress', 8444, 8443],
      ['tls-egress-t', 8445, 8445],
    ]);
    expect(nameProblems(items)).toEqual([]);
    const near = renderOk(
      domainList(
        ['a.example.com'],
        'gateway: {targetPort: 14999}\nproduction: {namespaces: [shop], teams: [{name: t, namespaces: [t], domains: [c.example.com]}], authorization: true}',
      ),
    );
    expect(find(near, 'Gateway').spec.servers.map((s: any) => s.port.number)).toEqual([
      14999, 15091,
    ]);
    expect(reservedPortProblems(near)).toEqual([]);
  });

  it('refuses a targetPort in 15000-15090', () => {
    const r = render(domainList(['a.example.com'], 'gateway: {targetPort: 15021}'));
    expect(r.exitCode).toBe(1);
    expect(errorsOf(r)).toContain('gateway targetPort 15021 is in 15000-15090');
  });

  it('shortens a long team name into a valid port name of at most 63 characters', () => {
    const long = 'a'.repeat(60);
    const items = renderOk(
      domainList(
        ['a.example.com'],
        `production: {namespaces: [shop], authorization: true, teams: [{name: ${long}, namespaces: [t], domains: [{name: c.example.com, ports: [443, 8443]}]}]}`,
      ),
    );
    const names = find(items, 'Service').spec.ports.map((p: any) => p.name);
    expect(
      names.every((n: string) => n.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n)),
    ).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect([...allProblems(items), ...wiringProblems(items), ...lockdownProblems(items)]).toEqual(
      [],
    );
    const old = structuredClone(items);
    find(old, 'Service').spec.ports[1].name = `tls-egress-${long}`;
    expect(nameProblems(old)).toEqual([
      `Service/istio-egress/egressgateway: port name "tls-egress-${long}" is not a DNS-1123 label of at most 63 characters`,
    ]);
  });
});

describe('5. no connection ceiling; one DNS cache per team', () => {
  it('every added cluster has circuit breakers of 100,000 by default, and they are configurable', () => {
    const items = renderOk(caseConfig('teams'));
    const ef = find(items, 'EnvoyFilter');
    const clusters = ef.spec.configPatches
      .filter((p: any) => p.applyTo === 'CLUSTER')
      .map((p: any) => p.patch.value);
    for (const c of clusters)
      expect(c.circuit_breakers).toEqual({
        thresholds: [
          { max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 },
        ],
      });
    expect(forwarderProblems(items)).toEqual([]);
    const tuned = find(
      renderOk(
        domainList(
          ['a.example.com'],
          'forwarder: {maxConnections: 250000, dnsCache: {maxHosts: 4096, maxPendingRequests: 2048}}',
        ),
      ),
      'EnvoyFilter',
    );
    expect(
      tuned.spec.configPatches[0].patch.value.circuit_breakers.thresholds[0].max_connections,
    ).toBe(250000);
    expect(
      tuned.spec.configPatches[1].patch.value.cluster_type.typed_config.dns_cache_config,
    ).toMatchObject({ max_hosts: 4096, dns_cache_circuit_breaker: { max_pending_requests: 2048 } });
  });

  it('each team has its own forward-proxy cluster and DNS cache; a cache name changes with any of its settings', () => {
    const ef = find(renderOk(caseConfig('teams')), 'EnvoyFilter');
    const forward = ef.spec.configPatches
      .filter((p: any) => p.patch.value.cluster_type)
      .map((p: any) => [
        p.patch.value.name,
        p.patch.value.cluster_type.typed_config.dns_cache_config.name,
      ]);
    expect(forward.map((f: string[]) => f[0])).toEqual([
      'dynamic_forward_proxy_cluster',
      'dynamic_forward_proxy_cluster_builds',
      'dynamic_forward_proxy_cluster_payments',
    ]);
    expect(new Set(forward.map((f: string[]) => f[1])).size).toBe(3);
    const cacheOf = (extra: string) =>
      find(renderOk(domainList(['a.example.com'], extra)), 'EnvoyFilter').spec.configPatches[1]
        .patch.value.cluster_type.typed_config.dns_cache_config.name;
    const names = [
      '',
      'forwarder: {dnsCache: {maxHosts: 2048}}',
      'forwarder: {dnsCache: {maxPendingRequests: 10}}',
      'dnsLookupFamily: AUTO',
    ].map(cacheOf);
    expect(new Set(names).size).toBe(4);
  });

  it('the check finds two teams on one cache and a cluster without limits', () => {
    const items = renderOk(caseConfig('teams'));
    const old = structuredClone(items);
    const ef = find(old, 'EnvoyFilter');
    // The old output: every lane on the one shared cluster and cache.
    const shared = ef.spec.configPatches[1].patch.value.cluster_type.typed_config.dns_cache_config;
    for (const p of ef.spec.configPatches.filter((q: any) => q.applyTo === 'LISTENER')) {
      p.patch.value.filter_chains[0].filters[0].typed_config.dns_cache_config =
        structuredClone(shared);
      p.patch.value.filter_chains[0].filters[1].typed_config.cluster =
        'dynamic_forward_proxy_cluster';
    }
    delete ef.spec.configPatches[0].patch.value.circuit_breakers;
    const problems = forwarderProblems(old).join('\n');
    expect(problems).toMatch(
      /cluster sni_cluster: circuit_breakers max_connections is not set above Envoy's default 1024/,
    );
    expect(problems).toMatch(/lanes of 3 different identity sets share DNS cache/);
  });
});

describe('6. DNS only to the cluster resolver; the gateway never dials private addresses', () => {
  it('passes the NetworkPolicy checks; the old rules fail them', () => {
    const items = renderOk(caseConfig('production-recommended'));
    expect(networkPolicyProblems(items)).toEqual([]);
    const old = structuredClone(items);
    const np = find(old, 'NetworkPolicy', 'wildcard-egress');
    np.spec.egress[3] = { ports: [{ protocol: 'UDP', port: 53 }] };
    // The old in-cluster rule: every pod of every namespace, on every port.
    np.spec.egress[0] = { to: [{ namespaceSelector: {} }] };
    find(old, 'NetworkPolicy', 'istio-egressgateway-egress').spec.egress[0].to[0] = {
      ipBlock: { cidr: '0.0.0.0/0' },
    };
    expect(networkPolicyProblems(old)).toEqual([
      'NetworkPolicy/shop/wildcard-egress egress[0] reaches every pod of every namespace: any of them could relay',
      'NetworkPolicy/shop/wildcard-egress egress[3] has no "to": it allows every address',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: 0.0.0.0/0 reaches 169.254.0.0/16',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: 0.0.0.0/0 reaches 10.0.0.0/8',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: 0.0.0.0/0 reaches 172.16.0.0/12',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: 0.0.0.0/0 reaches 192.168.0.0/16',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: 0.0.0.0/0 reaches 100.64.0.0/10',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: 0.0.0.0/0 reaches 0.0.0.0/8',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: 0.0.0.0/0 reaches 127.0.0.0/8',
    ]);
    // The old IPv6 block: private and local-use NAT64 ranges left out only in part.
    const v6 = structuredClone(items);
    find(v6, 'NetworkPolicy', 'istio-egressgateway-egress').spec.egress[0].to[1].ipBlock.except = [
      'fc00::/7',
      'fe80::/10',
    ];
    expect(networkPolicyProblems(v6)).toEqual([
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: ::/0 reaches ::1/128',
      'NetworkPolicy/istio-egress/istio-egressgateway-egress egress[0]: ::/0 reaches 64:ff9b:1::/48',
    ]);
  });

  it('takes another resolver (OpenShift), a DNS Service IP, no node-local DNS, and NAT64', () => {
    const items = renderOk(
      domainList(
        ['a.example.com'],
        'production:\n  networkPolicies: true\n  namespaces: [shop]\n  nat64: true\n  dns: {namespace: openshift-dns, podSelector: {dns.operator.openshift.io/daemonset-dns: default}, ports: [5353], nodeLocalAddresses: [], serviceIPs: [172.30.0.10, "fd02::a"]}',
      ),
    );
    const np = find(items, 'NetworkPolicy', 'wildcard-egress');
    expect(np.spec.egress.slice(3)).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } },
            podSelector: { matchLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 5353 },
          { protocol: 'TCP', port: 5353 },
        ],
      },
      {
        to: [{ ipBlock: { cidr: '172.30.0.10/32' } }, { ipBlock: { cidr: 'fd02::a/128' } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
    const gw = find(items, 'NetworkPolicy', 'istio-egressgateway-egress');
    expect(gw.spec.egress[0].to[1].ipBlock.except).toEqual([
      'fc00::/7',
      'fe80::/10',
      '::1/128',
      '64:ff9b:1::/48',
      '64:ff9b::/96',
    ]);
    expect(networkPolicyProblems(items)).toEqual([]);
  });
});

describe('7. what REGISTRY_ONLY and the NetworkPolicy cut can be given back', () => {
  it('adds Sidecar hosts and egress CIDRs', () => {
    const items = renderOk(
      domainList(
        ['a.example.com'],
        'production:\n  sidecars: true\n  networkPolicies: true\n  namespaces: [shop]\n  sidecarHosts: [istio-system/*, default/kubernetes.default.svc.cluster.local]\n  egressCIDRs: [{cidr: 10.0.0.1/32, ports: [6443]}, 192.168.7.0/24]',
      ),
    );
    expect(find(items, 'Sidecar').spec.egress[0].hosts).toEqual([
      './*',
      `istio-egress/${GATEWAY_HOST}`,
      'istio-system/*',
      'default/kubernetes.default.svc.cluster.local',
      'istio-system/a.example.com',
    ]);
    expect(find(items, 'NetworkPolicy', 'wildcard-egress').spec.egress.slice(5)).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] },
      { to: [{ ipBlock: { cidr: '192.168.7.0/24' } }] },
    ]);
  });
});

describe('9. EnvoyFilter and DestinationRule where istiod reads them, whatever routingNamespace is', () => {
  it('puts them in the gateway namespace, and the mesh-wide Telemetry in the root namespace', () => {
    const items = renderOk(domainList(['a.example.com'], 'routingNamespace: istio-config'));
    const where = (kind: string) => find(items, kind).metadata.namespace;
    expect([
      where('EnvoyFilter'),
      where('DestinationRule'),
      where('Telemetry'),
      where('VirtualService'),
      where('ServiceEntry'),
    ]).toEqual(['istio-egress', 'istio-egress', 'istio-system', 'istio-config', 'istio-config']);
    expect(placementProblems(items)).toEqual([]);
    const old = structuredClone(items);
    find(old, 'EnvoyFilter').metadata.namespace = 'istio-config';
    expect(placementProblems(old)).toEqual([
      "EnvoyFilter/istio-config/sni-magic: istiod applies EnvoyFilters only from istio-system or the proxy's namespace istio-egress",
    ]);
  });

  it('keeps them in the routing namespace when it is the (configured) root namespace', () => {
    const items = renderOk(
      domainList(['a.example.com'], 'routingNamespace: mesh-root\nrootNamespace: mesh-root'),
    );
    expect([
      find(items, 'EnvoyFilter').metadata.namespace,
      find(items, 'DestinationRule').metadata.namespace,
    ]).toEqual(['mesh-root', 'mesh-root']);
    expect(placementProblems(items, 'mesh-root')).toEqual([]);
  });
});

describe('10. the HPA owns the replica count', () => {
  it('renders no replicas beside the HPA; the check flags one', () => {
    const items = renderOk(caseConfig('production-recommended'));
    expect(replicaProblems(items)).toEqual([]);
    const old = structuredClone(items);
    find(old, 'Deployment').spec.replicas = 3;
    expect(replicaProblems(old)).toEqual([
      'Deployment/istio-egress/istio-egressgateway: replicas fights its HorizontalPodAutoscaler',
    ]);
  });
});

describe('11. the guard refuses self-service bypasses at admission', () => {
  let items: any[];
  const policy = (name: string) =>
    items.find((i) => i.kind === 'ValidatingAdmissionPolicy' && i.metadata.name === name);
  const bindingOf = (name: string) =>
    items.find((i) => i.kind === 'ValidatingAdmissionPolicyBinding' && i.metadata.name === name);
  beforeAll(() => {
    items = renderOk(caseConfig('production-recommended'));
  });

  const RESOURCES: Record<string, [group: string, resource: string]> = {
    ServiceEntry: ['networking.istio.io', 'serviceentries'],
    WorkloadEntry: ['networking.istio.io', 'workloadentries'],
    EnvoyFilter: ['networking.istio.io', 'envoyfilters'],
    Sidecar: ['networking.istio.io', 'sidecars'],
    Gateway: ['networking.istio.io', 'gateways'],
    NetworkPolicy: ['networking.k8s.io', 'networkpolicies'],
    Pod: ['', 'pods'],
  };
  /** Runs one policy's match conditions, variables and validations (test/support/admission.ts) on one request. */
  function admits(
    name: string,
    kind: string,
    object: unknown,
    extra: {
      operation?: 'CREATE' | 'UPDATE' | 'DELETE';
      user?: string;
      groups?: string[];
      oldObject?: unknown;
    } = {},
  ): boolean {
    const [group, resource] = RESOURCES[kind];
    return (
      runPolicy(policy(name), {
        group,
        kind,
        resource,
        namespace: 'shop',
        operation: extra.operation ?? 'CREATE',
        object,
        ...extra,
      }).length === 0
    );
  }
  const guard = (kind: string, object: unknown, extra = {}) =>
    admits('wildcard-egress-guard', kind, object, extra);

  const cases: [name: string, kind: string, object: unknown, admitted: boolean][] = [
    [
      'a ServiceEntry for an external host',
      'ServiceEntry',
      {
        spec: {
          hosts: ['api.evil.example'],
          resolution: 'DNS',
          ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
        },
      },
      false,
    ],
    [
      'a ServiceEntry mixing in-cluster and external hosts',
      'ServiceEntry',
      { spec: { hosts: ['a.shop.svc.cluster.local', 'evil.example'], resolution: 'DNS' } },
      false,
    ],
    [
      'a ServiceEntry with location MESH_INTERNAL for an external host',
      'ServiceEntry',
      { spec: { hosts: ['evil.example'], location: 'MESH_INTERNAL', resolution: 'DNS' } },
      false,
    ],
    [
      'an in-cluster ServiceEntry with an external endpoint',
      'ServiceEntry',
      {
        spec: {
          hosts: ['x.shop.svc.cluster.local'],
          resolution: 'STATIC',
          endpoints: [{ address: '203.0.113.5' }],
        },
      },
      false,
    ],
    [
      'an in-cluster ServiceEntry with addresses',
      'ServiceEntry',
      {
        spec: { hosts: ['x.shop.svc.cluster.local'], resolution: 'DNS', addresses: ['0.0.0.0/0'] },
      },
      false,
    ],
    [
      'an in-cluster ServiceEntry with resolution NONE (a catch-all original-destination path)',
      'ServiceEntry',
      {
        spec: {
          hosts: ['x.shop.svc.cluster.local'],
          resolution: 'NONE',
          ports: [{ number: 443, name: 'tcp', protocol: 'TCP' }],
        },
      },
      false,
    ],
    [
      'an in-cluster ServiceEntry without a resolution (NONE by default)',
      'ServiceEntry',
      { spec: { hosts: ['x.shop.svc.cluster.local'] } },
      false,
    ],
    [
      'an in-cluster ServiceEntry resolved by DNS',
      'ServiceEntry',
      {
        spec: {
          hosts: ['legacy.shop.svc.cluster.local'],
          resolution: 'DNS',
          ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
        },
      },
      true,
    ],
    [
      'a wildcard in-cluster ServiceEntry resolved by DNS',
      'ServiceEntry',
      { spec: { hosts: ['*.shop.svc.cluster.local'], resolution: 'DNS' } },
      true,
    ],
    ['any WorkloadEntry', 'WorkloadEntry', { spec: { address: '203.0.113.5' } }, false],
    ['any EnvoyFilter', 'EnvoyFilter', { spec: { configPatches: [] } }, false],
    [
      'a Sidecar with ALLOW_ANY',
      'Sidecar',
      { spec: { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } } },
      false,
    ],
    [
      'a Sidecar without outboundTrafficPolicy (the mesh default)',
      'Sidecar',
      { spec: { egress: [{ hosts: ['./*'] }] } },
      false,
    ],
    [
      'a Sidecar with REGISTRY_ONLY',
      'Sidecar',
      { spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } },
      true,
    ],
    [
      "a Gateway selecting the egress gateway pods by the project's label",
      'Gateway',
      { spec: { selector: { 'wildcard-egress.dev/gateway': 'egressgateway' } } },
      false,
    ],
    [
      'a Gateway selecting them by istio: egressgateway',
      'Gateway',
      { spec: { selector: { istio: 'egressgateway' } } },
      false,
    ],
    ['a Gateway with an empty selector (every pod)', 'Gateway', { spec: { selector: {} } }, false],
    [
      'a Gateway for another ingress',
      'Gateway',
      { spec: { selector: { istio: 'ingressgateway' } } },
      true,
    ],
    [
      'a NetworkPolicy opening egress to every address',
      'NetworkPolicy',
      { spec: { podSelector: {}, egress: [{}] } },
      false,
    ],
    [
      'a NetworkPolicy with an ipBlock',
      'NetworkPolicy',
      { spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] } },
      false,
    ],
    [
      'a NetworkPolicy to pods only',
      'NetworkPolicy',
      {
        spec: {
          podSelector: {},
          egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 5432 }] }],
        },
      },
      true,
    ],
    [
      'a NetworkPolicy for ingress only',
      'NetworkPolicy',
      { spec: { podSelector: {}, ingress: [{}] } },
      true,
    ],
  ];
  for (const [name, kind, object, admitted] of cases) {
    it(`${admitted ? 'admits' : 'refuses'} ${name}`, () => {
      expect(guard(kind, object)).toBe(admitted);
    });
  }

  it("admits the stack's own Sidecars, and istiod registering WorkloadEntries", () => {
    for (const sc of ofKind({ items, results: [] }, 'Sidecar'))
      expect(guard('Sidecar', sc)).toBe(true);
    expect(
      guard(
        'WorkloadEntry',
        { spec: { address: '10.0.0.5' } },
        { user: 'system:serviceaccount:istio-system:istiod' },
      ),
    ).toBe(true);
  });

  it("lets only the guard's admins change or delete the NetworkPolicies and Sidecars the function rendered", () => {
    const np = ofKind({ items, results: [] }, 'NetworkPolicy')[0];
    const managed = (extra: object) =>
      admits('wildcard-egress-guard-managed', 'NetworkPolicy', null, {
        operation: 'DELETE',
        oldObject: np,
        ...extra,
      });
    expect(managed({ user: 'jane' })).toBe(false);
    expect(managed({ user: 'admin', groups: ['system:masters'] })).toBe(true);
    // The user's own NetworkPolicies are not the guard's business here.
    expect(
      admits('wildcard-egress-guard-managed', 'NetworkPolicy', null, {
        operation: 'DELETE',
        oldObject: { metadata: { name: 'mine' } },
      }),
    ).toBe(true);
    const gitops = find(
      renderOk(
        domainList(
          ['a.example.com'],
          'production: {guard: true, guardAdmins: ["system:serviceaccount:argocd:argocd-application-controller"]}',
        ),
      ),
      'ValidatingAdmissionPolicy',
      'wildcard-egress-guard-managed',
    );
    expect(gitops.spec.validations[0].expression).toContain(
      "'system:serviceaccount:argocd:argocd-application-controller'",
    );
  });

  const pod = (extra: Parameters<typeof appPod>[1] = {}) => injectPod(appPod('shop', extra));
  const podCases: [name: string, object: unknown, admitted: boolean][] = [
    ['an ordinary injected pod (its sidecar runs as 1337)', pod(), true],
    [
      'a pod that turns its sidecar off',
      pod({ labels: { 'sidecar.istio.io/inject': 'false' } }),
      false,
    ],
    [
      'a pod that excludes outbound ranges from its sidecar',
      pod({ annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '0.0.0.0/0' } }),
      false,
    ],
    [
      'a pod that narrows what its sidecar captures',
      pod({ annotations: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8' } }),
      false,
    ],
    [
      'a pod whose app runs as 1337',
      pod({ spec: { containers: [{ name: 'app', securityContext: { runAsUser: 1337 } }] } }),
      false,
    ],
    ['a pod on the host network', appPod('shop', { spec: { hostNetwork: true } }), false],
  ];
  for (const [name, object, admitted] of podCases) {
    it(`in the application namespaces, ${admitted ? 'admits' : 'refuses'} ${name}`, () => {
      expect(admits('wildcard-egress-guard-pods', 'Pod', object)).toBe(admitted);
    });
  }

  it("binds with Deny: the guard everywhere but the stack's namespaces and the exempt ones, the pod rules in the application namespaces", () => {
    for (const name of [
      'wildcard-egress-guard',
      'wildcard-egress-guard-managed',
      'wildcard-egress-guard-pods',
    ]) {
      expect(bindingOf(name).spec.policyName).toBe(policy(name).metadata.name);
      expect(bindingOf(name).spec.validationActions).toEqual(['Deny']);
      expect(policy(name).spec.failurePolicy).toBe('Fail');
    }
    expect(
      bindingOf('wildcard-egress-guard').spec.matchResources.namespaceSelector.matchExpressions,
    ).toEqual([
      {
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['istio-system', 'istio-egress'],
      },
    ]);
    expect(
      bindingOf('wildcard-egress-guard-pods').spec.matchResources.namespaceSelector
        .matchExpressions,
    ).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'billing'] },
    ]);
    const exempt = find(
      renderOk(
        domainList(['a.example.com'], 'production: {guard: true, exemptNamespaces: [platform]}'),
      ),
      'ValidatingAdmissionPolicyBinding',
    );
    expect(exempt.spec.matchResources.namespaceSelector.matchExpressions[0].values).toEqual([
      'istio-system',
      'istio-egress',
      'platform',
    ]);
  });

  it('matches CREATE and UPDATE of the kinds that could open a path out (WorkloadGroups, ProxyConfigs, CiliumNetworkPolicies and CiliumEnvoyConfigs too)', () => {
    expect(policy('wildcard-egress-guard').spec.matchConstraints.resourceRules).toEqual([
      {
        apiGroups: ['networking.istio.io'],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE'],
        resources: [
          'serviceentries',
          'workloadentries',
          'workloadgroups',
          'envoyfilters',
          'proxyconfigs',
          'sidecars',
          'gateways',
        ],
      },
      {
        apiGroups: ['networking.k8s.io'],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['networkpolicies'],
      },
      {
        apiGroups: ['cilium.io'],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['ciliumnetworkpolicies', 'ciliumenvoyconfigs'],
      },
    ]);
  });
});

describe('8. one namespace-wide Sidecar per namespace', () => {
  const sidecar = (name: string, hosts: string[], extra = '') =>
    [
      'apiVersion: networking.istio.io/v1',
      'kind: Sidecar',
      'metadata:',
      `  name: ${name}`,
      '  namespace: shop',
      'spec:',
      extra,
      '  egress:',
      '  - hosts:',
      ...hosts.map((h) => `    - ${JSON.stringify(h)}`),
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n';
  const config = domainList(
    ['*.wikipedia.org'],
    'production: {sidecars: true, namespaces: [shop]}',
  );

  it("the list and REGISTRY_ONLY go into the namespace's own Sidecar, keeping its other hosts; no second one is added", () => {
    const out = runFunction(
      resourceList(
        [
          sidecar('default', [
            './*',
            'istio-system/*',
            'monitoring/prometheus.monitoring.svc.cluster.local',
          ]),
        ],
        config,
      ),
    );
    expect(out.exitCode, out.stderr).toBe(0);
    const sidecars = ofKind(parseOutput(out.stdout), 'Sidecar');
    expect(sidecars.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual([
      'shop/default',
    ]);
    expect(sidecars[0].spec.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    // The user's entries keep their places; new ones go where the list's (alphabetical) order puts them.
    expect(sidecars[0].spec.egress[0].hosts).toEqual([
      './*',
      `istio-egress/${GATEWAY_HOST}`,
      'istio-system/*',
      'istio-system/*.wikipedia.org',
      'monitoring/prometheus.monitoring.svc.cluster.local',
    ]);
    // Adopted, not created: no mark of creation, only the mark of adoption the guard keeps to its admins.
    expect(sidecars[0].metadata.annotations).toEqual({
      'wildcard-egress.dev/adopted-by': 'egress',
    });
    expect(sidecars[0].metadata.labels).toBeUndefined();
    // A later run with another list replaces only the list's own entries.
    const at = out.stdout.indexOf('functionConfig:');
    const again = runFunction(
      out.stdout.slice(0, at) +
        out.stdout.slice(at).replace('- "*.wikipedia.org"', '- api.github.com'),
    );
    expect(ofKind(parseOutput(again.stdout), 'Sidecar')[0].spec.egress[0].hosts).toEqual([
      './*',
      `istio-egress/${GATEWAY_HOST}`,
      'istio-system/*',
      'istio-system/api.github.com',
      'monitoring/prometheus.monitoring.svc.cluster.local',
    ]);
  });

  it("a Sidecar with a workloadSelector is not the namespace's: the function adds its own", () => {
    const scoped = sidecar('db-only', ['./*'], '  workloadSelector:\n    labels: {app: db}');
    const out = runFunction(resourceList([scoped], config));
    expect(ofKind(parseOutput(out.stdout), 'Sidecar').map((s) => s.metadata.name)).toEqual([
      'db-only',
      'wildcard-egress',
    ]);
  });

  it("two of the user's own without workloadSelector in one namespace are an error naming them", () => {
    const out = runFunction(
      resourceList([sidecar('default', ['./*']), sidecar('other', ['./*'])], config),
    );
    expect(out.exitCode).toBe(1);
    expect(errorsOf({ ...out, parsed: parseOutput(out.stdout) })).toContain(
      'namespace shop has 2 Sidecars without workloadSelector (default, other)',
    );
  });
});
