import { parseLogLine, type LogLine, type StackLogNames } from './parse-log-line.js';

/** One input of the audit: a file (or stdin) by the name stderr gives it, and its text. */
export interface LogSource {
  name: string;
  text: string;
}

/** The connections of every source, where the unreadable lines are (`name:line`), and how many lines were something else. */
export interface LogLines {
  lines: LogLine[];
  unreadable: string[];
  ignored: number;
}

/** Reads every line of every source; line numbers count from 1 in each source. */
export function readLogLines(sources: readonly LogSource[], names: StackLogNames): LogLines {
  const out: LogLines = { lines: [], unreadable: [], ignored: 0 };
  for (const source of sources) {
    const rows = source.text.split('\n');
    if (rows[rows.length - 1] === '') rows.pop();
    rows.forEach((row, i) => {
      const outcome = parseLogLine(row, names);
      if ('line' in outcome) out.lines.push(outcome.line);
      else if ('unreadable' in outcome) out.unreadable.push(`${source.name}:${i + 1}`);
      else out.ignored++;
    });
  }
  return out;
}
