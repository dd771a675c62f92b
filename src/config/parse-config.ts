import { isObject, type JsonObject } from '../util/data.js';
import type { ErrorObject } from 'ajv';
import { normalizeList, type RawDomain } from '../domains/normalize-list.js';
import { planDomains, type DomainPlan } from '../domains/plan.js';
import { validate } from '../generated/validate-domain-list.js';
import { error, type Result } from '../krm/results.js';
import { SCHEMA_FIELDS } from '../generated/domain-list.js';
import { fromConfigMap } from './config-map.js';
import { suggestion } from './did-you-mean.js';
import { fqdnPolicyProblems } from './fqdn-rules.js';
import { modeProblems } from './mode-rules.js';
import {
  appNamespaces,
  withDefaults,
  type DomainListSpec,
  type DomainSpec,
  type Options,
} from './options.js';

/** The run's options and normalised list, or the errors that stop the run. */
export interface ConfigOutcome {
  options?: Options;
  plan: DomainPlan;
  results: Result[];
  /**
   * The config is kpt's ConfigMap `function-input` (built from `kpt fn eval
   * … -- key=value`), whose name is kpt's, not the list's.
   */
  generatedName?: true;
}

const NO_PLAN: DomainPlan = { all: [], lanes: [], routes: [], portGroups: [] };

export const DOMAIN_LIST_API_VERSION = 'wildcard-egress.dev/v1alpha1';

const ACCEPTED_FORMS =
  `expected a DomainList (apiVersion: ${DOMAIN_LIST_API_VERSION}, kind: DomainList, spec.domains) ` +
  'or a ConfigMap whose data.domains lists the domains separated by commas or newlines';

type Json = JsonObject;

/**
 * Reads the function config: one case per accepted form, and a default case
 * whose error names every accepted form.
 */
export function parseConfig(fc: unknown): ConfigOutcome {
  if (!isObject(fc) || Object.keys(fc).length === 0) {
    return refuse(`no function config: ${ACCEPTED_FORMS}`);
  }
  const { apiVersion, kind } = fc;
  if (kind === 'DomainList' && apiVersion === DOMAIN_LIST_API_VERSION) return fromDomainList(fc);
  if (kind === 'ConfigMap' && apiVersion === 'v1') {
    const converted = fromConfigMap(fc);
    if (converted.results.length > 0) return { plan: NO_PLAN, results: converted.results };
    const outcome = fromDomainList(converted.domainList, converted.pathOf);
    return converted.generatedName ? { ...outcome, generatedName: true } : outcome;
  }
  return refuse(
    `unsupported function config apiVersion ${JSON.stringify(apiVersion ?? null)}, kind ${JSON.stringify(kind ?? null)}: ${ACCEPTED_FORMS}`,
  );
}

function refuse(message: string): ConfigOutcome {
  return { plan: NO_PLAN, results: [error(message)] };
}

function fromDomainList(doc: Json, pathOf: (specPath: string) => string = (p) => p): ConfigOutcome {
  const file = fileOf(doc);
  if (!validate(doc)) {
    const results = (validate.errors ?? []).map((e) => schemaError(e, doc, pathOf, file));
    return { plan: NO_PLAN, results };
  }
  const spec = doc.spec as DomainListSpec;
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  const listName = typeof metadata.name === 'string' ? metadata.name : '';
  if (listName === '')
    return {
      plan: NO_PLAN,
      results: [
        error(
          'the list has no name: every resource it renders carries it (annotation wildcard-egress.dev/domain-list), and a later run with another name would refuse them; write metadata: {name: egress}',
          { field: { path: 'metadata.name' }, ...(file ? { file } : {}) },
        ),
      ],
    };
  const raw: RawDomain[] = [
    ...spec.domains.map((d, i) => rawDomain(d, pathOf(`spec.domains[${i}]`))),
    ...(spec.production?.teams ?? []).flatMap((t, ti) =>
      t.domains.map((d, i) => rawDomain(d, `spec.production.teams[${ti}].domains[${i}]`, t.name)),
    ),
  ];
  const list = normalizeList(raw, pathOf('spec.domains'), file, spec.clusterDomain);
  const options = withDefaults(spec, listName);
  const crossField = productionProblems(options, file);
  const { plan, results: planResults } = planDomains(list.entries, options);
  return {
    options,
    plan,
    results: [
      ...list.results,
      ...planResults,
      ...crossField,
      ...modeProblems(options, plan, file),
      ...fqdnPolicyProblems(options, file),
    ],
  };
}

function rawDomain(d: DomainSpec, path: string, team?: string): RawDomain {
  const base =
    typeof d === 'string'
      ? { value: d, path }
      : {
          value: d.name,
          path: `${path}.name`,
          ...(d.ports ? { ports: [...new Set(d.ports)] } : {}),
          ...(d.protocol ? { protocol: d.protocol } : {}),
        };
  return team ? { ...base, team } : base;
}

