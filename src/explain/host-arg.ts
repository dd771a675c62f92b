import { looksLikeIp, normalizeDomain } from '../domains/normalize-domain.js';

/** Port of a connection when HOST is given without one: HTTPS. */
export const DEFAULT_PORT = 443;

/** The connection asked about, or why HOST[:PORT] cannot be read at all (a usage error). */
export type HostArg =
  | {
      ok: true;
      raw: string;
      port: number;
      name: { ok: true; host: string; warnings: string[] } | { ok: false; reason: string };
      /** How a URL or a path was read (`https://x/wiki` → x:443). */
      notes: string[];
    }
  | { ok: false; usage: string };

/** Default ports of the URL schemes a connection can be asked by. */
const SCHEME_PORTS: Record<string, number> = { https: 443, http: 80 };

/**
 * A URL, or a host with a path (`en.wikipedia.org/wiki`), as the `HOST[:PORT]`
 * of its connection: the scheme's port unless the URL names one, the path
 * dropped. Undefined when the argument is neither; a usage error for a
 * scheme no connection here speaks.
 */
function fromUrl(arg: string): { hostPort: string; note: string } | { usage: string } | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(arg)?.[1].toLowerCase();
  if (scheme === undefined) {
    const slash = arg.indexOf('/');
    if (slash <= 0) return undefined;
    return {
      hostPort: arg.slice(0, slash),
      note: `${JSON.stringify(arg)} is read as ${arg.slice(0, slash)}: a path is not part of the connection`,
    };
  }
  const port = SCHEME_PORTS[scheme];
  if (port === undefined)
    return {
      usage: `${JSON.stringify(arg)} is a URL of scheme ${scheme}: give HOST[:PORT], or an http:// or https:// URL`,
    };
  let url: URL;
  try {
    url = new URL(arg);
  } catch {
    return { usage: `${JSON.stringify(arg)} is no URL explain can read: give HOST[:PORT]` };
  }
  const hostPort = `${url.hostname}:${url.port || port}`;
  return {
    hostPort,
    note: `the URL ${JSON.stringify(arg)} is read as ${hostPort}${url.port ? '' : ` (${scheme}'s port)`}${url.pathname !== '/' || url.search ? ': a path is not part of the connection' : ''}`,
  };
}

/**
 * Reads `HOST[:PORT]`, or a URL (`https://en.wikipedia.org/wiki`: host,
 * and the scheme's port unless it names one). A port that is no number from 1 to 65535 is a usage
 * error; a host is judged by the same domain rules as a list entry (trimmed,
 * lower-cased, trailing dot dropped, international names to punycode), and
 * one those rules refuse is a refused connection, not a usage error. A
 * wildcard names no single host: it is refused too.
 */
export function parseHostArg(arg: string): HostArg {
  const url = fromUrl(arg.trim());
  if (url && 'usage' in url) return { ok: false, usage: url.usage };
  const notes = url ? [url.note] : [];
  let raw = url ? url.hostPort : arg.trim();
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
  const address = raw.replace(/^\[(.*)\]$/, '$1');
  if (looksLikeIp(address))
    return {
      ok: true,
      raw,
      port,
      notes: [
        ...notes,
        `${address} is an address: followed as a connection dialled to it with no name (no SNI); the list holds DNS names, so no entry of it admits an address`,
      ],
      name: { ok: true, host: address, warnings: [] },
    };
  const check = normalizeDomain(raw);
  if (!check.ok) return { ok: true, raw, port, notes, name: { ok: false, reason: check.reason } };
  if (check.domain.startsWith('*.')) {
    return {
      ok: true,
      raw,
      port,
      notes,
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
    notes,
    name: { ok: true, host: check.domain, warnings: check.warnings ?? [] },
  };
}
