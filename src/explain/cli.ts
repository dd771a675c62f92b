import type { Io } from '../command/io.js';
import { options, UsageError } from '../command/options.js';
import { readConfigFile } from '../config/read-config-file.js';
import { formatForHumans } from '../krm/results.js';
import { decideConfig } from './decide-config.js';
import { DEFAULT_TRUST_DOMAIN, decideManifests } from './decide-manifests.js';
import { formatJson, formatText } from './format.js';
import { DEFAULT_PORT, parseHostArg } from './host-arg.js';
import { isIstioObject, ManifestError, readManifests } from './manifests.js';
import { Path, type Explanation, type Question } from './types.js';

/** Usage of `wildcard-egress explain`. */
export const EXPLAIN_USAGE = `usage: wildcard-egress explain HOST[:PORT]|URL [--from NAMESPACE] (--config FILE | --manifests PATH…)
                               [--registry-only] [--trust-domain DOMAIN] [--output json]

Would a connection from a pod in NAMESPACE to HOST:PORT (port ${DEFAULT_PORT} by default;
a URL gives its host and its scheme's port) get out, and by which rule? The
first line is the verdict:

  allowed      it leaves through the stack (the egress gateway, or in the
               native modes the sidecar's or the waypoint's forwarder)
  refused      blackholed, refused by a policy, or closed at a listener
  bypass       it gets out by a path that skips the stack (a ServiceEntry
               without a route for the namespace: istiod's original-destination chain)
  passthrough  it gets out through PassthroughCluster: nothing refuses unknown
               hosts in that namespace (no REGISTRY_ONLY Sidecar)
  unknown      the path needs an object the manifests do not hold (the
               gateway's Service, a Namespace's labels): it is named

then each layer it passed, with the resource and field that decided, and for
a refusal the nearest listed entry and why it did not match.

options:
  --config FILE        decide from the list (DomainList or ConfigMap): render its stack
                       with the function's code and decide on it as --manifests does
  --manifests PATH…    decide from manifests: files or directories of YAML (kpt
                       packages, kustomize output; "-" for stdin); HOST comes first
  --from NAMESPACE     the client's namespace (default: one without a Sidecar and in no team)
  --registry-only      assume meshConfig.outboundTrafficPolicy.mode REGISTRY_ONLY
                       for namespaces no Sidecar covers
  --trust-domain D     trust domain of AuthorizationPolicy principals (--manifests;
                       default ${DEFAULT_TRUST_DOMAIN})
  --output json        JSON: {allowed, verdict, host, port, from, mode, steps, rule, nearest}
  -h, --help           this text

exit 0 allowed; 1 refused, bypass, passthrough or unknown; 2 usage error, input that
cannot be read, or manifests without Istio objects.
`;

/** What one run printed and its exit code. */
export interface ExplainOutput {
  stdout: string;
  stderr: string;
  exitCode: 0 | 1 | 2;
}

interface ExplainArgs {
  host: string;
  from?: string;
  config?: string;
  manifests: string[];
  registryOnly: boolean;
  trustDomain: string;
  output: 'text' | 'json';
}

