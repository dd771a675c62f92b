import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { entryToDocument, splitDocuments } from '../src/cli/documents.js';
import { runStream } from '../src/cli/stream.js';
import { readConfigFile, type ConfigFile } from '../src/config/read-config-file.js';
import { toEntry } from '../src/krm/resource-list.js';
import { domainList, fourPlaces, ROOT } from './helpers.js';
import { memoryIo } from './support/io.js';

const POST = readFileSync(`${ROOT}testdata/fixtures/post-stack.yaml`, 'utf8');
/** The post after one run of the function: what a GitOps repository holds once the function owns it. */
const OWNED = readFileSync(`${ROOT}testdata/fixtures/post-owned.yaml`, 'utf8');
/** A config file as stream mode gets it: read by the one config reader. */
function configFile(text: string): ConfigFile {
  const file = readConfigFile('domains.yaml', memoryIo({ 'domains.yaml': text }));
  if ('message' in file) throw new Error(file.message);
  return file;
}
const CONFIG_TEXT = domainList(['*.wikipedia.org', 'API.GitHub.com']);
const CONFIG = configFile(CONFIG_TEXT);
const NEW_LIST = ['api.github.com', '*.wikipedia.org'];

function docs(text: string): Record<string, any>[] {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}

describe('splitDocuments', () => {
  const cases: Record<string, [stream: string, expected: [text: string, firstLine: number][]]> = {
    'kustomize output: no leading marker': [
      'a: 1\n---\nb: 2\n',
      [
        ['a: 1\n', 1],
        ['b: 2\n', 3],
      ],
    ],
    'helm output: a marker and a source comment before each': [
      '---\n# Source: c/t.yaml\na: 1\n---\n# Source: c/u.yaml\nb: 2\n',
      [
        ['# Source: c/t.yaml\na: 1\n', 2],
        ['# Source: c/u.yaml\nb: 2\n', 5],
      ],
    ],
    'content on the marker line': [
      '--- # note\na: 1\n--- |\n  text\n',
      [
        ['# note\na: 1\n', 1],
        ['|\n  text\n', 3],
      ],
    ],
    'document end markers and blank documents': [
      'a: 1\n...\n---\n\n\n---\nb: 2\n\n\n',
      [
        ['a: 1\n', 1],
        ['b: 2\n', 7],
      ],
    ],
    'a block scalar line that only looks like a marker, indented': [
      'a: |\n  ---\n  x\n',
      [['a: |\n  ---\n  x\n', 1]],
    ],
    'empty stream': ['', []],
  };
  for (const [name, [stream, expected]] of Object.entries(cases)) {
    it(name, () => {
      expect(splitDocuments(stream).map((d) => [d.text, d.firstLine])).toEqual(expected);
    });
  }
});

describe('entryToDocument', () => {
  it('is the inverse of toEntry, blank lines and block scalars included', () => {
    for (const doc of [
      '# head\napiVersion: v1\nkind: A\n',
      'a:\n  b: |\n    one\n\n     two\n  c: [x]\n',
      'x: 1\n   \n',
    ]) {
      expect(entryToDocument(toEntry(doc, 0))).toBe(doc);
    }
  });

  it('declines an entry that is not laid out as one', () => {
    expect(entryToDocument('  - a: 1\n')).toBeUndefined();
    expect(entryToDocument('- a:\n b: 1\n')).toBeUndefined();
  });
});

