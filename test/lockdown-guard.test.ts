import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { domainList, ofKind, parseOutput, resourceList, ROOT } from './helpers.js';
import { admission, podRequest, type AdmissionRequest } from './support/admission.js';
import { appPod, injectPod, type Mesh } from './support/injected-pod.js';
import { MESHES, podEscapes } from './support/pod-escapes.js';

/**
 * Issue 21 ("Lockdown, round two"), the guard's part: every rendered
 * ValidatingAdmissionPolicy evaluated as CEL (@bufbuild/cel) on the objects
 * the API server would hand it, pods as Istio's injector leaves them
 * (test/support/injected-pod.ts). Each escape the review found is refused;
 * ordinary injected pods, with and without Istio CNI and native sidecars,
 * are admitted.
 */

type Item = Record<string, any>;

function renderItems(config: string, items: string[] = []): Item[] {
  const out = runFunction(resourceList(items, config));
  if (out.exitCode !== 0) throw new Error(`render failed:\n${out.stderr}`);
  return parseOutput(out.stdout).items;
}
const caseConfig = (name: string) => readFileSync(`${ROOT}testdata/${name}/config.yaml`, 'utf8');

const refusals = (items: Item[], req: AdmissionRequest) =>
  admission(items, req)
    .map((r) => r.message)
    .join('\n');

function guardSuite(mode: string, config: () => string, ns: string) {
  let items: Item[];
  beforeAll(() => {
    items = renderItems(config());
  });

  for (const [name, mesh] of MESHES) {
    it(`${mode}: admits an ordinary injected pod (${name})`, () => {
      expect(refusals(items, podRequest(injectPod(appPod(ns), mesh)))).toBe('');
    });
  }

  it(`${mode}: admits injected pods with the annotations teams use (resources, log level, TPROXY, holdApplicationUntilProxyStarts)`, () => {
    const pod = appPod(ns, {
      annotations: {
        'sidecar.istio.io/proxyCPU': '200m',
        'sidecar.istio.io/logLevel': 'debug',
        'sidecar.istio.io/interceptionMode': 'TPROXY',
        'traffic.sidecar.istio.io/includeOutboundPorts': '8443',
        'proxy.istio.io/config': 'holdApplicationUntilProxyStarts: true',
      },
    });
    for (const [, mesh] of MESHES)
      expect(refusals(items, podRequest(injectPod(pod, mesh)))).toBe('');
  });

  it(`${mode}: admits an init container after a native sidecar, or with Istio CNI`, () => {
    const pod = appPod(ns, {
      spec: { initContainers: [{ name: 'migrate', image: 'flyway/flyway' }] },
    });
    expect(refusals(items, podRequest(injectPod(pod, { native: true })))).toBe('');
    expect(refusals(items, podRequest(injectPod(pod, { cni: true })))).toBe('');
  });

  it(`${mode}: admits every pod under Istio CNI when the mesh excludes ranges and ports and production.meshCapture says so`, () => {
    const mesh: Mesh = {
      cni: true,
      excludeIPRanges: '169.254.169.254/32',
      excludeOutboundPorts: '9092',
    };
    const pod = injectPod(appPod(ns), mesh);
    expect(pod.metadata.annotations['traffic.sidecar.istio.io/excludeOutboundIPRanges']).toBe(
      '169.254.169.254/32',
    );
    // Without the statement every pod fails: the injector wrote the mesh's values into it.
    expect(refusals(items, podRequest(pod))).toMatch(/outbound capture as the mesh has it/);
    const told = renderItems(
      config().replace(
        '  production:\n',
        '  production:\n    meshCapture: {excludeOutboundIPRanges: 169.254.169.254/32, excludeOutboundPorts: "9092"}\n',
      ),
    );
    expect(refusals(told, podRequest(pod))).toBe('');
    // Still no other value.
    const other = injectPod(
      appPod(ns, { annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '443' } }),
      mesh,
    );
    expect(refusals(told, podRequest(other))).toMatch(/outbound capture as the mesh has it/);
  });

  for (const e of podEscapes(ns)) {
    it(`${mode}: refuses ${e.name}`, () => {
      const pod = e.uninjected ? e.pod : injectPod(e.pod, e.mesh ?? {});
      expect(refusals(items, podRequest(pod))).toMatch(e.refusal);
    });
  }

  it(`${mode}: refuses ephemeral containers (pods/ephemeralcontainers) that run as 1337 or privileged; admits a plain one`, () => {
    const pod = injectPod(appPod(ns), { cni: true });
    const debug = (securityContext?: Item) => ({
      ...pod,
      spec: {
        ...pod.spec,
        ephemeralContainers: [
          { name: 'debugger', image: 'busybox', ...(securityContext ? { securityContext } : {}) },
        ],
      },
    });
    const update = (p: Item) =>
      podRequest(p, { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: pod });
    expect(refusals(items, update(debug()))).toBe('');
    expect(refusals(items, update(debug({ runAsUser: 1337 })))).toMatch(
      /may not run as the sidecar's user or group/,
    );
    expect(refusals(items, update(debug({ privileged: true })))).toMatch(/may not be privileged/);
  });

  it(`${mode}: the cluster's own controllers pass (the garbage collector updating a pod)`, () => {
    const old = appPod(ns);
    const req = podRequest(old, {
      operation: 'UPDATE',
      oldObject: old,
      user: 'system:serviceaccount:kube-system:generic-garbage-collector',
    });
    expect(refusals(items, req)).toBe('');
    expect(refusals(items, { ...req, user: 'jane' })).not.toBe('');
  });
}

