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

const VALID_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Rules the CRDs enforce with CEL, and Envoy on server names. */
export function celAndEnvoyProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    if (item.kind === 'ServiceEntry') {
      const hosts: string[] = item.spec.hosts ?? [];
      if (hosts.length === 0) out.push(`${id(item)}: hosts is empty`);
      for (const h of hosts) if (h === '*' || !VALID_NAME.test(h)) out.push(`${id(item)}: host ${JSON.stringify(h)} is refused`);
    }
    if (item.kind === 'VirtualService') {
      const meshBound = !item.spec.gateways || item.spec.gateways.includes('mesh');
      if (meshBound && item.spec.hosts.includes('*')) out.push(`${id(item)}: a mesh VirtualService may not hold "*"`);
      const hosts: string[] = item.spec.hosts;
      for (let i = 0; i < hosts.length; i++) {
        for (let j = 0; j < hosts.length; j++) {
          if (i !== j && covers(hosts[i]!, hosts[j]!)) out.push(`${id(item)}: duplicate hosts ${hosts[i]} and ${hosts[j]}`);
        }
      }
    }
    if (item.kind === 'EnvoyFilter') {
      for (const p of item.spec.configPatches) {
        const seen = new Set<string>();
        for (const fc of p.patch.value.filter_chains ?? []) {
          for (const n of fc.filter_chain_match?.server_names ?? []) {
            if (n === '*' || !VALID_NAME.test(n)) out.push(`${id(item)}: server name ${JSON.stringify(n)} is refused by Envoy`);
            if (seen.has(n.toLowerCase())) out.push(`${id(item)}: server name ${n} repeats in one listener`);
            seen.add(n.toLowerCase());
          }
        }
      }
    }
  }
  return out;
}

/** Rules between the resources of one rendered stack: hosts, subsets, selectors and ports agree. */
export function wiringProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  const one = (kind: string) => items.filter((i) => i.kind === kind);
  const [svc] = one('Service');
  const [deploy] = one('Deployment');
  const [gw] = one('Gateway');
  const [dr] = one('DestinationRule');
  const [ef] = one('EnvoyFilter');
  const ses = one('ServiceEntry');
  const vss = one('VirtualService');
  if (!svc || !deploy || !gw || !dr || !ef || ses.length === 0 || vss.length === 0) return ['the stack is incomplete'];
  const vs = vss[0]!;
  const labels = deploy.spec.template.metadata.labels;
  const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
  if (!selects(gw.spec.selector)) out.push('Gateway selector does not select the gateway pods');
  if (!selects(svc.spec.selector)) out.push('Service selector does not select the gateway pods');
  if (!selects(ef.spec.workloadSelector.labels)) out.push('EnvoyFilter workloadSelector does not select the gateway pods');
  if (!selects(deploy.spec.selector.matchLabels)) out.push('Deployment selector does not select its own pods');
  const gwPort = gw.spec.servers[0].port.number;
  if (svc.spec.ports[0].targetPort !== gwPort) out.push('Service targetPort is not the Gateway port');
  const svcHost = `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
  if (dr.spec.host !== svcHost) out.push('DestinationRule host is not the gateway Service');
  const allSeHosts = ses.flatMap((s) => s.spec.hosts as string[]);
  const upstream = ses[0]!.spec.ports[0].number;
  for (const s of ses) if (s.spec.ports[0].number !== upstream) out.push(`${id(s)}: port differs from the other ServiceEntries`);
  for (const t of vs.spec.tls) {
    for (const m of t.match) {
      for (const sni of m.sniHosts) if (!vs.spec.hosts.some((h: string) => covers(h, sni))) out.push(`sniHost ${sni} is not among the VirtualService hosts`);
      if (m.port !== upstream) out.push('tls match port is not the ServiceEntry port');
    }
    for (const r of t.route) {
      if (r.destination.host !== svcHost) out.push('tls route does not go to the gateway Service');
      if (!dr.spec.subsets.some((s: { name: string }) => s.name === r.destination.subset)) out.push(`route subset ${r.destination.subset} is not in the DestinationRule`);
    }
  }
  for (const t of vs.spec.tcp) for (const m of t.match) if (m.port !== gwPort) out.push('tcp dummy route port is not the Gateway port');
  if (!vs.spec.gateways.includes(gw.metadata.name)) out.push('VirtualService does not bind the Gateway');
  const patches = ef.spec.configPatches;
  const listener = patches.find((p: Item) => p.applyTo === 'LISTENER').patch.value;
  const chain = listener.filter_chains[0];
  const sni = chain.filters.find((f: Item) => f.name === 'envoy.filters.network.sni_dynamic_forward_proxy').typed_config;
  if (sni.port_value !== upstream) out.push('sni_dynamic_forward_proxy port_value is not the ServiceEntry port');
  const cluster = patches.find((p: Item) => p.patch.value.name === 'dynamic_forward_proxy_cluster').patch.value;
  if (JSON.stringify(cluster.cluster_type.typed_config.dns_cache_config) !== JSON.stringify(sni.dns_cache_config)) out.push('dns_cache_config differs between filter and cluster');
  const merge = patches.find((p: Item) => p.applyTo === 'NETWORK_FILTER');
  if (merge.match.listener.portNumber !== gwPort) out.push('NETWORK_FILTER MERGE is not limited to the Gateway port');
  const lists = [vs.spec.hosts, vs.spec.tls[0].match[0].sniHosts, allSeHosts, chain.filter_chain_match.server_names].map((l) => JSON.stringify(l));
  if (new Set(lists).size !== 1) out.push('the four host places do not hold the same list');
  const meshHosts = vss.filter((v) => !v.spec.gateways || v.spec.gateways.includes('mesh')).flatMap((v) => v.spec.hosts as string[]);
  if (new Set(meshHosts).size !== meshHosts.length) out.push('a host is in two mesh VirtualServices (IST0109)');
  return out;
}

/** Every check above, plus the Envoy proto check of each EnvoyFilter. */
export function allProblems(items: readonly Item[]): string[] {
  return [
    ...schemaProblems(items),
    ...celAndEnvoyProblems(items),
    ...items.filter((i) => i.kind === 'EnvoyFilter').flatMap((ef) => checkEnvoyFilter(ef as never).map((p) => `${id(ef)}: ${p}`)),
  ];
}
