import { describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import {
  documentSources,
  domainList,
  ofKind,
  parseOutput,
  readProjectFile,
  resourceList,
  withoutResults,
} from './helpers.js';
import { allProblems, wiringProblems } from './support/istio-rules.js';
import { lockdownProblems } from './support/lockdown-rules.js';

/**
 * The function owns what it renders (issue "The function owns what it
 * renders"): on an install it already owns (the post after one run), a
 * changed option reaches the manifests, nothing stale stays, the user's own
 * fields and comments survive, and a second run changes nothing.
 */

const owned = documentSources(readProjectFile('testdata/fixtures/post-owned.yaml'));
const LIST = ['*.wikipedia.org'];

function run(items: readonly string[], config: string) {
  const out = runFunction(resourceList([...items], config));
  if (out.exitCode !== 0) throw new Error(`run failed:\n${out.stderr}`);
  return { ...out, parsed: parseOutput(out.stdout) };
}

/** The output's items as documents again, for a second run. */
function itemsOf(stdout: string): string[] {
  const out = parseOutput(stdout);
  const text = stdout.slice(stdout.indexOf('items:\n') + 7, stdout.search(/^functionConfig:/m));
  const docs = text
    .split(/^- /m)
    .filter((x) => x !== '')
    .map((e) =>
      e
        .split('\n')
        .map((l) => (l.startsWith('  ') ? l.slice(2) : l))
        .join('\n'),
    );
  expect(docs).toHaveLength(out.items.length);
  return docs;
}

/** Runs a config over the owned install, checks the output and that a second run changes nothing. */
function change(extra: string, items: readonly string[] = owned) {
  const config = domainList(LIST, extra);
  const first = run(items, config);
  const second = runFunction(resourceList(itemsOf(first.stdout), config));
  expect(withoutResults(second.stdout).slice(withoutResults(second.stdout).indexOf('items:'))).toBe(
    withoutResults(first.stdout).slice(withoutResults(first.stdout).indexOf('items:')),
  );
  expect(parseOutput(second.stdout).results.at(-1)!.message).toMatch(/^already up to date/);
  return first;
}

const everyString = (v: unknown): string[] =>
  typeof v === 'string'
    ? [v]
    : typeof v === 'number'
      ? [String(v)]
      : Array.isArray(v)
        ? v.flatMap(everyString)
        : v && typeof v === 'object'
          ? Object.values(v).flatMap(everyString)
          : [];

describe('an option change reaches an existing install', () => {
  it('dnsLookupFamily: both DNS cache configs take the new family and a new name; the results name each field', () => {
    const { parsed } = change('dnsLookupFamily: AUTO');
    const [ef] = ofKind(parsed, 'EnvoyFilter');
    const caches = JSON.stringify(ef).match(/"dns_cache_config":\{[^}]*\}/g)!;
    expect(caches).toHaveLength(2);
    for (const c of caches) expect(c).toContain('"dns_lookup_family":"AUTO"');
    const infos = parsed.results
      .filter((r) => r.severity === 'info' && r.field)
      .map((r) => `${r.field.path}: ${r.message}`);
    expect(infos).toContain(
      'spec.configPatches[1].patch.value.cluster_type.typed_config.dns_cache_config.dns_lookup_family: "V4_ONLY" → "AUTO"',
    );
  });

  it('gateway.targetPort 8443 → 9443: no Gateway server, Service targetPort, tcp match or MERGE patch is left on 8443', () => {
    const { parsed } = change('gateway: {targetPort: 9443}');
    const stack = parsed.items.filter((i) =>
      ['Service', 'Gateway', 'VirtualService', 'EnvoyFilter'].includes(i.kind),
    );
    expect(stack.flatMap(everyString)).not.toContain('8443');
    expect(ofKind(parsed, 'Gateway')[0].spec.servers.map((s: any) => s.port.number)).toEqual([
      9443,
    ]);
    expect(ofKind(parsed, 'Service')[0].spec.ports[0].targetPort).toBe(9443);
    expect(ofKind(parsed, 'VirtualService')[0].spec.tcp[0].match.map((m: any) => m.port)).toEqual([
      9443,
    ]);
    expect(
      ofKind(parsed, 'EnvoyFilter')[0]
        .spec.configPatches.filter((p: any) => p.applyTo === 'NETWORK_FILTER')
        .map((p: any) => p.match.listener.portNumber),
    ).toEqual([9443]);
    expect([
      ...allProblems(parsed.items),
      ...wiringProblems(parsed.items),
      ...lockdownProblems(parsed.items),
    ]).toEqual([]);
  });

  it('accessLogging false: the Telemetry the function rendered is removed, and so is every access log of the forwarder', () => {
    const { parsed } = change('accessLogging: false');
    expect(ofKind(parsed, 'Telemetry')).toEqual([]);
    expect(JSON.stringify(ofKind(parsed, 'EnvoyFilter')[0])).not.toContain('access_log');
    expect(parsed.results).toContainEqual(
      expect.objectContaining({
        severity: 'info',
        message: 'removed: the config no longer needs it',
        resourceRef: expect.objectContaining({ kind: 'Telemetry', name: 'mesh-default' }),
      }),
    );
  });

  it('production parts: turned on they are added and the Deployment takes its fields; turned off they go again', () => {
    const on = change('production: {recommended: true, namespaces: [shop]}');
    const [deploy] = ofKind(on.parsed, 'Deployment');
    expect(deploy.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
    });
    expect(ofKind(on.parsed, 'HorizontalPodAutoscaler')).toHaveLength(1);
    expect(lockdownProblems(on.parsed.items)).toEqual([]);
    const off = change('production: {}', itemsOf(on.stdout));
    expect(off.parsed.items.map((i) => i.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(off.parsed.items.map((i) => i.kind)).not.toContain('Sidecar');
    expect(off.parsed.items).toHaveLength(10);
  });

  it('an HPA takes the replica count: a replicas the user wrote is removed', () => {
    const withReplicas = owned.map((d) =>
      d.includes('kind: Deployment')
        ? d.replace('spec:\n  selector:', 'spec:\n  replicas: 2 # by hand\n  selector:')
        : d,
    );
    const { parsed, stdout } = change('production: {highAvailability: {}}', withReplicas);
    expect(ofKind(parsed, 'Deployment')[0].spec).not.toHaveProperty('replicas');
    expect(stdout).not.toContain('# by hand');
  });
});

describe('what only the user wrote stays', () => {
  it('extra fields, labels and comments inside owned resources survive a change', () => {
    const edited = owned.map((d) =>
      d.includes('kind: Gateway')
        ? d
            .replace('  name: egressgateway\n', '  name: egressgateway\n  # owner: platform team\n')
            .replace('spec:\n', 'spec:\n  # a server of our own\n')
            .replace(
              '    tls:\n      mode: ISTIO_MUTUAL\n',
              '    tls:\n      mode: ISTIO_MUTUAL\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n',
            )
        : d.includes('kind: Service\n')
          ? d.replace('  labels:\n', '  labels:\n    team: platform\n')
          : d,
    );
    const { stdout, parsed } = change('gateway: {targetPort: 9443}', edited);
    expect(stdout).toContain('# owner: platform team');
    expect(stdout).toContain('# a server of our own');
    expect(ofKind(parsed, 'Gateway')[0].spec.servers.map((s: any) => s.port.number)).toEqual([
      80, 9443,
    ]);
    expect(ofKind(parsed, 'Service')[0].metadata.labels).toEqual({
      team: 'platform',
      'app.kubernetes.io/managed-by': 'wildcard-egress',
    });
  });
});

describe('wildcard-egress.dev/manage: hosts keeps an item to its host places', () => {
  it('a hand-tuned EnvoyFilter keeps its options and gets only the list', () => {
    const tuned = owned.map((d) =>
      d.includes('kind: EnvoyFilter')
        ? d.replace(
            '    wildcard-egress.dev/domain-list: egress\n',
            '    wildcard-egress.dev/domain-list: egress\n    wildcard-egress.dev/manage: hosts\n',
          )
        : d,
    );
    const { parsed } = run(
      tuned,
      domainList(['*.wikipedia.org', 'api.github.com'], 'dnsLookupFamily: AUTO'),
    );
    const ef = JSON.stringify(ofKind(parsed, 'EnvoyFilter')[0]);
    expect(ef).toContain('"dns_lookup_family":"V4_ONLY"');
    expect(ef).not.toContain('AUTO');
    // The name it held keeps its place; the new one is appended.
    expect(ef).toContain('"server_names":["*.wikipedia.org","api.github.com"]');
  });
});

describe('lists are matched by key, never by position', () => {
  const config = readProjectFile('testdata/port-8443/config.yaml');
  const rendered = () => itemsOf(run([], config).stdout);
  /** Swaps the first two elements of a block list (`key:` then `- ` lines at `itemIndent`). */
  const swapFirstTwo = (doc: string, listKey: string, itemIndent: string) => {
    const lines = doc.split('\n');
    const at = lines.findIndex((l) => l.trimEnd().endsWith(listKey)) + 1;
    const elementEnd = (from: number) => {
      let i = from + 1;
      while (i < lines.length && (lines[i].startsWith(`${itemIndent}  `) || lines[i].trim() === ''))
        i++;
      return i;
    };
    const aEnd = elementEnd(at);
    const bEnd = elementEnd(aEnd);
    expect(lines[aEnd].startsWith(`${itemIndent}- `)).toBe(true);
    return [
      ...lines.slice(0, at),
      ...lines.slice(aEnd, bEnd),
      ...lines.slice(at, aEnd),
      ...lines.slice(bEnd),
    ].join('\n');
  };
  const withNewNames = (extra = '') =>
    config.replace('  - "*.wikipedia.org"\n', '  - "*.wikipedia.org"\n  - "*.wikimedia.org"\n') +
    extra;

  it("reordered tls routes: an owned VirtualService is written back in Istio's order, each route with its own lane's names", () => {
    const docs = rendered().map((d) =>
      d.includes('kind: VirtualService') ? swapFirstTwo(d, 'tls:', '  ') : d,
    );
    const [vs] = ofKind(run(docs, withNewNames()).parsed, 'VirtualService');
    expect(vs.spec.tls.map((t: any) => [t.match[0].port, t.match[0].sniHosts])).toEqual([
      [443, ['api.example.com', '*.wikimedia.org', '*.wikipedia.org']],
      [8443, ['api.example.com']],
    ]);
  });

  it("reordered tls routes and config patches of hosts-only items keep their order and each gets its own lane's names", () => {
    const hostsOnly = (d: string) =>
      d.replace(
        '    wildcard-egress.dev/domain-list: egress\n',
        '    wildcard-egress.dev/domain-list: egress\n    wildcard-egress.dev/manage: hosts\n',
      );
    const docs = rendered().map((d) =>
      d.includes('kind: VirtualService')
        ? hostsOnly(swapFirstTwo(d, 'tls:', '  '))
        : d.includes('kind: EnvoyFilter')
          ? hostsOnly(swapFirstTwo(d, 'configPatches:', '  '))
          : d,
    );
    const { parsed } = run(docs, withNewNames());
    const [vs] = ofKind(parsed, 'VirtualService');
    // Hosts-only lists keep their names where they were; new ones are appended.
    expect(vs.spec.tls.map((t: any) => [t.match[0].port, t.match[0].sniHosts])).toEqual([
      [8443, ['api.example.com']],
      [443, ['api.example.com', '*.wikipedia.org', '*.wikimedia.org']],
    ]);
    const listeners = ofKind(parsed, 'EnvoyFilter')[0]
      .spec.configPatches.filter((p: any) => p.applyTo === 'LISTENER')
      .map((p: any) => [
        p.patch.value.name,
        p.patch.value.filter_chains[0].filter_chain_match.server_names,
      ]);
    expect(Object.fromEntries(listeners)).toEqual({
      sni_listener: ['api.example.com', '*.wikipedia.org', '*.wikimedia.org'],
      sni_listener_8443: ['api.example.com'],
    });
  });
});

describe('no second stack beside a renamed, opted-in one', () => {
  const renamed = documentSources(readProjectFile('testdata/renamed-post/items.yaml'));

  it('yields one forwarder and one VirtualService per host, saying what it did not add', () => {
    const { parsed } = run(renamed, domainList(['*.wikipedia.org', 'api.github.com']));
    const forwarders = ofKind(parsed, 'EnvoyFilter').filter((e) =>
      JSON.stringify(e).includes('sni_dynamic_forward_proxy'),
    );
    expect(forwarders.map((e) => `${e.metadata.namespace}/${e.metadata.name}`)).toEqual([
      'mesh-config/sni-forwarder',
    ]);
    const hosts = ofKind(parsed, 'VirtualService').flatMap((v) => v.spec.hosts);
    expect(hosts).toEqual(['*.wikipedia.org', 'api.github.com']);
    const notAdded = parsed.results
      .filter((r) => r.severity === 'warning' && r.message.startsWith('not added'))
      .map((r) => `${r.resourceRef.kind}/${r.resourceRef.name}`);
    expect(notAdded).toEqual(
      expect.arrayContaining([
        'EnvoyFilter/sni-magic',
        'VirtualService/direct-wildcard-through-egress-gateway',
        'Deployment/istio-egressgateway',
        'Gateway/egressgateway',
      ]),
    );
  });
});
