/**
 * A plain multi-document YAML stream (what `kustomize build` and
 * `helm template` print) cut into documents by their `---` and `...` lines,
 * and the way back from the function's items to documents.
 *
 * Cutting by lines is exact: YAML forbids a line that starts with `---` or
 * `...` followed by a space or the line's end inside any scalar, so such a
 * line always ends a document.
 */

/**
 * One stretch of a stream, from one `---` line (or the stream's start) to the
 * next: `lead + text + trail` is that stretch byte for byte, so a stream put
 * back together from its segments is the stream.
 */
export interface StreamSegment {
  /** The marker line (`---`, or `--- ` before content on the marker line) and blank lines before the document. */
  lead: string;
  /** The document's lines, from its first line that is not blank to its last; `''` when it has none. */
  text: string;
  /** Blank lines after the document, and a `...` line with whatever follows it before the next `---`. */
  trail: string;
  /** 1-based line of the stream where `text` begins. */
  firstLine: number;
}

/** One document of a stream: its text without markers, and where it starts. */
export interface StreamDocument {
  /** The document's lines, ending with a line break unless the stream ends without one. */
  text: string;
  /** 1-based line of the stream where `text` begins. */
  firstLine: number;
}

const MARKER = /^(---|\.\.\.)(?=[ \t\r\n]|$)/;
const blank = (line: string) => line.trim() === '';

/** Cuts a stream into segments whose concatenation is the stream. */
export function splitStream(stream: string): StreamSegment[] {
  if (stream === '') return [];
  // Lines with their line breaks, so that joining them gives the stream back.
  const lines = stream.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const starts: number[] = [];
  // A document starts at the stream's start, at a `---` line, and after a `...` line (YAML lets a
  // document follow a document end marker without `---`).
  lines.forEach((line, i) => {
    const afterEnd = i > 0 && /^\.\.\.(?=[ \t\r\n]|$)/.test(lines[i - 1]);
    if (i === 0 || afterEnd || /^---(?=[ \t\r\n]|$)/.test(line)) starts.push(i);
  });
  let lineNo = 1;
  return starts.map((from, k) => {
    const to = k + 1 < starts.length ? starts[k + 1] : lines.length;
    const part = lines.slice(from, to);
    const first = lineNo;
    lineNo += part.length;
    let lead = '';
    let i = 0;
    const marker = MARKER.exec(part[0]);
    if (marker && marker[1] === '---') {
      // `--- # note` or `--- |`: what follows the marker on its line is the document's first line.
      const rest = part[0].slice(3).replace(/^[ \t]+/, '');
      if (rest.trim() === '') {
        lead = part[0];
        i = 1;
      } else {
        lead = part[0].slice(0, part[0].length - rest.length);
        part[0] = rest;
      }
    }
    while (i < part.length && blank(part[i])) {
      lead += part[i];
      i++;
    }
    const firstLine = first + i;
    // The body ends at a `...` line or at the last line that is not blank.
    let end = i;
    while (end < part.length && !/^\.\.\.(?=[ \t\r\n]|$)/.test(part[end])) end++;
    let last = end;
    while (last > i && blank(part[last - 1])) last--;
    return {
      lead,
      text: part.slice(i, last).join(''),
      trail: part.slice(last).join(''),
      firstLine,
    };
  });
}

/** Cuts a stream into documents, in order; stretches that hold only blank lines are left out. */
export function splitDocuments(stream: string): StreamDocument[] {
  return splitStream(stream)
    .filter((s) => s.text !== '')
    .map((s) => ({ text: s.text, firstLine: s.firstLine }));
}

/**
 * The document an item entry holds: the entry (`- key: …` with the body
 * indented two more columns) without its dash and indent. Undefined when the
 * entry is not laid out that way.
 */
export function entryToDocument(entry: string): string | undefined {
  const lines = entry.split('\n');
  const last = lines.pop();
  if (last !== '') return undefined;
  const head = /^-( |$)/.exec(lines[0] ?? '');
  if (!head) return undefined;
  const out: string[] = [];
  const first = lines[0].slice(head[0].length);
  if (first !== '') out.push(first);
  for (const line of lines.slice(1)) {
    if (line === '') out.push(line);
    else if (line.startsWith('  ')) out.push(line.slice(2));
    else return undefined;
  }
  return out.join('\n') + '\n';
}
