/**
 * Rules istiod applies to the native modes' resources (read in istio/istio
 * 1.28 to 1.31 pilot/pkg/config/validation and the release notes): a
 * ServiceEntry with resolution DYNAMIC_DNS holds only wildcard hosts, no
 * addresses or endpoints, port protocols HTTP (1.28), HTTP and TLS (1.29),
 * plus GRPC and HTTP2 (1.30+), never HTTPS or TCP; location MESH_EXTERNAL, or
 * from 1.30 MESH_INTERNAL unless bound to a waypoint. A ServiceEntry bound to
 * a waypoint names a waypoint Gateway of its namespace; an
 * AuthorizationPolicy's targetRefs name ServiceEntries that exist there.
 */

type Item = Record<string, any>;

const id = (i: Item) => `${i.kind}/${i.metadata?.namespace ?? ''}/${i.metadata?.name}`;

const PROTOCOLS: Record<number, string[]> = { 28: ['HTTP'], 29: ['HTTP', 'TLS'] };
const protocolsOf = (minor: number) => PROTOCOLS[minor] ?? ['HTTP', 'TLS', 'GRPC', 'HTTP2'];

/** Problems of the native modes' resources for an Istio minor version. */
export function nativeProblems(items: readonly Item[], minor: number): string[] {
  const out: string[] = [];
  const waypoints = items.filter(
    (i) =>
      i.kind === 'Gateway' &&
      i.apiVersion.startsWith('gateway.networking.k8s.io/') &&
      i.spec.gatewayClassName === 'istio-waypoint',
  );
  for (const se of items.filter((i) => i.kind === 'ServiceEntry')) {
    const bound = se.metadata.labels?.['istio.io/use-waypoint'];
    if (
      bound !== undefined &&
      !waypoints.some(
        (w) => w.metadata.name === bound && w.metadata.namespace === se.metadata.namespace,
      )
    ) {
      out.push(`${id(se)}: bound to waypoint ${bound}, which is not in its namespace`);
    }
    if (se.spec.resolution !== 'DYNAMIC_DNS') continue;
    for (const h of se.spec.hosts)
      if (!h.startsWith('*.')) out.push(`${id(se)}: DYNAMIC_DNS host ${h} is not a wildcard`);
    if ((se.spec.addresses ?? []).length > 0 || (se.spec.endpoints ?? []).length > 0)
      out.push(`${id(se)}: DYNAMIC_DNS takes no addresses or endpoints`);
    for (const p of se.spec.ports)
      if (!protocolsOf(minor).includes(p.protocol))
        out.push(`${id(se)}: protocol ${p.protocol} is not accepted for DYNAMIC_DNS in 1.${minor}`);
    const location = se.spec.location ?? 'MESH_EXTERNAL';
    if (!(
      location === 'MESH_EXTERNAL' ||
      (location === 'MESH_INTERNAL' && minor >= 30 && bound === undefined)
    ))
      out.push(`${id(se)}: location ${location} is refused here`);
  }
  for (const ap of items.filter((i) => i.kind === 'AuthorizationPolicy' && i.spec.targetRefs)) {
    for (const ref of ap.spec.targetRefs) {
      if (ref.kind !== 'ServiceEntry' || ref.group !== 'networking.istio.io') continue;
      if (
        !items.some(
          (i) =>
            i.kind === 'ServiceEntry' &&
            i.metadata.name === ref.name &&
            i.metadata.namespace === ap.metadata.namespace,
        )
      ) {
        out.push(`${id(ap)}: targetRef ServiceEntry ${ref.name} does not exist in its namespace`);
      }
    }
  }
  return out;
}
