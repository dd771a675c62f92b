// Build: precompile the DomainList schema into a standalone validator (no schema
// compilation at start-up), write the Public Suffix List as plain rule lists, then
// bundle the function into one file, dist/fn.js, and its entry dist/wildcard-egress.js,
// which starts it from V8's code cache (dist/fn.js.<node>-<platform>-<arch>.cache, written
// here for this node and for the node that runs npm).
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';
import { publicSuffixModule } from './public-suffixes.mjs';
import { schemaTypes } from './schema-types.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const schema = JSON.parse(readFileSync(`${root}/schema/domain-list.schema.json`, 'utf8'));
// Descriptions and titles serve editors, `x-` keys the type generator; the validator needs none of them,
// and each would ride along in the bundle.
const forValidator = (node) =>
  Array.isArray(node)
    ? node.map(forValidator)
    : node && typeof node === 'object'
      ? Object.fromEntries(
          Object.entries(node)
            .filter(([k]) => k !== 'description' && k !== 'title' && !k.startsWith('x-'))
            .map(([k, v]) => [k, forValidator(v)]),
        )
      : node;
// inlineRefs: false compiles each $ref'd definition once instead of copying it at every use.
const ajv = new Ajv.default({
  allErrors: true,
  inlineRefs: false,
  code: { source: true, esm: true },
  strict: true,
});
const validate = ajv.compile(forValidator(schema));
mkdirSync(`${root}/src/generated`, { recursive: true });
writeFileSync(
  `${root}/src/generated/validate-domain-list.js`,
  standaloneCode.default(ajv, validate),
);
writeFileSync(`${root}/src/generated/public-suffixes.js`, publicSuffixModule());
writeFileSync(`${root}/src/generated/domain-list.ts`, schemaTypes(schema).source);

if (!process.argv.includes('--schema-only')) {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    // CommonJS loads faster than an ES module bundle (no ESM loader work at start-up);
    // dist/package.json marks dist/ as CommonJS inside this "type": "module" project.
    format: 'cjs',
    // yaml's ES module build lets esbuild drop what the function never calls (a smaller bundle to compile at start-up).
    alias: { yaml: `${root}/node_modules/yaml/browser/dist/index.js` },
    // `--version` prints this; the bundle reads no package.json at run time.
    define: { WILDCARD_EGRESS_VERSION: JSON.stringify(version) },
    legalComments: 'none',
    // Fewer bytes for V8 to scan and pre-parse at every start (about 4 ms of a 90 ms cold start).
    minify: true,
    // Each file's .map maps an internal error's stack back to src/ (src/cli/internal-error.ts);
    // it is read only then, never at start-up, and holds mappings, not the sources.
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  };
  // The subcommands are files of their own, dist/audit.js and dist/explain.js: the command table
  // imports them only when one is asked for (src/cli/commands.ts), so the KRM function's start-up
  // never compiles their code. esbuild splits chunks only for ES modules, hence separate bundles.
  const commandChunks = {
    name: 'command-chunks',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/(audit|explain)\/cli\.js$/ }, (args) =>
        args.kind === 'dynamic-import'
          ? { path: `./${args.path.split('/')[1]}.js`, external: true }
          : undefined,
      );
    },
  };
  await build({
    ...common,
    entryPoints: [`${root}/src/main.ts`],
    outfile: `${root}/dist/fn.js`,
    banner: { js: '#!/usr/bin/env node' },
    plugins: [commandChunks],
    // `import()` of the subcommands becomes `require()`: the entry runs fn.js through node:vm,
    // where an `import()` needs a callback Node still marks experimental (a warning on stderr),
    // and a require() skips starting the ES module loader besides.
    supported: { 'dynamic-import': false },
  });
  await build({
    ...common,
    entryPoints: { audit: `${root}/src/audit/cli.ts`, explain: `${root}/src/explain/cli.ts` },
    outdir: `${root}/dist`,
  });
  // The entry users run, and the cache writer: small files of their own (src/start/).
  await build({
    ...common,
    entryPoints: {
      'wildcard-egress': `${root}/src/start/start.ts`,
      'write-code-cache': `${root}/src/start/write-code-cache.ts`,
    },
    outdir: `${root}/dist`,
    banner: { js: '#!/usr/bin/env node' },
  });
  writeFileSync(`${root}/dist/package.json`, '{ "type": "commonjs" }\n');
  chmodSync(`${root}/dist/fn.js`, 0o755);
  chmodSync(`${root}/dist/wildcard-egress.js`, 0o755);
  writeCodeCaches();
}

/**
 * Writes fn.js's code cache for the node running this build and for the node that runs npm
 * (npm puts the pinned Node 24 first on PATH for scripts; a user's `wildcard-egress` runs on the
 * node that runs npm), then removes the caches of other nodes, left by earlier builds. Each
 * cache replaces the last one at once (a rename): a run started meanwhile reads one or the other.
 */
function writeCodeCaches() {
  const written = new Set();
  const nodes = new Map([[realpathSync(process.execPath), true]]);
  const npmNode = process.env.npm_node_execpath;
  if (npmNode) {
    try {
      if (!nodes.has(realpathSync(npmNode))) nodes.set(realpathSync(npmNode), false);
    } catch {
      // npm's node is gone: nothing to write for it
    }
  }
  for (const [node, required] of nodes) {
    const r = spawnSync(node, [`${root}/dist/write-code-cache.js`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status === 0) {
      written.add(basename(r.stdout.trim()));
      continue;
    }
    const why = `${node} dist/write-code-cache.js failed: ${r.error?.message ?? r.stderr}`;
    // The cache only saves start-up time: without it for another node, that node compiles fn.js.
    if (required) throw new Error(why);
    process.stderr.write(`build: ${why.trim()} (the function runs without a code cache there)\n`);
  }
  for (const name of readdirSync(`${root}/dist`))
    if (/^fn\.js\..*\.cache(\.\d+\.tmp)?$/.test(name) && !written.has(name))
      rmSync(`${root}/dist/${name}`, { force: true });
}
