import { coverInSet, covers } from './istio-rules.js';
import { guardProblems } from './lockdown-guard-rules.js';

/**
 * Invariants of a locked-down egress stack, checked on rendered items the way
 * istiod and Envoy would treat them on a cluster (Istio 1.30 source):
 * every (host, port) a namespace can see has a route to the gateway, no
 * ALLOW rule without principals, unique and valid names, no gateway port in
 * Istio's reserved range, explicit circuit breakers and DNS cache limits,
 * one DNS cache per team, one namespace-wide Sidecar per namespace,
 * selectors that never select a stock egress gateway, resources where istiod
 * reads them, no replicas beside an HPA, DNS and external egress only to
 * where they must go (never loopback, this network or NAT64's local prefix;
 * application pods to the namespaces they name, on their own lanes' ports in
 * sidecar mode), listed names resolved without search domains, and a guard
 * whose CEL refuses every known escape (lockdown-guard-rules.ts).
 */

type Item = Record<string, any>;

const id = (i: Item) => `${i.kind}/${i.metadata?.namespace ?? ''}/${i.metadata?.name}`;
const of = (items: readonly Item[], kind: string) => items.filter((i) => i.kind === kind);

/** A namespace that has no Sidecar of its own: it sees every exported ServiceEntry and VirtualService. */
export const OTHER_NAMESPACE = '(any other namespace)';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RESERVED = { from: 15000, to: 15090 };

/** Whether a Sidecar egress host entry (`ns/host`) imports host `h` of a resource in namespace `ns`. */
function imports(entry: string, ns: string, h: string): boolean {
  const slash = entry.indexOf('/');
  const [ens, ehost] = [entry.slice(0, slash), entry.slice(slash + 1)];
  if (ens !== '*' && ens !== ns) return false;
  // Istio matches import hosts both ways: `a.x` imports `*.x`, and `*.x` imports `a.x`.
  return ehost === '*' || covers(ehost, h) || covers(h, ehost);
}

/** The namespace-wide Sidecar of each namespace (the first one). */
function sidecarsByNamespace(items: readonly Item[]): Map<string, Item> {
  const out = new Map<string, Item>();
  for (const s of of(items, 'Sidecar'))
    if (!s.spec?.workloadSelector && !out.has(s.metadata.namespace))
      out.set(s.metadata.namespace, s);
  return out;
}

function egressHosts(sidecar: Item | undefined): string[] | undefined {
  return sidecar ? (sidecar.spec.egress ?? []).flatMap((e: Item) => e.hosts ?? []) : undefined;
}

/**
 * Bypass-free ports: for every namespace (each one with a Sidecar, and any
 * other) and every (host, port) of a ServiceEntry it imports, the tls routes
 * of the VirtualServices it imports, tried in order, reach a match that covers
 * the whole host for that namespace and port, and every route tried up to it
 * goes to the egress gateway. Otherwise istiod builds its default chain for
 * the ServiceEntry: with resolution NONE an original-destination path that
 * reaches any address directly.
 */
