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
  'test/scale.test.ts',
  'test/explain-scale.test.ts',
  'test/properties.test.ts',
  'test/explain-properties.test.ts',
  'test/scanner-properties.test.ts',
  'test/audit-properties.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: SLOW } }));
