import { describe, expect, it } from 'vitest';
import { splitStream } from '../src/cli/documents.js';
import { runStream } from '../src/cli/stream.js';
import {
  caseFiles,
  caseStream,
  corpusConfig,
  corpusConfigFile,
  optIn,
} from './support/real-corpus.js';

/**
 * Issue "No harm on real layouts": the function on public egress setups other
 * teams wrote (testdata/real, verbatim, sources in SOURCES.md), run the way a
 * user would (stream mode, as in `kubectl kustomize . | wildcard-egress
 * --config domains.yaml`). Every run either does what the user meant with
 * every other byte kept, or exits 1 naming the item and field and what to do.
 */

interface Run {
  /** What the user does, in words (the test's name). */
  what: string;
  domains?: string[];
  /** Extra DomainList spec lines. */
  spec?: string;
  /** Items the user opts in: [file, kind, name]. */
  optIn?: [string, string, string][];
  exitCode: 0 | 1;
  /** exit 1: each error as [item, field, words of the message]. */
  errors?: [string, string, string][];
  /** exit 0: the documents (`Kind/name`) the run writes into; every other one comes out byte for byte. */
  edited?: string[];
  /** exit 0: words each of these warnings holds. */
  warnings?: string[];
  /** exit 0: in the documents edited, each of these names must now appear. */
  listed?: string[];
  /** exit 0: how many lines each edited document gains, when the run says exactly. */
  addedLines?: number;
  /** exit 0: the kinds of the documents the run adds, when the run says exactly. */
  adds?: string[];
}

const LIST = ['*.wikipedia.org'];
const SIDECAR = 'mode: sidecar\nistioVersion: "1.31"';
const WAYPOINT = 'mode: waypoint\nistioVersion: "1.31"';
const nogen = (what: string): Run => ({ what, spec: 'generate: false', exitCode: 0, edited: [] });
const beside = (what: string): Run => ({ what, exitCode: 0, edited: [] });
const native: Run[] = [
  {
    what: 'sidecar mode: the native stack is added beside it',
    spec: SIDECAR,
    exitCode: 0,
    edited: [],
  },
  { what: 'waypoint mode: a waypoint is added beside it', spec: WAYPOINT, exitCode: 0, edited: [] },
];

