import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runFunction } from '../src/function/run-function.js';
import { domainList, fourPlaces, parseOutput, resourceList, ROOT } from './helpers.js';

// The post's ten manifests, as the post gives them, with a comment over each: the comparison runs
// on this copy, which the repository holds (it was checked equal, comments aside, to the post's
// reference manifests when it was made).
const POST = `${ROOT}testdata/fixtures/post-stack.yaml`;

/** Every leaf where `a` and `b` differ, as `path: a-value | b-value`. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => {
      const path = Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k;
      return differences((a as any)[k], (b as any)[k], path);
    });
  }
  return a === b ? [] : [`${at}: ${JSON.stringify(a)} | ${JSON.stringify(b)}`];
}

function id(r: any): string {
  return `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
}

/** The four host places of a resource blanked, so other fields can be compared. */
function hostListsAside(r: any): any {
  const copy = structuredClone(r);
  if (copy.kind === 'VirtualService') {
    copy.spec.hosts = '<list>';
    for (const t of copy.spec.tls) for (const m of t.match) m.sniHosts = '<list>';
  }
  if (copy.kind === 'ServiceEntry') copy.spec.hosts = '<list>';
  if (copy.kind === 'EnvoyFilter') {
    for (const p of copy.spec.configPatches) {
      for (const fc of p.patch.value.filter_chains ?? [])
        fc.filter_chain_match.server_names = '<list>';
    }
  }
  return copy;
}

/**
 * Where the output may differ from the post: each row is one documented difference (README,
 * "Differences from the post"), matched against `<kind>/<namespace>/<name> <path>: <ours> | <post's>`.
 * Every difference must match a row, and every row must match a difference.
 */
const DOCUMENTED: Record<string, RegExp> = {
  "every rendered resource says it is the function's, and whose list it holds":
    /^[A-Za-z]+\/[a-z-]+\/[a-z-]+ metadata\.(labels: \{"app\.kubernetes\.io\/managed-by":"wildcard-egress"\}|annotations: \{"wildcard-egress\.dev\/domain-list":"egress"\}) \| undefined$/,
  "selectors on the project's own pod label, not istio: egressgateway":
    /^(Service\/istio-egress\/egressgateway spec\.selector|Gateway\/istio-system\/egressgateway spec\.selector)\.(wildcard-egress\.dev\/gateway: "egressgateway" \| undefined|istio: undefined \| "egressgateway")$/,
  'Gateway servers bind only VirtualServices of the routing namespace':
    /^Gateway\/istio-system\/egressgateway spec\.servers\[0\]\.hosts\[0\]: "istio-system\/\*" \| "\*"$/,
  'the pods carry that label':
    /^Deployment\/istio-egress\/istio-egressgateway spec\.template\.metadata\.labels\.wildcard-egress\.dev\/gateway: "egressgateway" \| undefined$/,
  'EnvoyFilter workloadSelector':
    /^EnvoyFilter\/istio-system\/sni-magic spec\.workloadSelector: \{"labels":\{"wildcard-egress\.dev\/gateway":"egressgateway"\}\} \| undefined$/,
  'MERGE only on the gateway TLS port':
    /^EnvoyFilter\/istio-system\/sni-magic spec\.configPatches\[3\]\.match\.listener\.portNumber: 8443 \| undefined$/,
  'DNS cache named from a hash of its settings':
    /^EnvoyFilter\/istio-system\/sni-magic spec\.configPatches\[[12]\]\.patch\.value\.(cluster_type\.typed_config|filter_chains\[0\]\.filters\[0\]\.typed_config)\.dns_cache_config\.name: "dynamic_forward_proxy_cache_<hash>" \| "dynamic_forward_proxy_cache_config"$/,
  'explicit DNS cache limits':
    /^EnvoyFilter\/istio-system\/sni-magic spec\.configPatches\[[12]\]\.patch\.value\.(cluster_type\.typed_config|filter_chains\[0\]\.filters\[0\]\.typed_config)\.dns_cache_config\.(max_hosts: 1024|dns_cache_circuit_breaker: \{"max_pending_requests":1024\}) \| undefined$/,
  "listed names resolved without the pod's search domains":
    /^EnvoyFilter\/istio-system\/sni-magic spec\.configPatches\[[12]\]\.patch\.value\.(cluster_type\.typed_config|filter_chains\[0\]\.filters\[0\]\.typed_config)\.dns_cache_config\.typed_dns_resolver_config: \{"name":"envoy\.network\.dns_resolver\.cares","typed_config":\{"@type":"type\.googleapis\.com\/envoy\.extensions\.network\.dns_resolver\.cares\.v3\.CaresDnsResolverConfig","dns_resolver_options":\{"no_default_search_domain":true\}\}\} \| undefined$/,
  'circuit breakers on the added clusters':
    /^EnvoyFilter\/istio-system\/sni-magic spec\.configPatches\[[01]\]\.patch\.value\.circuit_breakers: \{"thresholds":\[\{"max_connections":100000,"max_pending_requests":100000,"max_requests":100000\}\]\} \| undefined$/,
  'refused SNI names logged by the internal listener':
    /^EnvoyFilter\/istio-system\/sni-magic spec\.configPatches\[2\]\.patch\.value\.access_log: \[\{.*"filter":\{"response_flag_filter":\{"flags":\["NR"\]\}\}\}\] \| undefined$/,
};

/** Checks that every difference is documented and every documented difference occurs. */
function expectOnlyDocumented(diffs: readonly string[]): void {
  const unexplained = diffs.filter((d) => !Object.values(DOCUMENTED).some((re) => re.test(d)));
  expect(unexplained).toEqual([]);
  const unused = Object.entries(DOCUMENTED)
    .filter(([, re]) => !diffs.some((d) => re.test(d)))
    .map(([why]) => why);
  expect(unused).toEqual([]);
}

/** The DNS cache name carries a hash of its settings; the comparison names it by its shape. */
const hashed = (d: string) =>
  d.replace(/dynamic_forward_proxy_cache_[0-9a-f]{8}/g, 'dynamic_forward_proxy_cache_<hash>');

function readStream(path: string): any[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS());
}

describe('default output against the post', () => {
  const blog = readStream(POST);

  function render(domains: string[]) {
    const out = runFunction(resourceList([], domainList(domains)));
    expect(out.exitCode).toBe(0);
    return parseOutput(out.stdout);
  }

  it('renders the same ten resources, in the same order', () => {
    expect(blog).toHaveLength(10);
    expect(render(['*.wikipedia.org']).items.map(id)).toEqual(blog.map(id));
  });

  it('matches every field of the post except the documented differences', () => {
    const items = render(['*.wikipedia.org']).items;
    const diffs = items.flatMap((r, i) =>
      differences(r, blog[i]).map((d) => hashed(`${id(r)} ${d}`)),
    );
    expectOnlyDocumented(diffs);
  });

  it('with another list, differs from the post only in the host lists and the documented differences', () => {
    const items = render(['*.Example.com', 'api.github.com.', 'wikipedia.org']).items;
    const diffs = items.flatMap((r, i) =>
      differences(hostListsAside(r), hostListsAside(blog[i])).map((d) => hashed(`${id(r)} ${d}`)),
    );
    expectOnlyDocumented(diffs);
    expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
      Array(4).fill(['*.example.com', 'api.github.com', 'wikipedia.org']),
    );
  });
});
