import { closeSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Script } from 'node:vm';
import {
  cacheFileName,
  currentRuntime,
  layout,
  verifyCache,
  wordHasher,
  wrapSource,
  type ModuleFunction,
} from './code-cache.js';

// dist/wildcard-egress.js, the command users run (package.json `bin`, the image's entrypoint):
// runs dist/fn.js as Node would, but compiled from V8's code cache when one written for this
// node sits beside it (dist/fn.js.<node>-<platform>-<arch>.cache, written by the build through
// dist/write-code-cache.js). That skips most of compiling fn.js at every start. Without a cache,
// or with one that does not fit, fn.js is compiled from its text: the same run, only slower.
// `NODE_DEBUG=wildcard-egress` says on stderr whether the cache was used, and if not, why.
// An I/O edge like src/main.ts: it reads files and writes only that debug line.

const file = `${__dirname}/fn.js`;
const debug = /\bwildcard-egress\b/i.test(process.env.NODE_DEBUG ?? '');

/** Reads all `size` bytes of an open file into `into` at `at`. */
function readAll(fd: number, into: Uint8Array, at: number, size: number): void {
  let done = 0;
  while (done < size) {
    const n = readSync(fd, into, at + done, size - done, done);
    if (n === 0) throw new Error('the file shrank while read');
    done += n;
  }
}

/**
 * fn.js's text, and V8's data for it when a cache for this runtime is present and checks out
 * (else `reason` says why not). Both files are read straight into the hasher's memory: one copy.
 */
function load(): { text: string; data?: Uint8Array; reason: string } {
  const runtime = currentRuntime();
  const name = cacheFileName(runtime);
  let cacheFd: number;
  try {
    cacheFd = openSync(`${__dirname}/${name}`, 'r');
  } catch {
    return { text: readFileSync(file, 'utf8'), reason: `no ${name}` };
  }
  let sourceFd: number | undefined;
  try {
    sourceFd = openSync(file, 'r');
    const at = layout(fstatSync(cacheFd).size, fstatSync(sourceFd).size);
    const hasher = wordHasher(at.size);
    if (!hasher) return { text: readFileSync(file, 'utf8'), reason: 'no WebAssembly to check it' };
    readAll(cacheFd, hasher.bytes, 0, at.cacheBytes);
    readAll(sourceFd, hasher.bytes, at.sourceStart, at.sourceBytes);
    const text = Buffer.from(hasher.bytes.buffer, at.sourceStart, at.sourceBytes).toString('utf8');
    const checked = verifyCache(runtime, hasher, at);
    return 'data' in checked
      ? { text, data: checked.data, reason: name }
      : { text, reason: checked.reason };
  } catch (e) {
    return { text: readFileSync(file, 'utf8'), reason: `${name}: ${(e as Error).message}` };
  } finally {
    closeSync(cacheFd);
    if (sourceFd !== undefined) closeSync(sourceFd);
  }
}

const { text, data, reason } = load();
const script = new Script(wrapSource(text), { filename: file, cachedData: data });
if (debug) {
  const used = data !== undefined && !script.cachedDataRejected;
  const why = data === undefined ? reason : used ? reason : 'V8 rejected it';
  writeSync(2, `wildcard-egress: code cache ${used ? 'used' : 'not used'}: ${why}\n`);
}
const run = script.runInThisContext() as ModuleFunction;
const mod = { exports: {} };
run.call(mod.exports, mod.exports, createRequire(file), mod, file, __dirname);
