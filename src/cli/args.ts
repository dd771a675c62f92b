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
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === '--no-input') {
      noInput = true;
      continue;
    }
    if (arg === '--verbose' || arg === '-v') {
      verbose = true;
      continue;
    }
    if (arg === '--config') {
      value = argv[++i];
      if (value === undefined || value === '')
        return { mode: 'usage-error', message: '--config needs a file: --config domains.yaml' };
    } else if (arg.startsWith('--config=')) {
      value = arg.slice('--config='.length);
      if (value === '')
        return { mode: 'usage-error', message: '--config needs a file: --config=domains.yaml' };
    } else if (arg.startsWith('-')) {
      return { mode: 'usage-error', message: `unknown option ${JSON.stringify(arg)}` };
    } else {
      return { mode: 'usage-error', message: `unknown command ${JSON.stringify(arg)}` };
    }
    if (configPath !== undefined) return { mode: 'usage-error', message: '--config given twice' };
    configPath = value;
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
