/**
 * A set of Istio host names (exact and `*.` wildcards) that answers "which of
 * you covers this name, or is covered by it" without a scan: exact names and
 * wildcard bases in maps, one lookup per label of the name, and the names
 * under a wildcard from a map of suffixes. Keeps the first index of each name.
 */
export class HostIndex {
  private readonly exact = new Map<string, number>();
  private readonly wild = new Map<string, number>();
  /** Every proper suffix of every host (`b.c` and `c` for `a.b.c`): which host lies strictly under a name. */
  private readonly under = new Map<string, number>();
  /** A bare `*` (any host), or -1. */
  private readonly star: number;

  constructor(hosts: readonly string[]) {
    this.star = hosts.indexOf('*');
    hosts.forEach((h, i) => {
      const n = h.toLowerCase();
      const key = n.startsWith('*.') ? n.slice(2) : n;
      const map = n.startsWith('*.') ? this.wild : this.exact;
      if (!map.has(key)) map.set(key, i);
      for (let dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
        if (!this.under.has(key.slice(dot + 1))) this.under.set(key.slice(dot + 1), i);
      }
    });
  }

  /** The index of a host that covers `name` (itself, or a wildcard over it), or -1. */
  covering(name: string): number {
    if (this.star >= 0) return this.star;
    const n = name.toLowerCase();
    const bare = n.startsWith('*.') ? n.slice(2) : n;
    const same = (n.startsWith('*.') ? this.wild : this.exact).get(bare);
    if (same !== undefined) return same;
    for (let dot = bare.indexOf('.'); dot >= 0; dot = bare.indexOf('.', dot + 1)) {
      const hit = this.wild.get(bare.slice(dot + 1));
      if (hit !== undefined) return hit;
    }
    return -1;
  }

  /** The index of a host that covers `name` or that `name` covers (Istio's two-way match), or -1. */
  overlapping(name: string): number {
    const hit = this.covering(name);
    if (hit >= 0 || !name.startsWith('*.')) return hit;
    return this.under.get(name.toLowerCase().slice(2)) ?? -1;
  }
}
