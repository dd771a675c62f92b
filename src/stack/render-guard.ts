import { appNamespaces, type Options } from '../config/options.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../places/host-places.js';
import { stackNames } from './names.js';
import type { Resource } from './resource.js';

/** Name of the ValidatingAdmissionPolicy and its binding (both cluster-scoped); the other two add a suffix. */
export const GUARD_NAME = 'wildcard-egress-guard';

/** One CEL rule of a policy: standard CEL only (no Kubernetes extension library), over `request`, `object`, `oldObject`. */
export interface GuardRule {
  expression: string;
  message: string;
  reason: string;
}

const rule = (expression: string, message: string): GuardRule => ({
  expression,
  message,
  reason: 'Forbidden',
});
const celString = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const celList = (xs: readonly string[]) => `[${xs.map(celString).join(', ')}]`;
const celMap = (m: Record<string, string>) =>
  `{${Object.entries(m)
    .map(([k, v]) => `${celString(k)}: ${celString(v)}`)
    .join(', ')}}`;

/**
 * The rules for every namespace but the stack's own and the exempt ones:
 * each refuses one way a namespace could open its own path out around the
 * list, or attach to the project's gateway.
 */
export function guardValidations(o: Options): GuardRule[] {
  const suffix = `.svc.${o.clusterDomain}`;
  const pods = stackNames(o).podLabels;
  return [
    rule(
      `request.kind.kind != 'ServiceEntry' || !has(object.spec.hosts) || object.spec.hosts.all(h, h.endsWith('${suffix}'))`,
      `a ServiceEntry here may name only in-cluster hosts (*${suffix}): external hosts are allowed through the egress allowlist`,
    ),
    // An in-cluster name with external addresses or endpoints would be a direct path out all the same.
    rule(
      `request.kind.kind != 'ServiceEntry' || ((!has(object.spec.addresses) || size(object.spec.addresses) == 0) && (!has(object.spec.endpoints) || size(object.spec.endpoints) == 0))`,
      'a ServiceEntry here may not list addresses or endpoints: they could point outside the cluster',
    ),
    // Resolution NONE (also the default) forwards to the address the pod dialled: with a TCP port, a catch-all path out.
    rule(
      `request.kind.kind != 'ServiceEntry' || (has(object.spec.resolution) && object.spec.resolution != 'NONE')`,
      'a ServiceEntry here must set a resolution other than NONE: NONE forwards to whatever address the pod dials',
    ),
    rule(
      `request.kind.kind != 'WorkloadEntry'`,
      'WorkloadEntries are managed by the platform team: one could register an external address as a mesh workload',
    ),
    rule(
      `request.kind.kind != 'EnvoyFilter'`,
      'EnvoyFilters are managed by the platform team: one could route around the egress allowlist',
    ),
    // A Sidecar without a mode takes the mesh default (often ALLOW_ANY), and one with a workloadSelector wins over the namespace's.
    rule(
      `request.kind.kind != 'Sidecar' || (has(object.spec.outboundTrafficPolicy) && has(object.spec.outboundTrafficPolicy.mode) && object.spec.outboundTrafficPolicy.mode == 'REGISTRY_ONLY')`,
      'a Sidecar here must say outboundTrafficPolicy.mode: REGISTRY_ONLY: any other mode (or none, the mesh default) lets unlisted hosts out through PassthroughCluster',
    ),
    rule(
      `request.kind.kind != 'Gateway' || (has(object.spec.selector) && !object.spec.selector.all(k, k in ${celMap(pods)} && ${celMap(pods)}[k] == object.spec.selector[k]))`,
      'a Gateway here may not select the egress gateway pods',
    ),
    // NetworkPolicies add up: one that opens egress beyond the cluster's pods would undo the stack's.
    rule(
      `request.kind.kind != 'NetworkPolicy' || !has(object.spec.egress) || object.spec.egress.all(r, has(r.to) && size(r.to) > 0 && r.to.all(p, !has(p.ipBlock)))`,
      'a NetworkPolicy here may allow egress only to pods (podSelector, namespaceSelector): an ipBlock, or a rule without "to", opens the internet around the egress allowlist',
    ),
  ];
}

