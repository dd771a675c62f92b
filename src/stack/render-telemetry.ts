import type { Options } from '../config/options.js';
import { apiVersions, stackNames } from './names.js';
import type { Resource } from './resource.js';

/**
 * Access logging, built in one place for every mode: with
 * production.gatewayTelemetry (egress-gateway mode) a Telemetry for the
 * gateway pods only; otherwise the post's mesh-wide `mesh-default`, which
 * logs every workload. Nothing when access logging is off.
 */
export function renderTelemetry(o: Options): Resource[] {
  if (!o.accessLogging) return [];
  const n = stackNames(o);
  const accessLogging = [{ providers: [{ name: 'envoy' }] }];
  if (o.mode === 'egress-gateway' && o.production.gatewayTelemetry)
    return [
      {
        apiVersion: 'telemetry.istio.io/v1',
        kind: 'Telemetry',
        metadata: { name: n.deployment, namespace: o.gateway.namespace },
        spec: { selector: { matchLabels: { ...n.selector } }, accessLogging },
      },
    ];
  return [
    {
      apiVersion: apiVersions(o).meshTelemetry,
      kind: 'Telemetry',
      metadata: { name: n.telemetry, namespace: n.telemetryNamespace },
      spec: { accessLogging },
    },
  ];
}
