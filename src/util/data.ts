/** Plain data read from YAML or JSON, and the few questions every step asks of it. */

/** A parsed JSON or YAML object: neither null nor an array. */
export type JsonObject = Record<string, unknown>;

/** Whether a parsed value is an object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A scalar read as text (`8443` → `"8443"`); a collection, null or absence gives `fallback`. */
export function textOf(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return fallback;
}

/** A string-valued map read from parsed data (labels, annotations); other values are read as text. */
export function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = textOf(v, v === null || v === undefined ? '' : JSON.stringify(v));
  return out;
}
