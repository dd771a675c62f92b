import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { auditConnections } from '../src/audit/audit.js';
import { AUDIT_USAGE, runAudit } from '../src/audit/cli.js';
import type { Io } from '../src/command/io.js';
import { laneTable } from '../src/audit/lane-table.js';
import { readLogLines } from '../src/audit/read-log-lines.js';
import { parseConfig } from '../src/config/parse-config.js';
import { ROOT } from './helpers.js';
import { memoryIo } from './support/io.js';

const DIR = 'testdata/audit';
const update = process.env.UPDATE_GOLDEN === '1';

/** Reads files under the project root; stdin is what the test gives. */
function io(stdin = '', extra: Record<string, string> = {}): Io {
  return memoryIo(extra, stdin, (path) => readFileSync(`${ROOT}${path}`, 'utf8'));
}

const json = (args: string[], input = io()) => {
  const out = runAudit([...args, '--output', 'json'], input);
  expect(out.exitCode).toBe(0);
  return { report: JSON.parse(out.stdout) as Record<string, unknown>, stderr: out.stderr };
};

const UNREADABLE =
  'skipped: looks like an access-log line but cannot be read (cut short, or another format)';

describe('wildcard-egress audit on kubectl logs in text (gateway and sidecars, --prefix and --timestamps)', () => {
  const args = ['--config', `${DIR}/config.yaml`, `${DIR}/text-logs.txt`];

  it('reports every field: used, unused, unlisted, unnamed, suggest', () => {
    const { report } = json(args);
    expect(Object.keys(report)).toEqual(['used', 'unused', 'unlisted', 'unnamed', 'suggest']);
    expect(report).toEqual({
      // Gateway lines: en ×2, de, api.github.com; sidecar lines: en, de (the same connections).
      used: [
        { entry: 'api.github.com', count: 1 },
        { entry: '*.wikipedia.org', count: 3 },
      ],
      unused: ['pypi.org', 'files.pythonhosted.org'],
      unlisted: [
        { host: 'cloud.ibm.com', port: 443, count: 2 },
        { host: 'example.com', port: 443, count: 1 },
        { host: 'api.example.com', port: 443, count: 1 },
        { host: 'cdn.example.com', port: 443, count: 1 },
        { host: 'api.github.com', port: 8443, count: 1 },
        { host: 'upload.example.net', port: 443, count: 1 },
        { host: 'sqa.ory.sh', port: 443, count: 1 },
      ],
      unnamed: [
        { address: '209.85.200.95:443', count: 1 },
        { address: '93.184.215.34:80', count: 1 },
      ],
      suggest: [
        'example.com',
        '*.example.com',
        'api.github.com',
        'cloud.ibm.com',
        'upload.example.net',
        'sqa.ory.sh',
      ],
    });
  });

  it('names the cut line by file and line number on stderr, and skips it', () => {
    expect(json(args).stderr).toBe(`${DIR}/text-logs.txt:23: ${UNREADABLE}\n`);
  });

  it('prints the text report and a DomainList patch (testdata/audit/text.expected.txt)', () => {
    const out = runAudit(args, io());
    expect(out.exitCode).toBe(0);
    const file = `${ROOT}${DIR}/text.expected.txt`;
    if (update) writeFileSync(file, out.stdout);
    expect(out.stdout).toBe(readFileSync(file, 'utf8'));
    // docs/audit.md's worked example shows this very output.
    expect(readFileSync(`${ROOT}docs/audit.md`, 'utf8')).toContain(out.stdout);
  });

  it('the patch, applied, gives a list the function accepts and that admits every name of these logs', () => {
    const out = runAudit(args, io());
    const patch = parse(out.stdout.slice(out.stdout.indexOf('# DomainList patch')));
    const config = parse(readFileSync(`${ROOT}${DIR}/config.yaml`, 'utf8'));
    config.spec.domains = patch.spec.domains;
    const patched = parseConfig(config);
    expect(patched.results.filter((r) => r.severity === 'error')).toEqual([]);
    const table = laneTable(patched.options!, patched.plan);
    const { lines } = readLogLines(
      [{ name: 'text', text: readFileSync(`${ROOT}${DIR}/text-logs.txt`, 'utf8') }],
      table.names,
    );
    const again = auditConnections(lines, {
      lanes: table.lanes,
      served: () => true,
      defaultPort: 443,
    });
    expect(again.unlisted).toEqual([]);
    expect(again.suggest).toEqual([]);
  });

  it('reads stdin when no log file is given, and for "-"', () => {
    const text = readFileSync(`${ROOT}${DIR}/text-logs.txt`, 'utf8');
    const fromFile = json(args).report;
    expect(json(['--config', `${DIR}/config.yaml`], io(text)).report).toEqual(fromFile);
    const stdin = json([`--config=${DIR}/config.yaml`, '-'], io(text));
    expect(stdin.report).toEqual(fromFile);
    expect(stdin.stderr).toBe(`stdin:23: ${UNREADABLE}\n`);
  });
});

