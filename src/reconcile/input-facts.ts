import { isMap, isScalar, isSeq } from 'yaml';
import { ItemError } from '../krm/item-source.js';
import { GATEWAY_LABEL } from '../stack/names.js';
import type { Resource } from '../stack/resource.js';
import { isObject } from '../util/data.js';
import type { Entry } from './entry.js';

/** What the plan reads off the input items beyond their roles: bindings, routed and declared hosts, wiring. */

/** Gateways (`namespace/name`) that a VirtualService holding the list binds to: theirs get the list in their server hosts. */
export function gatewaysBoundByList(entries: readonly Entry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.header.kind !== 'VirtualService' || !e.item || e.role === 'other') continue;
    let gateways: unknown;
    try {
      const root = e.item.parse().root;
      gateways = isMap(root) ? root.getIn(['spec', 'gateways'], true) : undefined;
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      continue;
    }
    if (!isSeq(gateways)) continue;
    // Without namespaces in the files (kustomize or kubectl supplies one), a VirtualService and a Gateway share theirs.
    const ns = e.header.namespace ?? '';
    for (const g of gateways.items) {
      const ref = isScalar(g) ? String(g.value) : '';
      if (ref === '' || ref === 'mesh') continue;
      out.add(ref.includes('/') ? ref : `${ns}/${ref}`);
    }
  }
  return out;
}

/** Hosts that VirtualServices (hosts, sniHosts) and DestinationRules (host) name, and the items naming them. */
export function routedHosts(entries: readonly Entry[]): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>();
  const add = (host: unknown, e: Entry) => {
    if (!isScalar(host)) return;
    const h = String(host.value);
    const at = out.get(h) ?? [];
    if (!at.includes(e)) at.push(e);
    out.set(h, at);
  };
  for (const e of entries) {
    const kind = e.header.kind;
    if ((kind !== 'VirtualService' && kind !== 'DestinationRule') || !e.item) continue;
    try {
      const root = e.item.parse().root;
      if (!isMap(root)) continue;
      if (kind === 'DestinationRule') add(root.getIn(['spec', 'host'], true), e);
      const hosts = root.getIn(['spec', 'hosts'], true);
      if (isSeq(hosts)) for (const h of hosts.items) add(h, e);
      const tls = root.getIn(['spec', 'tls'], true);
      if (isSeq(tls))
        for (const route of tls.items) {
          const matches = isMap(route) ? route.get('match', true) : undefined;
          if (!isSeq(matches)) continue;
          for (const m of matches.items) {
            const sni = isMap(m) ? m.get('sniHosts', true) : undefined;
            if (isSeq(sni)) for (const h of sni.items) add(h, e);
          }
        }
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
    }
  }
  return out;
}

/** Hosts the user's own ServiceEntries declare. */
export function declaredByUser(entries: readonly Entry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.header.kind !== 'ServiceEntry' || e.role !== 'other' || !e.item) continue;
    try {
      const root = e.item.parse().root;
      const hosts = isMap(root) ? root.getIn(['spec', 'hosts'], true) : undefined;
      if (isSeq(hosts)) for (const h of hosts.items) if (isScalar(h)) out.add(String(h.value));
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
    }
  }
  return out;
}

/**
 * Fields of adopted items that the stack needs for the list to work: the
 * gateway pods' own label, on an adopted Deployment, when a resource the
 * function creates (its Service, Gateway, EnvoyFilter…) selects on it.
 */
export function wiringFor(
  entries: readonly Entry[],
  rendered: readonly Resource[],
  add: readonly Resource[],
): Map<Resource, Record<string, unknown>> {
  const out = new Map<Resource, Record<string, unknown>>();
  const created = new Set([
    ...add,
    ...entries.flatMap((e) => (e.role === 'created' && e.rendered ? [e.rendered] : [])),
  ]);
  const selectsOnLabel = [...created].some((r) =>
    JSON.stringify(r.spec ?? {}).includes(`"${GATEWAY_LABEL}"`),
  );
  if (!selectsOnLabel) return out;
  for (const r of rendered) {
    if (r.kind !== 'Deployment' || created.has(r)) continue;
    const spec = isObject(r.spec) ? r.spec : {};
    const template = isObject(spec.template) ? spec.template : {};
    const metadata = isObject(template.metadata) ? template.metadata : {};
    const labels = isObject(metadata.labels) ? metadata.labels : {};
    if (labels[GATEWAY_LABEL] === undefined) continue;
    out.set(r, {
      spec: { template: { metadata: { labels: { [GATEWAY_LABEL]: labels[GATEWAY_LABEL] } } } },
    });
  }
  return out;
}
