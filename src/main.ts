import { readFileSync } from 'node:fs';
import { runFunction } from './run.js';

// The only place with side effects: read stdin, write stdout/stderr, set the exit code.

/** Reads all of stdin. A synchronous read skips building process.stdin (about 10 ms at start-up). */
async function readStdin(): Promise<string> {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    // A non-blocking stdin (EAGAIN) or one fs cannot read: take the stream route.
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' && (e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

async function main(): Promise<void> {
  let out;
  try {
    out = runFunction(await readStdin());
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
