import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cacheFileName,
  currentRuntime,
  encodeCache,
  hashBytes,
  HEADER_BYTES,
  wrapSource,
  WRAPPER_PARAMS,
} from '../src/start/code-cache.js';
import { BUNDLE, domainList, resourceList, ROOT } from './helpers.js';

// Start-up (issue 23): dist/wildcard-egress.js, the command users run, starts dist/fn.js from
// V8's code cache; src/main.ts loads no tty, net or stdio stream module on the KRM path.
// Whether that is faster is measured by `npm run bench` (BENCHMARKS.md), not here.

const ENTRY = `${ROOT}dist/wildcard-egress.js`;
const CACHE = cacheFileName(currentRuntime());
const KRM = resourceList([], domainList(['*.wikipedia.org', 'api.github.com']));

interface Run {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Runs a script of the bundle under this node with `input` on stdin. */
function run(script: string, input: string, args: string[] = [], debug = false): Run {
  const env = { ...process.env };
  if (debug) env.NODE_DEBUG = 'wildcard-egress';
  else delete env.NODE_DEBUG;
  const r = spawnSync(process.execPath, [script, ...args], {
    input,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** A ResourceList of `n` ConfigMaps: an output far larger than a pipe holds (64 KiB). */
function largeList(n: number): string {
  const items = Array.from(
    { length: n },
    (_, i) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  k: ${'x'.repeat(100)}\n`,
  );
  return resourceList(items, domainList(['*.wikipedia.org']));
}

describe('dist/wildcard-egress.js, the command users run', () => {
  it('is the package bin and the image entrypoint: it exists, is executable, and starts with #!/usr/bin/env node', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'wildcard-egress': 'dist/wildcard-egress.js' });
    const bin = join(ROOT, pkg.bin['wildcard-egress']);
    accessSync(bin, constants.X_OK);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/*.js', 'dist/*.cache']));
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toContain(
      'ENTRYPOINT ["/nodejs/bin/node", "/app/wildcard-egress.js"]',
    );
  });

  const config = `${ROOT}testdata/explain/production.yaml`;
  const cases: Record<string, [string, string[]]> = {
    'the KRM function': [KRM, []],
    'the KRM function, a refused list (exit 1)': [resourceList([], domainList(['foo.*.com'])), []],
    'the KRM function, an empty stdin': ['', []],
    'stream mode': ['', ['--config', `${ROOT}fn-config/example.yaml`, '--no-input']],
    'explain (its own file, loaded on demand)': [
      '',
      ['explain', 'api.github.com', '--config', config],
    ],
    'audit (its own file, logs on stdin)': [
      readFileSync(`${ROOT}testdata/audit/text-logs.txt`, 'utf8'),
      ['audit', '--config', `${ROOT}testdata/audit/teams.yaml`, '--output', 'json'],
    ],
    '--version': ['', ['--version']],
    'a usage error (exit 2)': ['', ['--bogus']],
  };
  for (const [name, [input, args]] of Object.entries(cases)) {
    it(`prints what node dist/fn.js prints: ${name}`, () => {
      const viaEntry = run(ENTRY, input, args);
      expect(viaEntry).toEqual(run(BUNDLE, input, args));
      expect(viaEntry.stdout + viaEntry.stderr).not.toBe('');
    });
  }

  it('uses the code cache the build wrote for this node, and says so only under NODE_DEBUG', () => {
    expect(existsSync(join(ROOT, 'dist', CACHE)), `dist/${CACHE}`).toBe(true);
    const quiet = run(ENTRY, KRM);
    expect(quiet.stderr).toBe('');
    const debug = run(ENTRY, KRM, [], true);
    expect(debug.stderr).toBe(`wildcard-egress: code cache used: ${CACHE}\n`);
    expect(debug.stdout).toBe(quiet.stdout);
  });

  it('an internal error names its src/ line through the source map, as dist/fn.js does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-start-up-'));
    // Fault injection from outside the bundle: reading stdin throws as a bug would.
    writeFileSync(
      join(dir, 'fault.cjs'),
      "const fs = require('node:fs'); const read = fs.readFileSync;\nfs.readFileSync = function (p, ...a) { if (p === 0) throw new Error('injected fault'); return read.call(this, p, ...a); };\n",
    );
    const r = spawnSync(process.execPath, ['-r', join(dir, 'fault.cjs'), ENTRY], {
      input: KRM,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^wildcard-egress: internal error: injected fault\n/);
    const frame = /at (src\/main\.ts):(\d+):\d+/.exec(r.stderr);
    expect(frame, r.stderr).not.toBeNull();
    const line = readFileSync(join(ROOT, frame![1]), 'utf8').split('\n')[Number(frame![2]) - 1];
    expect(line).toContain('readFileSync(0');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('src/main.ts on the KRM path', () => {
  it('loads no tty, net or stdio stream module (pipes on stdin and stdout, as kpt and kustomize run it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-start-up-'));
    const list = join(dir, 'modules.json');
    writeFileSync(
      join(dir, 'modules.cjs'),
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList)));\n`,
    );
    for (const script of [ENTRY, BUNDLE]) {
      const r = spawnSync(process.execPath, ['-r', join(dir, 'modules.cjs'), script], {
        input: KRM,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const loaded = JSON.parse(readFileSync(list, 'utf8')) as string[];
      expect(loaded).toContain('NativeModule fs'); // the list is the one asked for
      for (const module of ['tty', 'net', 'stream', 'internal/streams/readable'])
        expect(loaded, script).not.toContain(`NativeModule ${module}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('stdin from /dev/null is no terminal: the function reports the empty input (exit 1)', () => {
    for (const script of [ENTRY, BUNDLE]) {
      const fd = openSync('/dev/null', 'r');
      const r = spawnSync(process.execPath, [script], {
        stdio: [fd, 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 30_000,
      });
      closeSync(fd);
      expect(r.status, script).toBe(1);
      expect(r.stdout).toContain('input is empty: expected a ResourceList on stdin');
    }
  });

  // `script` gives the command a terminal on stdin, as a person typing `wildcard-egress` gets.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'a terminal on stdin: the usage and exit 2, through the entry too',
    () => {
      const r = spawnSync('script', ['-qec', `${process.execPath} ${ENTRY}`, '/dev/null'], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(r.status).toBe(2);
      expect(r.stdout).toContain('wildcard-egress: stdin is a terminal');
    },
  );

  it('stdout closed early (the reader has gone): one line on stderr, no stack, exit 2', async () => {
    const child = spawn(process.execPath, [ENTRY], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    child.stdin.end(largeList(3000));
    const status = await new Promise((done) => child.on('close', done));
    expect(status).toBe(2);
    expect(stderr).toMatch(/^wildcard-egress: cannot write the output: EPIPE\b.*\n$/);
  });

  // A non-blocking stdout refuses writes while the pipe is full (EAGAIN); Node's own streams
  // wait for it, and so must the writes of main.ts. python3 makes the pipe non-blocking.
  it.skipIf(spawnSync('python3', ['--version']).status !== 0)(
    'a non-blocking stdout that fills up: the whole output arrives',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-start-up-'));
      const input = join(dir, 'input.yaml');
      writeFileSync(input, largeList(3000));
      const py = [
        'import os, subprocess, sys, time',
        'r, w = os.pipe()',
        'os.set_blocking(w, False)',
        'p = subprocess.Popen(sys.argv[2:], stdin=open(sys.argv[1]), stdout=w)',
        'os.close(w)',
        'time.sleep(0.5)  # let the pipe fill: the writer meets EAGAIN',
        'out = bytearray()',
        'while True:',
        '    chunk = os.read(r, 65536)',
        '    if not chunk: break',
        '    out += chunk',
        'sys.stdout.buffer.write(out)',
        'sys.exit(p.wait())',
      ].join('\n');
      const r = spawnSync('python3', ['-c', py, input, process.execPath, ENTRY], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        timeout: 60_000,
      });
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toBe(run(BUNDLE, readFileSync(input, 'utf8')).stdout);
      rmSync(dir, { recursive: true, force: true });
    },
  );
});

describe('the code cache, on a copy of dist/', () => {
  let pristine = '';

  beforeAll(() => {
    pristine = mkdtempSync(join(tmpdir(), 'wildcard-egress-cache-'));
    cpSync(join(ROOT, 'dist'), pristine, {
      recursive: true,
      filter: (src) => !/\.cache$/.test(src),
    });
    const r = spawnSync(process.execPath, [join(pristine, 'write-code-cache.js')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout.endsWith(`/${CACHE}\n`), r.stdout).toBe(true);
    expect(readdirSync(pristine).filter((f) => f.endsWith('.cache'))).toEqual([CACHE]);
  });

  /** A fresh copy of the pristine dist/ with its cache, changed by `change`. */
  function copy(change: (dir: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-cache-'));
    cpSync(pristine, dir, { recursive: true });
    change(dir);
    return dir;
  }

  const expected = () => run(BUNDLE, KRM);

  it('the writer writes a cache for this node, which the entry takes: the same output', () => {
    const r = run(join(pristine, 'wildcard-egress.js'), KRM, [], true);
    expect(r.stderr).toBe(`wildcard-egress: code cache used: ${CACHE}\n`);
    expect(r.stdout).toBe(expected().stdout);
    const header = JSON.parse(
      readFileSync(join(pristine, CACHE)).subarray(0, HEADER_BYTES).toString(),
    );
    expect(header).toMatchObject({
      ...currentRuntime(),
      source: { bytes: readFileSync(BUNDLE).length },
    });
  });

  /** Flips bytes all through the data, keeping the file's length. */
  const corrupt = (dir: string) => {
    const file = join(dir, CACHE);
    const bytes = readFileSync(file);
    for (let i = HEADER_BYTES + 16; i < bytes.length; i += 997) bytes[i] ^= 0x5a;
    writeFileSync(file, bytes);
  };
  const broken: Record<string, [(dir: string) => void, RegExp]> = {
    'no cache file': [(dir) => rmSync(join(dir, CACHE)), /^no fn\.js\.v.*\.cache$/],
    'corrupt data of the right length (V8 would crash on it)': [
      corrupt,
      /^the cache data is corrupt/,
    ],
    'a truncated file': [
      (dir) => writeFileSync(join(dir, CACHE), readFileSync(join(dir, CACHE)).subarray(0, 4096)),
      /^the cache file has the wrong length$/,
    ],
    'an empty file': [
      (dir) => writeFileSync(join(dir, CACHE), ''),
      /^the cache file is too short$/,
    ],
    'a header that is no JSON': [
      (dir) => {
        const bytes = readFileSync(join(dir, CACHE));
        bytes.fill(0x7b, 0, 8);
        writeFileSync(join(dir, CACHE), bytes);
      },
      /^the cache header is not readable$/,
    ],
    'a cache of another node (same length)': [
      (dir) => {
        const bytes = readFileSync(join(dir, CACHE));
        const text = bytes.subarray(0, HEADER_BYTES).toString('latin1');
        const other = text.replace(
          /"node":"v(\d)/,
          (_, d: string) => `"node":"v${d === '9' ? 8 : 9}`,
        );
        expect(other).not.toBe(text);
        bytes.write(other, 0, 'latin1');
        writeFileSync(join(dir, CACHE), bytes);
      },
      /^the cache is for node v/,
    ],
    'data V8 takes for another source (its own checks refuse it)': [
      (dir) => {
        const data = new Script('"another source"').createCachedData();
        writeFileSync(
          join(dir, CACHE),
          encodeCache(currentRuntime(), readFileSync(join(dir, 'fn.js')), data),
        );
      },
      /^V8 rejected it$/,
    ],
  };
  for (const [name, [change, reason]] of Object.entries(broken)) {
    it(`${name}: not used, and the run is the same`, () => {
      const dir = copy(change);
      const r = run(join(dir, 'wildcard-egress.js'), KRM, [], true);
      expect(r.stderr).toMatch(/^wildcard-egress: code cache not used: .*\n$/);
      expect(r.stderr.slice('wildcard-egress: code cache not used: '.length, -1)).toMatch(reason);
      expect(r).toMatchObject({ stdout: expected().stdout, status: 0 });
      expect(run(join(dir, 'wildcard-egress.js'), KRM).stderr).toBe('');
      rmSync(dir, { recursive: true, force: true });
    });
  }

  it('fn.js edited since (same length): the cache is not used, and the edit runs', () => {
    const version = run(BUNDLE, '', ['--version']).stdout.trim();
    const edited = version.replace(/\d/g, (d) => (d === '9' ? '8' : '9'));
    const dir = copy((d) => {
      const text = readFileSync(join(d, 'fn.js'), 'latin1');
      expect(text).toContain(JSON.stringify(version));
      writeFileSync(
        join(d, 'fn.js'),
        text.replace(JSON.stringify(version), JSON.stringify(edited)),
        'latin1',
      );
    });
    const r = run(join(dir, 'wildcard-egress.js'), '', ['--version'], true);
    expect(r.stderr).toBe(
      'wildcard-egress: code cache not used: fn.js changed since the cache was written\n',
    );
    expect(r.stdout).toBe(`${edited}\n`);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('src/start/code-cache.ts', () => {
  /** FNV-1a over 64-bit little-endian words of the bytes zero-padded to a multiple of 8, in BigInt. */
  function reference(bytes: Uint8Array): string {
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
    padded.set(bytes);
    const view = new DataView(padded.buffer);
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < padded.length; i += 8)
      h = BigInt.asUintN(64, (h ^ view.getBigUint64(i, true)) * 0x100000001b3n);
    return h.toString(16).padStart(16, '0');
  }

  it('the WebAssembly hash is FNV-1a over 64-bit words, as written in BigInt', () => {
    expect(hashBytes(new Uint8Array())).toBe('cbf29ce484222325');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(hashBytes(bytes)).toBe(reference(bytes));
      }),
    );
  });

  it('one flipped bit anywhere changes the hash', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.nat(7),
        (bytes, at, bit) => {
          const flipped = Uint8Array.from(bytes);
          flipped[at % bytes.length] ^= 1 << bit;
          expect(hashBytes(flipped)).not.toBe(hashBytes(bytes));
        },
      ),
    );
  });

  it('wraps the bundle as Node wraps a CommonJS file, keeping every line and column', () => {
    const text = '#!/usr/bin/env node\n"use strict";var a=__filename;\nmodule.exports={a};\n';
    const wrapped = wrapSource(text);
    expect(wrapped.split('\n').slice(1, -1)).toEqual(text.split('\n').slice(1));
    expect(wrapped.split('\n')[0]).toBe(
      `(function (${WRAPPER_PARAMS.join(', ')}) {///usr/bin/env node`,
    );
    const fn = new Script(wrapped).runInThisContext() as (...args: unknown[]) => void;
    const mod = { exports: {} };
    fn.call(mod.exports, mod.exports, () => undefined, mod, '/x/fn.js', '/x');
    expect(mod.exports).toEqual({ a: '/x/fn.js' });
  });
});
