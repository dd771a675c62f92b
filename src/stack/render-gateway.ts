import type { Options } from '../config/options.js';
import { stackNames } from './names.js';
import type { Resource } from './resource.js';

/**
 * Part 1 of the post: the egress gateway itself (Service, injected Deployment,
 * and the Role/RoleBinding that let it read TLS credentials).
 */
export function renderGateway(o: Options): Resource[] {
  const n = stackNames(o);
  const ns = o.gateway.namespace;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: n.service, namespace: ns },
      spec: {
        type: 'ClusterIP',
        selector: { ...n.podLabels },
        ports: [{ port: o.gateway.servicePort, name: 'tls-egress', targetPort: o.gateway.targetPort }],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: n.deployment, namespace: ns },
      spec: {
        selector: { matchLabels: { ...n.podLabels } },
        template: {
          metadata: {
            annotations: { 'inject.istio.io/templates': 'gateway' },
            labels: { ...n.podLabels, 'sidecar.istio.io/inject': 'true' },
          },
          spec: {
            containers: [
              {
                name: 'istio-proxy',
                // Istio's injector replaces "auto" with the proxy image at pod start.
                image: 'auto',
                securityContext: { capabilities: { drop: ['ALL'] }, runAsUser: 1337, runAsGroup: 1337 },
              },
            ],
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
