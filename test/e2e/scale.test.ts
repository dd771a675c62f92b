import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { domainList } from '../helpers.js';
import { manyNames } from '../support/many-names.js';
import { describeWithTool, localCommand, parseStream, sh, snapshot } from './tools.js';

describeWithTool('kpt', 'a long list in a kpt package', () => {
  it('10,000 names, then one more: only the files of the bucket holding it change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-scale-'));
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    const config = join(dir, 'domains.yaml');
    const names = manyNames(10_000, 7);
    const evalWith = (list: string[]) => {
      writeFileSync(config, domainList(list));
      const r = sh(
        'kpt',
        [
          'fn',
          'eval',
          pkg,
          '--exec',
          'wildcard-egress',
          '--fn-config',
          config,
          '--truncate-output=false',
        ],
        { path: localCommand() },
      );
      expect(r.status, r.stderr).toBe(0);
      return snapshot(pkg);
    };
    const first = evalWith(names);
    const items = Object.values(first).flatMap((t) => parseStream(t));
    expect(items.filter((i) => i.kind === 'VirtualService').length).toBeGreaterThan(1);
    expect(items.filter((i) => i.kind === 'EnvoyFilter').length).toBeGreaterThan(1);
    const second = evalWith([...names, 'api.one-more-name.example.com']);
    const changed = Object.keys(second)
      .filter((f) => second[f] !== first[f])
      .sort();
    const kinds = changed
      .map((f) => parseStream(second[f]).map((i) => i.kind))
      .flat()
      .sort();
    expect(kinds).toEqual(['EnvoyFilter', 'ServiceEntry', 'VirtualService']);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
  });
});
