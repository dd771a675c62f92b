import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import { readConfigFile } from '../src/config/read-config-file.js';
import { didYouMean } from '../src/config/did-you-mean.js';
import { domainList } from './helpers.js';
import { memoryIo } from './support/io.js';

const LIST = domainList(['*.wikipedia.org']);
const CONFIG_MAP =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  domains: api.github.com\n';

/** The three ways a --config file is read: stream mode, explain, audit. */
async function everyMode(files: Record<string, string>, path = 'domains.yaml') {
  const io = memoryIo(files, '');
  const stream = await runCli(
    { mode: 'stream', configPath: path, noInput: true, verbose: false },
    io,
    '0.0.0',
  );
  const explain = await runCli(
    { mode: 'command', name: 'explain', args: ['en.wikipedia.org', '--config', path] },
    io,
    '0.0.0',
  );
  const audit = await runCli(
    { mode: 'command', name: 'audit', args: ['--config', path, 'log.txt'] },
    memoryIo({ ...files, 'log.txt': 'no log line here\n' }),
    '0.0.0',
  );
  return { stream, explain, audit };
}

describe('readConfigFile: one reader for stream mode, explain and audit', () => {
  const refused: Record<string, [text: string, message: string]> = {
    'a tab-indented config: its line': [
      'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nspec:\n\tdomains: [a.example.com]\n',
      'domains.yaml: not valid YAML at line 4, column 1: Tabs are not allowed as indentation',
    ],
    'a quote opened on line 7 and never closed: line 7, where it opens': [
      'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nmetadata:\n  name: egress\nspec:\n  domains:\n  - "*.wikipedia.org\n  - api.github.com\n  - b.example.com\n',
      'domains.yaml: not valid YAML at line 7, column 5: the double quote opened here is never closed',
    ],
    'an unquoted wildcard: quote wildcards, with its line': [
      'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nmetadata:\n  name: egress\nspec:\n  domains:\n  - *.wikipedia.org\n',
      'domains.yaml: line 7, column 5: *.wikipedia.org is read as a YAML alias (a leading * refers to an anchor): quote wildcards, "*.wikipedia.org"',
    ],
    'random bytes: not YAML': [
      '\u0000\u0007PK\u0003\u0004 binary',
      'domains.yaml is not YAML: it holds the control character 0x00',
    ],
    'bytes that are not UTF-8: not YAML': [
      'caf\ufffd',
      'domains.yaml is not YAML: it holds bytes that are not UTF-8',
    ],
    'an empty file': ['', 'domains.yaml holds no YAML mapping'],
    'two DomainLists': [
      `${LIST}---\n${LIST}`,
      'domains.yaml holds 2 DomainLists (egress, egress): keep one config per file',
    ],
  };
  for (const [name, [text, message]] of Object.entries(refused)) {
    it(`refuses ${name}, in every mode alike`, async () => {
      const file = readConfigFile('domains.yaml', memoryIo({ 'domains.yaml': text }));
      expect(file).toEqual({ unreadable: false, message: expect.stringContaining(message) });
      const { stream, explain, audit } = await everyMode({ 'domains.yaml': text });
      expect(stream.stderr).toContain(`error: --config: ${message}`);
      expect(stream.exitCode).toBe(1);
      for (const out of [explain, audit]) {
        expect(out.stderr).toContain(`--config: ${message}`);
        expect(out.exitCode).toBe(2);
      }
    });
  }

  it('a missing file and a directory: exit 2 in the function and every subcommand, with the same words', async () => {
    for (const [files, path, message] of [
      [{}, 'domains.yaml', 'cannot read domains.yaml: no such file'],
      [
        { 'pkg/domains.yaml': LIST, 'pkg/Kptfile': 'x' },
        'pkg',
        'pkg is a directory: give the config file itself (it holds domains.yaml), e.g. --config pkg/domains.yaml',
      ],
    ] as const) {
      const modes = await everyMode(files, path);
      for (const out of Object.values(modes)) {
        expect(out.stderr).toContain(`--config: ${message}`);
        expect(out.exitCode).toBe(2);
        expect(out.stdout).toBe('');
      }
    }
  });

  it('a file holding a DomainList and a ConfigMap: the DomainList, in every mode', async () => {
    const text = `${CONFIG_MAP}---\n${LIST}`;
    const file = readConfigFile('domains.yaml', memoryIo({ 'domains.yaml': text }));
    expect('doc' in file && file.doc.kind).toBe('DomainList');
    const { stream, explain, audit } = await everyMode({ 'domains.yaml': text });
    expect(stream.exitCode).toBe(0);
    expect(stream.stdout).toContain('*.wikipedia.org');
    expect(stream.stdout).not.toContain('api.github.com');
    expect(explain.exitCode).toBe(0);
    expect(explain.stdout).toMatch(/^allowed/);
    // The audit reads the config and then refuses a log without one access-log line.
    expect(audit.stderr).toContain('no access-log line in log.txt');
  });

  it('a DomainList without metadata.name is refused: its name marks every resource it renders', () => {
    const text =
      'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nspec:\n  domains: [a.org]\n';
    const file = readConfigFile('domains.yaml', memoryIo({ 'domains.yaml': text }));
    expect('outcome' in file && file.outcome.results).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(
          /^the list has no name: .*write metadata: \{name: egress\}$/,
        ),
        field: { path: 'metadata.name' },
      }),
    ]);
  });

  it('an unknown field: its path once, and the field it most likely meant', () => {
    const file = readConfigFile(
      'domains.yaml',
      memoryIo({ 'domains.yaml': LIST.replace('domains:', 'domain:') }),
    );
    expect('outcome' in file && file.outcome.results).toContainEqual({
      severity: 'error',
      message: 'unknown field "domain"; did you mean "domains"?',
      field: { path: 'spec.domain' },
    });
    const nested = readConfigFile(
      'domains.yaml',
      memoryIo({
        'domains.yaml': `${LIST}  production:\n    namspaces: [a]\n`,
      }),
    );
    expect('outcome' in nested && nested.outcome.results.map((r) => r.message)).toContain(
      'unknown field "namspaces"; did you mean "namespaces"?',
    );
  });
});

describe('didYouMean', () => {
  const cases: Record<string, [name: string, known: string[], expected: string | undefined]> = {
    'one letter missing': ['domain', ['domains', 'mode'], 'domains'],
    'two letters swapped': ['mdoe', ['domains', 'mode'], 'mode'],
    'another case': ['UpstreamPort', ['upstreamPort'], 'upstreamPort'],
    'nothing near': ['colour', ['domains', 'mode'], undefined],
  };
  for (const [name, [word, known, expected]] of Object.entries(cases))
    it(name, () => expect(didYouMean(word, known)).toBe(expected));
});
