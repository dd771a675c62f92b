import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { describeWithTool, localCommand, sh, SHIM_DIR, tempDir } from './tools.js';

/**
 * Every shell command of the README and docs/ (fenced `sh` blocks, and `$ ` lines of `console`
 * blocks), and what happens to it here. Each one is either
 * - `run`: run below, exactly as written, in a copy of the examples (kpt rewrites packages);
 * - `covered`: run, as written or with the change the note names, by the named test of the named file;
 * - `not run`: with the reason (a cluster, the network, or `npm test` itself).
 * A command in the docs that is in none of these fails the test, and so does an entry whose
 * command is no longer in the docs.
 */
type How = { run: true } | { covered: string; test: string; note?: string } | { notRun: string };

const RUN = { run: true } as const;
const CLUSTER = { notRun: 'needs a Kubernetes cluster with Istio; none runs here' } as const;
const FRESH = {
  covered: 'test/e2e/fresh-clone.test.ts',
  test: 'npm ci, npm install -g ., wildcard-egress --version, npm start, npm uninstall -g wildcard-egress: no JSON from npm',
  note: 'in a copy of the clone, with the global prefix in a folder of its own',
} as const;

const COMMANDS: Record<string, How> = {
  'git clone https://github.com/wildcard-egress/wildcard-egress && cd wildcard-egress': {
    notRun: 'needs the network; test/e2e/fresh-clone.test.ts copies the working tree instead',
  },
  'npm ci': FRESH,
  'npm install -g .': FRESH,
  'wildcard-egress --version': RUN,
  'npm start': FRESH,
  'wildcard-egress --config domains.yaml --no-input > stack.yaml': RUN,
  'kubectl create namespace istio-egress': CLUSTER,
  'kubectl apply -f stack.yaml': CLUSTER,
  'wildcard-egress --config domains.yaml --verbose < stack.yaml > stack.new.yaml': RUN,
  'mv stack.new.yaml stack.yaml': RUN,
  'kpt fn render examples/kpt-package --allow-exec': RUN,
  "kpt fn eval examples/kpt-package --exec wildcard-egress -- domains='*.wikipedia.org,api.github.com'":
    RUN,
  'kubectl delete -f stack.yaml': CLUSTER,
  'npm uninstall -g wildcard-egress': FRESH,
  'wildcard-egress --config domains.yaml --no-input': RUN,
  'npm test': { notRun: 'it is the run that holds this test' },
  'wildcard-egress audit --config testdata/audit/config.yaml testdata/audit/text-logs.txt': {
    covered: 'test/audit-cli.test.ts',
    test: 'prints the text report and a DomainList patch (testdata/audit/text.expected.txt)',
    note: 'its output is compared with docs/audit.md',
  },
  'wildcard-egress audit --config testdata/audit/config.yaml testdata/audit/text-logs.txt --output json 2>/dev/null':
    {
      covered: 'test/audit-cli.test.ts',
      test: 'reports every field: used, unused, unlisted, unnamed, suggest',
    },
  'npm run build': {
    covered: 'package.json',
    test: '"test": "node scripts/build.mjs',
    note: 'npm test builds first',
  },
  'npm run test:unit': { notRun: 'runs the unit tests, a part of this very run' },
  'npm run test:update': { notRun: 'rewrites the golden files; npm test checks them' },
  'npm run examples': {
    notRun:
      'rewrites the examples with kpt; test/e2e/kpt.test.ts renders each and checks no byte changes',
  },
  'npm run image': {
    notRun:
      'pulls the base images from registries, which this machine cannot reach; npm run image -- --local-base is covered',
  },
  'npm run bench': {
    notRun: 'a measurement of minutes, recorded in BENCHMARKS.md; it judges nothing',
  },
  'wildcard-egress explain en.wikipedia.org --from shop --manifests testdata/production-recommended/expected.yaml':
    {
      covered: 'test/explain-cli.test.ts',
      test: 'each worked example prints what docs/explain.md shows',
    },
  'wildcard-egress explain Wikipedia.org --from shop --config testdata/production-recommended/config.yaml':
    {
      covered: 'test/explain-cli.test.ts',
      test: 'each worked example prints what docs/explain.md shows',
    },
  'wildcard-egress explain en.wikipedia.org:8443 --manifests testdata/explain/layers-bypass.yaml': {
    covered: 'test/explain-cli.test.ts',
    test: 'each worked example prints what docs/explain.md shows',
  },
  'wildcard-egress explain http://edition.cnn.com/politics --manifests testdata/explain/real-istio-http.yaml':
    {
      covered: 'test/explain-cli.test.ts',
      test: 'each worked example prints what docs/explain.md shows',
    },
  'wildcard-egress explain en.wikipedia.org --from shop --manifests testdata/fqdn-cilium-sidecar/expected.yaml':
    {
      covered: 'test/explain-cli.test.ts',
      test: 'each worked example prints what docs/explain.md shows',
    },
  'hubble observe --since 168h --protocol tcp --protocol dns -o json > flows.json': CLUSTER,
  'wildcard-egress audit --config egress.yaml gateway.txt flows.json': {
    covered: 'test/audit-hubble.test.ts',
    test: 'counts connections Cilium let out for their entry, and what it refused as unlisted or unnamed',
    note: 'with testdata/audit/config.yaml and Hubble flows written by the test (no gateway log)',
  },
  "kpt fn eval . --exec wildcard-egress -- domains='*.wikipedia.org,api.github.com' dnsLookupFamily=AUTO":
    RUN,
  'KPT_FN_RUNTIME=podman kpt fn render examples/kpt-package': {
    covered: 'test/e2e/image.test.ts',
    test: 'is the image of a kpt pipeline with KPT_FN_RUNTIME=podman (no docker wrapper)',
    note: 'with the Kptfile mutator set to the image, as docs/usage.md says',
  },
  'kpt fn render examples/kpt-package --allow-exec --truncate-output=false --results-dir results':
    RUN,
  'cat results/results.yaml': RUN,
  'kubectl kustomize --enable-alpha-plugins examples/kustomize-generator': RUN,
  'cd examples/kustomize-stream && kubectl kustomize . | wildcard-egress --config domains.yaml':
    RUN,
  'helm template egress CHART --post-renderer wildcard-egress --post-renderer-args=--config=domains.yaml':
    {
      covered: 'test/e2e/gitops.test.ts',
      test: 'keeps each file-name annotation (Helm 4 splits the output by it), the list in all places, exit 0',
      note: 'no helm here: the test runs what helm runs, wildcard-egress --config=domains.yaml on a rendered chart',
    },
  'helm plugin install examples/helm-postrenderer': {
    covered: 'test/e2e/gitops.test.ts',
    test: 'the Helm 4 plugin is a postrenderer/v1 subprocess plugin that runs wildcard-egress',
    note: 'no helm here: the test reads the plugin and runs its command',
  },
  "sh -c 'kubectl kustomize . | wildcard-egress --config domains.yaml'": RUN,
  'kpt fn render egress --allow-exec': RUN,
  'git add egress && git commit -m "egress: render"': RUN,
  'npm run image -- --local-base': {
    covered: 'test/e2e/image.test.ts',
    test: "runs directly with a ResourceList on stdin, with kustomize's flags, and prints what the bundle prints",
    note: 'the image every test there runs is built by this command (beforeAll)',
  },
};

