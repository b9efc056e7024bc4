/**
 * Interop of netloom's capture files with Wireshark's own tools (DESIGN.md principle 4):
 * - tshark opens every file netloom writes (pcapng, classic pcap at both resolutions, one pcap
 *   per port) with no malformed packet and no expert warning or error;
 * - capinfos agrees on file type, packet counts, interfaces and timestamp resolution;
 * - tshark shows each packet's interface name and description, comment, direction, timestamp,
 *   length and bytes as netloom wrote them, and decrypts the ESP given the printed options;
 * - netloom reads back what editcap and tshark write (pcap and pcapng, microsecond and
 *   nanosecond) with the same bytes and timestamps, and a big-endian pcapng;
 * - a writer killed mid-run leaves a file whose every packet reads back, but for a cut last block.
 * Each tool runs once per check over a whole file, never once per packet. Skipped, with the
 * reason, when the Wireshark tools are not installed (the killed-writer test needs none).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/index.js';
import { parseSpec } from '../../src/wire/craft.js';
import { encode } from '../../src/wire/encode.js';
import { openCapture } from '../../src/capture/open.js';
import { PcapWriter } from '../../src/capture/pcap.js';
import { fileSink } from '../../src/capture/sinks.js';
import { BLOCK_DSB, BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, OPT_ENDOFOPT, OPT_EPB_FLAGS } from '../../src/capture/pcapng.js';
import { readCapture } from '../../src/capture/read.js';
import type { CaptureRead } from '../../src/capture/read.js';
import { espSaUatLine, tsharkEspOptions } from '../../src/capture/esp-secrets.js';
import type { CaptureInterface, EspSaRecord, PacketMeta } from '../../src/capture/writer.js';

const TOOLS = ['tshark', 'capinfos', 'editcap'] as const;
const missingTools = TOOLS.filter((tool) => spawnSync(tool, ['-v'], { stdio: 'ignore' }).status !== 0);
if (missingTools.length > 0) {
  console.warn(
    `skipping the capture interop test: ${missingTools.join(', ')} ${missingTools.length === 1 ? 'is' : 'are'} missing. ` +
      'Install them with: apt-get install tshark (capinfos and editcap come with it)',
  );
}

const run = promisify(execFile);

/** Runs a Wireshark tool; its "Running as user root" notice on stderr is ignored. */
async function tool(command: string, args: string[]): Promise<string> {
  const { stdout } = await run(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30_000 });
  return stdout;
}

/** Runs `command` through bash, as a user pastes it; "$1" is `file`. */
async function shell(command: string, file: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', command, 'bash', file], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30_000 });
  return stdout;
}

// ---------------------------------------------------------------------------------------------
// What netloom writes: ports, ESP SAs, and packets crafted from spec text.

const INTERFACES: CaptureInterface[] = [
  { name: 'h1:eth0', description: 'host h1, 10.0.0.1/24' },
  { name: 's1:p2', description: 'VXLAN tunnel to 192.168.2.1, VNI 5000' },
  { name: 'r1:gre0', description: 'GRE tunnel to 192.168.3.1, key 42' },
  { name: 'gw1:esp0', description: 'IPsec ESP to 198.51.100.2 — clé AES-GCM' },
  { name: 's2:p1' },
];
const [H1, S1, R1, GW1, S2] = [0, 1, 2, 3, 4] as const;

const keyBytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (seed + i * 37) & 0xff);
const SAS: EspSaRecord[] = [
  { protocol: 'IPv4', src: '198.51.100.1', dst: '198.51.100.2', spi: 0x1001, alg: 'aes-gcm-128', key: keyBytes(20, 1) },
  { protocol: 'IPv4', src: '198.51.100.2', dst: '198.51.100.1', spi: 0x2002, alg: 'null-hmac-sha256-128', key: keyBytes(32, 2) },
  { protocol: 'IPv6', src: '*', dst: '*', spi: 0x3003, alg: 'aes-gcm-256', key: keyBytes(36, 3) },
];
const esp = (sa: EspSaRecord, seq: number) => `esp(spi=${sa.spi},seq=${seq},alg=${sa.alg},key=0x${toHex(sa.key)})`;
const [GCM, HMAC, GCM6] = SAS as [EspSaRecord, EspSaRecord, EspSaRecord];

