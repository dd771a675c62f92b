import { options, UsageError } from '../command/options.js';
import type { Command } from './commands.js';

/** How the binary was asked to run, decided from argv alone. */
export type Invocation =
  | { mode: 'function' }
  | { mode: 'stream'; configPath: string; noInput: boolean; verbose: boolean }
  | { mode: 'help' }
  | { mode: 'version' }
  | { mode: 'command'; name: string; args: readonly string[] }
  | { mode: 'usage-error'; message: string };

/**
 * Reads argv (without node and the script). No arguments: the KRM function,
 * unless stdin is a terminal (nobody is piping a ResourceList: that is a
 * usage error). A subcommand name first hands the rest to that command.
 * Stream mode reads no stdin with `--no-input` or at a terminal; otherwise an
 * empty stdin is an error (the command before the pipe most likely failed).
 */
export function parseArgs(
  argv: readonly string[],
  stdinIsTTY: boolean,
  commands: Readonly<Record<string, Command>>,
): Invocation {
  if (argv.length === 0) {
    return stdinIsTTY
      ? {
          mode: 'usage-error',
          message: 'stdin is a terminal: pipe a ResourceList in, or see the ways to run it below',
        }
      : { mode: 'function' };
  }
  const first = argv[0];
  if (Object.hasOwn(commands, first)) return { mode: 'command', name: first, args: argv.slice(1) };
  if (argv.includes('--help') || argv.includes('-h')) return { mode: 'help' };
  if (argv.includes('--version')) return { mode: 'version' };
  let configPath: string | undefined;
  let noInput = stdinIsTTY;
  let verbose = false;
  // The same option walker as the subcommands: `--config FILE` and `--config=FILE` read alike.
  try {
    for (const { arg, name, value } of options(argv)) {
      if (arg === '--no-input') noInput = true;
      else if (arg === '--verbose' || arg === '-v') verbose = true;
      else if (name === '--config') {
        const file = value();
        if (file === '') throw new UsageError('--config needs a file: --config=domains.yaml');
        if (configPath !== undefined) throw new UsageError('--config given twice');
        configPath = file;
      } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
      else throw new UsageError(`unknown command ${JSON.stringify(arg)}`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { mode: 'usage-error', message: e.message };
  }
  if (configPath === undefined)
    return { mode: 'usage-error', message: '--no-input and --verbose go with --config FILE' };
  return { mode: 'stream', configPath, noInput, verbose };
}

/** Whether main must read stdin for this invocation (stream mode with --no-input or at a terminal reads none). */
export function needsStdin(inv: Invocation, commands: Readonly<Record<string, Command>>): boolean {
  switch (inv.mode) {
    case 'function':
      return true;
    case 'stream':
      return !inv.noInput;
    case 'command':
      return commands[inv.name].readsStdin;
    default:
      return false;
  }
}
