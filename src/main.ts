import { runFunction } from './run.js';

// The only place with side effects: read stdin, write stdout/stderr, set the exit code.
async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  let out;
  try {
    out = runFunction(Buffer.concat(chunks).toString('utf8'));
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
