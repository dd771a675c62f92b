import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseImage, buildImage, dockerToPodman, IMAGE, podmanEnv, podmanProblem } from '../../scripts/local-image.mjs';
import { domainList, fourPlaces, parseOutput, resourceList, ROOT, runBundle } from '../helpers.js';
import { parseStream } from './tools.js';

const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-image-'));
const env = podmanEnv(dir);
const problem = podmanProblem(env);
const KUSTOMIZE_FLAGS = ['--network', 'none', '--user', 'nobody', '--security-opt=no-new-privileges'];

if (problem && process.env.CI !== 'true') {
  console.warn(`\n!!! podman cannot run containers here (${problem}): SKIPPING the container image tests. !!!\n`);
}

describe.skipIf(problem !== undefined && process.env.CI !== 'true')('the container image built from the Dockerfile and run with podman', () => {
  let kustomizePath = '';

  beforeAll(() => {
    if (problem) throw new Error(`CI=true needs podman and runc: ${problem}`);
    buildBaseImage(dir, env);
    buildImage(env);
    kustomizePath = dockerToPodman(dir, env);
  }, 600_000);

  afterAll(() => {
    spawnSync('podman', ['rmi', '--all', '--force'], { env });
    rmSync(dir, { recursive: true, force: true });
  });

  const podman = (args: string[], input = '') => spawnSync('podman', args, { env, input, encoding: 'utf8', timeout: 120_000 });

  /** `kubectl kustomize` on an example, with `docker` resolving to podman; returns the items it prints. */
  function kustomize(example: string): Record<string, any>[] {
    const r = spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', join(ROOT, 'examples', example)], {
      env: { ...env, PATH: `${kustomizePath}:${env.PATH}` }, encoding: 'utf8', timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return parseStream(r.stdout);
  }

  it('runs directly with a ResourceList on stdin, with kustomize\'s flags, and prints what the bundle prints', () => {
    const input = resourceList([], domainList(['*.wikipedia.org', 'api.github.com']));
    const r = podman(['run', '--rm', '-i', ...KUSTOMIZE_FLAGS, IMAGE], input);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(runBundle(input).stdout);
  });

  it('exits 1 with the message on a malformed list', () => {
    const r = podman(['run', '--rm', '-i', ...KUSTOMIZE_FLAGS, IMAGE], resourceList([], domainList(['foo.*.com'])));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('domain "foo.*.com" has a wildcard that is not the leftmost label');
    expect(parseOutput(r.stdout).results[0]!.severity).toBe('error');
  });

  it('runs as kustomize\'s user nobody (uid 65534) and as its own non-root user otherwise', () => {
    const asNobody = podman(['run', '--rm', ...KUSTOMIZE_FLAGS, '--entrypoint', '/nodejs/bin/node', IMAGE, '-e', 'process.stdout.write(String(process.getuid()))']);
    expect(asNobody.stdout).toBe('65534');
    const asImage = podman(['run', '--rm', '--network', 'none', '--entrypoint', '/nodejs/bin/node', IMAGE, '-e', 'process.stdout.write(String(process.getuid()))']);
    expect(asImage.stdout).toBe('65532');
  });

  it('is the generator of kubectl kustomize (docker → podman)', () => {
    const items = kustomize('kustomize-generator');
    expect(items).toHaveLength(10);
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(Array(4).fill(['*.wikimedia.org', '*.wikipedia.org']));
  });

  it('is the transformer of kubectl kustomize over the post manifests', () => {
    const items = kustomize('kustomize-transformer');
    expect(items).toHaveLength(10);
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(Array(4).fill(['api.github.com', 'registry.npmjs.org', '*.wikipedia.org']));
  });
});
