import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * Strict checks of EnvoyFilter patch values against Envoy's own API protos
 * (the tree shipped in @grpc/grpc-js-xds), loaded with protobufjs `keepCase`.
 * A value fails on an unknown field, an `@type` that names no message, an
 * enum value the enum lacks, two fields of one oneof, or a wrong JSON type.
 */

const require = createRequire(import.meta.url);
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const INCLUDE = [
  ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(DEPS, d)),
  // google/protobuf/*.proto (descriptor, any, duration, …) ship with protobufjs.
  dirname(require.resolve('protobufjs/package.json')),
];

const FILES = [
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/extensions/clusters/dynamic_forward_proxy/v3/cluster.proto',
  'envoy/extensions/filters/network/sni_dynamic_forward_proxy/v3/sni_dynamic_forward_proxy.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/network/dns_resolver/cares/v3/cares_dns_resolver.proto',
];

let cached: protobuf.Root | undefined;

/** Envoy's API as one resolved protobufjs root. */
export function envoyRoot(): protobuf.Root {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of INCLUDE) {
      const p = join(dir, target);
      if (existsSync(p)) return p;
    }
    return target;
  };
  root.loadSync(FILES, { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

/** The message an EnvoyFilter `applyTo` patches. */
export const PATCH_TYPES: Record<string, string> = {
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
  LISTENER: 'envoy.config.listener.v3.Listener',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  LISTENER_FILTER: 'envoy.config.listener.v3.ListenerFilter',
  FILTER_CHAIN: 'envoy.config.listener.v3.FilterChain',
};

const INTS = new Set([
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
]);
const WRAPPERS: Record<string, string> = {
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.BytesValue': 'bytes',
};

/** Every problem of `value` read as the JSON form of message `typeName`; empty when it is valid. */
export function checkMessage(typeName: string, value: unknown, path = ''): string[] {
  const type = envoyRoot().lookupType(typeName);
  return checkType(type, value, path);
}

function checkType(type: protobuf.Type, value: unknown, path: string): string[] {
  const full = type.fullName.replace(/^\./, '');
  if (full === 'google.protobuf.Any') return checkAny(value, path);
  if (full === 'google.protobuf.Struct' || full === 'google.protobuf.Value') return [];
  if (full === 'google.protobuf.Duration')
    return typeof value === 'string' && /^-?\d+(\.\d+)?s$/.test(value)
      ? []
      : [`${path}: ${JSON.stringify(value)} is not a Duration`];
  if (WRAPPERS[full]) return checkScalar(WRAPPERS[full], value, path);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: expected a ${full} object, got ${JSON.stringify(value)}`];
  const problems: string[] = [];
  const obj = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(obj)) {
    const field = type.fields[key];
    const at = path ? `${path}.${key}` : key;
    if (!field) {
      problems.push(`${at}: no field "${key}" in ${full}`);
      continue;
    }
    problems.push(...checkField(field, v, at));
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => f.name in obj);
    if (set.length > 1)
      problems.push(
        `${path}: fields ${set.map((f) => f.name).join(', ')} of oneof ${oneof.name} are all set`,
      );
  }
  return problems;
}

function checkField(field: protobuf.Field, value: unknown, path: string): string[] {
  if (field.map) {
    if (typeof value !== 'object' || value === null) return [`${path}: expected a map`];
    return Object.entries(value).flatMap(([k, v]) => checkValue(field, v, `${path}.${k}`));
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((v, i) => checkValue(field, v, `${path}[${i}]`));
  }
  return checkValue(field, value, path);
}

function checkValue(field: protobuf.Field, value: unknown, path: string): string[] {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' && value in resolved.values) return [];
    if (typeof value === 'number' && Object.values(resolved.values).includes(value)) return [];
    return [
      `${path}: ${JSON.stringify(value)} is not a value of enum ${resolved.fullName.replace(/^\./, '')}`,
    ];
  }
  if (resolved instanceof protobuf.Type) return checkType(resolved, value, path);
  return checkScalar(field.type, value, path);
}

function checkScalar(type: string, value: unknown, path: string): string[] {
  const ok =
    type === 'string' || type === 'bytes'
      ? typeof value === 'string'
      : type === 'bool'
        ? typeof value === 'boolean'
        : INTS.has(type)
          ? (typeof value === 'number' &&
              Number.isInteger(value) &&
              (!type.startsWith('u') || value >= 0)) ||
            (typeof value === 'string' && /^-?\d+$/.test(value))
          : type === 'double' || type === 'float'
            ? typeof value === 'number'
            : false;
  return ok ? [] : [`${path}: ${JSON.stringify(value)} is not a valid ${type}`];
}

function checkAny(value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null) return [`${path}: expected an Any object`];
  const { '@type': url, ...rest } = value as Record<string, unknown>;
  if (typeof url !== 'string' || !url.startsWith('type.googleapis.com/'))
    return [`${path}: Any without a type.googleapis.com/ @type`];
  let type: protobuf.Type;
  try {
    type = envoyRoot().lookupType(url.slice('type.googleapis.com/'.length));
  } catch {
    return [`${path}: @type ${url} names no message`];
  }
  return checkType(type, rest, path);
}

/** Checks every configPatch value of an EnvoyFilter resource. */
export function checkEnvoyFilter(ef: {
  spec: { configPatches: { applyTo: string; patch: { value: unknown } }[] };
}): string[] {
  return ef.spec.configPatches.flatMap((p, i) => {
    const typeName = PATCH_TYPES[p.applyTo];
    if (!typeName) return [`configPatches[${i}]: applyTo ${p.applyTo} has no known message`];
    return checkMessage(typeName, p.patch.value, `configPatches[${i}].patch.value`);
  });
}
