// `npm start`: build the bundle if it is missing or older than the sources, then
// render a function config (default: fn-config/example.yaml) with no input items
// and print the stack as a plain multi-document YAML stream.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, parseDocument, parse } from 'yaml';

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

let built = 0;
try {
  built = statSync(bundle).mtimeMs;
} catch {
  built = 0;
}
if (built < Math.max(newestSource(join(root, 'src')), statSync(join(root, 'schema/domain-list.schema.json')).mtimeMs)) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}

const configPath = process.argv[2] ?? join(root, 'fn-config/example.yaml');
const config = parse(readFileSync(configPath, 'utf8'));
const input = JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], functionConfig: config });
const run = spawnSync(process.execPath, [bundle], { input, encoding: 'utf8' });
if (run.stderr) process.stderr.write(run.stderr);
const out = parseDocument(run.stdout);
const items = out.get('items');
for (const item of items?.items ?? []) {
  process.stdout.write(`---\n${new Document(item).toString({ lineWidth: 0, indentSeq: false })}`);
}
for (const r of out.toJS().results ?? []) {
  if (r.severity !== 'info' || r.resourceRef === undefined) process.stderr.write(`${r.severity}: ${r.message}\n`);
}
process.exitCode = run.status ?? 2;
