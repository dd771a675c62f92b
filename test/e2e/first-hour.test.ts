import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { domainList, fourPlaces, resourceList, ROOT } from '../helpers.js';
import {
  copyExample,
  describeWithTool,
  localCommand,
  parseStream,
  sh,
  snapshot,
  tempDir,
} from './tools.js';

/**
 * Issue 22, "the first hour": each mistake a newcomer makes, typed as they type it, with the
 * installed command (`wildcard-egress` on PATH, as `npm install -g .` links it) in a shell.
 */
function typed(command: string, files: Record<string, string | Buffer> = {}, cwd?: string) {
  const dir = cwd ?? tempDir('first-hour');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = sh('sh', ['-c', command], { cwd: dir, path: localCommand() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
}

const UNQUOTED =
  'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nmetadata:\n  name: egress\nspec:\n  domains:\n  - *.wikipedia.org\n  - api.github.com\n';
const QUOTED = domainList(['*.wikipedia.org']);
const SERVICE_ENTRY = (host: string) =>
  `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: x\nspec:\n  hosts:\n  - ${host}\n`;

describe('1. an unquoted wildcard: "quote wildcards", with file and line', () => {
  it('in the config, stream mode', () => {
    const r = typed('wildcard-egress --config domains.yaml --no-input', {
      'domains.yaml': UNQUOTED,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: --config: domains.yaml: line 7, column 5: *.wikipedia.org is read as a YAML alias (a leading * refers to an anchor): quote wildcards, "*.wikipedia.org"\ninfo: 1 error(s): nothing written to stdout\n',
    );
  });

  it('in a manifest, stream mode (it used to pass with exit 0)', () => {
    const r = typed('wildcard-egress --config domains.yaml < manifests.yaml', {
      'domains.yaml': QUOTED,
      'manifests.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n${SERVICE_ENTRY('*.foo.com')}`,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'error: stdin: line 12, column 5: *.foo.com is read as a YAML alias',
    );
    expect(r.stderr).toContain('quote wildcards, "*.foo.com"');
  });

  it('in the config and in an item, KRM mode', () => {
    const inConfig = typed('wildcard-egress < list.yaml', {
      'list.yaml': resourceList([], UNQUOTED),
    });
    expect(inConfig.status).toBe(1);
    expect(inConfig.stderr).toMatch(
      /^error: stdin: line \d+, column \d+: \*\.wikipedia\.org is read as a YAML alias.*quote wildcards/,
    );
    const list = resourceList([SERVICE_ENTRY('*.foo.com')], QUOTED);
    const inItem = typed('wildcard-egress < list.yaml', { 'list.yaml': list });
    expect(inItem.status).toBe(1);
    const line = list.split('\n').findIndex((l) => l.includes('*.foo.com')) + 1;
    expect(inItem.stderr).toMatch(
      new RegExp(
        `^error items\\[0\\]: stdin: line ${line}, column \\d+: \\*\\.foo\\.com is read as a YAML alias`,
      ),
    );
  });

  it('a quote opened on line 7 and never closed is reported at line 7', () => {
    const r = typed('wildcard-egress --config domains.yaml --no-input', {
      'domains.yaml': UNQUOTED.replace('- *.wikipedia.org', '- "*.wikipedia.org'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'domains.yaml: not valid YAML at line 7, column 5: the double quote opened here is never closed',
    );
  });
});

describe('2. plain manifests on stdin without --config: suggest --config', () => {
  it('several documents', () => {
    const r = typed('wildcard-egress < manifests.yaml', {
      'manifests.yaml': `${SERVICE_ENTRY('"*.foo.com"')}---\n${SERVICE_ENTRY('a.com')}`,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'error: stdin holds 2 YAML documents, not one ResourceList: to fill the list into plain manifests, name the list with --config: wildcard-egress --config domains.yaml < manifests.yaml\n',
    );
    expect(r.stderr).not.toContain('parseAllDocuments');
  });

  it('one resource of another kind', () => {
    const r = typed('wildcard-egress < se.yaml', { 'se.yaml': SERVICE_ENTRY('a.com') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('stdin holds a ServiceEntry, not a ResourceList');
    expect(r.stderr).toContain('wildcard-egress --config domains.yaml < manifests.yaml');
  });
});

describe('4. the container path names only an image the user builds', () => {
  it('--help names no registry image', () => {
    const r = typed('wildcard-egress --help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--image IMAGE');
    expect(r.stdout).not.toMatch(/ghcr\.io|docker\.io|gcr\.io/);
  });

  it('every example and doc that names an image names the one `npm run image` builds', () => {
    const files = [
      'examples/kustomize-generator/domains.yaml',
      'examples/kustomize-transformer/domains.yaml',
      'examples/kpt-package/Kptfile',
      'docs/usage.md',
      'README.md',
    ];
    const named = files.flatMap((f) =>
      [...readFileSync(join(ROOT, f), 'utf8').matchAll(/image:\s*([^\s`"]+)/g)].map((m) => m[1]),
    );
    expect(named.length).toBeGreaterThan(2);
    expect(new Set(named.filter((n) => n !== 'IMAGE'))).toEqual(
      new Set(['localhost/wildcard-egress:0.1.0']),
    );
  });
});

describeWithTool(
  'kubectl',
  '5. the no-runtime fallback: kustomize build piped into the function',
  () => {
    it('cd examples/kustomize-stream && kubectl kustomize . | wildcard-egress --config domains.yaml', () => {
      const r = typed(
        'cd examples/kustomize-stream && kubectl kustomize . | wildcard-egress --config domains.yaml',
        {},
        ROOT,
      );
      expect(r.status, r.stderr).toBe(0);
      const items = parseStream(r.stdout);
      expect(items).toHaveLength(10);
      expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
        Array(4).fill(['api.github.com', '*.wikipedia.org']),
      );
      expect(r.stderr).toContain('info: list "egress": added api.github.com');
      expect(
        readFileSync(join(ROOT, 'examples/kustomize-stream/kustomization.yaml'), 'utf8'),
      ).not.toMatch(/generators:|transformers:/);
    });
  },
);

describeWithTool(
  'kpt',
  '6. kpt fn eval -- domains=… keeps the list name; results lead with the change',
  () => {
    it('eval names no function-input, leads with the list change, and a render after it changes nothing', () => {
      const pkg = copyExample('kpt-package');
      const evalRun = sh(
        'kpt',
        [
          'fn',
          'eval',
          pkg,
          '--exec',
          'wildcard-egress',
          '--truncate-output=false',
          '--',
          'domains=*.wikipedia.org,api.github.com',
        ],
        { path: localCommand() },
      );
      expect(evalRun.status, evalRun.stderr).toBe(0);
      const out = evalRun.stdout + evalRun.stderr;
      expect(out).not.toContain('function-input');
      const results = out.split('\n').filter((l) => /^\s+\[(info|warning|error)\]/.test(l));
      expect(results[0].trim()).toBe('[info]: list "egress": added api.github.com');
      expect(readFileSync(join(pkg, 'egress-stack.yaml'), 'utf8')).not.toContain('function-input');
      // The render with the DomainList (named egress too) has nothing to flip back.
      writeFileSync(
        join(pkg, 'domains.yaml'),
        readFileSync(join(pkg, 'domains.yaml'), 'utf8').replace(
          '- "*.wikipedia.org"',
          '- "*.wikipedia.org"\n  - api.github.com',
        ),
      );
      const before = snapshot(pkg);
      const render = sh('kpt', ['fn', 'render', pkg, '--allow-exec'], { path: localCommand() });
      expect(render.status, render.stderr).toBe(0);
      expect(snapshot(pkg)).toEqual(before);
    });
  },
);

describeWithTool('kpt', '6b. kpt fn eval with no config at all', () => {
  it('says how to give the domains, and the package is unchanged', () => {
    const pkg = copyExample('kpt-package');
    const before = snapshot(pkg);
    const r = sh(
      'kpt',
      ['fn', 'eval', pkg, '--exec', 'wildcard-egress', '--truncate-output=false'],
      {
        path: localCommand(),
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      "[error] data.domains: no domains given: kpt fn eval without a config sends an empty ConfigMap. Add -- domains='*.example.com,api.example.com' to the command, or --fn-config domains.yaml (a DomainList)",
    );
    expect(snapshot(pkg)).toEqual(before);
  });

  it('in an empty directory too, and kpt shows the error once (no second copy under Stderr)', () => {
    const dir = tempDir('kpt-empty');
    const r = sh(
      'kpt',
      ['fn', 'eval', dir, '--exec', 'wildcard-egress', '--truncate-output=false'],
      {
        path: localCommand(),
      },
    );
    expect(r.status).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out.match(/no domains given/g)).toHaveLength(1);
    expect(out).not.toContain('Stderr:');
  });
});

describeWithTool('kpt', '7. results say each thing once', () => {
  it('a validator error names the resource and the field once, and kpt shows no second copy on Stderr', () => {
    const pkg = copyExample('kpt-validator');
    const file = join(pkg, 'domains.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '- "*.wikipedia.org"',
        '- "*.wikipedia.org"\n  - api.github.com\n  - en.wikipedia.org',
      ),
    );
    const r = sh('kpt', ['fn', 'render', pkg, '--allow-exec', '--truncate-output=false'], {
      path: localCommand(),
    });
    expect(r.status).not.toBe(0);
    const out = r.stdout + r.stderr;
    const lines = out.split('\n').filter((l) => /^\s+\[(error|warning)\]/.test(l));
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      const [, ref, path] = /\] (\S+?)(?: (\S+))?: /.exec(line) ?? [];
      const name = ref?.split('/').pop();
      if (name) expect(line.split(name).length - 1, line).toBe(1);
      if (path) expect(line.split(path).length - 1, line).toBe(1);
    }
    // The warning about en.wikipedia.org: in Results, and not again under Stderr.
    expect(out.match(/en\.wikipedia\.org" is covered/g)).toHaveLength(1);
    expect(out).not.toContain('Stderr:');
  });
});

describe('8. the other mistakes', () => {
  it('an unknown field: did you mean', () => {
    const r = typed('wildcard-egress --config domains.yaml --no-input', {
      'domains.yaml': QUOTED.replace('domains:', 'domian:'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'error spec.domian: unknown field "domian"; did you mean "domains"?',
    );
  });

  it('--config . : a directory, said so; exit 2 as for any file that cannot be read', () => {
    const r = typed('wildcard-egress --config . --no-input', { 'domains.yaml': QUOTED });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      '--config: . is a directory: give the config file itself (it holds domains.yaml), e.g. --config ./domains.yaml',
    );
    expect(r.stderr).not.toContain('EISDIR');
  });

  it('random bytes as config: not YAML', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7919) % 256));
    const r = typed('wildcard-egress --config noise.bin --no-input', { 'noise.bin': bytes });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--config: noise.bin is not YAML');
    expect(r.stderr).not.toContain('no function config');
  });

  it('audit over a file with no access-log line: exit 1 and say so', () => {
    const r = typed('wildcard-egress audit --config domains.yaml app.log', {
      'domains.yaml': QUOTED,
      'app.log': 'GET /healthz 200\nstarted\n',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no access-log line in app.log');
    expect(r.stderr).not.toContain('unused');
  });

  it('a missing file: exit 2 in the function and in both subcommands', () => {
    for (const command of [
      'wildcard-egress --config missing.yaml --no-input',
      'wildcard-egress explain en.wikipedia.org --config missing.yaml',
      'wildcard-egress audit --config missing.yaml app.log',
    ]) {
      const r = typed(command);
      expect([command, r.status]).toEqual([command, 2]);
      expect(r.stderr).toContain('--config: cannot read missing.yaml: no such file');
    }
  });

  it('stream mode names the changed hosts: the list line by default, each place with --verbose', () => {
    const first = typed('wildcard-egress --config old.yaml --no-input > stack.yaml', {
      'old.yaml': QUOTED,
      'domains.yaml': domainList(['*.wikipedia.org', 'api.github.com']),
    });
    expect(first.status).toBe(0);
    const r = typed(
      'wildcard-egress --config domains.yaml --verbose < stack.yaml > stack.new.yaml',
      {},
      first.dir,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe('info: list "egress": added api.github.com');
    expect(r.stderr).toContain(
      'info ServiceEntry/istio-system/wildcard spec.hosts: added api.github.com',
    );
    const quiet = typed('wildcard-egress --config domains.yaml < stack.yaml', {}, first.dir);
    expect(quiet.stderr).toBe(
      'info: list "egress": added api.github.com\ninfo: 2 domain(s): 4 of 4 host place(s) changed\n',
    );
  });
});

describe('issue 23: an internal error', () => {
  it('prints its stack mapped to src/ through the source map', () => {
    const dir = tempDir('internal-error');
    // Fault injection from outside the bundle: reading stdin throws as a bug would.
    writeFileSync(
      join(dir, 'fault.cjs'),
      "const fs = require('node:fs'); const read = fs.readFileSync;\nfs.readFileSync = function (p, ...a) { if (p === 0) throw new Error('injected fault'); return read.call(this, p, ...a); };\n",
    );
    const r = sh('node', ['-r', join(dir, 'fault.cjs'), join(ROOT, 'dist/fn.js')], {
      input: resourceList([], QUOTED),
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^wildcard-egress: internal error: injected fault\n/);
    const frame = /at (src\/main\.ts):(\d+):\d+/.exec(r.stderr);
    expect(frame, r.stderr).not.toBeNull();
    const line = readFileSync(join(ROOT, frame![1]), 'utf8').split('\n')[Number(frame![2]) - 1];
    expect(line).toContain('readFileSync(0');
    expect(r.stderr).toContain('This is a bug in wildcard-egress');
  });
});