function parseArgs(args: readonly string[]): ExplainArgs | 'help' {
  const out: Partial<ExplainArgs> & { manifests: string[]; positional: string[] } = {
    manifests: [],
    positional: [],
  };
  let sawManifests = false;
  for (const { arg, name, value, values } of options(args)) {
    if (arg === '-h' || arg === '--help') return 'help';
    if (name === '--config') {
      if (out.config !== undefined) throw new UsageError('--config given twice');
      out.config = value();
    } else if (name === '--manifests') {
      sawManifests = true;
      out.manifests.push(...values());
    } else if (name === '--from') out.from = value();
    else if (name === '--trust-domain') out.trustDomain = value();
    else if (name === '--registry-only') out.registryOnly = true;
    else if (name === '--output') {
      const v = value();
      if (v !== 'json' && v !== 'text')
        throw new UsageError(`--output takes json or text, not ${JSON.stringify(v)}`);
      out.output = v;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    else out.positional.push(arg);
  }
  if (out.positional.length === 0)
    throw new UsageError(
      `no HOST${sawManifests ? ': give HOST[:PORT] before --manifests, which takes every path after it' : ''}`,
    );
  if (out.positional.length > 1)
    throw new UsageError(
      `one HOST at a time, not ${out.positional.map((p) => JSON.stringify(p)).join(', ')}`,
    );
  if (sawManifests && out.manifests.length === 0)
    throw new UsageError('--manifests needs a file or directory');
  if ((out.config !== undefined) === sawManifests)
    throw new UsageError('give either --config FILE or --manifests PATH…');
  return {
    host: out.positional[0],
    manifests: out.manifests,
    registryOnly: out.registryOnly ?? false,
    trustDomain: out.trustDomain ?? DEFAULT_TRUST_DOMAIN,
    output: out.output ?? 'text',
    ...(out.config !== undefined ? { config: out.config } : {}),
    ...(out.from !== undefined ? { from: out.from } : {}),
  };
}

const fail = (message: string, usage = false): ExplainOutput => ({
  stdout: '',
  stderr: `wildcard-egress explain: ${message}\n${usage ? `\n${EXPLAIN_USAGE}` : ''}`,
  exitCode: 2,
});

/** The arguments, or what to print instead: the usage for --help, a usage error. */
function argsOrOutput(args: readonly string[]): ExplainArgs | ExplainOutput {
  try {
    const parsed = parseArgs(args);
    return parsed === 'help' ? { stdout: EXPLAIN_USAGE, stderr: '', exitCode: 0 } : parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(e.message, true);
  }
}

/**
 * `wildcard-egress explain`: whether one connection gets out, decided from
 * the config or from manifests, printed as text or JSON. Pure: all reading
 * goes through `io`.
 */
export function runExplain(args: readonly string[], io: Io): ExplainOutput {
  const a = argsOrOutput(args);
  if ('exitCode' in a) return a;
  const hostArg = parseHostArg(a.host);
  if (!hostArg.ok) return fail(hostArg.usage, true);
  const q: Question = {
    host: hostArg.name.ok ? hostArg.name.host : hostArg.raw.toLowerCase(),
    port: hostArg.port,
    registryOnly: a.registryOnly,
    ...(a.from !== undefined ? { from: a.from } : {}),
  };

  let decide: () => Explanation;
  if (a.config !== undefined) {
    const file = readConfigFile(a.config, io);
    if ('message' in file) return fail(`--config: ${file.message}`);
    const { doc, outcome: config } = file;
    const errors = config.results.filter((r) => r.severity === 'error');
    if (!config.options || errors.length > 0)
      return fail(`config ${a.config} is refused:\n${formatForHumans(errors)}`);
    const { options, plan } = config;
    decide = () => decideConfig(doc, options, plan, q);
  } else {
    let items;
    try {
      items = readManifests(a.manifests, io).items;
    } catch (e) {
      if (e instanceof ManifestError) return fail(e.message);
      throw e;
    }
    if (items.length === 0) return fail(`no Kubernetes objects in ${a.manifests.join(', ')}`);
    if (!items.some(isIstioObject)) {
      const kinds = [...new Set(items.map((i) => i.kind))].sort().join(', ');
      return fail(
        `no Istio objects in ${a.manifests.join(', ')} (${items.length} object${items.length === 1 ? '' : 's'}: ${kinds}), so there is nothing to decide from: explain reads the egress stack (ServiceEntries, VirtualServices, Sidecars, Gateways, EnvoyFilters, policies); give its manifests (the function's output, a kpt package, kustomize build output) or the list with --config`,
      );
    }
    decide = () => decideManifests(items, q, a.trustDomain);
  }

  let explanation: Explanation;
  if (!hostArg.name.ok) {
    // Refused before any layer: the same domain rules that refuse the name in a list.
    const path = new Path('egress-gateway');
    for (const note of hostArg.notes)
      path.note({ layer: 'host', value: hostArg.raw, detail: note });
    path.end('refused', {
      layer: 'host',
      value: hostArg.raw,
      detail: `${JSON.stringify(hostArg.raw)} ${hostArg.name.reason}`,
    });
    explanation = { ...decide(), verdict: 'refused', steps: path.steps, host: hostArg.raw };
    delete explanation.rule;
    delete explanation.nearest;
  } else {
    explanation = decide();
    if (hostArg.raw !== q.host && hostArg.raw !== `[${q.host}]`)
      explanation.steps.unshift({
        outcome: 'note',
        layer: 'host',
        value: q.host,
        detail: `${JSON.stringify(hostArg.raw)} is matched as ${q.host} (lower-cased, trailing dot dropped, international names as punycode)`,
      });
    for (const w of hostArg.name.warnings)
      explanation.steps.unshift({ outcome: 'note', layer: 'host', value: q.host, detail: w });
    for (const note of [...hostArg.notes].reverse())
      explanation.steps.unshift({ outcome: 'note', layer: 'host', value: q.host, detail: note });
  }
  return {
    stdout: a.output === 'json' ? formatJson(explanation) : formatText(explanation),
    stderr: '',
    exitCode: explanation.verdict === 'allowed' ? 0 : 1,
  };
}
