// lint-output.cjs FILE...: checks a multi-document output for what istiod or Envoy would reject, and for
// names the list declares on a port that no mesh route takes (a bypass). Prints one line per problem.
const fs = require('fs'); const Y = require(require('path').join(__dirname, '../../../node_modules/yaml'));
const covers = (w, h) => w === h || (w.startsWith('*.') && h.endsWith(w.slice(1)) && h !== w.slice(2));
for (const file of process.argv.slice(2)) {
  const docs = Y.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter((d) => d && d.kind);
  const out = (m) => console.log(`${file}: ${m}`);
  const meshHosts = new Map(); const seHosts = new Map();
  for (const d of docs) {
    const id = `${d.kind}/${d.metadata?.namespace ?? '-'}/${d.metadata?.name}`; const s = d.spec ?? {};
    if (d.kind === 'VirtualService') {
      const hosts = (s.hosts ?? []).map(String);
      for (let i = 0; i < hosts.length; i++) for (let j = 0; j < hosts.length; j++)
        if (i !== j && covers(hosts[i], hosts[j]) && (hosts[i] !== hosts[j] || i < j)) out(`${id}: hosts overlap ${hosts[i]} ${hosts[j]}`);
      for (const [ti, t] of (s.tls ?? []).entries()) for (const m of t.match ?? []) for (const sni of m.sniHosts ?? [])
        if (!hosts.some((h) => covers(h, sni) || h === '*')) out(`${id}: tls[${ti}] sniHost ${sni} not in hosts`);
      const gws = s.gateways ?? ['mesh'];
      if (gws.includes('mesh')) for (const h of hosts) { const k = h.toLowerCase(); if (meshHosts.has(k)) out(`${id}: mesh host ${h} also in ${meshHosts.get(k)}`); else meshHosts.set(k, id); }
    }
    if (d.kind === 'ServiceEntry') {
      const res = s.resolution ?? 'NONE';
      for (const h of s.hosts ?? []) { if (h.includes('*') && (res === 'DNS' || res === 'STATIC' || res === 'DNS_ROUND_ROBIN')) out(`${id}: wildcard ${h} with resolution ${res}`);
        if (h === '*' || /\*[^.]|.\*/.test(h)) out(`${id}: bad wildcard ${h}`); }
      for (const p of s.ports ?? []) if (p.number >= 15000 && p.number <= 15090) out(`${id}: port ${p.number} in Istio's range`);
      for (const h of s.hosts ?? []) { const k = `${d.metadata?.namespace ?? '-'}|${h}`; if (seHosts.has(k)) out(`${id}: host ${h} also in ${seHosts.get(k)}`); else seHosts.set(k, id); }
    }
    if (d.kind === 'EnvoyFilter') {
      const byListener = new Map();
      for (const p of s.configPatches ?? []) { const v = p.patch?.value ?? {}; const ln = v.name ?? p.match?.listener?.name ?? '?';
        for (const fc of v.filter_chains ?? []) for (const n of fc.filter_chain_match?.server_names ?? []) {
          if (n === '*' || /\*[^.]|.\*/.test(n)) out(`${id}: bad server_name ${n}`);
          const k = `${ln}|${String(n).toLowerCase()}`; if (byListener.has(k)) out(`${id}: server_name ${n} twice in listener ${ln}`); byListener.set(k, 1); } }
    }
    if (d.kind === 'Gateway' && d.apiVersion?.startsWith('networking.istio.io')) for (const sv of s.servers ?? []) { const n = sv.port?.number; if (n >= 15000 && n <= 15090) out(`${id}: server port ${n}`); }
    if (d.kind === 'Service') for (const p of s.ports ?? []) { const t = p.targetPort; if (typeof t === 'number' && t >= 15000 && t <= 15090 && d.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'wildcard-egress') out(`${id}: targetPort ${t}`); }
  }
}
