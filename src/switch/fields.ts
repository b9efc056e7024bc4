/**
 * The OpenFlow fields netloom's switch matches and sets, after ovs-fields(7): names and
 * NXM/OXM aliases, width, maskability, prerequisites, and where each lives in a flow — a fixed
 * array of 32-bit words (the "miniflow") built from the packet's flow key plus the pipeline's
 * metadata and registers.
 */

export const W = {
  IN_PORT: 0, DL_DST: 1, DL_SRC: 3, DL_TYPE: 5, VLAN_TCI: 6, NW_SRC: 7, NW_DST: 8, IPV6_SRC: 9, IPV6_DST: 13,
  NW_PROTO: 17, NW_TOS: 18, NW_TTL: 19, TP_SRC: 20, TP_DST: 21, ARP_SHA: 22, ARP_THA: 24, TUN_ID: 26,
  TUN_SRC: 28, TUN_DST: 29, METADATA: 30, REG0: 32, IPV6_LABEL: 48, CONJ_ID: 49,
  // Connection tracking state (conntrack.ts writes it, ct_clear and every ct action clear it).
  CT_STATE: 50, CT_ZONE: 51, CT_MARK: 52, CT_LABEL: 53, CT_NW_SRC: 57, CT_NW_DST: 58, CT_IPV6_SRC: 59, CT_IPV6_DST: 63, CT_NW_PROTO: 67, CT_TP_SRC: 68, CT_TP_DST: 69,
  PKT_MARK: 70, TCP_FLAGS: 71, NW_FRAG: 72, ND_TARGET: 73,
  // The outer IPv6 addresses of a tunnel packet received over an IPv6 underlay (all zero over IPv4, as tun_src and tun_dst are over IPv6).
  TUN_IPV6_SRC: 77, TUN_IPV6_DST: 81,
  // tun_flags' public bit (OAM); an ND message's reserved word (RSO flags) and the type of its first link-layer address option.
  TUN_FLAGS: 85, ND_RESERVED: 86, ND_OPTIONS_TYPE: 87,
  // VXLAN's group policy (its GBP extension): OVS's userspace datapath neither reads nor writes it, so only actions set these.
  TUN_GBP_ID: 88, TUN_GBP_FLAGS: 89,
  // An MPLS packet's first three label stack entries, outermost first (OVS's mpls_lse): the mpls_* fields are the first's.
  MPLS_LSE: 90,
} as const;
export const FLOW_WORDS = 93;
/** How many label stack entries the flow keeps (OVS's FLOW_MAX_MPLS_LABELS). */
export const MPLS_MAX_LABELS = 3;
/** The first and one past the last word of the connection tracking fields. */
export const CT_WORDS = [W.CT_STATE, W.CT_TP_DST + 1] as const;

/** What a field needs in the match before it may appear (OVS's prerequisites). */
/** ct: a match that proves a tracked connection; ct-ipv4 and ct-ipv6 also that it is IPv4 or IPv6 (ovs-vswitchd refuses ct_nw_src without ip). */
export type Prerequisite = 'none' | 'ip' | 'ipv4' | 'ipv6' | 'arp' | 'ipv4-or-arp' | 'ip-or-arp' | 'tcp-udp-sctp' | 'tcp' | 'icmp' | 'icmp6' | 'nd' | 'nd-ns' | 'nd-na' | 'mpls' | 'ct' | 'ct-ipv4' | 'ct-ipv6';

export interface FieldDef {
  /** The name ovs-ofctl prints. */
  name: string;
  /** Other names: OVS's older names, NXM_* and OXM_* names. */
  aliases: string[];
  /** First word in the flow, and how many words (most significant first). */
  word: number;
  words: number;
  /** Width in bits (right-aligned in its words). */
  bits: number;
  maskable: boolean;
  prerequisite: Prerequisite;
  kind: 'int' | 'mac' | 'ipv4' | 'ipv6' | 'port' | 'ct_state' | 'tcp_flags' | 'tun_flags' | 'frag';
  /** Matching happens on part of a word (ip_dscp and nw_ecn share nw_tos's word). */
  shift?: number;
  /** set_field, load and move may write it (OVS marks dl_type and nw_proto read-only). */
  writable: boolean;
  /** Lives only in the pipeline (in_port, tunnel fields, metadata, registers): writes change the flow words, never the bytes. */
  pipeline: boolean;
  /** The bits of the field a write can change (nw_tos: the DSCP bits; its ECN bits are kept, as OVS does). */
  writeMask?: bigint;
  /** Written only by the actions nested in ct(exec(…)), to the connection (ct_mark, ct_label). */
  connection?: true;
}

