/**
 * How Cilium 1.19 and later match a DNS name against an FQDN selector
 * (toFQDNs, or a DNS rule), from cilium/cilium
 * pkg/fqdn/matchpattern/matchpattern.go and pkg/policy/api/fqdn.go: names
 * are compared lower-case with a trailing dot; `matchName` is one exact
 * name; in `matchPattern`, a leading `**.` stands for one or more whole
 * labels, any other run of `*` for any characters within one label
 * (`[-a-zA-Z0-9_]*`), and a pattern of stars alone (`*`, `**.`) for every
 * name.
 */

const LABEL_CHARS = '[-a-zA-Z0-9_]';
const WILDCARD_ONLY = /^\*+\.?$/;

const fqdn = (s: string) => {
  const t = s.trim().toLowerCase();
  return t.endsWith('.') ? t : `${t}.`;
};

const compiled = new Map<string, RegExp>();

/** The anchored expression Cilium builds for a matchPattern (ToAnchoredRegexp after Sanitize). */
export function patternRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  const p = pattern.trim().toLowerCase();
  if (WILDCARD_ONLY.test(p)) re = new RegExp(`(^(${LABEL_CHARS}+[.])+$)|(^[.]$)`);
  else {
    let body = fqdn(p).replaceAll('.', '[.]');
    body = body.replace(/^\*{2,}\[\.\]/, `(${LABEL_CHARS}+([.]${LABEL_CHARS}+){0,})[.]`);
    body = body.replace(/\*+/g, `${LABEL_CHARS}*`);
    re = new RegExp(`^${body}$`);
  }
  compiled.set(pattern, re);
  return re;
}

/** Whether an FQDN selector (`{matchName}` or `{matchPattern}`) selects a host name. */
export function ciliumSelects(selector: unknown, host: string): boolean {
  if (!selector || typeof selector !== 'object') return false;
  const s = selector as { matchName?: unknown; matchPattern?: unknown };
  if (typeof s.matchName === 'string' && s.matchName !== '')
    return fqdn(s.matchName) === fqdn(host);
  if (typeof s.matchPattern === 'string') return patternRegExp(s.matchPattern).test(fqdn(host));
  return false;
}

/** The selector as written, for messages: `matchName: x` or `matchPattern: **.x`. */
export function selectorText(selector: unknown): string {
  const s = (selector ?? {}) as { matchName?: unknown; matchPattern?: unknown };
  return typeof s.matchName === 'string'
    ? `matchName: ${s.matchName}`
    : `matchPattern: ${String(s.matchPattern)}`;
}
