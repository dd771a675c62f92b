/**
 * Host-name matching as Envoy and Istio do it, written once for every step
 * that asks "which listed name admits this one": explain, audit, the list's
 * folding. A wildcard is a whole leftmost label `*.`; `*.example.com` covers
 * `a.example.com` and `a.b.example.com` (any depth), never the apex
 * `example.com`; a bare `*` covers every name. Names compare lower-cased
 * (Envoy lower-cases the SNI it reads and the server names it loads).
 */

/** Lower-cased name without its `*.` (and whether it had one). */
function split(name: string): { wildcard: boolean; base: string } {
  const n = name.toLowerCase();
  return n.startsWith('*.') ? { wildcard: true, base: n.slice(2) } : { wildcard: false, base: n };
}

/** Every proper suffix of a name, longest first: `b.c` and `c` for `a.b.c`. */
function* suffixes(base: string): Generator<string> {
  for (let dot = base.indexOf('.'); dot >= 0; dot = base.indexOf('.', dot + 1))
    yield base.slice(dot + 1);
}

/**
 * A set of host names (exact and `*.` wildcards) that answers "which of you
 * admits this name" with one map lookup per label of the name, never a scan
 * of the set: exact names and wildcard bases are map keys. Keeps the first
 * index of each name.
 */
export class HostIndex {
  private readonly exact = new Map<string, number>();
  private readonly wild = new Map<string, number>();
  /** Every proper suffix of every host (which host lies strictly under a name), built when first asked. */
  private under?: Map<string, number>;
  /** A bare `*` (any host), or -1. */
  private readonly star: number;

  constructor(private readonly hosts: readonly string[]) {
    this.star = hosts.indexOf('*');
    hosts.forEach((h, i) => {
      if (h === '*') return;
      const { wildcard, base } = split(h);
      const map = wildcard ? this.wild : this.exact;
      if (!map.has(base)) map.set(base, i);
    });
  }

  /**
   * The listed wildcards strictly over `name` (for a wildcard name, those
   * over its base, itself excluded), most specific first.
   */
  wildcardsOver(name: string): number[] {
    const out: number[] = [];
    for (const s of suffixes(split(name).base)) {
      const hit = this.wild.get(s);
      if (hit !== undefined) out.push(hit);
    }
    return out;
  }

  /**
   * The host that admits `name` as Envoy picks it
   * (`findFilterChainForServerName`): the same name, else the most specific
   * wildcard over it, else a bare `*`; -1 when none does.
   */
  covering(name: string): number {
    const { wildcard, base } = split(name);
    const same = (wildcard ? this.wild : this.exact).get(base);
    if (same !== undefined) return same;
    if (this.wild.size > 0)
      for (const s of suffixes(base)) {
        const hit = this.wild.get(s);
        if (hit !== undefined) return hit;
      }
    return this.star;
  }

  /** A host that covers `name` or that the wildcard `name` covers (Istio's two-way host match), or -1. */
  overlapping(name: string): number {
    const hit = this.covering(name);
    if (hit >= 0) return hit;
    const { wildcard, base } = split(name);
    if (!wildcard) return -1;
    if (!this.under) {
      const under = new Map<string, number>();
      this.hosts.forEach((h, i) => {
        if (h === '*') return;
        for (const s of suffixes(split(h).base)) if (!under.has(s)) under.set(s, i);
      });
      this.under = under;
    }
    return this.under.get(base) ?? -1;
  }
}

/** Appends `i` to the list under `key`. */
function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

/**
 * Every host of a list, repeats included, that overlaps a name in Istio's
 * two-way sense (see HostIndex.overlapping): for "which of these objects
 * (each holding some of the hosts) apply to this name". Indexed by label like
 * HostIndex.
 */
export class HostMultiIndex {
  private readonly exact = new Map<string, number[]>();
  private readonly wild = new Map<string, number[]>();
  private readonly under = new Map<string, number[]>();
  private readonly stars: number[] = [];

  constructor(hosts: readonly string[]) {
    hosts.forEach((h, i) => {
      if (h === '*') {
        this.stars.push(i);
        return;
      }
      const { wildcard, base } = split(h);
      push(wildcard ? this.wild : this.exact, base, i);
      for (const s of suffixes(base)) push(this.under, s, i);
    });
  }

  /** The indices of every host that covers `name` or that the wildcard `name` covers, in list order. */
  overlapping(name: string): number[] {
    const { wildcard, base } = split(name);
    const out = [...this.stars, ...((wildcard ? this.wild : this.exact).get(base) ?? [])];
    for (const s of suffixes(base)) out.push(...(this.wild.get(s) ?? []));
    if (wildcard) out.push(...(this.under.get(base) ?? []));
    return [...new Set(out)].sort((a, b) => a - b);
  }
}

/** Whether `pattern` admits `name`: the same name, a wildcard over it, or `*`. */
export function covers(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  const p = split(pattern);
  const n = split(name);
  if (p.wildcard === n.wildcard && p.base === n.base) return true;
  if (!p.wildcard) return false;
  for (const s of suffixes(n.base)) if (s === p.base) return true;
  return false;
}

/** The name of `names` that admits `host` as Envoy picks it (exact, then the most specific wildcard), or undefined. */
export function mostSpecific<T extends string>(names: readonly T[], host: string): T | undefined {
  const i = new HostIndex(names).covering(host);
  return i >= 0 ? names[i] : undefined;
}
