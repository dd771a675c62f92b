import type { Command } from './commands.js';

/** The `--help` text: what the binary is, the ways to run it, exit codes; every subcommand of the table. */
export function usage(version: string, commands: Readonly<Record<string, Command>>): string {
  const rows = Object.entries(commands).map(
    ([name, c]) => `  wildcard-egress ${name} ${c.synopsis}\n      ${c.summary}`,
  );
  return [
    `wildcard-egress ${version}: one list of allowed external domains, kept in every place of the`,
    'Istio egress stack for wildcard destinations (VirtualService, ServiceEntry, EnvoyFilter, …).',
    '',
    'Usage:',
    '  wildcard-egress < resource-list.yaml',
    '      KRM function: a config.kubernetes.io/v1 ResourceList on stdin, the result on stdout.',
    '  wildcard-egress --config domains.yaml [--no-input] [--verbose] < manifests.yaml',
    '      Stream mode: plain multi-document YAML in, the same documents with the list in all',
    '      its places (and the missing stack) out; on stderr what changed in the list, warnings,',
    '      errors and a summary (--verbose: every changed place too). On any error, an empty',
    '      stdin included, nothing is written to stdout. --no-input (or a terminal on stdin)',
    '      reads nothing and renders the stack from the config alone.',
    ...rows,
    '  wildcard-egress --help | --version',
    '',
    'Ways to run it (docs/usage.md has each in full):',
    '  kpt fn render PKG --allow-exec          Kptfile: pipeline.mutators: [{exec: wildcard-egress, configPath: domains.yaml}]',
    "  kpt fn eval PKG --exec wildcard-egress -- domains='*.example.com,api.example.org'",
    '  kpt fn eval PKG --image IMAGE --fn-config domains.yaml',
    '                                          IMAGE: one you build (npm run image); no image is published',
    '                                          (with podman instead of docker: KPT_FN_RUNTIME=podman)',
    '  kubectl kustomize --enable-alpha-plugins DIR',
    '                                          a DomainList under generators: or transformers:, annotated',
    '                                          config.kubernetes.io/function: {container: {image: IMAGE}}',
    '  kubectl kustomize DIR | wildcard-egress --config domains.yaml',
    '                                          Argo CD config-management plugin, Flux pre-render, CI',
    '  helm template|install … --post-renderer wildcard-egress --post-renderer-args=--config=domains.yaml',
    '                                          Helm 3; Helm 4 takes the plugin examples/helm-postrenderer',
    '',
    'Results: --results-dir DIR and --truncate-output=false make kpt keep and show all of them.',
    'Exit codes, the same for every subcommand: 0 done; 1 refused (error results: a bad list or',
    '  config, drift in check mode; items unchanged); 2 the run could not start (a usage error, this',
    '  text on stderr; a file that cannot be read) or an internal error.',
    '',
  ].join('\n');
}
