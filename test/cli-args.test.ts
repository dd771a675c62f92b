import { describe, expect, it } from 'vitest';
import { needsStdin, parseArgs, type Invocation } from '../src/cli/args.js';
import { runCli } from '../src/cli/cli.js';
import { COMMANDS, type Command } from '../src/cli/commands.js';
import { usage } from '../src/cli/usage.js';
import { domainList, parseOutput, resourceList } from './helpers.js';
import { memoryIo } from './support/io.js';

const NONE: Record<string, Command> = {};
const ECHO: Record<string, Command> = {
  echo: {
    synopsis: 'WORDS…',
    summary: 'prints its arguments',
    readsStdin: false,
    run: (args) => Promise.resolve({ stdout: `${args.join(' ')}\n`, stderr: '', exitCode: 0 }),
  },
};

describe('parseArgs', () => {
  const cases: Record<
    string,
    [argv: string[], tty: boolean, expected: Invocation['mode'], extra?: object]
  > = {
    'no arguments, piped stdin: the KRM function': [[], false, 'function'],
    'no arguments, a terminal on stdin: usage error': [[], true, 'usage-error'],
    '--help': [['--help'], true, 'help'],
    '-h after other flags': [['--config', 'x.yaml', '-h'], false, 'help'],
    '--version': [['--version'], false, 'version'],
    '--config FILE: stream mode on stdin': [
      ['--config', 'domains.yaml'],
      false,
      'stream',
      { configPath: 'domains.yaml', noInput: false, verbose: false },
    ],
    '--config FILE with a terminal on stdin: no input': [
      ['--config', 'domains.yaml'],
      true,
      'stream',
      { noInput: true },
    ],
    '--config FILE --no-input': [
      ['--config', 'domains.yaml', '--no-input'],
      false,
      'stream',
      { noInput: true },
    ],
    '--no-input alone': [['--no-input'], false, 'usage-error'],
    '--config=FILE (Helm --post-renderer-args form)': [
      ['--config=domains.yaml'],
      false,
      'stream',
      { configPath: 'domains.yaml' },
    ],
    '--config without a file': [['--config'], false, 'usage-error'],
    '--config= empty': [['--config='], false, 'usage-error'],
    '--config twice': [['--config=a', '--config=b'], false, 'usage-error'],
    'an unknown option': [['--bogus'], false, 'usage-error'],
    'an unknown command': [['explain', 'x'], false, 'usage-error'],
  };
  for (const [name, [argv, tty, mode, extra]] of Object.entries(cases)) {
    it(name, () => {
      const inv = parseArgs(argv, tty, NONE);
      expect(inv.mode).toBe(mode);
      if (extra) expect(inv).toMatchObject(extra);
    });
  }

  it('hands a registered subcommand the rest of argv, flags included', () => {
    expect(parseArgs(['echo', '--help', 'a'], false, ECHO)).toEqual({
      mode: 'command',
      name: 'echo',
      args: ['--help', 'a'],
    });
  });

  it('reads stdin only where the mode takes it: not for help, not for stream mode without input', () => {
    expect(needsStdin({ mode: 'function' }, NONE)).toBe(true);
    expect(
      needsStdin({ mode: 'stream', configPath: 'x', noInput: false, verbose: false }, NONE),
    ).toBe(true);
    expect(
      needsStdin({ mode: 'stream', configPath: 'x', noInput: true, verbose: false }, NONE),
    ).toBe(false);
    expect(needsStdin({ mode: 'help' }, NONE)).toBe(false);
    expect(needsStdin({ mode: 'command', name: 'echo', args: [] }, ECHO)).toBe(false);
  });
});

describe('usage', () => {
  it('names every way to run the function and the exit codes', () => {
    const text = usage('9.9.9', NONE);
    for (const way of [
      'kpt fn render',
      'kpt fn eval',
      '--exec wildcard-egress',
      'KPT_FN_RUNTIME=podman',
      'kubectl kustomize --enable-alpha-plugins',
      '| wildcard-egress --config domains.yaml',
      '--post-renderer wildcard-egress',
      '--no-input',
      '--image IMAGE',
      'npm run image',
      '--results-dir',
      '--truncate-output=false',
      'Exit codes',
    ]) {
      expect(text).toContain(way);
    }
    // No image is published: --help names none (a registry name would point at nothing).
    expect(text).not.toMatch(/ghcr\.io|docker\.io|gcr\.io|quay\.io|localhost\//);
  });

  it('lists each row of the command table, and no command that is not in it', () => {
    expect(usage('1.0.0', ECHO)).toContain(
      'wildcard-egress echo WORDS…\n      prints its arguments',
    );
    expect(usage('1.0.0', NONE)).not.toMatch(/wildcard-egress (explain|audit)/);
  });
});

describe('runCli', () => {
  const io = (stdin: string, files: Record<string, string> = {}) => memoryIo(files, stdin);

  it('--help: usage on stdout, exit 0; --version: the version alone', async () => {
    expect(await runCli({ mode: 'help' }, io(''), '1.2.3')).toEqual({
      stdout: usage('1.2.3', COMMANDS),
      stderr: '',
      exitCode: 0,
    });
    expect(usage('1.2.3', COMMANDS)).toContain('wildcard-egress audit --config FILE');
    expect(await runCli({ mode: 'version' }, io(''), '1.2.3')).toEqual({
      stdout: '1.2.3\n',
      stderr: '',
      exitCode: 0,
    });
  });

  it('a usage error: the reason and the usage on stderr, nothing on stdout, exit 2', async () => {
    const out = await runCli(
      { mode: 'usage-error', message: 'stdin is a terminal' },
      io(''),
      '1.2.3',
    );
    expect(out.exitCode).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /^wildcard-egress: stdin is a terminal\n\nwildcard-egress 1\.2\.3: /,
    );
  });

  it('the function mode is the KRM function on stdin', async () => {
    const out = await runCli(
      { mode: 'function' },
      io(resourceList([], domainList(['*.wikipedia.org']))),
      '1.2.3',
    );
    expect(out.exitCode).toBe(0);
    expect(parseOutput(out.stdout).items).toHaveLength(10);
  });

  it('stream mode with a missing config: the path and the reason on stderr, exit 2 (as in explain and audit), nothing on stdout', async () => {
    const out = await runCli(
      { mode: 'stream', configPath: 'missing.yaml', noInput: false, verbose: false },
      io(''),
      '1.2.3',
    );
    expect(out).toEqual({
      stdout: '',
      stderr: expect.stringContaining('error: --config: cannot read missing.yaml: no such file'),
      exitCode: 2,
    });
  });
});