const CASES: Record<string, Run[]> = {
  'asm-gateway-install': [
    {
      what: 'an egress gateway install without namespaces: the stack would add one of the same names, so the run says to write the namespace',
      exitCode: 1,
      errors: [
        [
          'Deployment/istio-egressgateway',
          'metadata.namespace',
          'Write metadata.namespace: istio-egress on it',
        ],
      ],
    },
    nogen('generate: false: nothing to fill, nothing touched'),
    ...native,
  ],
  'asm-egress-tls-passthrough': [
    {
      what: 'a per-host egress gateway (mesh route, gateway route to the host): no second gateway silently',
      exitCode: 1,
      errors: [
        [
          'VirtualService/direct-cnn-through-egress-gateway',
          'spec.tls[1]',
          'a per-host egress gateway of your own; the run would add a second egress gateway',
        ],
      ],
    },
    {
      ...beside('with coexist: true the stack is added beside it'),
      spec: 'coexist: true',
      warnings: ['a per-host egress gateway of your own'],
    },
    {
      what: 'opting its VirtualService in is refused: its gateway would drop every other name',
      spec: 'generate: false',
      optIn: [['gateway-https.yaml', 'VirtualService', 'direct-cnn-through-egress-gateway']],
      exitCode: 1,
      errors: [
        [
          'VirtualService/direct-cnn-through-egress-gateway',
          'spec.tls[1]',
          'is a per-host egress gateway route',
        ],
      ],
    },
    ...native,
  ],
  'asm-egress-http': [
    {
      what: 'the HTTP per-host gateway is recognised too',
      exitCode: 1,
      errors: [
        [
          'VirtualService/direct-cnn-through-egress-gateway',
          'spec.http[1]',
          'a per-host egress gateway of your own',
        ],
      ],
    },
    {
      what: 'opting in its ServiceEntry (resolution DNS, ports 80 and 443) is refused at the bypassing port',
      spec: 'generate: false',
      optIn: [['serviceentry-http.yaml', 'ServiceEntry', 'cnn']],
      exitCode: 1,
      errors: [['ServiceEntry/cnn', 'spec.ports[0]', "declares port 80 for the list's names"]],
    },
    ...native,
  ],
  'istio-bookinfo-googleapis': [
    beside(
      'sidecar-only ServiceEntries and a TLS-origination route: the stack is added, theirs stay byte for byte',
    ),
    {
      what: 'opting in the ServiceEntry and its HTTP VirtualService: both refused, naming the port and the route',
      optIn: [
        ['egress-rule-google-apis.yaml', 'ServiceEntry', 'googleapis'],
        ['egress-rule-google-apis.yaml', 'VirtualService', 'rewrite-port-for-googleapis'],
      ],
      exitCode: 1,
      errors: [
        ['ServiceEntry/googleapis', 'spec.ports[0]', '(a bypass)'],
        [
          'VirtualService/rewrite-port-for-googleapis',
          'spec.http[0].route',
          'every name added to spec.hosts would be sent there too',
        ],
      ],
    },
    nogen('generate: false'),
    ...native,
  ],
  'istio-samples-external': [
    beside('plain ServiceEntries for github, pypi and apt: left alone'),
    {
      what: 'adding a name to the github ServiceEntry, opted in: one line more, everything else as written',
      domains: ['github.com', 'api.github.com'],
      spec: 'generate: false',
      optIn: [['github.yaml', 'ServiceEntry', 'github-https']],
      exitCode: 0,
      edited: ['ServiceEntry/github-https'],
      listed: ['github.com', 'api.github.com'],
      addedLines: 1,
    },
    {
      what: 'the apt ServiceEntry (port 80 only) cannot carry a list routed on 443',
      domains: ['deb.debian.org', 'security.debian.org', 'ppa.launchpadcontent.net'],
      optIn: [['aptget.yaml', 'ServiceEntry', 'make-aptget-work']],
      exitCode: 1,
      errors: [['ServiceEntry/make-aptget-work', 'spec.ports[0]', 'declares port 80']],
    },
    ...native,
  ],
  'istio-se-examples': [
    beside(
      "Istio's ServiceEntry examples, blank and whitespace-only lines and a trailing --- included: all kept",
    ),
    nogen('generate: false: not one byte changes'),
    {
      what: 'a VirtualService with one tls route per destination is never merged into one list',
      optIn: [['se-example.yaml', 'VirtualService', 'tls-routing']],
      exitCode: 1,
      errors: [['VirtualService/tls-routing', 'spec.tls[0].route', 'one route per destination']],
    },
    {
      what: 'a resolution DNS ServiceEntry cannot hold a wildcard',
      spec: 'generate: false',
      optIn: [['se-example.yaml', 'ServiceEntry', 'external-svc-https']],
      exitCode: 1,
      errors: [
        [
          'ServiceEntry/external-svc-https',
          'spec.resolution',
          'istiod refuses for a wildcard host',
        ],
      ],
    },
    ...native,
  ],
  'istio-testdata-egressgateway': [
    {
      what: 'an HTTP route through the stock gateway to a fixed upstream is a per-host gateway',
      exitCode: 1,
      errors: [
        [
          'VirtualService/route-via-egressgateway',
          'spec.http[1]',
          'forwards "egressgateway.bookinfo.com" to "eu.bookinfo.com" at the gateway',
        ],
      ],
    },
    ...native,
  ],
  'kyma-egress-e2e': [
    {
      what: "Kyma's e2e egress setup is recognised as a per-host gateway",
      exitCode: 1,
      errors: [
        ['VirtualService/egress-vs', 'spec.tls[1]', 'a per-host egress gateway of your own'],
      ],
    },
    nogen('generate: false'),
    ...native,
  ],
  'kyma-egress-tutorial': [
    {
      what: 'the tutorial routes through the stock gateway per host: recognised',
      exitCode: 1,
      errors: [
        [
          'VirtualService/direct-kyma-project-through-egress-gateway',
          'spec.tls[1]',
          'a per-host egress gateway of your own',
        ],
      ],
    },
    {
      what: "with coexist: true the user's mesh-default Telemetry is adopted, not changed",
      spec: 'coexist: true',
      exitCode: 0,
      edited: [],
      warnings: ['a per-host egress gateway of your own'],
    },
    ...native,
  ],
  'solo-workshops-ambient-egress-waypoint': [
    {
      what: 'an ambient waypoint workshop with the default mode: the run names mode: waypoint',
      exitCode: 1,
      errors: [['Gateway/waypoint', 'spec.gatewayClassName', 'Set spec.mode: waypoint']],
    },
    {
      what: 'in waypoint mode no second waypoint is added silently; the message names how to use theirs',
      spec: WAYPOINT,
      exitCode: 1,
      errors: [
        [
          'Gateway/waypoint',
          'spec.gatewayClassName',
          'set spec.gateway.namespace to its namespace',
        ],
      ],
    },
    {
      what: 'following that hint: their waypoint is adopted, the ServiceEntries bound to it are added',
      spec: `${WAYPOINT}\ngateway: {namespace: egress}`,
      exitCode: 0,
      edited: [],
    },
    nogen('generate: false'),
  ],
  'istio-docs-wildcard-sni-proxy': [
    {
      what: 'the SNI-proxy recipe: its gateway route and its mesh route for the same wildcard are named',
      exitCode: 1,
      errors: [
        [
          'VirtualService/direct-wikipedia-through-egress-gateway',
          'spec.tcp[0]',
          'an egress gateway route of your own',
        ],
        ['VirtualService/direct-wikipedia-through-egress-gateway', 'spec.hosts', '(IST0109)'],
      ],
    },
    {
      what: 'opting in its VirtualService and ServiceEntry: the list goes through their SNI proxy, no gateway added',
      domains: ['*.wikipedia.org', '*.wikimedia.org'],
      optIn: [
        ['extracted.yaml', 'ServiceEntry', 'wikipedia'],
        ['extracted.yaml', 'VirtualService', 'direct-wikipedia-through-egress-gateway'],
      ],
      exitCode: 0,
      edited: [
        'ServiceEntry/wikipedia',
        'Gateway/istio-egressgateway-with-sni-proxy',
        'VirtualService/direct-wikipedia-through-egress-gateway',
      ],
      listed: ['*.wikimedia.org'],
      warnings: ["routes the list's names to a forwarder of your own"],
    },
    nogen('generate: false'),
    { what: 'sidecar mode', spec: SIDECAR, exitCode: 0, edited: [] },
  ],
  'istio-docs-egress-tls-origination': [
    {
      what: 'TLS origination at the stock gateway, routed per host: recognised',
      exitCode: 1,
      errors: [
        [
          'VirtualService/direct-cnn-through-egress-gateway',
          'spec.http[1]',
          'a per-host egress gateway of your own',
        ],
      ],
    },
    ...native,
  ],
  'online-boutique-istio': [
    beside('a kustomize component with ServiceEntries for Google APIs: kept, comments included'),
    {
      what: 'its googleapis ServiceEntry (ports 80 and 443) opted in: refused at port 80, the bypass',
      domains: ['accounts.google.com', '*.googleapis.com', '*.wikipedia.org'],
      optIn: [['allow-egress-googleapis.yaml', 'ServiceEntry', 'allow-egress-googleapis']],
      exitCode: 1,
      errors: [
        [
          'ServiceEntry/allow-egress-googleapis',
          'spec.ports[0]',
          'Remove the port from this ServiceEntry',
        ],
      ],
    },
    ...native,
  ],
};

