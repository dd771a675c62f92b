import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FC_SEED } from './support/fast-check-seed.js';

describe('the test run itself', () => {
  it('keeps every temporary folder under its own, which test/support/global-setup.ts removes at the end', () => {
    expect(basename(tmpdir())).toMatch(/^wildcard-egress-tests-/);
    expect(process.env.TMPDIR).toBe(tmpdir());
  });

  it('seeds fast-check once per run from FC_SEED, so a failure can be replayed', () => {
    expect(Number.isInteger(FC_SEED)).toBe(true);
    expect(String(FC_SEED)).toBe(process.env.FC_SEED);
    expect(fc.readConfigureGlobal().seed).toBe(FC_SEED);
    // The same seed draws the same values: what makes FC_SEED=N replay a run.
    const draw = () => fc.sample(fc.integer(), { numRuns: 5, seed: FC_SEED });
    expect(draw()).toEqual(draw());
  });
});
