import { describe, expect, it } from 'vitest';
import { decode, encode, toHex, fromHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('ipv6: hop-by-hop, routing, fragment and destination options walked to UDP', () => {
  codecTests({
    hex: FIXTURES.ipv6ext,
    layers: [
      { layer: 'ethernet', etherType: 0x86dd },
      {
        layer: 'ipv6', version: 6, trafficClass: 0xb8, flowLabel: 0x12345, payloadLength: 59, nextHeader: 0, hopLimit: 9,
        src: '2001:db8::1', dst: '2001:db8::2',
        extensionHeaders: [
          { header: 'hopByHop', nextHeader: 43, headerLength: 0, options: fromHex('010400000000') },
          { header: 'routing', nextHeader: 44, headerLength: 2, routingType: 0, segmentsLeft: 1, typeData: fromHex('0000000020010db8000000000000000000000099') },
          { header: 'fragment', nextHeader: 60, reserved: 0, fragmentOffset: 0, res: 0, m: false, identification: 0xabcdef01 },
          { header: 'destinationOptions', nextHeader: 17, headerLength: 0, options: fromHex('010400000000') },
        ],
      },
      { layer: 'udp', srcPort: 7, dstPort: 9, length: 11, checksum: 0xca43 },
      { layer: 'payload', data: new TextEncoder().encode('ext') },
    ],
  });
});

describe('ipv6', () => {
  it('pads options headers with PadN to 8 octets and computes their lengths', () => {
    const bytes = encode([{ layer: 'ipv6', extensionHeaders: [{ header: 'hopByHop', options: new Uint8Array(0) }] }]);
    expect(toHex(bytes.subarray(40))).toBe('3b00' + '0104' + '00000000');
    expect(bytes[6]).toBe(0);
  });

  it('says No Next Header (59) when nothing follows', () => {
    expect(encode([{ layer: 'ipv6' }])[6]).toBe(59);
  });

  it('writes RFC 5952 text, dotted quad for IPv4-mapped', () => {
    const bytes = encode([{ layer: 'ipv6', src: '::ffff:192.0.2.1', dst: '2001:0db8:0000:0000:0000:0000:0000:0001' }]);
    expect(decode(bytes, { first: 'ipv6' })[0]).toMatchObject({ src: '::ffff:192.0.2.1', dst: '2001:db8::1' });
  });

  it('rejects a prefix where an address belongs', () => {
    expect(() => encode([{ layer: 'ipv6', src: '2001:db8::/64' }])).toThrow(/is a prefix, not an address/);
  });
});
