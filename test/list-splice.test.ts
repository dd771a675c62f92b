import { describe, expect, it } from 'vitest';
import { isMap, parseDocument, type Node } from 'yaml';
import { keptListOrder, keptListSplice } from '../src/merge/list-splice.js';
import { applySplices } from '../src/merge/text-edits.js';

/** Edits the list at `hosts` (or `spec.hosts`) of a small document and returns the new text. */
function edit(source: string, wanted: string[]): string {
  const doc = parseDocument(source);
  const root = doc.contents;
  if (!isMap(root)) throw new Error('not a map');
  const node = (root.get('hosts', true) ?? root.getIn(['spec', 'hosts'], true)) as Node | null;
  const splice = keptListSplice(source, node ?? null, wanted, 0);
  return splice ? applySplices(source, [splice]) : source;
}

describe('keptListOrder: what stays keeps its place', () => {
  const cases: Record<
    string,
    [current: string[], wanted: string[], expected: (number | string)[]]
  > = {
    'appends to a list in no evident order': [
      ['b', 'a'],
      ['b', 'a', 'c'],
      [0, 1, 'c'],
    ],
    'inserts into an alphabetical list in alphabetical order': [
      ['api.github.com', 'en.wikipedia.org', 'www.wikipedia.org'],
      ['api.github.com', 'en.wikipedia.org', 'www.wikipedia.org', 'crates.io', 'de.wikipedia.org'],
      [0, 'crates.io', 'de.wikipedia.org', 1, 2],
    ],
    'inserts by text into an alphabetical list of namespace/host entries': [
      ['./*', 'istio-system/*', 'monitoring/x'],
      ['./*', 'istio-system/*', 'monitoring/x', 'istio-egress/gw'],
      [0, 'istio-egress/gw', 1, 2],
    ],
    'two entries are no evidence of an order: append': [
      ['b.org', 'c.org'],
      ['b.org', 'c.org', 'a.org'],
      [0, 1, 'a.org'],
    ],
    'drops what is no longer wanted, and repeats': [
      ['a', 'b', 'a', 'c'],
      ['c', 'a'],
      [0, 3],
    ],
  };
  for (const [name, [current, wanted, expected]] of Object.entries(cases)) {
    it(name, () => expect(keptListOrder(current, wanted)).toEqual(expected));
  }
});

