import { expect } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/parse-config.js';
import { runExplain } from '../src/explain/cli.js';
import { renderedItems } from '../src/explain/decide-config.js';
import { decideManifests } from '../src/explain/decide-manifests.js';
import { formatJson } from '../src/explain/format.js';
import { readManifests, refOf, type Item } from '../src/explain/manifests.js';
import { parseHostArg } from '../src/explain/host-arg.js';
import { resolveField } from '../src/explain/resolve-field.js';
import type { Explanation, Rule, StackMode, Verdict } from '../src/explain/types.js';
import { runFunction } from '../src/function/run-function.js';
import { readProjectFile, resourceList } from './helpers.js';

/** What a test reads of an answer: the verdict, the deciding layer, the admitting rule's value. */
export interface Answer {
  verdict: Verdict;
  exitCode: number;
  /** Layer of the step that ended a refusal (undefined when allowed). */
  layer?: string;
  /** The value of the admitting rule (allowed) or of the refusing field. */
  rule?: string;
  nearest?: string;
  steps: Explanation['steps'];
  /** The whole admitting entry (allowed) or refusing field, and the nearest entry, as printed. */
  ruleRef?: Rule;
  nearestRef?: Rule & { why: string };
  mode: StackMode;
}

export interface Ask {
  from?: string;
  registryOnly?: boolean;
}

/** Files by name for runExplain's io; a directory is a name ending in `/` holding names. */
function memoryIo(files: Record<string, string>) {
  return {
    readFile: (path: string) => {
      if (!(path in files)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return files[path];
    },
    stdin: () => files['-'] ?? '',
    listDir: () => undefined,
  };
}

function answerOf(stdout: string, exitCode: number): Answer {
  const j = JSON.parse(stdout) as {
    verdict: Verdict;
    mode: StackMode;
    steps: Explanation['steps'];
    rule: Rule | null;
    nearest: (Rule & { why: string }) | null;
  };
  const last = j.steps.at(-1);
  return {
    verdict: j.verdict,
    exitCode,
    steps: j.steps,
    mode: j.mode,
    ...(j.verdict !== 'allowed' && last ? { layer: last.layer } : {}),
    ...(j.rule ? { rule: j.rule.value, ruleRef: j.rule } : {}),
    ...(j.nearest ? { nearest: j.nearest.why, nearestRef: j.nearest } : {}),
  };
}

const askArgs = (host: string, ask: Ask) => [
  host,
  ...(ask.from ? ['--from', ask.from] : []),
  ...(ask.registryOnly ? ['--registry-only'] : []),
  '--output',
  'json',
];

/** `explain --config` on a config text, through the command. */
export function explainConfig(config: string, host: string, ask: Ask = {}): Answer {
  const out = runExplain(
    [...askArgs(host, ask), '--config', 'config.yaml'],
    memoryIo({ 'config.yaml': config }),
  );
  if (out.exitCode === 2) throw new Error(out.stderr);
  return answerOf(out.stdout, out.exitCode);
}

const parsed = new Map<string, Item[]>();

/** `explain --manifests` on a manifests text (parsed once per text; a host the domain rules refuse goes through the command). */
export function explainManifests(manifests: string, host: string, ask: Ask = {}): Answer {
  const hostArg = parseHostArg(host);
  if (
    !hostArg.ok ||
    !hostArg.name.ok ||
    hostArg.raw !== hostArg.name.host ||
    hostArg.notes.length > 0
  ) {
    const out = runExplain(
      [...askArgs(host, ask), '--manifests', 'stack.yaml'],
      memoryIo({ 'stack.yaml': manifests }),
    );
    if (out.exitCode === 2) throw new Error(out.stderr);
    return answerOf(out.stdout, out.exitCode);
  }
  if (!parsed.has(manifests))
    parsed.set(
      manifests,
      readManifests(['stack.yaml'], memoryIo({ 'stack.yaml': manifests })).items,
    );
  const e = decideManifests(parsed.get(manifests)!, {
    host: hostArg.name.host,
    port: hostArg.port,
    registryOnly: ask.registryOnly ?? false,
    ...(ask.from ? { from: ask.from } : {}),
  });
  return answerOf(formatJson(e), e.verdict === 'allowed' ? 0 : 1);
}

/** The function's own output for a config: a ResourceList text holding the rendered stack. */
export function renderStackText(config: string): string {
  const out = runFunction(resourceList([], config));
  if (out.exitCode !== 0) throw new Error(`render failed: ${out.stderr}`);
  return out.stdout;
}

/** A fixture of testdata/explain. */
export function fixture(name: string): string {
  return readProjectFile(`testdata/explain/${name}`);
}

/** A config text in another mode: `spec.mode` and the Istio version that mode needs. */
export function withMode(config: string, mode: StackMode): string {
  return config.replace(/^spec:\n/m, `spec:\n  mode: ${mode}\n  istioVersion: "1.30"\n`);
}

/** The objects of a manifests text, as `--manifests` reads them. */
export function manifestObjects(manifests: string): Item[] {
  return readManifests(['stack.yaml'], memoryIo({ 'stack.yaml': manifests })).items;
}

/** The objects `explain --config` decides on: the config's stack as `renderStack` renders it. */
export function renderedObjects(config: string): Item[] {
  const { options, plan } = parseConfig(parse(config));
  if (!options) throw new Error('config refused');
  return renderedItems(options, plan);
}

/** Whether a cited value is the one at the field: the same scalar (hosts compare lower-cased). */
function sameValue(cited: string, at: unknown): boolean {
  if (typeof at !== 'string' && typeof at !== 'number' && typeof at !== 'boolean') return true;
  return cited.toLowerCase() === String(at).toLowerCase();
}

/**
 * Every resource, field and scalar value an answer cites exists in `items`
 * (steps, the admitting or refusing rule, the nearest entry); a config line
 * (DomainList, ConfigMap) is resolved in `config` instead. Returns how many
 * citations were checked.
 */
export function expectCitationsExist(a: Answer, items: readonly Item[], config?: unknown): number {
  const byRef = new Map(items.map((i) => [refOf(i), i]));
  let checked = 0;
  const check = (where: string, c: { resource?: string; field?: string; value?: string }) => {
    if (!c.resource) return;
    const fromConfig = /^(DomainList|ConfigMap)\b/.test(c.resource);
    for (const ref of c.resource.split(', ')) {
      const target = fromConfig ? config : byRef.get(ref);
      expect(target, `${where}: ${ref} is not in the render`).toBeDefined();
      if (!c.field) continue;
      const at = resolveField(target, c.field);
      expect(at.found, `${where}: ${ref} has no field ${c.field}`).toBe(true);
      if (at.found && c.value !== undefined)
        expect(
          sameValue(c.value, at.value),
          `${where}: ${ref} ${c.field} is ${String(at.value)}, not ${c.value}`,
        ).toBe(true);
      checked++;
    }
  };
  a.steps.forEach((s, i) => check(`step ${i} (${s.layer})`, s));
  if (a.ruleRef) check('rule', a.ruleRef);
  if (a.nearestRef) check('nearest', a.nearestRef);
  return checked;
}
