import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runFunction, type RunOutput } from '../src/function/run-function.js';
import { domainList, fourPlaces, parseOutput, resourceList, resultsOf } from './helpers.js';
import { covers } from './support/istio-rules.js';

const RUNS = 2000;

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
/** Valid names under one registrable domain per draw, written with random case and trailing dots. */
const rawDomain = fc
  .record({
    wildcard: fc.boolean(),
    labels: fc.array(label, { minLength: 0, maxLength: 2 }),
    site: fc.constantFrom('alpha', 'beta', 'gamma'),
    upper: fc.boolean(),
    dot: fc.boolean(),
  })
  .map(({ wildcard, labels, site, upper, dot }) => {
    const name = `${wildcard ? '*.' : ''}${[...labels, site, 'example'].join('.')}${dot ? '.' : ''}`;
    return upper ? name.toUpperCase() : name;
  });
const rawList = fc.array(rawDomain, { minLength: 1, maxLength: 25 });

/** What the list must become, computed the slow and obvious way. */
function model(raw: string[]): string[] {
  const names = [...new Set(raw.map((d) => d.toLowerCase().replace(/\.$/, '')))];
  const kept = names.filter((d) => {
    const bare = d.startsWith('*.') ? d.slice(2) : d;
    return !names.some(
      (w) => w !== d && w.startsWith('*.') && covers(w, bare) && w.slice(2) !== bare,
    );
  });
  const key = (d: string) => d.split('.').reverse().join('.');
  return kept.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function itemsOf(stdout: string): string {
  return stdout.slice(0, stdout.search(/^functionConfig:/m));
}

/**
 * The run's exit code says what its results say: 1 exactly when there is an
 * error result, each error also on stderr; 0 with no error and nothing but
 * warnings on stderr.
 */
function expectExitCodeMatchesResults(out: RunOutput): void {
  const results = resultsOf(out.stdout);
  expect(results.length).toBeGreaterThan(0);
  const errors = results.filter((r) => r.severity === 'error');
  expect(out.exitCode).toBe(errors.length > 0 ? 1 : 0);
  for (const e of errors) expect(out.stderr).toContain(e.message);
  if (errors.length === 0) expect(out.stderr).not.toMatch(/^error/m);
}

describe('properties', () => {
  it('every place holds exactly the normalised list', () => {
    fc.assert(
      fc.property(rawList, (raw) => {
        const out = runFunction(resourceList([], domainList(raw)));
        expect(out.exitCode).toBe(0);
        const expected = model(raw);
        expect(Object.values(fourPlaces(parseOutput(out.stdout)))).toEqual(Array(4).fill(expected));
      }),
      { numRuns: RUNS },
    );
  });

  it('input order does not change the output', () => {
    fc.assert(
      fc.property(
        rawList.chain((raw) =>
          fc.tuple(fc.constant(raw), fc.shuffledSubarray(raw, { minLength: raw.length })),
        ),
        ([raw, shuffled]) => {
          expect(itemsOf(runFunction(resourceList([], domainList(shuffled))).stdout)).toBe(
            itemsOf(runFunction(resourceList([], domainList(raw))).stdout),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('f(f(x)) = f(x)', () => {
    fc.assert(
      fc.property(rawList, rawList, (first, second) => {
        // Render with one list, then reconcile the result with another, then once more.
        const once = runFunction(resourceList([], domainList(first))).stdout;
        const items = once.slice(once.indexOf('items:\n') + 7, once.search(/^functionConfig:/m));
        const input = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}functionConfig:\n${domainList(second).replace(/^/gm, '  ')}`;
        const f1 = runFunction(input);
        const f2 = runFunction(f1.stdout);
        expect(f2.exitCode).toBe(0);
        expect(itemsOf(f2.stdout)).toBe(itemsOf(f1.stdout));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('random bytes never crash or hang the function', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const out = runFunction(Buffer.from(bytes).toString('utf8'));
        expectExitCodeMatchesResults(out);
      }),
      { numRuns: RUNS },
    );
  });

  it('random YAML never crashes the function', () => {
    const anyYaml = fc.record(
      { items: fc.anything({ maxDepth: 3 }), functionConfig: fc.anything({ maxDepth: 3 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(anyYaml, fc.boolean(), (doc, asItems) => {
        const text = stringify(
          { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', ...doc },
          { aliasDuplicateObjects: false },
        );
        const out = runFunction(asItems ? text : `# random\n${text}`);
        expectExitCodeMatchesResults(out);
        parseOutput(out.stdout);
      }),
      { numRuns: RUNS },
    );
  });

  it('random host lists in items never crash the function and the output stays valid YAML', () => {
    const hostsField = fc.oneof(
      fc.constant('[]'),
      fc.constant(''),
      fc.constant('{}'),
      fc
        .array(fc.string({ maxLength: 12 }), { maxLength: 4 })
        .map((a) => `\n${a.map((s) => `  - ${JSON.stringify(s)}`).join('\n')}`),
    );
    fc.assert(
      fc.property(hostsField, (hosts) => {
        const se = `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: wildcard\n  namespace: istio-system\nspec:\n  hosts: ${hosts}\n  location: MESH_EXTERNAL\n`;
        const out = runFunction(resourceList([se], domainList(['a.example.com'])));
        expectExitCodeMatchesResults(out);
        parseOutput(out.stdout);
      }),
      { numRuns: RUNS / 4 },
    );
  });
});
