import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { domainList, fourPlaces, ROOT } from '../helpers.js';
import { describeWithTool, parseStream, sh } from './tools.js';

describeWithTool('kubectl', '`npm start > file` as the README shows it', () => {
  it('writes clean YAML (no npm banner) that kubectl kustomize builds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-start-'));
    const r = sh('sh', ['-c', `npm start > ${join(dir, 'stack.yaml')}`], { cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'stack.yaml'), 'utf8');
    expect(text).not.toContain('> wildcard-egress@');
    expect(text.startsWith('apiVersion: v1\nkind: Service\n')).toBe(true);
    expect(r.stderr).toContain('> wildcard-egress@');
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
    const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-start-'));
    writeFileSync(join(dir, 'domains.yaml'), domainList(['*.github.io', 'api.github.com']));
    const r = sh('npm', ['start', '--', join(dir, 'domains.yaml')], { cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/^warning.*github\.io/gm)).toHaveLength(1);
  });
});
