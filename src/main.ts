import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isatty } from 'node:tty';
import { needsStdin, parseArgs } from './cli/args.js';
import { runCli } from './cli/cli.js';
import { COMMANDS } from './cli/commands.js';
import { internalErrorText } from './cli/internal-error.js';
import { EXIT, type DirEntry, type Io } from './command/io.js';

// The only place with side effects: read argv, stdin, files and directories, write stdout/stderr, set the exit code.

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
    const stdinIsTTY = isatty(0);
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
    process.stderr.write(internalErrorText(e, sourceMapOf));
    process.exitCode = EXIT.cannotRun;
    return;
  }
  if (out.stderr) process.stderr.write(out.stderr);
  process.stdout.write(out.stdout);
  process.exitCode = out.exitCode;
}

void main();
