/**
 * Concrete field paths, as results print them: keys joined by dots, list
 * indexes in brackets (`spec.tls[0].match[1].sniHosts`).
 */

/** `spec.tls[0].match[1].sniHosts` → `['spec', 'tls', 0, 'match', 1, 'sniHosts']`. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** `['spec', 'tls', 0, 'match']` → `spec.tls[0].match`. */
export function pathOf(segs: readonly (string | number)[]): string {
  return segs.reduce<string>(
    (acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s),
    '',
  );
}
