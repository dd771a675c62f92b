import { parseAllDocuments } from 'yaml';
import type { Io } from '../command/io.js';
import { isObject, type JsonObject, textOf } from '../util/data.js';
import { repairKptQuotes } from '../krm/repair-kpt-quotes.js';
import { locateYamlError } from '../krm/yaml-errors.js';
import { MAX_ALIAS_COUNT, PARSE_OPTIONS } from '../krm/yaml-options.js';

/** A Kubernetes object read from the manifests. */
export type Item = JsonObject & { kind: string; metadata: JsonObject };

/** A file explain could not read as manifests. */
export class ManifestError extends Error {}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** Every manifest file under the paths: a directory's YAML and JSON files, depth first in name order, hidden entries skipped. */
function filesOf(paths: readonly string[], io: Io): string[] {
  const out: string[] = [];
  const walk = (path: string, top: boolean) => {
    const entries = path === '-' ? undefined : io.listDir(path);
    if (!entries) {
      if (top || MANIFEST_FILE.test(path)) out.push(path);
      return;
    }
    for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue;
      const child = `${path.replace(/\/+$/, '')}/${e.name}`;
      if (e.directory) walk(child, false);
      else if (MANIFEST_FILE.test(e.name)) out.push(child);
    }
  };
  for (const p of paths) walk(p, true);
  return out;
}

/** Client-side config that is never applied to a cluster: kpt's Kptfile, items marked local-config. */
function isLocalConfig(item: Item): boolean {
  const annotations = isObject(item.metadata.annotations) ? item.metadata.annotations : {};
  return (
    item.kind === 'Kptfile' || String(annotations['config.kubernetes.io/local-config']) === 'true'
  );
}

/** The objects of one document: itself, or the items of a ResourceList or List. */
function objectsOf(doc: unknown): Item[] {
  if (!isObject(doc)) return [];
  if ((doc.kind === 'ResourceList' || doc.kind === 'List') && Array.isArray(doc.items))
    return doc.items.flatMap(objectsOf);
  if (typeof doc.kind !== 'string') return [];
  return [{ ...doc, kind: doc.kind, metadata: isObject(doc.metadata) ? doc.metadata : {} }];
}

/**
 * Reads the manifests under the paths (files, directories of YAML as kpt
 * and kustomize write them, `-` for stdin; ResourceLists and Lists are
 * unwrapped) and returns the objects a cluster would hold: local config left
 * out (kept with `keepLocalConfig`, to read a function config). Unreadable files and YAML errors throw a ManifestError naming the file
 * and line.
 */
export function readManifests(
  paths: readonly string[],
  io: Io,
  keepLocalConfig = false,
): { items: Item[]; files: number } {
  const files = filesOf(paths, io);
  const items: Item[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? io.stdin() : io.readFile(file);
    } catch (e) {
      throw new ManifestError(`${file} cannot be read: ${(e as Error).message}`);
    }
    const repaired = repairKptQuotes(text);
    for (const doc of parseAllDocuments(repaired, PARSE_OPTIONS)) {
      const problem = doc.errors[0];
      if (problem) {
        const { at, message } = locateYamlError(repaired, problem);
        throw new ManifestError(
          `${file === '-' ? 'stdin' : file} is not valid YAML at ${at}: ${message}`,
        );
      }
      items.push(
        ...objectsOf(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })).filter(
          (i) => keepLocalConfig || !isLocalConfig(i),
        ),
      );
    }
  }
  return { items, files: files.length };
}

/** `Kind namespace/name`, or `Kind name` for an object without a namespace. */
export function refOf(item: Item): string {
  const ns = item.metadata.namespace;
  return `${item.kind} ${typeof ns === 'string' && ns ? `${ns}/` : ''}${textOf(item.metadata.name)}`;
}

/** The namespace of an object (`default` when it names none, as kubectl applies it). */
export function namespaceOfItem(item: Item): string {
  return typeof item.metadata.namespace === 'string' && item.metadata.namespace
    ? item.metadata.namespace
    : 'default';
}

/** The object's `spec`, or an empty one. */
export function specOf(item: Item): JsonObject {
  return isObject(item.spec) ? item.spec : {};
}

/** The labels of an item (empty when it has none). */
export function labelsOf(item: Item): Record<string, unknown> {
  return isObject(item.metadata.labels) ? item.metadata.labels : {};
}

/** A list field as objects (anything else in it dropped). */
export function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** A list field as strings. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Whether a label selector map selects the labels. */
export function selects(selector: unknown, labels: Record<string, unknown>): boolean {
  if (!isObject(selector)) return true;
  return Object.entries(selector).every(([k, v]) => String(labels[k]) === String(v));
}

/** The objects of a kind, in order. */
export function ofKind(items: readonly Item[], kind: string, group?: string): Item[] {
  return items.filter(
    (i) => i.kind === kind && (group === undefined || textOf(i.apiVersion).startsWith(`${group}/`)),
  );
}

/** API groups of the objects explain decides from. */
const ISTIO_GROUPS = ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'];

/** Whether an object is one explain decides from: an Istio API object, or an ambient waypoint (a Gateway API Gateway of class istio-waypoint). */
export function isIstioObject(item: Item): boolean {
  const group = textOf(item.apiVersion).split('/')[0];
  if (ISTIO_GROUPS.includes(group)) return true;
  return (
    group === 'gateway.networking.k8s.io' &&
    item.kind === 'Gateway' &&
    specOf(item).gatewayClassName === 'istio-waypoint'
  );
}
