import type { Options } from '../config/options.js';

/** Names the rendered resources use, all derived from the options (defaults give the post's names). */
export function stackNames(o: Options) {
  const gw = o.gateway.name;
  return {
    service: gw,
    deployment: `istio-${gw}`,
    sdsRole: `istio-${gw}-sds`,
    podLabels: { istio: gw },
    gateway: gw,
    destinationRule: gw,
    virtualService: 'direct-wildcard-through-egress-gateway',
    serviceEntry: 'wildcard',
    telemetry: 'mesh-default',
    envoyFilter: 'sni-magic',
    subset: 'wildcard',
    serviceHost: `${gw}.${o.gateway.namespace}.svc.cluster.local`,
    /** Gateway-listener reference used in VirtualService `gateways`: same namespace, plain name. */
    gatewayRef: gw,
    dummyHost: 'dummy.local',
    sniCluster: 'sni_cluster',
    sniListener: 'sni_listener',
    forwardCluster: 'dynamic_forward_proxy_cluster',
  };
}
