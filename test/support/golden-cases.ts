import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentSources, resourceList, ROOT } from '../helpers.js';

/**
 * Golden cases: testdata/<case>/case.json names the input (fixture files of
 * items, or a raw ResourceList) and the exit code; config.yaml is the function
 * config; expected.yaml is the output, written by the code when
 * UPDATE_GOLDEN=1 and reviewed by hand.
 */
export interface GoldenCase {
  name: string;
  dir: string;
  description: string;
  exitCode: 0 | 1;
  items?: string[];
  input?: string;
}

export const TESTDATA = join(ROOT, 'testdata');

/** Every case under testdata/, in name order. */
export function goldenCases(): GoldenCase[] {
  return readdirSync(TESTDATA)
    .filter((d) => existsSync(join(TESTDATA, d, 'case.json')))
    .sort()
    .map((name) => ({
      name,
      dir: join(TESTDATA, name),
      ...(JSON.parse(readFileSync(join(TESTDATA, name, 'case.json'), 'utf8')) as Omit<
        GoldenCase,
        'name' | 'dir'
      >),
    }));
}

/** The ResourceList a case feeds the function; `extraItems` are fixture files added after the case's own. */
export function inputOf(c: GoldenCase, extraItems: readonly string[] = []): string {
  if (c.input) return readFileSync(join(c.dir, c.input), 'utf8');
  const items = [...(c.items ?? []), ...extraItems].flatMap((f) =>
    documentSources(readFileSync(join(TESTDATA, f), 'utf8')),
  );
  return resourceList(items, readFileSync(join(c.dir, 'config.yaml'), 'utf8'));
}

/** The case's expected output. */
export function expectedOf(c: GoldenCase): string {
  return readFileSync(join(c.dir, 'expected.yaml'), 'utf8');
}
