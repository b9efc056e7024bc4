/**
 * OXM: OpenFlow 1.3's type-length-value match fields (OpenFlow 1.3.5 §7.2.3), and `ofp_match`,
 * the list of them padded to 8 bytes. The field table is declared once: class, field number,
 * value width, the OpenFlow name, and whether the spec lets it be masked. The basic class
 * (0x8000) is complete; of Nicira's NXM_NX class (0x0001) it holds what Open vSwitch puts in
 * OpenFlow 1.3 flows for fields OpenFlow has no OXM for (registers, IP TTL, tunnel IPv4
 * endpoints). A field of any other class is kept as its raw bytes, so it re-encodes exactly.
 */
import { Reader, Writer } from './bytes.js';
import { OFPBMC, OFPET } from './errors.js';
import { u32 } from '../wire/read.js';

export const OFPXMC_NXM_1 = 0x0001;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPXMC_EXPERIMENTER = 0xffff;
export const OFPMT_OXM = 1;
/** OFPVID_PRESENT: the bit of VLAN_VID that says a tag is there. */
export const OFPVID_PRESENT = 0x1000;

export interface OxmFieldDef {
  name: string;
  oxmClass: number;
  field: number;
  /** Value width in bytes. */
  bytes: number;
  /** The spec allows a mask (OpenFlow 1.3.5 Table 12). */
  maskable: boolean;
  /** An experimenter field's experimenter id, the 4 bytes after its header (counted in its length). */
  experimenter?: number;
}

const basic = (field: number, name: string, bytes: number, maskable = false): OxmFieldDef => ({ name, oxmClass: OFPXMC_OPENFLOW_BASIC, field, bytes, maskable });
const nxm = (field: number, name: string, bytes: number, maskable = true): OxmFieldDef => ({ name, oxmClass: OFPXMC_NXM_1, field, bytes, maskable });
/** OpenFlow 1.5's packet register class (OFPXMC_PACKET_REGS): the 64-bit xregs. */
const OFPXMC_PACKET_REGS = 0x8001;
/** ONF's experimenter id: OpenFlow 1.3 carries tcp_flags under it (ONF extension 1.3 EXT-109), as OVS writes it. */
const ONF_EXPERIMENTER = 0x4f4e4600;
/** The OXM class of Ericsson's ND fields (nd_reserved, nd_options_type), as OVS numbers it. */
const ERICOXM_OF = 0x1000;

