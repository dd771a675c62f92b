import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { nativeProblems } from '../support/native-rules.js';
import { lockdownProblems } from '../support/lockdown-rules.js';
import { copyExample, describeWithTool, localCommand, parseStream, sh, snapshot } from './tools.js';

/** Every item of a kpt package, from all its files. */
function itemsOf(dir: string): Record<string, any>[] {
  return Object.entries(snapshot(dir))
    .filter(([f]) => f.endsWith('.yaml') && !f.endsWith('domains.yaml'))
    .flatMap(([, text]) => parseStream(text));
}

describeWithTool('kpt', 'switching a package from one mode to another with the real kpt', () => {
  it('egress-gateway, then sidecar: the gateway side is gone, the ServiceEntries are native, a second render changes nothing', () => {
    const dir = copyExample('kpt-package');
    const domains = join(dir, 'domains.yaml');
    const config = readFileSync(domains, 'utf8');
    writeFileSync(domains, config.replace('spec:\n', 'spec:\n  istioVersion: "1.30"\n'));
    const first = sh('kpt', ['fn', 'render', dir, '--allow-exec', '--truncate-output=false'], {
      path: localCommand(),
    });
    expect(first.status, first.stderr).toBe(0);
    expect(
      itemsOf(dir)
        .map((i) => i.kind)
        .sort(),
    ).toEqual([
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

    writeFileSync(
      domains,
      config.replace('spec:\n', 'spec:\n  mode: sidecar\n  istioVersion: "1.30"\n'),
    );
    const second = sh('kpt', ['fn', 'render', dir, '--allow-exec', '--truncate-output=false'], {
      path: localCommand(),
    });
    expect(second.status, second.stderr).toBe(0);
    const items = itemsOf(dir);
    expect(items.map((i) => i.kind).sort()).toEqual(['ServiceEntry', 'Telemetry']);
    const [se] = items.filter((i) => i.kind === 'ServiceEntry');
    expect(se.spec).toMatchObject({
      hosts: ['*.wikipedia.org'],
      resolution: 'DYNAMIC_DNS',
      location: 'MESH_EXTERNAL',
    });
    expect(nativeProblems(items, 30)).toEqual([]);
    expect(lockdownProblems(items)).toEqual([]);
    for (const gone of [
      'EnvoyFilter/istio-system/sni-magic',
      'Deployment/istio-egress/istio-egressgateway',
      'Service/istio-egress/egressgateway',
      'Gateway/istio-system/egressgateway',
      'DestinationRule/istio-system/egressgateway',
    ]) {
      expect(second.stdout + second.stderr).toContain(
        `${gone}: removed: the config no longer needs it`,
      );
    }

    const files = snapshot(dir);
    const third = sh('kpt', ['fn', 'render', dir, '--allow-exec'], { path: localCommand() });
    expect(third.status, third.stderr).toBe(0);
    expect(snapshot(dir)).toEqual(files);
  });
});
