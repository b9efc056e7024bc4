import { describe, expect, it } from 'vitest';
import { decode, decodeTolerant, encode, fromHex, toHex, WireError } from '../../src/index.js';
import type { LayerSpan, LayerSpec, SecurityAssociation } from '../../src/index.js';

const sa: SecurityAssociation = { spi: 0x1234, alg: 'aes-gcm-128', key: fromHex('000102030405060708090a0b0c0d0e0fdeadbeef') };

describe('decodeTolerant', () => {
  it('keeps the rest inside the datagram, so Ethernet padding is not repeated', () => {
    // 40-byte IPv4 datagram (a TCP header with dataOffset 3) and 20 bytes of padding: 74 bytes.
    const packet = fromHex(
      '02000000000202000000000108004500002800010000400666cd0a0000010a000002' + '001400500000000000000000300220009b7c0000' + 'ee'.repeat(20),
    );
    const spans: LayerSpan[] = [];
    const { layers, error } = decodeTolerant(packet, {}, spans);
    expect(error?.message).toBe('tcp at byte 34: dataOffset 3 is below the minimum of 5');
    expect(layers.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'payload']);
    expect(layers[1]).toMatchObject({ totalLength: 40, padding: fromHex('ee'.repeat(20)) });
    expect(layers[2]).toEqual({ layer: 'payload', data: fromHex('001400500000000000000000300220009b7c0000') });
    expect(spans[2]).toEqual({ start: 34, headerEnd: 54, end: 54 });
    expect(toHex(encode(layers))).toBe(toHex(packet));
  });

  it('keeps the rest of the ESP plaintext, not the ciphertext, so re-encrypting gives the packet back', () => {
    // ESP tunnel mode whose inner "IPv4" has version 5.
    const packet = fromHex(
      'ffffffffffff00000000000008004500004c0001000040327c7d7f0000017f000001' +
        '00001234000000010000000000000001' + '8b1d37496f891f09e4c2eafc2a196b1516525d67ebcff9a3' + 'ae5f86657458b97ad9de5c8d16ccbac5',
    );
    const spans: LayerSpan[] = [];
    const { layers, error } = decodeTolerant(packet, { espSAs: [sa] }, spans);
    expect(error?.message).toBe('ipv4 at byte 50: version 5, expected 4');
    expect(layers.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'esp', 'payload']);
    expect(layers[2]).toMatchObject({ alg: 'aes-gcm-128', padLength: 0, nextHeader: 4 });
    expect(layers[3]).toEqual({ layer: 'payload', data: fromHex('55000014000100004011000001020304050607080000') });
    expect(spans[3]).toEqual({ start: 50, headerEnd: 72, end: 72 });
    expect(toHex(encode(layers, { espSAs: [sa] }))).toBe(toHex(packet));
  });
});

describe('decode', () => {
  it('reports a truncation inside the ESP plaintext at its offset in the packet', () => {
    // Tunnel mode with 7 bytes of "IPv4" inside: the inner header starts at byte 50.
    const packet = fromHex(
      'ffffffffffff0000000000000800450000400001000040327c897f0000017f000001' +
        '000012340000000100000000000000019b1d37496f891f08a6d0e9f8d84ee07903c5fdf1c36e902f66527ad3',
    );
    expect(() => decode(packet, { espSAs: [sa] })).toThrow(
      expect.objectContaining({ code: 'NETLOOM_TRUNCATED', layer: 'ipv4', offset: 50, message: 'ipv4 at byte 50: needs 20 bytes, only 7 left (45000014000100)' }),
    );
  });

  it.each<[string, LayerSpec[], string, string[]]>([
    ['an empty UDP datagram to the VXLAN port', [{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'udp', srcPort: 1, dstPort: 4789 }],
      'ffffffffffff00000000000008004500001c0001000040117cce7f0000017f000001000112b50008ef25', ['ethernet', 'ipv4', 'udp']],
    ['a GRE header announcing Ethernet with nothing after it', [{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'gre', protocol: 0x6558 }],
      'ffffffffffff00000000000008004500001800010000402f7cb47f0000017f00000100006558', ['ethernet', 'ipv4', 'gre']],
    ['a keyed GRE header announcing IPv4 with nothing after it', [{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'gre', key: 5, protocol: 0x0800 }],
      'ffffffffffff00000000000008004500001c00010000402f7cb07f0000017f0000012000080000000005', ['ethernet', 'ipv4', 'gre']],
  ])('decodes %s as encode makes it', (_name, specs, hex, names) => {
    const bytes = encode(specs);
    expect(toHex(bytes)).toBe(hex);
    const layers = decode(bytes);
    expect(layers.map((l) => l.layer)).toEqual(names);
    expect(toHex(encode(layers))).toBe(hex);
  });

  it('still calls an Ethernet frame that announces IPv4 and carries nothing truncated', () => {
    expect(() => decode(encode([{ layer: 'ethernet', etherType: 0x0800 }]))).toThrow(
      expect.objectContaining({ code: 'NETLOOM_TRUNCATED', layer: 'ipv4', offset: 14 }) as WireError,
    );
  });
});
