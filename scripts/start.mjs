// `npm start [-- CONFIG [OUT]]`: build the bundle if it is missing or older than the sources,
// then render a function config (default: fn-config/example.yaml) in stream mode with no input
// documents, and write the stack to OUT (default: stack.yaml in the current directory). The
// file is written only when the render succeeds, whole, through a temporary file: a failed
// run leaves no half-written or error-filled YAML behind. The run's warnings and summary go to
// stderr; npm's own banner goes to stdout and never into the file.
//
// For the YAML on stdout instead, run the command itself:
//   node dist/wildcard-egress.js --config fn-config/example.yaml --no-input > stack.yaml
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist/fn.js');
// The command users run: dist/fn.js, started from its code cache where one fits this node.
const command = join(root, 'dist/wildcard-egress.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let built;
try {
  built = Math.min(statSync(bundle).mtimeMs, statSync(command).mtimeMs);
} catch {
  built = 0;
}
if (
  built <
  Math.max(
    newestSource(join(root, 'src')),
    statSync(join(root, 'schema/domain-list.schema.json')).mtimeMs,
  )
) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], {
    stdio: ['ignore', 2, 'inherit'],
  });
}

// npm runs scripts in the package folder; INIT_CWD is where `npm start` was typed.
const cwd = process.env.INIT_CWD ?? process.cwd();
const configPath = resolve(cwd, process.argv[2] ?? join(root, 'fn-config/example.yaml'));
const outPath = resolve(cwd, process.argv[3] ?? 'stack.yaml');
const run = spawnSync(process.execPath, [command, '--config', configPath, '--no-input'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 1 << 30,
});
if (run.status !== 0) {
  process.stderr.write(`npm start: nothing written to ${outPath}\n`);
  process.exitCode = run.status ?? 2;
} else {
  const temp = join(dirname(outPath), `.${process.pid}.stack.yaml.tmp`);
  try {
    writeFileSync(temp, run.stdout);
    renameSync(temp, outPath);
  } finally {
    rmSync(temp, { force: true });
  }
  const documents = run.stdout.toString('utf8').split(/^---$/m).length;
  process.stderr.write(
    `npm start: wrote ${outPath} (${documents} documents); apply it with: kubectl apply -f ${outPath}\n`,
  );
}
