import { EXCEPTIONS, ICANN, PRIVATE } from '../generated/public-suffixes.js';

/** Membership test for one rule list: a scan of the text for a few lookups, a Set for many. */
interface RuleList {
  has(rule: string): boolean;
}

// Scanning a list costs microseconds; building its Set costs milliseconds, worth it only past this many lookups.
const SCANS_BEFORE_SET = 64;

function ruleList(text: string): RuleList {
  let scans = 0;
  let set: Set<string> | undefined;
  return {
    has(rule) {
      if (set) return set.has(rule);
      if (++scans > SCANS_BEFORE_SET) {
        set = new Set(text.split('\n'));
        return set.has(rule);
      }
      return text.includes(`\n${rule}\n`);
    },
  };
}

const icann = ruleList(ICANN);
const privateRules = ruleList(PRIVATE);
const exceptions = ruleList(EXCEPTIONS);

/**
 * Whether `name` is itself a public suffix, per the Public Suffix List (taken
 * from the `tldts` package at build time): `icann` for suffixes such as `com`,
 * `co.uk` or any name under a wildcard rule (`*.ck`), and, by the list's
 * default rule, any single label; `private` for suffixes such as `github.io`
 * where anyone can register names; `undefined` for an ordinary domain.
 * An exception rule (`!www.ck`) makes a name an ordinary domain.
 */
export function suffixKind(name: string): 'icann' | 'private' | undefined {
  if (exceptions.has(name)) return undefined;
  const dot = name.indexOf('.');
  if (dot < 0) return 'icann';
  const wildcard = `*.${name.slice(dot + 1)}`;
  if (icann.has(name) || icann.has(wildcard)) return 'icann';
  if (privateRules.has(name) || privateRules.has(wildcard)) return 'private';
  return undefined;
}
