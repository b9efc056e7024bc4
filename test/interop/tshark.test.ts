/**
 * Interop with Wireshark (DESIGN.md principle 4): every packet netloom crafts opens in tshark with
 * no malformed packet and no expert warning or error, tshark reads the same field values netloom
 * decodes from the same bytes, and tshark decrypts netloom's ESP (AES-GCM-128/192/256 and
 * NULL + HMAC-SHA-256-128, tunnel and transport mode) given the SAs.
 *
 * All packets go into one pcap and tshark runs twice over it (expert check, field dump), not once
 * per packet. Skipped, with the reason, when tshark is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTolerant, encode, toHex } from '../../src/index.js';
import type { Layer } from '../../src/index.js';
import type { LayerSpan } from '../../src/wire/decode.js';
import { writePcap } from '../../src/capture/pcap.js';
import { VXLAN_ALT_PORT, buildPacketTable, registry, tsharkEspPrefs } from './tshark-packets.js';

const haveTshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
if (!haveTshark) {
  console.warn('skipping the tshark interop test: tshark is missing. Install it with: apt-get install tshark');
}

// ---------------------------------------------------------------------------------------------
// The packets, encoded and decoded by netloom.

const table = buildPacketTable();

interface Packet {
  /** 1-based, as tshark's frame.number. */
  frame: number;
  group: string;
  name: string;
  bytes: Uint8Array;
  layers: Layer[];
  spans: LayerSpan[];
}

const packets: Packet[] = table.cases.map((c, i) => {
  const bytes = encode(c.layers, { registry });
  const spans: LayerSpan[] = [];
  const decoded = decodeTolerant(bytes, { registry, espSAs: table.sas }, spans);
  if (decoded.error !== undefined) throw new Error(`netloom cannot decode its own packet ${c.name}: ${decoded.error.message}`);
  return { frame: i + 1, group: c.group, name: c.name, bytes, layers: decoded.layers, spans };
});

// ---------------------------------------------------------------------------------------------
// What tshark should show for netloom's decode: tshark field name -> values in tree order.

type Kind = 'int' | 'bool' | 'text' | 'ipv6' | 'bytes';

