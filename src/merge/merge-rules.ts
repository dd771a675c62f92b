/**
 * How the function's rendered fields are merged into an item that has a
 * rendered resource's identity, as data: one row per field whose merge is not
 * the default, in the spirit of kustomize's field specs and Kubernetes'
 * strategic-merge keys. A new kind is new rows, not new code.
 *
 * Defaults (no row): a map merges key by key (keys only the user wrote stay);
 * a list whose rendered elements all have `name` merges by `name`; any other
 * list is owned whole.
 *
 * Row types:
 * - `atomic`: the rendered value replaces the field whole (Kubernetes'
 *   `x-kubernetes-list-type: atomic` / `map-type: atomic`): selectors, routes
 *   and patches whose every part is the function's.
 * - `map`: a list of maps merged element by element, matched by `key` (never
 *   by position); an element only the user wrote stays, unless `owned` says
 *   it is one the function wrote (then a changed option removes it).
 * - `set`: a list of strings; entries the function wrote (`owned`, or in the
 *   rendered list) follow the rendered list, the user's other entries stay.
 * - `create`: written only when absent (an immutable field such as a
 *   Deployment's selector).
 */
export type MergeRule =
  | { type: 'atomic' }
  | { type: 'create' }
  | { type: 'map'; key: string[]; owned?: Ownership }
  | { type: 'set'; owned?: Ownership };

/**
 * Recognises an element (or a set entry) the function writes: a field path
 * (`.` for the entry itself) and what it holds: `equals`, or starts with
 * `prefix`, and is none of `except`; `{routingNamespace}` is filled in.
 */
export interface Ownership {
  path: string;
  prefix?: string;
  equals?: string;
  except?: string[];
}

/**
 * A row: which kind (`*` for every kind), which field (a field path, `*` for
 * any list element), and its rule; keys and ownership tests are field paths
 * relative to an element (paths/field-path.ts), `?` after a key reading its presence.
 */
export interface MergeRow {
  group: string;
  kind: string;
  path: string;
  rule: MergeRule;
}

const NET = 'networking.istio.io';
const SEC = 'security.istio.io';
const ATOMIC: MergeRule = { type: 'atomic' };

