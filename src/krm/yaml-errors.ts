import type { YAMLError } from 'yaml';

/** 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where a `yaml` parse error is and what it says: `at` is `line 5, column 1`
 * (`firstLine` is the line number of `text`'s first line in what the user
 * sees), `message` the error's first line.
 */
export function locateYamlError(
  text: string,
  err: YAMLError,
  firstLine = 1,
): { at: string; message: string } {
  const { line, column } = lineColumn(text, err.pos[0]);
  return {
    at: `line ${line + firstLine - 1}, column ${column}`,
    message: err.message.split('\n')[0],
  };
}
