import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISTIO_TEXT_FORMAT } from '../src/audit/access-log-format.js';
import { auditConnections } from '../src/audit/audit.js';
import { mergeDomains } from '../src/audit/domain-list-patch.js';
import { laneTable, servesNamespace, type AuditLane } from '../src/audit/lane-table.js';
import { mostSpecific } from '../src/domains/host-match.js';
import { parseLogLine, type LogLine } from '../src/audit/parse-log-line.js';
import type { DomainSpec } from '../src/config/options.js';
import { parseConfig } from '../src/config/parse-config.js';
import { normalizeDomain } from '../src/domains/normalize-domain.js';
import { suffixKind } from '../src/domains/public-suffix.js';
import { ACCESS_LOG_FORMAT } from '../src/stack/render-envoy-filter.js';
import {
  forwardedLine,
  refusedLine,
  sidecarJsonLine,
  sidecarLine,
} from './support/access-log-lines.js';

const RUNS = 1000;

// Few labels over sites on both sides of public-suffix boundaries, so names collide, nest and fold.
const SITES = [
  'example.com',
  'example.org',
  'shop.co.uk',
  'co.uk',
  'app.github.io',
  'github.io',
  'com',
];
const name = fc
  .record({
    labels: fc.array(fc.constantFrom('a', 'b', 'api', 'www', 'cdn'), { maxLength: 3 }),
    site: fc.constantFrom(...SITES),
  })
  .map(({ labels, site }) => [...labels, site].join('.'));
const entry = fc
  .record({
    name,
    wildcard: fc.boolean(),
    ports: fc.constantFrom(undefined, [443], [443, 8443], [8443]),
    team: fc.boolean(),
  })
  // The function refuses a wildcard over an ICANN suffix and a name of one label; such a list never gets to an audit.
  .filter(
    (e) => !(e.wildcard && suffixKind(e.name) === 'icann') && (e.wildcard || e.name.includes('.')),
  );

