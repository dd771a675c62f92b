import { fstatSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { needsStdin, parseArgs } from './cli/args.js';
import { runCli } from './cli/cli.js';
import { COMMANDS } from './cli/commands.js';
import { internalErrorText } from './cli/internal-error.js';
import { EXIT, type DirEntry, type Io } from './command/io.js';

// The only place with side effects: read argv, stdin, files and directories, write stdout/stderr, set the exit code.
// Start-up: nothing here loads `node:tty`, `node:net` or the stdio streams (process.stdin,
// process.stdout, process.stderr): building them costs more than a KRM run's own work. stdin is
// read and stdout and stderr written through the file descriptors (docs/development.md, Start-up).

/** The package version, written in by the build (esbuild `define`); nothing is read at run time. */
declare const WILDCARD_EGRESS_VERSION: string;

/** Reads all of stdin. A synchronous read skips building process.stdin (about 10 ms at start-up). */
async function readStdin(): Promise<string> {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    // A non-blocking stdin (EAGAIN) or one fs cannot read: take the stream route.
    if (
      (e as NodeJS.ErrnoException).code !== 'EAGAIN' &&
      (e as NodeJS.ErrnoException).code !== 'EINVAL'
    )
      throw e;
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

/**
 * Whether stdin is a terminal. Only a character device can be one: a pipe or a file (the KRM
 * path: kpt, kustomize, a shell's `<`) is answered from fstat alone; `node:tty` (which loads
 * `node:net`) is loaded only for a character device, to tell a terminal from /dev/null.
 */
async function stdinIsTerminal(): Promise<boolean> {
  try {
    if (!fstatSync(0).isCharacterDevice()) return false;
  } catch {
    return false; // no stdin at all (closed): nothing to wait for
  }
  const { isatty } = await import('node:tty');
  return isatty(0);
}

/** One short pause, for a file descriptor that is not ready (EAGAIN). */
function pause(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
}

/**
 * Writes all of `text` to a file descriptor (1 or 2), synchronously: partial writes continue
 * where they stopped, and a non-blocking descriptor that is full (EAGAIN) is retried after a
 * pause. Any other error (EPIPE: the reader has gone) is thrown.
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(fd, bytes, written, bytes.length - written);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      pause();
    }
  }
}

/** Writes stderr and then stdout; a failed write (the reader has gone) ends the run with exit 2. */
function writeOutput(stdout: string, stderr: string, exitCode: number): void {
  try {
    if (stderr) writeAll(2, stderr);
    writeAll(1, stdout);
    process.exitCode = exitCode;
  } catch (e) {
    // stdout (or stderr) was closed early: the output is incomplete, whatever the run decided.
    try {
      writeAll(2, `wildcard-egress: cannot write the output: ${(e as Error).message}\n`);
    } catch {
      // stderr is gone too: the exit code says it
    }
    process.exitCode = EXIT.cannotRun;
  }
}

/** A directory's entries (symbolic links to directories count as directories), or undefined for anything else. */
function listDir(path: string): DirEntry[] | undefined {
  try {
    if (!statSync(path).isDirectory()) return undefined;
  } catch {
    return undefined; // missing: reading it reports that
  }
  return readdirSync(path, { withFileTypes: true }).map((e) => ({
    name: e.name,
    directory:
      e.isDirectory() || (e.isSymbolicLink() && statSync(`${path}/${e.name}`).isDirectory()),
  }));
}

/** The source map beside one of the bundle's files (fn.js, explain.js, audit.js), read only to report an internal error. */
function sourceMapOf(file: string): string | undefined {
  if (dirname(file) !== __dirname) return undefined;
  try {
    return readFileSync(`${file}.map`, 'utf8');
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  let out;
  try {
    const stdinIsTTY = await stdinIsTerminal();
    const inv = parseArgs(process.argv.slice(2), stdinIsTTY, COMMANDS);
    // Read up front where the mode always reads stdin; a command reads it only if it asks (`audit` with no log files).
    const input = needsStdin(inv, COMMANDS) ? await readStdin() : undefined;
    const io: Io = {
      readFile: (path) => readFileSync(path, 'utf8'),
      stdin: () => {
        if (input !== undefined) return input;
        // A subcommand asked for stdin at a terminal: nobody is piping anything, so say so rather than wait.
        if (stdinIsTTY) throw new Error('stdin is a terminal: pipe the input in, or name a file');
        return readFileSync(0, 'utf8');
      },
      listDir,
    };
    out = await runCli(inv, io, WILDCARD_EGRESS_VERSION);
  } catch (e) {
    writeOutput('', internalErrorText(e, sourceMapOf), EXIT.cannotRun);
    return;
  }
  writeOutput(out.stdout, out.stderr, out.exitCode);
}

// Once main has written everything (synchronously) nothing is left to do: exit at once, with the
// exit code it set. Left to itself Node would first run the tasks V8 queued meanwhile (a
// scavenge of the young generation) and then tear the heap down: milliseconds of a KRM run
// that nobody waits for.
void main().then(() => process.exit());
