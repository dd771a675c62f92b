import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fourPlaces, ROOT } from '../helpers.js';
import { copyExample, describeWithTool, parseStream, sh, SHIM_DIR } from './tools.js';

function kustomize(dir: string) {
  return sh('kubectl', ['kustomize', '--enable-alpha-plugins', dir], { path: SHIM_DIR });
}

function ids(items: Record<string, any>[]): string[] {
  return items.map((i) => `${i.kind}/${i.metadata.namespace}/${i.metadata.name}`).sort();
}

describeWithTool(
  'kubectl',
  'kubectl kustomize with the function as a container (docker shim)',
  () => {
    it('as a generator prints the stack with the list, and not the DomainList', () => {
      const r = kustomize(join(ROOT, 'examples/kustomize-generator'));
      expect(r.status, r.stderr).toBe(0);
      const items = parseStream(r.stdout);
      expect(items.map((i) => i.kind).sort()).toEqual([
        'Deployment',
        'DestinationRule',
        'EnvoyFilter',
        'Gateway',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceEntry',
        'Telemetry',
        'VirtualService',
      ]);
      expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
        Array(4).fill(['*.wikimedia.org', '*.wikipedia.org']),
      );
    });

    it('as a transformer over the post manifests prints them with the new list and no duplicates', () => {
      const r = kustomize(join(ROOT, 'examples/kustomize-transformer'));
      expect(r.status, r.stderr).toBe(0);
      const items = parseStream(r.stdout);
      expect(items).toHaveLength(10);
      expect(new Set(ids(items)).size).toBe(10);
      expect(Object.values(fourPlaces({ items, results: [] }))).toEqual(
        Array(4).fill(['api.github.com', 'registry.npmjs.org', '*.wikipedia.org']),
      );
      const base = parseStream(
        readFileSync(join(ROOT, 'examples/kustomize-transformer/base/egress-stack.yaml'), 'utf8'),
      );
      expect(ids(items)).toEqual(ids(base));
    });

    it('a malformed list fails the build with the function message', () => {
      const dir = copyExample('kustomize-generator');
      const file = join(dir, 'domains.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('- "*.wikimedia.org"', '- "*wikimedia.org"'),
      );
      const r = kustomize(dir);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('domain "*wikimedia.org" has a partial wildcard label');
    });
  },
);