/** The rows of every kind the function renders. */
export const MERGE_ROWS: readonly MergeRow[] = [
  { group: '', kind: 'Service', path: 'spec.selector', rule: ATOMIC },
  {
    group: '',
    kind: 'Service',
    path: 'spec.ports',
    rule: { type: 'map', key: ['port'], owned: { path: 'name', prefix: 'tls-egress' } },
  },
  // Immutable on an existing install.
  { group: 'apps', kind: 'Deployment', path: 'spec.selector', rule: { type: 'create' } },
  {
    group: 'apps',
    kind: 'Deployment',
    path: 'spec.template.spec.containers',
    rule: { type: 'map', key: ['name'] },
  },
  {
    group: 'apps',
    kind: 'Deployment',
    path: 'spec.template.spec.topologySpreadConstraints',
    rule: {
      type: 'map',
      key: ['topologyKey'],
      owned: { path: 'labelSelector.matchLabels.wildcard-egress\\.dev/gateway', prefix: '' },
    },
  },
  {
    group: 'apps',
    kind: 'Deployment',
    path: 'spec.template.spec.topologySpreadConstraints.*.labelSelector',
    rule: ATOMIC,
  },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', path: 'rules', rule: ATOMIC },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', path: 'subjects', rule: ATOMIC },
  { group: NET, kind: 'Gateway', path: 'spec.selector', rule: ATOMIC },
  {
    group: NET,
    kind: 'Gateway',
    path: 'spec.servers',
    rule: { type: 'map', key: ['port.number'], owned: { path: 'port.name', prefix: 'tls-egress' } },
  },
  { group: NET, kind: 'Gateway', path: 'spec.servers.*.hosts', rule: ATOMIC },
  { group: NET, kind: 'VirtualService', path: 'spec.hosts', rule: ATOMIC },
  { group: NET, kind: 'VirtualService', path: 'spec.gateways', rule: ATOMIC },
  // A route is its destination (host and port), the port it matches, and whether it is scoped to namespaces.
  {
    group: NET,
    kind: 'VirtualService',
    path: 'spec.tls',
    rule: {
      type: 'map',
      key: [
        'route.0.destination.host',
        'route.0.destination.port.number',
        'match.0.port',
        'match.0.sourceNamespace?',
      ],
      owned: { path: 'route.0.destination.subset', equals: 'wildcard' },
    },
  },
  { group: NET, kind: 'VirtualService', path: 'spec.tls.*.match', rule: ATOMIC },
  { group: NET, kind: 'VirtualService', path: 'spec.tls.*.route', rule: ATOMIC },
  {
    group: NET,
    kind: 'VirtualService',
    path: 'spec.tcp',
    rule: {
      type: 'map',
      key: ['route.0.destination.host'],
      owned: { path: 'route.0.destination.host', equals: 'dummy.local' },
    },
  },
  { group: NET, kind: 'VirtualService', path: 'spec.tcp.*.match', rule: ATOMIC },
  { group: NET, kind: 'VirtualService', path: 'spec.tcp.*.route', rule: ATOMIC },
  {
    group: NET,
    kind: 'DestinationRule',
    path: 'spec.subsets',
    rule: { type: 'map', key: ['name'] },
  },
  { group: NET, kind: 'ServiceEntry', path: 'spec.hosts', rule: ATOMIC },
  {
    group: NET,
    kind: 'ServiceEntry',
    path: 'spec.ports',
    rule: { type: 'map', key: ['number'], owned: { path: 'name', prefix: 'tls' } },
  },
  { group: NET, kind: 'EnvoyFilter', path: 'spec.workloadSelector', rule: ATOMIC },
  // A patch is what it adds (its name) or what it matches (the listener port).
  {
    group: NET,
    kind: 'EnvoyFilter',
    path: 'spec.configPatches',
    rule: {
      type: 'map',
      key: ['applyTo', 'patch.operation', 'patch.value.name', 'match.listener.portNumber'],
      owned: { path: 'match.context', equals: 'GATEWAY' },
    },
  },
  { group: NET, kind: 'EnvoyFilter', path: 'spec.configPatches.*.match', rule: ATOMIC },
  { group: NET, kind: 'EnvoyFilter', path: 'spec.configPatches.*.patch', rule: ATOMIC },
  {
    group: NET,
    kind: 'Sidecar',
    path: 'spec.egress',
    rule: { type: 'map', key: ['port.number?'] },
  },
  // Imports of the list's names from the routing namespace are the function's; `ns/*` stays the user's.
  {
    group: NET,
    kind: 'Sidecar',
    path: 'spec.egress.*.hosts',
    rule: {
      type: 'set',
      owned: { path: '.', prefix: '{routingNamespace}/', except: ['{routingNamespace}/*'] },
    },
  },
  { group: 'telemetry.istio.io', kind: 'Telemetry', path: 'spec.selector', rule: ATOMIC },
  { group: 'telemetry.istio.io', kind: 'Telemetry', path: 'spec.accessLogging', rule: ATOMIC },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', path: 'spec.podSelector', rule: ATOMIC },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', path: 'spec.policyTypes', rule: ATOMIC },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', path: 'spec.egress', rule: ATOMIC },
  { group: SEC, kind: 'AuthorizationPolicy', path: 'spec.selector', rule: ATOMIC },
  { group: SEC, kind: 'AuthorizationPolicy', path: 'spec.rules', rule: ATOMIC },
  { group: 'policy', kind: 'PodDisruptionBudget', path: 'spec.selector', rule: ATOMIC },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', path: 'spec.metrics', rule: ATOMIC },
  {
    group: 'autoscaling',
    kind: 'HorizontalPodAutoscaler',
    path: 'spec.scaleTargetRef',
    rule: ATOMIC,
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicy',
    path: 'spec.matchConstraints',
    rule: ATOMIC,
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicy',
    path: 'spec.validations',
    rule: ATOMIC,
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicyBinding',
    path: 'spec.matchResources',
    rule: ATOMIC,
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicyBinding',
    path: 'spec.validationActions',
    rule: ATOMIC,
  },
];

/** The rule for a field of a kind (`path` with `*` for list indexes), or undefined for the default. */
export function ruleFor(group: string, kind: string, path: string): MergeRule | undefined {
  return MERGE_ROWS.find(
    (r) =>
      (r.kind === kind || r.kind === '*') &&
      (r.group === group || r.kind === '*') &&
      r.path === path,
  )?.rule;
}
