import type { Options } from '../config/options.js';

/** Name of every production resource the function renders in an application namespace. */
export const APP_RESOURCE_NAME = 'wildcard-egress';

/** Label every gateway pod of this project carries; every selector of the stack selects on it alone. */
export const GATEWAY_LABEL = 'wildcard-egress.dev/gateway';

/**
 * Names the rendered resources use, all derived from the options (defaults
 * give the post's names).
 */
export function stackNames(o: Options) {
  const gw = o.gateway.name;
  // istiod reads EnvoyFilters only from the root namespace or the proxy's own, and DestinationRules
  // only from the client's, the Service's or the root namespace: outside the root namespace both go
  // to the gateway's namespace. A Telemetry outside the root namespace covers only its own namespace.
  const inRoot = o.routingNamespace === o.rootNamespace;
  return {
    service: gw,
    deployment: `istio-${gw}`,
    sdsRole: `istio-${gw}-sds`,
    /** The pods' labels: the post's `istio` label (the Deployment selects on it) and this project's own. */
    podLabels: { istio: gw, [GATEWAY_LABEL]: gw },
    /** The labels the Deployment's pod template writes: the pods' own and the injection switch. */
    templateLabels: { istio: gw, [GATEWAY_LABEL]: gw, 'sidecar.istio.io/inject': 'true' },
    /** What every selector of the stack selects: only pods of this project, never a stock `istio: egressgateway`. */
    selector: { [GATEWAY_LABEL]: gw },
    /** The Deployment's selector stays the post's: it is immutable on existing installs. */
    deploymentSelector: { istio: gw },
    gateway: gw,
    destinationRule: gw,
    destinationRuleNamespace: inRoot ? o.routingNamespace : o.gateway.namespace,
    virtualService: 'direct-wildcard-through-egress-gateway',
    serviceEntry: 'wildcard',
    telemetry: 'mesh-default',
    telemetryNamespace: o.rootNamespace,
    envoyFilter: 'sni-magic',
    envoyFilterNamespace: inRoot ? o.routingNamespace : o.gateway.namespace,
    subset: 'wildcard',
    serviceHost: `${gw}.${o.gateway.namespace}.svc.${o.clusterDomain}`,
    /** Gateway-listener reference used in VirtualService `gateways`: same namespace, plain name. */
    gatewayRef: gw,
    dummyHost: 'dummy.local',
    sniListener: 'sni_listener',
    forwardCluster: 'dynamic_forward_proxy_cluster',
  };
}

/**
 * API versions of the rendered kinds: the post's (v1alpha3 networking, v1alpha1 telemetry for
 * its mesh-wide Telemetry) unless the config names an Istio version, then v1 (served since 1.22).
 * EnvoyFilter has no other version.
 */
export function apiVersions(o: Options) {
  const v1 = o.istioMinor !== undefined;
  return {
    networking: v1 ? 'networking.istio.io/v1' : 'networking.istio.io/v1alpha3',
    meshTelemetry: v1 ? 'telemetry.istio.io/v1' : 'telemetry.istio.io/v1alpha1',
    envoyFilter: 'networking.istio.io/v1alpha3',
  };
}
