import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapngWriter } from '../../src/capture/pcapng.js';
import { MemorySink, fileSink } from '../../src/capture/sinks.js';
import { readCapture } from '../../src/capture/read.js';
import { openCapture } from '../../src/capture/open.js';
import { CaptureError } from '../../src/capture/errors.js';
import { espSaUatLine, parseEspSaUatLine, tsharkEspOptions } from '../../src/capture/esp-secrets.js';
import type { EspSaRecord, PacketMeta } from '../../src/capture/writer.js';
import { fromHex, toHex } from '../../src/index.js';

/** Key material each algorithm takes: AES-GCM's key and 4-byte salt, or the HMAC key. */
const KEY_BYTES: Record<EspSaRecord['alg'], number> = { 'aes-gcm-128': 20, 'aes-gcm-192': 28, 'aes-gcm-256': 36, 'null-hmac-sha256-128': 32 };

const le32 = (n: number) => toHex(Uint8Array.from([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]));

describe('pcapng writer', () => {
  it('adds the epoch to each timestamp word by word, carrying into the high word', () => {
    const sink = new MemorySink();
    // 2025-01-01T00:00:00Z is 0x1816687e_c0570000 ns.
    const w = new PcapngWriter(sink, { epoch: 1_735_689_600 });
    w.addInterface({ name: 'p' });
    w.writePacket(0, 0x3fa9_0000, new Uint8Array(0));
    w.writePacket(0, 0x1_3fa8_ffff, new Uint8Array(0));
    const blocks = toHex(sink.bytes());
    const epb = (k: number) => blocks.slice(blocks.length - (2 - k) * 64, blocks.length - (1 - k) * 64);
    // Interface 0, then the timestamp's high and low words.
    expect(epb(0).slice(16, 40)).toBe('00000000' + le32(0x1816687f) + le32(0));
    expect(epb(1).slice(16, 40)).toBe('00000000' + le32(0x1816687f) + le32(0xffffffff));
  });

  it('write -> read gives epoch seconds plus the timestamp, exactly, for any epoch and time below 2^53 ns', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (epoch, t) => {
        const sink = new MemorySink();
        const w = new PcapngWriter(sink, { epoch });
        w.writePacket(w.addInterface({ name: 'p' }), t, Uint8Array.from([1]));
        expect(readCapture(sink.bytes()).packets[0]!.timestampNs).toBe(BigInt(epoch) * 1_000_000_000n + BigInt(t));
      }),
    );
  });

  it('writes section, interface and packet blocks byte for byte', () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink, { application: 'nl' });
    w.addInterface({ name: 's1:p2' });
    w.writePacket(0, 0x1_0000_0005, Uint8Array.from([0xaa, 0xbb, 0xcc]), { direction: 'outbound', comment: 'hi' });
    expect(toHex(sink.bytes())).toBe(
      // SHB: type, length 40, byte-order magic, version 1.0, section length -1, shb_userappl "nl", end, length
      '0a0d0d0a' + le32(40) + '4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff' + '0400' + '0200' + '6e6c0000' + '00000000' + le32(40) +
        // IDB: linktype 1, snaplen 262144, if_name "s1:p2", if_tsresol 9 (nanoseconds), end
        '01000000' + le32(44) + '0100' + '0000' + '00000400' + '0200' + '0500' + '73313a7032000000' + '0900' + '0100' + '09000000' + '00000000' + le32(44) +
        // EPB: interface 0, timestamp high 1 / low 5, captured 3, original 3, data padded, epb_flags outbound (2), comment "hi", end
        '06000000' + le32(56) + '00000000' + '01000000' + '05000000' + '03000000' + '03000000' + 'aabbcc00' +
        '0200' + '0400' + '02000000' + '0100' + '0200' + '68690000' + '00000000' + le32(56),
    );
  });

  it('write -> read gives back interfaces, packets, timestamps, directions and comments', () => {
    const meta = fc.record({
      direction: fc.option(fc.constantFrom<'inbound' | 'outbound'>('inbound', 'outbound'), { nil: undefined }),
      comment: fc.option(fc.string({ maxLength: 20, unit: 'grapheme' }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 12 }), description: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }) }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ port: fc.nat(), ns: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), data: fc.uint8Array({ maxLength: 90 }), meta }), { maxLength: 20 }),
        (ports, packets) => {
          const sink = new MemorySink();
          const w = new PcapngWriter(sink);
          for (const p of ports) w.addInterface(p.description === undefined ? { name: p.name } : { name: p.name, description: p.description });
          for (const p of packets) {
            const m: PacketMeta = {};
            if (p.meta.direction) m.direction = p.meta.direction;
            if (p.meta.comment !== undefined) m.comment = p.meta.comment;
            w.writePacket(p.port % ports.length, p.ns, p.data, m);
          }
          const read = readCapture(sink.bytes());
          expect(read.error).toBeUndefined();
          expect(read.interfaces.map((i) => ({ name: i.name, description: i.description, unitsPerSecond: i.unitsPerSecond }))).toEqual(
            ports.map((p) => ({ name: p.name, description: p.description, unitsPerSecond: 1_000_000_000n })),
          );
          expect(read.packets.map((p) => [p.interfaceId, p.timestampNs, toHex(p.data), p.direction, p.comments])).toEqual(
            packets.map((p) => [p.port % ports.length, BigInt(p.ns), toHex(p.data), p.meta.direction, p.meta.comment === undefined ? undefined : [p.meta.comment]]),
          );
        },
      ),
    );
  });

  it('random corruption and truncation never raise; they come back as CaptureError with the packets before', () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink);
    w.addInterface({ name: 'a', description: 'b' });
    for (let k = 0; k < 5; k++) w.writePacket(0, k, new Uint8Array(20 + k), { comment: 'c' });
    const file = sink.bytes();
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (at, value, cut) => {
      const bad = Uint8Array.from(file);
      bad[at % bad.length] = value;
      const read = readCapture(bad.subarray(0, cut % (bad.length + 1)));
      if (read.error) expect(read.error).toBeInstanceOf(CaptureError);
      expect(read.packets.length).toBeLessThanOrEqual(5);
    }), { numRuns: 2000 });
  });

  it('reads several sections, big-endian ones too, numbering interfaces across them', () => {
    const a = new MemorySink();
    new PcapngWriter(a).addInterface({ name: 'first' });
    const b = new MemorySink();
    const w = new PcapngWriter(b);
    w.addInterface({ name: 'second' });
    w.writePacket(0, 42, Uint8Array.from([1]));
    // A big-endian section with one microsecond interface and one packet, by hand.
    const be = fromHex(
      '0a0d0d0a0000001c1a2b3c4d00010000ffffffffffffffff0000001c' +
        '00000001000000140001000000040000' + '00000014' +
        '00000006000000240000000000000000000003e80000000200000002abcd0000' + '00000024',
    );
    const read = readCapture(new Uint8Array(Buffer.concat([a.bytes(), b.bytes(), be])));
    expect(read.error).toBeUndefined();
    expect(read.interfaces.map((i) => i.name)).toEqual(['first', 'second', undefined]);
    expect(read.packets.map((p) => [p.interfaceId, p.timestampNs, toHex(p.data)])).toEqual([[1, 42n, '01'], [2, 1_000_000n, 'abcd']]);
  });

  it('records ESP SAs in a Decryption Secrets Block as esp_sa lines', () => {
    const sa: EspSaRecord = { protocol: 'IPv4', src: '10.0.0.1', dst: '*', spi: 0x1234, alg: 'aes-gcm-256', key: new Uint8Array(36) };
    const sink = new MemorySink();
    new PcapngWriter(sink).addEspSecrets([sa]);
    const bytes = sink.bytes();
    const line = espSaUatLine(sa, true);
    expect(line).toBe(`"IPv4","10.0.0.1","*","0x00001234","AES-GCM with 16 octet ICV [RFC4106]","0x${'00'.repeat(36)}","NULL","","32-bit","0"`);
    // The block after the section header: type 0x0a, secrets type "ESPS", the lines, padding.
    const dsb = bytes.subarray(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true));
    const secretsLength = line.length + 1;
    const padded = (secretsLength + 3) & ~3;
    expect(toHex(dsb.subarray(0, 16))).toBe('0a000000' + le32(20 + padded) + le32(0x45535053) + le32(secretsLength));
    expect(Buffer.from(dsb.subarray(16, 16 + secretsLength)).toString('latin1')).toBe(`${line}\n`);
    expect(toHex(dsb.subarray(16 + padded))).toBe(le32(20 + padded));
    expect(readCapture(bytes).error).toBeUndefined();
    expect(readCapture(bytes).espSecrets).toEqual([sa]);
  });

  it('reads back every SA it writes, with eight columns or ten, and skips what it cannot open', () => {
    const record = fc.record({
      protocol: fc.constantFrom<'IPv4' | 'IPv6'>('IPv4', 'IPv6'),
      src: fc.constantFrom('*', '10.0.0.1', '2001:db8::1'),
      dst: fc.constantFrom('*', '192.168.2.1'),
      spi: fc.integer({ min: 0, max: 0xffffffff }),
      alg: fc.constantFrom<EspSaRecord['alg']>('aes-gcm-128', 'aes-gcm-192', 'aes-gcm-256', 'null-hmac-sha256-128'),
    }).chain((r) => fc.uint8Array({ minLength: KEY_BYTES[r.alg], maxLength: KEY_BYTES[r.alg] }).map((key): EspSaRecord => ({ ...r, key })));
    fc.assert(
      fc.property(record, fc.boolean(), (sa, sequenceColumns) => {
        expect(parseEspSaUatLine(espSaUatLine(sa, sequenceColumns))).toEqual(sa);
      }),
    );
    // Wireshark's own algorithms that netloom has no codec for, a short key, a header line: none is an SA here.
    expect(parseEspSaUatLine('"IPv4","*","*","0x00000001","AES-CBC [RFC3602]","0x00112233445566778899aabbccddeeff","HMAC-SHA-1-96 [RFC2404]","0x00"')).toBeUndefined();
    expect(parseEspSaUatLine('"IPv4","*","*","0x00000001","AES-GCM with 16 octet ICV [RFC4106]","0x0011","NULL",""')).toBeUndefined();
    expect(parseEspSaUatLine('# esp_sa')).toBeUndefined();
  });

  it('prints the tshark options for NULL encryption with HMAC-SHA-256-128', () => {
    const sa: EspSaRecord = { protocol: 'IPv6', src: '*', dst: '*', spi: 7, alg: 'null-hmac-sha256-128', key: Uint8Array.from([1, 2]) };
    expect(tsharkEspOptions([sa])).toBe(
      `-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE -o esp.do_esp_sequence_analysis:FALSE -o 'uat:esp_sa:"IPv6","*","*","0x00000007","NULL","","HMAC-SHA-256-128 [RFC4868]","0x0102"'`,
    );
  });
});

