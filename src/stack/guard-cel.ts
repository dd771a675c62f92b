/** One CEL rule of a policy: standard CEL only (no Kubernetes extension library), over `request`, `object`, `oldObject`, `variables`. */
export interface GuardRule {
  expression: string;
  message: string;
  reason: string;
}

/** A named CEL expression of a policy (`spec.variables`), read by the rules as `variables.<name>`. */
export interface GuardVariable {
  name: string;
  expression: string;
}

/** A rule whose failure refuses the request as Forbidden. */
export const rule = (expression: string, message: string): GuardRule => ({
  expression,
  message,
  reason: 'Forbidden',
});

/** A CEL string literal. */
export const celString = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** A CEL list of string literals. */
export const celList = (xs: readonly string[]) => `[${xs.map(celString).join(', ')}]`;

/** A CEL map from string literals to the CEL text `value` writes for each value. */
export const celMapOf = <T>(m: Readonly<Record<string, T>>, value: (v: T) => string) =>
  `{${Object.entries(m)
    .map(([k, v]) => `${celString(k)}: ${value(v)}`)
    .join(', ')}}`;

/** A CEL map of string literals. */
export const celMap = (m: Readonly<Record<string, string>>) => celMapOf(m, celString);

/** Whether map-valued `field` (labels, annotations) of `of` holds `key`. */
export const hasKey = (of: string, field: string, key: string) =>
  `(has(${of}.${field}) && ${celString(key)} in ${of}.${field})`;

/** Whether map-valued `field` of `of` holds `key` with one of `values`. */
export const keyIn = (of: string, field: string, key: string, values: readonly string[]) =>
  `(${hasKey(of, field, key)} && ${of}.${field}[${celString(key)}] in ${celList(values)})`;