export function bypassProblems(items: readonly Item[], gatewayHost: string): string[] {
  const out: string[] = [];
  const sidecars = sidecarsByNamespace(items);
  const namespaces = [...sidecars.keys(), OTHER_NAMESPACE];
  const ses = of(items, 'ServiceEntry').filter((s) => (s.spec.resolution ?? 'NONE') === 'NONE');
  const vss = of(items, 'VirtualService');
  // Each match's names as sets: its names, and every name under which one of them sits.
  type IndexedMatch = { m: Item; names: Set<string>; under: Set<string> };
  const indexed: { vs: Item; routes: { t: Item; matches: IndexedMatch[] }[] }[] = vss.map((vs) => ({
    vs,
    routes: (vs.spec.tls ?? []).map((t: Item) => ({
      t,
      matches: (t.match as Item[]).map((m) => ({
        m,
        names: new Set<string>(m.sniHosts),
        under: suffixesOf(m.sniHosts),
      })),
    })),
  }));
  for (const ns of namespaces) {
    const hosts = egressHosts(sidecars.get(ns));
    const importsHost = (resourceNs: string, h: string) =>
      !hosts || hosts.some((e) => imports(e, resourceNs, h));
    const sees = (resourceNs: string, h: string) => importsHost(resourceNs, h);
    // A ServiceEntry exported to named namespaces is seen only there.
    const exported = (se: Item) =>
      !se.spec.exportTo ||
      se.spec.exportTo.includes('*') ||
      se.spec.exportTo.includes(ns) ||
      (se.spec.exportTo.includes('.') && se.metadata.namespace === ns);
    const routes = indexed
      .filter(({ vs }) => (vs.spec.hosts as string[]).some((h) => sees(vs.metadata.namespace, h)))
      .flatMap(({ vs, routes: rs }) => rs.map((r) => ({ vs, ...r })));
    for (const se of ses) {
      if (!exported(se)) continue;
      for (const h of se.spec.hosts as string[]) {
        if (!sees(se.metadata.namespace, h)) continue;
        for (const p of se.spec.ports as Item[]) {
          let covered = false;
          for (const { vs, t, matches } of routes) {
            const applies = matches.filter(
              ({ m, names, under }) =>
                (!m.gateways || m.gateways.includes('mesh')) &&
                (m.port === undefined || m.port === p.number) &&
                (m.sourceNamespace === undefined || m.sourceNamespace === ns) &&
                (coverInSet(names, h) !== undefined ||
                  (h.startsWith('*.') && under.has(h.slice(2)))),
            );
            if (applies.length === 0) continue;
            if (t.route[0].destination.host !== gatewayHost)
              out.push(
                `${ns}: ${h}:${p.number} is routed by ${id(vs)} to ${t.route[0].destination.host}, not the gateway`,
              );
            if (applies.some(({ names }) => coverInSet(names, h) !== undefined)) {
              covered = true;
              break;
            }
          }
          if (!covered)
            out.push(
              `${ns}: ${h}:${p.number} of ${id(se)} has no route to the gateway: istiod would build a direct (original destination) chain`,
            );
        }
      }
    }
  }
  return out;
}

/**
 * No server name in two of a sidecar's filter chains on one port: istiod
 * builds a chain per applicable tls match and merges only chains whose name
 * sets are identical (keeping the first); Envoy refuses a whole listener
 * whose chains overlap ("multiple filter chains with overlapping matching
 * rules"), so the namespace would lose that port altogether.
 */
export function chainOverlapProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  const matches = of(items, 'VirtualService').flatMap((vs) =>
    (vs.spec.tls ?? []).flatMap((t: Item, i: number) =>
      (t.match as Item[])
        .filter((m) => !m.gateways || m.gateways.includes('mesh'))
        .map((m) => ({
          where: `${id(vs)} tls[${i}]`,
          m,
          dest: JSON.stringify(t.route),
          names: [...m.sniHosts].sort().join(','),
        })),
    ),
  );
  const namespaces = [
    ...new Set([
      ...matches.flatMap(({ m }) => (m.sourceNamespace ? [m.sourceNamespace] : [])),
      ...sidecarsByNamespace(items).keys(),
      OTHER_NAMESPACE,
    ]),
  ];
  for (const ns of namespaces) {
    const applicable = matches.filter(
      ({ m }) => m.sourceNamespace === undefined || m.sourceNamespace === ns,
    );
    for (const port of new Set(applicable.map(({ m }) => m.port))) {
      const seen = new Map<string, (typeof applicable)[number]>();
      const merged = new Set<string>();
      for (const a of applicable.filter(({ m }) => m.port === port || m.port === undefined)) {
        if (merged.has(a.names)) continue;
        merged.add(a.names);
        for (const n of a.m.sniHosts as string[]) {
          const other = seen.get(n);
          if (other && other.dest !== a.dest)
            out.push(
              `${ns}: ${n} on port ${port} is in two filter chains (${other.where}, ${a.where}): Envoy refuses the listener`,
            );
          seen.set(n, a);
        }
      }
    }
  }
  return out;
}

