import { runAudit } from '../audit/cli.js';
import { runExplainCommand } from '../explain/command.js';

/** What a command may read: files by path, and stdin (already read by main). */
export interface CommandIO {
  readFile(path: string): string;
  stdin(): string;
}

/** What a command gives back; main writes it and sets the exit code. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A subcommand: `wildcard-egress NAME ARGS…`. */
export interface Command {
  /** The argument synopsis shown after the name in usage (`HOST[:PORT]`). */
  synopsis: string;
  /** One line for the usage text. */
  summary: string;
  /** Whether main must read stdin before running it (a command that reads none must not wait on a pipe). */
  readsStdin: boolean;
  /** Pure: arguments and IO in, output out. */
  run(args: readonly string[], io: CommandIO): CommandOutput;
}

/**
 * Subcommands by name. A new one is one row: its module exports a pure
 * `run(args, io)`, and usage lists every row. Without a subcommand name the
 * binary is the KRM function (or stream mode with `--config`).
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  audit: {
    synopsis: '--config FILE [LOGFILE…] [--from NAMESPACE] [--output json]',
    summary: 'compare access logs with the list: used, unused and unlisted names, and suggestions',
    readsStdin: false,
    run: runAudit,
  },
  explain: {
    synopsis: 'HOST[:PORT] [--from NAMESPACE] (--config FILE | --manifests PATH…) [--output json]',
    summary:
      'would this host get out from this namespace, and by which rule: allowed, refused, bypass or passthrough',
    readsStdin: false,
    run: runExplainCommand,
  },
};