describe('wildcard-egress audit on JSON sidecar logs and a team lane (teams.yaml)', () => {
  const files = ['teams-gateway-logs.txt', 'teams-shop-logs.txt', 'teams-payments-logs.txt'].map(
    (f) => `${DIR}/${f}`,
  );

  it('every lane: each field of the report', () => {
    const { report, stderr } = json(['--config', `${DIR}/teams.yaml`, ...files]);
    expect(report).toEqual({
      used: [
        { entry: '*.paypal.com', count: 1 },
        { entry: 'api.stripe.com', count: 1 },
        { entry: '*.wikipedia.org', count: 1 },
      ],
      unused: ['api.adyen.com'],
      unlisted: [
        { host: 'api.braintreegateway.com', port: 443, count: 1 },
        { host: 'fonts.gstatic.com', port: 443, count: 1 },
        { host: 'www.gstatic.com', port: 443, count: 1 },
        { host: 'hooks.slack.com', port: 443, count: 1 },
      ],
      unnamed: [
        { address: '151.101.1.69:443', count: 1 },
        { address: '240.240.180.115:81', count: 1 },
      ],
      suggest: ['api.braintreegateway.com', '*.gstatic.com', 'hooks.slack.com'],
    });
    expect(stderr).toBe(`${DIR}/teams-payments-logs.txt:5: ${UNREADABLE}\n`);
  });

  it('--from payments: only the payments lane, its entries and its patch', () => {
    const args = ['--config', `${DIR}/teams.yaml`, files[0], files[2], '--from', 'payments'];
    expect(json(args).report).toEqual({
      used: [
        { entry: '*.paypal.com', count: 1 },
        { entry: 'api.stripe.com', count: 1 },
      ],
      unused: ['api.adyen.com'],
      unlisted: [
        { host: 'api.braintreegateway.com', port: 443, count: 1 },
        { host: 'hooks.slack.com', port: 443, count: 1 },
      ],
      unnamed: [{ address: '240.240.180.115:81', count: 1 }],
      suggest: ['api.braintreegateway.com', 'hooks.slack.com'],
    });
    const text = runAudit(args, io()).stdout;
    const patch = parse(text.slice(text.indexOf('# DomainList patch')));
    expect(patch.spec).toEqual({
      production: {
        teams: [
          {
            name: 'payments',
            namespaces: ['payments'],
            domains: [
              'api.stripe.com',
              '*.paypal.com',
              'api.adyen.com',
              'api.braintreegateway.com',
              'hooks.slack.com',
            ],
          },
        ],
      },
    });
  });

  it('--from shop: the shared lane only', () => {
    const { report } = json([
      '--config',
      `${DIR}/teams.yaml`,
      files[0],
      files[1],
      '--from',
      'shop',
    ]);
    expect(report).toEqual({
      used: [{ entry: '*.wikipedia.org', count: 1 }],
      unused: [],
      unlisted: [
        { host: 'fonts.gstatic.com', port: 443, count: 1 },
        { host: 'www.gstatic.com', port: 443, count: 1 },
      ],
      unnamed: [{ address: '151.101.1.69:443', count: 1 }],
      suggest: ['*.gstatic.com'],
    });
  });
});

