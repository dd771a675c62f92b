/**
 * What every mode and subcommand reads through, and what it gives back.
 * src/main.ts supplies the one implementation (the only code that touches
 * the file system and the process); everything else stays pure and is
 * tested with plain objects.
 */

/** One entry of a directory listing. */
export interface DirEntry {
  name: string;
  directory: boolean;
}

/** Reading files, stdin and directories. */
export interface Io {
  /** A file's text (UTF-8); throws the file system's error (its `code`: ENOENT, EISDIR, …). */
  readFile(path: string): string;
  /** All of stdin. */
  stdin(): string;
  /** The entries of a directory, or undefined when `path` is no directory (or does not exist). */
  listDir(path: string): DirEntry[] | undefined;
}

/** What a mode or command gives back; main writes it and sets the exit code. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Exit codes shared by the function and every subcommand (docs/function-config.md):
 * 1 for error results (the input was read and refused), 2 when the run could
 * not start (a usage error, a file that cannot be read) or failed inside.
 */
export const EXIT = { ok: 0, refused: 1, cannotRun: 2 } as const;

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
};

/** Why a file could not be read, in words (`no such file`), from the error `Io.readFile` threw. */
export function readFailure(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && Object.hasOwn(REASONS, code)) return REASONS[code];
  return e instanceof Error ? e.message : String(e);
}
