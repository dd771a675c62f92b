import { getDomain } from 'tldts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { auditConnections, type AuditScope } from '../src/audit/audit.js';
import { foldSuggestions, isValidSuggestion } from '../src/audit/fold-suggestions.js';
import { laneTable, servesNamespace } from '../src/audit/lane-table.js';
import type { LogLine } from '../src/audit/parse-log-line.js';
import { registrableDomain } from '../src/audit/registrable-domain.js';
import { parseConfig } from '../src/config/parse-config.js';
import { EXCEPTIONS, ICANN, PRIVATE } from '../src/generated/public-suffixes.js';
import { domainList } from './helpers.js';

describe('registrableDomain: the Public Suffix List, private section included', () => {
  const table: Record<string, string | undefined> = {
    'en.wikipedia.org': 'wikipedia.org',
    'wikipedia.org': 'wikipedia.org',
    'a.b.bbc.co.uk': 'bbc.co.uk',
    'co.uk': undefined,
    com: undefined,
    'app.github.io': 'app.github.io',
    'x.app.github.io': 'app.github.io',
    'github.io': undefined,
    'www.ck': 'www.ck',
    'a.www.ck': 'www.ck',
    'foo.ck': undefined,
    'x.eu-west-1.compute.amazonaws.com': 'x.eu-west-1.compute.amazonaws.com',
  };
  for (const [name, registrable] of Object.entries(table)) {
    it(`${name} → ${registrable ?? 'a public suffix itself'}`, () =>
      expect(registrableDomain(name)).toBe(registrable));
  }

  const rules = [ICANN, PRIVATE, EXCEPTIONS].flatMap((t) => t.split('\n').filter((r) => r !== ''));
  const names = rules
    .filter((_, i) => i % 7 === 0)
    .flatMap((r) => {
      const concrete = r.replace(/^\*\./, 'foo.');
      return [`sub.${concrete}`, `a.b.${concrete}`];
    });
  it(`answers like tldts (private domains on) for names under every seventh rule (${names.length} names)`, () => {
    const differ = names.filter(
      (n) => registrableDomain(n) !== (getDomain(n, { allowPrivateDomains: true }) ?? undefined),
    );
    expect(differ).toEqual([]);
  });
});

describe('foldSuggestions: what a careful reviewer would add', () => {
  const at443 = (...hosts: string[]) => hosts.map((host) => ({ host, port: 443 }));
  it('two names under one registrable domain become its wildcard; the apex stays exact', () => {
    expect(foldSuggestions(at443('api.example.com', 'cdn.example.com', 'example.com'))).toEqual([
      { entry: 'example.com', ports: [443], covers: ['example.com'] },
      { entry: '*.example.com', ports: [443], covers: ['api.example.com', 'cdn.example.com'] },
    ]);
  });
  it('a lone name stays exact, however deep', () => {
    expect(foldSuggestions(at443('a.b.c.example.com'))).toEqual([
      { entry: 'a.b.c.example.com', ports: [443], covers: ['a.b.c.example.com'] },
    ]);
  });
  it('never a wildcard over a public suffix, ICANN or private: names under different registrable domains stay apart', () => {
    expect(
      foldSuggestions(at443('a.co.uk', 'b.co.uk', 'one.github.io', 'two.github.io')).map(
        (s) => s.entry,
      ),
    ).toEqual(['one.github.io', 'two.github.io', 'a.co.uk', 'b.co.uk']);
  });
  it('a name that is itself a public suffix stays exact', () => {
    expect(foldSuggestions(at443('github.io')).map((s) => s.entry)).toEqual(['github.io']);
  });
  it('folds per port, and an entry needed on several ports lists them', () => {
    expect(
      foldSuggestions([
        { host: 'a.example.com', port: 443 },
        { host: 'b.example.com', port: 443 },
        { host: 'a.example.com', port: 8443 },
        { host: 'b.example.com', port: 8443 },
        { host: 'c.example.com', port: 9443 },
      ]),
    ).toEqual([
      { entry: '*.example.com', ports: [443, 8443], covers: ['a.example.com', 'b.example.com'] },
      { entry: 'c.example.com', ports: [9443], covers: ['c.example.com'] },
    ]);
  });
  it('isValidSuggestion refuses what the domain rules refuse', () => {
    expect(
      [
        '*.com',
        '*.co.uk',
        '*.github.io',
        '*',
        'a_b.com',
        'A.com',
        '*.example.com',
        'example.com',
      ].map(isValidSuggestion),
    ).toEqual([false, false, false, false, false, false, true, true]);
  });
});

/** Options, plan and lanes of a DomainList text, for auditing hand-made connections. */
function scopeOf(config: string, from?: string): AuditScope {
  const c = parseConfig(parse(config));
  if (!c.options) throw new Error(JSON.stringify(c.results));
  const table = laneTable(c.options, c.plan);
  return {
    lanes: table.lanes,
    served: (l) => from === undefined || servesNamespace(l.lane, from),
    defaultPort: c.options.upstreamPort,
  };
}

const TEAMS = domainList(
  ['*.wikipedia.org'],
  'production:\n  namespaces: [shop]\n  teams:\n  - {name: payments, namespaces: [payments], domains: [api.stripe.com]}',
);
const gw = (sni: string, listener = 'sni_listener'): LogLine => ({
  kind: 'gateway-forwarded',
  sni,
  listener,
  responseFlags: [],
  port: 443,
});
const lane = (sni: string, servicePort = 443): LogLine => ({
  kind: 'sidecar-lane',
  sni,
  servicePort,
  responseFlags: [],
  port: 443,
});
const direct = (
  kind: 'passthrough' | 'blackhole',
  sni: string | undefined,
  address = '1.2.3.4:443',
): LogLine => ({
  kind,
  ...(sni ? { sni } : {}),
  address,
  port: Number(address.split(':').pop()),
  responseFlags: [],
});

