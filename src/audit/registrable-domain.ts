import { suffixKind } from '../domains/public-suffix.js';

/**
 * The registrable domain of a name: its public suffix and one label more,
 * per the Public Suffix List's rules (longest rule wins, wildcards and
 * exceptions included), counting the private section as suffixes too, so
 * `app.github.io` is its own registrable domain and never folds into
 * `*.github.io`. `undefined` when the name is itself a public suffix.
 */
export function registrableDomain(name: string): string | undefined {
  const labels = name.split('.');
  // The longest suffix of the name that is a public suffix; a single label always is (the default rule).
  for (let i = 0; i < labels.length; i++) {
    if (suffixKind(labels.slice(i).join('.')) !== undefined) {
      return i === 0 ? undefined : labels.slice(i - 1).join('.');
    }
  }
  return undefined;
}
