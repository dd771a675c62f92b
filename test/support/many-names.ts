/**
 * Long lists for the scale tests: `n` distinct names, 40% wildcards, about 17
 * characters on average, deterministic (the same n gives the same names).
 */
export function manyNames(n: number, seed = 1): string[] {
  const out: string[] = [];
  let x = seed;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const word = (len: number) =>
    Array.from({ length: len }, () => 'abcdefghijklmnopqrstuvwxyz'[next() % 26]).join('');
  const tlds = ['com', 'org', 'net', 'io', 'dev'];
  for (let i = 0; i < n; i++) {
    const name = `${word(3 + (next() % 5))}${i.toString(36)}.${tlds[next() % tlds.length]}`;
    out.push(i % 5 < 2 ? `*.${name}` : `api.${name}`);
  }
  return out;
}