const MAC1 = '02:00:00:00:00:01';
const MAC2 = '02:00:00:00:00:02';
const eth = `ethernet(src=${MAC1},dst=${MAC2})`;
const back = `ethernet(src=${MAC2},dst=${MAC1})`;
const MTU_COMMENT = 'dropped: MTU 1500 < 1550 — à bientôt';

interface Written {
  iface: number;
  /** Nanoseconds; the sub-microsecond digits are what µs files lose. */
  timestampNs: number;
  spec: string;
  meta: PacketMeta;
  /** The IP protocol inside ESP, as tshark's esp.protocol shows it once decrypted. */
  espNext?: string;
  /** The bytes captured (cut to a snap length when meta.originalLength is longer). */
  data: Uint8Array;
}

interface Entry {
  iface: number;
  t: number;
  spec: string;
  meta?: PacketMeta;
  espNext?: string;
  /** Capture only the first `snap` bytes, as a snap length does; the original length is kept. */
  snap?: number;
}

const ENTRIES: Entry[] = [
  { iface: H1, t: 1_000_000_007, spec: `ethernet(src=${MAC1},dst=ff:ff:ff:ff:ff:ff)/arp(op=1,senderMac=${MAC1},senderIp=10.0.0.1,targetMac=00:00:00:00:00:00,targetIp=10.0.0.2)`, meta: { direction: 'outbound', comment: 'ARP who-has 10.0.0.2' } },
  { iface: H1, t: 1_000_000_999, spec: `${back}/arp(op=2,senderMac=${MAC2},senderIp=10.0.0.2,targetMac=${MAC1},targetIp=10.0.0.1)`, meta: { direction: 'inbound' } },
  { iface: H1, t: 1_250_000_500, spec: `${eth}/ipv4(src=10.0.0.1,dst=10.0.0.2,id=7)/udp(srcPort=40000,dstPort=40001)/payload(text="hello")`, meta: { direction: 'outbound', comment: 'table=0 priority=100 in_port=1 actions=output:2' } },
  { iface: S1, t: 2_000_001_001, spec: `${eth}/ipv4(src=192.168.1.1,dst=192.168.2.1,df=true)/udp(srcPort=49152,dstPort=4789)/vxlan(vni=5000)/${eth}/ipv4(src=10.0.0.1,dst=10.0.0.2)/icmp(type=8,id=1,seq=1)/payload(size=32)`, meta: { direction: 'outbound', comment: 'VXLAN encap VNI 5000' } },
  { iface: S1, t: 2_000_501_999, spec: `${back}/ipv4(src=192.168.2.1,dst=192.168.1.1,df=true)/udp(srcPort=49153,dstPort=4789)/vxlan(vni=5000)/${back}/ipv4(src=10.0.0.2,dst=10.0.0.1)/icmp(type=0,id=1,seq=1)/payload(size=32)`, meta: { direction: 'inbound' } },
  // Either side of 2^32 ns, where the timestamp's high word turns over.
  { iface: R1, t: 4_294_967_295, spec: `${eth}/ipv4(src=192.168.1.1,dst=192.168.3.1)/gre(key=42)/${eth}/ipv4(src=10.0.0.1,dst=10.0.0.3)/udp(srcPort=40002,dstPort=40003)/payload(text="gre")`, meta: { direction: 'outbound', comment: 'GRE encap key 42' } },
  { iface: R1, t: 4_294_967_296, spec: `${back}/ipv4(src=192.168.3.1,dst=192.168.1.1)/gre(key=42,seq=9)/ipv6(src=2001:db8::3,dst=2001:db8::1)/icmpv6(type=129,id=2,seq=2)`, meta: { direction: 'inbound' } },
  { iface: S2, t: 5_123_456_789, spec: `${eth}/ipv6(src=2001:db8::1,dst=2001:db8::2)/icmpv6(type=128,id=3,seq=3)/payload(size=16)` },
  { iface: S2, t: 5_123_457_001, spec: `${back}/ipv6(src=2001:db8::2,dst=2001:db8::1)/tcp(srcPort=40004,dstPort=40005,seq=1000,flags=S,window=64240)`, meta: { direction: 'inbound', comment: 'SYN' } },
  { iface: GW1, t: 9_999_999_999, spec: `${eth}/ipv4(src=198.51.100.1,dst=198.51.100.2)/${esp(GCM, 1)}/ipv4(src=10.0.0.1,dst=10.0.9.9)/udp(srcPort=40006,dstPort=40007)/payload(text="tunnel")`, meta: { direction: 'outbound', comment: 'ESP encap SPI 0x00001001' }, espNext: '0x04' },
  { iface: GW1, t: 10_000_000_000, spec: `${back}/ipv4(src=198.51.100.2,dst=198.51.100.1)/${esp(HMAC, 7)}/udp(srcPort=40008,dstPort=40009)/payload(text="transport")`, meta: { direction: 'inbound' }, espNext: '0x11' },
  { iface: GW1, t: 10_000_000_001, spec: `${eth}/ipv6(src=2001:db8:1::1,dst=2001:db8:2::2)/${esp(GCM6, 2)}/ipv6(src=2001:db8::1,dst=2001:db8::9)/udp(srcPort=40010,dstPort=40011)/payload(text="tunnel6")`, meta: { direction: 'outbound' }, espNext: '0x29' },
  { iface: H1, t: 86_400_000_000_123, spec: `${eth}/ipv4(src=10.0.0.1,dst=10.0.0.2,df=true)/udp(srcPort=40012,dstPort=40013)/payload(size=200)`, meta: { direction: 'outbound', comment: MTU_COMMENT } },
  // Cut inside the payload, so no dissector misses a header (a cut header is tshark's _ws.short).
  { iface: H1, t: 86_400_000_250_000, spec: `${eth}/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(srcPort=40014,dstPort=40015)/payload(size=1400)`, meta: { comment: 'first 128 bytes' }, snap: 128 },
  { iface: H1, t: 86_400_000_500_999, spec: `${eth}/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(srcPort=40016,dstPort=40017)/payload(size=1)` },
];

