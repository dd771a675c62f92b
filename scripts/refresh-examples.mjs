// `npm run examples`: renders every kpt example (each examples/*/ with a Kptfile) with the
// real kpt, from the repository root as the README says, through this checkout's bundle
// (`wildcard-egress` on PATH, as `npm install -g .` gives), and leaves the files as kpt
// writes them. Run it after any change to what the function renders, then review and
// commit the diff: the e2e tests check that a render changes no byte of an example.
// Idempotent: a second run changes nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localCommandDir } from './local-command.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const bin = localCommandDir(mkdtempSync(join(tmpdir(), 'wildcard-egress-bin-')));
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };

/** The kpt example packages, as paths relative to the repository root. */
function kptExamples() {
  return readdirSync(join(root, 'examples'))
    .filter((d) => existsSync(join(root, 'examples', d, 'Kptfile')))
    .map((d) => `examples/${d}`)
    .sort();
}

let failed = false;
for (const pkg of kptExamples()) {
  // A package whose pipeline only validates (check: true) holds what the function would write: bring it
  // there first by running the same config as a mutator.
  const kptfile = readFileSync(join(root, pkg, 'Kptfile'), 'utf8');
  if (!kptfile.includes('mutators:') && kptfile.includes('validators:')) {
    const config = join(mkdtempSync(join(tmpdir(), 'wildcard-egress-config-')), 'domains.yaml');
    writeFileSync(
      config,
      readFileSync(join(root, pkg, 'domains.yaml'), 'utf8').replace(/check: true/, 'check: false'),
    );
    const fix = spawnSync(
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
      { cwd: root, env, encoding: 'utf8' },
    );
    process.stderr.write(
      `${pkg}: kpt fn eval (the validator's config as a mutator) exited ${fix.status}\n`,
    );
    if (fix.status !== 0) process.stderr.write(fix.stdout + fix.stderr);
  }
  const r = spawnSync('kpt', ['fn', 'render', pkg, '--allow-exec', '--truncate-output=false'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  process.stderr.write(`${pkg}: kpt fn render exited ${r.status}\n`);
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    failed = true;
  }
}
rmSync(bin, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