describe('keptListSplice: a one-line change is a one-line diff', () => {
  const four = [
    'spec:',
    '  hosts:',
    '  - github.com # source hosting',
    '  - registry.npmjs.org',
    '  # Python packages',
    '  - pypi.org',
    '  - files.pythonhosted.org',
    '  ports: [{number: 443, name: tls, protocol: TLS}]',
    '',
  ].join('\n');

  it('adding crates.io to a user list of four in no alphabetical order adds one line, at the end', () => {
    const out = edit(four, [
      'github.com',
      'registry.npmjs.org',
      'pypi.org',
      'files.pythonhosted.org',
      'crates.io',
    ]);
    expect(out).toBe(
      four.replace('  - files.pythonhosted.org\n', '  - files.pythonhosted.org\n  - crates.io\n'),
    );
  });

  it('removing a name deletes its line in place; comments of kept entries and lone comment lines stay', () => {
    const out = edit(four, ['github.com', 'pypi.org', 'files.pythonhosted.org']);
    expect(out).toBe(four.replace('  - registry.npmjs.org\n', ''));
  });

  it('the same names in another order change nothing', () => {
    expect(
      keptListSplice(
        four,
        parseDocument(four).getIn(['spec', 'hosts'], true) as Node,
        ['pypi.org', 'files.pythonhosted.org', 'github.com', 'registry.npmjs.org'],
        0,
      ),
    ).toBeUndefined();
  });

  const shapes: Record<string, [source: string, wanted: string[], expected: string]> = {
    'indentless block list, quoted': [
      'hosts:\n- "a.org"\nnext: 1\n',
      ['a.org', '*.b.org'],
      'hosts:\n- "a.org"\n- "*.b.org"\nnext: 1\n',
    ],
    'single quotes follow the list': [
      "hosts:\n  - 'a.org'\n",
      ['a.org', 'b.org'],
      "hosts:\n  - 'a.org'\n  - 'b.org'\n",
    ],
    'a plain list quotes a wildcard only': [
      'hosts:\n- a.org\n',
      ['a.org', '*.b.org'],
      'hosts:\n- a.org\n- "*.b.org"\n',
    ],
    'flow list keeps its place and trailing comment': [
      'hosts: [a.org, b.org] # two\n',
      ['b.org', 'c.org'],
      'hosts: [b.org, c.org] # two\n',
    ],
    'a flow list of one entry a line keeps every line and comment; a new entry gets a line': [
      'hosts: [\n    a.org,   # one\n    b.org    # two\n  ]\nnext: 1\n',
      ['a.org', 'b.org', 'c.org'],
      'hosts: [\n    a.org,   # one\n    b.org,    # two\n    c.org\n  ]\nnext: 1\n',
    ],
    'removing from a flow list of one entry a line deletes that line only': [
      'hosts: [\n  a.org,  # one\n  b.org,  # two\n  c.org   # three\n]\n',
      ['a.org', 'c.org'],
      'hosts: [\n  a.org,  # one\n  c.org   # three\n]\n',
    ],
    'removing the last entry of such a list takes the comma off the new last one (JSON allows none)':
      [
        'hosts: [\n  a.org,  # one\n  b.org   # two\n]\n',
        ['a.org'],
        'hosts: [\n  a.org  # one\n]\n',
      ],
    'a list whose last entry has a comma keeps one after its new last': [
      'hosts: [\n  a.org,\n  b.org,\n]\n',
      ['b.org', 'c.org'],
      'hosts: [\n  b.org,\n  c.org,\n]\n',
    ],
    'a JSON array over several lines gains a line and stays JSON': [
      '{\n  "hosts": [\n    "a.org",\n    "b.org"\n  ],\n  "x": 1\n}\n',
      ['a.org', 'b.org', 'c.org'],
      '{\n  "hosts": [\n    "a.org",\n    "b.org",\n    "c.org"\n  ],\n  "x": 1\n}\n',
    ],
    'such a list in alphabetical order gets new entries in their place': [
      'hosts: [\n  "a.org", # a\n  "c.org", # c\n  "d.org"  # d\n]\n',
      ['a.org', 'c.org', 'd.org', 'b.org'],
      'hosts: [\n  "a.org", # a\n  "b.org",\n  "c.org", # c\n  "d.org"  # d\n]\n',
    ],
    'a CRLF flow list of one entry a line gets CRLF lines': [
      'hosts: [\r\n  a.org\r\n]\r\n',
      ['a.org', 'b.org'],
      'hosts: [\r\n  a.org,\r\n  b.org\r\n]\r\n',
    ],
    'emptied block list at the key column': [
      'hosts:\n- a.org\nnext: 1\n',
      [],
      'hosts:\n  []\nnext: 1\n',
    ],
    'no value': ['hosts:\nnext: 1\n', ['a.org'], 'hosts: ["a.org"]\nnext: 1\n'],
    'a blank line after the list stays': [
      'hosts:\n- a.org\n\n# next part\nnext: 1\n',
      ['a.org', 'b.org'],
      'hosts:\n- a.org\n- b.org\n\n# next part\nnext: 1\n',
    ],
    'no final line break stays absent': [
      'hosts:\n- a.org',
      ['a.org', 'b.org'],
      'hosts:\n- a.org\n- b.org',
    ],
  };
  for (const [name, [source, wanted, expected]] of Object.entries(shapes)) {
    it(name, () => {
      const out = edit(source, wanted);
      expect(out).toBe(expected);
      expect(parseDocument(out).errors).toEqual([]);
    });
  }
});
