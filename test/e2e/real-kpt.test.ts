import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { caseFiles, corpusConfig, optIn } from '../support/real-corpus.js';
import { describeWithTool, localCommand, sh, snapshot } from './tools.js';

/**
 * The corpus (testdata/real) through the real kpt, as a user with a kpt
 * package runs it: `kpt fn eval` with the function, compared with the same
 * package through `cat` (what kpt itself rewrites), then a mode switch: kpt
 * deletes the file of every item a function drops, so nothing of the user's
 * may be dropped.
 */

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** The case as a kpt package in a new temporary folder; `edit` changes a file the way the user would. */
function packageOf(name: string, edit?: [string, string, string]): string {
  const dir = mkdtempSync(join(tmpdir(), `wildcard-egress-real-${name}-`));
  made.push(dir);
  for (const f of caseFiles(name)) {
    const text = edit && edit[0] === f.file ? optIn(f.text, edit[1], edit[2]) : f.text;
    writeFileSync(join(dir, f.file), text);
  }
  writeFileSync(
    join(dir, 'Kptfile'),
    `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n`,
  );
  return dir;
}

function evalWith(dir: string, exec: string, config?: string) {
  const args = ['fn', 'eval', dir, '--exec', exec, '--truncate-output=false'];
  if (config !== undefined) {
    const file = join(mkdtempSync(join(tmpdir(), 'wildcard-egress-cfg-')), 'domains.yaml');
    made.push(join(file, '..'));
    writeFileSync(file, config);
    args.push('--fn-config', file);
  }
  return sh('kpt', args, { path: localCommand() });
}

describeWithTool('kpt', 'the corpus of real layouts through kpt fn eval', () => {
  const cases: [name: string, edit?: [string, string, string], domains?: string[]][] = [
    ['istio-se-examples'],
    ['online-boutique-istio'],
    [
      'istio-samples-external',
      ['github.yaml', 'ServiceEntry', 'github-https'],
      ['github.com', 'api.github.com'],
    ],
  ];
  for (const [name, edit, domains] of cases) {
    it(`${name}${edit ? `, ${edit[1]} ${edit[2]} opted in` : ''}: the user's files are as kpt alone writes them${edit ? ' but for the opted-in list' : ''}; a mode switch deletes none`, () => {
      const plain = packageOf(name, edit);
      const withFn = packageOf(name, edit);
      expect(evalWith(plain, 'cat').status).toBe(0);
      const config = corpusConfig(domains ?? ['*.wikipedia.org'], edit ? 'generate: false' : '');
      const r = evalWith(withFn, 'wildcard-egress', config);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const expected = snapshot(plain);
      const got = snapshot(withFn);
      for (const [file, text] of Object.entries(expected)) {
        if (edit && file.replace(/^\//, '') === edit[0]) {
          const gained = text.split('\n').length;
          expect(got[file].split('\n')).toHaveLength(gained + 1);
          expect(got[file]).toContain('api.github.com');
        } else expect(got[file], file).toBe(text);
      }
      // The files kpt added hold only what the function created.
      for (const file of Object.keys(got).filter((f) => !(f in expected)))
        expect(got[file]).toMatch(/app\.kubernetes\.io\/managed-by: wildcard-egress/);
      // Another mode on the result: every file of the user's is still there, as a second pass of kpt
      // alone leaves it (kpt rewrites head comments again on each pass).
      const switched = evalWith(
        withFn,
        'wildcard-egress',
        corpusConfig(domains ?? ['*.wikipedia.org'], 'mode: sidecar\nistioVersion: "1.31"'),
      );
      expect(switched.status, switched.stderr + switched.stdout).toBe(0);
      expect(evalWith(plain, 'cat').status).toBe(0);
      const twice = snapshot(plain);
      const after = snapshot(withFn);
      for (const file of Object.keys(expected)) {
        expect(after[file], file).toBeDefined();
        if (!(edit && file.replace(/^\//, '') === edit[0]))
          expect(after[file], file).toBe(twice[file]);
      }
    });
  }
});