/** Every field compared, for every packet: a field netloom expects nothing of must be absent too. */
const FIELDS: Record<string, Kind> = {
  'frame.protocols': 'text',
  'eth.dst': 'text', 'eth.src': 'text', 'eth.type': 'int', 'eth.padding': 'bytes',
  'vlan.priority': 'int', 'vlan.dei': 'bool', 'vlan.id': 'int', 'vlan.etype': 'int',
  'ieee8021ad.priority': 'int', 'ieee8021ad.dei': 'int', 'ieee8021ad.id': 'int', 'ieee8021ah.etype': 'int',
  'arp.hw.type': 'int', 'arp.proto.type': 'int', 'arp.hw.size': 'int', 'arp.proto.size': 'int', 'arp.opcode': 'int',
  'arp.src.hw_mac': 'text', 'arp.src.proto_ipv4': 'text', 'arp.dst.hw_mac': 'text', 'arp.dst.proto_ipv4': 'text',
  'ip.version': 'int', 'ip.hdr_len': 'int', 'ip.dsfield.dscp': 'int', 'ip.dsfield.ecn': 'int', 'ip.len': 'int',
  'ip.id': 'int', 'ip.flags.rb': 'bool', 'ip.flags.df': 'bool', 'ip.flags.mf': 'bool', 'ip.frag_offset': 'int',
  'ip.ttl': 'int', 'ip.proto': 'int', 'ip.checksum': 'int', 'ip.checksum.status': 'int', 'ip.src': 'text',
  'ip.dst': 'text', 'ip.opt.type': 'int',
  'ipv6.version': 'int', 'ipv6.tclass': 'int', 'ipv6.flow': 'int', 'ipv6.plen': 'int', 'ipv6.nxt': 'int',
  'ipv6.hlim': 'int', 'ipv6.src': 'ipv6', 'ipv6.dst': 'ipv6',
  'ipv6.hopopts.nxt': 'int', 'ipv6.hopopts.len': 'int', 'ipv6.dstopts.nxt': 'int', 'ipv6.dstopts.len': 'int',
  'ipv6.opt.type': 'int',
  'ipv6.routing.nxt': 'int', 'ipv6.routing.len': 'int', 'ipv6.routing.type': 'int', 'ipv6.routing.segleft': 'int',
  'ipv6.fraghdr.nxt': 'int', 'ipv6.fraghdr.offset': 'int', 'ipv6.fraghdr.more': 'bool', 'ipv6.fraghdr.ident': 'int',
  'icmp.type': 'int', 'icmp.code': 'int', 'icmp.checksum': 'int', 'icmp.checksum.status': 'int',
  'icmp.ident': 'int', 'icmp.seq': 'int', 'icmp.mtu': 'int', 'icmp.unused': 'bytes', 'icmp.redir_gw': 'text',
  'icmp.pointer': 'int',
  'icmpv6.type': 'int', 'icmpv6.code': 'int', 'icmpv6.checksum': 'int', 'icmpv6.checksum.status': 'int',
  'icmpv6.echo.identifier': 'int', 'icmpv6.echo.sequence_number': 'int', 'icmpv6.mtu': 'int', 'icmpv6.reserved': 'bytes',
  'icmpv6.pointer': 'int',
  'udp.srcport': 'int', 'udp.dstport': 'int', 'udp.length': 'int', 'udp.checksum': 'int', 'udp.checksum.status': 'int',
  'tcp.srcport': 'int', 'tcp.dstport': 'int', 'tcp.seq': 'int', 'tcp.seq_raw': 'int', 'tcp.ack': 'int', 'tcp.ack_raw': 'int', 'tcp.hdr_len': 'int',
  'tcp.flags': 'int', 'tcp.window_size_value': 'int', 'tcp.checksum': 'int', 'tcp.checksum.status': 'int',
  'tcp.urgent_pointer': 'int', 'tcp.option_kind': 'int', 'tcp.options.mss_val': 'int',
  'vxlan.flags': 'int', 'vxlan.flag_i': 'bool', 'vxlan.gbp': 'int', 'vxlan.vni': 'int', 'vxlan.reserved8': 'int',
  'gre.flags_and_version': 'int', 'gre.flags.checksum': 'bool', 'gre.flags.routing': 'bool', 'gre.flags.key': 'bool',
  'gre.flags.sequence_number': 'bool', 'gre.flags.version': 'int', 'gre.proto': 'int', 'gre.checksum': 'int',
  'gre.checksum.status': 'int', 'gre.offset': 'int', 'gre.key': 'int', 'gre.sequence_number': 'int',
  'esp.spi': 'int', 'esp.sequence': 'int', 'esp.iv': 'bytes', 'esp.pad': 'bytes', 'esp.pad_len': 'int',
  'esp.protocol': 'int', 'esp.icv': 'bytes', 'esp.icv_good': 'bool', 'esp.icv_bad': 'bool',
  'data.data': 'bytes', 'data.len': 'int',
};

/** ICMPv4 error types, which quote the invoking datagram (RFC 792). */
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

/** tshark's checksum status values (proto.h PROTO_CHECKSUM_E_*). */
const GOOD = 1;
const UNVERIFIED = 2;
const NOT_PRESENT = 3;

const hexWidth = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');

/** TLV option kinds as on the wire (IPv4 and TCP: 0 ends the list, 1 is a one-byte NOP). */
function optionKinds(options: Uint8Array): number[] {
  const kinds: number[] = [];
  for (let i = 0; i < options.length; ) {
    const kind = options[i]!;
    kinds.push(kind);
    if (kind === 0) break;
    i += kind === 1 ? 1 : Math.max(2, options[i + 1] ?? options.length);
  }
  return kinds;
}

/** IPv6 hop-by-hop / destination option types (RFC 8200 §4.2: Pad1 is one byte). */
function ipv6OptionTypes(options: Uint8Array): number[] {
  const types: number[] = [];
  for (let i = 0; i < options.length; ) {
    const type = options[i]!;
    types.push(type);
    i += type === 0 ? 1 : 2 + (options[i + 1] ?? options.length);
  }
  return types;
}

