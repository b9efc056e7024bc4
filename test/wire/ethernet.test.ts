import { describe, expect, it } from 'vitest';
import { decode, encode, toHex } from '../../src/index.js';

describe('ethernet', () => {
  it('keeps an unknown EtherType as a number with the body as payload', () => {
    const bytes = Uint8Array.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x12, 0x34, 0xde, 0xad]);
    expect(decode(bytes)).toEqual([
      { layer: 'ethernet', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', etherType: 0x1234 },
      { layer: 'payload', data: Uint8Array.from([0xde, 0xad]) },
    ]);
    expect(toHex(encode(decode(bytes)))).toBe(toHex(bytes));
  });

  it('treats a type below 0x0600 as an 802.3 length and keeps the body', () => {
    const bytes = Uint8Array.from([1, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 3, 0x42, 0x42, 3]);
    const layers = decode(bytes);
    expect(layers[0]).toMatchObject({ etherType: 3 });
    expect(layers[1]).toEqual({ layer: 'payload', data: Uint8Array.from([0x42, 0x42, 3]) });
  });

  it('announces a raw payload with the IEEE local experimental EtherType', () => {
    expect(toHex(encode([{ layer: 'ethernet' }, { layer: 'payload', data: Uint8Array.from([1]) }]))).toBe('ffffffffffff00000000000088b501');
  });

  it('names the field of a bad MAC once, at the byte where it is written', () => {
    expect(() => encode([{ layer: 'ethernet', src: '02:00:00:00:00' }])).toThrow(
      expect.objectContaining({ message: 'ethernet at byte 6: src "02:00:00:00:00" is not a MAC address', layer: 'ethernet', offset: 6 }),
    );
  });

  it('truncated: 13 bytes', () => {
    expect(() => decode(new Uint8Array(13))).toThrow(expect.objectContaining({ code: 'NETLOOM_TRUNCATED', layer: 'ethernet', offset: 0 }));
  });
});
