import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';
import { describeWithTool, localCommand, sh } from './tools.js';

interface Step {
  id?: string;
  shell?: string;
  run?: string;
}

const workflow = parse(
  readFileSync(join(ROOT, 'examples/github-actions/wildcard-egress.yaml'), 'utf8'),
);
const steps: Step[] = workflow.jobs.render.steps;

/** Runs one `run:` step of the workflow as GitHub does with `shell: bash`, in `repo`. */
function runStep(id: string, repo: string, runnerTemp: string) {
  const step = steps.find((s) => s.id === id)!;
  expect(step.shell).toBe('bash');
  return sh('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
    cwd: repo,
    path: localCommand(),
    env: { ...workflow.env, RUNNER_TEMP: runnerTemp },
  });
}

function git(repo: string, ...args: string[]) {
  const r = sh('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
    cwd: repo,
  });
  expect(r.status, r.stderr).toBe(0);
}

/** A git repository holding examples/kpt-package as the workflow's $PACKAGE, committed. */
function repository(): string {
  const repo = mkdtempSync(join(tmpdir(), 'wildcard-egress-gha-'));
  cpSync(join(ROOT, 'examples/kpt-package'), join(repo, workflow.env.PACKAGE), { recursive: true });
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'egress package');
  return repo;
}

describeWithTool(
  'kpt',
  'the GitHub Actions example: its render and check steps on a local repository',
  () => {
    it('installs kpt and wildcard-egress the way the README does, then renders and checks', () => {
      expect(steps.map((s) => s.id).filter(Boolean)).toEqual(['render', 'check']);
      expect(steps.find((s) => s.run?.includes('npm install -g .'))?.run).toBe(
        'npm ci && npm install -g .',
      );
    });

    it('passes when the committed package is rendered', () => {
      const repo = repository();
      const temp = mkdtempSync(join(tmpdir(), 'wildcard-egress-runner-'));
      const render = runStep('render', repo, temp);
      expect(render.status, render.stdout + render.stderr).toBe(0);
      const check = runStep('check', repo, temp);
      expect(check.status, check.stdout + check.stderr).toBe(0);
    });

    it('fails on drift (domains.yaml changed, not rendered) and prints the diff and the results', () => {
      const repo = repository();
      const domains = join(repo, workflow.env.PACKAGE, 'domains.yaml');
      writeFileSync(
        domains,
        readFileSync(domains, 'utf8').replace(
          '  - "*.wikipedia.org"\n',
          '  - "*.wikipedia.org"\n  - api.github.com\n',
        ),
      );
      git(repo, 'commit', '-qam', 'add a domain, forget to render');
      const temp = mkdtempSync(join(tmpdir(), 'wildcard-egress-runner-'));
      expect(runStep('render', repo, temp).status).toBe(0);
      const check = runStep('check', repo, temp);
      expect(check.status).toBe(1);
      expect(check.stdout).toContain('::error::egress is not rendered');
      expect(check.stdout).toMatch(/^\+.*api\.github\.com/m);
      expect(check.stdout).toContain(`message: 'list "egress": added api.github.com'`);
    });

    it('fails on a bad list with the function results', () => {
      const repo = repository();
      const domains = join(repo, workflow.env.PACKAGE, 'domains.yaml');
      writeFileSync(
        domains,
        readFileSync(domains, 'utf8').replace('"*.wikipedia.org"', '"*.co.uk"'),
      );
      git(repo, 'commit', '-qam', 'a public suffix');
      const render = runStep(
        'render',
        repo,
        mkdtempSync(join(tmpdir(), 'wildcard-egress-runner-')),
      );
      expect(render.status).toBe(1);
      expect(render.stdout).toContain('::error::kpt fn render failed');
      expect(render.stdout).toContain('"*.co.uk"');
    });
  },
);
