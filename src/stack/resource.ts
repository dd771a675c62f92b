/** A Kubernetes resource the function renders, as plain data in the order it is printed. */
export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [field: string]: unknown;
}

/** Group of an apiVersion: `networking.istio.io/v1` → `networking.istio.io`, `v1` → ``. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Identity key used to match rendered resources with input items: group, kind, namespace, name. */
export function identityKey(
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): string {
  return `${groupOf(apiVersion)}|${kind}|${namespace ?? ''}|${name}`;
}
