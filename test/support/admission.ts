import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';

/**
 * The rendered ValidatingAdmissionPolicies applied to one request the way the
 * API server applies them: a policy counts when one of its bindings selects
 * the request's namespace and one of its resource rules matches the request
 * (a subresource only when named, as `pods/ephemeralcontainers`); then its
 * match conditions, its variables and its validations run as CEL (standard
 * CEL only: no Kubernetes extension function is bound, so a rule that needed
 * one fails here). Whole numbers are CEL ints, as the API server types them.
 * A CEL error is thrown, not read as a refusal: a rule must not fail on the
 * objects it is meant for.
 */

type Item = Record<string, any>;

export interface AdmissionRequest {
  /** API group ('' for core). */
  group: string;
  version?: string;
  kind: string;
  /** Plural resource name, e.g. `pods`. */
  resource: string;
  subResource?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  namespace: string;
  user?: string;
  groups?: string[];
  object?: unknown;
  oldObject?: unknown;
}

export interface Refusal {
  policy: string;
  message: string;
}

/** Plain data as CEL values: objects as maps, lists as lists, whole numbers as ints. */
export function toCel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCel);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (v && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  return v;
}

const env = celEnv();
const programs = new Map<string, ReturnType<typeof plan>>();

/** Evaluates one expression (parsed and planned once); a CEL error throws, naming where. */
function evaluate(expression: string, vars: Record<string, unknown>, where: string): unknown {
  let program = programs.get(expression);
  if (!program) {
    program = plan(env, parse(expression));
    programs.set(expression, program);
  }
  const result = program(vars as never);
  if (isCelError(result))
    throw new Error(`${where}: CEL error in ${expression}: ${result.message}`);
  return result;
}

function selects(binding: Item, namespace: string): boolean {
  const sel = binding.spec.matchResources?.namespaceSelector ?? {};
  for (const [k] of Object.entries(sel))
    if (k !== 'matchExpressions') throw new Error(`unsupported selector ${k}`);
  return (sel.matchExpressions ?? []).every((e: Item) => {
    if (e.key !== 'kubernetes.io/metadata.name') throw new Error(`unsupported key ${e.key}`);
    if (e.operator === 'In') return e.values.includes(namespace);
    if (e.operator === 'NotIn') return !e.values.includes(namespace);
    throw new Error(`unsupported operator ${e.operator}`);
  });
}

function matchesRules(policy: Item, req: AdmissionRequest): boolean {
  const resource = req.subResource ? `${req.resource}/${req.subResource}` : req.resource;
  return (policy.spec.matchConstraints?.resourceRules ?? []).some(
    (r: Item) =>
      (r.apiGroups.includes('*') || r.apiGroups.includes(req.group)) &&
      (r.operations.includes('*') || r.operations.includes(req.operation)) &&
      (r.resources.includes('*') || r.resources.includes(resource)),
  );
}

/** The refusals of one policy (none when it does not apply), bindings not considered. */
export function runPolicy(policy: Item, req: AdmissionRequest): Refusal[] {
  if (!matchesRules(policy, req)) return [];
  const name = policy.metadata.name;
  const vars: Record<string, unknown> = {
    object: toCel(req.object ?? null),
    oldObject: toCel(req.oldObject ?? null),
    request: toCel({
      kind: { group: req.group, version: req.version ?? 'v1', kind: req.kind },
      resource: { group: req.group, version: req.version ?? 'v1', resource: req.resource },
      ...(req.subResource ? { subResource: req.subResource } : {}),
      operation: req.operation,
      namespace: req.namespace,
      userInfo: { username: req.user ?? 'jane', groups: req.groups ?? ['system:authenticated'] },
    }),
  };
  for (const c of policy.spec.matchConditions ?? [])
    if (evaluate(c.expression, vars, `${name} matchCondition ${c.name}`) !== true) return [];
  const variables = new Map<string, unknown>();
  for (const v of policy.spec.variables ?? [])
    variables.set(
      v.name,
      evaluate(v.expression, { ...vars, variables }, `${name} variable ${v.name}`),
    );
  const withVariables = { ...vars, variables };
  return policy.spec.validations
    .filter((v: Item) => evaluate(v.expression, withVariables, `${name} validation`) !== true)
    .map((v: Item) => ({ policy: name, message: v.message }));
}

/** Every refusal the rendered policies give the request: empty means admitted. */
export function admission(items: readonly Item[], req: AdmissionRequest): Refusal[] {
  const policies = items.filter((i) => i.kind === 'ValidatingAdmissionPolicy');
  const bindings = items.filter((i) => i.kind === 'ValidatingAdmissionPolicyBinding');
  return policies.flatMap((p) =>
    bindings.some((b) => b.spec.policyName === p.metadata.name && selects(b, req.namespace))
      ? runPolicy(p, req)
      : [],
  );
}

/** A pod request (CREATE unless said otherwise). */
export function podRequest(pod: Item, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    group: '',
    kind: 'Pod',
    resource: 'pods',
    operation: 'CREATE',
    namespace: pod.metadata.namespace,
    object: pod,
    ...extra,
  };
}
