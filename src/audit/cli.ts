import { readFailure, type Io } from '../command/io.js';
import { options, UsageError } from '../command/options.js';
import { readConfigFile } from '../config/read-config-file.js';
import { formatForHumans } from '../krm/results.js';
import { auditConnections } from './audit.js';
import { domainListPatch } from './domain-list-patch.js';
import { formatJson, formatText } from './format-report.js';
import { isObject } from '../util/data.js';
import { laneTable, servesNamespace, type AuditLane } from './lane-table.js';
import { readLogLines, type LogSource } from './read-log-lines.js';

/** Usage of `wildcard-egress audit`. */
export const AUDIT_USAGE = `usage: wildcard-egress audit --config FILE [LOGFILE…] [--from NAMESPACE] [--output json]

Reads Envoy access logs (kubectl logs output: Istio's text or JSON format, the
gateway's forwarder lines; several pods and containers mixed) from the files,
or stdin when none is given or one is "-", and compares them with the list in
FILE (a DomainList or ConfigMap):

  used       entries with the connections they admitted
  unused     entries no connection used
  unlisted   names on ports the list does not admit: left through
             PassthroughCluster, refused to BlackHoleCluster or at the gateway
  unnamed    PassthroughCluster/BlackHoleCluster connections without an SNI
  suggest    entries that would admit every unlisted name, and a DomainList patch

options:
  --config FILE        the function config holding the list (required)
  --from NAMESPACE     only the lanes that serve NAMESPACE: its team's lanes, and
                       the shared lanes if production.namespaces lists it or is empty
  --output json        JSON instead of text
  -h, --help           this text

exit 0 with the report; 1 when the logs hold no access-log line (nothing to
compare); 2 on a usage error or input that cannot be read.
Lines that look like access logs but cannot be read are skipped and named
on stderr with their line numbers.
`;

/** What one run printed and its exit code. */
export interface AuditOutput {
  stdout: string;
  stderr: string;
  exitCode: 0 | 1 | 2;
}

interface AuditArgs {
  config: string;
  logs: string[];
  from?: string;
  output: 'text' | 'json';
}

/** Unreadable lines named one by one on stderr before the rest are only counted. */
const UNREADABLE_SHOWN = 100;

function parseArgs(args: readonly string[]): AuditArgs | 'help' {
  const out: Partial<AuditArgs> & { logs: string[] } = { logs: [] };
  for (const { arg, name, value } of options(args)) {
    if (arg === '-h' || arg === '--help') return 'help';
    if (name === '--config') out.config = value();
    else if (name === '--from') out.from = value();
    else if (name === '--output') {
      const v = value();
      if (v !== 'json' && v !== 'text')
        throw new UsageError(`--output takes json or text, not ${JSON.stringify(v)}`);
      out.output = v;
    } else if (arg.startsWith('-') && arg !== '-')
      throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    else out.logs.push(arg);
  }
  if (!out.config) throw new UsageError('--config FILE is required');
  return {
    config: out.config,
    logs: out.logs,
    output: out.output ?? 'text',
    ...(out.from !== undefined ? { from: out.from } : {}),
  };
}

const fail = (message: string, usage = false): AuditOutput => ({
  stdout: '',
  stderr: `wildcard-egress audit: ${message}\n${usage ? `\n${AUDIT_USAGE}` : ''}`,
  exitCode: 2,
});

/**
 * `wildcard-egress audit`: reads the list from `--config`, the access logs
 * from the files (stdin when none), and prints what the list admitted, what
 * it left unused, what it would refuse, and what to add. Pure: all reading
 * goes through `io`.
 */
export function runAudit(args: readonly string[], io: Io): AuditOutput {
  let parsed: AuditArgs | 'help';
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message, true);
    throw e;
  }
  if (parsed === 'help') return { stdout: AUDIT_USAGE, stderr: '', exitCode: 0 };
  const a = parsed;

  const file = readConfigFile(a.config, io);
  if ('message' in file) return fail(`--config: ${file.message}`);
  const { doc: configDoc, outcome: config } = file;
  const errors = config.results.filter((r) => r.severity === 'error');
  if (!config.options || errors.length > 0)
    return fail(`config ${a.config} is refused:\n${formatForHumans(errors)}`);
  const options = config.options;
  const table = laneTable(options, config.plan);
  const from = a.from;
  const served = (l: AuditLane) => from === undefined || servesNamespace(l.lane, from);
  if (!table.lanes.some(served))
    return fail(
      `no lane of the list serves namespace ${JSON.stringify(a.from)}: it is in no team and not in spec.production.namespaces`,
    );

  const sources: LogSource[] = [];
  for (const path of a.logs.length > 0 ? a.logs : ['-']) {
    try {
      sources.push({
        name: path === '-' ? 'stdin' : path,
        text: path === '-' ? io.stdin() : io.readFile(path),
      });
    } catch (e) {
      return fail(`cannot read log ${path}: ${readFailure(e)}`);
    }
  }

  const { lines, unreadable, ignored } = readLogLines(sources, table.names);
  if (lines.length === 0) {
    // Without one connection every entry would read as unused: refuse rather than invite deleting them.
    const names = sources.map((s) => s.name).join(', ');
    return {
      stdout: '',
      stderr:
        unreadableNotes(unreadable) +
        `wildcard-egress audit: no access-log line in ${names} (${ignored + unreadable.length} line(s) read, none an Envoy access-log line): nothing to compare the list with.\n` +
        'Give it the logs of the egress gateway or of the sidecars (kubectl logs … -c istio-proxy) with access logging on (docs/audit.md).\n',
      exitCode: 1,
    };
  }
  const report = auditConnections(lines, {
    lanes: table.lanes,
    served,
    defaultPort: options.upstreamPort,
    ...(a.from !== undefined ? { namespace: a.from } : {}),
  });

  const stderr = unreadableNotes(unreadable);
  if (a.output === 'json') return { stdout: formatJson(report), stderr, exitCode: 0 };
  const team = table.lanes.filter(served).find((l) => l.lane.team)?.lane.team;
  const patchTarget = a.from !== undefined && team !== undefined ? { team } : {};
  const name = isObject(configDoc.metadata) ? configDoc.metadata.name : undefined;
  const text = formatText(report, {
    config: `${String(configDoc.kind)}${typeof name === 'string' ? ` ${name}` : ''}`,
    ...(a.from !== undefined ? { from: a.from } : {}),
    accessLogLines: lines.length,
    ignored,
    unreadable: unreadable.length,
    ...(report.suggest.length > 0
      ? { patch: domainListPatch(configDoc, report.suggest, options.upstreamPort, patchTarget) }
      : {}),
  });
  return { stdout: text, stderr, exitCode: 0 };
}

/** Lines for stderr naming the unreadable lines, the first hundred one by one. */
function unreadableNotes(unreadable: readonly string[]): string {
  return [
    ...unreadable
      .slice(0, UNREADABLE_SHOWN)
      .map(
        (at) =>
          `${at}: skipped: looks like an access-log line but cannot be read (cut short, or another format)\n`,
      ),
    ...(unreadable.length > UNREADABLE_SHOWN
      ? [`… and ${unreadable.length - UNREADABLE_SHOWN} more unreadable lines\n`]
      : []),
  ].join('');
}
