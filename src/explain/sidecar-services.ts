import { covers } from '../domains/host-match.js';
import { isObject, textOf } from '../util/data.js';
import { destinationOf } from './gateway-routes.js';
import {
  namespaceOfItem,
  objects,
  ofKind,
  refOf,
  specOf,
  strings,
  type Item,
} from './manifests.js';
import { rejectedServiceEntry } from './service-entry-rules.js';
import type { ServiceView, TlsMatchView } from './sidecar-listener.js';
import { exportedTo, type SidecarScope } from './sidecar-scope.js';

/** A ServiceEntry host that would have counted, had istiod's validation not refused its object. */
export interface RejectedHost {
  resource: string;
  field: string;
  host: string;
  reason: string;
}

/**
 * The (host, port) services a namespace's sidecars see on a port:
 * ServiceEntries it can see (`exportTo`) and imports, port by port. Objects
 * istiod's validation refuses are left out; those with a host covering
 * `asked` are returned apart, for a note.
 */
export function visibleServices(
  items: readonly Item[],
  ns: string,
  scope: SidecarScope,
  port: number,
  asked: string,
): { services: ServiceView[]; rejected: RejectedHost[] } {
  const services: ServiceView[] = [];
  const rejected: RejectedHost[] = [];
  for (const se of ofKind(items, 'ServiceEntry')) {
    const spec = specOf(se);
    const seNs = namespaceOfItem(se);
    if (!exportedTo(spec.exportTo, seNs, ns)) continue;
    const ports = objects(spec.ports);
    const p = ports.findIndex((x) => Number(x.number) === port);
    if (p < 0) continue;
    const reason = rejectedServiceEntry(se);
    strings(spec.hosts).forEach((host, k) => {
      if (!scope.imports(seNs, host, port)) return;
      const at = { resource: refOf(se), field: `spec.hosts[${k}]`, host: host.toLowerCase() };
      if (reason) {
        if (covers(at.host, asked)) rejected.push({ ...at, reason });
        return;
      }
      services.push({
        ...at,
        namespace: seNs,
        resolution: textOf(spec.resolution, 'NONE'),
        portField: `spec.ports[${p}]`,
        protocol: textOf(ports[p].protocol).toUpperCase(),
      });
    });
  }
  return { services, rejected };
}

/** VirtualServices that apply to a namespace's sidecars on a port: visible to it, imported, bound to `mesh`. */
export function meshVirtualServices(
  items: readonly Item[],
  ns: string,
  scope: SidecarScope,
  port: number,
): Item[] {
  return ofKind(items, 'VirtualService').filter((vs) => {
    const spec = specOf(vs);
    const vsNs = namespaceOfItem(vs);
    const gateways = strings(spec.gateways);
    if (!exportedTo(spec.exportTo, vsNs, ns) || (gateways.length > 0 && !gateways.includes('mesh')))
      return false;
    return strings(spec.hosts).some((h) => scope.imports(vsNs, h.toLowerCase(), port));
  });
}

/**
 * The mesh-bound tls matches of those VirtualServices that apply to the
 * namespace on the port, per VirtualService (with its hosts). A match
 * with `sourceLabels` applies only to pods with those labels, which explain
 * does not know: it is left out, and returned apart when it names `asked`.
 */
export function tlsMatches(
  vss: readonly Item[],
  ns: string,
  port: number,
  asked: string,
): {
  byService: { hosts: string[]; namespace: string; matches: TlsMatchView[] }[];
  labelled: TlsMatchView[];
} {
  const labelled: TlsMatchView[] = [];
  const byService = vss.map((vs) => {
    const spec = specOf(vs);
    const vsNs = namespaceOfItem(vs);
    const matches: TlsMatchView[] = [];
    objects(spec.tls).forEach((t, i) => {
      const destination = destinationOf(t) ?? { host: '' };
      objects(t.match).forEach((m, j) => {
        const mg = strings(m.gateways);
        if (mg.length > 0 && !mg.includes('mesh')) return;
        if (m.port !== undefined && Number(m.port) !== port) return;
        if (m.sourceNamespace !== undefined && m.sourceNamespace !== ns) return;
        const view: TlsMatchView = {
          resource: refOf(vs),
          namespace: vsNs,
          field: `spec.tls[${i}].match[${j}]`,
          sniHosts: strings(m.sniHosts).map((h) => h.toLowerCase()),
          destination,
        };
        if (isObject(m.sourceLabels) && Object.keys(m.sourceLabels).length > 0) {
          if (view.sniHosts.some((h) => covers(h, asked))) labelled.push(view);
          return;
        }
        matches.push(view);
      });
    });
    return {
      hosts: strings(spec.hosts).map((h) => h.toLowerCase()),
      namespace: vsNs,
      matches,
    };
  });
  return { byService, labelled };
}