/** Every name under which one of `names` sits: `b.c` and `c` for `a.b.c` or `*.a.b.c`... minus the name itself. */
function suffixesOf(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const bare = n.startsWith('*.') ? n.slice(2) : n;
    if (n.startsWith('*.')) out.add(bare);
    let dot = bare.indexOf('.');
    while (dot >= 0) {
      out.add(bare.slice(dot + 1));
      dot = bare.indexOf('.', dot + 1);
    }
  }
  return out;
}

/** Every ALLOW rule names its principals: a rule without `from` (or a source without principals) admits every identity. */
export function principalProblems(items: readonly Item[]): string[] {
  return of(items, 'AuthorizationPolicy').flatMap((ap) =>
    (ap.spec.action ?? 'ALLOW') !== 'ALLOW'
      ? []
      : (ap.spec.rules ?? []).flatMap((r: Item, i: number) => {
          const sources: Item[] = (r.from ?? []).map((f: Item) => f.source ?? {});
          if (sources.length === 0 || sources.some((s) => !(s.principals?.length > 0)))
            return [`${id(ap)} rules[${i}] admits every identity: no principals`];
          return [];
        }),
  );
}

function unique(names: readonly string[], where: string): string[] {
  const seen = new Set<string>();
  return names.flatMap((n) => (seen.has(n) ? [`${where}: name ${n} repeats`] : (seen.add(n), [])));
}

/** Port names unique per object and DNS-1123 labels; Envoy cluster and listener names unique per EnvoyFilter. */
export function nameProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  const labels = (names: string[], where: string) => {
    out.push(...unique(names, where));
    for (const n of names)
      if (n.length > 63 || !DNS_LABEL.test(n))
        out.push(
          `${where}: port name ${JSON.stringify(n)} is not a DNS-1123 label of at most 63 characters`,
        );
  };
  for (const svc of of(items, 'Service'))
    labels(
      (svc.spec.ports ?? []).map((p: Item) => p.name),
      id(svc),
    );
  for (const gw of of(items, 'Gateway'))
    labels(
      (gw.spec.servers ?? []).map((s: Item) => s.port.name),
      id(gw),
    );
  for (const svc of of(items, 'Service'))
    out.push(
      ...unique(
        (svc.spec.ports ?? []).map((p: Item) => String(p.port)),
        `${id(svc)} port`,
      ),
    );
  for (const ef of of(items, 'EnvoyFilter')) {
    const adds = (applyTo: string) =>
      ef.spec.configPatches
        .filter((p: Item) => p.applyTo === applyTo && p.patch.operation === 'ADD')
        .map((p: Item) => p.patch.value.name);
    out.push(
      ...unique(adds('CLUSTER'), `${id(ef)} cluster`),
      ...unique(adds('LISTENER'), `${id(ef)} listener`),
    );
  }
  return out;
}

/** No gateway pod port (Gateway server, Service targetPort, MERGE port) in Istio's own 15000-15090. */
export function reservedPortProblems(items: readonly Item[]): string[] {
  const reserved = (p: unknown) => typeof p === 'number' && p >= RESERVED.from && p <= RESERVED.to;
  return [
    ...of(items, 'Gateway').flatMap((g) =>
      (g.spec.servers ?? [])
        .filter((s: Item) => reserved(s.port.number))
        .map((s: Item) => `${id(g)}: server port ${s.port.number} is Istio's`),
    ),
    ...of(items, 'Service').flatMap((s) =>
      (s.spec.ports ?? [])
        .filter((p: Item) => reserved(p.targetPort))
        .map((p: Item) => `${id(s)}: targetPort ${p.targetPort} is Istio's`),
    ),
    ...of(items, 'EnvoyFilter').flatMap((ef) =>
      ef.spec.configPatches
        .filter((p: Item) => reserved(p.match?.listener?.portNumber))
        .map((p: Item) => `${id(ef)}: patch on Istio's port ${p.match.listener.portNumber}`),
    ),
    // A listed name that resolves to a loopback address would reach the proxy's own ports.
    ...of(items, 'EnvoyFilter').flatMap((ef) =>
      ef.spec.configPatches.flatMap((p: Item) =>
        (p.patch.value?.filter_chains ?? []).flatMap((c: Item) =>
          c.filters
            .filter((f: Item) => reserved(f.typed_config?.port_value))
            .map(
              (f: Item) =>
                `${id(ef)} ${p.patch.value.name}: the forward proxy dials Istio's port ${f.typed_config.port_value}`,
            ),
        ),
      ),
    ),
    ...of(items, 'ServiceEntry').flatMap((se) =>
      (se.spec.ports ?? [])
        .filter((p: Item) => reserved(p.number))
        .map((p: Item) => `${id(se)}: port ${p.number} is Istio's`),
    ),
  ];
}

