import { readdirSync, statSync } from 'node:fs';
import type { CommandIO, CommandOutput } from '../cli/commands.js';
import { runExplain } from './cli.js';

/**
 * Directory listings for `--manifests DIR`: the command table's IO reads
 * files and stdin only, so the command lists directories here (the one file
 * of explain that touches the file system directly).
 */
function listDir(path: string): { name: string; directory: boolean }[] | undefined {
  try {
    if (!statSync(path).isDirectory()) return undefined;
  } catch {
    return undefined; // missing: readFile reports it with its own message
  }
  return readdirSync(path, { withFileTypes: true }).map((e) => ({
    name: e.name,
    directory:
      e.isDirectory() || (e.isSymbolicLink() && statSync(`${path}/${e.name}`).isDirectory()),
  }));
}

/** `wildcard-egress explain` as a row of the command table. */
export function runExplainCommand(args: readonly string[], io: CommandIO): CommandOutput {
  return runExplain(args, { ...io, listDir });
}
