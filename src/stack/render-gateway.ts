import type { Options } from '../config/options.js';
import type { DomainPlan } from '../domains/plan.js';
import { stackNames } from './names.js';
import type { Resource } from './resource.js';
import { ABSENT } from '../krm/emit-yaml.js';

/**
 * Part 1 of the post: the egress gateway itself (Service, injected Deployment,
 * and the Role/RoleBinding that let it read TLS credentials).
 */
export function renderGateway(o: Options, plan: DomainPlan): Resource[] {
  const n = stackNames(o);
  const ns = o.gateway.namespace;
  const ha = o.production.highAvailability;
  const namespace: Resource[] = o.gateway.createNamespace
    ? [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]
    : [];
  return [
    ...namespace,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: n.service, namespace: ns },
      spec: {
        type: 'ClusterIP',
        selector: { ...n.selector },
        ports: plan.lanes.map((l) => ({
          port: l.servicePort,
          name: l.portName,
          targetPort: l.gatewayPort,
        })),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: n.deployment, namespace: ns },
      spec: {
        // With high availability the HorizontalPodAutoscaler owns the replica count: a `replicas` here would
        // reset it on every GitOps sync, so one already written is removed.
        ...(ha ? { replicas: ABSENT } : {}),
        selector: { matchLabels: { ...n.deploymentSelector } },
        template: {
          metadata: {
            annotations: { 'inject.istio.io/templates': 'gateway' },
            labels: { ...n.templateLabels },
          },
          spec: {
            containers: [
              {
                name: 'istio-proxy',
                // Istio's injector replaces "auto" with the proxy image at pod start.
                image: 'auto',
                securityContext: {
                  capabilities: { drop: ['ALL'] },
                  runAsUser: 1337,
                  runAsGroup: 1337,
                },
                ...(ha
                  ? { resources: { requests: { cpu: ha.cpuRequest, memory: ha.memoryRequest } } }
                  : {}),
              },
            ],
            ...(ha
              ? {
                  // Spread over zones (and hosts) so one zone or node going down leaves gateways running.
                  topologySpreadConstraints: [ha.zoneKey, 'kubernetes.io/hostname'].map(
                    (topologyKey) => ({
                      maxSkew: 1,
                      topologyKey,
                      whenUnsatisfiable: 'ScheduleAnyway',
                      labelSelector: { matchLabels: { ...n.selector } },
                    }),
                  ),
                }
              : {}),
          },
        },
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: n.sdsRole, namespace: ns },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] },
        {
          apiGroups: ['security.openshift.io'],
          resourceNames: ['anyuid'],
          resources: ['securitycontextconstraints'],
          verbs: ['use'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: n.sdsRole, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: n.sdsRole },
      subjects: [{ kind: 'ServiceAccount', name: 'default' }],
    },
  ];
}