/** Every DNS cache config in one EnvoyFilter, with where it sits. */
function dnsCaches(ef: Item): { where: string; config: Item }[] {
  const found: { where: string; config: Item }[] = [];
  const walk = (v: unknown, where: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'dns_cache_config') found.push({ where: `${where}.${k}`, config: x as Item });
        else walk(x, `${where}.${k}`);
      }
    }
  };
  walk(ef.spec.configPatches, 'configPatches');
  return found;
}

/**
 * Explicit limits on every added cluster and DNS cache; one set of settings
 * per cache name; each listener's forward-proxy cluster on the same cache as
 * its filter; and no two teams on one cache (one team's random names would
 * fill it for all).
 */
export function forwarderProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  // The gateway proxy gets the patches of every EnvoyFilter that selects it: clusters are looked up across all.
  const allPatches: Item[] = of(items, 'EnvoyFilter').flatMap((ef) => ef.spec.configPatches);
  const clusters = new Map(
    allPatches
      .filter((p) => p.applyTo === 'CLUSTER')
      .map((p) => [p.patch.value.name, p.patch.value]),
  );
  for (const ef of of(items, 'EnvoyFilter')) {
    const patches: Item[] = ef.spec.configPatches;
    const own = new Map(
      patches
        .filter((p) => p.applyTo === 'CLUSTER')
        .map((p) => [p.patch.value.name, p.patch.value]),
    );
    for (const [name, c] of own) {
      const t = c.circuit_breakers?.thresholds?.[0];
      for (const k of ['max_connections', 'max_pending_requests', 'max_requests']) {
        if (!(typeof t?.[k] === 'number' && t[k] > 1024))
          out.push(
            `${id(ef)} cluster ${name}: circuit_breakers ${k} is not set above Envoy's default 1024`,
          );
      }
    }
    const settings = new Map<string, string>();
    for (const { where, config } of dnsCaches(ef)) {
      if (typeof config.max_hosts !== 'number')
        out.push(`${id(ef)} ${where}: max_hosts is not set`);
      if (typeof config.dns_cache_circuit_breaker?.max_pending_requests !== 'number')
        out.push(`${id(ef)} ${where}: dns_cache_circuit_breaker.max_pending_requests is not set`);
      // c-ares applies the pod's search domains (ndots:5) unless told not to: a listed name could resolve in-cluster.
      const resolver = config.typed_dns_resolver_config;
      if (
        resolver?.name !== 'envoy.network.dns_resolver.cares' ||
        resolver.typed_config?.dns_resolver_options?.no_default_search_domain !== true
      )
        out.push(`${id(ef)} ${where}: the resolver applies the pod's search domains`);
      const text = JSON.stringify(config);
      if (settings.has(config.name) && settings.get(config.name) !== text)
        out.push(`${id(ef)}: DNS cache ${config.name} has different settings in two places`);
      settings.set(config.name, text);
    }
    const listeners = new Map(
      patches
        .filter((p) => p.applyTo === 'LISTENER')
        .map((p) => [p.patch.value.name, p.patch.value]),
    );
    const cacheOfListener = new Map<string, string>();
    for (const [name, l] of listeners) {
      for (const chain of [
        ...(l.filter_chains ?? []),
        ...(l.default_filter_chain ? [l.default_filter_chain] : []),
      ]) {
        const sni = chain.filters.find(
          (f: Item) => f.name === 'envoy.filters.network.sni_dynamic_forward_proxy',
        )?.typed_config;
        const tcp = chain.filters.find(
          (f: Item) => f.name === 'envoy.tcp_proxy' || f.name === 'envoy.filters.network.tcp_proxy',
        )?.typed_config;
        if (!sni || !tcp) continue;
        const forwardCache = clusters.get(tcp.cluster)?.cluster_type?.typed_config?.dns_cache_config
          ?.name;
        if (forwardCache !== sni.dns_cache_config.name)
          out.push(
            `${id(ef)} listener ${name}: its filter resolves into ${sni.dns_cache_config.name} but its cluster ${tcp.cluster} reads ${forwardCache}`,
          );
        cacheOfListener.set(name, sni.dns_cache_config.name);
      }
    }
    // Lanes admitted to different identities (teams, by the AuthorizationPolicy's port rules) must not share a cache.
    const principalsOfPort = new Map<number, string>();
    for (const ap of of(items, 'AuthorizationPolicy')) {
      for (const r of ap.spec.rules ?? []) {
        const who = JSON.stringify(
          (r.from ?? []).flatMap((f: Item) => f.source?.principals ?? []).sort(),
        );
        for (const t of r.to ?? [])
          for (const port of t.operation?.ports ?? []) principalsOfPort.set(Number(port), who);
      }
    }
    const identitiesOfCache = new Map<string, Set<string>>();
    for (const m of patches.filter(
      (p) => p.applyTo === 'NETWORK_FILTER' && p.patch.operation === 'MERGE',
    )) {
      const who = principalsOfPort.get(m.match.listener.portNumber);
      const listener = clusters.get(m.patch.value.typed_config.cluster)?.load_assignment
        ?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address?.envoy_internal_address
        ?.server_listener_name;
      const cache = cacheOfListener.get(listener);
      if (who === undefined || cache === undefined) continue;
      if (!identitiesOfCache.has(cache)) identitiesOfCache.set(cache, new Set());
      identitiesOfCache.get(cache)!.add(who);
    }
    for (const [cache, who] of identitiesOfCache)
      if (who.size > 1)
        out.push(
          `${id(ef)}: lanes of ${who.size} different identity sets share DNS cache ${cache}`,
        );
  }
  return out;
}

