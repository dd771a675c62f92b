import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStream } from '../src/cli/stream.js';
import { ROOT } from './helpers.js';
import { corpusConfigFile } from './support/real-corpus.js';

/**
 * The second attack's public layouts (testdata/atk-layouts, sources in its
 * SOURCES.md): an egress gateway route written over two VirtualServices is
 * recognised as one, and opting its mesh side in is refused.
 */

const CASES = join(ROOT, 'testdata/atk-layouts');
const read = (path: string) => readFileSync(join(CASES, path), 'utf8');
const config = (name: string) => corpusConfigFile(read(`tools/cfg/${name}.yaml`));
const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error'));

describe('a per-host egress gateway split over two VirtualServices (Sail operator docs)', () => {
  it('is recognised: the run fails naming both VirtualServices and the mode or option that fits', () => {
    const out = runStream(read('sail-egress-docs/extracted.yaml'), config('base'));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(errors(out.stderr)).toEqual([
      expect.stringMatching(
        /^error VirtualService\/direct-httpbin-through-egress-gateway spec\.http\[0\]: spec\.http\[0\] sends "httpbin\.org" to "istio-egressgateway\.istio-egressgateway\.svc\.cluster\.local", and another VirtualService's spec\.http\[0\] forwards "httpbin\.org" to "httpbin\.org" at the gateway \(VirtualService\/gateway-to-httpbin\): a per-host egress gateway of your own/,
      ),
    ]);
  });

  it('with coexist: true the stack is added beside it, and a warning says so', () => {
    const out = runStream(read('sail-egress-docs/extracted.yaml'), config('coexist'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/^warning VirtualService\/direct-httpbin-through-egress-gateway /m);
  });

  it('opting its mesh VirtualService in is refused: the gateway forwards only its own host', () => {
    const out = runStream(read('constructed/sail-docs-optin-vs.yaml'), config('httpbin'));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(errors(out.stderr)).toEqual([
      expect.stringMatching(
        /^error VirtualService\/direct-httpbin-through-egress-gateway spec\.http\[0\]: .*opted in, it would send every name of the list to a gateway that forwards only its own host/,
      ),
    ]);
  });
});

describe('the same identity given twice', () => {
  it('is named in a warning on the later item, with both positions', () => {
    const out = runStream(read('constructed/tele-dup.yaml'), config('base'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(
      /^warning Telemetry\/istio-system\/mesh-default: is given twice \(items 0 and 1\): kustomize refuses a build with both/m,
    );
    expect(
      runStream(read('sail-egress-docs/extracted.yaml'), config('coexist')).stderr,
    ).not.toContain('given twice');
  });
});

describe('hosts written as block scalars in an opted-in ServiceEntry', () => {
  it('a host carrying its line break is quoted in the change line, not split over two lines', () => {
    const out = runStream(read('constructed/se-block.yaml'), config('base'));
    expect(out.exitCode, out.stderr).toBe(0);
    const change = out.stderr.split('\n').find((l) => l.startsWith('info: list '));
    expect(change).toMatch(/removed "api\.a\.com\\n", api\.c\.com$/);
    expect(out.stderr).not.toMatch(/^, /m);
  });
});

describe("Istio's Gateway API egress sample (Sail operator)", () => {
  const input = () => read('sail-egress-gateway-api/egress-gateway-gw-api.yaml');

  it('is recognised: the route attached to the ServiceEntry is named, and no second gateway is added', () => {
    const out = runStream(input(), config('base'));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(errors(out.stderr)).toEqual([
      expect.stringMatching(
        /^error HTTPRoute\/direct-httpbin-to-egress-gateway spec\.rules\[0\]\.backendRefs: spec\.parentRefs\[0\] attaches it to ServiceEntry "httpbin-ext" and spec\.rules\[0\] sends that traffic to "httpbin-egress-gateway-istio" \(a Gateway API egress gateway\): a per-host egress gateway of your own; the run would add a second egress gateway .*spec\.coexist: true/,
      ),
    ]);
  });

  it('with coexist: true the stack is added beside it and every input document is kept byte for byte', () => {
    const out = runStream(input(), config('coexist'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/^warning HTTPRoute\/direct-httpbin-to-egress-gateway /m);
    for (const doc of input().split(/^---\n/m)) expect(out.stdout).toContain(doc.trimEnd());
  });
});

describe('a per-destination VirtualService with the identity of the stack', () => {
  it("is refused naming why it is the stack's, with no word of an annotation it does not carry", () => {
    const out = runStream(read('constructed/adopted-vs-per-destination.yaml'), config('base'));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(errors(out.stderr)).toEqual([
      expect.stringMatching(
        /^error VirtualService\/istio-system\/direct-wildcard-through-egress-gateway spec\.tls\[0\]\.route: .*one route per destination.*; rename it or move it to another namespace \(it is taken as the stack's VirtualService\/istio-system\/direct-wildcard-through-egress-gateway because its kind, namespace and name are that resource's\)/,
      ),
    ]);
    expect(out.stderr).not.toContain('annotation,');
  });
});
