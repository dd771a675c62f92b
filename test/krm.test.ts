import { describe, expect, it } from 'vitest';
import { readItemHeader } from '../src/krm/item-header.js';
import { headerOf, parseItem } from '../src/krm/item-source.js';
import { readResourceList, ResourceListError } from '../src/krm/resource-list.js';
import { repairKptQuotes } from '../src/krm/repair-kpt-quotes.js';
import { scanItems } from '../src/krm/scan-items.js';
import { runFunction } from '../src/function/run-function.js';

const ITEM_A =
  '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    x: 0800\n';
const ITEM_B = '- # head comment\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: b\n';

describe('scanItems finds item boundaries by lines', () => {
  const layouts: Record<string, [text: string, items: string[] | undefined]> = {
    'kpt layout: dash at column 0': [
      `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${ITEM_A}${ITEM_B}functionConfig:\n  kind: X\n`,
      [ITEM_A, ITEM_B],
    ],
    'indented layout: dash at column 2': [
      `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - kind: A\n    metadata:\n      name: a\n  - kind: B\n`,
      ['  - kind: A\n    metadata:\n      name: a\n', '  - kind: B\n'],
    ],
    'empty flow items': ['apiVersion: v1\nkind: ResourceList\nitems: []\n', []],
    'items after functionConfig, results with column-0 dashes': [
      `kind: ResourceList\nfunctionConfig:\n  kind: X\nresults:\n- message: old\nitems:\n${ITEM_A}`,
      [ITEM_A],
    ],
    'comment lines between items stay with the item before': [
      `kind: ResourceList\nitems:\n${ITEM_A}# between\n${ITEM_B}`,
      [`${ITEM_A}# between\n`, ITEM_B],
    ],
    'block scalar with dash lines inside an item': [
      `kind: ResourceList\nitems:\n- kind: A\n  data:\n    s: |\n      - not an item\n- kind: B\n`,
      ['- kind: A\n  data:\n    s: |\n      - not an item\n', '- kind: B\n'],
    ],
    'JSON input falls back': ['{"kind":"ResourceList","items":[]}', undefined],
    'flow sequence of items falls back': ['kind: ResourceList\nitems: [{kind: A}]\n', undefined],
    'tab indentation falls back': ['kind: ResourceList\nitems:\n\t- kind: A\n', undefined],
    'a second document falls back': [
      'kind: ResourceList\nitems: []\n---\nkind: Other\n',
      undefined,
    ],
    'CRLF line ends fall back': ['kind: ResourceList\r\nitems: []\r\n', undefined],
  };
  for (const [name, [text, items]] of Object.entries(layouts)) {
    it(name, () => {
      expect(scanItems(text)?.items).toEqual(items);
    });
  }

  it('joins back to the input text exactly, items and rest together', () => {
    const text = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${ITEM_A}${ITEM_B}functionConfig:\n  kind: X\n`;
    const scanned = scanItems(text)!;
    expect(
      scanned.rest.replace('items: []', `items:\n${scanned.items.join('').replace(/\n$/, '')}`),
    ).toBe(text);
  });
});

describe('readResourceList', () => {
  it('gives the same items through the fast scan and the full parser', () => {
    const block = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${ITEM_A}${ITEM_B}`;
    const json = JSON.stringify({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '0800' } },
      ],
    });
    expect(readResourceList(block).items).toEqual([ITEM_A, ITEM_B]);
    const fromJson = readResourceList(json).items;
    expect(fromJson).toHaveLength(1);
    // The full parser keeps each item's own style (here JSON's flow style) and every value.
    expect(parseItem(fromJson[0]).root.toJSON()).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a' },
      data: { x: '0800' },
    });
  });

  const refusals: Record<string, [text: string, message: RegExp]> = {
    'empty input': ['', /input is empty/],
    'not YAML': ['kind: ResourceList\nitems: [\n', /not valid YAML/],
    'a tab-indented config, naming its line and column': [
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n\tkind: X\n',
      /not valid YAML at line 5, column 1: Tabs are not allowed as indentation/,
    ],
    'a tab after the items the line scan cut out, naming the line of the input': [
      `kind: ResourceList\nitems:\n${ITEM_A}${ITEM_B}functionConfig:\n  a: 1\n\tb: 2\n`,
      /not valid YAML at line 16, column 1: Tabs/,
    ],
    'a YAML list': [
      '- kind: A\n- kind: B\n',
      /expected a mapping with kind: ResourceList, got a sequence/,
    ],
    'a scalar': ['hello\n', /got a scalar/],
    'another kind': ['kind: List\nitems: []\n', /kind is "List"/],
    'items not a sequence': ['kind: ResourceList\nitems: {a: 1}\n', /items is not a sequence/],
    'alias bomb in the config': [
      'kind: ResourceList\nfunctionConfig:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
      /too many aliases/,
    ],
  };
  for (const [name, [text, message]] of Object.entries(refusals)) {
    it(`refuses ${name}`, () => {
      expect(() => readResourceList(text)).toThrow(ResourceListError);
      expect(() => readResourceList(text)).toThrow(message);
    });
  }
});

