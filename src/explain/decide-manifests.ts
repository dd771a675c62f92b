import { isObject, textOf } from '../util/data.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../places/host-places.js';
import { decideWaypointManifests } from './decide-waypoint-manifests.js';
import { followGateway } from './gateway-path.js';
import { direct, routeByHost } from './sidecar-exits.js';
import { listedNames } from './listed-names.js';
import { meshVirtualServices, tlsMatches, visibleServices } from './sidecar-services.js';
import { labelsOf, objects, ofKind, refOf, specOf, type Item } from './manifests.js';
import { nearestEntry } from './nearest-entry.js';
import { leaveFromPod } from './leave-pod.js';
import { podExit } from './network-layers.js';
import { covers, HostMultiIndex, mostSpecific } from '../domains/host-match.js';
import { buildSidecarListener, chainOrigin, pickChain } from './sidecar-listener.js';
import { sidecarScope } from './sidecar-scope.js';
import {
  namespaceOf,
  Path,
  type Explanation,
  type Question,
  type StackMode,
  type Verdict,
} from './types.js';

/** Plain-text protocols of a ServiceEntry port: routed by Host header. */
const HTTP_PROTOCOLS = ['HTTP', 'HTTP2', 'GRPC'];

/** Trust domain of the principals explain checks AuthorizationPolicies against. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/**
 * Why an Istio Gateway is an egress gateway, or undefined when nothing shows
 * it is one (an ingress Gateway beside a sidecar-mode stack): it selects the
 * egress gateway pods (`istio: egressgateway`), or a VirtualService binds it
 * together with `mesh`, routing sidecars' traffic to it.
 */
function egressGatewayBy(gateway: Item, items: readonly Item[]): string | undefined {
  const selector = specOf(gateway).selector;
  if (isObject(selector) && selector.istio === 'egressgateway')
    return 'is an Istio Gateway selecting istio: egressgateway';
  const ns = textOf(gateway.metadata?.namespace);
  const name = textOf(gateway.metadata?.name);
  const binder = ofKind(items, 'VirtualService').find((vs) => {
    const gateways = specOf(vs).gateways;
    if (!Array.isArray(gateways) || !gateways.includes('mesh')) return false;
    const own = textOf(vs.metadata?.namespace);
    return gateways.some(
      (g) => g === `${ns}/${name}` || (g === name && (own === ns || own === '')),
    );
  });
  return binder ? `is the Istio Gateway ${refOf(binder)} binds with mesh` : undefined;
}

/** Which forwarder the manifests hold, and the resource that shows it. */
export function detectMode(items: readonly Item[]): { mode: StackMode; because: string } {
  // The stack's own items, where the manifests hold them, say its mode; a user's gateway beside them does not.
  const ours = items.filter((i) => labelsOf(i)[MANAGED_BY_LABEL] === MANAGED_BY);
  return modeOf(ours.length > 0 ? ours : items);
}

function modeOf(items: readonly Item[]): { mode: StackMode; because: string } {
  const waypoint = items.find(
    (i) =>
      i.kind === 'Gateway' &&
      String(i.apiVersion).startsWith('gateway.networking.k8s.io/') &&
      specOf(i).gatewayClassName === 'istio-waypoint',
  );
  if (waypoint)
    return { mode: 'waypoint', because: `${refOf(waypoint)} is an istio-waypoint Gateway` };
  const forwarder = ofKind(items, 'EnvoyFilter').find((ef) =>
    objects(specOf(ef).configPatches).some(
      (p) =>
        p.applyTo === 'LISTENER' &&
        isObject(p.patch) &&
        isObject(p.patch.value) &&
        'internal_listener' in p.patch.value,
    ),
  );
  if (forwarder)
    return {
      mode: 'egress-gateway',
      because: `${refOf(forwarder)} adds internal listeners at a gateway`,
    };
  const gateway = ofKind(items, 'Gateway', 'networking.istio.io').find((g) =>
    egressGatewayBy(g, items),
  );
  if (gateway)
    return {
      mode: 'egress-gateway',
      because: `${refOf(gateway)} ${egressGatewayBy(gateway, items)}`,
    };
  return {
    mode: 'sidecar',
    because: 'no egress gateway or waypoint in the manifests: the sidecars forward by ServiceEntry',
  };
}

/**
 * Decides from manifests by simulating the path of one connection: the
 * namespace's Sidecar (imports, outbound policy), the ServiceEntries and
 * VirtualService tls matches it sees on the port, the filter chain Envoy picks
 * by SNI, then the egress gateway (egress-gateway mode), the pod's own exit
 * (sidecar mode, or a path that skips the gateway), or the waypoint.
 */
export function decideManifests(
  items: readonly Item[],
  q: Question,
  trustDomain = DEFAULT_TRUST_DOMAIN,
): Explanation {
  const ns = namespaceOf(q);
  const { mode, because } = detectMode(items);
  const path = new Path(mode);
  path.note({ layer: 'stack', detail: `${mode} mode: ${because}` });
  const verdict =
    mode === 'waypoint'
      ? decideWaypointManifests(items, path, q, trustDomain)
      : decideSidecarPath(items, path, q, mode, trustDomain);
  // An unknown path says what is missing; a listed name near the host would not add to it.
  if (verdict !== 'allowed' && verdict !== 'unknown' && !path.nearest) {
    const near = nearestEntry(
      q.host,
      q.port,
      listedNames(items, mode, q, ns, trustDomain),
      verdict,
    );
    if (near) path.nearest = near;
  }
  return path.explanation(verdict, q);
}

