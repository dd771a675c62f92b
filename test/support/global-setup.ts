import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Once per test run, before any worker starts:
 * - every temporary folder of the run (the tests' own, and those of the kpt,
 *   kubectl, npm and podman they start) goes under one folder, removed at the
 *   end: workers and their children inherit TMPDIR, which os.tmpdir() reads;
 * - one fast-check seed for the whole run (FC_SEED, else a random one), so a
 *   failure names the seed that reproduces it (test/support/fast-check-seed.ts).
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-tests-'));
  process.env.TMPDIR = dir;
  process.env.FC_SEED ??= String(Math.floor(Math.random() * 0x7fffffff));
  return () => rmSync(dir, { recursive: true, force: true });
}
