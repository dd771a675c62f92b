import { appNamespaces, type Options } from '../config/options.js';
import {
  ADOPTED_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OPT_IN_ANNOTATION,
} from '../places/host-places.js';
import { celList, rule, type GuardRule, type GuardVariable } from './guard-cel.js';
import {
  ambientPodValidations,
  hostNetworkRule,
  podVariables,
  sidecarPodValidations,
} from './guard-pod-rules.js';
import {
  byAdmins,
  ciliumClusterwideRule,
  ciliumEnvoyConfigRule,
  ciliumNetworkPolicyRules,
} from './guard-cilium-rules.js';
import { guardValidations } from './guard-rules.js';
import { GATEWAY_LABEL, stackNames } from './names.js';
import type { Resource } from './resource.js';

/** Name of the ValidatingAdmissionPolicy and its binding (both cluster-scoped); the others add a suffix. */
export const GUARD_NAME = 'wildcard-egress-guard';

/**
 * The cluster's own controllers, which the guard never stops: the namespace
 * controller deletes every object of a namespace being deleted (refused, the
 * namespace would hang in Terminating), the garbage collector deletes and
 * updates owned objects. They act as these service accounts with
 * --use-service-account-credentials (kubernetes/kubernetes
 * cmd/kube-controller-manager/app/core.go), as the controller manager's own
 * user without it.
 */
export const CLUSTER_CONTROLLERS = [
  'system:serviceaccount:kube-system:namespace-controller',
  'system:serviceaccount:kube-system:generic-garbage-collector',
  'system:kube-controller-manager',
];

const notClusterControllers = {
  name: 'not-cluster-controllers',
  expression: `!(request.userInfo.username in ${celList(CLUSTER_CONTROLLERS)})`,
};

/** Rules for the pods of the application namespaces: a pod may not step around its proxy. */
export function podValidations(o: Options): GuardRule[] {
  return [
    hostNetworkRule,
    ...(o.mode === 'waypoint' ? ambientPodValidations() : sidecarPodValidations(o)),
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

const resources = (group: string, operations: string[], names: string[]) => ({
  apiGroups: [group],
  apiVersions: group === '' ? ['v1'] : ['*'],
  operations,
  resources: names,
});

const policy = (
  name: string,
  spec: {
    resourceRules: ReturnType<typeof resources>[];
    matchConditions?: { name: string; expression: string }[];
    variables?: GuardVariable[];
    validations: GuardRule[];
  },
): Resource => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: { resourceRules: spec.resourceRules },
    matchConditions: [...(spec.matchConditions ?? []), notClusterControllers],
    ...(spec.variables ? { variables: spec.variables } : {}),
    validations: spec.validations,
  },
});

/** The namespaces the main guard policy leaves alone: the stack's own and production.exemptNamespaces. */
export function guardExemptNamespaces(o: Options): string[] {
  const n = stackNames(o);
  const stackNamespaces = [
    o.rootNamespace,
    o.routingNamespace,
    o.gateway.namespace,
    n.envoyFilterNamespace,
    n.destinationRuleNamespace,
  ];
  return [...new Set([...stackNamespaces, ...o.production.exemptNamespaces])];
}

/**
 * Self-service bypasses closed at admission (admissionregistration.k8s.io/v1,
 * Kubernetes 1.30+, Deny bindings, failing closed, the cluster's own
 * controllers let through): the guard on ServiceEntries, WorkloadEntries,
 * WorkloadGroups, EnvoyFilters, ProxyConfigs, Sidecars, Gateways and
 * NetworkPolicies everywhere but the stack's namespaces and the exempt ones
 * (istiod's own requests pass: it registers WorkloadEntries); the
 * NetworkPolicies and Sidecars the function renders or adopts changed or
 * deleted only by `guardAdmins`; the application namespaces' pods kept on
 * their proxy; and the gateway's label kept to the gateway's namespace.
 */
