import { isObject } from '../util/data.js';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';

/**
 * Field paths in kustomize's style, the one path language of the project
 * (host places, targets and merge keys): keys separated by dots (`\.` is a
 * dot inside a key, as in label keys), `*` for every element of a list, a
 * number for one element (`route.0.destination.host`), `[key=value]` for the
 * elements of a list of maps whose `key` (itself a path, list values
 * flattened) includes `value`, `[key~value]`, which also accepts
 * elements where `key` is absent, and `[!key]`, which accepts only those.
 */
export type Segment =
  | { type: 'key'; key: string }
  | { type: 'each' }
  | { type: 'select'; path: Segment[]; value: string; orAbsent: boolean; absentOnly?: boolean };

/** Whether a `select` segment keeps an element where its key reached `found` (undefined: absent). */
function holds(seg: Extract<Segment, { type: 'select' }>, found: readonly string[] | undefined) {
  if (found === undefined) return seg.orAbsent;
  return !seg.absentOnly && found.includes(seg.value);
}

/** Thrown for a path that cannot be parsed; the message quotes it. */
export class FieldPathError extends Error {}

/** Parses a field path such as `spec.tls.*.match.[gateways~mesh].sniHosts`. */
export function parseFieldPath(path: string): Segment[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && path[i + 1] === '.' && depth === 0) {
      current += '\u0000';
      i++;
      continue;
    }
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (depth < 0)
      throw new FieldPathError(`field path ${JSON.stringify(path)} has an unmatched "]"`);
    if (c === '.' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  if (depth !== 0)
    throw new FieldPathError(`field path ${JSON.stringify(path)} has an unmatched "["`);
  parts.push(current);
  const segments = parts.map((part): Segment => {
    if (part === '')
      throw new FieldPathError(`field path ${JSON.stringify(path)} has an empty segment`);
    if (part === '*') return { type: 'each' };
    if (part.startsWith('[!') && part.endsWith(']') && !/[=~]/.test(part)) {
      const key = part.slice(2, -1);
      return {
        type: 'select',
        path: parseFieldPath(key),
        value: '',
        orAbsent: true,
        absentOnly: true,
      };
    }
    if (part.startsWith('[') && part.endsWith(']')) {
      const m = /^\[([^=~]+)([=~])(.*)\]$/.exec(part);
      if (!m)
        throw new FieldPathError(
          `field path ${JSON.stringify(path)} has a selector ${JSON.stringify(part)} that is not [key=value]`,
        );
      return { type: 'select', path: parseFieldPath(m[1]), value: m[3], orAbsent: m[2] === '~' };
    }
    return { type: 'key', key: part.replaceAll('\u0000', '.') };
  });
  if (segments[segments.length - 1].type !== 'key') {
    throw new FieldPathError(`field path ${JSON.stringify(path)} must end with a field name`);
  }
  return segments;
}

/** A segment that picks one list element by its position. */
const INDEX = /^\d+$/;

/**
 * The scalar values a path reaches in plain data, lists flattened, read by
 * `scalar` (which may see through wrappers such as the merge's source text);
 * undefined when the path is absent.
 */
export function valuesAt(
  data: unknown,
  segments: readonly Segment[],
  scalar: (x: unknown) => string | undefined,
): string[] | undefined {
  const walkData = (x: unknown, i: number): string[] | undefined => {
    if (i === segments.length) {
      if (Array.isArray(x)) return x.flatMap((v) => scalar(v) ?? []);
      const v = scalar(x);
      return v === undefined ? [] : [v];
    }
    const seg = segments[i];
    if (seg.type === 'key') {
      if (Array.isArray(x) && INDEX.test(seg.key)) {
        const el: unknown = x[Number(seg.key)];
        return el === undefined ? undefined : walkData(el, i + 1);
      }
      return isObject(x) && seg.key in x ? walkData(x[seg.key], i + 1) : undefined;
    }
    if (!Array.isArray(x)) return undefined;
    let any = false;
    const all: string[] = [];
    for (const el of x as unknown[]) {
      if (seg.type === 'select') {
        const found = isObject(el) ? valuesAt(el, seg.path, scalar) : undefined;
        if (!holds(seg, found)) continue;
      }
      const v = walkData(el, i + 1);
      if (v !== undefined) {
        any = true;
        all.push(...v);
      }
    }
    return any ? all : undefined;
  };
  return walkData(data, 0);
}