/** The commands of a Markdown file: `sh` block lines (comments and `\` continuations joined), `$ ` lines of `console` blocks. */
function commandsOf(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/^```(sh|console)\n([\s\S]*?)^```/gm)) {
    const lines = block[2].replace(/\\\n\s*/g, ' ').split('\n');
    for (const line of lines) {
      const text = block[1] === 'console' ? (/^\$ (.*)/.exec(line)?.[1] ?? '') : line;
      const command = text.replace(/\s+#.*$/, '').trim();
      if (command && !command.startsWith('#')) out.push(command);
    }
  }
  return out;
}

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)];
const inDocs = new Map(
  DOCS.flatMap((f) => commandsOf(readFileSync(join(ROOT, f), 'utf8')).map((c) => [c, f] as const)),
);

describe('every shell command of the README and docs/', () => {
  it('is run here, covered by a named test, or named as not run, with the reason', () => {
    expect([...inDocs.keys()].filter((c) => !(c in COMMANDS))).toEqual([]);
    expect(Object.keys(COMMANDS).filter((c) => !inDocs.has(c))).toEqual([]);
  });

  it('each covering test exists under the name given', () => {
    for (const how of Object.values(COMMANDS)) {
      if (!('covered' in how)) continue;
      expect(readFileSync(join(ROOT, how.covered), 'utf8'), how.covered).toContain(how.test);
    }
  });
});

