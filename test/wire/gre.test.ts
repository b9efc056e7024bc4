import { describe, expect, it } from 'vitest';
import { decode, encode, explain, toHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('gre: checksum, key and sequence number, carrying Ethernet (key 0x1388aa)', () => {
  codecTests({
    hex: FIXTURES.gre,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', protocol: 47 },
      {
        layer: 'gre', checksumPresent: true, keyPresent: true, seqPresent: true, reserved0: 0, version: 0, protocol: 0x6558,
        checksum: 0x45bc, reserved1: 0, key: 0x1388aa, seq: 42,
      },
      { layer: 'ethernet', dst: '0a:00:00:00:00:02' },
      { layer: 'ipv4', src: '172.16.0.1' },
      { layer: 'icmp' },
      { layer: 'payload' },
    ],
  });
});

describe('gre: plain header carrying IPv6', () => {
  codecTests({
    hex: FIXTURES.gre6,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', protocol: 47 },
      { layer: 'gre', checksumPresent: false, keyPresent: false, seqPresent: false, protocol: 0x86dd },
      { layer: 'ipv6', src: '2001:db8::1' },
      { layer: 'udp', srcPort: 1, dstPort: 2 },
    ],
  });
});

describe('gre', () => {
  it('builds the key from the NVGRE VSID and FlowID (RFC 7637)', () => {
    const bytes = encode([{ layer: 'gre', vsid: 0x123456, flowId: 0x78 }, { layer: 'ethernet' }]);
    expect(toHex(bytes.subarray(0, 8))).toBe('2000655812345678');
    expect(decode(bytes, { first: 'gre', nvgre: true })[0]).toMatchObject({ key: 0x12345678, vsid: 0x123456, flowId: 0x78 });
  });

  it('reads the key as NVGRE only when asked: an OVS GRE port\'s key is a key (Wireshark shows no VSID either)', () => {
    const bytes = encode([{ layer: 'gre', key: 0x1388aa }, { layer: 'ethernet' }]);
    const gre = decode(bytes, { first: 'gre' })[0]!;
    expect([gre.layer === 'gre' && gre.key, 'vsid' in gre, 'flowId' in gre]).toEqual([0x1388aa, false, false]);
    expect(explain(bytes, { first: 'gre' })).not.toMatch(/vsid|flowId/);
    expect(explain(bytes, { first: 'gre', nvgre: true })).toMatch(/^  4-6 +vsid +5000$/m);
  });

  it('refuses a key that disagrees with vsid/flowId', () => {
    expect(() => encode([{ layer: 'gre', key: 1, vsid: 2 }])).toThrow(expect.objectContaining({ code: 'NETLOOM_FIELD_CONFLICT' }));
  });

  it('announces IPv4 with protocol 0x0800', () => {
    expect(toHex(encode([{ layer: 'gre' }, { layer: 'ipv4' }]).subarray(0, 4))).toBe('00000800');
  });

  it.each([
    [0x800, '400088b5'],
    [0x1ff, '0ff888b5'],
    [0x9ff, '4ff888b5'],
  ])('writes reserved0 %i into bit 1 and bits 4-12 and reads it back', (reserved0, hex) => {
    const bytes = encode([{ layer: 'gre', reserved0 }]);
    expect(toHex(bytes)).toBe(hex);
    expect(decode(bytes, { first: 'gre' })[0]).toEqual({ layer: 'gre', checksumPresent: false, keyPresent: false, seqPresent: false, reserved0, version: 0, protocol: 0x88b5 });
  });

  it.each([
    [0x400, '0x400'],
    [0x200, '0x200'],
    [0xa00, '0xa00'],
    [0x1000, '0x1000'],
    [-1, '-1'],
    [1.5, '1.5'],
  ])('refuses reserved0 %s, whose bits would land on K, S or outside the field', (reserved0, shown) => {
    expect(() => encode([{ layer: 'gre', reserved0 }])).toThrow(
      expect.objectContaining({
        code: 'NETLOOM_BAD_FIELD',
        message: `gre at byte 0: reserved0 ${shown} is not made of 0x800 (bit 1) and 0x1ff (bits 4-12); 0x400 and 0x200 would be K and S: set keyPresent, seqPresent`,
      }),
    );
  });

  it.each([
    [{ checksumPresent: false, checksum: 0x1234 }, 'a checksum is set but checksumPresent is false'],
    [{ checksumPresent: false, reserved1: 1 }, 'reserved1 is set but checksumPresent is false'],
    [{ seqPresent: false, seq: 9 }, 'a seq is set but seqPresent is false'],
    [{ keyPresent: false, key: 1 }, 'a key is set but keyPresent is false'],
  ])('refuses %j: a field given while its present bit is off', (fields, message) => {
    expect(() => encode([{ layer: 'ipv4' }, { layer: 'gre', ...fields }])).toThrow(
      expect.objectContaining({ code: 'NETLOOM_FIELD_CONFLICT', layer: 'gre', offset: 20, message: `gre at byte 20: ${message}` }),
    );
  });

  it('gives a VLAN tag after a keyed GRE header the protocol field as its tpid, not key bytes', () => {
    const bytes = encode([{ layer: 'ipv4' }, { layer: 'gre', key: 0x11223344 }, { layer: 'vlan', vid: 10 }, { layer: 'ipv4' }]);
    expect(toHex(bytes.subarray(20, 36))).toBe('20008100' + '11223344' + '000a0800' + '45000014');
    const layers = decode(bytes, { first: 'ipv4' });
    expect(layers[2]).toEqual({ layer: 'vlan', tpid: 0x8100, pcp: 0, dei: false, vid: 10, etherType: 0x0800 });
    expect(toHex(encode(layers))).toBe(toHex(bytes));
  });
});
