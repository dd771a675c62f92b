/** A domain accepted into the list: lower-case, no trailing dot, `*.` only as the whole first label. */
export type Domain = string & { readonly __domain: unique symbol };

import { domainToASCII } from 'node:url';
import { mixedScripts } from './scripts.js';

/** Outcome of normalising one entry: the domain (and any cautions), or why it is refused. */
export type DomainCheck =
  { ok: true; domain: Domain; warnings?: string[] } | { ok: false; reason: string };

const LABEL = /^[a-z0-9-]+$/;
const MAX_NAME = 253;
const MAX_LABEL = 63;

/**
 * Normalises one host name the way Istio and Envoy will compare it, or says
 * why they would reject it. Pure; the caller quotes the value in its result.
 */
export function normalizeDomain(raw: string): DomainCheck {
  const trimmed = raw.trim();
  if (trimmed === '') return fail('is empty');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed))
    return fail('has a scheme: list the host name only');
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (looksLikeIp(bare)) return fail('is an IP address: list DNS names only');
  if (trimmed.includes('/')) return fail('has a path: list the host name only');
  if (trimmed.includes(':'))
    return fail('has a port: write {name: host, ports: [port]} or set upstreamPort');
  let name = trimmed.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  const warnings: string[] = [];
  if (/\P{ASCII}/u.test(name)) {
    // International names go on the wire as punycode (UTS-46 processing, as browsers do).
    const wildcard = name.startsWith('*.');
    const unicode = wildcard ? name.slice(2) : name;
    const ascii = domainToASCII(unicode);
    if (ascii === '') return fail('is not a valid international domain name (UTS-46)');
    const scripts = mixedScripts(unicode);
    if (scripts)
      warnings.push(`mixes scripts (${scripts.join(', ')}) in one label, as look-alike names do`);
    name = (wildcard ? '*.' : '') + ascii.toLowerCase();
  }
  if (name === '*') return fail('is a bare "*": Istio and Envoy refuse it; write "*.example.com"');
  if (name.length > MAX_NAME)
    return fail(`is ${name.length} characters long, over the DNS limit of ${MAX_NAME}`);
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label.includes('*')) {
      if (label !== '*')
        return fail(
          `has a partial wildcard label "${label}": only a whole leftmost "*." is allowed`,
        );
      if (i !== 0)
        return fail(
          'has a wildcard that is not the leftmost label: only a whole leftmost "*." is allowed',
        );
      if (labels.length < 2) return fail('is a bare "*"');
      continue;
    }
    if (label === '') return fail('has an empty label');
    if (label.length > MAX_LABEL)
      return fail(`has a label of ${label.length} characters, over the DNS limit of ${MAX_LABEL}`);
    if (!LABEL.test(label)) {
      const bad = [...label].find((c) => !/[a-z0-9-]/.test(c));
      return fail(
        `has the character ${JSON.stringify(bad)}: only letters, digits and hyphens are allowed`,
      );
    }
    if (label.startsWith('-') || label.endsWith('-'))
      return fail(`has a label "${label}" that starts or ends with a hyphen`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]))
    return fail('ends in an all-numeric label, which no top-level domain is');
  return warnings.length > 0
    ? { ok: true, domain: name as Domain, warnings }
    : { ok: true, domain: name as Domain };
}

// Written out rather than taken from node:net, whose loading alone costs more than a run.
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}(:\d{1,3}(\.\d{1,3}){3})?$/i;

export function looksLikeIp(text: string): boolean {
  return IPV4.test(text) || IPV6.test(text);
}

function fail(reason: string): DomainCheck {
  return { ok: false, reason };
}
