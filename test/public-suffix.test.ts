import { getPublicSuffix } from 'tldts';
import { describe, expect, it } from 'vitest';
import { suffixKind } from '../src/domains/public-suffix.js';
import { EXCEPTIONS, ICANN, PRIVATE } from '../src/generated/public-suffixes.js';

/** The same question asked of tldts itself. */
function tldtsKind(name: string): 'icann' | 'private' | undefined {
  if (getPublicSuffix(name, { allowPrivateDomains: false }) === name) return 'icann';
  if (getPublicSuffix(name, { allowPrivateDomains: true }) === name) return 'private';
  return undefined;
}

const rules = [ICANN, PRIVATE, EXCEPTIONS].flatMap((t) => t.split('\n').filter((r) => r !== ''));
const names = rules.flatMap((r) => {
  const concrete = r.replace(/^\*\./, 'foo.');
  return [concrete, `sub.${concrete}`, `a.b.${concrete}`];
});

describe('the Public Suffix List read at build time', () => {
  it('holds thousands of rules of both sections, wildcards and exceptions', () => {
    expect(ICANN.split('\n').length).toBeGreaterThan(5000);
    expect(PRIVATE.split('\n').length).toBeGreaterThan(2000);
    expect(ICANN).toContain('\nco.uk\n');
    expect(ICANN).toContain('\n*.ck\n');
    expect(PRIVATE).toContain('\ngithub.io\n');
    expect(EXCEPTIONS).toContain('\nwww.ck\n');
  });

  it(`answers like tldts for every rule and names under it (${names.length} names)`, () => {
    const differ = names.filter((n) => suffixKind(n) !== tldtsKind(n));
    expect(differ).toEqual([]);
  });

  const table: Record<string, 'icann' | 'private' | undefined> = {
    com: 'icann',
    'co.uk': 'icann',
    'foo.ck': 'icann',
    'www.ck': undefined,
    'github.io': 'private',
    'wikipedia.org': undefined,
    'example.test': undefined,
    local: 'icann',
    's3.amazonaws.com': 'private',
  };
  for (const [name, kind] of Object.entries(table)) {
    it(`${name} → ${kind ?? 'ordinary domain'}`, () => {
      expect(suffixKind(name)).toBe(kind);
      expect(tldtsKind(name)).toBe(kind);
    });
  }
});