/** Rules between production fields that a schema cannot say. */
function productionProblems(o: Options, file?: Result['file']): Result[] {
  const p = o.production;
  const at = (path: string, message: string, value?: unknown) =>
    error(message, {
      field: { path, ...(value === undefined ? {} : { currentValue: value }) },
      ...(file ? { file } : {}),
    });
  const out: Result[] = [];
  const needNamespaces = (['sidecars', 'networkPolicies', 'authorization'] as const).filter(
    (k) => p[k],
  );
  if (needNamespaces.length > 0 && appNamespaces(p).length === 0) {
    out.push(
      at(
        'spec.production.namespaces',
        `spec.production.namespaces lists no namespace, which ${needNamespaces.join(', ')} need`,
      ),
    );
  }
  // The root namespace's Sidecar is every namespace's default, and a NetworkPolicy there (or where istiod
  // or the gateway runs) would cut the control plane or the forwarder off: none is an application namespace.
  const reserved = new Map([
    [o.gateway.namespace, 'the gateway namespace: its pods have policies of their own'],
    [
      p.istiodNamespace,
      "istiod's namespace: a NetworkPolicy there would cut istiod off from the API server",
    ],
    [
      o.rootNamespace,
      'the root namespace: its namespace-wide Sidecar is the default of every namespace in the mesh, and a NetworkPolicy there would cut istiod off',
    ],
  ]);
  const listed: [string, string][] = [
    ...p.namespaces.map((ns, i): [string, string] => [ns, `spec.production.namespaces[${i}]`]),
    ...(p.teams ?? []).flatMap((t, ti) =>
      t.namespaces.map((ns, i): [string, string] => [
        ns,
        `spec.production.teams[${ti}].namespaces[${i}]`,
      ]),
    ),
  ];
  for (const [ns, path] of listed) {
    const why = reserved.get(ns);
    if (why)
      out.push(
        at(
          path,
          `${JSON.stringify(ns)} is ${why}; list only the namespaces of the applications whose egress the list governs`,
          ns,
        ),
      );
  }
  if (p.teams && p.teams.length > 0) {
    // The shared lane must admit someone by identity, and team isolation is enforced at the gateway:
    // without both, every mesh identity could use the shared list, or any team's lane.
    if (p.namespaces.length === 0) {
      out.push(
        at(
          'spec.production.namespaces',
          'spec.production.teams needs spec.production.namespaces: the namespaces that may use spec.domains (without them the shared lane would admit every mesh identity)',
        ),
      );
    }
    if (!p.authorization && o.mode !== 'sidecar') {
      out.push(
        at(
          'spec.production.authorization',
          "spec.production.teams needs spec.production.authorization: a team is kept to its own lane by the gateway's AuthorizationPolicy",
          false,
        ),
      );
    }
  }
  const ha = p.highAvailability;
  if (ha && ha.minAvailable >= ha.replicas) {
    out.push(
      at(
        'spec.production.highAvailability.minAvailable',
        `minAvailable ${ha.minAvailable} must be below replicas ${ha.replicas}, or no node could ever be drained`,
        ha.minAvailable,
      ),
    );
  }
  if (ha && ha.maxReplicas < ha.replicas) {
    out.push(
      at(
        'spec.production.highAvailability.maxReplicas',
        `maxReplicas ${ha.maxReplicas} is below replicas ${ha.replicas}`,
        ha.maxReplicas,
      ),
    );
  }
  const teamNames = (p.teams ?? []).map((t) => t.name);
  teamNames.forEach((name, i) => {
    if (teamNames.indexOf(name) !== i)
      out.push(
        at(
          `spec.production.teams[${i}].name`,
          `team name ${JSON.stringify(name)} is used twice`,
          name,
        ),
      );
  });
  return out;
}

function fileOf(doc: Json): Result['file'] | undefined {
  const annotations =
    isObject(doc.metadata) && isObject(doc.metadata.annotations) ? doc.metadata.annotations : {};
  const path =
    annotations['config.kubernetes.io/path'] ?? annotations['internal.config.kubernetes.io/path'];
  return typeof path === 'string' ? { path } : undefined;
}

/** `/spec/domains/3` → `spec.domains[3]`. */
export function toFieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function valueAt(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const seg of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function schemaError(
  e: ErrorObject,
  doc: Json,
  pathOf: (p: string) => string,
  file?: Result['file'],
): Result {
  const at = toFieldPath(e.instancePath);
  const extra = file ? { file } : {};
  if (e.keyword === 'additionalProperties') {
    const name = String((e.params as { additionalProperty: string }).additionalProperty);
    const path = pathOf(at ? `${at}.${name}` : name);
    const known = SCHEMA_FIELDS[e.schemaPath.replace(/\/additionalProperties$/, '')] ?? [];
    return error(`unknown field ${JSON.stringify(name)}${suggestion(name, known)}`, {
      field: { path },
      ...extra,
    });
  }
  if (e.keyword === 'required') {
    const name = String((e.params as { missingProperty: string }).missingProperty);
    const path = pathOf(at ? `${at}.${name}` : name);
    return error('missing required field', { field: { path }, ...extra });
  }
  const path = pathOf(at);
  const value = valueAt(doc, e.instancePath);
  const reason =
    e.keyword === 'enum'
      ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
      : (e.message ?? 'is invalid');
  return error(`value ${JSON.stringify(value)} ${reason}`, {
    field: { path, currentValue: value },
    ...extra,
  });
}
