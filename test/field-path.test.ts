import { describe, expect, it } from 'vitest';
import { parseFieldPath, valuesAt, FieldPathError } from '../src/paths/field-path.js';

/** The one path language: host places, targets and merge keys read the same paths. */
describe('field paths', () => {
  const data = {
    metadata: { labels: { 'wildcard-egress.dev/gateway': 'egw' } },
    spec: {
      tls: [
        {
          match: [{ gateways: ['mesh'], sniHosts: ['a.org'] }],
          route: [{ destination: { host: 'gw' } }],
        },
        {
          match: [{ gateways: ['gw'], sniHosts: ['b.org'] }],
          route: [{ destination: { host: 'b.org' } }],
        },
      ],
      egress: [
        { port: { number: 3306, protocol: 'MYSQL' }, hosts: ['*/mysql.foo.com'] },
        { hosts: ['istio-system/*'] },
      ],
    },
  };
  const text = (x: unknown) => (typeof x === 'string' ? x : undefined);
  const cases: Record<string, [path: string, expected: string[] | undefined]> = {
    'every element': ['spec.tls.*.match.*.sniHosts', ['a.org', 'b.org']],
    'an element by its position (merge keys)': ['spec.tls.1.route.0.destination.host', ['b.org']],
    'a selector': ['spec.tls.*.match.[gateways=mesh].sniHosts', ['a.org']],
    'elements where a key is absent': ['spec.egress.[!port].hosts', ['istio-system/*']],
    'elements where a key is absent or holds a value': [
      'spec.egress.[port.protocol~MYSQL].hosts',
      ['*/mysql.foo.com', 'istio-system/*'],
    ],
    'a dot inside a key, escaped (label keys)': [
      'metadata.labels.wildcard-egress\\.dev/gateway',
      ['egw'],
    ],
    'an absent field': ['spec.http.*.route', undefined],
    'a position past the end': ['spec.tls.5.route', undefined],
  };
  for (const [name, [path, expected]] of Object.entries(cases)) {
    it(name, () => expect(valuesAt(data, parseFieldPath(path), text)).toEqual(expected));
  }

  it('refuses what it cannot read, quoting the path', () => {
    expect(() => parseFieldPath('spec..hosts')).toThrow(FieldPathError);
    expect(() => parseFieldPath('spec.[a=b')).toThrow('"spec.[a=b"');
  });
});