function decideSidecarPath(
  items: readonly Item[],
  path: Path,
  q: Question,
  mode: StackMode,
  trustDomain: string,
): Verdict {
  const ns = namespaceOf(q);
  const scope = sidecarScope(items, ns, q.registryOnly);
  const policy = scope.registryOnly ? 'REGISTRY_ONLY' : 'ALLOW_ANY';
  path.pass({
    layer: 'sidecar',
    ...(scope.policySource.resource
      ? { resource: scope.policySource.resource, field: scope.policySource.field!, value: policy }
      : { value: policy }),
    detail: scope.resource
      ? `the Sidecar of ${ns}: ${scope.registryOnly ? 'unknown hosts go to BlackHoleCluster' : 'unknown hosts go to PassthroughCluster'}`
      : `no Sidecar applies to ${ns}: ${scope.policySource.detail}`,
  });
  const unknown = (detail: string) => {
    const exit = scope.registryOnly ? 'BlackHoleCluster' : 'PassthroughCluster';
    const step = {
      layer: 'sidecar',
      ...(scope.policySource.resource
        ? { resource: scope.policySource.resource, field: scope.policySource.field! }
        : {}),
      value: policy,
      detail: `${detail}: the connection goes to ${exit}`,
    };
    if (scope.registryOnly) return path.end('refused', step);
    return leaveFromPod(path, 'passthrough', step, podExit(items, ns, q.host, q.port));
  };

  const { services, rejected } = visibleServices(items, ns, scope, q.port, q.host);
  for (const r of rejected)
    path.note({
      layer: 'service',
      resource: r.resource,
      field: r.field,
      value: r.host,
      detail: `istiod's validation refuses this ServiceEntry: ${r.reason}. The cluster never holds it (kubectl apply fails); explain leaves it out`,
    });
  const own = services.filter((s) => covers(s.host, q.host));
  const best = mostSpecific(
    own.map((s) => s.host),
    q.host,
  );
  if (own.length > 0) {
    const s = own.find((x) => x.host === best) ?? own[0];
    const imported = scope.imports(s.namespace, s.host, q.port)!;
    path.pass({
      layer: 'service',
      resource: s.resource,
      field: s.field,
      value: s.host,
      detail: `${ns} sees this ServiceEntry host on port ${q.port} (${s.protocol || 'no protocol'}, resolution ${s.resolution})${imported.field ? `, imported by ${scope.resource} ${imported.field}: ${imported.value}` : ''}`,
    });
  }
  if (services.length === 0)
    return unknown(
      `no ServiceEntry ${ns} sees has port ${q.port}: the sidecar has no listener for it`,
    );
  const vss = meshVirtualServices(items, ns, scope, q.port);
  // A plain-text port routes by Host header, not SNI: a mesh-bound VirtualService's http route, else the ServiceEntry.
  const http = own.find((s) => s.host === best && HTTP_PROTOCOLS.includes(s.protocol));
  if (http) return routeByHost(items, path, q, mode, http, vss, services, trustDomain);

  const { byService, labelled } = tlsMatches(vss, ns, q.port, q.host);
  for (const m of labelled)
    path.note({
      layer: 'route',
      resource: m.resource,
      field: `${m.field}.sourceLabels`,
      detail: `this match applies only to pods with its sourceLabels, which explain does not know: decided for pods without them`,
    });
  // Every VirtualService host in one index: a service's routes cost one lookup per label, not one per VirtualService.
  const owner = byService.flatMap((v, i) => v.hosts.map(() => i));
  const vsHosts = new HostMultiIndex(byService.flatMap((v) => v.hosts));
  const listener = buildSidecarListener(
    services.filter((s) => s.protocol === 'TLS' || s.protocol === 'HTTPS'),
    (s) =>
      [...new Set(vsHosts.overlapping(s.host).map((k) => owner[k]))].flatMap(
        (i) => byService[i].matches,
      ),
  );
  if (listener.rejected) {
    const a = chainOrigin(listener.rejected.first);
    const b = chainOrigin(listener.rejected.second);
    return unknown(
      `${ns}'s sidecar listener 0.0.0.0_${q.port} is refused by Envoy: server name ${listener.rejected.name} is in two filter chains (${a.resource} ${a.field} and ${b.resource} ${b.field}, "overlapping matching rules"), so new pods get no listener on ${q.port}`,
    );
  }
  const chain = pickChain(listener, q.host);
  if (!chain)
    return unknown(
      `no filter chain of ${ns}'s listener 0.0.0.0_${q.port} matches ${q.host}${own.length === 0 ? ', and no ServiceEntry it sees lists it' : ''}`,
    );
  const origin = chainOrigin(chain);
  const name = chain.serverNames.find((n) => covers(n, q.host)) ?? '*';
  if (chain.via.kind === 'route') {
    const m = chain.via.match;
    const k = m.sniHosts.indexOf(name);
    path.pass({
      layer: 'route',
      resource: m.resource,
      field: `${m.field}.sniHosts${k >= 0 ? `[${k}]` : ''}`,
      value: name,
      detail: `the filter chain Envoy picks on 0.0.0.0_${q.port} (${name === q.host ? 'exact name' : 'longest matching wildcard'}) sends to ${m.destination.host}${m.destination.port ? ` port ${m.destination.port}` : ''}`,
    });
    const svc = services.find((s) => s.host === m.destination.host.toLowerCase());
    if (svc) return direct(items, path, q, mode, svc);
    return followGateway(
      items,
      path,
      m.destination,
      m.namespace,
      { host: q.host, port: q.port, namespace: ns, trustDomain },
      'tls',
    );
  }
  path.note({
    layer: 'route',
    resource: origin.resource,
    field: origin.field,
    value: name,
    detail: `no tls route applies to ${ns} for this ServiceEntry on port ${q.port}: istiod builds its default chain, straight to the host`,
  });
  return direct(items, path, q, mode, chain.via.service);
}