describe('auditConnections', () => {
  it('counts a connection logged by the sidecar and by the gateway once: the larger of the two views', () => {
    const r = auditConnections(
      [gw('en.wikipedia.org'), gw('de.wikipedia.org'), lane('en.wikipedia.org')],
      scopeOf(domainList(['*.wikipedia.org', 'api.github.com'])),
    );
    expect(r.used).toEqual([
      { entry: '*.wikipedia.org', count: 2, gateway: 2, sidecar: 1, cni: 0 },
    ]);
    expect(r.unused).toEqual(['api.github.com']);
  });

  it('a listed name that left through PassthroughCluster or was refused to BlackHoleCluster is set apart, neither unlisted nor used', () => {
    const r = auditConnections(
      [
        direct('passthrough', 'api.github.com'),
        direct('blackhole', 'api.github.com'),
        direct('blackhole', 'api.github.com'),
      ],
      scopeOf(domainList(['api.github.com'])),
    );
    expect(r.unlisted).toEqual([]);
    expect(r.used).toEqual([]);
    expect(r.bypassed).toEqual([{ host: 'api.github.com', port: 443, count: 1 }]);
    expect(r.blockedListed).toEqual([{ host: 'api.github.com', port: 443, count: 2 }]);
  });

  it('a listed name on another port is unlisted on that port', () => {
    const r = auditConnections(
      [direct('passthrough', 'api.github.com', '140.82.112.6:8443')],
      scopeOf(domainList(['api.github.com'])),
    );
    expect(r.unlisted.map(({ host, port, count }) => ({ host, port, count }))).toEqual([
      { host: 'api.github.com', port: 8443, count: 1 },
    ]);
    expect(r.suggest).toEqual([
      { entry: 'api.github.com', ports: [8443], covers: ['api.github.com'] },
    ]);
  });

  it('names no list can hold are set apart, never suggested', () => {
    const r = auditConnections(
      [direct('passthrough', 'under_score.example.com'), direct('blackhole', '10.0.0.1')],
      scopeOf(domainList(['a.example.com'])),
    );
    expect(r.unlisted).toEqual([]);
    expect(r.suggest).toEqual([]);
    expect(r.unusable.map((u) => u.host)).toEqual(['10.0.0.1', 'under_score.example.com']);
  });

  it('a gateway refusal of a listed name says the deployed stack differs; one without SNI is counted', () => {
    const refused = (sni?: string): LogLine => ({
      kind: 'gateway-refused',
      ...(sni ? { sni } : {}),
      listener: 'sni_listener',
      responseFlags: ['NR'],
    });
    const r = auditConnections(
      [refused('en.wikipedia.org'), refused()],
      scopeOf(domainList(['*.wikipedia.org'])),
    );
    expect(r.refusedListed).toEqual([{ host: 'en.wikipedia.org', port: 443, count: 1 }]);
    expect(r.refusedWithoutSni).toBe(1);
    expect(r.unlisted).toEqual([]);
  });

  it("unlisted counts: direct connections add up; a lane's sidecar and gateway lines are the same connections", () => {
    const refused: LogLine = {
      kind: 'gateway-refused',
      sni: 'x.example.net',
      listener: 'sni_listener',
      responseFlags: ['NR'],
    };
    const r = auditConnections(
      [
        refused,
        lane('x.example.net'),
        lane('x.example.net'),
        direct('passthrough', 'x.example.net'),
        direct('blackhole', 'x.example.net'),
      ],
      scopeOf(domainList(['*.wikipedia.org'])),
    );
    expect(r.unlisted).toEqual([
      {
        host: 'x.example.net',
        port: 443,
        count: 4,
        passthrough: 1,
        blackhole: 1,
        lane: 2,
        gateway: 1,
        cni: 0,
      },
    ]);
  });

  it('without --from every lane is in scope; with it, only the lanes serving the namespace', () => {
    const lines = [
      gw('en.wikipedia.org'),
      gw('api.stripe.com', 'sni_listener_payments'),
      lane('api.stripe.com', 8444),
      direct('passthrough', 'hooks.slack.com'),
    ];
    const all = auditConnections(lines, scopeOf(TEAMS));
    expect(all.used.map((u) => [u.entry, u.count])).toEqual([
      ['api.stripe.com', 1],
      ['*.wikipedia.org', 1],
    ]);
    const payments = auditConnections(lines, scopeOf(TEAMS, 'payments'));
    expect(payments.used.map((u) => u.entry)).toEqual(['api.stripe.com']);
    expect(payments.unused).toEqual([]);
    const shop = auditConnections(lines, scopeOf(TEAMS, 'shop'));
    expect([shop.used.map((u) => u.entry), shop.unused]).toEqual([['*.wikipedia.org'], []]);
    // A name admitted by another team's lane is unlisted for this namespace.
    const fromShop = auditConnections(
      [direct('passthrough', 'api.stripe.com')],
      scopeOf(TEAMS, 'shop'),
    );
    expect(fromShop.unlisted.map((u) => u.host)).toEqual(['api.stripe.com']);
  });

  it('servesNamespace: team lanes their namespaces, shared lanes production.namespaces, or everyone when none', () => {
    const [shared, team] = scopeOf(TEAMS).lanes;
    expect([
      servesNamespace(shared.lane, 'shop'),
      servesNamespace(shared.lane, 'payments'),
      servesNamespace(team.lane, 'payments'),
      servesNamespace(team.lane, 'shop'),
    ]).toEqual([true, false, true, false]);
    const [post] = scopeOf(domainList(['*.wikipedia.org'])).lanes;
    expect(servesNamespace(post.lane, 'anything')).toBe(true);
  });
});