/** `Kind/name` of a document's text, read the simple way (top-level kind, metadata.name). */
function labelOf(text: string): string {
  const kind = /^kind: *"?([\w.-]+)/m.exec(text)?.[1] ?? '?';
  const name = /^metadata:\n(?:[ \t]+.*\n)*?[ \t]+name: *"?([\w.-]+)/m.exec(text)?.[1] ?? '?';
  return `${kind}/${name}`;
}

function stderrLines(stderr: string, severity: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith(severity));
}

/** Spec lines of a run with a later run's on top: a key the later one sets replaces the earlier's. */
function mergeSpec(base: string, over: string): string {
  const keys = new Set(over.split('\n').map((l) => l.split(':')[0]));
  return [...base.split('\n').filter((l) => !keys.has(l.split(':')[0])), over].join('\n');
}

const MANAGED = /app\.kubernetes\.io\/managed-by: wildcard-egress/;

for (const [name, runs] of Object.entries(CASES)) {
  describe(`testdata/real/${name}`, () => {
    for (const run of runs) {
      it(run.what, () => {
        let files = caseFiles(name);
        for (const [file, kind, item] of run.optIn ?? []) {
          files = files.map((f) =>
            f.file === file ? { ...f, text: optIn(f.text, kind, item) } : f,
          );
        }
        const input = caseStream(files);
        const config = corpusConfigFile(corpusConfig(run.domains ?? LIST, run.spec));
        const out = runStream(input, config);
        expect(out.exitCode, out.stderr).toBe(run.exitCode);
        if (run.exitCode === 1) {
          expect(out.stdout).toBe('');
          const errors = stderrLines(out.stderr, 'error');
          expect(errors, out.stderr).toHaveLength(run.errors!.length);
          run.errors!.forEach(([item, field, words], i) => {
            const [kind, name] = item.split('/');
            const at = new RegExp(
              `^error ${kind}/([\\w.-]+/)?${name.replace(/\./g, '\\.')} ${field.replace(/[.[\]]/g, '\\$&')}: `,
            );
            expect(errors[i]).toMatch(at);
            expect(errors[i]).toContain(words);
          });
          return;
        }
        // Bytes: every stretch of the input whose document the run does not write comes out as it came in.
        const before = splitStream(input);
        const after = splitStream(out.stdout);
        expect(after.length).toBeGreaterThanOrEqual(before.length);
        before.forEach((seg, i) => {
          const edited = seg.text !== '' && run.edited!.includes(labelOf(seg.text));
          if (!edited)
            expect(after[i].lead + after[i].text + after[i].trail).toBe(
              seg.lead + seg.text + seg.trail,
            );
          else {
            expect(after[i].lead + after[i].trail).toBe(seg.lead + seg.trail);
            expect(after[i].text).not.toBe(seg.text);
            for (const n of run.listed ?? []) expect(after[i].text).toContain(n);
            if (run.addedLines !== undefined) {
              const lines = (t: string) => t.split('\n');
              const gained = lines(after[i].text).filter((l) => !lines(seg.text).includes(l));
              expect(gained).toHaveLength(run.addedLines);
              expect(lines(after[i].text)).toHaveLength(lines(seg.text).length + run.addedLines);
            }
          }
        });
        // What follows is only what the function created.
        for (const seg of after.slice(before.length)) expect(seg.text).toMatch(MANAGED);
        if (run.adds)
          expect(after.slice(before.length).map((seg) => labelOf(seg.text).split('/')[0])).toEqual(
            run.adds,
          );
        for (const w of run.warnings ?? [])
          expect(
            stderrLines(out.stderr, 'warning').some((l) => l.includes(w)),
            out.stderr,
          ).toBe(true);
        // A second run changes nothing.
        const again = runStream(out.stdout, config);
        expect(again.exitCode).toBe(0);
        expect(again.stdout).toBe(out.stdout);
        // Switching mode removes nothing the function did not create.
        for (const spec of ['', SIDECAR, WAYPOINT, 'generate: false']) {
          const next = runStream(
            out.stdout,
            corpusConfigFile(corpusConfig(run.domains ?? LIST, mergeSpec(run.spec ?? '', spec))),
          );
          if (next.exitCode !== 0) continue;
          const kept = splitStream(next.stdout).map((s) => s.text);
          for (const seg of after.slice(0, before.length))
            if (seg.text !== '' && !MANAGED.test(seg.text)) expect(kept).toContain(seg.text);
        }
      });
    }
  });
}