/** One field the path reaches: the map holding it, its key, and the concrete path for results. */
export interface FieldHit {
  parent: YAMLMap;
  key: string;
  value: Node | null;
  path: string;
}

/** Every existing field the path reaches under `root`, in document order. */
export function resolveFieldPath(root: Node, segments: readonly Segment[]): FieldHit[] {
  const hits: FieldHit[] = [];
  walk(root, segments, 0, '', hits);
  return hits;
}

function walk(
  node: unknown,
  segments: readonly Segment[],
  i: number,
  at: string,
  hits: FieldHit[],
): void {
  const seg = segments[i];
  if (seg.type === 'key') {
    if (isSeq(node) && INDEX.test(seg.key)) {
      const child = node.items[Number(seg.key)];
      if (child !== undefined) walk(child, segments, i + 1, `${at}[${seg.key}]`, hits);
      return;
    }
    if (!isMap(node) || !node.has(seg.key)) return;
    const child = node.get(seg.key, true) as Node | null;
    const path = at ? `${at}.${seg.key}` : seg.key;
    if (i === segments.length - 1) {
      hits.push({ parent: node, key: seg.key, value: child ?? null, path });
      return;
    }
    walk(child, segments, i + 1, path, hits);
    return;
  }
  if (!isSeq(node)) return;
  node.items.forEach((item, index) => {
    if (seg.type === 'select' && !matches(item, seg)) return;
    walk(item, segments, i + 1, `${at}[${index}]`, hits);
  });
}

function matches(item: unknown, seg: Extract<Segment, { type: 'select' }>): boolean {
  if (!isMap(item)) return false;
  return holds(seg, collectValues(item, seg.path, 0));
}

/** Scalar values at a path, lists flattened; `undefined` when the path is absent. */
function collectValues(
  node: unknown,
  segments: readonly Segment[],
  i: number,
): string[] | undefined {
  if (i === segments.length) {
    if (isScalar(node)) return [String(node.value)];
    if (isSeq(node)) return node.items.flatMap((x) => (isScalar(x) ? [String(x.value)] : []));
    return [];
  }
  const seg = segments[i];
  if (seg.type === 'key') {
    if (!isMap(node) || !node.has(seg.key)) return undefined;
    return collectValues(node.get(seg.key, true), segments, i + 1);
  }
  if (!isSeq(node)) return undefined;
  const all: string[] = [];
  let any = false;
  for (const item of node.items) {
    if (seg.type === 'select' && !matches(item, seg)) continue;
    const v = collectValues(item, segments, i + 1);
    if (v !== undefined) {
      any = true;
      all.push(...v);
    }
  }
  return any ? all : undefined;
}

/**
 * The concrete paths where `segments` reach a list in plain data (a rendered
 * resource), without building YAML nodes: `spec.tls[0].match[1].sniHosts`.
 */
export function listPathsInData(data: unknown, segments: readonly Segment[]): string[] {
  const out: string[] = [];
  const values = (x: unknown, segs: readonly Segment[]): unknown[] | undefined => {
    if (segs.length === 0) return Array.isArray(x) ? (x as unknown[]) : [x];
    const [seg, ...rest] = segs;
    if (seg.type === 'key')
      return isObject(x) && seg.key in x ? values(x[seg.key], rest) : undefined;
    if (!Array.isArray(x)) return undefined;
    let any = false;
    const all: unknown[] = [];
    for (const el of x) {
      if (seg.type === 'select' && !selects(el, seg)) continue;
      const v = values(el, rest);
      if (v !== undefined) {
        any = true;
        all.push(...v);
      }
    }
    return any ? all : undefined;
  };
  const selects = (el: unknown, seg: Extract<Segment, { type: 'select' }>): boolean => {
    if (!isObject(el)) return false;
    const found = values(el, seg.path);
    return holds(seg, found?.map(String));
  };
  const walkData = (x: unknown, i: number, at: string): void => {
    const seg = segments[i];
    if (seg.type === 'key') {
      if (!isObject(x) || !(seg.key in x)) return;
      const path = at ? `${at}.${seg.key}` : seg.key;
      if (i === segments.length - 1) {
        if (Array.isArray(x[seg.key])) out.push(path);
        return;
      }
      walkData(x[seg.key], i + 1, path);
      return;
    }
    if (!Array.isArray(x)) return;
    x.forEach((el, index) => {
      if (seg.type === 'select' && !selects(el, seg)) return;
      walkData(el, i + 1, `${at}[${index}]`);
    });
  };
  walkData(data, 0, '');
  return out;
}