const PACKETS: Written[] = ENTRIES.map((e) => {
  const bytes = encode(parseSpec(e.spec));
  const meta: PacketMeta = { ...e.meta, ...(e.snap === undefined ? {} : { originalLength: bytes.length }) };
  return { iface: e.iface, timestampNs: e.t, spec: e.spec, meta, ...(e.espNext === undefined ? {} : { espNext: e.espNext }), data: bytes.subarray(0, e.snap ?? bytes.length) };
});

const NS_PER_US = 1000;
const micro = (ns: number) => Math.floor(ns / NS_PER_US) * NS_PER_US;

/** A packet as readCapture returns it, made comparable (bigint as text, bytes as hex). */
function comparable(read: CaptureRead) {
  return read.packets.map((p) => ({
    timestampNs: p.timestampNs.toString(),
    data: toHex(p.data),
    originalLength: p.originalLength,
    interfaceId: p.interfaceId,
    linkType: p.linkType,
    ...(p.direction === undefined ? {} : { direction: p.direction }),
    ...(p.comments === undefined ? {} : { comments: p.comments }),
  }));
}

/** What a reader should find of PACKETS: `timestamp` says how a format rounds, `meta` whether it keeps directions and comments. */
function expected(packets: readonly Written[], options: { timestamp?: (ns: number) => number; meta: boolean; iface?: (p: Written) => number }) {
  return packets.map((p) => ({
    timestampNs: String((options.timestamp ?? ((ns) => ns))(p.timestampNs)),
    data: toHex(p.data),
    originalLength: p.meta.originalLength ?? p.data.length,
    interfaceId: options.iface?.(p) ?? 0,
    linkType: 1,
    ...(options.meta && p.meta.direction !== undefined ? { direction: p.meta.direction } : {}),
    ...(options.meta && p.meta.comment !== undefined ? { comments: [p.meta.comment] } : {}),
  }));
}