const f = (
  name: string,
  aliases: string[],
  word: number,
  words: number,
  bits: number,
  maskable: boolean,
  prerequisite: Prerequisite,
  kind: FieldDef['kind'] = 'int',
  shift?: number,
): FieldDef => ({ name, aliases, word, words, bits, maskable, prerequisite, kind, writable: true, pipeline: false, ...(shift !== undefined && { shift }) });

/** A field OVS refuses to write ("dl_type is read-only"). */
const readOnly = (def: FieldDef): FieldDef => ({ ...def, writable: false });
/** A field of the pipeline, not of the packet's bytes. */
const pipeline = (def: FieldDef): FieldDef => ({ ...def, pipeline: true });

export const FIELDS: FieldDef[] = [
  pipeline(f('in_port', ['NXM_OF_IN_PORT', 'OXM_OF_IN_PORT'], W.IN_PORT, 1, 16, false, 'none', 'port')),
  f('dl_dst', ['eth_dst', 'NXM_OF_ETH_DST', 'OXM_OF_ETH_DST'], W.DL_DST, 2, 48, true, 'none', 'mac'),
  f('dl_src', ['eth_src', 'NXM_OF_ETH_SRC', 'OXM_OF_ETH_SRC'], W.DL_SRC, 2, 48, true, 'none', 'mac'),
  readOnly(f('dl_type', ['eth_type', 'NXM_OF_ETH_TYPE', 'OXM_OF_ETH_TYPE'], W.DL_TYPE, 1, 16, false, 'none')),
  f('vlan_tci', ['NXM_OF_VLAN_TCI'], W.VLAN_TCI, 1, 16, true, 'none'),
  f('nw_src', ['ip_src', 'NXM_OF_IP_SRC', 'OXM_OF_IPV4_SRC'], W.NW_SRC, 1, 32, true, 'ipv4-or-arp', 'ipv4'),
  f('nw_dst', ['ip_dst', 'NXM_OF_IP_DST', 'OXM_OF_IPV4_DST'], W.NW_DST, 1, 32, true, 'ipv4-or-arp', 'ipv4'),
  f('ipv6_src', ['NXM_NX_IPV6_SRC', 'OXM_OF_IPV6_SRC'], W.IPV6_SRC, 4, 128, true, 'ipv6', 'ipv6'),
  f('ipv6_dst', ['NXM_NX_IPV6_DST', 'OXM_OF_IPV6_DST'], W.IPV6_DST, 4, 128, true, 'ipv6', 'ipv6'),
  f('ipv6_label', ['NXM_NX_IPV6_LABEL', 'OXM_OF_IPV6_FLABEL'], W.IPV6_LABEL, 1, 20, true, 'ipv6'),
  readOnly(f('nw_proto', ['ip_proto', 'NXM_OF_IP_PROTO', 'OXM_OF_IP_PROTO'], W.NW_PROTO, 1, 8, false, 'ip-or-arp')),
  { ...f('nw_tos', ['NXM_OF_IP_TOS'], W.NW_TOS, 1, 8, false, 'ip'), writeMask: 0xfcn },
  f('ip_dscp', ['OXM_OF_IP_DSCP'], W.NW_TOS, 1, 6, false, 'ip', 'int', 2),
  f('nw_ecn', ['ip_ecn', 'NXM_NX_IP_ECN', 'OXM_OF_IP_ECN'], W.NW_TOS, 1, 2, false, 'ip', 'int', 0),
  f('nw_ttl', ['NXM_NX_IP_TTL'], W.NW_TTL, 1, 8, false, 'ip'),
  f('tp_src', ['tcp_src', 'udp_src', 'sctp_src', 'NXM_OF_TCP_SRC', 'NXM_OF_UDP_SRC', 'OXM_OF_TCP_SRC', 'OXM_OF_UDP_SRC', 'OXM_OF_SCTP_SRC'], W.TP_SRC, 1, 16, true, 'tcp-udp-sctp'),
  f('tp_dst', ['tcp_dst', 'udp_dst', 'sctp_dst', 'NXM_OF_TCP_DST', 'NXM_OF_UDP_DST', 'OXM_OF_TCP_DST', 'OXM_OF_UDP_DST', 'OXM_OF_SCTP_DST'], W.TP_DST, 1, 16, true, 'tcp-udp-sctp'),
  f('icmp_type', ['NXM_OF_ICMP_TYPE', 'OXM_OF_ICMPV4_TYPE'], W.TP_SRC, 1, 8, false, 'icmp'),
  f('icmp_code', ['NXM_OF_ICMP_CODE', 'OXM_OF_ICMPV4_CODE'], W.TP_DST, 1, 8, false, 'icmp'),
  // ICMPv6's type and code live where ICMPv4's do (tp_src, tp_dst), as in OVS's flow.
  f('icmpv6_type', ['NXM_NX_ICMPV6_TYPE', 'OXM_OF_ICMPV6_TYPE'], W.TP_SRC, 1, 8, false, 'icmp6'),
  f('icmpv6_code', ['NXM_NX_ICMPV6_CODE', 'OXM_OF_ICMPV6_CODE'], W.TP_DST, 1, 8, false, 'icmp6'),
  // IPv6 neighbor discovery (OVS's flow keeps an NS's source and an NA's target link-layer address where ARP's sha and tha are).
  f('nd_target', ['NXM_NX_ND_TARGET', 'OXM_OF_IPV6_ND_TARGET'], W.ND_TARGET, 4, 128, true, 'nd', 'ipv6'),
  f('nd_sll', ['NXM_NX_ND_SLL', 'OXM_OF_IPV6_ND_SLL'], W.ARP_SHA, 2, 48, true, 'nd-ns', 'mac'),
  f('nd_tll', ['NXM_NX_ND_TLL', 'OXM_OF_IPV6_ND_TLL'], W.ARP_THA, 2, 48, true, 'nd-na', 'mac'),
  // Ericsson's extensions (OVS 2.11): the word after the checksum (an NA's R, S and O flags), and the first link-layer address option's type (1 or 2, else 0).
  f('nd_reserved', ['ERICOXM_OF_ICMPV6_ND_RESERVED'], W.ND_RESERVED, 1, 32, false, 'nd'),
  f('nd_options_type', ['ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE'], W.ND_OPTIONS_TYPE, 1, 8, false, 'nd'),
  // The TCP header's flags (its low 12 bits of offset/flags): matched, never written.
  readOnly(f('tcp_flags', ['NXM_NX_TCP_FLAGS', 'OXM_OF_TCP_FLAGS'], W.TCP_FLAGS, 1, 12, true, 'tcp', 'tcp_flags')),
  // NW_FRAG's bits: 1 any fragment, 2 a later one (OVS's FLOW_NW_FRAG_ANY, FLOW_NW_FRAG_LATER).
  readOnly(f('ip_frag', ['nw_frag', 'NXM_NX_IP_FRAG'], W.NW_FRAG, 1, 2, true, 'ip', 'frag')),
  // The outermost label stack entry of an MPLS packet: label (20 bits), traffic class (3), bottom of stack (1), TTL (8).
  f('mpls_label', ['OXM_OF_MPLS_LABEL'], W.MPLS_LSE, 1, 20, false, 'mpls', 'int', 12),
  f('mpls_tc', ['OXM_OF_MPLS_TC'], W.MPLS_LSE, 1, 3, false, 'mpls', 'int', 9),
  readOnly(f('mpls_bos', ['OXM_OF_MPLS_BOS'], W.MPLS_LSE, 1, 1, false, 'mpls', 'int', 8)),
  f('mpls_ttl', ['NXM_NX_MPLS_TTL'], W.MPLS_LSE, 1, 8, false, 'mpls', 'int', 0),
  f('arp_op', ['NXM_OF_ARP_OP', 'OXM_OF_ARP_OP'], W.NW_PROTO, 1, 16, false, 'arp'),
  f('arp_spa', ['NXM_OF_ARP_SPA', 'OXM_OF_ARP_SPA'], W.NW_SRC, 1, 32, true, 'arp', 'ipv4'),
  f('arp_tpa', ['NXM_OF_ARP_TPA', 'OXM_OF_ARP_TPA'], W.NW_DST, 1, 32, true, 'arp', 'ipv4'),
  f('arp_sha', ['NXM_NX_ARP_SHA', 'OXM_OF_ARP_SHA'], W.ARP_SHA, 2, 48, true, 'arp', 'mac'),
  f('arp_tha', ['NXM_NX_ARP_THA', 'OXM_OF_ARP_THA'], W.ARP_THA, 2, 48, true, 'arp', 'mac'),
  pipeline(f('tun_id', ['tunnel_id', 'NXM_NX_TUN_ID', 'OXM_OF_TUNNEL_ID'], W.TUN_ID, 2, 64, true, 'none')),
  pipeline(f('tun_src', ['NXM_NX_TUN_IPV4_SRC'], W.TUN_SRC, 1, 32, true, 'none', 'ipv4')),
  pipeline(f('tun_dst', ['NXM_NX_TUN_IPV4_DST'], W.TUN_DST, 1, 32, true, 'none', 'ipv4')),
  pipeline(f('tun_ipv6_src', ['NXM_NX_TUN_IPV6_SRC'], W.TUN_IPV6_SRC, 4, 128, true, 'none', 'ipv6')),
  pipeline(f('tun_ipv6_dst', ['NXM_NX_TUN_IPV6_DST'], W.TUN_IPV6_DST, 4, 128, true, 'none', 'ipv6')),
  pipeline(f('tun_gbp_id', ['NXM_NX_TUN_GBP_ID'], W.TUN_GBP_ID, 1, 16, true, 'none')),
  pipeline(f('tun_gbp_flags', ['NXM_NX_TUN_GBP_FLAGS'], W.TUN_GBP_FLAGS, 1, 8, true, 'none')),
  // Only OAM is public (OVS's FLOW_TNL_PUB_F_MASK): no tunnel netloom has (VXLAN, GRE, ESP) sets it, so a packet arrives with 0; actions may write it.
  pipeline(f('tun_flags', ['NXM_NX_TUN_FLAGS'], W.TUN_FLAGS, 1, 1, true, 'none', 'tun_flags')),
  pipeline(f('metadata', ['OXM_OF_METADATA'], W.METADATA, 2, 64, true, 'none')),
  ...Array.from({ length: 16 }, (_, i) => pipeline(f(`reg${i}`, [`NXM_NX_REG${i}`], W.REG0 + i, 1, 32, true, 'none'))),
  // OpenFlow 1.5's 64-bit registers and OVS's 128-bit ones are the 32-bit registers read together (xreg0 is reg0:reg1, reg0 high).
  ...Array.from({ length: 8 }, (_, i) => pipeline(f(`xreg${i}`, [`OXM_OF_PKT_REG${i}`], W.REG0 + 2 * i, 2, 64, true, 'none'))),
  ...Array.from({ length: 4 }, (_, i) => pipeline(f(`xxreg${i}`, [`NXM_NX_XXREG${i}`], W.REG0 + 4 * i, 4, 128, true, 'none'))),
  // The packet's mark (Linux's skb->mark in OVS): 0 as a packet arrives, set only by actions.
  pipeline(f('pkt_mark', ['NXM_NX_PKT_MARK'], W.PKT_MARK, 1, 32, true, 'none')),
  // The id of the conjunctive match that led to this lookup (classifier.ts); matched, never written.
  readOnly(pipeline(f('conj_id', ['NXM_NX_CONJ_ID'], W.CONJ_ID, 1, 32, false, 'none'))),
  readOnly(pipeline(f('ct_state', ['NXM_NX_CT_STATE'], W.CT_STATE, 1, 32, true, 'none', 'ct_state'))),
  readOnly(pipeline(f('ct_zone', ['NXM_NX_CT_ZONE'], W.CT_ZONE, 1, 16, false, 'none'))),
  { ...pipeline(f('ct_mark', ['NXM_NX_CT_MARK'], W.CT_MARK, 1, 32, true, 'none')), connection: true },
  { ...pipeline(f('ct_label', ['NXM_NX_CT_LABEL'], W.CT_LABEL, 4, 128, true, 'none')), connection: true },
  readOnly(pipeline(f('ct_nw_proto', ['NXM_NX_CT_NW_PROTO'], W.CT_NW_PROTO, 1, 8, false, 'ct'))),
  readOnly(pipeline(f('ct_nw_src', ['NXM_NX_CT_NW_SRC'], W.CT_NW_SRC, 1, 32, true, 'ct-ipv4', 'ipv4'))),
  readOnly(pipeline(f('ct_nw_dst', ['NXM_NX_CT_NW_DST'], W.CT_NW_DST, 1, 32, true, 'ct-ipv4', 'ipv4'))),
  readOnly(pipeline(f('ct_ipv6_src', ['NXM_NX_CT_IPV6_SRC'], W.CT_IPV6_SRC, 4, 128, true, 'ct-ipv6', 'ipv6'))),
  readOnly(pipeline(f('ct_ipv6_dst', ['NXM_NX_CT_IPV6_DST'], W.CT_IPV6_DST, 4, 128, true, 'ct-ipv6', 'ipv6'))),
  readOnly(pipeline(f('ct_tp_src', ['NXM_NX_CT_TP_SRC'], W.CT_TP_SRC, 1, 16, true, 'ct'))),
  readOnly(pipeline(f('ct_tp_dst', ['NXM_NX_CT_TP_DST'], W.CT_TP_DST, 1, 16, true, 'ct'))),
];

