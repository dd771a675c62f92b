import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Script } from 'node:vm';
import {
  cacheFileName,
  currentRuntime,
  encodeCache,
  wrapSource,
  type ModuleFunction,
} from './code-cache.js';

// dist/write-code-cache.js: `node dist/write-code-cache.js` writes the code cache of dist/fn.js
// for the node that runs it (dist/fn.js.<node>-<platform>-<arch>.cache; its path goes to stdout),
// which
// dist/wildcard-egress.js then starts from. The build runs it for its node and for the node that
// runs npm; the Dockerfile runs it in the image, for the image's node. An I/O edge.
//
// V8 writes into a cache the functions compiled so far, so the cache is taken after a run of the
// function on a small ResourceList (in a child process: the run reads stdin and sets the exit
// code): a start then finds compiled what a KRM run needs, not only the top level.

const WARM_RUN = '--warm-run';
const file = `${__dirname}/fn.js`;

/** What the warm run renders: a KRM call with a short list, as kpt or kustomize makes it. */
const WARM_INPUT = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items: []
functionConfig:
  apiVersion: wildcard-egress.dev/v1alpha1
  kind: DomainList
  metadata:
    name: egress
  spec:
    domains:
    - "*.wikipedia.org"
    - api.github.com
`;

/** Runs fn.js on WARM_INPUT (stdin) and, once it exits 0, writes the cache V8 gives for it. */
function warmRun(): void {
  const source = readFileSync(file);
  const script = new Script(wrapSource(source.toString('utf8')), { filename: file });
  process.on('exit', (code) => {
    if (code !== 0) return;
    const runtime = currentRuntime();
    const target = `${__dirname}/${cacheFileName(runtime)}`;
    const temp = `${target}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, encodeCache(runtime, source, script.createCachedData()));
      renameSync(temp, target);
      writeSync(3, `${target}\n`);
    } catch (e) {
      rmSync(temp, { force: true });
      writeSync(2, `write-code-cache: cannot write ${target}: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  });
  process.argv.splice(2); // fn.js reads its arguments: none, the KRM function
  const run = script.runInThisContext() as ModuleFunction;
  const mod = { exports: {} };
  run.call(mod.exports, mod.exports, createRequire(file), mod, file, __dirname);
}

if (process.argv[2] === WARM_RUN) warmRun();
else {
  // The warm run's stdout (the function's output) is dropped; it names the file on fd 3.
  const r = spawnSync(process.execPath, [__filename, WARM_RUN], {
    input: WARM_INPUT,
    stdio: ['pipe', 'ignore', 'inherit', 'pipe'],
  });
  if (r.status === 0) writeSync(1, String(r.output[3]));
  else {
    writeSync(
      2,
      `write-code-cache: the warm run of ${file} failed (${r.error?.message ?? `exit ${r.status}`}): no cache written\n`,
    );
    process.exitCode = 1;
  }
}
