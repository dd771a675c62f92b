import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { describeWithTool, parseStream, sh, tempDir } from './tools.js';

/** No line of the output is JSON (what npm printed with the old `.npmrc` `json=true`). */
function jsonLines(text: string): string[] {
  return text.split('\n').filter((l) => /^\s*[{}[\]"]/.test(l));
}

/**
 * The README from a fresh clone, as a new user types it: the tracked files (and new ones not
 * ignored) copied to an empty folder stand in for `git clone`, which needs the network. The
 * global install goes to a prefix of its own (npm_config_prefix), so the machine's is untouched.
 */
describeWithTool('kubectl', "the README's first commands on a fresh clone", () => {
  it('npm ci, npm install -g ., wildcard-egress --version, npm start, npm uninstall -g wildcard-egress: no JSON from npm', () => {
    const clone = tempDir('clone');
    const files = sh('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT })
      .stdout.split('\n')
      .filter((f) => f && existsSync(join(ROOT, f)));
    for (const f of files) {
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      cpSync(join(ROOT, f), join(clone, f));
    }
    const prefix = tempDir('prefix');
    const env = { npm_config_prefix: prefix };
    const typed = (command: string) =>
      sh('sh', ['-c', command], { cwd: clone, env, path: join(prefix, 'bin') });

    const ci = typed('npm ci');
    expect(ci.status, ci.stderr).toBe(0);
    expect(jsonLines(ci.stdout + ci.stderr)).toEqual([]);
    expect(existsSync(join(clone, 'dist/fn.js'))).toBe(true);

    const install = typed('npm install -g .');
    expect(install.status, install.stderr).toBe(0);
    const version = typed('wildcard-egress --version');
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    );

    const start = typed('npm start');
    expect(start.status, start.stderr).toBe(0);
    expect(jsonLines(start.stdout + start.stderr)).toEqual([]);
    expect(parseStream(readFileSync(join(clone, 'stack.yaml'), 'utf8'))).toHaveLength(10);

    const uninstall = typed('npm uninstall -g wildcard-egress');
    expect(uninstall.status, uninstall.stderr).toBe(0);
    expect(existsSync(join(prefix, 'bin/wildcard-egress'))).toBe(false);
  }, 600_000);
});
