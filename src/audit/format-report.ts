import type { AuditReport, NamedCount } from './audit.js';
import { admitsOthers, portsLabel } from './fold-suggestions.js';

/** The report as JSON: `{used: [{entry, count}], unused: [entry], unlisted: [{host, port, count}], unnamed: [{address, count}], suggest: [entry]}`. */
export function formatJson(report: AuditReport): string {
  const json = {
    used: report.used.map(({ entry, count }) => ({ entry, count })),
    unused: report.unused,
    unlisted: report.unlisted.map(({ host, port, count }) => ({ host, port, count })),
    unnamed: report.unnamed.map(({ address, count }) => ({ address, count })),
    suggest: report.suggest.map((s) => s.entry),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** What the text report says about its input. */
export interface ReportContext {
  /** `DomainList egress`, `ConfigMap egress`. */
  config: string;
  /** `--from` namespace, if given. */
  from?: string;
  /** Access-log lines read, and lines that were something else. */
  accessLogLines: number;
  ignored: number;
  unreadable: number;
  /** The patch to paste, when there is anything to add. */
  patch?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Rows with the first column padded to the widest. */
function table(rows: readonly [string, string][]): string[] {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`.trimEnd());
}

function section(title: string, lines: readonly string[], empty: string): string[] {
  return [`${title}:`, ...(lines.length > 0 ? lines : [`  ${empty}`]), ''];
}

const views = (parts: readonly [string, number][]) =>
  parts
    .filter(([, n]) => n > 0)
    .map(([w, n]) => `${w} ${n}`)
    .join(', ');

const hostPort = (n: NamedCount) => `${n.host}:${n.port}`;

/** The report for a person: one section per finding, then notes, then the patch. */
export function formatText(report: AuditReport, ctx: ReportContext): string {
  const scope = ctx.from ? ` for namespace ${ctx.from}` : '';
  const out = [
    `audit of ${ctx.config}${scope}: ${plural(ctx.accessLogLines, 'access-log line')} read` +
      `${ctx.ignored > 0 ? `, ${plural(ctx.ignored, 'other line')} ignored` : ''}${ctx.unreadable > 0 ? `, ${plural(ctx.unreadable, 'unreadable line')} skipped` : ''}`,
    '',
    ...section(
      'used',
      table(
        report.used.map((u) => [
          u.entry,
          `${plural(u.count, 'connection')} (${views([
            ['gateway', u.gateway],
            ['sidecars', u.sidecar],
          ])})`,
        ]),
      ),
      'no entry admitted a connection',
    ),
    ...section(
      'unused (no connection in these logs)',
      report.unused.map((e) => `  ${e}`),
      'none: every entry was used',
    ),
    ...section(
      'unlisted',
      table(
        report.unlisted.map((u) => [
          `${u.host}:${u.port}`,
          `${plural(u.count, 'connection')} (${views([
            ['passthrough', u.passthrough],
            ['blackhole', u.blackhole],
            ['sidecar to a lane', u.lane],
            ['gateway', u.gateway],
          ])})`,
        ]),
      ),
      'none',
    ),
    ...section(
      'unnamed (no SNI)',
      table(report.unnamed.map((u) => [u.address, plural(u.count, 'connection')])),
      'none',
    ),
    ...section(
      'suggest',
      table(
        report.suggest.map((s) => [
          s.entry,
          `${portsLabel(s.ports)}${admitsOthers(s) ? `; admits ${s.covers.join(', ')}` : ''}`,
        ]),
      ),
      'nothing to add',
    ),
  ];
  const notes = [
    ...report.bypassed.map(
      (b) =>
        `listed, but left through PassthroughCluster, skipping the gateway: ${hostPort(b)} (${plural(b.count, 'connection')})`,
    ),
    ...report.blockedListed.map(
      (b) =>
        `listed, but refused by a sidecar (BlackHoleCluster): does the stack reach that namespace? ${hostPort(b)} (${plural(b.count, 'connection')})`,
    ),
    ...report.refusedListed.map(
      (r) =>
        `listed, but refused at the gateway (is the deployed stack older than this list?): ${hostPort(r)} (${plural(r.count, 'connection')})`,
    ),
    ...report.unusable.map(
      (u) =>
        `SNI that is no host name a list can hold: ${JSON.stringify(u.host)} on port ${u.port} (${plural(u.count, 'connection')})`,
    ),
    ...(report.refusedWithoutSni > 0
      ? [
          `refused at the gateway without any SNI: ${plural(report.refusedWithoutSni, 'connection')}`,
        ]
      : []),
  ];
  if (notes.length > 0)
    out.push(
      ...section(
        'notes',
        notes.map((n) => `  ${n}`),
        '',
      ),
    );
  if (ctx.patch) out.push(ctx.patch.trimEnd(), '');
  return `${out.join('\n').trimEnd()}\n`;
}
