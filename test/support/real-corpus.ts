import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile, type ConfigFile } from '../../src/config/read-config-file.js';
import { ROOT } from '../helpers.js';
import { memoryIo } from './io.js';

/** testdata/real: public manifests written by others, verbatim (SOURCES.md). */
export const REAL = join(ROOT, 'testdata/real');

/** The YAML files of a case, in name order. */
export function caseFiles(name: string): { file: string; text: string }[] {
  return readdirSync(join(REAL, name))
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort()
    .map((file) => ({ file, text: readFileSync(join(REAL, name, file), 'utf8') }));
}

/**
 * A case's files as one stream, the way `kubectl apply -f DIR` reads them:
 * each file as written, a line break added where one lacks its last, `---`
 * between files.
 */
export function caseStream(files: readonly { text: string }[]): string {
  return files.map((f) => (f.text.endsWith('\n') ? f.text : `${f.text}\n`)).join('---\n');
}

/**
 * What a user types to opt an item in: `wildcard-egress.dev/domain-list: egress`
 * under the metadata of the document of that kind and name (two lines, or one
 * under existing annotations). Throws when the document is not there.
 */
export function optIn(text: string, kind: string, name: string): string {
  const lines = text.split('\n');
  const cuts = lines.flatMap((l, i) => (/^---/.test(l) ? [i] : []));
  const bounds = [-1, ...cuts, lines.length];
  for (let d = 0; d + 1 < bounds.length; d++) {
    const from = bounds[d] + 1;
    const body = lines.slice(from, bounds[d + 1]);
    if (!body.includes(`kind: ${kind}`)) continue;
    const mi = body.indexOf('metadata:');
    if (mi < 0) continue;
    let end = mi + 1;
    while (end < body.length && (/^\s/.test(body[end]) || body[end] === '')) end++;
    const meta = body.slice(mi + 1, end);
    const ind = /^\s+/.exec(meta.find((l) => /^\s+\S/.test(l)) ?? '  x')![0];
    if (!meta.includes(`${ind}name: ${name}`) && !meta.includes(`${ind}name: "${name}"`)) continue;
    const ai = meta.indexOf(`${ind}annotations:`);
    if (ai >= 0) {
      const ind2 = /^\s+/.exec(meta[ai + 1])![0];
      lines.splice(from + mi + 1 + ai + 1, 0, `${ind2}wildcard-egress.dev/domain-list: egress`);
    } else {
      lines.splice(
        from + mi + 1,
        0,
        `${ind}annotations:`,
        `${ind}${ind}wildcard-egress.dev/domain-list: egress`,
      );
    }
    return lines.join('\n');
  }
  throw new Error(`no ${kind} ${name} to opt in`);
}

/** A DomainList for the corpus runs. */
export function corpusConfig(domains: readonly string[], extra = ''): string {
  return [
    'apiVersion: wildcard-egress.dev/v1alpha1',
    'kind: DomainList',
    'metadata:',
    '  name: egress',
    'spec:',
    `  domains: [${domains.map((d) => JSON.stringify(d)).join(', ')}]`,
    ...extra
      .split('\n')
      .filter(Boolean)
      .map((l) => `  ${l}`),
    '',
  ].join('\n');
}

/** A config as stream mode gets it: read by the one config reader. */
export function corpusConfigFile(text: string): ConfigFile {
  const file = readConfigFile('domains.yaml', memoryIo({ 'domains.yaml': text }));
  if ('message' in file) throw new Error(file.message);
  return file;
}
