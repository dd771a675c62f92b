import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../src/domains/normalize-domain.js';
import { withDefaults } from '../src/config/options.js';
import { normalizeList } from '../src/domains/normalize-list.js';
import { planDomains } from '../src/domains/plan.js';

const valid: Record<string, [input: string, normalised: string]> = {
  'exact name': ['en.wikipedia.org', 'en.wikipedia.org'],
  'leftmost wildcard': ['*.wikipedia.org', '*.wikipedia.org'],
  'upper case is lowered': ['API.Example.COM', 'api.example.com'],
  'trailing dot is dropped': ['example.com.', 'example.com'],
  'wildcard with trailing dot and case': ['*.WikiPedia.ORG.', '*.wikipedia.org'],
  'surrounding spaces are trimmed': ['  example.com ', 'example.com'],
  'hyphen inside a label': ['my-api.example-site.com', 'my-api.example-site.com'],
  'digits in labels': ['s3.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'],
  'single-label name': ['localhost', 'localhost'],
  'label of 63 characters': [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  'name of 253 characters': [
    `${'a'.repeat(61)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`,
    `${'a'.repeat(61)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`,
  ],
  'all-numeric label before the top level': ['123.example.com', '123.example.com'],
  'international name as punycode': ['Bücher.Example', 'xn--bcher-kva.example'],
  'international wildcard as punycode': ['*.bücher.example', '*.xn--bcher-kva.example'],
};

const invalid: Record<string, [input: string, reason: RegExp]> = {
  'empty string': ['', /is empty/],
  'only spaces': ['   ', /is empty/],
  'bare wildcard': ['*', /bare "\*"/],
  'bare wildcard with dot': ['*.', /bare "\*"/],
  'partial wildcard at the start': ['*foo.com', /partial wildcard label "\*foo"/],
  'partial wildcard at the end of a label': ['foo*.com', /partial wildcard label "foo\*"/],
  'wildcard in the middle': ['foo.*.com', /not the leftmost label/],
  'two wildcards': ['*.*.com', /not the leftmost label/],
  'IPv4 address': ['10.0.0.1', /IP address/],
  'IPv6 address': ['2001:db8::1', /IP address/],
  'bracketed IPv6 address': ['[::1]', /IP address/],
  'https scheme': ['https://example.com', /scheme/],
  'tcp scheme': ['tcp://example.com', /scheme/],
  port: ['example.com:443', /port/],
  path: ['example.com/api', /path/],
  'empty label in the middle': ['a..example.com', /empty label/],
  'leading dot': ['.example.com', /empty label/],
  'label of 64 characters': [`${'a'.repeat(64)}.com`, /label of 64 characters/],
  'name of 254 characters': [
    `${'a'.repeat(62)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`,
    /254 characters long/,
  ],
  underscore: ['my_host.example.com', /character "_"/],
  'space inside': ['my host.com', /character " "/],
  'invalid international name': ['a\u200b\u0000b.example', /not a valid international domain name/],
  'label starting with a hyphen': ['-api.example.com', /starts or ends with a hyphen/],
  'label ending with a hyphen': ['api-.example.com', /starts or ends with a hyphen/],
  'all-numeric top-level label': ['example.123', /all-numeric/],
};

describe('normalizeDomain accepts', () => {
  for (const [name, [input, expected]] of Object.entries(valid)) {
    it(name, () => {
      expect(normalizeDomain(input)).toEqual({ ok: true, domain: expected });
    });
  }
});

describe('normalizeDomain refuses', () => {
  for (const [name, [input, reason]] of Object.entries(invalid)) {
    it(name, () => {
      const check = normalizeDomain(input);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).toMatch(reason);
    });
  }
});

describe('normalizeList and planDomains', () => {
  const raw = (values: string[]) =>
    values.map((value, i) => ({ value, path: `spec.domains[${i}]` }));
  const plan = (values: string[]) =>
    planDomains(
      normalizeList(raw(values), 'spec.domains').entries,
      withDefaults({ domains: values }, 'egress'),
    ).plan;

  it('collapses exact duplicates after normalising', () => {
    expect(plan(['a.example.com', 'A.EXAMPLE.COM.', 'a.example.com']).all).toEqual([
      'a.example.com',
    ]);
  });

  it('sorts by domain hierarchy so input order does not matter', () => {
    const a = plan(['z.org', '*.wikipedia.org', 'api.example.com', 'wikipedia.org']);
    const b = plan(['wikipedia.org', 'api.example.com', 'z.org', '*.wikipedia.org']);
    expect(a.all).toEqual(['api.example.com', 'wikipedia.org', '*.wikipedia.org', 'z.org']);
    expect(b).toEqual(a);
  });

  it('reports every bad entry with its value quoted and its path', () => {
    const out = normalizeList(raw(['ok.com', 'foo.*.com', 'x.com:80']), 'spec.domains');
    expect(out.entries.map((e) => e.domain)).toEqual(['ok.com']);
    expect(out.results).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringContaining('"foo.*.com"'),
        field: { path: 'spec.domains[1]', currentValue: 'foo.*.com' },
      }),
      expect.objectContaining({
        severity: 'error',
        message: expect.stringContaining('"x.com:80"'),
        field: { path: 'spec.domains[2]', currentValue: 'x.com:80' },
      }),
    ]);
  });

  it("refuses names inside the cluster's domain and single-label names, naming why", () => {
    const out = normalizeList(
      raw(['*.svc.cluster.local', 'db.prod.svc.corp.internal', 'localhost', 'a.org']),
      'spec.domains',
      undefined,
      'corp.internal',
    );
    expect(out.entries.map((e) => e.domain)).toEqual(['*.svc.cluster.local', 'a.org']);
    expect(out.results.map((r) => [r.field?.path, r.message])).toEqual([
      [
        'spec.domains[1]',
        expect.stringMatching(
          /^domain "db\.prod\.svc\.corp\.internal" is a name inside the cluster \(under corp\.internal\)/,
        ),
      ],
      [
        'spec.domains[2]',
        expect.stringMatching(/^domain "localhost" is a single label: istiod reads/),
      ],
    ]);
    // With the default cluster domain, the mesh's own names are refused.
    expect(normalizeList(raw(['*.svc.cluster.local']), 'spec.domains').entries).toEqual([]);
  });

  it('refuses an empty list', () => {
    const out = normalizeList([], 'spec.domains');
    expect(out.results).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(/empty/),
        field: { path: 'spec.domains' },
      }),
    ]);
  });

  it("puts a name on other ports in a lane of its own, numbered after the post's lane", () => {
    const entries = [
      { value: '*.a.org', path: 'p0' },
      { value: 'api.b.org', path: 'p1', ports: [443, 8443] },
    ];
    const lanes = planDomains(
      normalizeList(entries, 'spec.domains').entries,
      withDefaults({ domains: [] }, 'egress'),
    ).plan.lanes;
    expect(
      lanes.map((l) => [l.suffix, l.upstreamPort, l.gatewayPort, l.servicePort, l.domains]),
    ).toEqual([
      ['', 443, 8443, 443, ['*.a.org', 'api.b.org']],
      ['-8443', 8443, 8444, 8444, ['api.b.org']],
    ]);
  });
});
