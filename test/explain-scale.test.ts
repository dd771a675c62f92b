import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  expectCitationsExist,
  explainConfig,
  explainManifests,
  renderedObjects,
  renderStackText,
} from './explain-harness.js';
import { domainList } from './helpers.js';
import { manyNames } from './support/many-names.js';

/**
 * A long list: the renderer splits it over several ServiceEntries,
 * VirtualServices and EnvoyFilters whose internal listeners chain by default
 * chains. Explain follows the chain and agrees with the config (its speed is
 * measured by `npm run bench`, not here).
 */
describe('explain: a long list', () => {
  it('8,000 names: --config and --manifests agree, the name is found down the listener chain', () => {
    const names = manyNames(8000);
    const config = domainList(names, 'production:\n  recommended: true\n  namespaces: [shop]');
    const stack = renderStackText(config);
    const hosts = [names[0], names[2999], names[7999], `x.${names[1].slice(2)}`].map((n) =>
      n.replace(/^\*\./, 'a.b.'),
    );
    const listenerSteps: number[] = [];
    for (const host of [...hosts, 'unlisted.example.net']) {
      for (const from of ['shop', undefined]) {
        const ask = from ? { from } : {};
        const c = explainConfig(config, host, ask);
        const m = explainManifests(stack, host, ask);
        expect({ host, from, verdict: m.verdict }).toEqual({ host, from, verdict: c.verdict });
        if (from && m.verdict === 'allowed')
          listenerSteps.push(m.steps.filter((s) => s.layer === 'listener').length);
      }
    }
    expect(listenerSteps.length).toBeGreaterThanOrEqual(3);
    // Names spread over the chain: some sit past the first internal listener, reached through default chains.
    const depths = names
      .filter((_, i) => i % 300 === 0)
      .map((n) => explainManifests(stack, n.replace(/^\*\./, 'a.'), { from: 'shop' }))
      .map((a) =>
        a.verdict === 'allowed' ? a.steps.filter((s) => s.layer === 'listener').length : 0,
      );
    expect(Math.min(...depths)).toBeGreaterThan(0);
    expect(Math.max(...depths)).toBeGreaterThan(1);
  });
});

describe('explain: 6,001 names, the list the VirtualService splits', () => {
  it('--config prints the steps --manifests prints on the render, and every citation exists in it', () => {
    const names = manyNames(6001);
    const config = domainList(names, 'production:\n  recommended: true\n  namespaces: [shop]');
    const stack = renderStackText(config);
    const objects = renderedObjects(config);
    // The render splits the list: more than one VirtualService, ServiceEntry and EnvoyFilter.
    for (const kind of ['VirtualService', 'ServiceEntry'])
      expect(objects.filter((o) => o.kind === kind).length, kind).toBeGreaterThan(1);
    const doc: unknown = parse(config);
    const hosts = [0, 1, 2999, 3445, 6000].map((i) => names[i].replace(/^\*\./, 'a.b.'));
    const routes = new Set<string>();
    for (const host of [...hosts, 'unlisted.example.net', names[0].slice(2)]) {
      for (const from of ['shop', undefined]) {
        const ask = from ? { from } : {};
        const c = explainConfig(config, host, ask);
        const m = explainManifests(stack, host, ask);
        expect({ host, from, steps: c.steps, nearest: c.nearest }).toEqual({
          host,
          from,
          steps: m.steps,
          nearest: m.nearest,
        });
        expectCitationsExist(c, objects, doc);
        for (const s of c.steps.filter((x) => x.layer === 'route' && x.resource))
          routes.add(s.resource!);
      }
    }
    // The names sit in several VirtualServices, and each is cited where it is.
    expect(routes.size).toBeGreaterThan(1);
  });
});
