import { Document, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { CommandOutput } from '../command/io.js';
import type { ConfigFile } from '../config/read-config-file.js';
import { processList, type ListOutcome } from '../function/run-function.js';
import { ItemError, ItemSource } from '../krm/item-source.js';
import { repairKptQuotes } from '../krm/repair-kpt-quotes.js';
import { toEntry } from '../krm/resource-list.js';
import { error, formatForHumans, info, type Result } from '../krm/results.js';
import { locateYamlError, mayHoldAlias, unresolvedAliases } from '../krm/yaml-errors.js';
import { ITEM_PARSE_OPTIONS, PRINT_OPTIONS } from '../krm/yaml-options.js';
import { entryToDocument, splitStream, type StreamSegment } from './documents.js';

const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

/**
 * Stream mode: plain multi-document YAML in, the same documents out with the
 * list in all its places and the missing stack added, through the very
 * reconcile the KRM function runs. All or nothing: on any error stdout stays
 * empty and the errors go to stderr, one per line, exit 1. Documents marked
 * `config.kubernetes.io/local-config: "true"` and DomainLists are client-side
 * config: left out of the output, as kustomize leaves them out of a build.
 *
 * `input` undefined (`--no-input`) renders the stack from the config alone. An
 * input with no document is an error: in `kubectl kustomize . | wildcard-egress`
 * it means kustomize failed, and printing the stack alone would have a GitOps
 * tool prune everything else. `verbose` prints every change, one line each;
 * otherwise stderr gets warnings, errors and the run-wide lines (what changed
 * in the list, the summary).
 */
export function runStream(
  input: string | undefined,
  config: ConfigFile,
  verbose = false,
): CommandOutput {
  // A byte-order mark is no part of the YAML (kpt drops it too): without it the first key reads as written.
  const read = readDocuments(repairKptQuotes((input ?? '').replace(/^\uFEFF/, '')));
  // Only when nothing else was wrong: a document that failed to parse is no empty stdin.
  if (input !== undefined && read.documents === 0 && read.problems.length === 0) {
    read.problems.push(
      error(
        'stdin holds no YAML document: did the command before the pipe fail? (--no-input renders the stack from the config alone)',
      ),
    );
  }
  if (read.problems.length > 0) return failed(read.problems);
  const done = processList(
    { items: read.entries, indent: 0, functionConfig: config.doc },
    config.outcome,
  );
  if (done.exitCode !== 0) return failed(done.results.filter((r) => r.severity !== 'info'));
  const results = [...read.notes, ...done.results];
  return {
    stdout: assemble(read, done),
    stderr: lines(verbose ? results : results.filter(shown)),
    exitCode: 0,
  };
}

/**
 * The output stream: each stretch of the input as it came in (markers, blank
 * lines, comments, a missing final line break) where the run left its
 * document alone, the new text between the same markers where it changed it,
 * nothing where it removed it or it is client-side config; then the added
 * documents, each after a `---`.
 */
function assemble(read: ReadDocuments, done: ListOutcome): string {
  const written = new Map<number, string>();
  const added: string[] = [];
  done.items.forEach((item, k) => {
    const from = done.origins[k];
    if (from === undefined) added.push(item);
    else written.set(from, item);
  });
  let out = '';
  for (const { segment, entry } of read.segments) {
    const whole = segment.lead + segment.text + segment.trail;
    if (entry === undefined) {
      out += whole;
      continue;
    }
    if (entry === 'left out') continue;
    const item = written.get(entry);
    if (item === undefined) continue;
    if (item === read.entries[entry]) {
      out += whole;
      continue;
    }
    const body = documentOf(item);
    out +=
      segment.lead + (segment.text.endsWith('\n') ? body : body.replace(/\n$/, '')) + segment.trail;
  }
  for (const item of added) {
    if (out !== '') out += `${out.endsWith('\n') ? '' : '\n'}---\n`;
    out += documentOf(item);
  }
  return out;
}

function failed(problems: readonly Result[]): CommandOutput {
  const errors = problems.filter((r) => r.severity === 'error').length;
  return {
    stdout: '',
    stderr: lines([...problems, info(`${errors} error(s): nothing written to stdout`)]),
    exitCode: 1,
  };
}

/** Warnings, errors, and infos that speak of the whole run (the summary); not one line per changed place. */
function shown(r: Result): boolean {
  return r.severity !== 'info' || (r.resourceRef === undefined && r.field === undefined);
}

function lines(results: readonly Result[]): string {
  return results.length > 0 ? formatForHumans(results) + '\n' : '';
}

interface ReadDocuments {
  /** How many documents the stream held, left-out ones included. */
  documents: number;
  entries: string[];
  /** Each stretch of the stream: the entry its document became, `left out`, or undefined for one without a document. */
  segments: { segment: StreamSegment; entry?: number | 'left out' }[];
  /** Infos about documents left out (local config). */
  notes: Result[];
  problems: Result[];
}

/** Each document of the stream as an item entry; YAML errors name the stream's line and column. */
function readDocuments(stream: string): ReadDocuments {
  const out: ReadDocuments = { documents: 0, entries: [], segments: [], notes: [], problems: [] };
  for (const segment of splitStream(stream)) {
    const slot: ReadDocuments['segments'][number] = { segment };
    out.segments.push(slot);
    if (segment.text === '') continue;
    const parsed = parseDocument(segment.text, ITEM_PARSE_OPTIONS);
    const problem = parsed.errors[0];
    if (problem) {
      const { at, message } = locateYamlError(segment.text, problem, segment.firstLine);
      out.problems.push(error(`stdin is not valid YAML at ${at}: ${message}`));
      continue;
    }
    if (mayHoldAlias(segment.text)) {
      for (const a of unresolvedAliases(parsed, segment.text, segment.firstLine))
        out.problems.push(error(`stdin: ${a.at}: ${a.message}`));
    }
    if (parsed.contents === null) continue;
    out.documents++;
    if (!isMap(parsed.contents)) {
      out.problems.push(
        error(
          `stdin: the document at line ${segment.firstLine} is not an object: every document must be a Kubernetes resource`,
        ),
      );
      continue;
    }
    // Read the kind off its node: converting the whole document would expand an alias bomb.
    const kind = parsed.contents.get('kind', true);
    if (isScalar(kind) && String(kind.value) === 'ResourceList') {
      out.problems.push(
        error(
          'stdin holds a ResourceList: run without --config, the function config comes inside it',
        ),
      );
      continue;
    }
    // A List (`kubectl get -o yaml`) wraps its resources in items: read as one document, the
    // stack would be added beside the ones it holds.
    const items = parsed.contents.get('items', true);
    if (isScalar(kind) && /List$/.test(String(kind.value)) && isSeq(items)) {
      out.problems.push(
        error(
          `stdin: the document at line ${segment.firstLine} is a ${String(kind.value)} of ${items.items.length} item(s): write one document per resource (kubectl kustomize flattens a List listed in a kustomization's resources)`,
        ),
      );
      continue;
    }
    const entry = toEntry(segment.text, 0);
    const left = leftOut(entry);
    if (left) {
      out.notes.push(
        info(`left out ${left}: client-side config, as kustomize leaves it out of a build`),
      );
      slot.entry = 'left out';
    } else {
      slot.entry = out.entries.length;
      out.entries.push(entry);
    }
  }
  return out;
}

/** `Kind/name` of a document that is client-side config, or undefined. */
function leftOut(entry: string): string | undefined {
  let header;
  try {
    header = new ItemSource(entry).header;
  } catch (e) {
    if (e instanceof ItemError) return undefined; // the reconcile reports it
    throw e;
  }
  const own =
    header.kind === 'DomainList' && (header.apiVersion ?? '').startsWith('wildcard-egress.dev/');
  return own || header.annotations[LOCAL_CONFIG] === 'true'
    ? `${header.kind ?? '?'}/${header.name ?? '?'}`
    : undefined;
}

/** An output item back as a document: its own text when laid out as an entry, else printed from its parse. */
function documentOf(entry: string): string {
  const text = entryToDocument(entry);
  if (text !== undefined) return text;
  const seq = parseDocument(entry, ITEM_PARSE_OPTIONS).contents;
  const node = isSeq(seq) ? (seq.items[0] as Node) : seq;
  return new Document(node, PRINT_OPTIONS).toString(PRINT_OPTIONS);
}