/** Istio defines behaviour for one Sidecar without workloadSelector per namespace only. */
export function sidecarProblems(items: readonly Item[]): string[] {
  const count = new Map<string, number>();
  for (const s of of(items, 'Sidecar'))
    if (!s.spec?.workloadSelector)
      count.set(s.metadata.namespace, (count.get(s.metadata.namespace) ?? 0) + 1);
  return [...count]
    .filter(([, n]) => n > 1)
    .map(([ns, n]) => `namespace ${ns} has ${n} Sidecars without workloadSelector`);
}

/** Labels of the egress gateway that Istio's demo profile and gateway chart install. */
export const STOCK_GATEWAY_LABELS = { istio: 'egressgateway', app: 'istio-egressgateway' };

const selectsLabels = (sel: Record<string, string> | undefined, labels: Record<string, string>) =>
  sel !== undefined && Object.entries(sel).every(([k, v]) => labels[k] === v);

/** Every selector of the stack that picks gateway pods, with where it is. */
export function gatewaySelectors(
  items: readonly Item[],
): { where: string; selector: Record<string, string> }[] {
  const out: { where: string; selector: Record<string, string> }[] = [];
  for (const i of items) {
    const s = i.spec ?? {};
    if (i.kind === 'Gateway' && s.selector)
      out.push({ where: `${id(i)} spec.selector`, selector: s.selector });
    if (i.kind === 'EnvoyFilter' && s.workloadSelector)
      out.push({
        where: `${id(i)} spec.workloadSelector.labels`,
        selector: s.workloadSelector.labels,
      });
    if (
      ['AuthorizationPolicy', 'Telemetry', 'PodDisruptionBudget'].includes(i.kind) &&
      s.selector?.matchLabels
    )
      out.push({ where: `${id(i)} spec.selector.matchLabels`, selector: s.selector.matchLabels });
    if (
      i.kind === 'NetworkPolicy' &&
      s.podSelector?.matchLabels &&
      Object.keys(s.podSelector.matchLabels).length > 0
    )
      out.push({
        where: `${id(i)} spec.podSelector.matchLabels`,
        selector: s.podSelector.matchLabels,
      });
    if (i.kind === 'Service' && s.selector)
      out.push({ where: `${id(i)} spec.selector`, selector: s.selector });
    if (i.kind === 'Deployment') {
      (s.template?.spec?.topologySpreadConstraints ?? []).forEach((t: Item, k: number) =>
        out.push({
          where: `${id(i)} topologySpreadConstraints[${k}].labelSelector`,
          selector: t.labelSelector?.matchLabels ?? {},
        }),
      );
    }
  }
  return out;
}