function tcpMss(options: Uint8Array): number | undefined {
  for (let i = 0; i < options.length; ) {
    const kind = options[i]!;
    if (kind === 0) return undefined;
    if (kind === 2) return (options[i + 2]! << 8) | options[i + 3]!;
    i += kind === 1 ? 1 : Math.max(2, options[i + 1] ?? options.length);
  }
  return undefined;
}

const IPV6_EXTENSION_PROTOCOL = { hopByHop: 'ipv6.hopopts', routing: 'ipv6.routing', fragment: 'ipv6.fraghdr', destinationOptions: 'ipv6.dstopts' } as const;

/** The fields tshark should show for netloom's layers, as normalized strings. */
function expectedView(p: Packet): Map<string, string[]> {
  const view = new Map<string, string[]>();
  const put = (field: string, value: number | boolean | string | Uint8Array) => {
    const kind = FIELDS[field];
    if (kind === undefined) throw new Error(`${field} is not in FIELDS`);
    const text =
      value instanceof Uint8Array ? toHex(value) : typeof value === 'boolean' ? (value ? '1' : '0') : kind === 'ipv6' ? canonicalIpv6(String(value)) : String(value);
    const list = view.get(field) ?? [];
    list.push(text);
    view.set(field, list);
  };
  const protocols: string[] = [];
  // Inside a fragment (tshark sets pinfo->fragmented) or an ICMP error's quote, upper-layer
  // checksums cover bytes that are not all there.
  let fragmented = false;
  let quoted = false;
  /** The IP layer carrying the current one. */
  let ip: 'ipv4' | 'ipv6' | undefined;
  p.layers.forEach((l, i) => {
    const span = p.spans[i]!;
    switch (l.layer) {
      case 'ethernet':
        protocols.push('eth', 'ethertype');
        put('eth.dst', l.dst);
        put('eth.src', l.src);
        put('eth.type', l.etherType);
        break;
      case 'vlan':
        if (l.tpid === 0x88a8) {
          // tshark decodes the 802.1ad S-tag with its ieee8021ad dissector; its type field is ieee8021ah.etype.
          protocols.push('ieee8021ad', 'ethertype');
          put('ieee8021ad.priority', l.pcp);
          put('ieee8021ad.dei', l.dei ? 1 : 0);
          put('ieee8021ad.id', l.vid);
          put('ieee8021ah.etype', l.etherType);
        } else {
          protocols.push('vlan', 'ethertype');
          put('vlan.priority', l.pcp);
          put('vlan.dei', l.dei);
          put('vlan.id', l.vid);
          put('vlan.etype', l.etherType);
        }
        break;
      case 'arp':
        protocols.push('arp');
        put('arp.hw.type', l.hardwareType);
        put('arp.proto.type', l.protocolType);
        put('arp.hw.size', l.hardwareLength);
        put('arp.proto.size', l.protocolLength);
        put('arp.opcode', l.op);
        put('arp.src.hw_mac', l.senderMac);
        put('arp.src.proto_ipv4', l.senderIp);
        put('arp.dst.hw_mac', l.targetMac);
        put('arp.dst.proto_ipv4', l.targetIp);
        if (l.padding) put('eth.padding', l.padding);
        break;
      case 'ipv4':
        protocols.push('ip');
        put('ip.version', l.version);
        put('ip.hdr_len', l.ihl * 4);
        put('ip.dsfield.dscp', l.dscp);
        put('ip.dsfield.ecn', l.ecn);
        put('ip.len', l.totalLength);
        put('ip.id', l.id);
        put('ip.flags.rb', l.reservedFlag);
        put('ip.flags.df', l.df);
        put('ip.flags.mf', l.mf);
        put('ip.frag_offset', l.fragmentOffset);
        put('ip.ttl', l.ttl);
        put('ip.proto', l.protocol);
        put('ip.checksum', l.checksum);
        put('ip.checksum.status', GOOD);
        put('ip.src', l.src);
        put('ip.dst', l.dst);
        for (const kind of optionKinds(l.options)) put('ip.opt.type', kind);
        if (l.padding) put('eth.padding', l.padding);
        if (l.mf || l.fragmentOffset !== 0) fragmented = true;
        ip = 'ipv4';
        break;
      case 'ipv6':
        protocols.push('ipv6');
        ip = 'ipv6';
        put('ipv6.version', l.version);
        // packet-ipv6.c also adds the version nibble as a hidden ip.version.
        put('ip.version', l.version);
        put('ipv6.tclass', l.trafficClass);
        put('ipv6.flow', l.flowLabel);
        put('ipv6.plen', l.payloadLength);
        put('ipv6.nxt', l.nextHeader);
        put('ipv6.hlim', l.hopLimit);
        put('ipv6.src', l.src);
        put('ipv6.dst', l.dst);
        for (const h of l.extensionHeaders) {
          protocols.push(IPV6_EXTENSION_PROTOCOL[h.header]);
          if (h.header === 'hopByHop' || h.header === 'destinationOptions') {
            const prefix = h.header === 'hopByHop' ? 'ipv6.hopopts' : 'ipv6.dstopts';
            put(`${prefix}.nxt`, h.nextHeader);
            put(`${prefix}.len`, h.headerLength);
            for (const type of ipv6OptionTypes(h.options)) put('ipv6.opt.type', type);
          } else if (h.header === 'routing') {
            put('ipv6.routing.nxt', h.nextHeader);
            put('ipv6.routing.len', h.headerLength);
            put('ipv6.routing.type', h.routingType);
            put('ipv6.routing.segleft', h.segmentsLeft);
          } else if (h.header === 'fragment') {
            put('ipv6.fraghdr.nxt', h.nextHeader);
            put('ipv6.fraghdr.offset', h.fragmentOffset);
            put('ipv6.fraghdr.more', h.m);
            put('ipv6.fraghdr.ident', h.identification);
            if (h.m || h.fragmentOffset !== 0) fragmented = true;
          }
        }
        break;
      case 'icmp':
        protocols.push('icmp');
        put('icmp.type', l.type);
        put('icmp.code', l.code);
        put('icmp.checksum', l.checksum);
        // tshark leaves checksums of ICMP messages quoted in an ICMP error, or fragmented, unverified.
        put('icmp.checksum.status', quoted || fragmented ? UNVERIFIED : GOOD);
        if (l.id !== undefined) put('icmp.ident', l.id);
        if (l.seq !== undefined) put('icmp.seq', l.seq);
        if (l.type === 3 && l.code === 4) {
          put('icmp.unused', hexWidth(l.unused ?? 0, 2));
          put('icmp.mtu', l.nextHopMtu ?? 0);
        } else if (l.type === 3) {
          put('icmp.unused', hexWidth((((l.unused ?? 0) << 16) | (l.nextHopMtu ?? 0)) >>> 0, 4));
        } else if (l.type === 11) {
          put('icmp.unused', hexWidth(l.unused ?? 0, 4));
        } else if (l.type === 5) {
          const gw = l.rest ?? 0;
          put('icmp.redir_gw', `${gw >>> 24}.${(gw >>> 16) & 0xff}.${(gw >>> 8) & 0xff}.${gw & 0xff}`);
        } else if (l.type === 12) {
          put('icmp.pointer', (l.rest ?? 0) >>> 24);
          put('icmp.unused', hexWidth((l.rest ?? 0) & 0xffffff, 3));
        }
        if (ICMP_ERRORS.has(l.type)) quoted = true;
        break;
      case 'icmpv6':
        protocols.push('icmpv6');
        put('icmpv6.type', l.type);
        put('icmpv6.code', l.code);
        put('icmpv6.checksum', l.checksum);
        put('icmpv6.checksum.status', GOOD);
        if (l.id !== undefined) put('icmpv6.echo.identifier', l.id);
        if (l.seq !== undefined) put('icmpv6.echo.sequence_number', l.seq);
        if (l.mtu !== undefined) put('icmpv6.mtu', l.mtu);
        if (l.type === 1 || l.type === 3) put('icmpv6.reserved', hexWidth(l.rest ?? 0, 4));
        if (l.type === 4) put('icmpv6.pointer', l.rest ?? 0);
        if (l.type < 128) quoted = true;
        break;
      case 'udp': {
        protocols.push('udp');
        put('udp.srcport', l.srcPort);
        put('udp.dstport', l.dstPort);
        put('udp.length', l.length);
        put('udp.checksum', l.checksum);
        // tshark verifies a UDP checksum only when the whole datagram is there; on IPv4 zero means none.
        const whole = !fragmented && l.length <= span.end - span.start;
        put('udp.checksum.status', l.checksum === 0 && ip === 'ipv4' ? NOT_PRESENT : whole ? GOOD : UNVERIFIED);
        break;
      }
      case 'tcp': {
        protocols.push('tcp');
        put('tcp.srcport', l.srcPort);
        put('tcp.dstport', l.dstPort);
        put('tcp.seq', l.seq);
        // In an ICMP error's quote tshark adds no raw twin of the sequence number.
        if (!quoted) put('tcp.seq_raw', l.seq);
        put('tcp.ack', l.ack);
        put('tcp.ack_raw', l.ack);
        put('tcp.hdr_len', l.dataOffset * 4);
        put('tcp.flags', ((l.reserved & 0x0f) << 8) | l.flags);
        put('tcp.window_size_value', l.window);
        put('tcp.checksum', l.checksum);
        put('tcp.checksum.status', fragmented ? UNVERIFIED : GOOD);
        put('tcp.urgent_pointer', l.urgentPointer);
        for (const kind of optionKinds(l.options)) put('tcp.option_kind', kind);
        const mss = tcpMss(l.options);
        if (mss !== undefined) put('tcp.options.mss_val', mss);
        break;
      }
      case 'vxlan':
        protocols.push('vxlan');
        // tshark's 16-bit flags field is netloom's flags byte and the first reserved byte.
        put('vxlan.flags', (l.flags << 8) | (l.reserved1 >>> 16));
        put('vxlan.flag_i', (l.flags & 0x08) !== 0);
        put('vxlan.gbp', l.reserved1 & 0xffff);
        put('vxlan.vni', l.vni);
        put('vxlan.reserved8', l.reserved2);
        break;
      case 'gre':
        protocols.push('gre');
        put('gre.flags_and_version', (l.checksumPresent ? 0x8000 : 0) | (l.keyPresent ? 0x2000 : 0) | (l.seqPresent ? 0x1000 : 0) | (l.reserved0 << 3) | l.version);
        put('gre.flags.checksum', l.checksumPresent);
        put('gre.flags.routing', (l.reserved0 & 0x800) !== 0);
        put('gre.flags.key', l.keyPresent);
        put('gre.flags.sequence_number', l.seqPresent);
        put('gre.flags.version', l.version);
        put('gre.proto', l.protocol);
        if (l.checksumPresent) {
          put('gre.checksum', l.checksum ?? -1);
          put('gre.checksum.status', GOOD);
          put('gre.offset', l.reserved1 ?? -1);
        }
        if (l.keyPresent) {
          put('gre.key', l.key ?? -1);
          // tshark 4.0 has no NVGRE fields: the VSID and FlowID are the key's 24 and 8 bits.
          if (l.vsid !== undefined) expect(((l.vsid << 8) | (l.flowId ?? 0)) >>> 0).toBe(l.key);
        }
        if (l.seqPresent) put('gre.sequence_number', l.seq ?? -1);
        break;
      case 'esp':
        protocols.push('esp');
        put('esp.spi', l.spi);
        put('esp.sequence', l.seq);
        if (l.iv !== undefined && l.iv.length > 0) put('esp.iv', l.iv);
        if (l.padLength !== undefined && l.padLength > 0) put('esp.pad', Uint8Array.from({ length: l.padLength }, (_, k) => k + 1));
        if (l.padLength !== undefined) put('esp.pad_len', l.padLength);
        if (l.nextHeader !== undefined) put('esp.protocol', l.nextHeader);
        if (l.icv !== undefined) put('esp.icv', l.icv);
        put('esp.icv_good', true);
        put('esp.icv_bad', false);
        break;
      case 'payload':
        protocols.push('data');
        put('data.data', l.data);
        put('data.len', l.data.length);
        break;
    }
  });
  put('frame.protocols', protocols.join(':'));
  return view;
}

