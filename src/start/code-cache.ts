// V8's code cache for dist/fn.js: the file format, its checks, and the wrapper that makes the
// bundle's text a function as Node's CommonJS loader does. Pure: the entry (start.ts) and the
// writer (write-code-cache.ts) do the reading and writing.
//
// A cache file is a header of HEADER_BYTES (JSON padded with spaces, ending in a newline), then
// the data V8 produced, padded with zeros to a multiple of 8 bytes. V8 checks its own version,
// its flags and the source's length before it takes a cache, but in release builds not the
// data's checksum nor the source's text: flipped bytes of the right length crash the process in
// V8's deserializer, and a same-length edit of fn.js would run the old code. So the header
// holds a hash of fn.js and of the data, and the entry checks both before V8 sees the data.

/** What a cache was written for and is read by: V8 takes data only from the same build. */
export interface Runtime {
  node: string;
  platform: string;
  arch: string;
  v8: string;
}

/** The runtime of this process. */
export function currentRuntime(): Runtime {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    v8: process.versions.v8,
  };
}

/** The cache file for a runtime, beside dist/fn.js: `fn.js.v20.20.2-linux-x64.cache`. */
export function cacheFileName(rt: Runtime): string {
  return `fn.js.${rt.node}-${rt.platform}-${rt.arch}.cache`;
}

/** The header's size: the data starts there, 8-byte aligned as V8 wants it (else it copies). */
export const HEADER_BYTES = 512;

const FORMAT = 'wildcard-egress code cache 1';

/** What the header records. Hashes are 16 hex digits (see `wordHasher`). */
export interface CacheHeader extends Runtime {
  format: typeof FORMAT;
  source: { bytes: number; hash: string };
  data: { bytes: number; hash: string };
}

/** The parameters of Node's CommonJS module wrapper, in its order. */
export const WRAPPER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'] as const;

/** The function a wrapped bundle evaluates to. */
export type ModuleFunction = (
  this: unknown,
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

/**
 * The bundle's text as one function expression, `(function (exports, require, …) {…\n})`, as
 * Node wraps a CommonJS file. The `#!` line becomes a `//` comment on the wrapper's line (a
 * hashbang is allowed only at the start of a script), so the code keeps its lines and columns
 * and the source map still applies to the frames of an error's stack.
 */
export function wrapSource(text: string): string {
  const body = text.startsWith('#!') ? `//${text.slice(2)}` : text;
  return `(function (${WRAPPER_PARAMS.join(', ')}) {${body}\n})`;
}

/** Rounds up to a multiple of 8 (the hash reads 8-byte words). */
export function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

// FNV-1a over 64-bit little-endian words, as WebAssembly: V8 compiles it to machine code at once,
// where the same loop in JavaScript starts in the interpreter and costs several milliseconds at
// start-up (the point of the cache is to save those), and `node:crypto` costs more to load.
//   (module
//     (memory (export "memory") 0)
//     (func (export "hash") (param $start i32) (param $end i32) (result i64) (local $h i64)
//       (local.set $h (i64.const 0xcbf29ce484222325))
//       (block (loop
//         (br_if 1 (i32.ge_u (local.get $start) (local.get $end)))
//         (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $start)))
//                                (i64.const 0x100000001b3)))
//         (local.set $start (i32.add (local.get $start) (i32.const 8)))
//         (br 0)))
//       (local.get $h)))
// test/start-up.test.ts checks it against the same hash written with BigInt.
// prettier-ignore
const HASH_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, // types: (i32, i32) -> i64
  0x03, 0x02, 0x01, 0x00, // functions: one, of type 0
  0x05, 0x03, 0x01, 0x00, 0x00, // memories: one, no minimum
  0x07, 0x11, 0x02, // exports: two
  0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, // "memory": memory 0
  0x04, 0x68, 0x61, 0x73, 0x68, 0x00, 0x00, // "hash": function 0
  0x0a, 0x3c, 0x01, 0x3a, // code: one body of 58 bytes
  0x01, 0x01, 0x7e, // locals: $h i64
  0x42, 0xa5, 0xc6, 0x88, 0xa1, 0xc8, 0x9c, 0xa7, 0xf9, 0x4b, 0x21, 0x02, // $h = offset basis
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // br_if 1 ($start >= $end)
  0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x00, 0x85, // $h ^ i64.load($start)
  0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, // * prime -> $h
  0x20, 0x00, 0x41, 0x08, 0x6a, 0x21, 0x00, // $start += 8
  0x0c, 0x00, 0x0b, 0x0b, // br 0, end loop, end block
  0x20, 0x02, 0x0b, // $h, end
]);

