import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYaml } from '../src/krm/emit-yaml.js';

const values: Record<string, unknown> = {
  'nested maps and lists': {
    a: { b: [1, { c: 'd', e: [] }, [2, 3]], f: {} },
    g: [{ h: [{ i: true }] }],
  },
  'strings any YAML reader could misread': [
    '0800',
    '.5',
    'yes',
    'No',
    'null',
    '~',
    '1e3',
    '12345678901234567890',
    '-x',
    '*.wikipedia.org',
    '@type',
    'a: b',
    'a #b',
    '',
    ' lead',
    'trail ',
  ],
  'plain-looking strings': [
    'istio-system',
    'type.googleapis.com/envoy.x.v3.Y',
    '/dev/stdout',
    'v1',
  ],
  'multi-line and quoted text': { log: '[%START_TIME%] "%REQ(:METHOD)%"\n', q: 'it\'s "x"' },
  'keys that need quoting': { '@type': 1, 'a b': 2, true: 3, 'x/y.z': 4 },
  'numbers and booleans': { port: 443, ratio: 0.5, on: false },
};

describe('emitYaml', () => {
  for (const [name, value] of Object.entries(values)) {
    it(`round-trips ${name} through the yaml parser (YAML 1.2 and 1.1)`, () => {
      const text = emitYaml(value);
      expect(parse(text)).toEqual(value);
      expect(parse(text, { version: '1.1' })).toEqual(value);
      expect(text).not.toMatch(/[&*]\w+\s*$/m);
    });
  }

  it('writes sequences at their key column and flow only for empty collections', () => {
    expect(emitYaml({ spec: { hosts: ['*.a.org', 'b.org'], e: [], m: {} } })).toBe(
      'spec:\n  hosts:\n  - "*.a.org"\n  - b.org\n  e: []\n  m: {}\n',
    );
  });

  it('writes one list placed twice in full both times, never as an alias', () => {
    const list = ['a.org'];
    expect(emitYaml({ first: list, second: list })).toBe('first:\n- a.org\nsecond:\n- a.org\n');
  });
});