const BY_NAME = new Map<string, FieldDef>();
for (const def of FIELDS) {
  BY_NAME.set(def.name, def);
  for (const alias of def.aliases) BY_NAME.set(alias, def);
}

/** A field by any of its names, NXM_* and OXM_* included, as a subfield (`NXM_NX_REG0[0..7]`) names it. */
export function fieldByName(name: string): FieldDef | undefined {
  return BY_NAME.get(name);
}

/** NXM_*, OXM_* and ERICOXM_* names name a field only in subfield syntax: ovs-ofctl refuses them as a match key or a set_field destination. */
const WIRE_NAME = /^(NXM|OXM|ERICOXM)_/;

/** A field by a name ovs-ofctl reads as a match key (`reg0=5`) or a set_field destination. */
export function fieldByKeyword(name: string): FieldDef | undefined {
  return WIRE_NAME.test(name) ? undefined : BY_NAME.get(name);
}

/**
 * The IP protocol a write or read of the field under this name needs, where the name says more
 * than the field: netloom keeps one tp_src for TCP, UDP and SCTP, but OVS's tcp_src, udp_src and
 * sctp_src are three fields (and tp_src is tcp_src), so `udp,actions=set_field:22->tp_dst` is
 * inconsistent. In a match OVS reads any of them as the flow's own protocol.
 */
