// `npm run bench`: measures the bundled function against the floor (parse the
// ResourceList into a yaml Document and print it), its scaling, its cold start
// beside bare node (through the command users run, dist/wildcard-egress.js, and
// through dist/fn.js), its peak memory, and the time it adds inside kubectl
// kustomize beside kustomize's own replacements. It prints figures and ratios
// and exits 0 whatever they are: it measures, it does not judge.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BASE_IMAGE,
  buildBaseImage,
  buildImage,
  IMAGE,
  podmanEnv,
  podmanProblem,
} from '../scripts/local-image.mjs';
import { domainListYaml, domains, longNames, manifests, resourceList } from './generate.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist/fn.js');
// The command users run: fn.js started from its code cache (docs/development.md, Start-up).
const entry = join(root, 'dist/wildcard-egress.js');
const floor = join(root, 'bench/floor.mjs');
const maxrss = join(root, 'bench/maxrss.cjs');
const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = quick ? 3 : 9;

execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-bench-'));
// The generated inputs go when the run ends, however it ends.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const write = (name, text) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const inputs = {
  n4000: write('n4000.yaml', resourceList(4000, 1000)),
  n16000: write('n16000.yaml', resourceList(16000, 1000)),
  tiny: write('tiny.yaml', resourceList(0, 1, false)),
  d10000: write('d10000.yaml', resourceList(0, 10000, false)),
  d1: write('d1.yaml', resourceList(0, 1, false)),
};

/** Runs node with args and stdin from a file; returns wall time (ms) and peak RSS (KiB). */
function run(args, inputPath, withRss) {
  const input = inputPath ? readFileSync(inputPath) : '';
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...(withRss ? ['-r', maxrss] : []), ...args], {
    input,
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const m = /BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr.toString());
  if (r.status !== 0 && !args.includes('-e'))
    throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, kb: m ? Number(m[1]) : NaN };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Alternates the commands round by round after warm-up runs; medians per command. */
function measure(cmds, rounds, warmup = 2, withRss = true) {
  const res = Object.fromEntries(Object.keys(cmds).map((k) => [k, { ms: [], kb: [] }]));
  for (let i = 0; i < warmup + rounds; i++) {
    for (const [k, [args, input]] of Object.entries(cmds)) {
      const r = run(args, input, withRss);
      if (i >= warmup) {
        res[k].ms.push(r.ms);
        res[k].kb.push(r.kb);
      }
    }
  }
  return Object.fromEntries(
    Object.entries(res).map(([k, v]) => [k, { ms: median(v.ms), mb: median(v.kb) / 1024 }]),
  );
}

