import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { needsStdin, parseArgs } from './cli/args.js';
import { runCli } from './cli/cli.js';
import { COMMANDS } from './cli/commands.js';

// The only place with side effects: read argv, stdin and files, write stdout/stderr, set the exit code.

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

async function main(): Promise<void> {
  let out;
  try {
    const stdinIsTTY = isatty(0);
    const inv = parseArgs(process.argv.slice(2), stdinIsTTY, COMMANDS);
    // Read up front where the mode always reads stdin; a command reads it only if it asks (`audit` with no log files).
    const input = needsStdin(inv, COMMANDS) ? await readStdin() : undefined;
    out = runCli(
      inv,
      {
        readFile: (path) => readFileSync(path, 'utf8'),
        stdin: () => input ?? readFileSync(0, 'utf8'),
      },
      WILDCARD_EGRESS_VERSION,
    );
  } catch (e) {
    process.stderr.write(`wildcard-egress: internal error: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (out.stderr) process.stderr.write(out.stderr);
  process.stdout.write(out.stdout);
  process.exitCode = out.exitCode;
}

void main();