/**
 * Every gateway selector selects the stack's own pods and never a stock
 * egress gateway (`istio: egressgateway` in any namespace); the Deployment's
 * own selector stays the post's.
 */
export function selectorProblems(items: readonly Item[]): string[] {
  const [deploy] = of(items, 'Deployment');
  if (!deploy) return [];
  const podLabels = deploy.spec.template.metadata.labels;
  const out: string[] = [];
  for (const { where, selector } of gatewaySelectors(items)) {
    if (!selectsLabels(selector, podLabels)) out.push(`${where} does not select the gateway pods`);
    if (selectsLabels(selector, STOCK_GATEWAY_LABELS))
      out.push(
        `${where} also selects a stock egress gateway (${JSON.stringify(STOCK_GATEWAY_LABELS)})`,
      );
  }
  if (!selectsLabels(deploy.spec.selector.matchLabels, podLabels))
    out.push(`${id(deploy)} selector does not select its own pods`);
  return out;
}

/** EnvoyFilters only where istiod applies them to the gateway, DestinationRules only where clients find them. */
export function placementProblems(
  items: readonly Item[],
  rootNamespace = 'istio-system',
): string[] {
  const [svc] = of(items, 'Service');
  if (!svc) return [];
  const gwNs = svc.metadata.namespace;
  return [
    ...of(items, 'EnvoyFilter')
      .filter((e) => ![rootNamespace, gwNs].includes(e.metadata.namespace))
      .map(
        (e) =>
          `${id(e)}: istiod applies EnvoyFilters only from ${rootNamespace} or the proxy's namespace ${gwNs}`,
      ),
    ...of(items, 'DestinationRule')
      .filter((d) => ![rootNamespace, gwNs].includes(d.metadata.namespace))
      .map(
        (d) =>
          `${id(d)}: clients find a DestinationRule only in their own, the Service's (${gwNs}) or the root namespace`,
      ),
  ];
}

/** An HPA owns the replica count: a Deployment it scales carries no `replicas`. */
export function replicaProblems(items: readonly Item[]): string[] {
  const scaled = new Set(
    of(items, 'HorizontalPodAutoscaler').map(
      (h) => `${h.metadata.namespace}/${h.spec.scaleTargetRef.name}`,
    ),
  );
  return of(items, 'Deployment')
    .filter(
      (d) =>
        scaled.has(`${d.metadata.namespace}/${d.metadata.name}`) && d.spec.replicas !== undefined,
    )
    .map((d) => `${id(d)}: replicas fights its HorizontalPodAutoscaler`);
}

/** An address range as bits: IPv4 in 32, IPv6 in 128, as a BigInt and a prefix length. */
function parseCidr(cidr: string): { v6: boolean; bits: bigint; len: number } {
  const [addr, len] = cidr.split('/');
  if (!addr.includes(':'))
    return {
      v6: false,
      bits: addr.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n),
      len: Number(len),
    };
  const [head, tail = ''] = addr.split('::');
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const h = groups(head);
  const t = groups(tail);
  const all = addr.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return {
    v6: true,
    bits: all.reduce((a: bigint, g: string) => (a << 16n) | BigInt(`0x${g}`), 0n),
    len: Number(len),
  };
}

/** Whether CIDR `inner` lies inside `outer` (same family). */
function inside(inner: string, outer: string): boolean {
  const i = parseCidr(inner);
  const o = parseCidr(outer);
  if (i.v6 !== o.v6 || i.len < o.len) return false;
  const width = BigInt(i.v6 ? 128 : 32);
  const shift = width - BigInt(o.len);
  return i.bits >> shift === o.bits >> shift;
}

