import { ciliumExternal, ciliumPeer } from './cilium-policy.js';
import type { Item } from './manifests.js';
import {
  networkVerdict,
  podPeerVerdict,
  type NetworkVerdict,
  type PodPeerVerdict,
} from './network-policy.js';

/**
 * The network layers of one hop, together: Kubernetes NetworkPolicies and,
 * where CiliumNetworkPolicies select the pod, Cilium's. Cilium enforces
 * both from one repository of allow rules, so a hop passes when either
 * admits it and a pod any of them selects is denied the rest. Without a
 * CiliumNetworkPolicy for the pod, the NetworkPolicies alone decide.
 */

/** A verdict and the kind of policy it comes from (NetworkPolicy unless said). */
export type ExitVerdict = NetworkVerdict & { by?: string };
export type HopVerdict = PodPeerVerdict & { by?: string };

const CNP = 'CiliumNetworkPolicy';

/** Egress from a pod of `namespace` (labels when known) to `host` outside the cluster on TCP `port`. */
export function podExit(
  items: readonly Item[],
  namespace: string,
  host: string,
  port: number,
  labels?: Record<string, unknown>,
): ExitVerdict {
  const np = networkVerdict(items, namespace, port, labels);
  const cil = ciliumExternal(items, namespace, host, port, labels);
  if (cil.kind === 'none') return np;
  if (cil.kind === 'admits')
    return {
      kind: 'admits',
      resource: cil.resource,
      field: cil.field,
      detail: cil.detail,
      by: CNP,
    };
  if (np.kind === 'admits') return np;
  return {
    kind: 'refuses',
    resource: [cil.resource, ...(np.kind === 'refuses' ? [np.resource] : [])].join(', '),
    detail: np.kind === 'refuses' ? `${cil.detail}; NetworkPolicy: ${np.detail}` : cil.detail,
    by: CNP,
  };
}

/** Egress from a pod of `namespace` to pods of the cluster on TCP `port` (the pod port). */
export function podHop(
  items: readonly Item[],
  namespace: string,
  to: { namespace: string; labels: Record<string, unknown>; port: number; what: string },
): HopVerdict {
  const np = podPeerVerdict(items, namespace, to);
  const cil = ciliumPeer(items, namespace, to);
  if (cil.kind === 'none') return np;
  if (cil.kind === 'admits')
    return {
      kind: 'admits',
      resource: cil.resource,
      field: cil.field,
      detail: cil.detail,
      by: CNP,
    };
  if (np.kind === 'admits') return np;
  if (np.kind === 'unknown') return np;
  return {
    kind: 'refuses',
    resource: [cil.resource, ...(np.kind === 'refuses' ? [np.resource] : [])].join(', '),
    detail: np.kind === 'refuses' ? `${cil.detail}; NetworkPolicy: ${np.detail}` : cil.detail,
    by: CNP,
  };
}
