import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStream } from '../src/cli/stream.js';
import { ROOT } from './helpers.js';
import { explainManifests } from './explain-harness.js';
import { corpusConfigFile, optIn } from './support/real-corpus.js';

/**
 * The third layout attack (testdata/atk3: istio.io's egress tasks, sources in
 * its SOURCES.md, findings in its FINDINGS.md), each finding run as it was
 * found and answered as the no-harm rules promise.
 */

const CASES = join(ROOT, 'testdata/atk3');
const read = (path: string) => readFileSync(join(CASES, path), 'utf8');
const config = (name: string) => corpusConfigFile(read(`tools/cfg/${name}.yaml`));
const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error'));
const HTTPS = 'istio-docs-egress-gateway/derived-https-istio.yaml';

describe('1. an opted-in Gateway that no VirtualService of the list binds', () => {
  for (const cfg of ['sc', 'gw', 'wp'])
    it(`is refused naming its server hosts, the user's host kept (${cfg})`, () => {
      const out = runStream(optIn(read(HTTPS), 'Gateway', 'istio-egressgateway'), config(cfg));
      expect(out.exitCode).toBe(1);
      expect(out.stdout).toBe('');
      expect(errors(out.stderr)).toContainEqual(
        expect.stringMatching(
          /^error Gateway\/istio-egressgateway spec\.servers\[\*\]\.hosts: opted in, but no VirtualService holding the list binds this Gateway/,
        ),
      );
    });
});

describe('2. a Gateway without a namespace that selects the stack gateway pods', () => {
  it('is named like a namespaced one (Gateways select pods mesh-wide)', () => {
    const out = runStream(read(HTTPS), config('gwco'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(
      /^warning Gateway\/istio-egressgateway spec\.selector: its selector \(\{"istio":"egressgateway"\}\) selects the stack's gateway pods/m,
    );
  });
});

describe("3. explain on a sidecar-mode render beside the user's egress Gateway", () => {
  it("takes the stack's mode from the stack's own items", () => {
    const out = runStream(read(HTTPS), config('sc'));
    expect(out.exitCode, out.stderr).toBe(0);
    const answer = explainManifests(out.stdout, 'en.wikipedia.org:443', { from: 'default' });
    expect(answer.mode).toBe('sidecar');
    expect(answer.verdict).toBe('allowed');
  });
});

describe('4. generate: false with a listed name that no item of the user carries', () => {
  it('names it instead of saying every domain is held', () => {
    const input = optIn(
      read('istio-docs-egress-control/derived-istio.yaml'),
      'ServiceEntry',
      'google',
    );
    const out = runStream(input, config('scng'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).toMatch(
      /^warning: api\.example\.com: in the list, but in no host place \(generate: false renders nothing/m,
    );
    expect(out.stderr).not.toMatch(/^warning: www\.google\.com/m);
  });
});

describe('5. a Gateway API timeout on a ServiceEntry (egress-control task)', () => {
  it('is no egress gateway: the run adds the stack and keeps the route byte for byte', () => {
    const input = read('istio-docs-egress-control/derived-gwapi.yaml');
    const out = runStream(input, config('gw'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).not.toContain('per-host egress gateway');
    const route = input.slice(input.indexOf('kind: HTTPRoute'));
    expect(out.stdout).toContain(
      route.slice(0, route.indexOf('---') > 0 ? route.indexOf('---') : undefined).trimEnd(),
    );
  });

  it('the gateway recipe of the same task is still recognised', () => {
    const out = runStream(read('istio-docs-egress-gateway/derived-https-gwapi.yaml'), config('gw'));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('(a Gateway API egress gateway)');
  });
});

describe('7. user ServiceEntries in a namespace the guard will cover', () => {
  it('each is named with the hosts the guard refuses', () => {
    const out = runStream(read('constructed/egress-control-namespaced.yaml'), config('prod'));
    expect(out.exitCode, out.stderr).toBe(0);
    const named = out.stderr
      .split('\n')
      .filter((l) => l.startsWith('warning ServiceEntry/default/'))
      .map((l) => l.split(':')[0]);
    expect(named.sort()).toEqual([
      'warning ServiceEntry/default/google spec.hosts',
      'warning ServiceEntry/default/httpbin-ext spec.hosts',
    ]);
  });
});

describe('8. sidecar and waypoint runs beside a per-host egress gateway', () => {
  for (const [cfg, file, kind] of [
    ['sc', HTTPS, 'VirtualService/direct-cnn-through-egress-gateway'],
    [
      'wp',
      'istio-docs-egress-gateway/derived-https-gwapi.yaml',
      'TLSRoute/direct-cnn-to-egress-gateway',
    ],
  ])
    it(`say what they found and that it is left as it is (${cfg})`, () => {
      const out = runStream(read(file), config(cfg));
      expect(out.exitCode, out.stderr).toBe(0);
      expect(out.stderr).toMatch(
        new RegExp(
          `^info: found ${kind.replace('/', '\\/')} .*of your own, left as it is: in (sidecar|waypoint) mode`,
          'm',
        ),
      );
    });
});

describe("6. the advice for a waypoint of the user's own", () => {
  it('says to list the names on every port of the ServiceEntries it suggests opting in', () => {
    const input = readFileSync(
      join(ROOT, 'testdata/real/solo-workshops-ambient-egress-waypoint/extracted.yaml'),
      'utf8',
    );
    const out = runStream(input, config('wp'));
    expect(out.exitCode).toBe(1);
    expect(errors(out.stderr)).toContainEqual(
      expect.stringMatching(
        /^error Gateway\/egress\/waypoint spec\.gatewayClassName: .*set generate: false \(list the names on every port those ServiceEntries declare, spec\.domains\[\]\.ports, or the run refuses the other ports\)/,
      ),
    );
  });
});
