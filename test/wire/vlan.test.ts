import { describe, expect, it } from 'vitest';
import { decode, encode, fromHex, toHex, WireError } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('vlan: 802.1ad S-tag 100 over 802.1Q C-tag 10', () => {
  codecTests({
    hex: FIXTURES.qinq,
    layers: [
      { layer: 'ethernet', etherType: 0x88a8 },
      { layer: 'vlan', tpid: 0x88a8, pcp: 3, dei: false, vid: 100, etherType: 0x8100 },
      { layer: 'vlan', tpid: 0x8100, pcp: 5, dei: true, vid: 10, etherType: 0x0800 },
      { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', id: 7 },
      { layer: 'udp', srcPort: 1000, dstPort: 2000, length: 12 },
      { layer: 'payload', data: new TextEncoder().encode('qinq') },
    ],
  });

  it('stacks three tags with 0x88a8 outside and 0x8100 innermost by default', () => {
    const bytes = encode([{ layer: 'ethernet' }, { layer: 'vlan', vid: 1 }, { layer: 'vlan', vid: 2 }, { layer: 'vlan', vid: 3 }]);
    expect(toHex(bytes.subarray(12))).toBe('88a8' + '0001' + '88a8' + '0002' + '8100' + '0003' + '88b5');
  });

  it('takes an 0x8100 outer tag when pinned', () => {
    const bytes = encode([{ layer: 'ethernet' }, { layer: 'vlan', vid: 1, tpid: 0x8100 }, { layer: 'vlan', vid: 2 }]);
    expect(decode(bytes).slice(1).map((l) => (l.layer === 'vlan' ? l.tpid : -1))).toEqual([0x8100, 0x8100]);
  });

  it('refuses a tpid that differs from the type field before the tag', () => {
    expect(() => encode([{ layer: 'ethernet', etherType: 0x8100 }, { layer: 'vlan', tpid: 0x88a8 }])).toThrow(
      expect.objectContaining({ code: 'NETLOOM_FIELD_CONFLICT', layer: 'vlan', offset: 14 }) as WireError,
    );
  });

  it('refuses a vid over 4095', () => {
    expect(() => encode([{ layer: 'ethernet' }, { layer: 'vlan', vid: 4096 }])).toThrow('vlan at byte 14: vid 4096 is not an integer in 0-4095');
  });

  // A tag's TPID is the type field in front of it: with nothing in front there is no TPID to read
  // or to write, so a tag cannot come first (it would otherwise read bytes[-2]).
  it('refuses to decode a VLAN tag as the first layer', () => {
    const bytes = fromHex('0001080045000014000100004000000000000000000000000000');
    expect(() => decode(bytes, { first: 'vlan' })).toThrow(
      expect.objectContaining({
        code: 'NETLOOM_BAD_FIELD', layer: 'vlan', offset: 0,
        message: 'vlan at byte 0: a VLAN tag must follow ethernet, vlan or gre: its tpid is their type field',
      }),
    );
  });

  it('refuses to encode a VLAN tag with no type field in front', () => {
    expect(() => encode([{ layer: 'vlan', vid: 1 }, { layer: 'ipv4' }])).toThrow(
      expect.objectContaining({
        code: 'NETLOOM_BAD_FIELD', layer: 'vlan', offset: 0,
        message: 'vlan at byte 0: a VLAN tag must follow ethernet, vlan or gre: its tpid is their type field',
      }),
    );
  });
});
