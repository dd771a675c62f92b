import type { Options } from '../config/options.js';
import { stackNames } from './names.js';
import type { Resource } from './resource.js';

/** Name of the ValidatingAdmissionPolicy and its binding (both cluster-scoped). */
export const GUARD_NAME = 'wildcard-egress-guard';

/**
 * The guard's rules in standard CEL (no Kubernetes extension library), over
 * `request` and `object`: each refuses one way a namespace could open its own
 * path out around the list.
 */
export function guardValidations(clusterDomain: string): { expression: string; message: string; reason: string }[] {
  const suffix = `.svc.${clusterDomain}`;
  return [
    {
      expression: `request.kind.kind != 'ServiceEntry' || !has(object.spec.hosts) || object.spec.hosts.all(h, h.endsWith('${suffix}'))`,
      message: `a ServiceEntry here may name only in-cluster hosts (*${suffix}): external hosts are allowed through the egress allowlist`,
      reason: 'Forbidden',
    },
    {
      // An in-cluster name with external addresses or endpoints would be a direct path out all the same.
      expression: `request.kind.kind != 'ServiceEntry' || ((!has(object.spec.addresses) || size(object.spec.addresses) == 0) && (!has(object.spec.endpoints) || size(object.spec.endpoints) == 0))`,
      message: 'a ServiceEntry here may not list addresses or endpoints: they could point outside the cluster',
      reason: 'Forbidden',
    },
    {
      expression: `request.kind.kind != 'WorkloadEntry'`,
      message: 'WorkloadEntries are managed by the platform team: one could register an external address as a mesh workload',
      reason: 'Forbidden',
    },
    {
      expression: `request.kind.kind != 'EnvoyFilter'`,
      message: 'EnvoyFilters are managed by the platform team: one could route around the egress allowlist',
      reason: 'Forbidden',
    },
    {
      expression: `request.kind.kind != 'Sidecar' || !has(object.spec.outboundTrafficPolicy) || !has(object.spec.outboundTrafficPolicy.mode) || object.spec.outboundTrafficPolicy.mode != 'ALLOW_ANY'`,
      message: 'a Sidecar here may not set outboundTrafficPolicy ALLOW_ANY: unlisted hosts would leave through PassthroughCluster',
      reason: 'Forbidden',
    },
  ];
}

/**
 * Self-service bypasses closed at admission: a ValidatingAdmissionPolicy
 * (admissionregistration.k8s.io/v1, Kubernetes 1.30+) and its Deny binding,
 * for every namespace but the stack's own and the exempt ones.
 */
export function renderGuard(o: Options): Resource[] {
  const n = stackNames(o);
  const stackNamespaces = [o.rootNamespace, o.routingNamespace, o.gateway.namespace, n.envoyFilterNamespace, n.destinationRuleNamespace];
  const exempt = [...new Set([...stackNamespaces, ...o.production.exemptNamespaces])];
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: GUARD_NAME },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{
            apiGroups: ['networking.istio.io'],
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['serviceentries', 'workloadentries', 'envoyfilters', 'sidecars'],
          }],
        },
        validations: guardValidations(o.clusterDomain),
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: GUARD_NAME },
      spec: {
        policyName: GUARD_NAME,
        validationActions: ['Deny'],
        matchResources: {
          namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: exempt }] },
        },
      },
    },
  ];
}
