import { isObject, textOf } from '../util/data.js';
import { decideWaypointManifests } from './decide-waypoint-manifests.js';
import { gatewayListedNames, followGateway } from './gateway-path.js';
import {
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import { nearestEntry, type ListedName } from './nearest-entry.js';
import { leaveFromPod } from './leave-pod.js';
import { networkVerdict } from './network-policy.js';
import { HostIndex } from '../domains/host-match.js';
import { covers, mostSpecific } from '../domains/host-match.js';
import {
  buildSidecarListener,
  chainOrigin,
  pickChain,
  type ServiceView,
  type TlsMatchView,
} from './sidecar-listener.js';
import { exportedTo, sidecarScope, type SidecarScope } from './sidecar-scope.js';
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

/** Which forwarder the manifests hold, and the resource that shows it. */
export function detectMode(items: readonly Item[]): { mode: StackMode; because: string } {
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
  const gateway = ofKind(items, 'Gateway', 'networking.istio.io')[0];
  if (gateway) return { mode: 'egress-gateway', because: `${refOf(gateway)} is an Istio Gateway` };
  return {
    mode: 'sidecar',
    because: 'no egress gateway or waypoint in the manifests: the sidecars forward by ServiceEntry',
  };
}

/** The (host, port) services a namespace's sidecars see on a port: ServiceEntries it can see and imports, port by port. */
function visibleServices(
  items: readonly Item[],
  ns: string,
  scope: SidecarScope,
  port: number,
): ServiceView[] {
  const out: ServiceView[] = [];
  for (const se of ofKind(items, 'ServiceEntry')) {
    const spec = specOf(se);
    const seNs = namespaceOfItem(se);
    if (!exportedTo(spec.exportTo, seNs, ns)) continue;
    const ports = objects(spec.ports);
    const p = ports.findIndex((x) => Number(x.number) === port);
    if (p < 0) continue;
    strings(spec.hosts).forEach((host, k) => {
      if (!scope.imports(seNs, host, port)) return;
      out.push({
        resource: refOf(se),
        namespace: seNs,
        field: `spec.hosts[${k}]`,
        host: host.toLowerCase(),
        resolution: textOf(spec.resolution, 'NONE'),
        portField: `spec.ports[${p}]`,
        protocol: textOf(ports[p].protocol).toUpperCase(),
      });
    });
  }
  return out;
}

/** The mesh-bound tls matches of VirtualServices a namespace sees and imports that apply to it on the port, per service host. */
function tlsMatches(
  items: readonly Item[],
  ns: string,
  scope: SidecarScope,
  port: number,
): { hosts: HostIndex; namespace: string; matches: TlsMatchView[] }[] {
  return ofKind(items, 'VirtualService').flatMap((vs) => {
    const spec = specOf(vs);
    const vsNs = namespaceOfItem(vs);
    const gateways = strings(spec.gateways);
    if (!exportedTo(spec.exportTo, vsNs, ns) || (gateways.length > 0 && !gateways.includes('mesh')))
      return [];
    const hosts = strings(spec.hosts).map((h) => h.toLowerCase());
    if (!hosts.some((h) => scope.imports(vsNs, h, port))) return [];
    const matches: TlsMatchView[] = [];
    objects(spec.tls).forEach((t, i) => {
      const route = objects(t.route)[0];
      const d = route && isObject(route.destination) ? route.destination : {};
      objects(t.match).forEach((m, j) => {
        const mg = strings(m.gateways);
        if (mg.length > 0 && !mg.includes('mesh')) return;
        if (isObject(m.sourceLabels) && Object.keys(m.sourceLabels).length > 0) return;
        if (m.port !== undefined && Number(m.port) !== port) return;
        if (m.sourceNamespace !== undefined && m.sourceNamespace !== ns) return;
        matches.push({
          resource: refOf(vs),
          namespace: vsNs,
          field: `spec.tls[${i}].match[${j}]`,
          sniHosts: strings(m.sniHosts).map((h) => h.toLowerCase()),
          destination: {
            host: textOf(d.host),
            ...(isObject(d.port) ? { port: Number(d.port.number) } : {}),
            ...(typeof d.subset === 'string' ? { subset: d.subset } : {}),
          },
        });
      });
    });
    return [{ hosts: new HostIndex(hosts), namespace: vsNs, matches }];
  });
}

/** Listed names for a refusal's nearest entry: the gateway's listeners, else the ServiceEntries. */
function listedNames(
  items: readonly Item[],
  mode: StackMode,
  q: Question,
  ns: string,
  trustDomain: string,
): ListedName[] {
  if (mode === 'egress-gateway') {
    const names = gatewayListedNames(items, {
      host: q.host,
      port: q.port,
      namespace: ns,
      trustDomain,
    });
    if (names.length > 0) return names;
  }
  return ofKind(items, 'ServiceEntry').flatMap((se) =>
    strings(specOf(se).hosts).map((h, k) => ({
      name: h.toLowerCase(),
      resource: refOf(se),
      field: `spec.hosts[${k}]`,
      value: h,
      ports: objects(specOf(se).ports).map((p) => Number(p.number)),
      forNamespace: exportedTo(specOf(se).exportTo, namespaceOfItem(se), ns),
      scope: `the namespaces of its exportTo (${strings(specOf(se).exportTo).join(', ') || '*'})`,
    })),
  );
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
  if (verdict !== 'allowed' && !path.nearest) {
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
    return leaveFromPod(path, 'passthrough', step, networkVerdict(items, ns, q.port));
  };

  const services = visibleServices(items, ns, scope, q.port);
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
  // A plain-text port routes by Host header, not SNI: the most specific ServiceEntry host on it decides (native modes).
  const http = own.find((s) => s.host === best && HTTP_PROTOCOLS.includes(s.protocol));
  if (http) {
    path.note({
      layer: 'route',
      resource: http.resource,
      field: http.portField,
      value: http.protocol,
      detail: `an ${http.protocol} port: the sidecar routes by Host header to this ServiceEntry`,
    });
    return direct(items, path, q, mode, http);
  }

  const vss = tlsMatches(items, ns, scope, q.port);
  const listener = buildSidecarListener(
    services.filter((s) => s.protocol === 'TLS' || s.protocol === 'HTTPS'),
    (s) => vss.filter((v) => v.hosts.overlapping(s.host) >= 0).flatMap((v) => v.matches),
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
    return followGateway(items, path, m.destination, m.namespace, {
      host: q.host,
      port: q.port,
      namespace: ns,
      trustDomain,
    });
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

/** A chain that goes straight to a ServiceEntry host: original destination (a bypass), or the ServiceEntry's own resolution. */
function direct(
  items: readonly Item[],
  path: Path,
  q: Question,
  mode: StackMode,
  s: ServiceView,
): Verdict {
  const ns = namespaceOf(q);
  const np = networkVerdict(items, ns, q.port);
  if (s.resolution === 'NONE') {
    return leaveFromPod(
      path,
      'bypass',
      {
        layer: 'route',
        resource: s.resource,
        field: s.field,
        value: s.host,
        detail: `resolution NONE: an ORIGINAL_DST cluster sends the connection to whatever address the app dialled, skipping ${mode === 'egress-gateway' ? 'the egress gateway' : 'any name check'}`,
      },
      np,
    );
  }
  if (mode === 'egress-gateway') {
    return leaveFromPod(
      path,
      'bypass',
      {
        layer: 'route',
        resource: s.resource,
        field: s.field,
        value: s.host,
        detail: `resolution ${s.resolution}: the sidecar dials ${q.host} itself, not through the egress gateway`,
      },
      np,
    );
  }
  path.rule = { resource: s.resource, field: s.field, value: s.host };
  return leaveFromPod(
    path,
    'allowed',
    {
      layer: 'forwarder',
      resource: s.resource,
      field: s.field,
      value: s.host,
      detail: `resolution ${s.resolution}: the sidecar ${s.resolution === 'DYNAMIC_DNS' ? 'resolves the SNI itself (sni_dynamic_forward_proxy)' : 'resolves the ServiceEntry host'} and dials port ${q.port} from the pod`,
    },
    np,
  );
}