export function l4ProtocolOfName(name: string): number | undefined {
  if (/^(tp_|tcp_|NXM_OF_TCP_|OXM_OF_TCP_)/.test(name)) return 6;
  if (/^(udp_|NXM_OF_UDP_|OXM_OF_UDP_)/.test(name)) return 17;
  if (/^(sctp_|OXM_OF_SCTP_)/.test(name)) return 132;
  return undefined;
}

/** A whole field's value in flow words (or a match's masks), as a bigint. */
export function readField(words: Uint32Array, field: FieldDef): bigint {
  let v = 0n;
  for (let k = 0; k < field.words; k++) v = (v << 32n) | BigInt(words[field.word + k]!);
  return (v >> BigInt(field.shift ?? 0)) & ((1n << BigInt(field.bits)) - 1n);
}

/**
 * Bits `start .. start+bits-1` (bits <= 32) of a field in flow words, as an unsigned number: the
 * per-packet way to read a subfield, without BigInt. A field's bits are right-aligned in its words.
 */
export function readBits(words: Uint32Array, field: FieldDef, start: number, bits: number): number {
  const p = start + (field.shift ?? 0);
  const at = field.word + field.words - 1 - (p >>> 5);
  const o = p & 31;
  let v = words[at]! >>> o;
  if (o + bits > 32 && at > field.word) v = (v | (words[at - 1]! << (32 - o))) >>> 0;
  return bits >= 32 ? v >>> 0 : (v & (2 ** bits - 1)) >>> 0;
}

/** Writes `value` into bits `start .. start+bits-1` (bits <= 32) of a field in flow words. */
export function writeBits(words: Uint32Array, field: FieldDef, start: number, bits: number, value: number): void {
  const p = start + (field.shift ?? 0);
  const at = field.word + field.words - 1 - (p >>> 5);
  const o = p & 31;
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  words[at] = ((words[at]! & ~(mask << o)) | ((value & mask) << o)) >>> 0;
  if (o + bits > 32 && at > field.word) {
    const high = mask >>> (32 - o);
    words[at - 1] = ((words[at - 1]! & ~high) | ((value >>> (32 - o)) & high)) >>> 0;
  }
}

/** Field names for messages, in the order ovs-fields(7) lists them. */
export const FIELD_NAMES: readonly string[] = FIELDS.map((d) => d.name);