/** Rules for the pods of the application namespaces: a pod may not step around its proxy. */
export function podValidations(o: Options): GuardRule[] {
  const labelOrAnnotation = (key: string, value: string) =>
    `(has(object.metadata.labels) && ${celString(key)} in object.metadata.labels && object.metadata.labels[${celString(key)}] == ${celString(value)}) || ` +
    `(has(object.metadata.annotations) && ${celString(key)} in object.metadata.annotations && object.metadata.annotations[${celString(key)}] == ${celString(value)})`;
  const excluded = [
    'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    'traffic.sidecar.istio.io/excludeOutboundPorts',
  ];
  const common = [
    rule(
      `!has(object.spec.hostNetwork) || !object.spec.hostNetwork`,
      'a pod here may not use the host network: it would leave without its proxy or its NetworkPolicy',
    ),
  ];
  if (o.mode === 'waypoint') {
    return [
      ...common,
      rule(
        `!(${labelOrAnnotation('istio.io/dataplane-mode', 'none')})`,
        'a pod here may not leave the ambient mesh (istio.io/dataplane-mode: none)',
      ),
    ];
  }
  return [
    ...common,
    rule(
      `!(${labelOrAnnotation('sidecar.istio.io/inject', 'false')})`,
      'a pod here may not turn its sidecar off',
    ),
    rule(
      `!has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k in ${celList(excluded)})`,
      'a pod here may not exclude outbound addresses or ports from its sidecar',
    ),
    rule(
      `!has(object.metadata.annotations) || !('traffic.sidecar.istio.io/includeOutboundIPRanges' in object.metadata.annotations) || object.metadata.annotations['traffic.sidecar.istio.io/includeOutboundIPRanges'] == '*'`,
      'a pod here may not narrow the outbound addresses its sidecar captures',
    ),
    // Traffic from the proxy's own user (1337) is not redirected to the proxy.
    rule(
      `(!has(object.spec.securityContext) || !has(object.spec.securityContext.runAsUser) || object.spec.securityContext.runAsUser != 1337) && object.spec.containers.all(c, c.name == 'istio-proxy' || !has(c.securityContext) || !has(c.securityContext.runAsUser) || c.securityContext.runAsUser != 1337)`,
      "a container here may not run as user 1337, the sidecar's own: its traffic would skip the sidecar",
    ),
  ];
}

const binding = (name: string, namespaceSelector: Record<string, unknown>): Resource => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name },
  spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector } },
});

const namespaceName = (operator: 'In' | 'NotIn', values: string[]) => ({
  matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator, values }],
});

/**
 * Self-service bypasses closed at admission (admissionregistration.k8s.io/v1,
 * Kubernetes 1.30+, Deny bindings, failing closed): the guard on
 * ServiceEntries, WorkloadEntries, EnvoyFilters, Sidecars, Gateways and
 * NetworkPolicies everywhere but the stack's namespaces and the exempt ones
 * (istiod's own requests pass: it registers WorkloadEntries); the stack's
 * NetworkPolicies and Sidecars changed or deleted only by `guardAdmins`; and
 * the application namespaces' pods kept on their proxy.
 */
export function renderGuard(o: Options): Resource[] {
  const n = stackNames(o);
  const stackNamespaces = [
    o.rootNamespace,
    o.routingNamespace,
    o.gateway.namespace,
    n.envoyFilterNamespace,
    n.destinationRuleNamespace,
  ];
  const exempt = [...new Set([...stackNamespaces, ...o.production.exemptNamespaces])];
  const managed = `${GUARD_NAME}-managed`;
  const pods = `${GUARD_NAME}-pods`;
  const apps = appNamespaces(o.production);
  const admins = celList(o.production.guardAdmins);
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: GUARD_NAME },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ['networking.istio.io'],
              apiVersions: ['*'],
              operations: ['CREATE', 'UPDATE'],
              resources: [
                'serviceentries',
                'workloadentries',
                'envoyfilters',
                'sidecars',
                'gateways',
              ],
            },
            {
              apiGroups: ['networking.k8s.io'],
              apiVersions: ['*'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['networkpolicies'],
            },
          ],
        },
        matchConditions: [
          {
            name: 'not-istiod',
            expression: `request.userInfo.username != 'system:serviceaccount:${o.rootNamespace}:istiod'`,
          },
        ],
        validations: guardValidations(o),
      },
    },
    binding(GUARD_NAME, namespaceName('NotIn', exempt)),
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: managed },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ['networking.istio.io'],
              apiVersions: ['*'],
              operations: ['UPDATE', 'DELETE'],
              resources: ['sidecars'],
            },
            {
              apiGroups: ['networking.k8s.io'],
              apiVersions: ['*'],
              operations: ['UPDATE', 'DELETE'],
              resources: ['networkpolicies'],
            },
          ],
        },
        matchConditions: [
          {
            name: 'rendered-by-wildcard-egress',
            expression: `has(oldObject.metadata.labels) && '${MANAGED_BY_LABEL}' in oldObject.metadata.labels && oldObject.metadata.labels['${MANAGED_BY_LABEL}'] == '${MANAGED_BY}'`,
          },
        ],
        validations: [
          rule(
            `request.userInfo.username in ${admins} || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${admins}))`,
            "this object keeps the namespace on the egress allowlist: only the guard's admins (production.guardAdmins) may change or delete it",
          ),
        ],
      },
    },
    binding(managed, namespaceName('NotIn', exempt)),
    ...(apps.length === 0
      ? []
      : [
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingAdmissionPolicy',
            metadata: { name: pods },
            spec: {
              failurePolicy: 'Fail',
              matchConstraints: {
                resourceRules: [
                  {
                    apiGroups: [''],
                    apiVersions: ['v1'],
                    operations: ['CREATE', 'UPDATE'],
                    resources: ['pods'],
                  },
                ],
              },
              validations: podValidations(o),
            },
          },
          binding(pods, namespaceName('In', apps)),
        ]),
  ];
}
