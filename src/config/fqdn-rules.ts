import { error, type Result } from '../krm/results.js';
import type { Options } from './options.js';

/** The first Cilium minor whose matchPattern `**.x` matches names at any depth under x (PR #43420, 1.19). */
export const CILIUM_MULTI_LABEL_MINOR = 19;

/**
 * What `production.fqdnPolicies` needs: Cilium 1.19 or later. Before 1.19 a
 * matchPattern's `*.` and `**.` both match one label only
 * (cilium/cilium pkg/fqdn/matchpattern/matchpattern.go before PR #43420), so
 * neither Istio's any-depth `*.x` nor the cluster's search names
 * (`<name>.<namespace>.svc.<clusterDomain>`) can be written: the policy would
 * refuse names Istio admits. Refused rather than rendered narrower.
 */
export function fqdnPolicyProblems(o: Options, file?: Result['file']): Result[] {
  if (o.production.fqdnPolicies !== 'cilium' || o.ciliumMinor === undefined) return [];
  if (o.ciliumMinor >= CILIUM_MULTI_LABEL_MINOR) return [];
  const version = `1.${o.ciliumMinor}`;
  return [
    error(
      `production.fqdnPolicies cilium needs Cilium 1.${CILIUM_MULTI_LABEL_MINOR} or later; spec.ciliumVersion is "${version}": before 1.${CILIUM_MULTI_LABEL_MINOR} Cilium's "*." and "**." match one label only, so Istio's "*.x" (any depth) and the cluster's search names cannot be written and the policy would refuse names Istio admits`,
      { field: { path: 'spec.ciliumVersion', currentValue: version }, ...(file ? { file } : {}) },
    ),
  ];
}
