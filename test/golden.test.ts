import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/run.js';
import { documentSources, resourceList, ROOT, withoutResults } from './helpers.js';

/**
 * Golden cases: testdata/<case>/case.json names the input (fixture files of
 * items, or a raw ResourceList) and the exit code; config.yaml is the function
 * config; expected.yaml is the output, written by the code when
 * UPDATE_GOLDEN=1 and reviewed by hand.
 */
interface GoldenCase {
  description: string;
  exitCode: 0 | 1;
  items?: string[];
  input?: string;
}

const TESTDATA = join(ROOT, 'testdata');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(TESTDATA).filter((d) => existsSync(join(TESTDATA, d, 'case.json')));

function inputOf(dir: string, c: GoldenCase): string {
  if (c.input) return readFileSync(join(dir, c.input), 'utf8');
  const items = (c.items ?? []).flatMap((f) => documentSources(readFileSync(join(TESTDATA, f), 'utf8')));
  return resourceList(items, readFileSync(join(dir, 'config.yaml'), 'utf8'));
}

describe('golden cases', () => {
  it('exist', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of cases) {
    const dir = join(TESTDATA, name);
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as GoldenCase;

    it(`${name}: ${c.description}`, () => {
      const out = runFunction(inputOf(dir, c));
      const expectedPath = join(dir, 'expected.yaml');
      if (update) writeFileSync(expectedPath, out.stdout);
      expect(out.exitCode).toBe(c.exitCode);
      expect(out.stdout).toBe(readFileSync(expectedPath, 'utf8'));
    });

    if (c.exitCode === 0) {
      it(`${name}: a second run changes nothing`, () => {
        const first = runFunction(inputOf(dir, c));
        const second = runFunction(first.stdout);
        expect(second.exitCode).toBe(0);
        expect(withoutResults(second.stdout)).toBe(withoutResults(first.stdout));
        expect(second.stdout).toMatch(/already up to date|check: all/);
      });
    } else {
      it(`${name}: items come back unchanged`, () => {
        const input = inputOf(dir, c);
        const out = runFunction(input);
        const itemsIn = input.match(/^items:[\s\S]*?(?=^functionConfig:|(?![\s\S]))/m)?.[0] ?? '';
        expect(out.stdout).toContain(itemsIn.trimEnd());
      });
    }
  }
});
