/** CaptureReader: a capture read as its bytes arrive gives what the whole file gives, in any chunking, holding one block at a time. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PcapngWriter } from '../../src/capture/pcapng.js';
import { writePcap } from '../../src/capture/pcap.js';
import { MemorySink } from '../../src/capture/sinks.js';
import { CaptureReader, readCapture, type CaptureRead } from '../../src/capture/read.js';

/** Reads `bytes` in the pieces `cuts` makes, taking packets after each. */
function streamed(bytes: Uint8Array, cuts: number[]): CaptureRead {
  const reader = new CaptureReader();
  const packets: CaptureRead['packets'] = [];
  let at = 0;
  for (const end of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    // A fresh copy of each piece, as a file read into a new buffer gives it.
    reader.push(bytes.slice(at, Math.max(at, end)));
    at = Math.max(at, end);
    for (let p = reader.next(); p !== undefined; p = reader.next()) packets.push(p);
  }
  reader.end();
  return { format: reader.format ?? 'pcap', interfaces: reader.interfaces, packets, espSecrets: reader.espSecrets, ...(reader.error && { error: reader.error }) };
}

function pcapng(): Uint8Array {
  const sink = new MemorySink();
  const w = new PcapngWriter(sink, { epoch: 1_735_689_600 });
  w.addEspSecrets([{ protocol: 'IPv4', src: '10.0.0.1', dst: '10.0.0.2', spi: 0x1001, alg: 'aes-gcm-128', key: new Uint8Array(20).fill(7) }]);
  w.addInterface({ name: 'a', description: 'first' });
  w.addInterface({ name: 'b' });
  for (let k = 0; k < 6; k++) w.writePacket(k % 2, k * 1000, new Uint8Array(30 + k).fill(k), { direction: k % 3 === 0 ? 'inbound' : 'outbound', comment: `packet ${k}` });
  return sink.bytes();
}
const pcap = writePcap(Array.from({ length: 6 }, (_, k) => ({ timestampNs: k * 1_000_000, data: new Uint8Array(20 + k).fill(k) })));

describe('CaptureReader', () => {
  it.each([['pcapng', pcapng()], ['pcap', pcap]])('reads %s in any chunking as readCapture reads it whole, damaged or cut short too', (_name, file) => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))), fc.nat(), (cuts, damage, cut) => {
        const bytes = Uint8Array.from(file).subarray(0, cut % (file.length + 1));
        if (damage !== null && bytes.length > 0) bytes[damage[0] % bytes.length] = damage[1];
        expect(streamed(bytes, cuts)).toEqual(readCapture(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  it('gives a packet as soon as its block is complete, and names the file offset of damage past the first chunk', () => {
    const file = pcapng();
    const reader = new CaptureReader();
    const firstPacket = readCapture(file).packets[0]!;
    // Everything up to the first packet's data: its block is not complete yet.
    const end = firstPacket.data.byteOffset - file.byteOffset;
    reader.push(file.slice(0, end));
    expect(reader.next()).toBeUndefined();
    expect(reader.interfaces.map((i) => i.name)).toEqual(['a', 'b']);
    expect(reader.espSecrets.map((s) => s.spi)).toEqual([0x1001]);
    const rest = file.slice(end);
    // The second packet block's leading length word, made odd.
    const second = readCapture(file).packets[1]!.data.byteOffset - file.byteOffset - 20 - 4;
    rest[second - end] = 0x13;
    reader.push(rest);
    expect(reader.next()?.comments).toEqual(['packet 0']);
    expect(reader.next()).toBeUndefined();
    expect(reader.error).toMatchObject({ code: 'NETLOOM_CAPTURE_CORRUPT', offset: second });
  });
});