describe('capture outputs', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'netloom-capture-'));

  it('does not overwrite an existing file without force', () => {
    const path = join(dir(), 'x.pcapng');
    writeFileSync(path, 'keep me');
    expect(() => fileSink(path, false)).toThrow(expect.objectContaining({ code: 'NETLOOM_CAPTURE_EXISTS', message: `${path} exists; pass --force to overwrite it` }));
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    fileSink(path, true).close();
    expect(readFileSync(path).length).toBe(0);
  });

  it('writes one classic pcap per port into a directory, named after the port', () => {
    const out = join(dir(), 'ports') + '/';
    const capture = openCapture(out);
    const h1 = capture.addInterface({ name: 'h1:eth0' });
    const s1 = capture.addInterface({ name: 's1:p2', description: 'uplink' });
    capture.writePacket(h1, 5, Uint8Array.from([1]), { comment: 'dropped in classic pcap' });
    capture.writePacket(s1, 6, Uint8Array.from([2, 3]));
    capture.writePacket(s1, 7, Uint8Array.from([4]));
    capture.close();
    expect(readdirSync(out).sort()).toEqual(['h1-eth0.pcap', 's1-p2.pcap']);
    // A run's capture starts at CAPTURE_EPOCH, 2025-01-01T00:00:00Z.
    expect(readCapture(readFileSync(join(out, 's1-p2.pcap'))).packets.map((p) => [p.timestampNs, toHex(p.data)])).toEqual([[1_735_689_600_000_000_006n, '0203'], [1_735_689_600_000_000_007n, '04']]);
  });

  it('writes a run\'s time 0 as the epoch given, in every format; a bad epoch makes no file', () => {
    const d = dir();
    for (const name of ['a.pcap', 'b.pcapng', 'c/']) {
      const capture = openCapture(join(d, name), { epoch: 1_796_374_800 });
      capture.writePacket(capture.addInterface({ name: 'p' }), 1_500_000_001, Uint8Array.from([9]));
      capture.close();
    }
    for (const file of ['a.pcap', 'b.pcapng', 'c/p.pcap']) expect(readCapture(readFileSync(join(d, file))).packets[0]!.timestampNs).toBe(1_796_374_801_500_000_001n);
    expect(() => openCapture(join(d, 'x.pcapng'), { epoch: 1.5 })).toThrow(expect.objectContaining({ code: 'NETLOOM_CAPTURE_EPOCH', message: 'epoch 1.5 is not whole seconds from 1970 to 2106 (0 to 4294967295)' }));
    expect(() => openCapture(join(d, 'y.pcap'), { epoch: 2 ** 32 })).toThrow(expect.objectContaining({ code: 'NETLOOM_CAPTURE_EPOCH' }));
    expect(readdirSync(d).sort()).toEqual(['a.pcap', 'b.pcapng', 'c']);
  });

  it('chooses classic pcap for a .pcap path and pcapng otherwise', () => {
    const d = dir();
    for (const name of ['a.pcap', 'b.pcapng', 'c']) {
      const capture = openCapture(join(d, name));
      capture.writePacket(capture.addInterface({ name: 'p' }), 0, Uint8Array.from([9]));
      capture.close();
    }
    expect(readCapture(readFileSync(join(d, 'a.pcap'))).format).toBe('pcap');
    expect(readCapture(readFileSync(join(d, 'b.pcapng'))).format).toBe('pcapng');
    expect(readCapture(readFileSync(join(d, 'c'))).format).toBe('pcapng');
  });

  it('refuses a packet on an interface that was never added', () => {
    const w = new PcapngWriter(new MemorySink());
    expect(() => w.writePacket(0, 0, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'NETLOOM_CAPTURE_WRITE' }));
  });
});

