/**
 * kpt (go-yaml v3) writes a single-quoted scalar that ends with a line break
 * with its closing quote at column 0, which is not valid YAML. The post's own
 * access-log format is such a scalar, so `kpt fn render` hands it to us.
 *
 * Returns the text with each such closing quote indented under the previous
 * line. Leading spaces of a flow scalar's continuation line are not part of
 * its value, so the repaired text reads as kpt meant it.
 */
export function repairKptQuotes(text: string): string {
  if (!text.includes("\n'")) return text;
  const lines = text.split('\n');
  let changed = false;
  for (let i = 1; i < lines.length; i++) {
    if (!/^'[ \t]*$/.test(lines[i])) continue;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    if (j < 0) continue;
    const prevIndent = lines[j].length - lines[j].trimStart().length;
    lines[i] = ' '.repeat(prevIndent + 2) + lines[i];
    changed = true;
  }
  return changed ? lines.join('\n') : text;
}
