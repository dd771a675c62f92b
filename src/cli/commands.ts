import type { CommandOutput, Io } from '../command/io.js';

/** A subcommand: `wildcard-egress NAME ARGS…`. */
export interface Command {
  /** The argument synopsis shown after the name in usage (`HOST[:PORT]`). */
  synopsis: string;
  /** One line for the usage text. */
  summary: string;
  /** Whether main must read stdin before running it (a command that reads none must not wait on a pipe). */
  readsStdin: boolean;
  /** Arguments and IO in, output out; the command's code is loaded only when it runs. */
  run(args: readonly string[], io: Io): Promise<CommandOutput>;
}

/**
 * Subcommands by name. A new one is one row: its module exports a pure
 * `run(args, io)`, loaded on demand (the KRM function's start-up never loads
 * a subcommand's code), and usage lists every row. Without a subcommand name
 * the binary is the KRM function (or stream mode with `--config`).
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  audit: {
    synopsis: '--config FILE [LOGFILE…] [--from NAMESPACE] [--output json]',
    summary: 'compare access logs with the list: used, unused and unlisted names, and suggestions',
    readsStdin: false,
    run: async (args, io) => (await import('../audit/cli.js')).runAudit(args, io),
  },
  explain: {
    synopsis: 'HOST[:PORT] [--from NAMESPACE] (--config FILE | --manifests PATH…) [--output json]',
    summary:
      'would this host get out from this namespace, and by which rule: allowed, refused, bypass or passthrough',
    readsStdin: false,
    run: async (args, io) => (await import('../explain/cli.js')).runExplain(args, io),
  },
};
