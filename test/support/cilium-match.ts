/**
 * Cilium 1.19's name match, written out from cilium/cilium
 * pkg/fqdn/matchpattern/matchpattern.go (ToAnchoredRegexp after Sanitize,
 * the `subdomainWildcardSpecifierPrefix` version) and pkg/policy/api/fqdn.go
 * (ToRegex), for tests to judge the rendered policies by, independently of
 * explain's own reading.
 */

const ALLOWED = '[-a-zA-Z0-9_]';
const DNS_WILDCARD = /^[*]{1,}[.]?$/;
const SUBDOMAIN_PREFIX = /^[*]{2,}\[\.\]/;
const WILDCARD = /[*]{1,}/g;
const GROUP = `(${ALLOWED}+([.]${ALLOWED}+){0,})[.]`;

/** dns.FQDN: a trailing dot. */
const fqdn = (s: string) => (s.endsWith('.') ? s : `${s}.`);

/** ToAnchoredRegexp(Sanitize(pattern)). */
function anchored(pattern: string): RegExp {
  if (DNS_WILDCARD.test(pattern)) return new RegExp(`(^(${ALLOWED}+[.])+$)|(^[.]$)`);
  let p = fqdn(pattern).trim().toLowerCase();
  p = p.replaceAll('.', '[.]');
  p = p.replace(SUBDOMAIN_PREFIX, GROUP);
  p = p.replace(WILDCARD, `${ALLOWED}*`);
  return new RegExp(`^${p}$`);
}

/** Whether a toFQDNs or DNS-rule selector matches a name as Cilium's DNS proxy sees it (lower-case, trailing dot). */
export function ciliumMatches(
  selector: { matchName?: string; matchPattern?: string },
  name: string,
): boolean {
  const n = fqdn(name.toLowerCase());
  // A matchName holds no '*' (its CRD pattern), so its expression is the name itself.
  if (selector.matchName) return fqdn(selector.matchName.toLowerCase()) === n;
  return selector.matchPattern !== undefined && anchored(selector.matchPattern).test(n);
}

/**
 * The match before Cilium 1.19 (pkg/fqdn/matchpattern/matchpattern.go before
 * PR #43420): every run of `*` stood for characters within one label, so
 * `**.x` matched exactly as `*.x`, one label before x.
 */
export function ciliumMatchesBefore119(
  selector: { matchName?: string; matchPattern?: string },
  name: string,
): boolean {
  if (selector.matchPattern === undefined) return ciliumMatches(selector, name);
  return ciliumMatches({ matchPattern: selector.matchPattern.replace(/^\*{2,}\./, '*.') }, name);
}
