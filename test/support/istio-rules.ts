import * as networkingV1 from '@kubernetes-models/istio/networking.istio.io/v1';
import * as networkingV1alpha3 from '@kubernetes-models/istio/networking.istio.io/v1alpha3';
import * as networkingV1beta1 from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as securityV1 from '@kubernetes-models/istio/security.istio.io/v1';
import * as telemetryV1 from '@kubernetes-models/istio/telemetry.istio.io/v1';
import * as telemetryV1alpha1 from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1';
import { checkEnvoyFilter } from './envoy-protos.js';

/**
 * Checks rendered items the way istiod and Envoy would: Istio's CRD schemas
 * (generated models of Istio 1.29), the CRDs' CEL rules the models do not
 * carry, and the wiring rules between the resources of the stack.
 */

type Item = Record<string, any>;

const MODELS: Record<string, Record<string, unknown>> = {
  'networking.istio.io/v1': networkingV1,
  'networking.istio.io/v1alpha3': networkingV1alpha3,
  'networking.istio.io/v1beta1': networkingV1beta1,
  'security.istio.io/v1': securityV1,
  'telemetry.istio.io/v1': telemetryV1,
  'telemetry.istio.io/v1alpha1': telemetryV1alpha1,
};

const id = (i: Item) => `${i.kind}/${i.metadata?.namespace ?? ''}/${i.metadata?.name}`;

/** CRD schema problems of every Istio item; items of other groups are not checked here. */
export function schemaProblems(items: readonly Item[]): string[] {
  return items.flatMap((item) => {
    const models = MODELS[item.apiVersion];
    if (!models) return [];
    const Model = models[item.kind] as (new (data: Item) => { validate(): void }) | undefined;
    if (!Model) return [`${id(item)}: no model for ${item.apiVersion} ${item.kind}`];
    try {
      new Model(item).validate();
      return [];
    } catch (e) {
      return [`${id(item)}: ${(e as Error).message.split('\n')[0]}`];
    }
  });
}

/** `*.a.b` covers `x.a.b` and `x.y.a.b`; an exact host covers itself. */
export function covers(host: string, name: string): boolean {
  if (host === name) return true;
  if (!host.startsWith('*.')) return false;
  const base = host.slice(1);
  return name.endsWith(base) && name.length > base.length;
}

/** A listed wildcard other than `name` that covers it, in one set lookup per label. */
export function widerIn(set: ReadonlySet<string>, name: string): string | undefined {
  const bare = name.startsWith('*.') ? name.slice(2) : name;
  let dot = bare.indexOf('.');
  while (dot >= 0) {
    const wildcard = `*.${bare.slice(dot + 1)}`;
    if (set.has(wildcard)) return wildcard;
    dot = bare.indexOf('.', dot + 1);
  }
  return undefined;
}

/** The listed host that covers `name`: itself, or a wildcard over it. */
export function coverInSet(set: ReadonlySet<string>, name: string): string | undefined {
  return set.has(name) ? name : widerIn(set, name);
}

const VALID_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Rules the CRDs enforce with CEL, and Envoy on server names. */
export function celAndEnvoyProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    if (item.kind === 'ServiceEntry') {
      const hosts: string[] = item.spec.hosts ?? [];
      if (hosts.length === 0) out.push(`${id(item)}: hosts is empty`);
      for (const h of hosts)
        if (h === '*' || !VALID_NAME.test(h))
          out.push(`${id(item)}: host ${JSON.stringify(h)} is refused`);
    }
    if (item.kind === 'VirtualService') {
      const meshBound = !item.spec.gateways || item.spec.gateways.includes('mesh');
      if (meshBound && item.spec.hosts.includes('*'))
        out.push(`${id(item)}: a mesh VirtualService may not hold "*"`);
      const hosts: string[] = item.spec.hosts;
      const set = new Set<string>();
      for (const h of hosts) {
        if (set.has(h)) out.push(`${id(item)}: duplicate hosts ${h} and ${h}`);
        set.add(h);
      }
      for (const h of hosts) {
        const wider = widerIn(set, h);
        if (wider) out.push(`${id(item)}: duplicate hosts ${wider} and ${h}`);
      }
    }
    if (item.kind === 'EnvoyFilter') {
      for (const p of item.spec.configPatches) {
        const seen = new Set<string>();
        for (const fc of p.patch.value.filter_chains ?? []) {
          for (const n of fc.filter_chain_match?.server_names ?? []) {
            if (n === '*' || !VALID_NAME.test(n))
              out.push(`${id(item)}: server name ${JSON.stringify(n)} is refused by Envoy`);
            if (seen.has(n.toLowerCase()))
              out.push(`${id(item)}: server name ${n} repeats in one listener`);
            seen.add(n.toLowerCase());
          }
        }
      }
    }
  }
  return out;
}

