import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { splitDocuments } from '../../src/cli/documents.js';
import { domainList, fourPlaces, ROOT } from '../helpers.js';
import { describeWithTool, localCommand, parseStream, sh } from './tools.js';

const FILENAME = 'postrenderer.helm.sh/postrender-filename';

/** A copy of the repository's examples/ (apps refer to other examples by relative path). */
function examplesCopy(): string {
  const repo = mkdtempSync(join(tmpdir(), 'wildcard-egress-gitops-'));
  cpSync(join(ROOT, 'examples'), join(repo, 'examples'), { recursive: true });
  return repo;
}

describeWithTool(
  'kubectl',
  'Argo CD config-management plugin: its generate command on a kustomize base',
  () => {
    const plugin = parse(readFileSync(join(ROOT, 'examples/argocd/plugin.yaml'), 'utf8'));
    const command: string[] = plugin.spec.generate.command;

    it('is the pipeline kustomize → wildcard-egress --config domains.yaml, in a ConfigManagementPlugin', () => {
      expect(plugin).toMatchObject({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ConfigManagementPlugin',
        metadata: { name: 'wildcard-egress' },
      });
      expect(command).toEqual([
        'sh',
        '-c',
        'kubectl kustomize . | wildcard-egress --config domains.yaml',
      ]);
    });

    it('prints every document of the build with the list in all its places, exit 0', () => {
      const app = join(ROOT, 'examples/argocd/app');
      const r = sh(command[0], command.slice(1), { cwd: app, path: localCommand() });
      expect(r.status, r.stderr).toBe(0);
      const built = parseStream(sh('kubectl', ['kustomize', app]).stdout);
      const items = parseStream(r.stdout);
      expect(items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual(
        built.map((i) => `${i.kind}/${i.metadata.name}`),
      );
      expect(items).toHaveLength(10);
      expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
        Array(4).fill(['api.github.com', '*.wikipedia.org']),
      );
      // The base holds the post's own manifests: adopted, they keep their fields and take the list.
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([
        'info: list "egress": added api.github.com',
        expect.stringMatching(
          /^warning: 4 item\(s\) of the stack are yours, not created by the function/,
        ),
        'info: 2 domain(s): 4 of 4 host place(s) changed',
      ]);
    });

    it('a bad list: exit 1, the error on stderr, nothing on stdout', () => {
      const app = join(examplesCopy(), 'examples/argocd/app');
      writeFileSync(join(app, 'domains.yaml'), domainList(['*.wikipedia.org', '*foo.example.com']));
      const r = sh(command[0], command.slice(1), { cwd: app, path: localCommand() });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        'error spec.domains[1]: domain "*foo.example.com" has a partial wildcard label',
      );
    });

    it('a failing kustomize build: exit 1 and nothing on stdout, never the stack alone', () => {
      const app = join(examplesCopy(), 'examples/argocd/app');
      writeFileSync(join(app, 'kustomization.yaml'), 'resources:\n- missing.yaml\n');
      const r = sh(command[0], command.slice(1), { cwd: app, path: localCommand() });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        'stdin holds no YAML document: did the command before the pipe fail?',
      );
    });
  },
);

describeWithTool(
  'kubectl',
  'Helm post-renderer: the command line Helm runs, on what Helm sends',
  () => {
    const plugin = parse(
      readFileSync(join(ROOT, 'examples/helm-postrenderer/plugin.yaml'), 'utf8'),
    );
    // helm template … --post-renderer wildcard-egress --post-renderer-args=--config=domains.yaml
    const extraArgs = ['--config=domains.yaml'];

    it('the Helm 4 plugin is a postrenderer/v1 subprocess plugin that runs wildcard-egress', () => {
      expect(plugin).toMatchObject({
        apiVersion: 'v1',
        type: 'postrenderer/v1',
        name: 'wildcard-egress',
        runtime: 'subprocess',
      });
      expect(plugin.runtimeConfig.platformCommand).toEqual([{ command: 'wildcard-egress' }]);
    });

    /** Helm 4's annotateAndMerge: each rendered document stamped with its template's file name. */
    function helmStream(): { stream: string; files: string[] } {
      const built = sh('kubectl', [
        'kustomize',
        join(ROOT, 'examples/kustomize-transformer/base'),
      ]).stdout;
      const files: string[] = [];
      const docs = splitDocuments(built).map((d, i) => {
        files.push(`templates/stack-${i}.yaml`);
        return d.text.replace(
          /^metadata:\n/m,
          `metadata:\n  annotations:\n    ${FILENAME}: 'templates/stack-${i}.yaml'\n`,
        );
      });
      return { stream: docs.join('---\n'), files };
    }

    it('keeps each file-name annotation (Helm 4 splits the output by it), the list in all places, exit 0', () => {
      const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-helm-'));
      writeFileSync(
        join(dir, 'domains.yaml'),
        domainList(['*.wikipedia.org', 'registry.npmjs.org']),
      );
      const { stream, files } = helmStream();
      // Helm 4 (internal/plugin/subprocess_commands.go PrepareCommands) and Helm 3 (pkg/postrender/exec.go) alike: command + args, manifests on stdin.
      const r = sh(plugin.runtimeConfig.platformCommand[0].command, extraArgs, {
        cwd: dir,
        path: localCommand(),
        input: stream,
        env: {
          HELM_PLUGIN_NAME: 'wildcard-egress',
          HELM_PLUGIN_DIR: join(ROOT, 'examples/helm-postrenderer'),
        },
      });
      expect(r.status, r.stderr).toBe(0);
      const items = parseStream(r.stdout);
      expect(items.map((i) => i.metadata.annotations[FILENAME])).toEqual(files);
      expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
        Array(4).fill(['registry.npmjs.org', '*.wikipedia.org']),
      );
    });

    it('a bad list: exit 1 with the error on stderr and an empty stdout (Helm reports the failure)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'wildcard-egress-helm-'));
      writeFileSync(join(dir, 'domains.yaml'), domainList(['*.com']));
      const r = sh('wildcard-egress', extraArgs, {
        cwd: dir,
        path: localCommand(),
        input: helmStream().stream,
      });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('"*.com"');
    });
  },
);
