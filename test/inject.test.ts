import { beforeAll, describe, expect, it } from 'vitest';
import { runFunction } from '../src/function/run-function.js';
import {
  asEntry,
  documentSources,
  domainList,
  fourPlaces,
  ofKind,
  parseOutput,
  readProjectFile,
  resourceList,
  withoutResults,
} from './helpers.js';

const post = documentSources(readProjectFile('testdata/fixtures/post-stack.yaml'));
const unrelated = documentSources(readProjectFile('testdata/fixtures/unrelated.yaml'));
const owned = documentSources(readProjectFile('testdata/fixtures/post-owned.yaml'));
const NEW_LIST = ['*.wikimedia.org', 'API.GitHub.com', '*.wikipedia.org'];
const NORMALISED = ['api.github.com', '*.wikimedia.org', '*.wikipedia.org'];

function run(items: string[], config: string) {
  const out = runFunction(resourceList(items, config));
  return { ...out, parsed: parseOutput(out.stdout) };
}

describe('taking over the post manifests (plus unrelated items) on a first run', () => {
  let stdout: string, exitCode: number, parsed: ReturnType<typeof run>['parsed'];
  beforeAll(() => {
    ({ stdout, exitCode, parsed } = run([...post, ...unrelated], domainList(NEW_LIST)));
  });

  it('puts the normalised list in all four places', () => {
    expect(exitCode).toBe(0);
    expect(fourPlaces(parsed)).toEqual({
      'VirtualService spec.hosts': NORMALISED,
      'VirtualService sniHosts': NORMALISED,
      'ServiceEntry spec.hosts': NORMALISED,
      'EnvoyFilter server_names': NORMALISED,
    });
  });

  it('keeps exactly one of each stack resource', () => {
    const ids = parsed.items.map((i) => `${i.kind}/${i.metadata.namespace}/${i.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(parsed.items).toHaveLength(post.length + unrelated.length);
  });

  it('copies unrelated items byte for byte, and keeps every comment of the stack items', () => {
    for (const doc of unrelated) expect(stdout).toContain(asEntry(doc));
    for (const line of post
      .join('\n')
      .split('\n')
      .filter((l) => /^\s*#/.test(l)))
      expect(stdout).toContain(line.trim());
  });

  it('adopts them without taking them over: their own fields stay, no mark of creation is written, one warning names the drift', () => {
    const [svc] = ofKind(parsed, 'Service');
    expect(svc.spec.selector).toEqual({ istio: 'egressgateway' });
    expect(svc.metadata.labels).toBeUndefined();
    expect(svc.metadata.annotations).toBeUndefined();
    expect(ofKind(parsed, 'Deployment')[0].spec.template.spec.containers[0].image).toBe(
      post.find((d) => d.includes('kind: Deployment'))!.match(/image: (\S+)/)![1],
    );
    const warnings = parsed.results.filter((r) => r.severity === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain(
      '4 item(s) of the stack are yours, not created by the function',
    );
    expect(
      parsed.results.find(
        (r) => r.resourceRef?.kind === 'EnvoyFilter' && r.message.startsWith('kept as written'),
      )?.message,
    ).toMatch(
      /^kept as written: \d+ field\(s\) differ from what the function renders \(spec\.configPatches/,
    );
  });

  it('changes nothing on a second run', () => {
    const again = runFunction(stdout);
    expect(again.exitCode).toBe(0);
    expect(withoutResults(again.stdout)).toBe(withoutResults(stdout));
    expect(parseOutput(again.stdout).results.at(-1)!.message).toMatch(
      /^already up to date: 4 host place\(s\)/,
    );
  });
});

describe('a new list on an install the function owns (the post after one run)', () => {
  let stdout: string, parsed: ReturnType<typeof run>['parsed'];
  beforeAll(() => {
    ({ stdout, parsed } = run([...owned, ...unrelated], domainList(NEW_LIST)));
  });

  it('changes only the host lists: every other byte stays, comments included', () => {
    const vs = owned.find((d) => d.includes('kind: VirtualService'))!;
    const out = stdout.slice(
      stdout.indexOf('- # Sends listed SNI names'),
      stdout.indexOf('- # Sidecars talk'),
    );
    const names = /"?(api\.github\.com|\*\.wikimedia\.org|\*\.wikipedia\.org)"?$/;
    expect(out.split('\n').filter((l) => !names.test(l))).toEqual(
      asEntry(vs)
        .split('\n')
        .filter((l) => !names.test(l)),
    );
    // The name already listed keeps its line; the new ones follow it.
    expect(out).toContain(
      '    hosts:\n      - "*.wikipedia.org"\n      - "api.github.com"\n      - "*.wikimedia.org"\n',
    );
    for (const doc of [
      ...unrelated,
      ...owned.filter((d) => !/kind: (VirtualService|ServiceEntry|EnvoyFilter)\n/.test(d)),
    ])
      expect(stdout).toContain(asEntry(doc));
  });

  it('leads with what changed in the list, then one info result per changed place naming the domains it gained and lost (the path only in the field)', () => {
    expect(parsed.results[0]).toEqual({
      severity: 'info',
      message: 'list "egress": added *.wikimedia.org, api.github.com',
    });
    const infos = parsed.results.filter((r) => r.field);
    const added = 'added api.github.com, *.wikimedia.org';
    expect(infos.map((r) => [r.resourceRef.kind, r.field.path, r.message])).toEqual([
      ['VirtualService', 'spec.hosts', added],
      ['VirtualService', 'spec.tls[0].match[0].sniHosts', added],
      ['ServiceEntry', 'spec.hosts', added],
      [
        'EnvoyFilter',
        'spec.configPatches[2].patch.value.filter_chains[0].filter_chain_match.server_names',
        added,
      ],
    ]);
  });
});

describe('reconciling by identity', () => {
  it('adds only the stack resources the input lacks', () => {
    const some = post.filter((d) => /kind: (Service|VirtualService)\n/.test(d));
    const { parsed } = run(some, domainList(['a.example.com']));
    expect(parsed.items).toHaveLength(10);
    expect(
      parsed.results.filter((r) => r.message === 'added').map((r) => r.resourceRef.kind),
    ).toEqual([
      'Deployment',
      'Role',
      'RoleBinding',
      'Gateway',
      'DestinationRule',
      'ServiceEntry',
      'Telemetry',
      'EnvoyFilter',
    ]);
  });

  it('never matches an item without a namespace by name alone: the run fails, naming the field and what to do', () => {
    const se =
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: wildcard\nspec:\n  hosts: []\n';
    const out = runFunction(resourceList([se], domainList(['a.example.com'])));
    expect(out.exitCode).toBe(1);
    const [problem] = parseOutput(out.stdout).results.filter((r) => r.severity === 'error');
    expect(problem).toMatchObject({
      field: { path: 'metadata.namespace' },
      resourceRef: { kind: 'ServiceEntry', name: 'wildcard' },
    });
    expect(problem.message).toBe(
      'is not written, and the stack adds ServiceEntry/istio-system/wildcard of the same name: the function cannot tell whether they are one object, and adopts an item only when its namespace is written. Write metadata.namespace: istio-system on it to let the function fill its host places, or give the stack other names (spec.gateway.name, spec.gateway.namespace), or set generate: false',
    );
    expect(out.stdout).toContain(asEntry(se));
    // With its namespace written, it is adopted: the list goes into its hosts, nothing else changes.
    const placed = se.replace(
      '  name: wildcard\n',
      '  name: wildcard\n  namespace: istio-system\n',
    );
    const { stdout, parsed } = run([placed], domainList(['a.example.com']));
    expect(stdout).toContain(asEntry(placed.replace('hosts: []', 'hosts: ["a.example.com"]')));
    expect(ofKind(parsed, 'ServiceEntry')).toHaveLength(1);
  });

  it('leaves a same-named resource in another namespace alone and adds its own', () => {
    const se =
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: wildcard\n  namespace: team-a\nspec:\n  hosts: [x.example.org]\n';
    const { stdout, parsed } = run([se], domainList(['a.example.com']));
    expect(stdout).toContain(asEntry(se));
    expect(ofKind(parsed, 'ServiceEntry').map((s) => s.spec.hosts)).toEqual([
      ['x.example.org'],
      ['a.example.com'],
    ]);
  });
});

describe('host list shapes', () => {
  const shapes: Record<string, [hosts: string, expected: string]> = {
    'indented block list with comments': [
      '  hosts:\n    - old.example.com # old\n    - older.example.com\n  # after\n',
      '  hosts:\n    - "*.a.example"\n    - b.example\n  # after\n',
    ],
    'plain block list': [
      '  hosts:\n  - old.example.com\n',
      '  hosts:\n  - "*.a.example"\n  - b.example\n',
    ],
    'single-quoted list': [
      "  hosts:\n  - 'old.example.com'\n",
      "  hosts:\n  - '*.a.example'\n  - 'b.example'\n",
    ],
    'flow list': ['  hosts: [old.example.com]\n', '  hosts: ["*.a.example", b.example]\n'],
    'empty flow list': ['  hosts: []\n', '  hosts: ["*.a.example", "b.example"]\n'],
    'no value': [
      '  hosts:\n  location: MESH_EXTERNAL\n',
      '  hosts: ["*.a.example", "b.example"]\n  location: MESH_EXTERNAL\n',
    ],
  };
  for (const [name, [hosts, expected]] of Object.entries(shapes)) {
    it(name, () => {
      const head =
        'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: x\n  namespace: ns\n  annotations:\n    wildcard-egress.dev/domain-list: egress\nspec:\n';
      const { stdout, exitCode } = run(
        [head + hosts],
        domainList(['B.example', '*.a.example'], 'generate: false'),
      );
      expect(exitCode).toBe(0);
      expect(stdout).toContain(asEntry(head + expected));
    });
  }
});

describe('a changed item keeps everything outside its host lists', () => {
  it('odd scalars, flow maps, quoting and comments stay as written', () => {
    const se =
      [
        '# head comment',
        'apiVersion: networking.istio.io/v1',
        'kind: ServiceEntry',
        'metadata:',
        '  name: odd',
        '  namespace: ns',
        '  annotations:',
        '    wildcard-egress.dev/domain-list: egress',
        '    zip: 0800',
        '    flag: yes',
        '    ratio: .5',
        '    big: 12345678901234567890',
        '  labels: {team: "a", tier: web}',
        'spec:',
        '  hosts:   # the list',
        '  - old.example',
        '  ports:',
        "  - {number: 443, name: 'tls', protocol: TLS}",
        '  resolution: NONE # trailing',
      ].join('\n') + '\n';
    const { stdout } = run([se], domainList(['new.example'], 'generate: false'));
    expect(stdout).toContain(asEntry(se.replace('  - old.example\n', '  - new.example\n')));
  });
});

describe('spec.targets', () => {
  const item = (name: string, ns: string, annotations = '') =>
    `apiVersion: example.com/v1\nkind: EgressAllowList\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${annotations}spec:\n  hosts: [old.example]\n`;
  const hostsOf = (stdout: string) =>
    Object.fromEntries(
      parseOutput(stdout).items.map((i) => [
        `${i.metadata.namespace}/${i.metadata.name}`,
        i.spec.hosts,
      ]),
    );

  it('selects by kind, name and namespace', () => {
    const { stdout } = run(
      [item('a', 'one'), item('b', 'one'), item('a', 'two')],
      domainList(
        ['x.example'],
        'generate: false\ntargets:\n- select: {kind: EgressAllowList, name: a, namespace: one}\n  path: spec.hosts',
      ),
    );
    expect(hostsOf(stdout)).toEqual({
      'one/a': ['x.example'],
      'one/b': ['old.example'],
      'two/a': ['old.example'],
    });
  });

  it('selects by any annotation, and writes each host through its format', () => {
    const tagged = item('c', 'one', '  annotations:\n    team: blue\n');
    const { stdout } = run(
      [tagged, item('d', 'one')],
      domainList(
        ['x.example'],
        'generate: false\ntargets:\n- select: {annotations: {team: blue}}\n  path: spec.hosts\n  format: "{routingNamespace}/{host}"',
      ),
    );
    expect(hostsOf(stdout)).toEqual({
      'one/c': ['istio-system/x.example'],
      'one/d': ['old.example'],
    });
  });

  it('refuses a path it cannot parse, naming the target', () => {
    const out = runFunction(
      resourceList([], domainList(['x.example'], 'targets:\n- path: "spec.[oops"')),
    );
    expect(out.exitCode).toBe(1);
    expect(parseOutput(out.stdout).results[0]).toMatchObject({
      severity: 'error',
      field: { path: 'spec.targets[0].path', currentValue: 'spec.[oops' },
    });
  });
});

describe('generate: false', () => {
  const annotated =
    'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: a\n  namespace: ns\n  annotations:\n    wildcard-egress.dev/domain-list: egress\nspec:\n  hosts: [old.example]\n';
  const plain =
    'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: b\n  namespace: ns\nspec:\n  hosts: [old.example]\n';

  it('fills the annotated item, leaves the unannotated one alone and adds nothing', () => {
    const { stdout, parsed } = run(
      [annotated, plain],
      domainList(['x.example'], 'generate: false'),
    );
    expect(parsed.items.map((i) => [i.metadata.name, i.spec.hosts])).toEqual([
      ['a', ['x.example']],
      ['b', ['old.example']],
    ]);
    expect(stdout).toContain(asEntry(plain));
  });

  it('warns when the list reaches nothing', () => {
    const { parsed, exitCode } = run([plain], domainList(['x.example'], 'generate: false'));
    expect(exitCode).toBe(0);
    expect(parsed.results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(/reached nothing/),
      }),
    );
  });

  it('warns for an annotated item whose places are all missing', () => {
    const bare =
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: v\n  annotations:\n    wildcard-egress.dev/domain-list: egress\nspec:\n  http: []\n';
    const { parsed } = run([bare], domainList(['x.example'], 'generate: false'));
    expect(parsed.results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(/^has no place for the list/),
      }),
    );
  });
});

describe('check mode', () => {
  it('reports each differing place with path, current and proposed values and exits 1, changing nothing', () => {
    const input = resourceList(
      owned,
      domainList(['*.wikipedia.org', 'api.github.com'], 'check: true'),
    );
    const out = runFunction(input);
    expect(out.exitCode).toBe(1);
    const errors = parseOutput(out.stdout).results.filter((r) => r.severity === 'error');
    expect(
      errors.map((e) => [
        e.resourceRef.kind,
        e.field.path,
        e.field.currentValue,
        e.field.proposedValue,
      ]),
    ).toEqual([
      ['VirtualService', 'spec.hosts', ['*.wikipedia.org'], ['api.github.com', '*.wikipedia.org']],
      [
        'VirtualService',
        'spec.tls[0].match[0].sniHosts',
        ['*.wikipedia.org'],
        ['api.github.com', '*.wikipedia.org'],
      ],
      ['ServiceEntry', 'spec.hosts', ['*.wikipedia.org'], ['api.github.com', '*.wikipedia.org']],
      [
        'EnvoyFilter',
        'spec.configPatches[2].patch.value.filter_chains[0].filter_chain_match.server_names',
        ['*.wikipedia.org'],
        ['api.github.com', '*.wikipedia.org'],
      ],
    ]);
    for (const doc of owned) expect(out.stdout).toContain(asEntry(doc));
  });

  it('exits 0 with an info summary on matching manifests', () => {
    const out = runFunction(resourceList(owned, domainList(['*.wikipedia.org'], 'check: true')));
    expect(out.exitCode).toBe(0);
    const results = parseOutput(out.stdout).results;
    expect(results).toEqual([
      {
        severity: 'info',
        message:
          'check: all 4 host place(s) and every owned field match the 1 domain(s) and options; nothing changed',
      },
    ]);
  });

  it('reports missing stack resources', () => {
    const out = runFunction(
      resourceList(owned.slice(1), domainList(['*.wikipedia.org'], 'check: true')),
    );
    expect(out.exitCode).toBe(1);
    expect(parseOutput(out.stdout).results).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        message: 'missing from the input',
      }),
    );
  });
});
