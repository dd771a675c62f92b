import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const SRC = join(ROOT, 'src');

/** File cycles known and accepted, each as its files in sorted order: none. */
const KNOWN_FILE_CYCLES: string[][] = [];

/** Every .ts file under src (generated declarations aside), relative to src. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(SRC, path)] : [];
  });
}

/** The project files a file imports, static and dynamic (`import()`), type-only ones included. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => {
      const target = relative(SRC, resolve(dirname(join(SRC, file)), name));
      // `./x.js` names `x.ts`; a generated module (`.js` with a `.d.ts`) names itself.
      const ts = target.replace(/\.js$/, '.ts');
      try {
        statSync(join(SRC, ts));
        return ts;
      } catch {
        return target;
      }
    });
}

/** The strongly connected components of more than one node: each is a cycle (or several). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const files = sourceFiles();
const fileGraph = new Map(files.map((f) => [f, new Set(importsOf(f))]));
/** A file's folder under src (`.` for src itself: main.ts). */
const folderOf = (file: string) => dirname(file);
const folderGraph = new Map<string, Set<string>>();
for (const [file, targets] of fileGraph) {
  const from = folderOf(file);
  const edges = folderGraph.get(from) ?? new Set<string>();
  for (const t of targets) if (folderOf(t) !== from) edges.add(folderOf(t));
  folderGraph.set(from, edges);
}

describe('src has no import cycle', () => {
  it('reads the imports it should (a check that cannot see imports would pass anything)', () => {
    expect(fileGraph.get('main.ts')).toContain('cli/cli.ts');
    // A dynamic import is an edge too: the command table loads explain on demand.
    expect(fileGraph.get('cli/commands.ts')).toContain('explain/cli.ts');
    expect(fileGraph.get('config/parse-config.ts')).toContain('generated/validate-domain-list.js');
    expect(
      cycles(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['a'])],
        ]),
      ),
    ).toEqual([['a', 'b']]);
  });

  it('between files (known exceptions aside)', () => {
    expect(cycles(fileGraph)).toEqual(KNOWN_FILE_CYCLES);
  });

  it('between folders', () => {
    expect(cycles(folderGraph)).toEqual([]);
  });
});