export function renderGuard(o: Options): Resource[] {
  const exempt = guardExemptNamespaces(o);
  const managed = `${GUARD_NAME}-managed`;
  const pods = `${GUARD_NAME}-pods`;
  const gatewayLabel = `${GUARD_NAME}-gateway-label`;
  const clusterwide = `${GUARD_NAME}-cilium-clusterwide`;
  const apps = appNamespaces(o.production);
  const admins = celList(o.production.guardAdmins);
  const istiod = `system:serviceaccount:${o.production.istiodNamespace}:istiod`;
  const was = (what: string) => `oldObject != null && has(oldObject.metadata.${what})`;
  return [
    policy(GUARD_NAME, {
      resourceRules: [
        resources(
          'networking.istio.io',
          ['CREATE', 'UPDATE'],
          [
            'serviceentries',
            'workloadentries',
            'workloadgroups',
            'envoyfilters',
            'proxyconfigs',
            'sidecars',
            'gateways',
          ],
        ),
        resources('networking.k8s.io', ['CREATE', 'UPDATE'], ['networkpolicies']),
        resources(
          'cilium.io',
          ['CREATE', 'UPDATE'],
          ['ciliumnetworkpolicies', 'ciliumenvoyconfigs'],
        ),
      ],
      // istiod, revisioned or not (its service account is istiod-<revision> then), registers WorkloadEntries.
      matchConditions: [
        {
          name: 'not-istiod',
          expression: `request.userInfo.username != '${istiod}' && !request.userInfo.username.startsWith('${istiod}-')`,
        },
      ],
      validations: [
        ...guardValidations(o),
        ...ciliumNetworkPolicyRules(o, admins),
        ciliumEnvoyConfigRule(admins),
      ],
    }),
    binding(GUARD_NAME, namespaceName('NotIn', exempt)),
    policy(managed, {
      resourceRules: [
        resources('networking.istio.io', ['UPDATE', 'DELETE'], ['sidecars']),
        resources('networking.k8s.io', ['UPDATE', 'DELETE'], ['networkpolicies']),
        resources('cilium.io', ['UPDATE', 'DELETE'], ['ciliumnetworkpolicies']),
      ],
      // Rendered ones carry the managed-by label; a namespace's own Sidecar that the function adopted carries the
      // mark of adoption (the reconcile writes it when it puts the list into that Sidecar); an opted-in one
      // carries the list's annotation.
      matchConditions: [
        {
          name: 'rendered-or-adopted-by-wildcard-egress',
          expression: `(${was('labels')} && '${MANAGED_BY_LABEL}' in oldObject.metadata.labels && oldObject.metadata.labels['${MANAGED_BY_LABEL}'] == '${MANAGED_BY}') || (${was('annotations')} && ('${OPT_IN_ANNOTATION}' in oldObject.metadata.annotations || '${ADOPTED_ANNOTATION}' in oldObject.metadata.annotations))`,
        },
      ],
      validations: [
        rule(
          byAdmins(admins),
          "this object keeps the namespace on the egress allowlist: only the guard's admins (production.guardAdmins) may change or delete it",
        ),
      ],
    }),
    binding(managed, namespaceName('NotIn', exempt)),
    // Cluster-scoped: the binding has no namespace to select by.
    policy(clusterwide, {
      resourceRules: [
        resources('cilium.io', ['CREATE', 'UPDATE'], ['ciliumclusterwidenetworkpolicies']),
      ],
      validations: [ciliumClusterwideRule(o, admins)],
    }),
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: clusterwide },
      spec: { policyName: clusterwide, validationActions: ['Deny'] },
    },
    ...(apps.length === 0
      ? []
      : [
          policy(pods, {
            resourceRules: [
              resources('', ['CREATE', 'UPDATE'], ['pods', 'pods/ephemeralcontainers']),
            ],
            ...(o.mode === 'waypoint' ? {} : { variables: podVariables(o) }),
            validations: podValidations(o),
          }),
          binding(pods, namespaceName('In', apps)),
        ]),
    // The lane EnvoyFilters select the gateway's label (from the root namespace, in every namespace): a pod
    // elsewhere that carried it would get the lanes without the gateway namespace's AuthorizationPolicy.
    ...(o.mode !== 'egress-gateway'
      ? []
      : [
          policy(gatewayLabel, {
            resourceRules: [resources('', ['CREATE', 'UPDATE'], ['pods'])],
            validations: [
              rule(
                `!has(object.metadata.labels) || !('${GATEWAY_LABEL}' in object.metadata.labels)`,
                `the label ${GATEWAY_LABEL} is reserved for the egress gateway's pods in ${o.gateway.namespace}`,
              ),
            ],
          }),
          binding(gatewayLabel, namespaceName('NotIn', [o.gateway.namespace])),
        ]),
  ];
}
