import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

/**
 * ClusterNetworkPolicies checked against network-policy-api's CRD (v0.2.0,
 * experimental channel, vendored in test/fixtures/network-policy-api/ with
 * its SOURCES.md), unknown fields refused (the API server prunes them), and
 * against the rules the API states in prose or CEL
 * (apis/v1alpha2/clusternetworkpolicy_types.go): domainNames only in Accept
 * rules; no named ports beside networks, nodes or domainNames.
 */

type Item = Record<string, any>;
type Schema = Record<string, any>;

function closed(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema))
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, closed(s as Schema)]))
        : closed(v as Schema);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

const crd = parse(
  readFileSync(
    `${ROOT}test/fixtures/network-policy-api/policy.networking.k8s.io_clusternetworkpolicies.yaml`,
    'utf8',
  ),
);
const version = crd.spec.versions.find((v: Item) => v.name === 'v1alpha2');
const ajv = new Ajv.default({ strict: false, allErrors: true });
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
ajv.addFormat('int32', {
  type: 'number',
  validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
});
const validate = ajv.compile(closed(version.schema.openAPIV3Schema));

/** Every problem of one ClusterNetworkPolicy. */
export function clusterNetworkPolicyProblems(item: Item): string[] {
  const ref = `ClusterNetworkPolicy ${item.metadata?.name}`;
  if (!validate(item))
    return (validate.errors ?? []).map((e) => `${ref} ${e.instancePath || '/'}: ${e.message}`);
  const out: string[] = [];
  (item.spec.egress ?? []).forEach((r: Item, i: number) => {
    const peers: Item[] = r.to ?? [];
    if (r.action !== 'Accept' && peers.some((p) => p.domainNames))
      out.push(`${ref} spec.egress[${i}]: domainNames may only be used with Accept action`);
    if (
      peers.some((p) => p.networks || p.nodes || p.domainNames) &&
      (r.protocols ?? []).some((p: Item) => p.destinationNamedPort)
    )
      out.push(
        `${ref} spec.egress[${i}]: networks/nodes/domainNames peer cannot be set with namedPorts`,
      );
  });
  return out;
}
