// `npm start [-- config.yaml]`: build the bundle if it is missing or older than the
// sources, then render a function config (default: fn-config/example.yaml) in stream
// mode with no input documents: the stack as plain multi-document YAML on stdout, the
// run's warnings and summary on stderr, each once. `npm start > stack.yaml` is clean
// YAML: .npmrc sends npm's own banner to stderr.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist/fn.js');

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
  built = statSync(bundle).mtimeMs;
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
  // The build's own messages go to stderr: stdout is the YAML.
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], {
    stdio: ['ignore', 2, 'inherit'],
  });
}

const configPath = process.argv[2] ?? join(root, 'fn-config/example.yaml');
const run = spawnSync(process.execPath, [bundle, '--config', configPath, '--no-input'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
process.exitCode = run.status ?? 2;