export const OXM_FIELDS: readonly OxmFieldDef[] = [
  basic(0, 'in_port', 4), basic(1, 'in_phy_port', 4), basic(2, 'metadata', 8, true), basic(3, 'eth_dst', 6, true),
  basic(4, 'eth_src', 6, true), basic(5, 'eth_type', 2), basic(6, 'vlan_vid', 2, true), basic(7, 'vlan_pcp', 1),
  basic(8, 'ip_dscp', 1), basic(9, 'ip_ecn', 1), basic(10, 'ip_proto', 1), basic(11, 'ipv4_src', 4, true),
  basic(12, 'ipv4_dst', 4, true), basic(13, 'tcp_src', 2), basic(14, 'tcp_dst', 2), basic(15, 'udp_src', 2),
  basic(16, 'udp_dst', 2), basic(17, 'sctp_src', 2), basic(18, 'sctp_dst', 2), basic(19, 'icmpv4_type', 1),
  basic(20, 'icmpv4_code', 1), basic(21, 'arp_op', 2), basic(22, 'arp_spa', 4, true), basic(23, 'arp_tpa', 4, true),
  basic(24, 'arp_sha', 6, true), basic(25, 'arp_tha', 6, true), basic(26, 'ipv6_src', 16, true), basic(27, 'ipv6_dst', 16, true),
  basic(28, 'ipv6_flabel', 4, true), basic(29, 'icmpv6_type', 1), basic(30, 'icmpv6_code', 1), basic(31, 'ipv6_nd_target', 16),
  basic(32, 'ipv6_nd_sll', 6), basic(33, 'ipv6_nd_tll', 6), basic(34, 'mpls_label', 4), basic(35, 'mpls_tc', 1),
  basic(36, 'mpls_bos', 1), basic(37, 'pbb_isid', 3, true), basic(38, 'tunnel_id', 8, true), basic(39, 'ipv6_exthdr', 2, true),
  ...Array.from({ length: 16 }, (_, i) => nxm(i, `reg${i}`, 4)),
  nxm(29, 'nw_ttl', 1, false), nxm(31, 'tun_src', 4), nxm(32, 'tun_dst', 4), nxm(109, 'tun_ipv6_src', 16), nxm(110, 'tun_ipv6_dst', 16), nxm(104, 'tun_flags', 2), nxm(30, 'mpls_ttl', 1, false), nxm(38, 'tun_gbp_id', 2), nxm(39, 'tun_gbp_flags', 1), nxm(37, 'conj_id', 4, false),
  // Connection tracking (meta-flow.h's NXM_NX_CT_*).
  nxm(105, 'ct_state', 4), nxm(106, 'ct_zone', 2, false), nxm(107, 'ct_mark', 4), nxm(108, 'ct_label', 16), nxm(119, 'ct_nw_proto', 1, false),
  nxm(120, 'ct_nw_src', 4), nxm(121, 'ct_nw_dst', 4), nxm(122, 'ct_ipv6_src', 16), nxm(123, 'ct_ipv6_dst', 16), nxm(124, 'ct_tp_src', 2), nxm(125, 'ct_tp_dst', 2),
  nxm(26, 'ip_frag', 1), nxm(33, 'pkt_mark', 4), nxm(34, 'nxm_tcp_flags', 2),
  ...Array.from({ length: 4 }, (_, i) => nxm(111 + i, `xxreg${i}`, 16)),
  ...Array.from({ length: 8 }, (_, i): OxmFieldDef => ({ name: `xreg${i}`, oxmClass: OFPXMC_PACKET_REGS, field: i, bytes: 8, maskable: true })),
  { name: 'tcp_flags', oxmClass: OFPXMC_EXPERIMENTER, field: 42, bytes: 2, maskable: true, experimenter: ONF_EXPERIMENTER },
  // Ericsson's class (OVS's ERICOXM_OF_*), no experimenter id.
  { name: 'nd_reserved', oxmClass: ERICOXM_OF, field: 1, bytes: 4, maskable: false },
  { name: 'nd_options_type', oxmClass: ERICOXM_OF, field: 2, bytes: 1, maskable: false },
];

const BY_NAME = new Map(OXM_FIELDS.map((d) => [d.name, d]));
const BY_HEADER = new Map(OXM_FIELDS.map((d) => [(d.oxmClass << 7) | d.field, d]));

export function oxmField(name: string): OxmFieldDef | undefined {
  return BY_NAME.get(name);
}

/** A known field: value (and mask) as unsigned integers of the field's width. */
export interface OxmKnown {
  field: string;
  value: bigint;
  mask?: bigint;
}

/** A field netloom does not know, kept whole: its 32-bit header and the bytes after it. */
export interface OxmUnknown {
  field: 'unknown';
  header: number;
  body: Uint8Array;
}

export type Oxm = OxmKnown | OxmUnknown;

const matchShort = { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_LEN };

function readUint(r: Reader, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(r.u8());
  return v;
}

const BITS = Array.from({ length: 17 }, (_, n) => BigInt(8 * n));

function writeUint(w: Writer, value: bigint, n: number, path: string, field: string): void {
  if (typeof value !== 'bigint' || value < 0n || value >> BITS[n]! !== 0n) w.fail(`${path}.${field}`, `${String(value)} does not fit ${n} bytes`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_VALUE });
  if (n <= 6) {
    // Small values go through a number: no BigInt per byte.
    let v = Number(value);
    for (let i = n - 1; i >= 0; i--) {
      w.u8(Math.floor(v / 2 ** (8 * i)) & 0xff, path);
      v %= 2 ** (8 * i);
    }
    return;
  }
  for (let i = n - 1; i >= 0; i--) w.u8(Number((value >> BITS[i]!) & 0xffn), path);
}

