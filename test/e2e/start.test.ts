import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { domainList, fourPlaces, ROOT } from '../helpers.js';
import { describeWithTool, parseStream, sh, tempDir } from './tools.js';

/** No line of npm's or the function's output is JSON (npm's own reports with `json=true`). */
function expectNoJson(text: string): void {
  expect(text.split('\n').filter((l) => /^\s*[{}[\]"]/.test(l))).toEqual([]);
}

const STACK = join(ROOT, 'stack.yaml');
const SAVED = join(ROOT, 'stack.yaml.saved-by-test');

describeWithTool('kubectl', '`npm start` as the README shows it', () => {
  // `npm start` writes stack.yaml in the clone: keep one the developer had.
  beforeAll(() => {
    if (existsSync(STACK)) renameSync(STACK, SAVED);
  });
  afterAll(() => {
    rmSync(STACK, { force: true });
    if (existsSync(SAVED)) renameSync(SAVED, STACK);
  });

  it('writes stack.yaml: clean YAML that kubectl kustomize builds; npm prints no JSON', () => {
    const r = sh('npm', ['start'], { cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    expectNoJson(r.stdout);
    expectNoJson(r.stderr);
    expect(r.stderr).toContain(`npm start: wrote ${STACK} (10 documents)`);
    const text = readFileSync(STACK, 'utf8');
    expect(text).not.toContain('> wildcard-egress@');
    expect(text.startsWith('apiVersion: v1\nkind: Service\n')).toBe(true);
    const dir = tempDir('start');
    writeFileSync(join(dir, 'stack.yaml'), text);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n- stack.yaml\n');
    const built = sh('kubectl', ['kustomize', dir]);
    expect(built.status, built.stderr).toBe(0);
    const items = parseStream(built.stdout);
    expect(items).toHaveLength(10);
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
      Array(4).fill(['*.wikipedia.org']),
    );
  });

  it('prints a warning once', () => {
    const dir = tempDir('start');
    writeFileSync(join(dir, 'domains.yaml'), domainList(['*.github.io', 'api.github.com']));
    const r = sh('npm', ['start', '--', join(dir, 'domains.yaml'), join(dir, 'out.yaml')], {
      cwd: ROOT,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/^warning.*github\.io/gm)).toHaveLength(1);
  });

  it('a bad list: exit 1, the error in words, no file written and no JSON from npm', () => {
    const dir = tempDir('start');
    writeFileSync(join(dir, 'domains.yaml'), domainList(['*.com']));
    const r = sh('npm', ['start', '--', join(dir, 'domains.yaml'), join(dir, 'out.yaml')], {
      cwd: ROOT,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error spec.domains[0]: domain "*.com" is a wildcard');
    expect(r.stderr).toContain(`npm start: nothing written to ${join(dir, 'out.yaml')}`);
    expect(existsSync(join(dir, 'out.yaml'))).toBe(false);
    expectNoJson(r.stdout);
    expectNoJson(r.stderr);
  });
});
