import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

/**
 * CiliumNetworkPolicies checked as Cilium would take them: the CRD's schema
 * (test/fixtures/cilium/ciliumnetworkpolicies.yaml, see SOURCES.md there),
 * fields it does not know refused (the API server would prune them
 * silently), then the agent's own Go checks that the schema does not
 * express (cilium/cilium pkg/policy/api/rule_validation.go and fqdn.go,
 * pkg/fqdn/matchpattern/matchpattern.go, pkg/iana/svcname.go).
 */

type Item = Record<string, any>;
type Schema = Record<string, any>;

/** Marks every object schema that names its properties as closed, as structural pruning effectively does. */
function closed(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema))
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, closed(s as Schema)]))
        : closed(v as Schema);
  if (
    out.type === 'object' &&
    out.properties &&
    out.additionalProperties === undefined &&
    !out['x-kubernetes-preserve-unknown-fields']
  )
    out.additionalProperties = false;
  return out;
}

const crd = parse(readFileSync(`${ROOT}test/fixtures/cilium/ciliumnetworkpolicies.yaml`, 'utf8'));
const v2 = crd.spec.versions.find((v: Item) => v.name === 'v2');
// The CRD's patterns are Go (RE2) expressions: `\\PC` (one-letter Unicode class) is `\\P{C}` in JavaScript.
const goRegExp = Object.assign(
  (pattern: string, flags: string) =>
    new RegExp(pattern.replace(/\\([pP])([A-Z])/g, '\\$1{$2}'), flags),
  { code: 'new RegExp' },
);
const ajv = new Ajv.default({ strict: false, allErrors: true, code: { regExp: goRegExp } });
ajv.addFormat('cidr', (s: string) => {
  const [ip, len, ...rest] = s.split('/');
  return (
    rest.length === 0 &&
    isIP(ip) !== 0 &&
    /^\d+$/.test(len ?? '') &&
    Number(len) <= (isIP(ip) === 6 ? 128 : 32)
  );
});
ajv.addFormat('int32', {
  type: 'number',
  validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
});
ajv.addFormat('idn-hostname', (s: string) => s.length <= 253);
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
const validate = ajv.compile(closed(v2.schema.openAPIV3Schema));

