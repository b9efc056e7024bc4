import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writePcap } from '../../src/capture/pcap.js';
import { readCapture } from '../../src/capture/read.js';
import { CaptureError } from '../../src/capture/errors.js';
import { toHex } from '../../src/index.js';

describe('classic pcap', () => {
  it('writes the microsecond header and records byte for byte', () => {
    const file = writePcap([{ timestampNs: 1_500_000_123_000, data: Uint8Array.from([1, 2, 3]) }], { nanosecond: false });
    expect(toHex(file)).toBe(
      'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000' +
        'dc050000' + '7b000000' + '03000000' + '03000000' + '010203',
    );
  });

  it('writes nanosecond magic and fractions by default', () => {
    const file = writePcap([{ timestampNs: 7, data: new Uint8Array(0) }]);
    expect(toHex(file.subarray(0, 4))).toBe('4d3cb2a1');
    expect(toHex(file.subarray(28, 32))).toBe('07000000');
  });

  it('write -> read returns the same packets and timestamps, at both resolutions', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ us: fc.integer({ min: 0, max: 2 ** 40 }), data: fc.uint8Array({ maxLength: 100 }) }), { maxLength: 20 }), fc.boolean(), (items, nanosecond) => {
        const packets = items.map((p) => ({ timestampNs: p.us * 1000, data: p.data }));
        const read = readCapture(writePcap(packets, { nanosecond }));
        expect(read.error).toBeUndefined();
        expect(read.interfaces).toEqual([{ linkType: 1, snaplen: 262144, unitsPerSecond: nanosecond ? 1_000_000_000n : 1_000_000n }]);
        expect(read.packets.map((p) => ({ timestampNs: Number(p.timestampNs), data: toHex(p.data) }))).toEqual(packets.map((p) => ({ timestampNs: p.timestampNs, data: toHex(p.data) })));
      }),
    );
  });

  it('writes seconds after the epoch, and refuses a time a 32-bit second cannot hold', () => {
    const file = writePcap([{ timestampNs: 2_000_000_003, data: new Uint8Array(0) }], { epoch: 1_735_689_600 });
    expect(toHex(file.subarray(24, 32))).toBe('82857467' + '03000000');
    expect(() => writePcap([{ timestampNs: 2e9, data: new Uint8Array(0) }], { epoch: 0xffffffff - 1 })).toThrow(
      expect.objectContaining({ code: 'NETLOOM_CAPTURE_WRITE', message: 'a classic pcap cannot hold a time past 2106-02-07 (epoch 4294967294 + 2 s); write pcapng' }),
    );
  });

  it('reads big-endian pcap', () => {
    const be = Uint8Array.from(Buffer.from('a1b2c3d4000200040000000000000000000400000000000100000001000000020000000100000001ab', 'hex'));
    const read = readCapture(be);
    expect(read.packets).toEqual([{ timestampNs: 1_000_002_000n, data: Uint8Array.from([0xab]), originalLength: 1, interfaceId: 0, linkType: 1 }]);
  });

  it('returns the packets before damage with the offset of the damage', () => {
    const file = writePcap([{ timestampNs: 0, data: Uint8Array.from([1]) }, { timestampNs: 1000, data: Uint8Array.from([2, 3]) }]);
    const read = readCapture(file.subarray(0, file.length - 1));
    expect(read.packets).toHaveLength(1);
    expect(read.error).toBeInstanceOf(CaptureError);
    expect(read.error).toMatchObject({ code: 'NETLOOM_CAPTURE_TRUNCATED', offset: 41 });
    expect(read.error?.message).toBe('capture at byte 41: record of 2 bytes is cut short');
  });

  it('names a file that is no capture at all', () => {
    expect(readCapture(new TextEncoder().encode('hello world')).error?.message).toBe('capture at byte 0: magic 0x68656c6c is neither pcap nor pcapng');
  });

  it('random corruption never raises; it is reported as CaptureError', () => {
    const file = writePcap([{ timestampNs: 5, data: new Uint8Array(30) }, { timestampNs: 6, data: new Uint8Array(40) }]);
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (at, value, cut) => {
      const bad = Uint8Array.from(file);
      bad[at % bad.length] = value;
      const read = readCapture(bad.subarray(0, cut % (bad.length + 1)));
      if (read.error) expect(read.error).toBeInstanceOf(CaptureError);
    }));
  });
});
