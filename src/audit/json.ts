/** A parsed JSON or YAML object: neither null nor an array. */
export type JsonObject = Record<string, unknown>;

/** Whether a parsed value is an object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
