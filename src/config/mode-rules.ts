import type { DomainPlan } from '../domains/plan.js';
import { error, info, warning, type Result } from '../krm/results.js';
import type { Options } from './options.js';

/** Lowest Istio minor version of each mode (and protocol) the function renders for. */
export const MINIMUM = { sidecar: 30, waypointTls: 29, waypointHttp: 28 } as const;

/** The flag istiod needs for TLS wildcards on waypoints (1.29, 1.30 and 1.31 alike). */
export const WAYPOINT_TLS_FLAG = 'ENABLE_WILDCARD_HOST_SERVICE_ENTRIES_FOR_TLS';

/**
 * What the chosen mode needs and warns about: the Istio version it needs
 * (an error naming the minimum), protocols it cannot carry, and, as
 * warnings, the caveats and prerequisites of the native modes.
 */
export function modeProblems(o: Options, plan: DomainPlan, file?: Result['file']): Result[] {
  const at = (path: string, message: string, value?: unknown) =>
    error(message, {
      field: { path, ...(value === undefined ? {} : { currentValue: value }) },
      ...(file ? { file } : {}),
    });
  const out: Result[] = [];
  const version = o.istioMinor === undefined ? undefined : `1.${o.istioMinor}`;
  const needs = (minor: number, what: string) => {
    if (o.istioMinor === undefined)
      out.push(at('spec.istioVersion', `${what} needs spec.istioVersion, at least "1.${minor}"`));
    else if (o.istioMinor < minor)
      out.push(
        at(
          'spec.istioVersion',
          `${what} needs Istio 1.${minor} or later; spec.istioVersion is "${version}"`,
          version,
        ),
      );
  };
  const http = plan.lanes.filter((l) => l.protocol === 'HTTP');
  const tls = plan.lanes.filter((l) => l.protocol === 'TLS');
  switch (o.mode) {
    case 'egress-gateway':
      if (http.length > 0) {
        out.push(
          at(
            'spec.mode',
            `HTTP names (port ${http[0].upstreamPort}) are routed by Host header, which the egress gateway's SNI forwarder cannot do: use mode sidecar or waypoint, or list them as TLS`,
            o.mode,
          ),
        );
      }
      break;
    case 'sidecar':
      needs(
        MINIMUM.sidecar,
        'mode sidecar (wildcard ServiceEntries with resolution DYNAMIC_DNS on sidecars)',
      );
      out.push(
        warning(
          "mode sidecar: the list is enforced by each sidecar and traffic leaves from every pod, not through one egress point. With DYNAMIC_DNS the sidecar resolves the SNI (or Host) the client sends and connects to that name's addresses, so a client cannot pick the address; what remains is domain fronting: a listed name served by shared infrastructure (a CDN) can carry requests for the other sites it serves. Use mode egress-gateway for one audited egress point.",
        ),
      );
      if (o.production.networkPolicies && !o.production.dualStackCapture)
        out.push(
          warning(
            'mode sidecar: the application NetworkPolicies open public IPv4 addresses only: without ISTIO_DUAL_STACK istio-iptables installs no IPv6 rules on a pod whose first address is IPv4, so IPv6 would leave uncaptured. Once the mesh captures IPv6 (proxyMetadata ISTIO_DUAL_STACK=true), set spec.production.dualStackCapture: true.',
            { field: { path: 'spec.production.dualStackCapture' } },
          ),
        );
      break;
    case 'waypoint':
      if (tls.length > 0) needs(MINIMUM.waypointTls, 'mode waypoint with TLS names');
      else needs(MINIMUM.waypointHttp, 'mode waypoint');
      out.push(
        warning(
          `mode waypoint prerequisites: ambient mode with ztunnel DNS capture on (otherwise wildcard names resolve to their real addresses and leave directly), the Gateway API CRDs installed` +
            (tls.length > 0
              ? `, Istio 1.29.1 or later, and istiod started with ${WAYPOINT_TLS_FLAG}=true for TLS names`
              : ''),
        ),
      );
      if (tls.some((l) => l.domains.some((d) => d.startsWith('*.')))) {
        out.push(
          warning(
            `mode waypoint with TLS wildcards: the waypoint picks the ServiceEntry by the address the pod dialled and forwards to the SNI the client sends, without checking it against the list (Istio's own description of ${WAYPOINT_TLS_FLAG} says so): a pod can reach any host through a listed wildcard's address. For TLS wildcards that must hold, use mode egress-gateway, whose listeners match the SNI against the list.`,
          ),
        );
      }
      break;
  }
  // Parts of production that have nothing to act on in a native mode are left out, and said so.
  const p = o.production;
  const skipped = [
    o.mode !== 'egress-gateway' && p.highAvailability
      ? 'highAvailability (there is no gateway Deployment of this project)'
      : '',
    o.mode !== 'egress-gateway' && p.gatewayTelemetry
      ? 'gatewayTelemetry (the mesh-wide Telemetry logs instead)'
      : '',
    o.mode === 'sidecar' && p.authorization
      ? "authorization (no gateway to authorize at: each namespace's Sidecar and the ServiceEntries' exportTo keep it to its names)"
      : '',
    o.mode === 'waypoint' && p.sidecars
      ? 'sidecars (ambient pods have none; NetworkPolicies keep them on the waypoint)'
      : '',
  ].filter(Boolean);
  if (skipped.length > 0) out.push(info(`mode ${o.mode} renders no ${skipped.join('; no ')}`));
  return out;
}