describe('wildcard-egress audit with a ConfigMap config', () => {
  it('patches data.domains and says which names need ports the ConfigMap form cannot hold', () => {
    const log = [
      '[2024-06-03T09:14:07.512Z] "- - -" 0 - - - "-" 640 4410 33 - "-" "-" "-" "-" "93.184.215.14:443" PassthroughCluster 172.17.34.35:45602 93.184.215.14:443 172.17.34.35:45600 api.example.com -',
      '[2024-06-03T09:14:08.020Z] "- - -" 0 - - - "-" 702 5120 90 - "-" "-" "-" "-" "140.82.112.6:8443" PassthroughCluster 172.17.34.35:45630 140.82.112.6:8443 172.17.34.35:45628 api.github.com -',
    ].join('\n');
    const out = runAudit(['--config', 'fn-config/configmap.yaml'], io(log));
    expect(out.exitCode).toBe(0);
    const patchText = out.stdout.slice(out.stdout.indexOf('# ConfigMap patch'));
    expect(patchText).toContain(
      '# the ConfigMap form has no per-name ports; a DomainList entry {name, ports} is needed for: api.github.com (8443)',
    );
    expect(parse(patchText)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'function-input' },
      data: { domains: '*.wikipedia.org,api.github.com,api.example.com' },
    });
  });
});

describe('wildcard-egress audit: notes in the text report', () => {
  it('says when a listed name skipped the gateway, a sidecar refused it, the gateway refused it, or an SNI is no host name', () => {
    const line = (cluster: string, destination: string, sni: string, flags = '-') =>
      `[2024-06-03T09:14:07.512Z] "- - -" 0 ${flags} - - "-" 640 4410 33 - "-" "-" "-" "-" "${destination}" ${cluster} 172.17.34.35:45602 ${destination} 172.17.34.35:45600 ${sni} -`;
    const log = [
      line('PassthroughCluster', '140.82.112.6:443', 'api.github.com'),
      line('BlackHoleCluster', '140.82.112.6:443', 'api.github.com', 'UH'),
      line('PassthroughCluster', '10.1.2.3:443', 'under_score.example.com'),
      '[2024-06-03T09:14:09.531Z] "- - -" 0 NR filter_chain_not_found - "-" 0 0 0 - "-" "-" "-" "-" "-" - - envoy://sni_listener/ envoy://internal_client_address/ en.wikipedia.org -',
      '[2024-06-03T09:14:09.531Z] "- - -" 0 NR filter_chain_not_found - "-" 0 0 0 - "-" "-" "-" "-" "-" - - envoy://sni_listener/ envoy://internal_client_address/ - -',
    ].join('\n');
    const out = runAudit(['--config', `${DIR}/config.yaml`], io(log));
    expect(out.stdout.slice(out.stdout.indexOf('notes:'))).toBe(
      [
        'notes:',
        '  listed, but left through PassthroughCluster, skipping the gateway: api.github.com:443 (1 connection)',
        '  listed, but refused by a sidecar (BlackHoleCluster): does the stack reach that namespace? api.github.com:443 (1 connection)',
        '  listed, but refused at the gateway (is the deployed stack older than this list?): en.wikipedia.org:443 (1 connection)',
        '  SNI that is no host name a list can hold: "under_score.example.com" on port 443 (1 connection)',
        '  refused at the gateway without any SNI: 1 connection',
        '',
      ].join('\n'),
    );
  });
});

