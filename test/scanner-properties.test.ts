import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument } from 'yaml';
import { readItemHeader } from '../src/krm/item-header.js';
import { headerOf, parseItem } from '../src/krm/item-source.js';
import { scanItems } from '../src/krm/scan-items.js';

// The line scanner (scan-items.ts) and the line header reader (item-header.ts) skip the YAML
// parser for speed. Here they meet it on generated ResourceLists in many layouts: whenever
// they answer, their answer must be the parser's.

type YNode =
  | { t: 'inline'; text: string }
  | { t: 'block'; header: string; lines: string[] }
  | { t: 'map'; entries: [string, YNode][] }
  | { t: 'seq'; items: YNode[]; indented: boolean };

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
const inline = fc
  .oneof(
    word,
    fc.constantFrom('0800', '.5', 'yes', '~', '1e3', 'two words', 'a-b.c/d'),
    word.map((w) => `'${w}: it''s # not a comment'`),
    word.map((w) => `"${w} \\"quoted\\" \\n - x"`),
    fc.constantFrom('[a, b]', '{k: v, "q": 1}', '[]', '{}', "['- x', 'name: y']"),
    word.map((w) => `${w} # trailing comment`),
  )
  .map((text): YNode => ({ t: 'inline', text }));
const blockLine = fc.oneof(
  word,
  fc.constantFrom(
    '- not an item',
    'name: not-a-key',
    '# not a comment',
    '---',
    '',
    '  indented more',
    "'",
    'items:',
  ),
);
const block = fc
  .record({
    header: fc.constantFrom('|', '>', '|-', '>+'),
    lines: fc.array(blockLine, { minLength: 1, maxLength: 4 }),
  })
  .filter((b) => b.lines[0] !== '' && !b.lines[0].startsWith(' '))
  .map((b): YNode => ({ t: 'block', ...b }));

const { node } = fc.letrec<{ node: YNode; map: YNode; seq: YNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    inline,
    inline,
    block,
    tie('map'),
    tie('seq'),
  ),
  map: fc
    .uniqueArray(fc.tuple(word, tie('node')), { maxLength: 3, selector: ([k]) => k })
    .map((entries): YNode => ({ t: 'map', entries })),
  seq: fc
    .record({ items: fc.array(tie('node'), { maxLength: 3 }), indented: fc.boolean() })
    .map((s): YNode => ({ t: 'seq', ...s })),
}));

/** Extra lines that YAML ignores wherever they stand: blank lines and comments at any column. */
const filler = fc.array(
  fc.oneof(
    fc.constant(''),
    fc.nat(6).map((n) => `${' '.repeat(n)}# filler`),
  ),
  { maxLength: 2 },
);

const pad = (n: number) => ' '.repeat(n);

/** `key: value` (or `key:` and a block) at `indent`. */
function emitEntry(key: string, value: YNode, indent: number): string[] {
  switch (value.t) {
    case 'inline':
      return [`${pad(indent)}${key}: ${value.text}`];
    case 'block':
      return [
        `${pad(indent)}${key}: ${value.header}`,
        ...value.lines.map((l) => (l === '' ? '' : `${pad(indent + 2)}${l}`)),
      ];
    case 'map':
      return value.entries.length === 0
        ? [`${pad(indent)}${key}: {}`]
        : [`${pad(indent)}${key}:`, ...emitMap(value.entries, indent + 2)];
    case 'seq':
      return value.items.length === 0
        ? [`${pad(indent)}${key}: []`]
        : [`${pad(indent)}${key}:`, ...emitSeq(value.items, value.indented ? indent + 2 : indent)];
  }
}

function emitMap(entries: [string, YNode][], indent: number): string[] {
  return entries.flatMap(([k, v]) => emitEntry(k, v, indent));
}

/** A sequence entry: its first line carries the dash, the rest sit two columns in. */
function emitItem(item: YNode, indent: number): string[] {
  const body =
    item.t === 'map' && item.entries.length > 0
      ? emitMap(item.entries, indent + 2)
      : item.t === 'seq' && item.items.length > 0
        ? emitSeq(item.items, indent + 2)
        : item.t === 'block'
          ? [
              `${pad(indent + 2)}${item.header}`,
              ...item.lines.map((l) => (l === '' ? '' : `${pad(indent + 2)}${l}`)),
            ]
          : [
              `${pad(indent + 2)}${item.t === 'inline' ? item.text : item.t === 'map' ? '{}' : '[]'}`,
            ];
  return [`${pad(indent)}- ${body[0].slice(indent + 2)}`, ...body.slice(1)];
}

function emitSeq(items: YNode[], indent: number): string[] {
  return items.flatMap((i) => emitItem(i, indent));
}

const READ = [
  'wildcard-egress.dev/domain-list',
  'config.kubernetes.io/path',
  'config.kubernetes.io/index',
  'config.kubernetes.io/local-config',
];
const scalarText = fc.oneof(
  word,
  word.map((w) => `'${w}'`),
  word.map((w) => `'${w}''s'`),
  word.map((w) => `"${w}"`),
  word.map((w) => `"${w}\\t"`),
  word.map((w) => `${w} # c`),
);

