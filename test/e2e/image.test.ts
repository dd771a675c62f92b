import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerToPodman,
  IMAGE,
  pinnedNode,
  podmanEnv,
  podmanProblem,
} from '../../scripts/local-image.mjs';
import { domainList, fourPlaces, parseOutput, resourceList, ROOT, runBundle } from '../helpers.js';
import { copyExample, parseStream, snapshot } from './tools.js';

const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-image-'));
const env = podmanEnv(dir);
const problem = podmanProblem(env);
const KUSTOMIZE_FLAGS = [
  '--network',
  'none',
  '--user',
  'nobody',
  '--security-opt=no-new-privileges',
];

if (problem && process.env.CI !== 'true') {
  console.warn(
    `\n!!! podman cannot run containers here (${problem}): SKIPPING the container image tests. !!!\n`,
  );
}

describe.skipIf(problem !== undefined && process.env.CI !== 'true')(
  'the container image built from the Dockerfile and run with podman',
  () => {
    let kustomizePath = '';

    beforeAll(() => {
      if (problem) throw new Error(`CI=true needs podman and runc: ${problem}`);
      // What a user runs where no registry is reachable: `npm run image -- --local-base`.
      const built = spawnSync(
        process.execPath,
        [join(ROOT, 'scripts/image.mjs'), '--local-base', '--engine', 'podman'],
        { env, encoding: 'utf8', timeout: 600_000 },
      );
      if (built.status !== 0) throw new Error(`npm run image failed:\n${built.stderr}`);
      kustomizePath = dockerToPodman(dir, env);
    }, 600_000);

    afterAll(() => {
      spawnSync('podman', ['rmi', '--all', '--force'], { env });
      rmSync(dir, { recursive: true, force: true });
    });

    const podman = (args: string[], input = '') =>
      spawnSync('podman', args, { env, input, encoding: 'utf8', timeout: 120_000 });

    /** `kubectl kustomize` on an example, with `docker` resolving to podman; returns the items it prints. */
    function kustomize(example: string): Record<string, any>[] {
      const r = spawnSync(
        'kubectl',
        ['kustomize', '--enable-alpha-plugins', join(ROOT, 'examples', example)],
        {
          env: { ...env, PATH: `${kustomizePath}:${env.PATH}` },
          encoding: 'utf8',
          timeout: 300_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      return parseStream(r.stdout);
    }

    it("runs directly with a ResourceList on stdin, with kustomize's flags, and prints what the bundle prints", () => {
      const input = resourceList([], domainList(['*.wikipedia.org', 'api.github.com']));
      const r = podman(['run', '--rm', '-i', ...KUSTOMIZE_FLAGS, IMAGE], input);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(runBundle(input).stdout);
    });

    it('starts the function from the code cache its own node wrote while the image was built', () => {
      const r = podman(
        ['run', '--rm', '-i', ...KUSTOMIZE_FLAGS, '-e', 'NODE_DEBUG=wildcard-egress', IMAGE],
        resourceList([], domainList(['*.wikipedia.org'])),
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^wildcard-egress: code cache used: fn\.js\.v24\.[^ ]*\.cache\n$/);
    });

    it('exits 1 with the message on a malformed list', () => {
      const r = podman(
        ['run', '--rm', '-i', ...KUSTOMIZE_FLAGS, IMAGE],
        resourceList([], domainList(['foo.*.com'])),
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        'domain "foo.*.com" has a wildcard that is not the leftmost label',
      );
      expect(parseOutput(r.stdout).results[0].severity).toBe('error');
    });

    it("runs as kustomize's user nobody (uid 65534) and as its own non-root user otherwise", () => {
      const asNobody = podman([
        'run',
        '--rm',
        ...KUSTOMIZE_FLAGS,
        '--entrypoint',
        '/nodejs/bin/node',
        IMAGE,
        '-e',
        'process.stdout.write(String(process.getuid()))',
      ]);
      expect(asNobody.stdout).toBe('65534');
      const asImage = podman([
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        '/nodejs/bin/node',
        IMAGE,
        '-e',
        'process.stdout.write(String(process.getuid()))',
      ]);
      expect(asImage.stdout).toBe('65532');
    });

    it('runs the pinned Node 24, the Node of the distroless base the Dockerfile names', () => {
      const r = podman([
        'run',
        '--rm',
        ...KUSTOMIZE_FLAGS,
        '--entrypoint',
        '/nodejs/bin/node',
        IMAGE,
        '--version',
      ]);
      expect(r.stdout.trim()).toBe(`v${pinnedNode()?.version}`);
      expect(r.stdout).toMatch(/^v24\./);
    });

    it.skipIf(spawnSync('kpt', ['version']).status !== 0 && process.env.CI !== 'true')(
      'is the image of a kpt pipeline with KPT_FN_RUNTIME=podman (no docker wrapper)',
      () => {
        const pkg = copyExample('kpt-package');
        const kptfile = join(pkg, 'Kptfile');
        writeFileSync(
          kptfile,
          readFileSync(kptfile, 'utf8').replace('- exec: wildcard-egress', `- image: ${IMAGE}`),
        );
        const before = snapshot(pkg);
        const r = spawnSync('kpt', ['fn', 'render', pkg, '--truncate-output=false'], {
          env: { ...env, KPT_FN_RUNTIME: 'podman' },
          encoding: 'utf8',
          timeout: 300_000,
        });
        expect(r.status, r.stderr + r.stdout).toBe(0);
        expect(r.stdout + r.stderr).toContain('already up to date');
        expect(snapshot(pkg)).toEqual(before);
      },
    );

    it('is the generator of kubectl kustomize (docker → podman)', () => {
      const items = kustomize('kustomize-generator');
      expect(items).toHaveLength(10);
      expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
        Array(4).fill(['*.wikimedia.org', '*.wikipedia.org']),
      );
    });

    it('is the transformer of kubectl kustomize over the post manifests', () => {
      const items = kustomize('kustomize-transformer');
      expect(items).toHaveLength(10);
      expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
        Array(4).fill(['api.github.com', 'registry.npmjs.org', '*.wikipedia.org']),
      );
    });
  },
);

describe('npm run image: what it says when a build fails', () => {
  // Podman settings of its own: the suite above removes its folder when it ends.
  const own = podmanEnv(mkdtempSync(join(tmpdir(), 'wildcard-egress-image-hint-')));
  const image = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(ROOT, 'scripts/image.mjs'), ...args], {
      env: { ...own, ...extraEnv },
      encoding: 'utf8',
      timeout: 300_000,
    });

  it('a failure that is not a pull: the engine’s error, and no advice about registries', () => {
    const r = image(['--engine', 'false', '--tag', 'localhost/wildcard-egress:never']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('npm run image: false build failed (exit 1)');
    expect(r.stderr).not.toContain('--local-base');
  });

  it.skipIf(problem !== undefined)(
    'a base image that cannot be fetched: says so and points to --local-base',
    () => {
      const r = image(['--engine', 'podman', '--tag', 'localhost/wildcard-egress:never'], {
        BUILD_IMAGE: 'registry.invalid/none/node:24',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('npm run image: a base image could not be fetched (above).');
      expect(r.stderr).toContain('npm run image -- --local-base');
    },
  );
});
