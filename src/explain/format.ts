import {
  ANY_OTHER_NAMESPACE,
  type Explanation,
  type Outcome,
  type Rule,
  type Step,
} from './types.js';

const LABEL: Record<Outcome, string> = {
  pass: 'ok',
  note: '-',
  refused: 'REFUSED',
  bypass: 'BYPASS',
  passthrough: 'PASSTHROUGH',
  unknown: 'UNKNOWN',
};

/** `Resource field: value`, as far as the step has them. */
function reference(s: Pick<Step, 'resource' | 'field' | 'value'>): string {
  const head = [s.resource, s.field].filter(Boolean).join(' ');
  return s.value !== undefined && s.value !== '' ? (head ? `${head}: ${s.value}` : s.value) : head;
}

/** The step that ended the path (the last one, unless the connection was allowed). */
function decidingStep(e: Explanation): Step | undefined {
  return e.verdict === 'allowed' ? undefined : e.steps.at(-1);
}

/**
 * The text report: the verdict alone on the first line, the connection, then
 * one entry per step (its outcome, layer, the resource and field that decided
 * and what happened there), and the admitting entry or the nearest one.
 */
export function formatText(e: Explanation): string {
  const lines = [
    e.verdict,
    `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port} from ${e.from ?? ANY_OTHER_NAMESPACE} (${e.mode} mode)`,
    '',
  ];
  for (const s of e.steps) {
    const ref = reference(s);
    lines.push(`  ${LABEL[s.outcome].padEnd(12)}${s.layer.padEnd(15)}${ref || s.detail}`);
    if (ref) lines.push(`  ${''.padEnd(27)}${s.detail}`);
  }
  if (e.rule) lines.push('', `rule: ${reference(e.rule)}`);
  const deciding = decidingStep(e);
  if (deciding)
    lines.push(
      '',
      `decided by: ${deciding.layer}${reference(deciding) ? `, ${reference(deciding)}` : ''}`,
    );
  if (e.nearest) lines.push(`nearest entry: ${reference(e.nearest)}`, `  ${e.nearest.why}`);
  return `${lines.join('\n')}\n`;
}

/** The JSON report: `{allowed, verdict, host, port, from, mode, steps, rule, nearest}`; `rule` is the admitting entry or the refusing field. */
export function formatJson(e: Explanation): string {
  const deciding = decidingStep(e);
  const rule: Rule | null =
    e.rule ??
    (deciding?.resource
      ? { resource: deciding.resource, field: deciding.field ?? '', value: deciding.value ?? '' }
      : null);
  return `${JSON.stringify(
    {
      allowed: e.verdict === 'allowed',
      verdict: e.verdict,
      host: e.host,
      port: e.port,
      from: e.from ?? null,
      mode: e.mode,
      steps: e.steps,
      rule,
      nearest: e.nearest ?? null,
    },
    null,
    2,
  )}\n`;
}
