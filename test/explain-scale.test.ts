import { describe, expect, it } from 'vitest';
import { explainConfig, explainManifests, renderStackText } from './explain-harness.js';
import { domainList } from './helpers.js';
import { manyNames } from './support/many-names.js';

/**
 * A long list: the renderer splits it over several ServiceEntries,
 * VirtualServices and EnvoyFilters whose internal listeners chain by default
 * chains. Explain follows the chain and agrees with the config, in bounded time.
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