/** tshark's frame.time_epoch ("1.000000007", "86400.000000") as integer nanoseconds. */
function epochNs(text: string): string {
  const [seconds = '', fraction = ''] = text.split('.');
  return (BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9))).toString();
}

/** The pcapng epb_flags direction bits (pcapng §4.3.1: 01 inbound, 10 outbound), as tshark prints them. */
const DIRECTION_FLAGS = { inbound: '0x00000001', outbound: '0x00000002' } as const;

// ---------------------------------------------------------------------------------------------
// A big-endian copy of a netloom pcapng. No tool here writes one (editcap and tshark write host
// byte order, little-endian here; Scapy's pcapng writer is little-endian only), so the test swaps
// every multi-byte field of the blocks netloom writes, and tshark judges that the copy means the same.

function bigEndianCopy(le: Uint8Array): Uint8Array {
  const from = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const out = Uint8Array.from(le);
  const to = new DataView(out.buffer);
  const u16 = (o: number) => to.setUint16(o, from.getUint16(o, true), false);
  const u32 = (o: number) => to.setUint32(o, from.getUint32(o, true), false);
  const options = (o: number, end: number, u32Codes: readonly number[]) => {
    while (end - o >= 4) {
      const code = from.getUint16(o, true);
      const length = from.getUint16(o + 2, true);
      u16(o);
      u16(o + 2);
      if (code === OPT_ENDOFOPT) return;
      if (u32Codes.includes(code)) u32(o + 4);
      o += 4 + ((length + 3) & ~3);
    }
  };
  for (let o = 0; o < le.length; ) {
    const type = from.getUint32(o, true);
    const length = from.getUint32(o + 4, true);
    const body = o + 8;
    const end = o + length - 4;
    u32(o);
    u32(o + 4);
    u32(end);
    if (type === BLOCK_SHB) {
      u32(body);
      u16(body + 4);
      u16(body + 6);
      out.set(le.slice(body + 8, body + 16).reverse(), body + 8);
      options(body + 16, end, []);
    } else if (type === BLOCK_IDB) {
      u16(body);
      u16(body + 2);
      u32(body + 4);
      options(body + 8, end, []);
    } else if (type === BLOCK_EPB) {
      for (let k = 0; k < 20; k += 4) u32(body + k);
      options(body + 20 + ((from.getUint32(body + 12, true) + 3) & ~3), end, [OPT_EPB_FLAGS]);
    } else if (type === BLOCK_DSB) {
      u32(body);
      u32(body + 4);
    } else {
      throw new Error(`block type 0x${type.toString(16)} at ${o} is not one netloom writes`);
    }
    o += length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(missingTools.length > 0)('Wireshark tools read what netloom writes, and netloom reads what they write', () => {
  let dir = '';
  const path = (name: string) => join(dir, name);
  /** Every file netloom wrote, for the checks that run over all of them. */
  const netloomFiles: string[] = [];
  let portFiles: string[] = [];
  const CHECKSUM_PREFS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netloom-capture-'));
    // The path routing the CLI uses: a plain name is pcapng, *.pcap one classic pcap, DIR/ a pcap per port.
    for (const target of ['netloom.pcapng', 'single.pcap', 'ports/']) {
      // Epoch 0: timestamps as given, so every tool's reading compares with PACKETS directly.
      const writer = openCapture(path(target), { epoch: 0 });
      for (const info of INTERFACES) writer.addInterface(info);
      writer.addEspSecrets(SAS);
      for (const p of PACKETS) writer.writePacket(p.iface, p.timestampNs, p.data, p.meta);
      writer.close();
    }
    // PcapWriter rather than writePcap, which cannot carry an original length.
    for (const [name, nanosecond] of [['micro.pcap', false], ['nano.pcap', true]] as const) {
      const writer = new PcapWriter(fileSink(path(name), false), { nanosecond });
      for (const p of PACKETS) writer.writePacket(p.timestampNs, p.data, p.meta.originalLength);
      writer.close();
    }
    portFiles = readdirSync(path('ports')).sort();
    netloomFiles.push(path('netloom.pcapng'), path('single.pcap'), path('micro.pcap'), path('nano.pcap'), ...portFiles.map((f) => join(path('ports'), f)));
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('netloom reads its own pcapng back whole: names, descriptions, resolution, comments, directions', () => {
    const read = readCapture(readFileSync(path('netloom.pcapng')));
    expect(read.error).toBeUndefined();
    expect(read.format).toBe('pcapng');
    expect(read.interfaces).toEqual(INTERFACES.map((i) => ({ linkType: 1, snaplen: 262144, name: i.name, ...(i.description === undefined ? {} : { description: i.description }), unitsPerSecond: 1_000_000_000n })));
    expect(comparable(read)).toEqual(expected(PACKETS, { meta: true, iface: (p) => p.iface }));
  });

  it('a *.pcap path holds every port in one classic pcap; a DIR/ path one pcap per port, named after it', () => {
    const single = readCapture(readFileSync(path('single.pcap')));
    expect([single.error, single.format, single.interfaces]).toEqual([undefined, 'pcap', [{ linkType: 1, snaplen: 262144, unitsPerSecond: 1_000_000_000n }]]);
    expect(comparable(single)).toEqual(expected(PACKETS, { meta: false }));
    expect(portFiles).toEqual(['gw1-esp0.pcap', 'h1-eth0.pcap', 'r1-gre0.pcap', 's1-p2.pcap', 's2-p1.pcap']);
    INTERFACES.forEach((info, id) => {
      const read = readCapture(readFileSync(join(path('ports'), `${info.name.replace(':', '-')}.pcap`)));
      expect(read.error).toBeUndefined();
      expect(comparable(read), info.name).toEqual(expected(PACKETS.filter((p) => p.iface === id), { meta: false }));
    });
  });

  it('tshark finds no malformed packet and no expert warning or error in any file', async () => {
    const esp = tsharkEspOptions(SAS);
    const reports = await Promise.all(
      netloomFiles.map((file) =>
        // With the ESP decrypted, so the packets inside it are checked too.
        shell(
          `tshark -r "$1" ${CHECKSUM_PREFS.join(' ')} ${esp} -Y '_ws.malformed || _ws.expert.severity >= warning' ` +
            `-T fields -E occurrence=a -E aggregator=';' -e frame.number -e _ws.expert.message -e _ws.malformed 2>/dev/null`,
          file,
        ).then((out) => out.split('\n').filter((line) => line.trim() !== '').map((line) => `${file}: ${line}`)),
      ),
    );
    expect(reports.flat()).toEqual([]);
  });

  it('capinfos agrees on file type, packet counts, interfaces, resolution and secrets', async () => {
    const out = await tool('capinfos', ['-M', ...netloomFiles]);
    const reports = new Map(
      out.split(/^(?=File name: )/m).filter((r) => r.trim() !== '').map((r) => [/^File name:\s+(.*)$/m.exec(r)![1]!, r] as const),
    );
    const field = (report: string, name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(report)?.[1];
    const interfaces = (report: string) =>
      report.split(/^Interface #\d+ info:$/m).slice(1).map((block) => {
        const line = (name: string) => new RegExp(`^\\s+${name} = (.*)$`, 'm').exec(block)?.[1];
        return { name: line('Name'), description: line('Description'), precision: line('Time precision'), packets: Number(line('Number of packets')) };
      });
    const NANO = 'nanoseconds (9)';
    const MICRO = 'microseconds (6)';

    const pcapng = reports.get(path('netloom.pcapng'))!;
    expect(field(pcapng, 'File type')).toBe('pcapng');
    expect(field(pcapng, 'File encapsulation')).toBe('ether');
    expect(field(pcapng, 'File timestamp precision')).toBe(NANO);
    expect(field(pcapng, 'Number of packets')).toBe(String(PACKETS.length));
    expect(field(pcapng, 'Capture application')).toBe('netloom');
    expect(field(pcapng, 'Number of interfaces in file')).toBe(String(INTERFACES.length));
    expect(field(pcapng, 'Number of decryption secrets in file')).toBe('1');
    expect(field(pcapng, 'First packet time')).toBe('1970-01-01 00:00:01.000000007');
    expect(field(pcapng, 'Last packet time')).toBe('1970-01-02 00:00:00.000500999');
    expect(interfaces(pcapng)).toEqual(
      INTERFACES.map((info, id) => ({ name: info.name, description: info.description, precision: NANO, packets: PACKETS.filter((p) => p.iface === id).length })),
    );

    const classic = (file: string, type: string, precision: string, packets: number) => {
      const report = reports.get(file)!;
      expect(report, file).toBeDefined();
      expect([field(report, 'File type'), field(report, 'File encapsulation'), field(report, 'File timestamp precision')], file).toEqual([type, 'ether', precision]);
      expect([field(report, 'Number of packets'), field(report, 'Number of interfaces in file')], file).toEqual([String(packets), '1']);
      expect(interfaces(report), file).toEqual([{ name: undefined, description: undefined, precision, packets }]);
    };
    classic(path('micro.pcap'), 'pcap', MICRO, PACKETS.length);
    classic(path('nano.pcap'), 'nsecpcap', NANO, PACKETS.length);
    classic(path('single.pcap'), 'nsecpcap', NANO, PACKETS.length);
    INTERFACES.forEach((info, id) => {
      classic(join(path('ports'), `${info.name.replace(':', '-')}.pcap`), 'nsecpcap', NANO, PACKETS.filter((p) => p.iface === id).length);
    });
    expect(field(reports.get(path('micro.pcap'))!, 'First packet time')).toBe('1970-01-01 00:00:01.000000');
  });

  /** One line per packet: what tshark shows of the pcapng metadata and of the bytes. */
  const FRAME_FIELDS = [
    'frame.interface_id', 'frame.interface_name', 'frame.interface_description', 'frame.comment',
    'frame.packet_flags_direction', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.md5_hash',
  ];
  const frameFields = async (file: string) =>
    (await tool('tshark', ['-r', file, '-o', 'frame.generate_md5_hash:TRUE', '-T', 'fields', ...FRAME_FIELDS.flatMap((f) => ['-e', f])]))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [id = '', name = '', description = '', comment = '', direction = '', epoch = '', len = '', capLen = '', md5 = ''] = line.split('\t');
        return { id, name, description, comment, direction, time: epochNs(epoch), len, capLen, md5 };
      });
  const expectedFrameFields = () =>
    PACKETS.map((p) => ({
      id: String(p.iface),
      name: INTERFACES[p.iface]!.name,
      description: INTERFACES[p.iface]!.description ?? '',
      comment: p.meta.comment ?? '',
      direction: p.meta.direction === undefined ? '' : DIRECTION_FLAGS[p.meta.direction],
      time: String(p.timestampNs),
      len: String(p.meta.originalLength ?? p.data.length),
      capLen: String(p.data.length),
      md5: createHash('md5').update(p.data).digest('hex'),
    }));

  it('tshark shows each packet’s interface name and description, comment, direction, nanosecond time, length and bytes', async () => {
    expect(await frameFields(path('netloom.pcapng'))).toEqual(expectedFrameFields());
  });

  it('tshark decrypts the ESP with the options netloom prints, pasted into a shell as they are', async () => {
    const printed = tsharkEspOptions(SAS);
    // The line is what a user copies: one -o per SA, each record quoted for the shell.
    expect(printed).toBe(
      `-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE -o esp.do_esp_sequence_analysis:FALSE ${SAS.map((sa) => `-o 'uat:esp_sa:${espSaUatLine(sa)}'`).join(' ')}`,
    );
    const out = await shell(`tshark -r "$1" ${printed} -Y esp -T fields -E occurrence=f -e frame.number -e esp.spi -e esp.icv_good -e esp.icv_bad -e esp.protocol 2>/dev/null`, path('netloom.pcapng'));
    const espPackets = PACKETS.flatMap((p, i) => {
      const sa = SAS.find((s) => p.spec.includes(`spi=${s.spi},`));
      return sa === undefined ? [] : [[String(i + 1), `0x${sa.spi.toString(16).padStart(8, '0')}`, '1', '0', p.espNext!].join('\t')];
    });
    expect(espPackets).toHaveLength(3);
    expect(out.split('\n').filter((line) => line !== '')).toEqual(espPackets);
  });

  it('netloom reads back pcap and pcapng written by editcap and tshark, µs and ns, with the same bytes and timestamps', async () => {
    const converted = (name: string) => path(`converted-${name}`);
    const COMMENT_ADDED = 'added by editcap — ü';
    await Promise.all([
      tool('editcap', ['-F', 'pcap', path('netloom.pcapng'), converted('micro.pcap')]),
      tool('editcap', ['-F', 'nsecpcap', path('netloom.pcapng'), converted('nano.pcap')]),
      tool('editcap', ['-F', 'pcapng', path('netloom.pcapng'), converted('editcap.pcapng')]),
      tool('tshark', ['-r', path('netloom.pcapng'), '-F', 'pcapng', '-w', converted('tshark.pcapng')]),
      // Wireshark's own section and interface blocks: one unnamed interface, µs (no if_tsresol) or ns.
      tool('editcap', ['-F', 'pcapng', path('micro.pcap'), converted('from-micro.pcapng')]),
      tool('editcap', ['-F', 'pcapng', path('nano.pcap'), converted('from-nano.pcapng')]),
      tool('tshark', ['-r', path('micro.pcap'), '-F', 'pcap', '-w', converted('tshark-micro.pcap')]),
      // A packet block Wireshark rewrites with options of its own: a second comment on packet 1.
      tool('editcap', ['-a', `1:${COMMENT_ADDED}`, path('netloom.pcapng'), converted('commented.pcapng')]),
    ]);
    const read = (name: string) => {
      const r = readCapture(readFileSync(converted(name)));
      expect(r.error, name).toBeUndefined();
      return r;
    };
    const allMeta = expected(PACKETS, { meta: true, iface: (p) => p.iface });
    const netloomInterfaces = readCapture(readFileSync(path('netloom.pcapng'))).interfaces;

    // editcap truncates to the microsecond, as netloom's own µs writer does.
    for (const [name, format, timestamp, unitsPerSecond] of [
      ['micro.pcap', 'pcap', micro, 1_000_000n],
      ['tshark-micro.pcap', 'pcap', micro, 1_000_000n],
      ['nano.pcap', 'pcap', undefined, 1_000_000_000n],
      ['from-micro.pcapng', 'pcapng', micro, 1_000_000n],
      ['from-nano.pcapng', 'pcapng', undefined, 1_000_000_000n],
    ] as const) {
      const r = read(name);
      // The snap length is the writing tool's choice; the rest must survive.
      expect([r.format, r.interfaces.map(({ snaplen: _snaplen, ...rest }) => rest)], name).toEqual([format, [{ linkType: 1, unitsPerSecond }]]);
      expect(comparable(r), name).toEqual(expected(PACKETS, { meta: false, ...(timestamp === undefined ? {} : { timestamp }) }));
    }
    for (const name of ['editcap.pcapng', 'tshark.pcapng']) {
      const r = read(name);
      expect(r.interfaces, name).toEqual(netloomInterfaces);
      expect(comparable(r), name).toEqual(allMeta);
    }
    const commented = read('commented.pcapng');
    expect(comparable(commented)).toEqual(allMeta.map((p, i) => (i === 0 ? { ...p, comments: [...(p.comments ?? []), COMMENT_ADDED] } : p)));
  });

  it('a big-endian copy means the same to tshark, and netloom reads it the same', async () => {
    const le = readFileSync(path('netloom.pcapng'));
    const be = bigEndianCopy(le);
    expect(toHex(be.subarray(8, 12))).toBe('1a2b3c4d');
    writeFileSync(path('big-endian.pcapng'), be);
    expect(await frameFields(path('big-endian.pcapng'))).toEqual(expectedFrameFields());
    const read = readCapture(be);
    expect(read.error).toBeUndefined();
    expect(read.interfaces).toEqual(readCapture(le).interfaces);
    expect(comparable(read)).toEqual(comparable(readCapture(le)));
  });

  it('two sections, little- then big-endian: tshark and netloom see both, interfaces numbered per section', async () => {
    const le = readFileSync(path('netloom.pcapng'));
    const both = Buffer.concat([le, bigEndianCopy(le)]);
    writeFileSync(path('two-sections.pcapng'), both);
    // tshark's frame.interface_id counts within a section; netloom's interfaceId across the file.
    expect(await frameFields(path('two-sections.pcapng'))).toEqual([...expectedFrameFields(), ...expectedFrameFields()]);
    const read = readCapture(both);
    expect(read.error).toBeUndefined();
    const one = readCapture(le);
    expect(read.interfaces).toEqual([...one.interfaces, ...one.interfaces]);
    expect(comparable(read)).toEqual([...comparable(one), ...comparable(one).map((p) => ({ ...p, interfaceId: p.interfaceId + INTERFACES.length }))]);
  });
});