describe('21.1 application pods stay on their proxy (egress-gateway mode)', () => {
  guardSuite('egress-gateway', () => caseConfig('production-recommended'), 'shop');

  it('egress-gateway: admits an init container that runs before capture (the NetworkPolicy keeps it off the internet)', () => {
    const items = renderItems(caseConfig('production-recommended'));
    const pod = appPod('shop', {
      spec: { initContainers: [{ name: 'migrate', image: 'flyway' }] },
    });
    expect(refusals(items, podRequest(injectPod(pod)))).toBe('');
  });
});

describe('21.1 application pods stay on their proxy (sidecar mode)', () => {
  guardSuite('sidecar', () => caseConfig('mode-sidecar'), 'shop');

  it('sidecar: refuses an init container that runs before capture (istio-init last, no native sidecar, no CNI)', () => {
    const items = renderItems(caseConfig('mode-sidecar'));
    const pod = appPod('shop', {
      spec: { initContainers: [{ name: 'migrate', image: 'flyway' }] },
    });
    expect(refusals(items, podRequest(injectPod(pod)))).toMatch(
      /would run before its traffic is captured/,
    );
  });

  it('sidecar with dualStackCapture: refuses a pod whose proxy lacks ISTIO_DUAL_STACK, admits one with it', () => {
    const items = renderItems(
      caseConfig('mode-sidecar').replace(
        '    recommended: true\n',
        '    recommended: true\n    dualStackCapture: true\n',
      ),
    );
    expect(refusals(items, podRequest(injectPod(appPod('shop'), { cni: true })))).toMatch(
      /must capture IPv6/,
    );
    const dual = { cni: true, proxyMetadata: { ISTIO_DUAL_STACK: 'true' } };
    expect(refusals(items, podRequest(injectPod(appPod('shop'), dual)))).toBe('');
  });
});