/** Full, lowercase, zero-padded form, so tshark's and netloom's spellings compare. */
function canonicalIpv6(text: string): string {
  const [head = '', tail] = text.toLowerCase().split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return words.map((w) => w.padStart(4, '0')).join(':');
}

function normalizeTshark(kind: Kind, value: string): string {
  switch (kind) {
    case 'int':
      return String(/^0x/i.test(value) ? parseInt(value.slice(2), 16) : Number(value));
    case 'bool':
      return value === '1' || value === 'True' ? '1' : value === '0' || value === 'False' ? '0' : `?${value}`;
    case 'bytes':
      return value.replace(/:/g, '').toLowerCase();
    case 'ipv6':
      return canonicalIpv6(value);
    case 'text':
      return value.toLowerCase();
  }
}

// ---------------------------------------------------------------------------------------------
// tshark.

/** netloom-only knowledge tshark must be told: VXLAN on 8472, and the ESP SAs. */
const TSHARK_PREFS = [
  '-d', `udp.port==${VXLAN_ALT_PORT},vxlan`,
  // Dissect each packet on its own, as netloom does: a lone first fragment's UDP header is shown,
  // not held back for a reassembly that never comes.
  '-o', 'ip.defragment:FALSE',
  '-o', 'ipv6.defragment:FALSE',
  // Sequence and acknowledgment numbers as on the wire, not relative to a stream's first segment.
  '-o', 'tcp.relative_sequence_numbers:FALSE',
  '-o', 'ip.check_checksum:TRUE',
  '-o', 'udp.check_checksum:TRUE',
  '-o', 'tcp.check_checksum:TRUE',
  '-o', 'esp.enable_encryption_decode:TRUE',
  '-o', 'esp.enable_authentication_check:TRUE',
  ...tsharkEspPrefs(table.sas),
];

