import { normalizeDomain } from '../domains/normalize-domain.js';

/** Port of a connection when HOST is given without one: HTTPS. */
export const DEFAULT_PORT = 443;

/** The connection asked about, or why HOST[:PORT] cannot be read at all (a usage error). */
export type HostArg =
  | {
      ok: true;
      raw: string;
      port: number;
      name: { ok: true; host: string; warnings: string[] } | { ok: false; reason: string };
    }
  | { ok: false; usage: string };

/**
 * Reads `HOST[:PORT]`. A port that is no number from 1 to 65535 is a usage
 * error; a host is judged by the same domain rules as a list entry (trimmed,
 * lower-cased, trailing dot dropped, international names to punycode), and
 * one those rules refuse is a refused connection, not a usage error. A
 * wildcard names no single host: it is refused too.
 */
export function parseHostArg(arg: string): HostArg {
  let raw = arg.trim();
  let port = DEFAULT_PORT;
  // `[v6]:port`, `name:port`; a bare IPv6 address keeps its colons for the domain rules to refuse.
  const bracket = /^\[([^\]]*)\]:(\d*)$/.exec(raw);
  const named = /^([^:]*):([^:]*)$/.exec(raw);
  const portText = bracket ? bracket[2] : named ? named[2] : undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return {
        ok: false,
        usage: `port ${JSON.stringify(portText)} of ${JSON.stringify(arg)} is not a number from 1 to 65535`,
      };
    }
    port = Number(portText);
    raw = bracket ? `[${bracket[1]}]` : named![1];
  }
  if (raw === '') return { ok: false, usage: `no host in ${JSON.stringify(arg)}` };
  const check = normalizeDomain(raw);
  if (!check.ok) return { ok: true, raw, port, name: { ok: false, reason: check.reason } };
  if (check.domain.startsWith('*.')) {
    return {
      ok: true,
      raw,
      port,
      name: {
        ok: false,
        reason: 'is a wildcard: a connection names one host (its SNI); ask about a name under it',
      },
    };
  }
  return {
    ok: true,
    raw,
    port,
    name: { ok: true, host: check.domain, warnings: check.warnings ?? [] },
  };
}
