import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { localCommandDir } from '../../scripts/local-command.mjs';
import { repairKptQuotes } from '../../src/krm/repair-kpt-quotes.js';
import { ROOT } from '../helpers.js';

export const SHIM_DIR = join(ROOT, 'test/e2e/shim');

let commandDir: string | undefined;
/**
 * A folder with `wildcard-egress` linked to this checkout's bundle, as
 * `npm install -g .` installs it: put it on PATH (`sh(…, { path })`) and
 * `exec: wildcard-egress` in a Kptfile runs this checkout.
 */
export function localCommand(): string {
  commandDir ??= localCommandDir(mkdtempSync(join(tmpdir(), 'wildcard-egress-bin-')));
  return commandDir;
}

function available(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}

/**
 * Describes tests that need a real tool. Without the tool they skip with a loud
 * message, except under CI=true, where a missing tool is a failing test.
 */
export function describeWithTool(tool: 'kpt' | 'kubectl', title: string, body: () => void): void {
  const args = tool === 'kpt' ? ['version'] : ['version', '--client'];
  if (available(tool, args)) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${tool} on PATH (CI=true: a missing tool fails the run)`, () => {
        throw new Error(`${tool} is not installed or does not run`);
      });
    });
    return;
  }
  console.warn(
    `\n!!! ${tool} not found: SKIPPING end-to-end tests "${title}". Install ${tool} to run them. !!!\n`,
  );
  describe.skip(title, body);
}

/** Runs a command with a timeout; never throws. `path` goes first on PATH, `env` is added to the environment. */
export function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; path?: string; env?: Record<string, string>; input?: string } = {},
): SpawnSyncReturns<string> {
  const env = {
    ...process.env,
    ...(opts.path ? { PATH: `${opts.path}:${process.env.PATH}` } : {}),
    ...opts.env,
  };
  return spawnSync(cmd, args, {
    cwd: opts.cwd,
    env,
    encoding: 'utf8',
    timeout: 120_000,
    input: opts.input,
  });
}

/**
 * A fresh temporary directory named for what it holds. It lives under the
 * run's own temporary folder (test/support/global-setup.ts), removed when the
 * run ends.
 */
export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `wildcard-egress-${name}-`));
}

/** Copies an example to a fresh temporary directory and returns its path. */
export function copyExample(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wildcard-egress-${name}-`));
  cpSync(join(ROOT, 'examples', name), dir, { recursive: true });
  return dir;
}

/** The examples that are kpt packages (a Kptfile at their top). */
export function kptExamples(): string[] {
  return readdirSync(join(ROOT, 'examples'))
    .filter((d) => existsSync(join(ROOT, 'examples', d, 'Kptfile')))
    .sort();
}

/** Every file under a directory with its content, for "nothing changed" checks. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/**
 * Parses a multi-document YAML stream into plain objects, failing on any YAML
 * error. Files kpt writes may carry its closing-quote bug (see
 * repair-kpt-quotes.ts), so that one defect is repaired first.
 */
export function parseStream(text: string): Record<string, any>[] {
  return parseAllDocuments(repairKptQuotes(text))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors[0].message}`);
      return d.toJS();
    })
    .filter((x) => x !== null);
}