/** The YAML block that starts with a `# name` comment line in the README, that line included (a reader copying the block keeps it). */
function readmeFile(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = new RegExp(
    `^\`\`\`yaml\\n(# ${name.replace('.', '\\.')}\\n[\\s\\S]*?)^\`\`\``,
    'm',
  ).exec(readme);
  if (!block) throw new Error(`no ${name} block in the README`);
  return block[1];
}

/** The output lines of a console block, under its `$ command` line. */
function consoleOutput(command: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`$ ${command}\n`);
  const end = readme.indexOf('```', at);
  return readme.slice(at + command.length + 3, end);
}

describeWithTool('kpt', 'the commands marked run, run here as written', () => {
  const ran = new Set<string>();
  const work = tempDir('docs');
  cpSync(join(ROOT, 'examples'), join(work, 'examples'), { recursive: true });
  const run = (command: string, cwd = work, withShim = false) => {
    expect(COMMANDS[command], command).toEqual(RUN);
    ran.add(command);
    return sh('sh', ['-c', command], {
      cwd,
      path: withShim ? `${localCommand()}:${SHIM_DIR}` : localCommand(),
    });
  };

  it('README: install check, render, update (with its output), errors (with their output)', () => {
    expect(run('wildcard-egress --version').status).toBe(0);
    writeFileSync(
      join(work, 'domains.yaml'),
      readmeFile('domains.yaml').replace(/ {2}- api\.github\.com\n/, ''),
    );
    expect(run('wildcard-egress --config domains.yaml --no-input > stack.yaml').status).toBe(0);
    writeFileSync(join(work, 'domains.yaml'), readmeFile('domains.yaml'));
    const update = run(
      'wildcard-egress --config domains.yaml --verbose < stack.yaml > stack.new.yaml',
    );
    expect(update.status, update.stderr).toBe(0);
    expect(update.stderr).toBe(
      consoleOutput(
        'wildcard-egress --config domains.yaml --verbose < stack.yaml > stack.new.yaml',
      ),
    );
    expect(run('mv stack.new.yaml stack.yaml').status).toBe(0);
    expect(readFileSync(join(work, 'stack.yaml'), 'utf8')).toContain('api.github.com');
    writeFileSync(
      join(work, 'domains.yaml'),
      readmeFile('domains.yaml').replace('- "*.wikipedia.org"', '- *.wikipedia.org'),
    );
    const error = run('wildcard-egress --config domains.yaml --no-input');
    expect(error.status).toBe(1);
    expect(error.stdout + error.stderr).toBe(
      consoleOutput('wildcard-egress --config domains.yaml --no-input'),
    );
  });

  it('kpt: render, eval, results to a folder, the ConfigMap form in the package', () => {
    expect(run('kpt fn render examples/kpt-package --allow-exec').status).toBe(0);
    const evalRun = run(
      "kpt fn eval examples/kpt-package --exec wildcard-egress -- domains='*.wikipedia.org,api.github.com'",
    );
    expect(evalRun.status, evalRun.stderr).toBe(0);
    const results = run(
      'kpt fn render examples/kpt-package --allow-exec --truncate-output=false --results-dir results',
    );
    expect(results.status, results.stderr).toBe(0);
    expect(run('cat results/results.yaml').stdout).toContain('kind: FunctionResultList');
    const inPackage = run(
      "kpt fn eval . --exec wildcard-egress -- domains='*.wikipedia.org,api.github.com' dnsLookupFamily=AUTO",
      join(work, 'examples/kpt-package'),
    );
    expect(inPackage.status, inPackage.stderr).toBe(0);
    expect(readFileSync(join(work, 'examples/kpt-package/egress-stack.yaml'), 'utf8')).toContain(
      'dns_lookup_family: AUTO',
    );
  });

  it('kustomize: the generator (docker shim), the pipe into stream mode, the Argo CD command', () => {
    const generator = run(
      'kubectl kustomize --enable-alpha-plugins examples/kustomize-generator',
      work,
      true,
    );
    expect(generator.status, generator.stderr).toBe(0);
    const pipe = run(
      'cd examples/kustomize-stream && kubectl kustomize . | wildcard-egress --config domains.yaml',
    );
    expect(pipe.status, pipe.stderr).toBe(0);
    expect(pipe.stdout).toContain('api.github.com');
    const argo = run(
      "sh -c 'kubectl kustomize . | wildcard-egress --config domains.yaml'",
      join(work, 'examples/argocd/app'),
    );
    expect(argo.status, argo.stderr).toBe(0);
  });

  it('Flux: render the package, commit it', () => {
    const repo = tempDir('flux');
    cpSync(join(ROOT, 'examples/kpt-package'), join(repo, 'egress'), { recursive: true });
    for (const args of [
      ['init', '-q'],
      ['add', '.'],
      ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init'],
    ])
      expect(sh('git', args, { cwd: repo }).status).toBe(0);
    writeFileSync(
      join(repo, 'egress/domains.yaml'),
      readFileSync(join(repo, 'egress/domains.yaml'), 'utf8').replace(
        '- "*.wikipedia.org"',
        '- "*.wikipedia.org"\n  - api.github.com',
      ),
    );
    expect(run('kpt fn render egress --allow-exec', repo).status).toBe(0);
    const commit = sh('sh', ['-c', 'git add egress && git commit -m "egress: render"'], {
      cwd: repo,
      env: {
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
    ran.add('git add egress && git commit -m "egress: render"');
    expect(commit.status, commit.stderr).toBe(0);
  });

  it('ran every command marked run', () => {
    const marked = Object.entries(COMMANDS)
      .filter(([, how]) => 'run' in how)
      .map(([c]) => c);
    expect(marked.filter((c) => !ran.has(c))).toEqual([]);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('README and docs/ as pages', () => {
  it('the README is a getting-started page of at most 400 lines, with both pictures', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
    expect(readme.match(/^```mermaid$/gm)).toHaveLength(2);
    for (const section of [
      'Install',
      'Render',
      'Apply',
      'Update the list',
      'Remove the stack from a cluster',
      'Uninstall',
    ])
      expect(readme).toContain(`\n## ${section}\n`);
  });

  it('every relative link points at a file that exists, and at a heading of it', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const resolved = path === '' ? file : join(dir, path);
        let body: string;
        try {
          body = readFileSync(join(ROOT, resolved), 'utf8');
        } catch {
          try {
            readdirSync(join(ROOT, resolved));
            continue; // a folder (an example)
          } catch {
            broken.push(`${file}: ${target}`);
            continue;
          }
        }
        if (anchor !== undefined) {
          const anchors = [...body.matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]));
          if (!anchors.includes(anchor)) broken.push(`${file}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('no "see X" reference is left as plain words where a link belongs', () => {
    for (const file of DOCS) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text.match(/\(see [A-Z][a-z]+[^)]*\)|: see [A-Z][a-z]+ \|/g) ?? [], file).toEqual([]);
    }
  });
});