/** Ranges an open block must leave out: private, link-local, shared, loopback, this network, local NAT64. */
const NEVER = {
  v4: [
    '169.254.0.0/16',
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '100.64.0.0/10',
    '0.0.0.0/8',
    '127.0.0.0/8',
  ],
  v6: ['fc00::/7', 'fe80::/10', '::1/128', '64:ff9b:1::/48'],
};

/** Whether a NetworkPolicy selects every pod of its namespace: an application namespace's. */
const namespaceWide = (np: Item) =>
  Object.keys(np.spec.podSelector?.matchLabels ?? {}).length === 0 &&
  (np.spec.podSelector?.matchExpressions ?? []).length === 0;

/**
 * NetworkPolicies: no DNS (or any) egress rule without `to`; every `except`
 * inside its own `cidr`; an open block never reaches the never-public ranges;
 * an application namespace's policy never opens every pod of every namespace
 * (a pod in a namespace nothing locks down would relay).
 */
export function networkPolicyProblems(items: readonly Item[]): string[] {
  const out: string[] = [];
  for (const np of of(items, 'NetworkPolicy')) {
    (np.spec.egress ?? []).forEach((rule: Item, i: number) => {
      if (!rule.to || rule.to.length === 0)
        out.push(`${id(np)} egress[${i}] has no "to": it allows every address`);
      for (const peer of rule.to ?? []) {
        if (
          namespaceWide(np) &&
          peer.namespaceSelector &&
          Object.keys(peer.namespaceSelector).length === 0 &&
          !peer.podSelector?.matchLabels
        )
          out.push(
            `${id(np)} egress[${i}] reaches every pod of every namespace: any of them could relay`,
          );
        const b = peer.ipBlock;
        if (!b) continue;
        const v6 = b.cidr.includes(':');
        for (const e of b.except ?? []) {
          if (!inside(e, b.cidr))
            out.push(`${id(np)} egress[${i}]: except ${e} is not inside ${b.cidr}`);
        }
        if (parseCidr(b.cidr).len < (v6 ? 16 : 8)) {
          for (const must of v6 ? NEVER.v6 : NEVER.v4) {
            if (!(b.except ?? []).some((e: string) => inside(must, e)))
              out.push(`${id(np)} egress[${i}]: ${b.cidr} reaches ${must}`);
          }
        }
      }
    });
  }
  return out;
}

/**
 * Sidecar mode: an application namespace's NetworkPolicy opens public
 * addresses only on ports of ServiceEntries that namespace sees (exportTo).
 */
export function sidecarPortProblems(items: readonly Item[]): string[] {
  if (of(items, 'Service').length > 0) return [];
  const out: string[] = [];
  for (const np of of(items, 'NetworkPolicy').filter(namespaceWide)) {
    const ns = np.metadata.namespace;
    const seen = new Set(
      of(items, 'ServiceEntry')
        .filter(
          (se) => !se.spec.exportTo || se.spec.exportTo.some((x: string) => x === '*' || x === ns),
        )
        .flatMap((se) => (se.spec.ports ?? []).map((p: Item) => p.number)),
    );
    for (const rule of np.spec.egress ?? []) {
      if (!(rule.to ?? []).some((p: Item) => p.ipBlock?.cidr === '0.0.0.0/0')) continue;
      for (const p of rule.ports ?? [])
        if (!seen.has(p.port))
          out.push(
            `${id(np)} opens public addresses on port ${p.port}, which no ServiceEntry ${ns} sees lists`,
          );
    }
  }
  return out;
}

/** Every lockdown invariant above. */
export function lockdownProblems(items: readonly Item[], rootNamespace = 'istio-system'): string[] {
  const [svc] = of(items, 'Service');
  const gatewayHost = svc ? `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local` : '';
  return [
    ...(svc ? bypassProblems(items, gatewayHost) : []),
    ...chainOverlapProblems(items),
    ...principalProblems(items),
    ...nameProblems(items),
    ...reservedPortProblems(items),
    ...forwarderProblems(items),
    ...sidecarProblems(items),
    ...selectorProblems(items),
    ...placementProblems(items, rootNamespace),
    ...replicaProblems(items),
    ...networkPolicyProblems(items),
    ...sidecarPortProblems(items),
    ...guardProblems(items),
  ];
}
