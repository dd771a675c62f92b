// A folder holding `wildcard-egress` as `npm install -g .` (or `npm link`) installs it:
// a link to this checkout's dist/wildcard-egress.js (package.json `bin`), whose
// `#!/usr/bin/env node` line picks the node on PATH. Put the folder first on PATH and Kptfiles that say `exec: wildcard-egress` run
// this checkout. Used by the tests and scripts/refresh-examples.mjs.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMMAND = fileURLToPath(new URL('../dist/wildcard-egress.js', import.meta.url));

/** Creates `dir/wildcard-egress` → dist/wildcard-egress.js and returns `dir`. */
export function localCommandDir(dir) {
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, 'wildcard-egress'), { force: true });
  symlinkSync(COMMAND, join(dir, 'wildcard-egress'));
  return dir;
}