describe('21.3 the namespace Sidecar, rendered or adopted, changes only through the guard admins', () => {
  const config = domainList(
    ['*.wikipedia.org'],
    'production: {sidecars: true, guard: true, namespaces: [shop]}',
  );
  const mine = [
    'apiVersion: networking.istio.io/v1',
    'kind: Sidecar',
    'metadata:',
    '  name: default',
    '  namespace: shop',
    'spec:',
    '  egress:',
    '  - hosts: ["./*", "istio-system/grafana.istio-system.svc.cluster.local"]',
    '',
  ].join('\n');
  const del = (sidecar: Item, user = 'jane', groups?: string[]): AdmissionRequest => ({
    group: 'networking.istio.io',
    kind: 'Sidecar',
    resource: 'sidecars',
    operation: 'DELETE',
    namespace: sidecar.metadata.namespace,
    oldObject: sidecar,
    user,
    ...(groups ? { groups } : {}),
  });

  it('refuses DELETE of the rendered Sidecar by anyone in the namespace; admits the admins and the namespace controller', () => {
    const items = renderItems(config);
    const [sc] = ofKind({ items, results: [] }, 'Sidecar');
    expect(refusals(items, del(sc))).toMatch(/only the guard's admins/);
    expect(refusals(items, del(sc, 'root', ['system:masters']))).toBe('');
    expect(refusals(items, del(sc, 'system:serviceaccount:kube-system:namespace-controller'))).toBe(
      '',
    );
  });

  it('refuses DELETE of an adopted Sidecar (it carries the mark of adoption), and an UPDATE that takes the mark off', () => {
    const items = renderItems(config, [mine]);
    const sidecars = ofKind({ items, results: [] }, 'Sidecar');
    expect(sidecars.map((s) => s.metadata.name)).toEqual(['default']);
    const [adopted] = sidecars;
    expect(adopted.metadata.annotations).toEqual({ 'wildcard-egress.dev/adopted-by': 'egress' });
    expect(refusals(items, del(adopted))).toMatch(/only the guard's admins/);
    const stripped = structuredClone(adopted);
    delete stripped.metadata.annotations;
    expect(refusals(items, { ...del(adopted), operation: 'UPDATE', object: stripped })).toMatch(
      /only the guard's admins/,
    );
    // A Sidecar the function neither rendered nor adopted stays the team's.
    const theirs = { ...stripped, metadata: { ...stripped.metadata, name: 'db-only' } };
    expect(refusals(items, del(theirs))).toBe('');
  });
});

describe('21.4 Gateways outside the stack namespaces cannot select the gateway pods by any label subset', () => {
  let items: Item[];
  beforeAll(() => {
    items = renderItems(caseConfig('production-recommended'));
  });
  const gateway = (selector?: Record<string, string>): AdmissionRequest => ({
    group: 'networking.istio.io',
    kind: 'Gateway',
    resource: 'gateways',
    operation: 'CREATE',
    namespace: 'shop',
    object: { spec: { ...(selector ? { selector } : {}), servers: [] } },
  });
  const cases: [string, Record<string, string> | undefined][] = [
    [
      'service.istio.io/canonical-name',
      { 'service.istio.io/canonical-name': 'istio-egressgateway' },
    ],
    ['sidecar.istio.io/inject: "true"', { 'sidecar.istio.io/inject': 'true' }],
    [
      'the stack label plus service.istio.io/canonical-revision',
      {
        'wildcard-egress.dev/gateway': 'egressgateway',
        'service.istio.io/canonical-revision': 'latest',
      },
    ],
    [
      'a node (kubernetes.io/hostname, which istiod adds to every proxy)',
      { 'kubernetes.io/hostname': 'node-1' },
    ],
    ['the cluster (topology.istio.io/cluster)', { 'topology.istio.io/cluster': 'Kubernetes' }],
    ['pod-template-hash', { 'pod-template-hash': '5d8c7b9f4' }],
    ['no selector (every proxy)', undefined],
  ];
  for (const [name, selector] of cases) {
    it(`refuses a Gateway selecting by ${name}`, () => {
      expect(refusals(items, gateway(selector))).toMatch(/may not select the egress gateway pods/);
    });
  }

  it("refuses every subset of the pods' post-injection labels; admits a selector with a label they lack", () => {
    const deploy = ofKind({ items, results: [] }, 'Deployment')[0];
    const labels: Record<string, string> = {
      ...deploy.spec.template.metadata.labels,
      'service.istio.io/canonical-name': deploy.metadata.name,
      'service.istio.io/canonical-revision': 'latest',
      'pod-template-hash': 'x',
      'topology.kubernetes.io/zone': 'z',
    };
    const keys = Object.keys(labels);
    for (let mask = 0; mask < 1 << keys.length; mask++) {
      const selector = Object.fromEntries(
        keys.filter((_, i) => mask & (1 << i)).map((k) => [k, labels[k]]),
      );
      expect(refusals(items, gateway(selector)), JSON.stringify(selector)).not.toBe('');
    }
    expect(refusals(items, gateway({ istio: 'ingressgateway' }))).toBe('');
    expect(refusals(items, gateway({ istio: 'egressgateway', app: 'mine' }))).toBe('');
  });
});

describe('21.5 WorkloadGroups are refused; istiod, revisioned or elsewhere, registers WorkloadEntries', () => {
  const request = (kind: string, user = 'jane'): AdmissionRequest => ({
    group: 'networking.istio.io',
    kind,
    resource: kind === 'WorkloadGroup' ? 'workloadgroups' : 'workloadentries',
    operation: 'CREATE',
    namespace: 'shop',
    user,
    object: {
      spec:
        kind === 'WorkloadGroup'
          ? { template: { serviceAccount: 'vm' } }
          : { address: '203.0.113.5' },
    },
  });

  it('refuses a WorkloadGroup (auto-registration takes the address the workload reports)', () => {
    const items = renderItems(caseConfig('production-recommended'));
    expect(refusals(items, request('WorkloadGroup'))).toMatch(/WorkloadGroups are managed/);
  });

  it('admits istiod and istiod-<revision> in the root namespace, or in production.istiodNamespace', () => {
    const items = renderItems(caseConfig('production-recommended'));
    for (const sa of ['istiod', 'istiod-1-30', 'istiod-canary'])
      expect(
        refusals(items, request('WorkloadEntry', `system:serviceaccount:istio-system:${sa}`)),
      ).toBe('');
    expect(refusals(items, request('WorkloadEntry', 'system:serviceaccount:shop:istiod'))).toMatch(
      /WorkloadEntries are managed/,
    );
    expect(
      refusals(items, request('WorkloadEntry', 'system:serviceaccount:istio-control:istiod-1-30')),
    ).not.toBe('');
    const elsewhere = renderItems(
      caseConfig('production-recommended').replace(
        '    recommended: true\n',
        '    recommended: true\n    istiodNamespace: istio-control\n',
      ),
    );
    expect(
      refusals(
        elsewhere,
        request('WorkloadEntry', 'system:serviceaccount:istio-control:istiod-1-30'),
      ),
    ).toBe('');
  });

  it('refuses a ProxyConfig with environmentVariables (they reach istio-init)', () => {
    const items = renderItems(caseConfig('production-recommended'));
    const req: AdmissionRequest = {
      group: 'networking.istio.io',
      version: 'v1beta1',
      kind: 'ProxyConfig',
      resource: 'proxyconfigs',
      operation: 'CREATE',
      namespace: 'shop',
      object: { spec: { environmentVariables: { ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: '1000' } } },
    };
    expect(refusals(items, req)).toMatch(/may not set environmentVariables/);
    expect(refusals(items, { ...req, object: { spec: { concurrency: 2 } } })).toBe('');
  });
});

describe("21.6 the gateway's label is reserved for the gateway namespace", () => {
  it('refuses a pod carrying wildcard-egress.dev/gateway outside istio-egress', () => {
    const items = renderItems(caseConfig('production-recommended'));
    const pod = (ns: string) =>
      appPod(ns, { labels: { 'wildcard-egress.dev/gateway': 'egressgateway' } });
    expect(refusals(items, podRequest(injectPod(pod('shop'))))).toMatch(
      /wildcard-egress.dev\/gateway is reserved/,
    );
    expect(refusals(items, podRequest(pod('elsewhere')))).toMatch(/is reserved/);
    expect(refusals(items, podRequest(pod('istio-egress')))).toBe('');
  });
});

describe('21.8 namespace deletion does not hang on the guard', () => {
  it('admits the namespace controller and the garbage collector deleting rendered NetworkPolicies', () => {
    const items = renderItems(caseConfig('production-recommended'));
    const np = ofKind({ items, results: [] }, 'NetworkPolicy')[0];
    const del = (user: string): AdmissionRequest => ({
      group: 'networking.k8s.io',
      kind: 'NetworkPolicy',
      resource: 'networkpolicies',
      operation: 'DELETE',
      namespace: np.metadata.namespace,
      oldObject: np,
      user,
    });
    expect(refusals(items, del('jane'))).toMatch(/only the guard's admins/);
    for (const user of [
      'system:serviceaccount:kube-system:namespace-controller',
      'system:serviceaccount:kube-system:generic-garbage-collector',
      'system:kube-controller-manager',
    ])
      expect(refusals(items, del(user))).toBe('');
  });
});

describe('the pod rules of waypoint (ambient) mode', () => {
  it('admit an ambient pod; refuse one that leaves the mesh (label or annotation) or uses the host network', () => {
    const items = renderItems(caseConfig('mode-waypoint'));
    expect(refusals(items, podRequest(appPod('shop')))).toBe('');
    for (const where of ['labels', 'annotations'] as const)
      expect(
        refusals(
          items,
          podRequest(appPod('shop', { [where]: { 'istio.io/dataplane-mode': 'none' } })),
        ),
      ).toMatch(/may not leave the ambient mesh/);
    expect(refusals(items, podRequest(appPod('shop', { spec: { hostNetwork: true } })))).toMatch(
      /may not use the host network/,
    );
  });
});