/** A hash function over its own memory, which holds at least the bytes asked for. */
export interface WordHasher {
  /** The memory to read data into; its bytes are zeros until written. */
  readonly bytes: Uint8Array;
  /** The hash of bytes [start, end): start 8-byte aligned, end - start a multiple of 8. */
  hash(start: number, end: number): string;
}

/** A hasher whose memory holds `size` bytes, or undefined where WebAssembly is off (`--jitless`). */
export function wordHasher(size: number): WordHasher | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(HASH_MODULE));
  const memory = exports.memory as WebAssembly.Memory;
  const fn = exports.hash as (start: number, end: number) => bigint;
  memory.grow(Math.ceil(size / 65536));
  return {
    bytes: new Uint8Array(memory.buffer),
    hash: (start, end) => BigInt.asUintN(64, fn(start, end)).toString(16).padStart(16, '0'),
  };
}

/** The hash of some bytes, zero-padded to a multiple of 8 (as `verifyCache` hashes them). */
export function hashBytes(data: Uint8Array): string {
  const hasher = wordHasher(pad8(data.length));
  if (!hasher) throw new Error('WebAssembly is not available');
  hasher.bytes.set(data);
  return hasher.hash(0, pad8(data.length));
}

/** A cache file's bytes: the header for `rt`, `source` (fn.js) and `data` (V8's), then the data. */
export function encodeCache(rt: Runtime, source: Uint8Array, data: Uint8Array): Uint8Array {
  const header: CacheHeader = {
    format: FORMAT,
    ...rt,
    source: { bytes: source.length, hash: hashBytes(source) },
    data: { bytes: data.length, hash: hashBytes(data) },
  };
  const json = JSON.stringify(header);
  if (json.length >= HEADER_BYTES) throw new Error(`code cache header too long: ${json}`);
  const out = new Uint8Array(HEADER_BYTES + pad8(data.length));
  out.set(Buffer.from(json.padEnd(HEADER_BYTES - 1, ' ') + '\n', 'latin1'));
  out.set(data, HEADER_BYTES);
  return out;
}

/** Where the entry put a cache file and fn.js in a hasher's memory (see `layout`). */
export interface Layout {
  /** The cache file's length, read at 0. */
  cacheBytes: number;
  /** Where fn.js starts (8-byte aligned, after the cache file) and its length. */
  sourceStart: number;
  sourceBytes: number;
  /** The memory needed: both, each zero-padded to a multiple of 8. */
  size: number;
}

/** Places a cache file of `cacheBytes` at 0 and fn.js of `sourceBytes` after it. */
export function layout(cacheBytes: number, sourceBytes: number): Layout {
  const sourceStart = pad8(cacheBytes);
  return { cacheBytes, sourceStart, sourceBytes, size: sourceStart + pad8(sourceBytes) };
}

/** The data to hand to V8, or why the cache in `hasher`'s memory does not fit this fn.js and runtime. */
export function verifyCache(
  rt: Runtime,
  hasher: WordHasher,
  at: Layout,
): { data: Uint8Array } | { reason: string } {
  const memory = hasher.bytes;
  if (at.cacheBytes < HEADER_BYTES) return { reason: 'the cache file is too short' };
  let header: CacheHeader | null;
  try {
    const text = Buffer.from(memory.buffer, memory.byteOffset, HEADER_BYTES).toString('latin1');
    header = JSON.parse(text) as CacheHeader | null;
  } catch {
    return { reason: 'the cache header is not readable' };
  }
  if (typeof header !== 'object' || header?.format !== FORMAT)
    return { reason: 'the cache is of another format' };
  for (const key of ['node', 'platform', 'arch', 'v8'] as const) {
    if (header[key] !== rt[key])
      return { reason: `the cache is for ${key} ${header[key]}, this is ${rt[key]}` };
  }
  if (header.source?.bytes !== at.sourceBytes)
    return { reason: 'fn.js changed since the cache was written (its length differs)' };
  if (at.cacheBytes !== HEADER_BYTES + pad8(header.data?.bytes))
    return { reason: 'the cache file has the wrong length' };
  if (hasher.hash(at.sourceStart, at.sourceStart + pad8(at.sourceBytes)) !== header.source.hash)
    return { reason: 'fn.js changed since the cache was written' };
  if (hasher.hash(HEADER_BYTES, at.cacheBytes) !== header.data.hash)
    return { reason: 'the cache data is corrupt (its hash differs)' };
  return { data: memory.subarray(HEADER_BYTES, HEADER_BYTES + header.data.bytes) };
}