/**
 * Rules between the resources of one rendered stack (one or several
 * VirtualServices and EnvoyFilters): selectors select the gateway pods, and
 * every VirtualService tls route can be followed to the end — route port →
 * Service port → Gateway server → NETWORK_FILTER MERGE on that port → its
 * cluster → the internal listener it names, and on through each listener's
 * default chain to the next — where the names the chain forwards are all
 * carried by the routes to that lane (a route may carry more: the lane
 * refuses them), the routes scoped to namespaces carry exactly the chain's
 * names, and every link's port_value is the matched port.
 */
export function wiringProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  const one = (kind: string) => items.filter((i) => i.kind === kind);
  const [svc] = one('Service');
  const [deploy] = one('Deployment');
  const [gw] = one('Gateway');
  const [dr] = one('DestinationRule');
  const efs = one('EnvoyFilter');
  const ses = one('ServiceEntry');
  const vss = one('VirtualService');
  if (!svc || !deploy || !gw || !dr || efs.length === 0 || ses.length === 0 || vss.length === 0)
    return ['the stack is incomplete'];
  const labels = deploy.spec.template.metadata.labels;
  const selects = (sel: Record<string, string>) =>
    Object.entries(sel).every(([k, v]) => labels[k] === v);
  if (!selects(gw.spec.selector)) out.push('Gateway selector does not select the gateway pods');
  if (!selects(svc.spec.selector)) out.push('Service selector does not select the gateway pods');
  for (const ef of efs)
    if (!selects(ef.spec.workloadSelector.labels))
      out.push(`${id(ef)} workloadSelector does not select the gateway pods`);
  if (!selects(deploy.spec.selector.matchLabels))
    out.push('Deployment selector does not select its own pods');
  const svcHost = `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
  if (dr.spec.host !== svcHost) out.push('DestinationRule host is not the gateway Service');
  const seHosts = ses.flatMap((s) => s.spec.hosts as string[]);
  const sePorts = new Set(ses.flatMap((s) => (s.spec.ports as Item[]).map((p) => p.number)));
  const vsHosts = vss.flatMap((v) => v.spec.hosts as string[]);
  const vsHostSet = new Set(vsHosts);
  const seHostSet = new Set(seHosts);
  for (const h of seHosts)
    if (!coverInSet(vsHostSet, h))
      out.push(`ServiceEntry host ${h} is not covered by the VirtualService hosts`);
  for (const h of vsHosts)
    if (!seHostSet.has(h)) out.push(`VirtualService host ${h} is in no ServiceEntry`);
  if (vsHostSet.size !== vsHosts.length) out.push('a host is in two VirtualServices (IST0109)');
  const gwPorts: number[] = gw.spec.servers.map((s: Item) => s.port.number);
  const tcpPorts = vss.flatMap((v) =>
    (v.spec.tcp ?? []).flatMap((t: Item) => t.match.map((m: Item) => m.port)),
  );
  if (JSON.stringify([...tcpPorts].sort()) !== JSON.stringify([...gwPorts].sort()))
    out.push('tcp dummy routes do not cover every Gateway port');
  if (!vss.some((v) => v.spec.gateways.includes(gw.metadata.name)))
    out.push('no VirtualService binds the Gateway');
  const patches: Item[] = efs.flatMap((ef) => ef.spec.configPatches);
  const clusters = new Map(
    patches.filter((p) => p.applyTo === 'CLUSTER').map((p) => [p.patch.value.name, p.patch.value]),
  );
  const listeners = new Map(
    patches.filter((p) => p.applyTo === 'LISTENER').map((p) => [p.patch.value.name, p.patch.value]),
  );
  const merges = patches.filter((p) => p.applyTo === 'NETWORK_FILTER');
  for (const m of merges)
    if (!gwPorts.includes(m.match.listener.portNumber))
      out.push(`NETWORK_FILTER MERGE on port ${m.match.listener.portNumber} is not a Gateway port`);
  const listenerOf = (clusterName: string) =>
    clusters.get(clusterName)?.load_assignment?.endpoints[0].lb_endpoints[0].endpoint.address
      .envoy_internal_address.server_listener_name;
  const reached = new Set<string>();
  // Routes to one lane, from every VirtualService: key = destination port, match port, namespaces.
  const lanes = new Map<
    string,
    { where: string; targetPort: number; ports: Set<number>; names: Set<string>; scoped: boolean }
  >();
  for (const vs of vss) {
    const own = new Set<string>(vs.spec.hosts);
    (vs.spec.tls ?? []).forEach((t: Item, i: number) => {
      const where = `${id(vs)} tls[${i}]`;
      for (const m of t.match) {
        for (const sni of m.sniHosts)
          if (!coverInSet(own, sni))
            out.push(`${where}: sniHost ${sni} is not among its VirtualService's hosts`);
        if (!sePorts.has(m.port))
          out.push(`${where}: match port ${m.port} is not a ServiceEntry port`);
      }
      const [route] = t.route;
      if (route.destination.host !== svcHost)
        return void out.push(`${where}: route does not go to the gateway Service`);
      if (!dr.spec.subsets.some((s: Item) => s.name === route.destination.subset))
        out.push(
          `${where}: route subset ${route.destination.subset} is not in the DestinationRule`,
        );
      const svcPort =
        route.destination.port?.number ??
        (svc.spec.ports.length === 1 ? svc.spec.ports[0].port : undefined);
      const sp = svc.spec.ports.find((p: Item) => p.port === svcPort);
      if (!sp) return void out.push(`${where}: route port ${svcPort} is not a Service port`);
      if (!gwPorts.includes(sp.targetPort))
        return void out.push(`${where}: Service targetPort ${sp.targetPort} is not a Gateway port`);
      const key = `${sp.targetPort}|${t.match.map((m: Item) => `${m.port}/${m.sourceNamespace ?? '*'}`).join(',')}`;
      const lane = lanes.get(key) ?? {
        where,
        targetPort: sp.targetPort,
        ports: new Set<number>(),
        names: new Set<string>(),
        scoped: t.match.some((m: Item) => m.sourceNamespace),
      };
      for (const m of t.match) {
        lane.ports.add(m.port);
        for (const sni of m.sniHosts) lane.names.add(sni);
      }
      lanes.set(key, lane);
    });
  }
  for (const lane of lanes.values()) {
    const where = lane.where;
    const merge = merges.find((mp) => mp.match.listener.portNumber === lane.targetPort);
    if (!merge) {
      out.push(`${where}: no NETWORK_FILTER MERGE on port ${lane.targetPort}`);
      continue;
    }
    // Follow the chain: the MERGE's cluster, its listener, and each default chain's cluster to the next.
    const chained = new Set<string>();
    let listenerName = listenerOf(merge.patch.value.typed_config.cluster);
    if (!listeners.has(listenerName))
      out.push(
        `${where}: the MERGE on port ${lane.targetPort} does not lead to an internal listener`,
      );
    while (listenerName && listeners.has(listenerName)) {
      if (reached.has(`${lane.targetPort}|${listenerName}`)) break;
      reached.add(`${lane.targetPort}|${listenerName}`);
      const listener = listeners.get(listenerName);
      const chain = listener.filter_chains[0];
      const sni = chain.filters.find(
        (f: Item) => f.name === 'envoy.filters.network.sni_dynamic_forward_proxy',
      ).typed_config;
      const tcp = chain.filters.find((f: Item) => f.name === 'envoy.tcp_proxy').typed_config;
      for (const n of chain.filter_chain_match.server_names) chained.add(n);
      for (const port of lane.ports)
        if (sni.port_value !== port)
          out.push(
            `${where}: listener ${listenerName} port_value ${sni.port_value} is not the matched port ${port}`,
          );
      if (
        JSON.stringify(clusters.get(tcp.cluster)?.cluster_type.typed_config.dns_cache_config) !==
        JSON.stringify(sni.dns_cache_config)
      )
        out.push(
          `${where}: listener ${listenerName}: dns_cache_config differs between filter and cluster`,
        );
      const next = listener.default_filter_chain?.filters?.[0]?.typed_config?.cluster;
      listenerName = next ? listenerOf(next) : undefined;
      if (next && !listeners.has(listenerName))
        out.push(
          `${where}: the default chain of a listener leads to no internal listener (${next})`,
        );
    }
    for (const n of chained)
      if (!coverInSet(lane.names, n))
        out.push(`${where}: the lane forwards ${n}, which no route to it carries`);
    if (
      lane.scoped &&
      (lane.names.size !== chained.size || [...chained].some((n) => !lane.names.has(n)))
    ) {
      out.push(
        `${where}: a namespace-scoped route's sniHosts differ from the names its lane forwards`,
      );
    }
  }
  for (const name of listeners.keys())
    if (![...reached].some((r) => r.endsWith(`|${name}`)))
      out.push(`listener ${name} is reached by no route`);
  return out;
}

/** Every check above, plus the Envoy proto check of each EnvoyFilter. */
export function allProblems(items: readonly Item[]): string[] {
  return [
    ...schemaProblems(items),
    ...celAndEnvoyProblems(items),
    ...items
      .filter((i) => i.kind === 'EnvoyFilter')
      .flatMap((ef) => checkEnvoyFilter(ef as never).map((p) => `${id(ef)}: ${p}`)),
  ];
}