/** The SNI a client may send: a name as is, shouted, with a trailing dot, marked invalid: by Envoy, Istio's own, none, or no host name at all. */
const sni = fc.oneof(
  { weight: 6, arbitrary: name },
  { weight: 1, arbitrary: name.map((n) => `${n.toUpperCase()}.`) },
  { weight: 1, arbitrary: name.map((n) => `invalid:${n}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      'invalid:outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local',
      'under_score.example.com',
      '10.0.0.1',
    ),
  },
);
const line = fc.record({
  kind: fc.constantFrom('forwarded', 'refused', 'lane', 'passthrough', 'blackhole'),
  lane: fc.nat(),
  sni,
  port: fc.constantFrom(443, 8443, 9443),
  form: fc.constantFrom('istio-text', 'post-text', 'json'),
  prefix: fc.constantFrom(
    '',
    '[pod/sleep-1/istio-proxy] ',
    '[pod/sleep-1/istio-proxy] 2024-06-03T09:14:06.197004511Z ',
  ),
});
const input = fc.record({
  entries: fc.array(entry, { minLength: 1, maxLength: 12 }),
  shared: fc.constantFrom([], ['shop']),
  lines: fc.array(line, { maxLength: 40 }),
  from: fc.constantFrom(undefined, 'shop', 'payments', 'elsewhere'),
});

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

function domainListOf(i: Input) {
  const spec = (e: Input['entries'][number]): DomainSpec => {
    const n = `${e.wildcard ? '*.' : ''}${e.name}`;
    return e.ports ? { name: n, ports: [...e.ports] } : n;
  };
  const team = i.entries.filter((e) => e.team).map(spec);
  return {
    apiVersion: 'wildcard-egress.dev/v1alpha1',
    kind: 'DomainList',
    metadata: { name: 'egress' },
    spec: {
      // The shared list may not be empty.
      domains: [...i.entries.filter((e) => !e.team).map(spec), 'always.example.net'],
      // Teams need the shared list's namespaces and the gateway's AuthorizationPolicy.
      production:
        team.length > 0
          ? {
              namespaces: ['shop'],
              authorization: true,
              teams: [{ name: 'payments', namespaces: ['payments'], domains: team }],
            }
          : { namespaces: i.shared },
    },
  };
}

/** The text Envoy would print for a drawn line, on a lane of the table. */
function logText(l: Input['lines'][number], lanes: readonly AuditLane[]): string {
  const lane = lanes[l.lane % lanes.length];
  const format = l.form === 'istio-text' ? ISTIO_TEXT_FORMAT : ACCESS_LOG_FORMAT;
  const listener = lane.listener ?? 'sni_listener';
  const sniText = l.sni ?? '-';
  const destination = `93.184.215.14:${l.port}`;
  const sidecar = (cluster: string, flags?: string) =>
    l.form === 'json'
      ? sidecarJsonLine(cluster, destination, l.sni, flags)
      : sidecarLine(format, cluster, destination, l.sni, flags);
  const text = {
    forwarded: () => forwardedLine(ACCESS_LOG_FORMAT, listener, sniText),
    refused: () => refusedLine(ACCESS_LOG_FORMAT, listener, sniText),
    lane: () =>
      sidecar(
        `outbound|${lane.lane.servicePort}|wildcard|egressgateway.istio-egress.svc.cluster.local`,
      ),
    passthrough: () => sidecar('PassthroughCluster'),
    blackhole: () => sidecar('BlackHoleCluster', 'UH'),
  }[l.kind]();
  return `${l.prefix}${text}`;
}

describe('audit properties (random lists, random log lines)', () => {
  it('every unlisted name is admitted by suggest + the list on its port, no suggestion is a public-suffix wildcard, used + unused partition the list', () => {
    let audited = 0;
    fc.assert(
      fc.property(input, (i) => {
        const config = parseConfig(domainListOf(i));
        expect(config.results.filter((r) => r.severity === 'error')).toEqual([]);
        const table = laneTable(config.options!, config.plan);
        const served = (l: AuditLane) => i.from === undefined || servesNamespace(l.lane, i.from);
        const inScope = table.lanes.filter(served);
        if (inScope.length === 0) return;
        const lines = i.lines
          .map((l) => parseLogLine(logText(l, table.lanes), table.names))
          .flatMap((o): LogLine[] => {
            expect(o).not.toHaveProperty('unreadable');
            return 'line' in o ? [o.line] : [];
          });
        const r = auditConnections(lines, { lanes: table.lanes, served, defaultPort: 443 });
        audited++;

        const entries = [...new Set(inScope.flatMap((l) => l.lane.domains))];
        // A name of one label is never suggested: the list refuses it.
        for (const u of r.unlisted.filter((x) => x.host.includes('.'))) {
          const onPort = [
            ...inScope.filter((l) => l.lane.upstreamPort === u.port).flatMap((l) => l.lane.domains),
            ...r.suggest.filter((s) => s.ports.includes(u.port)).map((s) => s.entry),
          ];
          expect(mostSpecific(onPort, u.host), `${u.host}:${u.port}`).toBeDefined();
          expect(
            mostSpecific([...entries, ...r.suggest.map((s) => s.entry)], u.host),
          ).toBeDefined();
        }
        for (const s of r.suggest) {
          expect(normalizeDomain(s.entry)).toMatchObject({ ok: true, domain: s.entry });
          if (s.entry.startsWith('*.'))
            expect(suffixKind(s.entry.slice(2)), s.entry).toBeUndefined();
        }
        const used = r.used.map((u) => u.entry);
        expect([...used, ...r.unused].sort()).toEqual([...entries].sort());
        expect(used.filter((e) => r.unused.includes(e))).toEqual([]);
        expect(r.used.every((u) => u.count > 0)).toBe(true);

        if (i.from === undefined) {
          // The patch is a list the function accepts.
          const patched = domainListOf(i);
          patched.spec.domains = mergeDomains(patched.spec.domains, r.suggest, 443);
          expect(parseConfig(patched).results.filter((x) => x.severity === 'error')).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
    expect(audited).toBeGreaterThan(RUNS / 2);
  });
});
