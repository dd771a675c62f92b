import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, HostIndex, HostMultiIndex, mostSpecific } from '../src/domains/host-match.js';

/** The one host matcher (src/domains/host-match.ts) that explain, audit and the list's folding share. */

describe('host matching: Envoy and Istio wildcard semantics', () => {
  const table: [pattern: string, name: string, covered: boolean][] = [
    ['api.github.com', 'api.github.com', true],
    ['api.github.com', 'x.api.github.com', false],
    ['*.wikipedia.org', 'en.wikipedia.org', true],
    ['*.wikipedia.org', 'a.b.wikipedia.org', true],
    ['*.wikipedia.org', 'wikipedia.org', false],
    ['*.wikipedia.org', 'xwikipedia.org', false],
    ['*.wikipedia.org', 'en.wikipedia.org.evil.com', false],
    ['*.Wikipedia.ORG', 'EN.wikipedia.org', true],
    ['*.wikipedia.org', '*.en.wikipedia.org', true],
    ['*.en.wikipedia.org', '*.wikipedia.org', false],
    ['*.wikipedia.org', '*.wikipedia.org', true],
    ['*', 'anything.example', true],
  ];
  for (const [pattern, name, covered] of table) {
    it(`${pattern} ${covered ? 'covers' : 'does not cover'} ${name}`, () => {
      expect(covers(pattern, name)).toBe(covered);
      expect(new HostIndex([pattern]).covering(name) === 0).toBe(covered);
    });
  }

  it('the exact name wins, then the most specific wildcard, then a bare *', () => {
    expect(mostSpecific(['*.example.com', '*.b.example.com'], 'a.b.example.com')).toBe(
      '*.b.example.com',
    );
    expect(mostSpecific(['*.example.com', 'b.example.com'], 'b.example.com')).toBe('b.example.com');
    expect(mostSpecific(['*', '*.example.com'], 'a.example.com')).toBe('*.example.com');
    expect(mostSpecific(['*', '*.example.com'], 'example.com')).toBe('*');
    expect(mostSpecific(['*.example.com'], 'example.com')).toBeUndefined();
  });

  it("overlapping is Istio's two-way match: a wildcard also finds the names under it", () => {
    const index = new HostIndex(['a.x.example', 'b.example']);
    expect(index.overlapping('*.example')).toBe(0);
    expect(index.overlapping('*.x.example')).toBe(0);
    expect(index.overlapping('*.y.example')).toBe(-1);
    expect(index.overlapping('a.x.example')).toBe(0);
  });

  it('HostMultiIndex finds every overlapping host, repeats included, in list order', () => {
    const hosts = ['a.x.example', '*.example', 'b.example', '*', 'a.x.example', '*.x.example'];
    const index = new HostMultiIndex(hosts);
    expect(index.overlapping('a.x.example')).toEqual([0, 1, 3, 4, 5]);
    expect(index.overlapping('*.x.example')).toEqual([0, 1, 3, 4, 5]);
    expect(index.overlapping('*.example')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new HostMultiIndex(['b.example']).overlapping('example')).toEqual([]);
    // The same answer as asking each host alone.
    for (const name of ['a.x.example', '*.x.example', 'c.example', '*.y.example'])
      expect(index.overlapping(name)).toEqual(
        hosts.flatMap((h, i) => (new HostIndex([h]).overlapping(name) === 0 ? [i] : [])),
      );
  });

  it('wildcardsOver lists the wildcards strictly over a name, most specific first', () => {
    const hosts = ['*.example', '*.b.example', '*.a.b.example'];
    const index = new HostIndex(hosts);
    expect(index.wildcardsOver('c.a.b.example').map((i) => hosts[i])).toEqual([...hosts].reverse());
    expect(index.wildcardsOver('*.a.b.example').map((i) => hosts[i])).toEqual([
      '*.b.example',
      '*.example',
    ]);
  });

  it('agrees with a direct reading of the rule on random names', () => {
    const label = fc.constantFrom('a', 'b', 'x', 'example', 'com');
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    const pattern = fc.tuple(fc.boolean(), name).map(([w, n]) => (w ? `*.${n}` : n));
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 6 }), name, (patterns, host) => {
        const direct = (p: string) =>
          p === host || (p.startsWith('*.') && host.endsWith(p.slice(1)) && host !== p.slice(2));
        const admitting = patterns.filter(direct);
        expect(patterns.map((p) => covers(p, host))).toEqual(patterns.map(direct));
        const best = mostSpecific(patterns, host);
        expect(best).toBe(
          admitting.includes(host)
            ? host
            : admitting.sort(
                (a, b) => b.length - a.length || patterns.indexOf(a) - patterns.indexOf(b),
              )[0],
        );
      }),
      { numRuns: 300 },
    );
  });
});
