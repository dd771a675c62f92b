import { error, formatForHumans, info } from '../krm/results.js';
import { runFunction } from '../run.js';
import type { Invocation } from './args.js';
import { COMMANDS, type CommandIO, type CommandOutput } from './commands.js';
import { runStream } from './stream.js';
import { usage } from './usage.js';

/**
 * Runs one invocation with the IO main gives it. Pure apart from `io`: the
 * only file that touches the process is src/main.ts.
 */
export function runCli(inv: Invocation, io: CommandIO, version: string): CommandOutput {
  switch (inv.mode) {
    case 'help':
      return { stdout: usage(version, COMMANDS), stderr: '', exitCode: 0 };
    case 'version':
      return { stdout: `${version}\n`, stderr: '', exitCode: 0 };
    case 'usage-error':
      return {
        stdout: '',
        stderr: `wildcard-egress: ${inv.message}\n\n${usage(version, COMMANDS)}`,
        exitCode: 2,
      };
    case 'command':
      return COMMANDS[inv.name].run(inv.args, io);
    case 'function':
      return runFunction(io.stdin());
    case 'stream': {
      let text;
      try {
        text = io.readFile(inv.configPath);
      } catch (e) {
        const problem = error(
          `cannot read --config ${JSON.stringify(inv.configPath)}: ${(e as Error).message}`,
        );
        return {
          stdout: '',
          stderr: formatForHumans([problem, info('1 error(s): nothing written to stdout')]) + '\n',
          exitCode: 1,
        };
      }
      return runStream(inv.noInput ? undefined : io.stdin(), { path: inv.configPath, text });
    }
  }
}
