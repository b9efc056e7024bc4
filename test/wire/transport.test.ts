import { describe, expect, it } from 'vitest';
import { decode, encode, fromHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('tcp: SYN with MSS, SACK-permitted and window scale over IPv4', () => {
  codecTests({
    hex: FIXTURES.tcpsyn,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', protocol: 6 },
      {
        layer: 'tcp', srcPort: 43210, dstPort: 443, seq: 0x11223344, ack: 0, dataOffset: 8, reserved: 0, flags: 0x02,
        window: 64240, checksum: 0x6c3a, urgentPointer: 0, options: fromHex('020405b404020303' + '07000000'),
      },
    ],
  });
});

describe('tcp: PSH+ACK with data over IPv6', () => {
  codecTests({
    hex: FIXTURES.tcp6,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv6', nextHeader: 6 },
      { layer: 'tcp', srcPort: 80, dstPort: 50000, seq: 1, ack: 2, flags: 0x18, window: 512, checksum: 0xc449 },
      { layer: 'payload', data: new TextEncoder().encode('GET /') },
    ],
  });
});

describe('udp', () => {
  it('sends a computed checksum of 0 as 0xffff (RFC 768)', () => {
    // Pick the payload word that makes the one's-complement sum 0xffff, so the checksum comes out 0
    // before the rule: the pseudo-header adds protocol 17 and length 10, the UDP header length 10.
    const word = 0xffff - (17 + 10 + 10);
    const bytes = encode([{ layer: 'ipv4', src: '0.0.0.0', dst: '0.0.0.0' }, { layer: 'udp', srcPort: 0, dstPort: 0 }, { layer: 'payload', data: Uint8Array.from([word >> 8, word & 0xff]) }]);
    expect(decode(bytes, { first: 'ipv4' })[1]).toMatchObject({ checksum: 0xffff });
  });

  it('keeps a pinned zero checksum on IPv4 (no checksum)', () => {
    const bytes = encode([{ layer: 'ipv4' }, { layer: 'udp', checksum: 0 }]);
    expect(decode(bytes, { first: 'ipv4' })[1]).toMatchObject({ checksum: 0 });
  });

  it('rejects a length below 8 and beyond the datagram', () => {
    const bytes = encode([{ layer: 'ipv4' }, { layer: 'udp', length: 7 }]);
    expect(() => decode(bytes, { first: 'ipv4' })).toThrow(expect.objectContaining({ code: 'NETLOOM_BAD_LENGTH', layer: 'udp', offset: 20 }));
    const long = encode([{ layer: 'ipv4' }, { layer: 'udp', length: 9 }]);
    expect(() => decode(long, { first: 'ipv4' })).toThrow(/length 9 but only 8 bytes left/);
  });
});
