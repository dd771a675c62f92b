import { describe, expect, it } from 'vitest';
import { checkEnvoyFilter, checkMessage } from './support/envoy-protos.js';

const SNI =
  'type.googleapis.com/envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig';

describe('the Envoy proto checker itself', () => {
  const bad: Record<string, [type: string, value: unknown, problem: RegExp]> = {
    'an unknown field': [
      'envoy.config.cluster.v3.Cluster',
      { name: 'x', lb_polcy: 'ROUND_ROBIN' },
      /no field "lb_polcy"/,
    ],
    'an unknown enum value': [
      'envoy.config.cluster.v3.Cluster',
      { name: 'x', lb_policy: 'FASTEST' },
      /not a value of enum/,
    ],
    'an @type that names no message': [
      'envoy.config.listener.v3.Filter',
      { name: 'f', typed_config: { '@type': 'type.googleapis.com/envoy.nope.v3.Nope' } },
      /names no message/,
    ],
    'a field of the wrong JSON type': [
      'envoy.config.listener.v3.Filter',
      { name: 'f', typed_config: { '@type': SNI, port_value: 'https' } },
      /not a valid uint32/,
    ],
    'two fields of one oneof': [
      'envoy.config.cluster.v3.Cluster',
      { name: 'x', type: 'STATIC', cluster_type: { name: 'c' } },
      /oneof/,
    ],
    'an unknown field inside a typed_config': [
      'envoy.config.listener.v3.Filter',
      { name: 'f', typed_config: { '@type': SNI, port: 443 } },
      /no field "port"/,
    ],
  };
  for (const [name, [type, value, problem]] of Object.entries(bad)) {
    it(`finds ${name}`, () => {
      expect(checkMessage(type, value).join('\n')).toMatch(problem);
    });
  }

  it('accepts a valid cluster', () => {
    expect(
      checkMessage('envoy.config.cluster.v3.Cluster', {
        name: 'x',
        lb_policy: 'CLUSTER_PROVIDED',
        connect_timeout: '1s',
      }),
    ).toEqual([]);
  });

  it('checks every patch of an EnvoyFilter', () => {
    const ef = {
      spec: {
        configPatches: [
          { applyTo: 'CLUSTER', patch: { value: { nme: 'x' } } },
          { applyTo: 'BOGUS', patch: { value: {} } },
        ],
      },
    };
    expect(checkEnvoyFilter(ef)).toEqual([
      'configPatches[0].patch.value.nme: no field "nme" in envoy.config.cluster.v3.Cluster',
      'configPatches[1]: applyTo BOGUS has no known message',
    ]);
  });
});