/** One OXM TLV at the reader's position. */
export function readOxm(r: Reader): Oxm {
  const at = r.offset;
  const header = r.u32();
  const length = header & 0xff;
  const hasMask = (header & 0x100) !== 0;
  const known = BY_HEADER.get(header >>> 9);
  const def = known?.experimenter === undefined || (length >= 4 && r.left >= 4 && u32(r.bytes, r.offset) === known.experimenter) ? known : undefined;
  if (def === undefined) return { field: 'unknown', header, body: r.bytesOf(length) };
  const expected = (hasMask ? 2 * def.bytes : def.bytes) + (def.experimenter === undefined ? 0 : 4);
  if (length !== expected) r.fail(`${def.name} has length ${length}, expected ${expected}`, matchShort, at, 'NETLOOM_OF_BAD_LENGTH');
  r.need(length, def.name);
  if (def.experimenter !== undefined) r.u32();
  const value = readUint(r, def.bytes);
  return hasMask ? { field: def.name, value, mask: readUint(r, def.bytes) } : { field: def.name, value };
}

/** Writes one OXM; `index`, when given, names it as `path[index]` in errors. */
export function writeOxm(w: Writer, oxm: Oxm, path: string, index?: number): void {
  if (index !== undefined) path = `${path}[${index}]`;
  if (oxm.field === 'unknown') {
    const u = oxm as OxmUnknown;
    if ((u.header & 0xff) !== u.body.length) w.fail(path, `header says ${u.header & 0xff} bytes, body has ${u.body.length}`);
    w.u32(u.header, `${path}.header`);
    w.bytes(u.body);
    return;
  }
  const k = oxm as OxmKnown;
  const def = BY_NAME.get(k.field);
  if (def === undefined) w.fail(`${path}.field`, `unknown OXM field "${k.field}"`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_FIELD });
  const masked = k.mask !== undefined;
  const experimenter = def.experimenter === undefined ? 0 : 4;
  w.u32(((((def.oxmClass << 7) | def.field) << 9) | (masked ? 0x100 : 0) | ((masked ? 2 * def.bytes : def.bytes) + experimenter)) >>> 0, path);
  if (def.experimenter !== undefined) w.u32(def.experimenter, path);
  writeUint(w, k.value, def.bytes, path, 'value');
  if (masked) writeUint(w, k.mask!, def.bytes, path, 'mask');
}

/** ofp_match of type OXM at the reader's position, padding included. */
export function readMatch(r: Reader, structure: string): Oxm[] {
  const at = r.offset;
  r.need(4, 'match header');
  const type = r.u16();
  const length = r.u16();
  if (type !== OFPMT_OXM) r.fail(`match type ${type} is not OXM (1)`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_TYPE }, at, 'NETLOOM_OF_BAD_TYPE');
  if (length < 4) r.fail(`match length ${length} is below its 4-byte header`, matchShort, at, 'NETLOOM_OF_BAD_LENGTH');
  const m = r.child(length - 4, structure, matchShort);
  const fields: Oxm[] = [];
  while (m.left > 0) fields.push(readOxm(m));
  r.skip((8 - (length % 8)) % 8);
  return fields;
}

export function writeMatch(w: Writer, fields: readonly Oxm[], path: string): void {
  const start = w.offset;
  w.u16(OFPMT_OXM, `${path}.type`);
  w.u16(0, `${path}.length`);
  for (let i = 0; i < fields.length; i++) writeOxm(w, fields[i]!, path, i);
  w.patch16(start + 2, w.offset - start, path);
  w.align8(start);
}