/** Schema problems of one object, as `path: message`. */
export function ciliumSchemaProblems(item: Item): string[] {
  if (validate(item)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'}: ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

/** pkg/policy/api/entity.go */
const ENTITIES = [
  'all',
  'world',
  'world-ipv4',
  'world-ipv6',
  'cluster',
  'host',
  'init',
  'ingress',
  'unmanaged',
  'remote-node',
  'health',
  'none',
  'kube-apiserver',
];
const L3 = [
  'toCIDR',
  'toCIDRSet',
  'toEndpoints',
  'toEntities',
  'toServices',
  'toGroups',
  'toNodes',
];
/** pkg/iana/svcname.go IsSvcName */
const isSvcName = (s: string) =>
  s.length > 0 && s.length <= 15 && /^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/.test(s);
const MATCH_NAME = /^[-a-zA-Z0-9_.]+$/;
const MATCH_PATTERN = /^[-a-zA-Z0-9_.*]+$/;

function parsePrefix(s: string): { ip: string; bits: number; v6: boolean } | undefined {
  const [ip, bits, ...rest] = s.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d+$/.test(bits)) return undefined;
  const family = isIP(ip);
  if (family === 0 || Number(bits) > (family === 6 ? 128 : 32)) return undefined;
  return { ip, bits: Number(bits), v6: family === 6 };
}

function toBits(ip: string, v6: boolean): bigint {
  if (!v6) return ip.split('.').reduce((a, o) => (a << 8n) + BigInt(o), 0n);
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((a, g) => (a << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/** netip.Prefix.Contains(except.Addr()) */
function contains(outer: string, inner: string): boolean {
  const a = parsePrefix(outer);
  const b = parsePrefix(inner);
  if (!a || !b || a.v6 !== b.v6) return false;
  const width = a.v6 ? 128 : 32;
  const shift = BigInt(width - a.bits);
  return toBits(a.ip, a.v6) >> shift === toBits(b.ip, b.v6) >> shift;
}

function fqdnProblems(s: Item, where: string): string[] {
  const out: string[] = [];
  if (s.matchName && s.matchPattern)
    out.push(`${where}: only one of MatchName or MatchPattern is allowed in an FQDNSelector`);
  if (s.matchName && !MATCH_NAME.test(s.matchName))
    out.push(`${where}: Invalid characters in MatchName: "${s.matchName}"`);
  if (s.matchPattern !== undefined) {
    if (String(s.matchPattern).trim().length > 255)
      out.push(`${where}: MatchPattern longer than 255`);
    if (s.matchPattern.length > 0 && !MATCH_PATTERN.test(s.matchPattern))
      out.push(`${where}: Invalid characters in MatchPattern: "${s.matchPattern}"`);
  }
  return out;
}

function portRuleProblems(pr: Item, where: string, deny: boolean): string[] {
  const out: string[] = [];
  const ports: Item[] = pr.ports ?? [];
  const rules: Item = pr.rules ?? {};
  const l7 = ['http', 'kafka', 'dns', 'l7proto'].filter((k) => rules[k] !== undefined);
  const hasDns = (rules.dns ?? []).length > 0;
  if (ports.length > 40) out.push(`${where}: too many ports, the max is 40`);
  let zero = false;
  ports.forEach((p, i) => {
    const port = String(p.port ?? '');
    if (port === '') out.push(`${where}.ports[${i}]: port must be specified`);
    else if (!isSvcName(port)) {
      const n = /^(0x[0-9a-f]+|0o?[0-7]+|\d+)$/i.test(port) ? Number(port) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        out.push(`${where}.ports[${i}]: unable to parse port ${port}`);
      if (n === 0) zero = true;
      if (hasDns && p.endPort !== undefined && p.endPort > n)
        out.push(`${where}.ports[${i}]: DNS rules do not support port ranges`);
    }
    if (!deny && l7.length > 0 && !hasDns && (p.protocol ?? 'ANY') !== 'TCP')
      out.push(`${where}: L7 rules can only apply to TCP except for DNS rules`);
  });
  if (!deny && l7.length > 0) {
    if (zero) out.push(`${where}: L7 rules can not be used when a port is 0`);
    if (l7.length > 1)
      out.push(`${where}: multiple L7 protocol rule types specified in single rule`);
    if (hasDns && ports.length === 0) out.push(`${where}: port 53 must be specified for DNS rules`);
    (rules.dns ?? []).forEach((d: Item, i: number) =>
      out.push(...fqdnProblems(d, `${where}.rules.dns[${i}]`)),
    );
  }
  return out;
}

function egressRuleProblems(r: Item, where: string, deny: boolean): string[] {
  const out: string[] = [];
  const members = [...L3, ...(deny ? [] : ['toFQDNs'])].filter((k) => (r[k] ?? []).length > 0);
  if (members.length > 1)
    out.push(`${where}: combining ${members[0]} and ${members[1]} is not supported yet`);
  if ((r.toServices ?? []).length > 0 && (r.toPorts ?? []).length > 0)
    out.push(`${where}: combining ToServices and ToPorts is not supported yet`);
  if ((r.icmps ?? []).length > 0 && (r.toPorts ?? []).length > 0)
    out.push(`${where}: the ICMPs block may only be present without ToPorts`);
  for (const e of r.toEntities ?? [])
    if (!ENTITIES.includes(e)) out.push(`${where}: unsupported entity: ${e}`);
  (r.toCIDR ?? []).forEach((c: string, i: number) => {
    if (!parsePrefix(c) && isIP(c) === 0)
      out.push(`${where}.toCIDR[${i}]: unable to parse CIDR ${c}`);
  });
  (r.toCIDRSet ?? []).forEach((c: Item, i: number) => {
    const set = ['cidr', 'cidrGroupRef', 'cidrGroupSelector'].filter((k) => c[k] !== undefined);
    if (set.length !== 1)
      out.push(`${where}.toCIDRSet[${i}]: exactly one of cidr, cidrGroupRef, cidrGroupSelector`);
    if (c.cidr !== undefined) {
      if (!parsePrefix(c.cidr))
        out.push(`${where}.toCIDRSet[${i}]: unable to parse CIDRRule ${c.cidr}`);
      for (const x of c.except ?? [])
        if (!contains(c.cidr, x))
          out.push(
            `${where}.toCIDRSet[${i}]: allow CIDR prefix ${c.cidr} does not contain exclude CIDR prefix ${x}`,
          );
    }
  });
  (r.toPorts ?? []).forEach((pr: Item, i: number) =>
    out.push(...portRuleProblems(pr, `${where}.toPorts[${i}]`, deny)),
  );
  if (!deny)
    (r.toFQDNs ?? []).forEach((s: Item, i: number) =>
      out.push(...fqdnProblems(s, `${where}.toFQDNs[${i}]`)),
    );
  return out;
}

/** The agent's own checks (Rule.Sanitize and what it calls) on one rule (`spec`, or an item of `specs`). */
function ruleProblems(rule: Item, where: string): string[] {
  const out: string[] = [];
  if (!['ingress', 'ingressDeny', 'egress', 'egressDeny'].some((k) => (rule[k] ?? []).length > 0))
    out.push(`${where}: rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny`);
  if ((rule.endpointSelector === undefined) === (rule.nodeSelector === undefined))
    out.push(`${where}: rule must have one of EndpointSelector or NodeSelector`);
  (rule.egress ?? []).forEach((r: Item, i: number) =>
    out.push(...egressRuleProblems(r, `${where}.egress[${i}]`, false)),
  );
  (rule.egressDeny ?? []).forEach((r: Item, i: number) =>
    out.push(...egressRuleProblems(r, `${where}.egressDeny[${i}]`, true)),
  );
  return out;
}

/** Every problem of one CiliumNetworkPolicy: schema first, then Cilium's Go checks. */
export function ciliumProblems(item: Item): string[] {
  const ref = `${item.kind} ${item.metadata?.namespace}/${item.metadata?.name}`;
  const schema = ciliumSchemaProblems(item).map((p) => `${ref} ${p}`);
  if (schema.length > 0) return schema;
  const rules: Item[] = item.spec ? [item.spec] : [];
  return [
    ...rules.flatMap((r) => ruleProblems(r, `${ref} spec`)),
    ...(item.specs ?? []).flatMap((r: Item, i: number) => ruleProblems(r, `${ref} specs[${i}]`)),
  ];
}