describe('a killed writer', () => {
  it('leaves a pcapng of whole blocks: every packet before the kill, no damage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-killed-'));
    const file = join(dir, 'killed.pcapng');
    try {
      // Writes until killed; packet n is n+1 bytes of n's low byte at n µs + 7 ns (sizes vary, so
      // the 64 KiB buffer fills at a different place within a block each time).
      const child = spawn(
        process.execPath,
        [
          '--import', 'tsx', '--input-type=module', '-e',
          `import { PcapngWriter } from './src/capture/pcapng.js';
           import { fileSink } from './src/capture/sinks.js';
           const writer = new PcapngWriter(fileSink(process.env.NETLOOM_KILLED_FILE, false));
           const port = writer.addInterface({ name: 'h1:eth0', description: 'killed mid-run' });
           process.stdout.write('writing\\n');
           const pause = new Int32Array(new SharedArrayBuffer(4));
           for (let n = 0; ; n++) {
             // A breath every 64 packets keeps the file a few megabytes, not tens.
             if (n % 64 === 63) Atomics.wait(pause, 0, 0, 1);
             writer.writePacket(port, n * 1000 + 7, new Uint8Array(60 + (n % 200)).fill(n & 0xff), n % 3 === 0 ? { direction: 'outbound', comment: 'packet ' + n } : undefined);
           }`,
        ],
        { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, NETLOOM_KILLED_FILE: file }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', () => reject(new Error(`the writer exited before writing: ${stderr}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const bytes = readFileSync(file);
      const read = readCapture(bytes);
      // SIGKILL can cut a write(2) short at a page boundary, so the last block may be cut; then it
      // is reported as a cut tail, and every packet before it is whole.
      if (read.error) {
        expect(read.error.code).toBe('NETLOOM_CAPTURE_TRUNCATED');
        expect(read.error.offset).toBeGreaterThan(bytes.length - 4096 - 512);
      }
      expect(read.interfaces).toEqual([{ linkType: 1, snaplen: 262144, name: 'h1:eth0', description: 'killed mid-run', unitsPerSecond: 1_000_000_000n }]);
      expect(read.packets.length).toBeGreaterThan(0);
      const wrong = read.packets.findIndex(
        (p, n) =>
          p.timestampNs !== BigInt(n * 1000 + 7) ||
          p.data.length !== 60 + (n % 200) ||
          p.data.some((b) => b !== (n & 0xff)) ||
          (n % 3 === 0 ? p.comments?.[0] !== `packet ${n}` || p.direction !== 'outbound' : p.comments !== undefined),
      );
      expect(wrong, `packet ${wrong} of ${read.packets.length} is not the one written`).toBe(-1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
