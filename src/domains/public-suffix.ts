import { getPublicSuffix } from 'tldts';

/**
 * Whether `name` is itself a public suffix, per the Public Suffix List that
 * the `tldts` package ships: `icann` for suffixes such as `com` or `co.uk`
 * (and, by the list's default rule, any unlisted top-level name), `private`
 * for suffixes such as `github.io` where anyone can register names, or
 * `undefined` for an ordinary domain.
 */
export function suffixKind(name: string): 'icann' | 'private' | undefined {
  if (getPublicSuffix(name, { allowPrivateDomains: false }) === name) return 'icann';
  if (getPublicSuffix(name, { allowPrivateDomains: true }) === name) return 'private';
  return undefined;
}
