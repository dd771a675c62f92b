import { EXIT, type CommandOutput, type Io } from '../command/io.js';
import { readConfigFile } from '../config/read-config-file.js';
import { runFunction } from '../function/run-function.js';
import { error, formatForHumans, info } from '../krm/results.js';
import type { Invocation } from './args.js';
import { COMMANDS } from './commands.js';
import { runStream } from './stream.js';
import { usage } from './usage.js';

/**
 * Runs one invocation with the IO main gives it. Pure apart from `io`: the
 * only file that touches the process is src/main.ts.
 */
export async function runCli(inv: Invocation, io: Io, version: string): Promise<CommandOutput> {
  switch (inv.mode) {
    case 'help':
      return { stdout: usage(version, COMMANDS), stderr: '', exitCode: EXIT.ok };
    case 'version':
      return { stdout: `${version}\n`, stderr: '', exitCode: EXIT.ok };
    case 'usage-error':
      return {
        stdout: '',
        stderr: `wildcard-egress: ${inv.message}\n\n${usage(version, COMMANDS)}`,
        exitCode: EXIT.cannotRun,
      };
    case 'command':
      return COMMANDS[inv.name].run(inv.args, io);
    case 'function':
      return runFunction(io.stdin());
    case 'stream': {
      const config = readConfigFile(inv.configPath, io);
      if ('message' in config) {
        const what = config.unreadable ? 'nothing read' : 'nothing written to stdout';
        return {
          stdout: '',
          stderr:
            formatForHumans([error(`--config: ${config.message}`), info(`1 error(s): ${what}`)]) +
            '\n',
          exitCode: config.unreadable ? EXIT.cannotRun : EXIT.refused,
        };
      }
      return runStream(inv.noInput ? undefined : io.stdin(), config, inv.verbose);
    }
  }
}
