import { isObject } from '../util/data.js';

/** What a field path leads to in an object: its value, or that it leads nowhere. */
export type Resolved = { found: true; value: unknown } | { found: false };

/**
 * Follows a field path as explain writes it (`spec.tls[0].match[0].sniHosts[3]`,
 * `metadata.labels.istio.io/use-waypoint`) into an object. A key may hold
 * dots (labels, annotations): where a segment is no key, it is joined with
 * the next ones until one is.
 */
export function resolveField(root: unknown, path: string): Resolved {
  const parts = path.split('.');
  let node: unknown = root;
  for (let i = 0; i < parts.length;) {
    let hit: { next: number; key: string; indexes: number[] } | undefined;
    for (let j = i; j < parts.length && !hit; j++) {
      const m = /^(.*?)((?:\[\d+\])*)$/.exec(parts.slice(i, j + 1).join('.'))!;
      if (isObject(node) && m[1] in node)
        hit = {
          next: j + 1,
          key: m[1],
          indexes: [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])),
        };
    }
    if (!hit || !isObject(node)) return { found: false };
    node = node[hit.key];
    for (const k of hit.indexes) {
      if (!Array.isArray(node) || k >= node.length) return { found: false };
      node = node[k] as unknown;
    }
    i = hit.next;
  }
  return { found: true, value: node };
}
