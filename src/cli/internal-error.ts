import { SourceMap } from 'node:module';

/** Stack frames shown for an internal error. */
const FRAMES = 8;

/** `at … (/app/fn.js:1:2345)` or `at /app/fn.js:1:2345`: the file, line and column of a frame. */
const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

/**
 * The text for an error the code did not expect (a bug): its message, then
 * the stack with each frame in a bundle mapped through that bundle's source
 * map to its `src/…` line, so a report names the source line. `mapOf` gives
 * the text of a file's `.map` (undefined for files that have none, such as
 * Node's own: those frames stay as they are).
 */
export function internalErrorText(e: unknown, mapOf: (file: string) => string | undefined): string {
  const message = e instanceof Error ? e.message : String(e);
  const stack = e instanceof Error && e.stack ? e.stack.split('\n').slice(1) : [];
  const maps = new Map<string, SourceMap | undefined>();
  const mapFor = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      let map: SourceMap | undefined;
      try {
        const text = mapOf(file);
        map = text === undefined ? undefined : new SourceMap(JSON.parse(text) as never);
      } catch {
        map = undefined;
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  const frames = stack.slice(0, FRAMES).map((line) => {
    const m = FRAME.exec(line);
    const map = m ? mapFor(m[2]) : undefined;
    if (!m || !map) return line.trim();
    const entry = map.findEntry(Number(m[3]) - 1, Number(m[4]) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return line.trim();
    const source = entry.originalSource.replace(/^(\.\.\/)+/, '');
    return `at ${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
  return [
    `wildcard-egress: internal error: ${message}`,
    ...frames.map((f) => `    ${f}`),
    'This is a bug in wildcard-egress: please report it with the lines above.',
    '',
  ].join('\n');
}
