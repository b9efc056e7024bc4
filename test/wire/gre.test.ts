import { describe, expect, it } from 'vitest';
import { decode, encode, toHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('gre: checksum, key and sequence number, carrying Ethernet (NVGRE VSID 5000, FlowID 0xaa)', () => {
  codecTests({
    hex: FIXTURES.gre,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', protocol: 47 },
      {
        layer: 'gre', checksumPresent: true, keyPresent: true, seqPresent: true, reserved0: 0, version: 0, protocol: 0x6558,
        checksum: 0x45bc, reserved1: 0, key: 0x1388aa, seq: 42, vsid: 5000, flowId: 0xaa,
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
    expect(decode(bytes, { first: 'gre' })[0]).toMatchObject({ key: 0x12345678, vsid: 0x123456, flowId: 0x78 });
  });

  it('refuses a key that disagrees with vsid/flowId', () => {
    expect(() => encode([{ layer: 'gre', key: 1, vsid: 2 }])).toThrow(expect.objectContaining({ code: 'NETLOOM_FIELD_CONFLICT' }));
  });

  it('announces IPv4 with protocol 0x0800', () => {
    expect(toHex(encode([{ layer: 'gre' }, { layer: 'ipv4' }]).subarray(0, 4))).toBe('00000800');
  });
});
