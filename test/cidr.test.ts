import { describe, expect, it } from 'vitest';
import { cidrContains, parsePrefix } from '../src/util/cidr.js';

/** The range arithmetic the CiliumNetworkPolicies' deny lists rest on (src/util/cidr.ts). */
describe('cidrContains', () => {
  const cases: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.0.0.1/32', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.0.0.0/8', '11.0.0.0/32', false],
    ['10.0.0.1/32', '10.0.0.0/8', false],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0/16', false],
    ['0.0.0.0/0', '8.8.8.8/32', true],
    ['::/0', 'fd00::1/128', true],
    ['fc00::/7', 'fd00:ec2::254/128', true],
    ['fe80::/10', 'fec0::/10', false],
    ['64:ff9b::/96', '64:ff9b::10.0.0.1/128', true],
    ['64:ff9b:1::/48', '64:ff9b::/96', false],
    ['10.0.0.0/8', 'fd00::/8', false],
    ['::1/128', '::1', true],
  ];
  for (const [outer, inner, expected] of cases)
    it(`${inner} in ${outer}: ${expected}`, () =>
      expect(cidrContains(outer, inner)).toBe(expected));

  it('refuses what is not a prefix', () => {
    for (const bad of [
      '10.0.0/8',
      '256.0.0.0/8',
      '10.0.0.0/33',
      '1::2::3/64',
      'fd00::g/8',
      '1:2:3:4:5:6:7:8:9/128',
    ])
      expect(parsePrefix(bad)).toBeUndefined();
    expect(parsePrefix('::ffff:10.0.0.1')?.address).toBe(0xffff0a000001n);
  });
});
