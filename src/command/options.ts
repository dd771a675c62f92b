/** A command-line mistake: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** One argument of a subcommand, and how to take the value of an option. */
export interface Option {
  /** The argument as given. */
  arg: string;
  /** `--name` of `--name=value`, else the argument itself. */
  name: string;
  /** The option's value: after `=`, else the next argument (consumed); a usage error when there is none or it is empty. */
  value: () => string;
  /** The value after `=` if any, then every following argument that is no option (`-` is one: stdin), consumed. */
  values: () => string[];
}

/** Walks a subcommand's arguments; `--name value` and `--name=value` read alike. */
export function* options(args: readonly string[]): Generator<Option> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    yield {
      arg,
      name,
      value: () => {
        if (eq > 0) return arg.slice(eq + 1);
        const next = args[++i];
        if (next === undefined || next === '') throw new UsageError(`${name} needs a value`);
        return next;
      },
      values: () => {
        const out = eq > 0 ? [arg.slice(eq + 1)] : [];
        while (i + 1 < args.length && (!args[i + 1].startsWith('-') || args[i + 1] === '-'))
          out.push(args[++i]);
        return out;
      },
    };
  }
}
