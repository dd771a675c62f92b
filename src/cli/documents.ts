/**
 * A plain multi-document YAML stream (what `kustomize build` and
 * `helm template` print) cut into documents by their `---` and `...` lines,
 * and the way back from the function's items to documents.
 *
 * Cutting by lines is exact: YAML forbids a line that starts with `---` or
 * `...` followed by a space or the line's end inside any scalar, so such a
 * line always ends a document.
 */

/** One document of a stream: its text without markers, and where it starts. */
export interface StreamDocument {
  /** The document's lines, ending with a line break; trailing blank lines dropped. */
  text: string;
  /** 1-based line of the stream where `text` begins. */
  firstLine: number;
}

const MARKER = /^(---|\.\.\.)(?=[ \t\r]|$)/;

/** Cuts a stream into documents, in order; documents that hold only blank lines are left out. */
export function splitDocuments(stream: string): StreamDocument[] {
  const lines = stream.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const docs: StreamDocument[] = [];
  let current: string[] = [];
  let firstLine = 1;
  const close = () => {
    while (current.length > 0 && current[current.length - 1].trim() === '') current.pop();
    if (current.length > 0) docs.push({ text: current.join('\n') + '\n', firstLine });
  };
  lines.forEach((line, i) => {
    const marker = MARKER.exec(line);
    if (!marker) {
      if (current.length === 0 && line.trim() === '') firstLine = i + 2;
      else current.push(line);
      return;
    }
    close();
    current = [];
    firstLine = i + 1;
    // `--- |` or `--- # note`: what follows the marker on its line is the document's first line.
    const rest = marker[1] === '---' ? line.slice(3).trimStart() : '';
    if (rest.trim() !== '') current.push(rest);
    else firstLine = i + 2;
  });
  close();
  return docs;
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