function tshark(args: string[]): string {
  return execFileSync('tshark', [...TSHARK_PREFS, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/**
 * Expert infos tshark raises on correct packets. Wireshark flags every RST segment as a Warning
 * (packet-tcp.c: ei_tcp_connection_rst, "tcp.connection.rst", PI_SEQUENCE, PI_WARN): it reports
 * that a connection was reset, not that the segment is wrong. Allowed on RST segments only.
 */
const EXPECTED_EXPERT: { message: string; applies: (p: Packet) => boolean }[] = [
  { message: 'Connection reset (RST)', applies: (p) => p.layers.some((l) => l.layer === 'tcp' && (l.flags & 0x04) !== 0) },
];

describe.skipIf(!haveTshark)('tshark opens netloom packets', () => {
  let dir = '';
  let pcap = '';
  let expertLines: string[] = [];
  let dissected: Map<string, string[]>[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netloom-tshark-'));
    pcap = join(dir, 'netloom.pcap');
    writeFileSync(pcap, writePcap(packets.map((p, i) => ({ timestampNs: i * 1_000_000, data: p.bytes }))));
    expertLines = tshark([
      '-r', pcap,
      '-Y', '_ws.malformed || _ws.expert.severity >= warning',
      '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=;',
      '-e', 'frame.number', '-e', '_ws.expert.message', '-e', '_ws.expert.severity', '-e', '_ws.malformed',
    ])
      .split('\n')
      .filter((line) => line.trim() !== '');
    const json = JSON.parse(tshark(['-r', pcap, '-T', 'json', ...Object.keys(FIELDS).flatMap((f) => ['-e', f])])) as {
      _source: { layers: Record<string, string[]> };
    }[];
    dissected = json.map((packet) => {
      const fields = new Map<string, string[]>();
      for (const [field, values] of Object.entries(packet._source.layers)) fields.set(field, values.map((v) => normalizeTshark(FIELDS[field]!, v)));
      return fields;
    });
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('builds the same packets from the same seed', () => {
    const again = buildPacketTable().cases.map((c) => toHex(encode(c.layers, { registry })));
    expect(again).toEqual(packets.map((p) => toHex(p.bytes)));
  });

  it('covers every protocol form netloom crafts', () => {
    const count = (group: string) => packets.filter((p) => p.group === group).length;
    expect(packets.length).toBeGreaterThanOrEqual(80);
    for (const group of ['ethernet', 'arp', 'vlan', 'qinq', 'ipv4', 'icmp', 'tcp', 'ipv6', 'icmpv6', 'ipv6-ext', 'vxlan', 'vxlan-8472', 'gre', 'nvgre', 'esp']) {
      expect(count(group), group).toBeGreaterThanOrEqual(2);
    }
    const espForms = new Set(
      packets.flatMap((p) => {
        const i = p.layers.findIndex((l) => l.layer === 'esp');
        const esp = p.layers[i];
        if (esp?.layer !== 'esp') return [];
        const inner = p.layers[i + 1]?.layer;
        return [`${esp.alg} ${inner === 'ipv4' || inner === 'ipv6' ? 'tunnel' : 'transport'} ${p.layers[i - 1]?.layer}`];
      }),
    );
    for (const alg of ['aes-gcm-128', 'aes-gcm-192', 'aes-gcm-256', 'null-hmac-sha256-128']) {
      for (const form of ['tunnel ipv4', 'transport ipv4', 'tunnel ipv6', 'transport ipv6']) expect(espForms, `${alg} ${form}`).toContain(`${alg} ${form}`);
    }
  });

  it('shows no malformed packet and no expert warning or error', () => {
    const unexpected = expertLines.filter((line) => {
      const [frame = '', messages = '', severities = '', malformed = ''] = line.split('|');
      const packet = packets[Number(frame) - 1];
      if (packet === undefined || malformed !== '') return true;
      const m = messages.split(';');
      return severities.split(';').some((severity, k) => {
        if (Number(severity) < 0x600000) return false; // chat and note items ride along with the line
        return !EXPECTED_EXPERT.some((e) => e.message === m[k] && e.applies(packet));
      });
    });
    const report = unexpected.map((line) => `${line}\n    ${packets[Number(line.split('|')[0]) - 1]?.name ?? ''}`);
    expect(report, `tshark flags netloom packets:\n${report.join('\n')}`).toEqual([]);
    expect(expertLines.length).toBeLessThanOrEqual(packets.filter((p) => EXPECTED_EXPERT.some((e) => e.applies(p))).length);
  });

  it('decrypts every ESP packet with a correct ICV and dissects what is inside', () => {
    const esp = packets.filter((p) => p.layers.some((l) => l.layer === 'esp'));
    expect(esp.length).toBeGreaterThanOrEqual(16);
    for (const p of esp) {
      const got = dissected[p.frame - 1]!;
      const want = expectedView(p);
      expect(got.get('esp.icv_good'), p.name).toEqual(['1']);
      expect(got.get('esp.icv_bad'), p.name).toEqual(['0']);
      // The layers after ESP, as tshark dissects the decrypted bytes.
      expect(got.get('frame.protocols'), p.name).toEqual(want.get('frame.protocols'));
      expect(got.get('esp.protocol'), p.name).toEqual(want.get('esp.protocol'));
    }
  });

  it.each(packets.map((p) => [`#${p.frame} ${p.group}: ${p.name}`, p] as const))('reads the same fields: %s', (_, p) => {
    expect(dissected).toHaveLength(packets.length);
    const got = dissected[p.frame - 1]!;
    const want = expectedView(p);
    const mismatches: string[] = [];
    for (const field of Object.keys(FIELDS)) {
      const g = got.get(field) ?? [];
      const w = want.get(field) ?? [];
      if (JSON.stringify(g) !== JSON.stringify(w)) mismatches.push(`${field}: tshark ${JSON.stringify(g)}, netloom ${JSON.stringify(w)}`);
    }
    expect(mismatches, `tshark and netloom disagree:\n${mismatches.join('\n')}`).toEqual([]);
    // A meaningful comparison: Ethernet's three fields and frame.protocols, plus the next layer's.
    expect([...want.keys()].length).toBeGreaterThanOrEqual(6);
  });

  it('compares every field in the list on some packet', () => {
    const compared = new Set(packets.flatMap((p) => [...expectedView(p).keys()]));
    expect(Object.keys(FIELDS).filter((f) => !compared.has(f))).toEqual([]);
  });
});
