import type { GatewayPods } from './gateway-pods.js';
import type { Item } from './manifests.js';
import { podExit, type ExitVerdict } from './network-layers.js';
import type { Path, Step, Verdict } from './types.js';

/**
 * A connection that leaves from the application pod itself (PassthroughCluster,
 * an original-destination chain, a ServiceEntry the sidecar resolves): the
 * namespace's NetworkPolicy has the last word. One that refuses external
 * egress on the port turns the verdict into `refused`, naming what Istio alone
 * would have done.
 */
export function leaveFromPod(
  path: Path,
  verdict: Verdict,
  step: Omit<Step, 'outcome'>,
  np: ExitVerdict,
): Verdict {
  const by = np.by ?? 'NetworkPolicy';
  if (np.kind === 'refuses') {
    path.note({ ...step, detail: `${step.detail} (${verdict} as far as Istio goes)` });
    return path.end('refused', {
      layer: np.by ? 'cilium' : 'network',
      resource: np.resource,
      detail: `${by}: ${np.detail}`,
    });
  }
  const npStep =
    np.kind === 'admits'
      ? {
          layer: np.by ? 'cilium' : 'network',
          resource: np.resource,
          field: np.field,
          detail: `${by} ${np.detail}`,
        }
      : { layer: 'network', detail: np.detail };
  if (verdict === 'allowed') {
    path.pass(step);
    path.pass(npStep);
    return 'allowed';
  }
  path.note(npStep);
  return path.end(verdict, step);
}

/**
 * A connection the gateway dials out to `host` on `port`: the gateway pods'
 * own NetworkPolicy (and CiliumNetworkPolicies) have the last word (a policy
 * selecting them by their labels counts). Ends the path allowed, or refused.
 */
export function leaveFromGateway(
  items: readonly Item[],
  path: Path,
  pods: GatewayPods,
  host: string,
  port: number,
): Verdict {
  const np = podExit(items, pods.namespace, host, port, pods.labels);
  if (np.kind === 'refuses')
    return path.end('refused', {
      layer: np.by ? 'cilium' : 'network',
      resource: np.resource,
      detail: `the gateway pods may not leave: ${np.by ? `${np.by}: ` : ''}${np.detail}`,
    });
  if (np.kind === 'admits')
    path.pass({
      layer: np.by ? 'cilium' : 'network',
      resource: np.resource,
      field: np.field,
      detail: `the gateway's ${np.by ?? 'NetworkPolicy'} ${np.detail}`,
    });
  return 'allowed';
}