const fmt = (x) => x.toFixed(1);
// Reads the items of a ResourceList the function wrote, as JSON, in a child process (this one stays small).
const READ_ITEMS = `const y=require(${JSON.stringify(join(root, 'node_modules/yaml/dist/index.js'))});let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write(JSON.stringify(y.parse(s,{maxAliasCount:-1}).items)))`;
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`,
);
console.log(`rounds: ${ROUNDS} after 2 warm-up runs, commands alternated, medians\n`);

// Cold start first, while this process is small: a large parent makes every spawn slower.
// No memory probe here: preloading it would add the same start-up cost to every side.
// Many short rounds: a cold start is short, and the machine's noise is not.
const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? (quick ? 9 : 60));
const cache = spawnSync(process.execPath, [entry], {
  input: readFileSync(inputs.tiny),
  env: { ...process.env, NODE_DEBUG: 'wildcard-egress' },
  encoding: 'utf8',
}).stderr.trim();
const load = (when) =>
  `load average ${when} ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`;
console.log(`cold start, the KRM path (${COLD_ROUNDS} rounds; ${load('before')}):`);
const cold = measure(
  {
    bare: [['-e', ''], undefined],
    entry: [[entry], inputs.tiny],
    fnTiny: [[bundle], inputs.tiny],
  },
  COLD_ROUNDS,
  2,
  false,
);
console.log(
  `  bare node ${fmt(cold.bare.ms)} ms; the function on a tiny ResourceList (no items, one domain):`,
);
console.log(
  `  wildcard-egress.js ${fmt(cold.entry.ms)} ms, ratio ${(cold.entry.ms / cold.bare.ms).toFixed(2)}   (goal <= 1.6)`,
);
console.log(
  `  node dist/fn.js    ${fmt(cold.fnTiny.ms)} ms, ratio ${(cold.fnTiny.ms / cold.bare.ms).toFixed(2)}`,
);
console.log(`  ${cache.replace(/^wildcard-egress: /, '')}; ${load('after')}`);
// What that start compiles: fn.js only; explain.js and audit.js load when their subcommand runs.
const kb = (f) => `${(statSync(join(root, 'dist', f)).size / 1024).toFixed(0)} KB`;
console.log(
  `  loaded     dist/fn.js ${kb('fn.js')} (not loaded: dist/explain.js ${kb('explain.js')}, dist/audit.js ${kb('audit.js')})`,
);

const main = measure(
  {
    fn4000: [[bundle], inputs.n4000],
    floor4000: [[floor], inputs.n4000],
    fn16000: [[bundle], inputs.n16000],
  },
  ROUNDS,
);
console.log('\n4,000 Deployments + the post stack, 1,000 domains:');
console.log(`  function   ${fmt(main.fn4000.ms)} ms, peak ${fmt(main.fn4000.mb)} MiB`);
console.log(`  floor      ${fmt(main.floor4000.ms)} ms, peak ${fmt(main.floor4000.mb)} MiB`);
console.log(`  fn/floor   ${(main.fn4000.ms / main.floor4000.ms).toFixed(2)}   (goal <= 0.5)`);
console.log(
  `16,000 Deployments (4x): function ${fmt(main.fn16000.ms)} ms, peak ${fmt(main.fn16000.mb)} MiB`,
);
console.log(`  scaling    ${(main.fn16000.ms / main.fn4000.ms).toFixed(2)}   (goal <= 4.0)`);

const lists = measure({ d1: [[bundle], inputs.d1], d10000: [[bundle], inputs.d10000] }, ROUNDS);
console.log(
  `\n10,000 domains, no items: ${fmt(lists.d10000.ms)} ms; 1 domain: ${fmt(lists.d1.ms)} ms; the list costs ${fmt(lists.d10000.ms - lists.d1.ms)} ms`,
);

longLists();
image();
kustomize();

/**
 * Long lists (production recommended, two namespaces, a team, a second port; 40% wildcards, about 17
 * characters a name): the render's time and peak memory at 50,000 names, and the largest object of each
 * kind (as JSON, what kubectl apply stores) by list size.
 */
function longLists() {
  const production =
    '    production:\n      recommended: true\n      namespaces: [shop, billing]\n      teams:\n      - {name: payments, namespaces: [payments], domains: [api.stripe.com, {name: api.adyen.com, ports: [443, 8443]}]}\n';
  const input = (n) =>
    write(
      `long${n}.yaml`,
      `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n${domainListYaml(longNames(n), '  ')}${production}`,
    );
  const sizes = [1000, 10000, 50000].map((n) => {
    const out = spawnSync(process.execPath, [bundle], {
      input: readFileSync(input(n)),
      maxBuffer: 1 << 30,
    });
    if (out.status !== 0) throw new Error(`long list ${n}: ${out.stderr}`);
    if (n === 50000) writeFileSync(join(dir, 'long50000-stack.yaml'), out.stdout);
    const items = JSON.parse(
      execFileSync(process.execPath, ['-e', READ_ITEMS], {
        input: out.stdout,
        maxBuffer: 1 << 30,
      }).toString(),
    );
    const largest = (kind) =>
      Math.max(0, ...items.filter((i) => i.kind === kind).map((i) => JSON.stringify(i).length));
    const count = (kind) => items.filter((i) => i.kind === kind).length;
    return {
      n,
      vs: largest('VirtualService'),
      vsN: count('VirtualService'),
      sc: largest('Sidecar'),
      ef: largest('EnvoyFilter'),
      efN: count('EnvoyFilter'),
      se: largest('ServiceEntry'),
      seN: count('ServiceEntry'),
      all: Math.max(...items.map((i) => JSON.stringify(i).length)),
    };
  });
  const r = measure({ long50000: [[bundle], join(dir, 'long50000.yaml')] }, quick ? 1 : 3, 1);
  console.log(
    `\n50,000 names (recommended production, two namespaces, a team, a second port): ${fmt(r.long50000.ms)} ms, peak ${fmt(r.long50000.mb)} MiB   (goal < 5,000 ms, < 1,024 MiB)`,
  );
  // explain on the same list: --config renders the stack and walks it, --manifests walks the function's output.
  const config = write(
    'long50000-config.yaml',
    `${domainListYaml(longNames(50000))}${production.replace(/^ {2}/gm, '')}`,
  );
  const host = longNames(50000)[31337].replace(/^\*\./, 'a.');
  const explain = measure(
    {
      config: [[bundle, 'explain', host, '--from', 'shop', '--config', config]],
      manifests: [
        [
          bundle,
          'explain',
          host,
          '--from',
          'shop',
          '--manifests',
          join(dir, 'long50000-stack.yaml'),
        ],
      ],
    },
    quick ? 1 : 3,
    1,
  );
  console.log(
    `explain at 50,000 names: --config ${fmt(explain.config.ms)} ms, peak ${fmt(explain.config.mb)} MiB; --manifests ${fmt(explain.manifests.ms)} ms, peak ${fmt(explain.manifests.mb)} MiB`,
  );
  console.log('largest object of each kind as JSON (bytes, and how many objects):');
  console.log(
    '  names    VirtualService      Sidecar   EnvoyFilter         ServiceEntry      any object',
  );
  for (const x of sizes) {
    console.log(
      `  ${String(x.n).padEnd(7)}  ${String(x.vs).padStart(7)} (${x.vsN})  ${String(x.sc).padStart(9)}   ${String(x.ef).padStart(7)} (${x.efN})   ${String(x.se).padStart(7)} (${x.seN})   ${String(x.all).padStart(9)}`,
    );
  }
}

/** The image built from the Dockerfile (local base, host bundle): its size and a container's cold start. */
function image() {
  const env = podmanEnv(join(dir, 'podman'));
  const problem = podmanProblem(env);
  if (problem || process.env.BENCH_SKIP_IMAGE === '1') {
    console.log(`\ncontainer image: skipped (${problem ?? 'BENCH_SKIP_IMAGE=1'})`);
    return;
  }
  buildBaseImage(join(dir, 'podman'), env);
  buildImage(env);
  const size = (ref) =>
    Number(
      spawnSync('podman', ['image', 'inspect', ref, '--format', '{{.Size}}'], {
        env,
        encoding: 'utf8',
      }).stdout.trim(),
    ) /
    1024 /
    1024;
  const tiny = readFileSync(inputs.tiny);
  const flags = [
    '--rm',
    '-i',
    '--network',
    'none',
    '--user',
    'nobody',
    '--security-opt=no-new-privileges',
  ];
  const time = (args) => {
    const t = process.hrtime.bigint();
    const r = spawnSync('podman', args, { env, input: tiny });
    if (r.status !== 0) throw new Error(`podman ${args.join(' ')}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const bare = [];
  const fn = [];
  for (let i = 0; i < 2 + ROUNDS; i++) {
    const b = time(['run', ...flags, BASE_IMAGE, '-e', '']);
    const f = time(['run', ...flags, IMAGE]);
    if (i >= 2) {
      bare.push(b);
      fn.push(f);
    }
  }
  console.log(`\ncontainer image (podman + runc, kustomize's flags, ${ROUNDS} rounds, medians):`);
  console.log(
    `  image size  ${fmt(size(IMAGE))} MiB (local base from the host's node binary: ${fmt(size(BASE_IMAGE))} MiB; the bundle adds ${fmt(size(IMAGE) - size(BASE_IMAGE))} MiB)`,
  );
  console.log(
    `  bare node container ${fmt(median(bare))} ms, function container on a tiny input ${fmt(median(fn))} ms, ratio ${(median(fn) / median(bare)).toFixed(2)}`,
  );
  spawnSync('podman', ['rmi', '--all', '--force'], { env });
}

