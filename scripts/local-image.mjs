// Builds and runs the project's real Dockerfile with podman on a machine that
// cannot pull images: a local base image is made from the host's node binary
// and the libraries it links, and the bundle is built on the host
// (BUNDLE_STAGE=host-bundle). Used by the image e2e tests and the benchmark.
// Settings go through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF; nothing under
// /etc is touched, and no certificate or credential of the host is copied.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const BASE_IMAGE = 'localhost/wildcard-egress-test-base:latest';
export const IMAGE = 'ghcr.io/wildcard-egress/wildcard-egress:v0.1.0';

/** Environment for podman with runc, cgroupfs and vfs storage under `dir`. */
export function podmanEnv(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'containers.conf'), [
    '[engine]', 'runtime = "runc"', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"',
    '[containers]', 'default_ulimits = []', '',
  ].join('\n'));
  writeFileSync(join(dir, 'storage.conf'), [
    '[storage]', 'driver = "vfs"', `runroot = "${join(dir, 'run')}"`, `graphroot = "${join(dir, 'graph')}"`, '',
  ].join('\n'));
  return { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
}

/** Why podman cannot run containers here, or undefined when it can. */
export function podmanProblem(env) {
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8', env });
  if (version.error || version.status !== 0) return 'podman is not installed';
  const runc = spawnSync('runc', ['--version'], { encoding: 'utf8', env });
  if (runc.error || runc.status !== 0) return 'runc is not installed';
  const info = spawnSync('podman', ['info'], { encoding: 'utf8', env, timeout: 60_000 });
  if (info.status !== 0) return `podman info failed: ${(info.stderr || '').trim().split('\n').pop()}`;
  return undefined;
}

/** Imports a base image holding only the host's node (at /nodejs/bin/node, as in distroless) and its libraries. */
export function buildBaseImage(dir, env) {
  const rootfs = join(dir, 'rootfs');
  const node = realpathSync(process.execPath);
  mkdirSync(join(rootfs, 'nodejs/bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  copyFileSync(node, join(rootfs, 'nodejs/bin/node'));
  const libs = execFileSync('ldd', [node], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
  for (const lib of libs) {
    mkdirSync(join(rootfs, dirname(lib)), { recursive: true });
    copyFileSync(realpathSync(lib), join(rootfs, lib));
  }
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nnonroot:x:65532:\n');
  execFileSync('tar', ['-C', rootfs, '-cf', join(dir, 'base.tar'), '.']);
  execFileSync('podman', ['import', '--change', 'ENTRYPOINT ["/nodejs/bin/node"]', join(dir, 'base.tar'), BASE_IMAGE], { env, stdio: 'pipe' });
}

/** Builds the project's Dockerfile against the local base with the host-built bundle, tagged as the published image. */
export function buildImage(env) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'pipe' });
  execFileSync('podman', [
    'build', '-q',
    '--build-arg', `BUILD_IMAGE=${BASE_IMAGE}`,
    '--build-arg', `RUNTIME_IMAGE=${BASE_IMAGE}`,
    '--build-arg', 'BUNDLE_STAGE=host-bundle',
    '-t', IMAGE, root,
  ], { env, stdio: 'pipe' });
}

/** A directory holding a `docker` that is podman with this environment, for kustomize. */
export function dockerToPodman(dir, env) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'docker'), [
    '#!/bin/sh',
    `export CONTAINERS_CONF='${env.CONTAINERS_CONF}'`,
    `export CONTAINERS_STORAGE_CONF='${env.CONTAINERS_STORAGE_CONF}'`,
    'exec podman "$@"',
    '',
  ].join('\n'), { mode: 0o755 });
  return bin;
}
