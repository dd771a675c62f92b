import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:unit`: the fast loop. No end-to-end test (kpt, kubectl, podman, npm), no test
 * that runs the bundle once per case, and none of the long property and scale runs: those run
 * in `npm test`.
 */
export const SLOW = [
  'test/e2e/**',
  'test/cli.test.ts',
  'test/explain-cli.test.ts',
  'test/node-runtimes.test.ts',
  'test/start-up.test.ts',
  'test/scale.test.ts',
  'test/explain-scale.test.ts',
  'test/properties.test.ts',
  'test/explain-properties.test.ts',
  'test/scanner-properties.test.ts',
  'test/audit-properties.test.ts',
];

// One module graph per worker instead of one per file (isolate: false): the unit tests share no
// state, and loading yaml and the sources once per worker instead of once per file is most of
// the time saved (about 50 s to 17 s on two busy cores). npm test keeps files isolated.
export default mergeConfig(base, defineConfig({ test: { exclude: SLOW, isolate: false } }));
