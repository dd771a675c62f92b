import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runStream } from '../src/cli/stream.js';
import { ROOT } from './helpers.js';
import { corpusConfigFile, optIn } from './support/real-corpus.js';

/**
 * The findings of an independent attack on the no-harm rules
 * (testdata/attack/FINDINGS.md: public inputs nobody on the project wrote,
 * and a few constructed ones), each run as the finding ran it and answered
 * the way the rules now promise: the list where the item can carry it and
 * nothing of the user's lost, or a refusal naming the item and field.
 */

const ATTACK = join(ROOT, 'testdata/attack');
const read = (path: string) => readFileSync(join(ATTACK, path), 'utf8');
const config = (name: string) => corpusConfigFile(read(`tools/cfg/${name}.yaml`));
const kinds = (stdout: string) =>
  parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any>);
const ofKind = (docs: Record<string, any>[], kind: string) => docs.filter((d) => d.kind === kind);

describe('an opted-in item takes the place of rendered ones only where it does their job', () => {
  it('D1: a ServiceEntry on 443 does not drop the rendered one for a name also listed on 8443', () => {
    const input = optIn(
      read('kiali-service-entries/bookinfo-service-entry-external.yaml'),
      'ServiceEntry',
      'external-svc-https',
    );
    const out = runStream(input, config('kiali-8443'));
    expect(out.exitCode, out.stderr).toBe(0);
    const ses = ofKind(kinds(out.stdout), 'ServiceEntry');
    const on8443 = ses.filter((s) => s.spec.ports.some((p: any) => p.number === 8443));
    expect(on8443.flatMap((s) => s.spec.hosts)).toContain('api.github.com');
  });

  it("D2: a VirtualService routing the list to the stack's own gateway is refused (IST0109), not left without the gateway route", () => {
    const out = runStream(read('constructed/anchor.yaml'), config('kiali'));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(
      /error VirtualService\/istio-system\/saas spec\.hosts: .*\(IST0109\)/,
    );
  });

  it("D3: an EnvoyFilter of another purpose, opted in by mistake, leaves the stack's forwarder in place", () => {
    const input = optIn(
      read('aws-istio-on-eks/productcatalog-envoyfilter.yaml'),
      'EnvoyFilter',
      'productcatalog',
    );
    const out = runStream(input, config('base'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(ofKind(kinds(out.stdout), 'EnvoyFilter').map((e) => e.metadata.name)).toContain(
      'sni-magic',
    );
    expect(out.stderr).toMatch(
      /warning EnvoyFilter\/workshop\/productcatalog: has no place for the list/,
    );
  });

  it("D5: a ServiceEntry exported to its own namespace only takes no rendered one's place, and keeps the cluster's own name", () => {
    const input = optIn(
      read('kiali-service-entries/bookinfo-se-sidecar-foreign-multimatch.yaml'),
      'ServiceEntry',
      'kiali-test-foreign-se-a',
    );
    const out = runStream(input, config('base'));
    expect(out.exitCode, out.stderr).toBe(0);
    const docs = kinds(out.stdout);
    const mine = ofKind(docs, 'ServiceEntry').find(
      (s) => s.metadata.name === 'kiali-test-foreign-se-a',
    );
    expect(mine?.spec.hosts).toEqual(['kubernetes.default.svc.cluster.local', '*.wikipedia.org']);
    expect(ofKind(docs, 'ServiceEntry').map((s) => s.metadata.name)).toContain('wildcard');
  });
});

describe('places that fit, widened', () => {
  it("D4: an HTTP port among the list's TLS ports is a bypass, refused at its protocol", () => {
    const input = optIn(
      read('istio-external-services/external_services.yaml'),
      'ServiceEntry',
      'external-svc-ports',
    );
    const out = runStream(input, config('extsvc2'));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(
      /error ServiceEntry\/testns\/external-svc-ports spec\.ports\[1\]\.protocol: is "HTTP", but the list's names go out on port 8443 as TLS/,
    );
  });

  it("D6: TLS names are not written into an AuthorizationPolicy's operation.hosts, an HTTP attribute", () => {
    const input = optIn(
      read('solo-workshops-2-9-ambient-egress/extracted.yaml'),
      'AuthorizationPolicy',
      'httpbin',
    );
    const out = runStream(input, config('wp-egress'));
    expect(out.stdout).not.toMatch(/hosts: \["httpbin\.org", "\*\.wikipedia\.org"\]/);
    expect(out.stderr).toMatch(
      /AuthorizationPolicy\/egress\/httpbin .*is an HTTP attribute, which a TLS connection never carries/,
    );
  });
});

describe('configuration and reading', () => {
  it('D7: the root namespace is refused as an application namespace', () => {
    const out = runStream(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: kubeflow}\n',
      config('prod-kf'),
    );
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain(
      'error spec.production.namespaces[1]: "istio-system" is the root namespace',
    );
  });

  it('D8: adopting a gateway that serves more: a warning names the policies its pods now take', () => {
    const out = runStream(
      read('istio-operator-all-on/all_on.golden-show-in-gh-pull-request.yaml'),
      config('gwsys-prod'),
    );
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(
      /warning Deployment\/istio-system\/istio-egressgateway spec\.template\.metadata\.labels: its pods take the stack's gateway label, so NetworkPolicy\/istio-system\/istio-egressgateway-egress and AuthorizationPolicy\/istio-system\/istio-egressgateway now apply/,
    );
  });

  it("D9: a document after a bare `...` is read: the user's Service is adopted, not doubled", () => {
    const out = runStream(read('constructed/dots2.yaml'), config('base'));
    expect(out.exitCode, out.stderr).toBe(0);
    const services = ofKind(kinds(out.stdout), 'Service').filter(
      (s) => s.metadata.name === 'egressgateway',
    );
    expect(services).toHaveLength(1);
    expect(out.stdout.startsWith(read('constructed/dots2.yaml'))).toBe(true);
  });

  it('D10 and C1: a byte-order mark is dropped, and a CRLF list gains a CRLF line', () => {
    const se = optIn(
      read('kiali-service-entries/bookinfo-service-entry-external.yaml'),
      'ServiceEntry',
      'external-svc-https',
    );
    const crlf = se.replace(/\n/g, '\r\n');
    const out = runStream(`\uFEFF${crlf}`, config('kiali'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toContain('  - api.github.com\r\n');
  });

  it('D11: a flow list written one entry a line keeps each line and comment, and gains one line', () => {
    const input = read('constructed/flow.yaml');
    const out = runStream(input, config('kiali'));
    expect(out.exitCode, out.stderr).toBe(0);
    // The user's documents come out first, changed by a comma and one line only.
    const expected = input.replace(
      '    api.facebook.com      # facebook\n',
      '    api.facebook.com,      # facebook\n    api.github.com\n',
    );
    expect(expected).not.toBe(input);
    expect(out.stdout.startsWith(expected)).toBe(true);
  });

  it("C5: a JSON document's list over several lines gains a line and the document stays JSON", () => {
    const se = optIn(
      read('kiali-service-entries/bookinfo-service-entry-external.yaml'),
      'ServiceEntry',
      'external-svc-https',
    );
    const json = `${JSON.stringify(parseAllDocuments(se)[0].toJS(), null, 4)}\n`;
    const out = runStream(json, config('kiali'));
    expect(out.exitCode, out.stderr).toBe(0);
    const first = out.stdout.slice(0, out.stdout.indexOf('\n}\n') + 3);
    const expected = json.replace(
      '"api.facebook.com"\n',
      '"api.facebook.com",\n            "api.github.com"\n',
    );
    expect(expected).not.toBe(json);
    expect(first).toBe(expected);
    expect(JSON.parse(first).spec.hosts).toContain('api.github.com');
  });

  it("M1: a root-namespace allow-nothing AuthorizationPolicy that would refuse the stack's gateway is named, with the option that fits", () => {
    const input = read('kubeflow-istio-install/deny_all_authorizationpolicy.yaml');
    const out = runStream(input, config('base'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(
      /^warning AuthorizationPolicy\/istio-system\/global-deny-all spec: applies to every workload of the mesh, the stack's gateway pods \(istio-egressgateway\) included: it allows nothing, .* spec\.production\.authorization: true/m,
    );
    // With the gateway's own ALLOW policy rendered, the lanes are admitted: nothing to say.
    const withPolicy = runStream(
      input,
      corpusConfigFile(
        'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nmetadata: {name: egress}\nspec: {domains: ["*.wikipedia.org"], production: {authorization: true, namespaces: [shop]}}\n',
      ),
    );
    expect(withPolicy.exitCode, withPolicy.stderr).toBe(0);
    expect(withPolicy.stderr).not.toContain('global-deny-all');
    // A policy that selects other pods is none of the gateway's business.
    const other = input.replace('spec:\n  {}', 'spec:\n  selector: {matchLabels: {app: notebook}}');
    expect(other).not.toBe(input);
    expect(runStream(other, config('base')).stderr).not.toContain('global-deny-all');
  });

  it('M1 (b): an ALLOW policy on the adopted waypoint (Solo workshop) is named; with production.authorization it is not', () => {
    const input = read('solo-workshops-2-9-ambient-egress/extracted.yaml');
    const out = runStream(input, config('wp-egress'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(
      /^warning AuthorizationPolicy\/egress\/httpbin spec\.targetRefs\[0\]: targets the stack's waypoint \(Gateway egress\/waypoint\): .*HTTP attributes such as methods and paths never match TLS passthrough.*spec\.production\.authorization: true/m,
    );
    const withPolicy = runStream(
      input,
      corpusConfigFile(
        read('tools/cfg/wp-egress.yaml').replace(
          'gateway: {namespace: egress}',
          'gateway: {namespace: egress}\n  production: {authorization: true, namespaces: [clients]}',
        ),
      ),
    );
    expect(withPolicy.exitCode, withPolicy.stderr).toBe(0);
    expect(withPolicy.stderr).not.toContain('AuthorizationPolicy/egress/httpbin');
  });
});

describe('C3: an opted-in Sidecar with a port-specific listener', () => {
  it('the list goes only into the listener without a port; the MYSQL listener is kept byte for byte', () => {
    const input = read('constructed/sc-ports.yaml');
    const out = runStream(input, config('base'));
    expect(out.exitCode, out.stderr).toBe(0);
    const sidecar = ofKind(kinds(out.stdout), 'Sidecar').find((s) => s.metadata.name === 'default');
    expect(sidecar?.spec.egress[0].hosts).toEqual(['*/mysql.foo.com']);
    expect(sidecar?.spec.egress[1].hosts).toEqual([
      'istio-system/*',
      'istio-system/*.wikipedia.org',
    ]);
    const mysql = input.slice(input.indexOf('  - port:'), input.indexOf('  - hosts:'));
    expect(out.stdout).toContain(mysql);
  });
});