describe('runStream', () => {
  it('fills the list into an owned install; unchanged documents come out byte for byte, comments kept', () => {
    const out = runStream(OWNED, CONFIG);
    expect(out.exitCode, out.stderr).toBe(0);
    const items = docs(out.stdout);
    expect(items).toHaveLength(10);
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(Array(4).fill(NEW_LIST));
    const inDocs = splitDocuments(OWNED).map((d) => d.text);
    const outDocs = splitDocuments(out.stdout).map((d) => d.text);
    const untouched = items
      .map((i, n) => [i.kind, n] as const)
      .filter(([k]) => !['VirtualService', 'ServiceEntry', 'EnvoyFilter'].includes(k));
    for (const [, n] of untouched) expect(outDocs[n]).toBe(inDocs[n]);
    expect(out.stdout).toContain(
      '# Keeps the Gateway listener alive: istiod prunes listeners no route uses.',
    );
    expect(out.stderr).toBe(
      'info: list "egress": added api.github.com\ninfo: 2 domain(s): 4 of 4 host place(s) changed\n',
    );
  });

  it("adopts the post's manifests on a first run: the list in the four places, every other byte kept, the drift named once", () => {
    const out = runStream(POST, CONFIG);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(Object.values(fourPlaces({ items: docs(out.stdout), results: [] }))).toEqual(
      Array(4).fill(NEW_LIST),
    );
    // Only the four host lists gained a line each: every other line is the input's.
    const added = out.stdout.split('\n').filter((l) => !POST.split('\n').includes(l));
    expect(added.map((l) => l.trim())).toEqual(Array(4).fill('- "api.github.com"'));
    expect(out.stdout.split('\n')).toHaveLength(POST.split('\n').length + 4);
    expect(out.stderr.split('\n').filter(Boolean)).toEqual([
      'info: list "egress": added api.github.com',
      expect.stringMatching(
        /^warning: 4 item\(s\) of the stack are yours, not created by the function, and keep fields that differ from what it renders \(Service\/istio-egress\/egressgateway, Deployment\/istio-egress\/istio-egressgateway, /,
      ),
      'info: 2 domain(s): 4 of 4 host place(s) changed',
    ]);
  });

  it('the list line names what left the list, not names that only moved to another object', () => {
    const two = domainList(['*.wikipedia.org', 'api.github.com']);
    const stack = runStream(undefined, configFile(two)).stdout;
    // A mode switch moves api.github.com into another ServiceEntry: nothing left the list.
    const side = runStream(
      stack,
      configFile(
        domainList(['*.wikipedia.org', 'api.github.com'], 'mode: sidecar\nistioVersion: "1.30"'),
      ),
    );
    expect(side.exitCode, side.stderr).toBe(0);
    expect(side.stderr).not.toMatch(/list "egress"/);
    const swapped = runStream(stack, configFile(domainList(['*.wikipedia.org', 'api.gitlab.com'])));
    expect(swapped.stderr.split('\n')[0]).toBe(
      'info: list "egress": added api.gitlab.com; removed api.github.com',
    );
  });

  it('--verbose: every change on its own line, after what changed in the list', () => {
    const out = runStream(OWNED, CONFIG, true);
    expect(out.exitCode).toBe(0);
    expect(out.stderr.split('\n').slice(0, 3)).toEqual([
      'info: list "egress": added api.github.com',
      'info VirtualService/istio-system/direct-wildcard-through-egress-gateway spec.hosts: added api.github.com',
      'info VirtualService/istio-system/direct-wildcard-through-egress-gateway spec.tls[0].match[0].sniHosts: added api.github.com',
    ]);
  });

  it('is idempotent: its output run again is the same bytes', () => {
    const once = runStream(POST, CONFIG).stdout;
    expect(runStream(once, CONFIG).stdout).toBe(once);
  });

  it('refuses a stdin with no document (the command before the pipe failed): exit 1, nothing on stdout', () => {
    for (const empty of ['', '---\n# Source: chart/templates/empty.yaml\n']) {
      const out = runStream(empty, CONFIG);
      expect(out.exitCode).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain(
        'error: stdin holds no YAML document: did the command before the pipe fail?',
      );
    }
  });

  it('with --no-input renders the whole stack', () => {
    const out = runStream(undefined, CONFIG);
    expect(out.exitCode).toBe(0);
    expect(docs(out.stdout).map((i) => i.kind)).toEqual([
      'Service',
      'Deployment',
      'Role',
      'RoleBinding',
      'Gateway',
      'VirtualService',
      'DestinationRule',
      'ServiceEntry',
      'Telemetry',
      'EnvoyFilter',
    ]);
  });

  it("keeps Helm 4's postrender-filename annotation on every document it gets, edited ones included", () => {
    const helm4 = splitDocuments(POST)
      .map((d, i) =>
        d.text.replace(
          /^metadata:\n/m,
          `metadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: 'templates/stack-${i}.yaml'\n`,
        ),
      )
      .join('---\n');
    const out = runStream(helm4, CONFIG);
    expect(out.exitCode, out.stderr).toBe(0);
    const items = docs(out.stdout);
    expect(
      items.map((i) => i.metadata.annotations['postrenderer.helm.sh/postrender-filename']),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `templates/stack-${i}.yaml`));
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(Array(4).fill(NEW_LIST));
  });

  it('leaves out local-config documents and DomainLists, as kustomize leaves them out of a build', () => {
    const local =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n  annotations:\n    config.kubernetes.io/local-config: "true"\n';
    const out = runStream(
      `${CONFIG_TEXT}---\n${local}---\n${runStream(POST, CONFIG).stdout}`,
      CONFIG,
    );
    expect(out.exitCode, out.stderr).toBe(0);
    expect(docs(out.stdout).map((i) => i.kind)).not.toContain('DomainList');
    expect(docs(out.stdout)).toHaveLength(10);
    expect(out.stderr.split('\n').filter((l) => l.startsWith('info'))).toEqual([
      'info: left out DomainList/egress: client-side config, as kustomize leaves it out of a build',
      'info: left out ConfigMap/notes: client-side config, as kustomize leaves it out of a build',
      'info: already up to date: 4 host place(s) hold the 2 domain(s); nothing changed',
    ]);
  });

  it('a bad list: exit 1, the error on stderr, nothing at all on stdout', () => {
    const out = runStream(POST, configFile(domainList(['foo.*.com'])));
    expect(out).toEqual({
      stdout: '',
      stderr:
        'error spec.domains[0]: domain "foo.*.com" has a wildcard that is not the leftmost label: only a whole leftmost "*." is allowed\ninfo: 1 error(s): nothing written to stdout\n',
      exitCode: 1,
    });
  });

  it('a warning is printed once', () => {
    const out = runStream(undefined, configFile(domainList(['*.github.io'])));
    expect(out.exitCode).toBe(0);
    expect(out.stderr.match(/warning/g)).toHaveLength(1);
  });

  it('refuses an alias bomb in a document quickly, writing nothing to stdout', () => {
    const bomb =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n';
    const out = runStream(`${bomb}---\n${POST}`, CONFIG);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('item 0 expands too many aliases');
  });

  const stdinErrors: Record<string, [stdin: string, message: string]> = {
    'a tab-indented document: its line in the stream': [
      'a: 1\n---\nkind: ConfigMap\nmetadata:\n\tname: x\n',
      'error: stdin is not valid YAML at line 5, column 1: Tabs are not allowed as indentation',
    ],
    'a ResourceList on stdin': [
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n',
      'error: stdin holds a ResourceList: run without --config',
    ],
    'a v1 List (kubectl get -o yaml): refused, not doubled beside the stack it holds': [
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: egressgateway, namespace: istio-egress}\n',
      "error: stdin: the document at line 1 is a List of 1 item(s): write one document per resource (kubectl kustomize flattens a List listed in a kustomization's resources)",
    ],
    'a document that is a list': [
      '- a\n- b\n',
      'error: stdin: the document at line 1 is not an object',
    ],
    'an unquoted wildcard in a manifest: quote wildcards, at its line in the stream': [
      `${POST}---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: x\nspec:\n  hosts:\n  - *.foo.com\n`,
      `error: stdin: line ${POST.split('\n').length + 7}, column 5: *.foo.com is read as a YAML alias (a leading * refers to an anchor): quote wildcards, "*.foo.com"`,
    ],
  };
  for (const [name, [stdin, message]] of Object.entries(stdinErrors)) {
    it(`refuses ${name}, writing nothing to stdout`, () => {
      const out = runStream(stdin, CONFIG);
      expect(out.exitCode).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain(message);
    });
  }

  it('a syntax error in the only document is the one error, not also "no YAML document"', () => {
    const out = runStream('kind: ConfigMap\nmetadata:\n\tname: x\n', CONFIG);
    expect(out.exitCode).toBe(1);
    expect(out.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([
      expect.stringMatching(/^error: stdin is not valid YAML at line 3, column 1: Tabs/),
    ]);
  });
});