/** A Kubernetes-like item: identity fields in any order among other fields, annotations read and not. */
const resource = fc
  .record({
    apiVersion: scalarText,
    kind: scalarText,
    name: scalarText,
    namespace: fc.option(scalarText, { nil: undefined }),
    annotations: fc.uniqueArray(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...READ),
          word.map((w) => `example.com/${w}`),
        ),
        fc.oneof(
          scalarText.map((text): YNode => ({ t: 'inline', text })),
          block,
        ),
      ),
      { maxLength: 3, selector: ([k]) => k },
    ),
    body: fc.uniqueArray(fc.tuple(fc.constantFrom('spec', 'data', 'status', 'rules'), node), {
      maxLength: 2,
      selector: ([k]) => k,
    }),
    order: fc.nat(),
  })
  .map((r): YNode => {
    const metadata: [string, YNode][] = [['name', { t: 'inline', text: r.name }]];
    if (r.namespace) metadata.push(['namespace', { t: 'inline', text: r.namespace }]);
    if (r.annotations.length > 0)
      metadata.push(['annotations', { t: 'map', entries: r.annotations }]);
    const entries: [string, YNode][] = [
      ['apiVersion', { t: 'inline', text: r.apiVersion }],
      ['kind', { t: 'inline', text: r.kind }],
      ['metadata', { t: 'map', entries: metadata }],
      ...r.body,
    ];
    const k = r.order % entries.length;
    return { t: 'map', entries: [...entries.slice(k), ...entries.slice(0, k)] };
  });

/** An item as a sequence entry at `dash`, with its first key on the dash line, after `- # comment`, or under a bare `-`. */
const itemSource = fc
  .tuple(resource, fc.constantFrom(0, 2), fc.constantFrom('inline', 'comment', 'bare'), filler)
  .map(([item, dash, head, fill]) => {
    const lines = emitItem(item, dash);
    if (head !== 'inline')
      lines.splice(
        0,
        1,
        `${pad(dash)}-${head === 'comment' ? ' # head comment' : ''}`,
        `${pad(dash + 2)}${lines[0].slice(dash + 2)}`,
      );
    lines.splice(1 + (fill.length % (lines.length - 1 || 1)), 0, ...fill);
    return { dash, text: lines.join('\n') + '\n' };
  });

/** A ResourceList with its top-level keys in any order, items at one dash column, comments between. */
const resourceList = fc
  .record({
    items: fc.array(itemSource, { maxLength: 4 }),
    dash: fc.constantFrom(0, 2),
    config: fc.option(node, { nil: undefined }),
    results: fc.boolean(),
    order: fc.nat(),
    fill: filler,
  })
  .map((r) => {
    const items = r.items.map((i) =>
      i.dash === r.dash
        ? i.text
        : i.text
            .split('\n')
            .map((l) =>
              l === '' || !l.startsWith(pad(i.dash)) ? l : pad(r.dash) + l.slice(i.dash),
            )
            .join('\n'),
    );
    const blocks = [
      ['apiVersion: config.kubernetes.io/v1'],
      ['kind: ResourceList'],
      items.length === 0
        ? ['items: []']
        : ['items:', ...r.fill, ...items.join('').replace(/\n$/, '').split('\n')],
      ...(r.config ? [emitEntry('functionConfig', r.config, 0)] : []),
      ...(r.results ? [['results:', '- message: "old"', '  severity: info']] : []),
    ];
    const k = r.order % blocks.length;
    return [...blocks.slice(k), ...blocks.slice(0, k)].flat().join('\n') + '\n';
  });

const FAILSAFE = { schema: 'failsafe' as const, uniqueKeys: true, prettyErrors: false };

describe('the line scanner agrees with the yaml parser', () => {
  it('on generated ResourceLists: same items, same rest, or it declines', () => {
    let scanned = 0;
    let valid = 0;
    fc.assert(
      fc.property(resourceList, (text) => {
        const full = parseDocument(text, FAILSAFE);
        if (full.errors.length > 0) return; // the generator's YAML must be valid for the parser to be the reference
        valid++;
        const scan = scanItems(text);
        if (!scan) return;
        scanned++;
        const data = full.toJSON() as Record<string, unknown>;
        const items = Array.isArray(data.items) ? data.items : [];
        expect(scan.items.map((source) => parseItem(source).doc.toJSON()[0])).toEqual(items);
        const rest = parseDocument(scan.rest, FAILSAFE);
        expect(rest.errors).toEqual([]);
        expect(rest.toJSON()).toEqual({ ...data, items: [] });
      }),
      { numRuns: 600 },
    );
    // The property says something only if most inputs are valid and most of those are scanned.
    expect(valid).toBeGreaterThan(500);
    expect(scanned).toBeGreaterThan(valid / 2);
  });

  it('on generated items: the line header reader reads what the parser reads, or declines', () => {
    let read = 0;
    fc.assert(
      fc.property(itemSource, ({ text }) => {
        const doc = parseDocument(text, FAILSAFE);
        if (doc.errors.length > 0 || !isSeq(doc.contents) || !isMap(doc.contents.items[0])) return;
        const fast = readItemHeader(text);
        if (fast === undefined) return;
        read++;
        expect(fast).toEqual(headerOf(parseItem(text)));
      }),
      { numRuns: Number(process.env.SCANNER_RUNS ?? 1000) },
    );
    // The reader must answer often enough for the comparison to mean something (about a third of
    // the generated items; a fifth leaves room for the randomness of the draw).
    expect(read).toBeGreaterThan(Number(process.env.SCANNER_RUNS ?? 1000) / 5);
  });
});
