import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import { parseOutput, withoutResults } from './helpers.js';
import { expectedOf, goldenCases, inputOf } from './support/golden-cases.js';

const update = process.env.UPDATE_GOLDEN === '1';
const cases = goldenCases();

/** The `items:` block of a ResourceList text, as written. */
function itemsBlock(text: string): string {
  return text.match(/^items:[\s\S]*?(?=^functionConfig:|^results:|(?![\s\S]))/m)?.[0] ?? '';
}

describe('golden cases', () => {
  it('exist', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of cases) {
    it(`${c.name}: ${c.description}`, () => {
      const out = runFunction(inputOf(c));
      if (update) writeFileSync(join(c.dir, 'expected.yaml'), out.stdout);
      expect(out.exitCode).toBe(c.exitCode);
      expect(out.stdout).toBe(expectedOf(c));
    });

    if (c.exitCode === 0) {
      it(`${c.name}: a second run changes nothing`, () => {
        const first = runFunction(inputOf(c));
        const second = runFunction(first.stdout);
        expect(second.exitCode).toBe(0);
        expect(withoutResults(second.stdout)).toBe(withoutResults(first.stdout));
        expect(second.stdout).toMatch(/already up to date|check: all/);
      });
    } else {
      // A case without items of its own gets unrelated ones, so "unchanged" has something to hold.
      const extra = (c.items ?? []).length === 0 && !c.input ? ['fixtures/unrelated.yaml'] : [];
      it(`${c.name}: every item comes back byte for byte, nothing added; each error on stderr once`, () => {
        const input = inputOf(c, extra);
        const out = runFunction(input);
        expect(out.exitCode).toBe(1);
        expect(itemsBlock(input)).toMatch(/^items:\n- /);
        expect(itemsBlock(out.stdout)).toBe(itemsBlock(input));
        const shown = parseOutput(out.stdout).results.filter((r) => r.severity !== 'info');
        expect(shown.filter((r) => r.severity === 'error').length).toBeGreaterThan(0);
        // kpt's function-input ConfigMap marks the input as kpt's, which prints results itself.
        if (/^ +name: function-input$/m.test(input)) expect(out.stderr).toBe('');
        else {
          expect(out.stderr.trimEnd().split('\n')).toHaveLength(shown.length);
          for (const r of shown) expect(out.stderr).toContain(r.message);
        }
      });
    }
  }
});
