/**
 * IPv4 and IPv6 prefixes as numbers, for the one question the policies ask:
 * does one range lie inside another.
 */

interface Prefix {
  v6: boolean;
  /** The address, as a number of 32 or 128 bits. */
  address: bigint;
  length: number;
}

function v4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return;
  return parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n);
}

function v6(text: string): bigint | undefined {
  let head = text;
  let tail4: bigint | undefined;
  const dotted = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail4 = v4(text.slice(dotted + 1));
    if (tail4 === undefined) return;
    head = `${text.slice(0, dotted + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return;
  const n = all.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n);
  return tail4 === undefined ? n : (n & ~0xffffffffn) | tail4;
}

/** A prefix (`10.0.0.0/8`, `fd00::1/128`, or a bare address), or undefined when it is not one. */
export function parsePrefix(cidr: string): Prefix | undefined {
  const [ip, len] = cidr.split('/');
  const isV6 = ip.includes(':');
  const address = isV6 ? v6(ip) : v4(ip);
  const bits = isV6 ? 128 : 32;
  const length = len === undefined ? bits : Number(len);
  if (address === undefined || !Number.isInteger(length) || length < 0 || length > bits) return;
  return { v6: isV6, address, length };
}

/** Whether every address of `inner` lies in `outer` (same family; equal ranges included). */
export function cidrContains(outer: string, inner: string): boolean {
  const a = parsePrefix(outer);
  const b = parsePrefix(inner);
  if (!a || !b || a.v6 !== b.v6 || b.length < a.length) return false;
  const shift = BigInt((a.v6 ? 128 : 32) - a.length);
  return a.address >> shift === b.address >> shift;
}