function kustomize() {
  const which = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (which.status !== 0) {
    console.log('\nkubectl kustomize: kubectl not found, skipped');
    return;
  }
  if (process.env.BENCH_SKIP_KUSTOMIZE === '1') {
    console.log('\nkubectl kustomize: skipped (BENCH_SKIP_KUSTOMIZE=1)');
    return;
  }
  const k = join(dir, 'kustomize');
  mkdirSync(join(k, 'base'), { recursive: true });
  writeFileSync(join(k, 'base/apps.yaml'), manifests(4000));
  writeFileSync(
    join(k, 'base/stack.yaml'),
    readFileSync(join(root, 'testdata/fixtures/post-stack.yaml')),
  );
  writeFileSync(join(k, 'base/kustomization.yaml'), 'resources:\n- apps.yaml\n- stack.yaml\n');
  const variants = {
    plain: 'resources:\n- ../base\n',
    // Any container function costs kustomize a serialise/parse round trip: this one only echoes.
    echo: 'resources:\n- ../base\ntransformers:\n- domains.yaml\n',
    function: 'resources:\n- ../base\ntransformers:\n- domains.yaml\n',
    replacements: [
      'resources:\n- ../base\nreplacements:\n- source:\n    kind: ServiceEntry\n    name: wildcard\n    fieldPath: spec.hosts\n  targets:',
      '  - select: {kind: VirtualService, name: direct-wildcard-through-egress-gateway}\n    fieldPaths: [spec.hosts, spec.tls.0.match.0.sniHosts]',
      '  - select: {kind: EnvoyFilter, name: sni-magic}\n    fieldPaths: [spec.configPatches.2.patch.value.filter_chains.0.filter_chain_match.server_names]\n',
    ].join('\n'),
  };
  const fnConfig = domainListYaml(domains(1000)).replace(
    '  name: egress\n',
    '  name: egress\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: wildcard-egress:bench\n',
  );
  for (const [name, kustomization] of Object.entries(variants)) {
    mkdirSync(join(k, name));
    writeFileSync(join(k, name, 'kustomization.yaml'), kustomization);
    writeFileSync(join(k, name, 'domains.yaml'), fnConfig);
  }
  const env = { ...process.env, PATH: `${join(root, 'test/e2e/shim')}:${process.env.PATH}` };
  const envOf = (v) => (v === 'echo' ? { ...env, WILDCARD_EGRESS_SHIM_ECHO: '1' } : env);
  const times = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  const rounds = Number(process.env.BENCH_KUSTOMIZE_ROUNDS ?? (quick ? 1 : 3));
  for (let i = 0; i < rounds; i++) {
    for (const v of Object.keys(variants)) {
      const t = process.hrtime.bigint();
      const r = spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', join(k, v)], {
        env: envOf(v),
        maxBuffer: 1 << 30,
      });
      if (r.status !== 0) throw new Error(`kustomize ${v}: ${r.stderr}`);
      times[v].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([v, xs]) => [v, median(xs)]));
  console.log(
    `\nkubectl kustomize over the same 4,000 Deployments + stack (${rounds} round(s), medians):`,
  );
  console.log(`  no host copy        ${fmt(m.plain)} ms`);
  console.log(
    `  echo function       ${fmt(m.echo)} ms  (+${fmt(m.echo - m.plain)} ms, ${(((m.echo - m.plain) / m.plain) * 100).toFixed(1)}%): kustomize's own cost of any container function`,
  );
  console.log(
    `  this function       ${fmt(m.function)} ms  (+${fmt(m.function - m.plain)} ms, ${(((m.function - m.plain) / m.plain) * 100).toFixed(1)}%; +${fmt(m.function - m.echo)} ms over echo)`,
  );
  console.log(
    `  replacements        ${fmt(m.replacements)} ms  (+${fmt(m.replacements - m.plain)} ms, ${(((m.replacements - m.plain) / m.plain) * 100).toFixed(1)}%)`,
  );
}
