import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStream } from '../src/cli/stream.js';
import { runFunction } from '../src/function/run-function.js';
import { domainList, parseOutput, resourceList, ROOT } from './helpers.js';
import { admission } from './support/admission.js';
import { corpusConfigFile } from './support/real-corpus.js';

/**
 * Items of the user's whose meaning the rendered stack changes are named
 * before they bite (src/reconcile/guard-notes.ts): Sidecars the guard will
 * refuse (attack finding M3) and Gateways that select the stack's gateway
 * pods (M7). The warning is checked against the rendered guard's own CEL
 * (@bufbuild/cel): it says "refuses" exactly when the guard refuses.
 */

const ATTACK = join(ROOT, 'testdata/attack');
const read = (path: string) => readFileSync(join(ATTACK, path), 'utf8');
const config = (name: string) => corpusConfigFile(read(`tools/cfg/${name}.yaml`));
const kubeflow = () =>
  ['install.yaml', 'sidecar-prune-egress.yaml']
    .map((f) => read(`kubeflow-istio-install/${f}`))
    .join('\n---\n');
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning'));

describe('M3: Sidecars in a locked namespace that the guard will refuse', () => {
  it("Kubeflow's two exception Sidecars are named, each with its field and the fix", () => {
    const out = runStream(kubeflow(), config('prod-kf1'));
    expect(out.exitCode, out.stderr).toBe(0);
    const sidecars = warnings(out.stderr).filter((l) => l.startsWith('warning Sidecar/kubeflow/'));
    expect(sidecars.map((l) => l.split(' ').slice(0, 3).join(' ')).sort()).toEqual([
      'warning Sidecar/kubeflow/ml-pipeline-ui-exception spec.outboundTrafficPolicy.mode:',
      'warning Sidecar/kubeflow/notebook-controller-exception spec.outboundTrafficPolicy.mode:',
    ]);
    for (const l of sidecars)
      expect(l).toContain(
        'refuses this Sidecar at its next create or update. Set spec.outboundTrafficPolicy.mode: REGISTRY_ONLY',
      );
  });
});

describe('M7: a Gateway of the user that selects the stack gateway pods', () => {
  it('with coexist: true, the stock-gateway Gateway of the istio example is named', () => {
    const out = runStream(read('istio-se-example-gw/se-example-gw.yaml'), config('coexist'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(warnings(out.stderr)).toContainEqual(
      expect.stringMatching(
        /^warning Gateway\/exampleegressgw\/istio-egressgateway spec\.selector: its selector \(\{"istio":"egressgateway"\}\) selects the stack's gateway pods \(Deployment istio-egress\/istio-egressgateway\) too: .*Give it a selector label those pods do not carry$/,
      ),
    );
  });
});

describe('the warning agrees with the rendered guard', () => {
  const PROD = 'production:\n    guard: true\n    namespaces: [shop]';
  const gateway = (selector: Record<string, string> | undefined) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'mine', namespace: 'shop' },
    spec: {
      ...(selector ? { selector } : {}),
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    },
  });
  const sidecar = (mode: string | undefined) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: 'mine', namespace: 'shop' },
    spec: {
      egress: [{ hosts: ['./*'] }],
      ...(mode ? { outboundTrafficPolicy: { mode } } : {}),
    },
  });
  const run = (item: Record<string, unknown>) => {
    const out = runFunction(
      resourceList([JSON.stringify(item)], domainList(['*.wikipedia.org'], PROD)),
    );
    expect(out.exitCode, out.stderr).toBe(0);
    const items = parseOutput(out.stdout).items;
    const kind = String(item.kind);
    const refused = admission(items, {
      group: 'networking.istio.io',
      kind,
      resource: kind === 'ServiceEntry' ? 'serviceentries' : `${kind.toLowerCase()}s`,
      operation: 'UPDATE',
      namespace: 'shop',
      object: item,
      oldObject: item,
    }).length;
    const warned = warnings(out.stderr).some(
      (l) => l.startsWith(`warning ${String(item.kind)}/shop/mine`) && l.includes('refuses'),
    );
    return { refused: refused > 0, warned };
  };

  const selectors: (Record<string, string> | undefined)[] = [
    undefined,
    {},
    { istio: 'egressgateway' },
    { istio: 'ingressgateway' },
    { 'service.istio.io/canonical-revision': 'latest' },
    { 'pod-template-hash': 'abc' },
    { 'service.istio.io/canonical-revision': 'latest', app: 'mine' },
  ];
  for (const selector of selectors)
    it(`Gateway with selector ${JSON.stringify(selector)}`, () => {
      const { refused, warned } = run(gateway(selector));
      expect(warned).toBe(refused);
    });

  for (const mode of [undefined, 'ALLOW_ANY', 'REGISTRY_ONLY'])
    it(`Sidecar with outboundTrafficPolicy.mode ${String(mode)}`, () => {
      const { refused, warned } = run(sidecar(mode));
      expect(warned).toBe(refused);
      expect(refused).toBe(mode !== 'REGISTRY_ONLY');
    });

  const serviceEntry = (hosts: string[]) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'mine', namespace: 'shop' },
    spec: {
      hosts,
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
      resolution: 'DNS',
    },
  });
  for (const hosts of [
    ['api.example.com'],
    ['db.data.svc.cluster.local'],
    ['a.svc.cluster.local', 'b.com'],
  ])
    it(`ServiceEntry with hosts ${JSON.stringify(hosts)}`, () => {
      const { refused, warned } = run(serviceEntry(hosts));
      expect(warned).toBe(refused);
    });

  it('at least one Gateway case is refused and one admitted (the comparison is not vacuous)', () => {
    const results = selectors.map((s) => run(gateway(s)).refused);
    expect(results).toContain(true);
    expect(results).toContain(false);
  });
});

describe('namespace-wide Sidecars of the user that the added ones displace', () => {
  it("M2: Kubeflow's mesh default Sidecar is named with the imports the locked namespace loses", () => {
    const out = runStream(kubeflow(), config('prod-kf1'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(warnings(out.stderr)).toContainEqual(
      expect.stringMatching(
        /^warning Sidecar\/istio-system\/default spec\.egress: is the mesh's default Sidecar; the Sidecars this run adds in kubeflow replace it there, so its egress hosts \(kubeflow\/\*, kubeflow-system\/\*, knative-serving\/\*, knative-eventing\/\*, istio-system\/\*\) no longer apply/,
      ),
    );
  });

  it('M6: a namespace-less, namespace-wide Sidecar (Kiali test data) is named with the namespaces it would double', () => {
    const out = runStream(
      read('kiali-service-entries/bookinfo-se-sidecar-foreign-multimatch.yaml'),
      config('prod'),
    );
    expect(out.exitCode, out.stderr).toBe(0);
    expect(warnings(out.stderr)).toContainEqual(
      'warning Sidecar/kiali-test-sidecar-import-se metadata.namespace: has no namespace and no workloadSelector: applied into bookinfo, default, payments, shop (where this run adds a namespace-wide Sidecar), it would be a second one there, which Istio leaves undefined. Write its namespace in the item: the run then puts the list into it instead of adding its own',
    );
  });

  it('no word when the run adds no Sidecar (production off)', () => {
    const out = runStream(kubeflow(), config('base'));
    expect(out.stderr).not.toMatch(/^warning Sidecar\//m);
  });
});
