import type { DirEntry, Io } from '../../src/command/io.js';

/** An Io over files held in memory (paths as keys); a path that is a prefix of others is a directory. */
export function memoryIo(
  files: Record<string, string>,
  stdin = '',
  fallback?: (path: string) => string,
): Io {
  const entriesOf = (path: string): DirEntry[] | undefined => {
    const prefix = `${path.replace(/\/+$/, '')}/`;
    const names = new Map<string, boolean>();
    for (const p of Object.keys(files)) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
    }
    return names.size > 0
      ? [...names].map(([name, directory]) => ({ name, directory }))
      : undefined;
  };
  return {
    stdin: () => stdin,
    listDir: entriesOf,
    readFile: (path) => {
      if (Object.hasOwn(files, path)) return files[path];
      if (entriesOf(path)) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
      if (fallback) return fallback(path);
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
        code: 'ENOENT',
      });
    },
  };
}