describe('an item that is not valid YAML', () => {
  it('names the line and column within the item', () => {
    const out = runFunction(
      'kind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n  \tname: x\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {domains: a.example.com}\n',
    );
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain(
      'item 0 is not valid YAML at line 4, column 3 of the item: Tabs are not allowed as indentation',
    );
  });
});

describe('readItemHeader reads what the full parser reads, or declines', () => {
  const items: Record<string, string> = {
    'plain fields':
      '- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n    namespace: shop\n',
    'quoted values and comments':
      "- apiVersion: 'v1' # c\n  kind: \"Service\"\n  metadata:\n    # c\n    name: 'it''s'\n    namespace: shop # c\n",
    'annotations, read ones and skipped ones':
      [
        '- apiVersion: v1',
        '  kind: ConfigMap',
        '  metadata:',
        '    annotations:',
        '      big: |',
        '        line one',
        '        name: not-the-name',
        "      config.kubernetes.io/path: 'a/b.yaml'",
        '      wildcard-egress.dev/domain-list: egress',
        '    name: real',
        '  spec: {}',
      ].join('\n') + '\n',
    'head comment on the dash': '- # comment\n  kind: A\n  metadata:\n    name: x\n',
    'dash alone on its line': '-\n  kind: A\n  metadata:\n    name: x\n',
    'keys in another order, nested metadata-like keys elsewhere':
      '- spec:\n    metadata:\n      name: wrong\n  metadata:\n    labels: {a: b}\n    name: right\n  kind: K\n',
  };
  for (const [name, source] of Object.entries(items)) {
    it(name, () => {
      const fast = readItemHeader(source);
      expect(fast).toBeDefined();
      expect(fast).toEqual(headerOf(parseItem(source)));
    });
  }

  const declined: Record<string, string> = {
    'flow metadata': '- kind: A\n  metadata: {name: x}\n',
    'anchored name': '- kind: A\n  metadata:\n    name: &n x\n',
    'multi-line plain name': '- kind: A\n  metadata:\n    name: part\n      two\n',
    'escaped double-quoted kind': '- kind: "A\\u0042"\n  metadata:\n    name: x\n',
    'duplicate kind': '- kind: A\n  kind: B\n',
    'a scalar item': '- just text\n',
  };
  for (const [name, source] of Object.entries(declined)) {
    it(`declines ${name}`, () => {
      expect(readItemHeader(source)).toBeUndefined();
    });
  }
});

describe('repairKptQuotes', () => {
  it("indents a closing quote kpt left at column 0 so the scalar's value is kept", () => {
    const broken = "- spec:\n    s: 'one\n      two\n\n'\n- kind: B\n";
    const repaired = repairKptQuotes(broken);
    expect(repaired).toBe("- spec:\n    s: 'one\n      two\n\n        '\n- kind: B\n");
    const value = (
      parseItem(repaired.split('- kind: B')[0]).root.toJSON() as { spec: { s: string } }
    ).spec.s;
    expect(value).toBe('one two\n');
  });

  it('leaves valid text alone', () => {
    const text = "- a: 'x'\n  b: \"'\"\n";
    expect(repairKptQuotes(text)).toBe(text);
  });
});
