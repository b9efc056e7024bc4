import { describe, expect, it } from 'vitest';
import { decode, encode, toHex, fromHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('ipv4: DF, DSCP 46 / ECN 1, record-route and NOP options', () => {
  codecTests({
    hex: FIXTURES.ipv4opts,
    layers: [
      { layer: 'ethernet' },
      {
        layer: 'ipv4', version: 4, ihl: 8, dscp: 46, ecn: 1, totalLength: 45, id: 0x1234, reservedFlag: false, df: true,
        mf: false, fragmentOffset: 0, ttl: 17, protocol: 17, checksum: 0x27b4, src: '10.1.2.3', dst: '10.4.5.6',
        options: fromHex('070b04010101010202020201'),
      },
      { layer: 'udp', srcPort: 5353, dstPort: 5353, length: 13 },
      { layer: 'payload', data: new TextEncoder().encode('hello') },
    ],
  });
});

describe('ipv4: a later fragment (offset 185 x 8 = 1480, MF)', () => {
  codecTests({
    hex: FIXTURES.ipv4frag,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', mf: true, df: false, fragmentOffset: 185, protocol: 17, id: 99 },
      // A later fragment starts mid-datagram: no UDP header here.
      { layer: 'payload', data: new TextEncoder().encode('later fragment bytes') },
    ],
  });
});

describe('ipv4', () => {
  it('pads options to a 32-bit boundary with end-of-list', () => {
    const bytes = encode([{ layer: 'ipv4', options: Uint8Array.from([1]) }], {});
    expect(bytes[0]).toBe(0x46);
    expect(toHex(bytes.subarray(20, 24))).toBe('01000000');
  });

  it('keeps a pinned wrong checksum, for lessons', () => {
    const bytes = encode([{ layer: 'ethernet' }, { layer: 'ipv4', checksum: 0xbeef }]);
    expect(decode(bytes)[1]).toMatchObject({ checksum: 0xbeef });
  });

  it('keeps Ethernet padding after the datagram', () => {
    const frame = fromHex(FIXTURES.icmpecho + '0000');
    const layers = decode(frame);
    expect(layers[1]).toMatchObject({ layer: 'ipv4', padding: Uint8Array.from([0, 0]) });
    expect(toHex(encode(layers))).toBe(toHex(frame));
  });

  it('rejects a version other than 4 and an ihl below 5, naming the offset', () => {
    const bytes = fromHex(FIXTURES.icmpecho);
    bytes[14] = 0x65;
    expect(() => decode(bytes)).toThrow(expect.objectContaining({ code: 'NETLOOM_BAD_VERSION', layer: 'ipv4', offset: 14 }));
    bytes[14] = 0x44;
    expect(() => decode(bytes)).toThrow(expect.objectContaining({ code: 'NETLOOM_BAD_LENGTH', layer: 'ipv4', offset: 14 }));
  });

  it('rejects a totalLength beyond the frame', () => {
    const bytes = fromHex(FIXTURES.icmpecho);
    bytes[17] = 0xff;
    expect(() => decode(bytes)).toThrow(/totalLength 255 but only 36 bytes left/);
  });
});
