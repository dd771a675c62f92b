import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isSeq, parse, parseAllDocuments, parseDocument } from 'yaml';
import { sortDomains } from '../src/domains/normalize-list.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = `${ROOT}dist/fn.js`;

/** Reads a file under the project root. */
export function readProjectFile(path: string): string {
  return readFileSync(`${ROOT}${path}`, 'utf8');
}

/** Splits a multi-document YAML text into the source of each document, as written. */
export function documentSources(multi: string): string[] {
  return multi
    .split(/^---[ \t]*$/m)
    .map((d) => d.replace(/^\n/, ''))
    .filter((d) => d.trim() !== '' && parse(d) !== null);
}

/** A document's source as an entry of `items:`, the way kpt writes it (dash at column 0). */
export function asEntry(doc: string): string {
  const lines = doc.replace(/\n$/, '').split('\n');
  return lines.map((l, i) => (i === 0 ? `- ${l}` : l === '' ? l : `  ${l}`)).join('\n') + '\n';
}

/** Builds a ResourceList text from item documents and a function config document. */
export function resourceList(items: readonly string[], config?: string): string {
  let text = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n';
  text += items.length === 0 ? 'items: []\n' : 'items:\n' + items.map(asEntry).join('');
  if (config !== undefined) {
    text +=
      'functionConfig:\n' +
      config
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => (l === '' ? l : `  ${l}`))
        .join('\n') +
      '\n';
  }
  return text;
}

/** A DomainList config text for a list of domains and extra spec YAML lines. */
export function domainList(domains: readonly string[], extraSpec = '', name = 'egress'): string {
  return (
    [
      'apiVersion: wildcard-egress.dev/v1alpha1',
      'kind: DomainList',
      'metadata:',
      `  name: ${name}`,
      'spec:',
      '  domains:',
      ...domains.map((d) => `  - ${JSON.stringify(d)}`),
      ...extraSpec
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => `  ${l}`),
    ].join('\n') + '\n'
  );
}

export interface Output {
  items: Record<string, any>[];
  results: Record<string, any>[];
}

/** Parses a ResourceList the function wrote. */
export function parseOutput(stdout: string): Output {
  const docs = parseAllDocuments(stdout);
  if (docs.length !== 1 || docs[0].errors.length > 0)
    throw new Error(`output is not one YAML document:\n${stdout}`);
  const list = docs[0].toJS() as { items?: any[]; results?: any[] };
  return { items: list.items ?? [], results: list.results ?? [] };
}

/** Only the results of an output, without expanding the items (which may hold an alias bomb). */
export function resultsOf(stdout: string): Record<string, any>[] {
  const results = parseDocument(stdout).get('results', true);
  return isSeq(results) ? (results.toJSON() as Record<string, any>[]) : [];
}

/** The output without its results: what a second run must reproduce. */
export function withoutResults(stdout: string): string {
  return stdout.slice(0, stdout.search(/^results:/m));
}

/** Runs the bundled function as a process, the way kpt and kustomize do. */
export function runBundle(
  input: string,
  args: string[] = [],
): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Items of a given kind from parsed output. */
export function ofKind(out: Output, kind: string): Record<string, any>[] {
  return out.items.filter((i) => i.kind === kind);
}

/** The four places the post keeps its list, read from parsed output items. */
export function fourPlaces(out: Output): Record<string, string[]> {
  const vs = ofKind(out, 'VirtualService')[0];
  const se = ofKind(out, 'ServiceEntry')[0];
  const ef = ofKind(out, 'EnvoyFilter')[0];
  const listener = ef.spec.configPatches.find((p: any) => p.applyTo === 'LISTENER').patch.value;
  // Host lists are sets: the function keeps the user's order, so compare them in hierarchy order.
  return {
    'VirtualService spec.hosts': sortDomains(vs.spec.hosts),
    'VirtualService sniHosts': sortDomains(vs.spec.tls[0].match[0].sniHosts),
    'ServiceEntry spec.hosts': sortDomains(se.spec.hosts),
    'EnvoyFilter server_names': sortDomains(
      listener.filter_chains[0].filter_chain_match.server_names,
    ),
  };
}