describe('capture edge cases', () => {
  it('cuts an option longer than 16 bits can say at a character boundary, and the file stays readable', () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink);
    w.addInterface({ name: 'p' });
    w.writePacket(0, 0, Uint8Array.from([1]), { comment: `${'é'.repeat(40_000)}` });
    const read = readCapture(sink.bytes());
    expect(read.error).toBeUndefined();
    expect(read.packets[0]!.comments![0]).toBe('é'.repeat(32_766));
  });

  it('gives ports whose names differ only in punctuation their own files', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'netloom-capture-')), 'ports') + '/';
    const capture = openCapture(out);
    capture.addInterface({ name: 's1:p2' });
    capture.addInterface({ name: 's1-p2' });
    capture.close();
    expect(readdirSync(out).sort()).toEqual(['s1-p2-2.pcap', 's1-p2.pcap']);
  });

  it('reads the link type under the FCS bits, if_tsoffset, and simple packet blocks cut to the snap length', () => {
    const pcap = fromHex('d4c3b2a1020004000000000000000000ffff0000' + '01000024' + '00000000000000000100000001000000ab');
    expect(readCapture(pcap).interfaces[0]!.linkType).toBe(1);
    const le = (n: number, bytes = 4) => toHex(Uint8Array.from({ length: bytes }, (_, k) => (n >>> (8 * k)) & 0xff));
    const shb = '0a0d0d0a' + le(28) + '4d3c2b1a' + '01000000' + 'ffffffffffffffff' + le(28);
    // IDB: linktype 1, snaplen 61, if_tsoffset 10 s.
    const idb = '01000000' + le(36) + '0100' + '0000' + le(61) + '0e00' + '0800' + le(10) + le(0) + '00000000' + le(36);
    // SPB: original length 100, 100 bytes of data.
    const spb = '03000000' + le(116) + le(100) + 'cc'.repeat(100) + le(116);
    // EPB at timestamp 5 µs (default microsecond resolution).
    const epb = '06000000' + le(36) + le(0) + le(0) + le(5) + le(1) + le(1) + 'ab000000' + le(36);
    const read = readCapture(fromHex(shb + idb + spb + epb));
    expect(read.error).toBeUndefined();
    expect(read.packets.map((p) => [p.data.length, p.originalLength, p.timestampNs])).toEqual([[61, 100, 0n], [1, 1, 10_000_005_000n]]);
  });
});
