/**
 * How Cilium reads the label keys of a `toEndpoints` selector, as data the
 * guard's CEL and explain's reading share (cilium/cilium 1.19,
 * pkg/labels/labels.go `parseSource`, pkg/k8s/apis/cilium.io/utils/utils.go
 * `getEndpointSelector`). A namespaced policy's selector is narrowed to the
 * policy's own namespace unless one of its keys names a namespace (or a
 * namespace's labels) or a reserved label; only then may it select an
 * identity that is no pod: world, the nodes, CIDR and FQDN identities.
 */

/** Key prefixes Cilium reads as its `reserved` source (`$world`, `reserved:world`, `reserved.world`). */
export const RESERVED_KEY_PREFIXES = ['$', 'reserved:', 'reserved.'];

/** The pod's namespace label, whatever its source prefix (`k8s:`, `any:`, none): keys end with it. */
export const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';

/** The namespace's own labels as Cilium copies them onto its pods: keys contain it. */
export const NAMESPACE_LABELS_KEY = 'io.cilium.k8s.namespace.labels';

/** Operators that also hold where a label is absent: on a namespace key, they select identities that are no pod. */
export const ABSENT_OPERATORS = ['NotIn', 'DoesNotExist'];

/** Reserved labels of the identities outside the cluster (pkg/labels/reserved). */
export const WORLD_LABELS = ['world', 'world-ipv4', 'world-ipv6'];

/**
 * Entities a team's policy may name (pkg/policy/api/entity.go): none of them
 * forwards. `cluster` holds the nodes (`host`, `remote-node`), whose
 * host-network processes (node-local DNS among them) forward; `ingress` is
 * Cilium's own Envoy; `world`, `all` and `unmanaged` may be anything.
 */
export const TEAM_ENTITIES = ['kube-apiserver', 'health', 'init', 'none'];

/** Whether Cilium reads a selector key as a reserved label. */
export const isReservedKey = (key: string) => RESERVED_KEY_PREFIXES.some((p) => key.startsWith(p));

/** Whether a selector key names the pod's namespace or its namespace's labels. */
export const isNamespaceKey = (key: string) =>
  key.endsWith(NAMESPACE_KEY) || key.includes(NAMESPACE_LABELS_KEY);