describe('wildcard-egress audit: usage and exit codes', () => {
  it('--help prints the usage, exit 0', () => {
    expect(runAudit(['--help'], io())).toEqual({ stdout: AUDIT_USAGE, stderr: '', exitCode: 0 });
  });

  const usage: Record<string, [args: string[], message: string]> = {
    'no --config': [[`${DIR}/text-logs.txt`], '--config FILE is required'],
    'an unknown option': [
      ['--config', `${DIR}/config.yaml`, '--since', '1h'],
      'unknown option "--since"',
    ],
    'an option without its value': [['--config'], '--config needs a value'],
    'an option with an empty value': [
      ['--config', `${DIR}/config.yaml`, '--from', ''],
      '--from needs a value',
    ],
    'an output that is neither json nor text': [
      ['--config', `${DIR}/config.yaml`, '--output', 'yaml'],
      '--output takes json or text, not "yaml"',
    ],
  };
  for (const [name, [args, message]] of Object.entries(usage)) {
    it(`${name}: exit 2 with the message and the usage`, () => {
      const out = runAudit(args, io());
      expect(out).toEqual({
        stdout: '',
        stderr: `wildcard-egress audit: ${message}\n\n${AUDIT_USAGE}`,
        exitCode: 2,
      });
    });
  }

  const input: Record<string, [args: string[], message: RegExp, files?: Record<string, string>]> = {
    'a config file that cannot be read': [
      ['--config', `${DIR}/missing.yaml`],
      /^--config: cannot read testdata\/audit\/missing\.yaml: no such file$/m,
    ],
    'a log file that cannot be read': [
      ['--config', `${DIR}/config.yaml`, `${DIR}/missing.log`],
      /^cannot read log testdata\/audit\/missing\.log: no such file$/m,
    ],
    'a config that is not YAML': [
      ['--config', 'bad.yaml'],
      /^--config: bad\.yaml: not valid YAML at line 1, column 7: the bracket \[ opened here is never closed/,
      { 'bad.yaml': 'spec: [' },
    ],
    'a config the function refuses': [
      ['--config', 'bad.yaml'],
      /^config bad\.yaml is refused:\nerror spec\.domains\[0\]: domain "\*\.com" is a wildcard over the public suffix "com"/,
      {
        'bad.yaml':
          'apiVersion: wildcard-egress.dev/v1alpha1\nkind: DomainList\nmetadata: {name: x}\nspec: {domains: ["*.com"]}\n',
      },
    ],
    'a namespace no lane serves': [
      ['--config', `${DIR}/teams.yaml`, '--from', 'nowhere'],
      /^no lane of the list serves namespace "nowhere"/,
    ],
  };
  for (const [name, [args, message, files]] of Object.entries(input)) {
    it(`${name}: exit 2`, () => {
      const out = runAudit(args, io('', files));
      expect(out.exitCode).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr.replace(/^wildcard-egress audit: /, '')).toMatch(message);
    });
  }

  it('names at most 100 unreadable lines, then counts the rest; the run still exits 0', () => {
    const cut =
      '[2024-06-03T09:14:12.020Z] "- - -" 0 - - - "-" 805 15199 158 - "-" "-" "-" "-" "104.102.54.251:443" PassthroughCluster 172.17.34.35:45650 104.1';
    const good = readFileSync(`${ROOT}${DIR}/text-logs.txt`, 'utf8').split('\n')[1];
    const out = runAudit(
      ['--config', `${DIR}/config.yaml`],
      io([...Array<string>(103).fill(cut), good].join('\n')),
    );
    expect(out.exitCode).toBe(0);
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[99]).toBe(`stdin:100: ${UNREADABLE}`);
    expect(lines[100]).toBe('… and 3 more unreadable lines');
  });

  it('logs without one access-log line: exit 1 and say so, never "every entry unused"', () => {
    const out = runAudit(
      ['--config', `${DIR}/config.yaml`, 'app.log'],
      io('', { 'app.log': 'GET / 200\nready\n' }),
    );
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(
      'wildcard-egress audit: no access-log line in app.log (2 line(s) read, none an Envoy access-log line): nothing to compare the list with.',
    );
    expect(out.stderr).not.toContain('unused');
  });
});
