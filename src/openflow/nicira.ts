/**
 * Nicira extension actions (NX, experimenter 0x00002320) as Open vSwitch 3.1 writes and reads
 * them in OpenFlow 1.3 (lib/ofp-actions.c, lib/learn.c). The switch's load, move, resubmit,
 * output to a field, learn, controller with a reason, set_field with a mask and pop_queue have
 * no standard OpenFlow 1.3 action, so OVS carries them as NXAST_REG_LOAD, REG_MOVE,
 * RESUBMIT_TABLE, OUTPUT_REG, LEARN, CONTROLLER and POP_QUEUE, naming each field by its NXM header (by
 * its OXM header where it has no NXM one: metadata, ip_dscp, sctp ports). Encoding writes the
 * bytes OVS writes; decoding also takes RESUBMIT, REG_LOAD2, OUTPUT_REG2, CONTROLLER2 and
 * LEARN2, checks what OVS checks in the order OVS checks it, and refuses with the error OVS
 * sends. What netloom's switch cannot hold (learn flags and fin timeouts, controller ids,
 * userdata) is refused rather than dropped, so a flow never reads back other than it went in.
 *
 * Owns the NXM/OXM headers of the switch's fields; knows nothing of instructions or
 * connections (flows.ts calls in one action at a time) and holds no state.
 */
import { fieldByName, W, type FieldDef, type Prerequisite } from '../switch/fields.js';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS, Match, PACKET_IN_REASONS, type Action, type LearnSource, type LearnSpec, type SubField } from '../switch/flow.js';
import { prerequisiteMet, setWords } from '../switch/ofctl.js';
import { ipv4ToText, ipv6ToText, macToText } from '../wire/addresses.js';
import { readActions, writeActions, type OfAction } from './actions.js';
import { layout, Reader, Writer } from './bytes.js';
import { OFPBAC, OFPBMC, OFPET, OpenFlowError, type OfpErrorCode, type OpenFlowErrorCode } from './errors.js';
import { oxmField } from './oxm.js';

export const NX_VENDOR_ID = 0x00002320;

/** The NXAST_* subtypes netloom reads; it writes POP_QUEUE, REG_MOVE, REG_LOAD, MULTIPATH, BUNDLE, BUNDLE_LOAD, RESUBMIT_TABLE, OUTPUT_REG, LEARN, CONTROLLER, CONJUNCTION, NOTE, EXIT, OUTPUT_TRUNC, SAMPLE (2, 3), CHECK_PKT_LARGER and FIN_TIMEOUT, as OVS does. */
const NXAST = {
  RESUBMIT: 1, POP_QUEUE: 5, REG_MOVE: 6, REG_LOAD: 7, MULTIPATH: 10, BUNDLE: 12, BUNDLE_LOAD: 13, RESUBMIT_TABLE: 14, OUTPUT_REG: 15, LEARN: 16, CONTROLLER: 20, CONJUNCTION: 34, NOTE: 8, EXIT: 17, OUTPUT_TRUNC: 39,
  OUTPUT_REG2: 32, REG_LOAD2: 33, CONTROLLER2: 37, CT_CLEAR: 43, RESUBMIT_TABLE_CT: 44, LEARN2: 45,
  SAMPLE: 29, SAMPLE2: 38, SAMPLE3: 41, CHECK_PKT_LARGER: 49, FIN_TIMEOUT: 19,
} as const;

/** Nicira's errors in OpenFlow 1.2+: OFPET_EXPERIMENTER with the NX vendor id (ofp-errors.h: NX1.2+(4) and NX1.2+(11)). */
const NXBRC_MUST_BE_ZERO: OfpErrorCode = { type: OFPET.EXPERIMENTER, code: 4, experimenter: NX_VENDOR_ID };
const NXBAC_MUST_BE_ZERO: OfpErrorCode = { type: OFPET.EXPERIMENTER, code: 11, experimenter: NX_VENDOR_ID };
/** NX1.2+(15): a conjunction with bad clauses, or beside other actions. */
export const NXBAC_BAD_CONJUNCTION: OfpErrorCode = { type: OFPET.EXPERIMENTER, code: 15, experimenter: NX_VENDOR_ID };
/** Property errors as OpenFlow 1.3 numbers them (OFPBPC_BAD_TYPE and BAD_LEN are OFPET_TABLE_FEATURES_FAILED 2 and 3 there). */
const OFPBPC_BAD_TYPE: OfpErrorCode = { type: OFPET.TABLE_FEATURES_FAILED, code: 2 };
const OFPBPC_BAD_LEN: OfpErrorCode = { type: OFPET.TABLE_FEATURES_FAILED, code: 3 };

/** OVS's packet-in reasons (enum ofp_packet_in_reason), by number; any other number is printed as itself. */
const REASONS: readonly string[] = PACKET_IN_REASONS;
const OFPR_ACTION = 1;
/** OpenFlow 1.0 port numbers from IN_PORT (0xfff8) up, as ovs-ofctl names them. */
const NAMED_PORTS = ['IN_PORT', 'TABLE', 'NORMAL', 'FLOOD', 'ALL', 'CONTROLLER', 'LOCAL', 'ANY'];
const OFPP_IN_PORT = 0xfff8;
const OFPP_CONTROLLER = 0xfffd;
const OFPP_LOCAL = 0xfffe;
const OFPP_NONE = 0xffff;
/** The first reserved port number (OpenFlow 1.0's OFPP_MAX). */
const OFPP_MAX = 0xff00;
/** resubmit's table byte for "this table". */
const TABLE_CURRENT = 0xff;
/** max_len OVS writes when a controller or output_reg action names none: the whole packet. */
const NO_BUFFER = 0xffff;

// ---------------------------------------------------------------------------------------------
// Fields: the header OVS writes for each switch field, and the ones it reads.

type Format = 'decimal' | 'hexadecimal' | 'ethernet' | 'ipv4' | 'ipv6' | 'port';

/** A field as OVS's meta-flow knows it in NX actions. */
export interface NxmField {
  /** meta-flow's name, which learn prints a whole-field value with (eth_type=0x800). */
  name: string;
  /** The NXM name (OXM where there is none) ovs-ofctl prints subfields with: NXM_OF_ETH_SRC[0..23]. */
  nxm: string;
  /** The 32-bit header OVS writes (mf_nxm_header: NXM preferred), and the OXM twin it also reads. */
  header: number;
  oxm: number | undefined;
  /** The switch field it is (tcp_src, udp_src and sctp_src are all tp_src). */
  field: FieldDef;
  /** OVS's prerequisite (stricter than the switch field's: ip_src needs IPv4, not ARP) and the IP protocol it names. */
  prerequisite: Prerequisite;
  proto: number | undefined;
  format: Format;
}

const CLASS: Record<string, number> = { NXM_OF: 0x0000, NXM_NX: 0x0001, OXM_OF: 0x8000, ERICOX: 0x1000 };
/** OpenFlow 1.5's class of the 64-bit packet registers (xreg0-7). */
const OFPXMC_PACKET_REGS = 0x8001;

/** One field, from its NXM (or OXM) name and number (meta-flow.h), value width in bytes and, if any, its OXM twin's name in oxm.ts. */
function nxm(nxmName: string, number: number, bytes: number, name: string, switchName: string, prerequisite: Prerequisite, format: Format, twin?: string, proto?: number): NxmField {
  const field = fieldByName(switchName);
  const oxm = twin === undefined ? undefined : oxmField(twin);
  if (field === undefined || (twin !== undefined && oxm === undefined)) throw new Error(`nicira: no switch field ${switchName} or OXM field ${twin}`);
  return {
    name, nxm: nxmName, header: (((nxmName.startsWith('OXM_OF_PKT_REG') ? OFPXMC_PACKET_REGS : CLASS[nxmName.slice(0, 6)]!) << 16) | (number << 9) | bytes) >>> 0,
    oxm: oxm === undefined ? undefined : ((oxm.oxmClass << 16) | (oxm.field << 9) | oxm.bytes) >>> 0, field, prerequisite, proto, format,
  };
}

/** Every switch field an NX action can name, in meta-flow's order (the first of a kind is what a match that proves none of them gets). */
const NXM_FIELDS: readonly NxmField[] = [
  nxm('NXM_OF_IN_PORT', 0, 2, 'in_port', 'in_port', 'none', 'port'),
  nxm('NXM_OF_ETH_DST', 1, 6, 'eth_dst', 'dl_dst', 'none', 'ethernet', 'eth_dst'),
  nxm('NXM_OF_ETH_SRC', 2, 6, 'eth_src', 'dl_src', 'none', 'ethernet', 'eth_src'),
  nxm('NXM_OF_ETH_TYPE', 3, 2, 'eth_type', 'dl_type', 'none', 'hexadecimal', 'eth_type'),
  nxm('NXM_OF_VLAN_TCI', 4, 2, 'vlan_tci', 'vlan_tci', 'none', 'hexadecimal'),
  nxm('NXM_OF_IP_TOS', 5, 1, 'nw_tos', 'nw_tos', 'ip', 'decimal'),
  nxm('NXM_OF_IP_PROTO', 6, 1, 'nw_proto', 'nw_proto', 'ip', 'decimal', 'ip_proto'),
  nxm('NXM_OF_IP_SRC', 7, 4, 'ip_src', 'nw_src', 'ipv4', 'ipv4', 'ipv4_src'),
  nxm('NXM_OF_IP_DST', 8, 4, 'ip_dst', 'nw_dst', 'ipv4', 'ipv4', 'ipv4_dst'),
  nxm('NXM_OF_TCP_SRC', 9, 2, 'tcp_src', 'tp_src', 'tcp-udp-sctp', 'decimal', 'tcp_src', 6),
  nxm('NXM_OF_TCP_DST', 10, 2, 'tcp_dst', 'tp_dst', 'tcp-udp-sctp', 'decimal', 'tcp_dst', 6),
  nxm('NXM_OF_UDP_SRC', 11, 2, 'udp_src', 'tp_src', 'tcp-udp-sctp', 'decimal', 'udp_src', 17),
  nxm('NXM_OF_UDP_DST', 12, 2, 'udp_dst', 'tp_dst', 'tcp-udp-sctp', 'decimal', 'udp_dst', 17),
  nxm('OXM_OF_SCTP_SRC', 17, 2, 'sctp_src', 'tp_src', 'tcp-udp-sctp', 'decimal', undefined, 132),
  nxm('OXM_OF_SCTP_DST', 18, 2, 'sctp_dst', 'tp_dst', 'tcp-udp-sctp', 'decimal', undefined, 132),
  nxm('NXM_OF_ICMP_TYPE', 13, 1, 'icmp_type', 'icmp_type', 'icmp', 'decimal', 'icmpv4_type'),
  nxm('NXM_OF_ICMP_CODE', 14, 1, 'icmp_code', 'icmp_code', 'icmp', 'decimal', 'icmpv4_code'),
  nxm('NXM_OF_ARP_OP', 15, 2, 'arp_op', 'arp_op', 'arp', 'decimal', 'arp_op'),
  nxm('NXM_OF_ARP_SPA', 16, 4, 'arp_spa', 'arp_spa', 'arp', 'ipv4', 'arp_spa'),
  nxm('NXM_OF_ARP_TPA', 17, 4, 'arp_tpa', 'arp_tpa', 'arp', 'ipv4', 'arp_tpa'),
  ...Array.from({ length: 16 }, (_, i) => nxm(`NXM_NX_REG${i}`, i, 4, `reg${i}`, `reg${i}`, 'none', 'hexadecimal')),
  nxm('NXM_NX_TUN_ID', 16, 8, 'tun_id', 'tun_id', 'none', 'hexadecimal', 'tunnel_id'),
  nxm('NXM_NX_ARP_SHA', 17, 6, 'arp_sha', 'arp_sha', 'arp', 'ethernet', 'arp_sha'),
  nxm('NXM_NX_ARP_THA', 18, 6, 'arp_tha', 'arp_tha', 'arp', 'ethernet', 'arp_tha'),
  nxm('NXM_NX_IPV6_SRC', 19, 16, 'ipv6_src', 'ipv6_src', 'ipv6', 'ipv6', 'ipv6_src'),
  nxm('NXM_NX_IPV6_DST', 20, 16, 'ipv6_dst', 'ipv6_dst', 'ipv6', 'ipv6', 'ipv6_dst'),
  nxm('NXM_NX_IPV6_LABEL', 27, 4, 'ipv6_label', 'ipv6_label', 'ipv6', 'hexadecimal', 'ipv6_flabel'),
  nxm('NXM_NX_IP_ECN', 28, 1, 'nw_ecn', 'nw_ecn', 'ip', 'decimal', 'ip_ecn'),
  nxm('NXM_NX_IP_TTL', 29, 1, 'nw_ttl', 'nw_ttl', 'ip', 'decimal'),
  nxm('NXM_NX_TUN_IPV4_SRC', 31, 4, 'tun_src', 'tun_src', 'none', 'ipv4'),
  nxm('NXM_NX_TUN_IPV4_DST', 32, 4, 'tun_dst', 'tun_dst', 'none', 'ipv4'),
  nxm('NXM_NX_TUN_IPV6_SRC', 109, 16, 'tun_ipv6_src', 'tun_ipv6_src', 'none', 'ipv6'),
  nxm('NXM_NX_TUN_IPV6_DST', 110, 16, 'tun_ipv6_dst', 'tun_ipv6_dst', 'none', 'ipv6'),
  nxm('NXM_NX_TUN_FLAGS', 104, 2, 'tun_flags', 'tun_flags', 'none', 'hexadecimal'),
  nxm('NXM_NX_TUN_GBP_ID', 38, 2, 'tun_gbp_id', 'tun_gbp_id', 'none', 'decimal'),
  nxm('NXM_NX_TUN_GBP_FLAGS', 39, 1, 'tun_gbp_flags', 'tun_gbp_flags', 'none', 'hexadecimal'),
  nxm('OXM_OF_METADATA', 2, 8, 'metadata', 'metadata', 'none', 'hexadecimal'),
  nxm('OXM_OF_IP_DSCP', 8, 1, 'ip_dscp', 'ip_dscp', 'ip', 'decimal'),
  nxm('NXM_NX_CONJ_ID', 37, 4, 'conj_id', 'conj_id', 'none', 'decimal'),
  nxm('NXM_NX_CT_STATE', 105, 4, 'ct_state', 'ct_state', 'none', 'hexadecimal'),
  nxm('NXM_NX_CT_ZONE', 106, 2, 'ct_zone', 'ct_zone', 'none', 'hexadecimal'),
  nxm('NXM_NX_CT_MARK', 107, 4, 'ct_mark', 'ct_mark', 'none', 'hexadecimal'),
  nxm('NXM_NX_CT_LABEL', 108, 16, 'ct_label', 'ct_label', 'none', 'hexadecimal'),
  nxm('NXM_NX_CT_NW_PROTO', 119, 1, 'ct_nw_proto', 'ct_nw_proto', 'ct', 'decimal'),
  nxm('NXM_NX_CT_NW_SRC', 120, 4, 'ct_nw_src', 'ct_nw_src', 'ct-ipv4', 'ipv4'),
  nxm('NXM_NX_CT_NW_DST', 121, 4, 'ct_nw_dst', 'ct_nw_dst', 'ct-ipv4', 'ipv4'),
  nxm('NXM_NX_CT_IPV6_SRC', 122, 16, 'ct_ipv6_src', 'ct_ipv6_src', 'ct-ipv6', 'ipv6'),
  nxm('NXM_NX_CT_IPV6_DST', 123, 16, 'ct_ipv6_dst', 'ct_ipv6_dst', 'ct-ipv6', 'ipv6'),
  nxm('NXM_NX_CT_TP_SRC', 124, 2, 'ct_tp_src', 'ct_tp_src', 'ct', 'decimal'),
  nxm('NXM_NX_CT_TP_DST', 125, 2, 'ct_tp_dst', 'ct_tp_dst', 'ct', 'decimal'),
  nxm('NXM_NX_ND_TARGET', 23, 16, 'nd_target', 'nd_target', 'nd', 'ipv6', 'ipv6_nd_target'),
  nxm('NXM_NX_ND_SLL', 24, 6, 'nd_sll', 'nd_sll', 'nd-ns', 'ethernet', 'ipv6_nd_sll'),
  nxm('NXM_NX_ND_TLL', 25, 6, 'nd_tll', 'nd_tll', 'nd-na', 'ethernet', 'ipv6_nd_tll'),
  nxm('ERICOXM_OF_ICMPV6_ND_RESERVED', 1, 4, 'nd_reserved', 'nd_reserved', 'nd', 'decimal'),
  nxm('OXM_OF_MPLS_LABEL', 34, 4, 'mpls_label', 'mpls_label', 'mpls', 'decimal', 'mpls_label'),
  nxm('OXM_OF_MPLS_TC', 35, 1, 'mpls_tc', 'mpls_tc', 'mpls', 'decimal', 'mpls_tc'),
  nxm('OXM_OF_MPLS_BOS', 36, 1, 'mpls_bos', 'mpls_bos', 'mpls', 'decimal', 'mpls_bos'),
  nxm('NXM_NX_MPLS_TTL', 30, 1, 'mpls_ttl', 'mpls_ttl', 'mpls', 'decimal'),
  nxm('ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE', 2, 1, 'nd_options_type', 'nd_options_type', 'nd', 'decimal'),
  nxm('NXM_NX_ICMPV6_TYPE', 21, 1, 'icmpv6_type', 'icmpv6_type', 'icmp6', 'decimal', 'icmpv6_type'),
  nxm('NXM_NX_ICMPV6_CODE', 22, 1, 'icmpv6_code', 'icmpv6_code', 'icmp6', 'decimal', 'icmpv6_code'),
  nxm('NXM_NX_IP_FRAG', 26, 1, 'ip_frag', 'ip_frag', 'ip', 'hexadecimal'),
  nxm('NXM_NX_PKT_MARK', 33, 4, 'pkt_mark', 'pkt_mark', 'none', 'hexadecimal'),
  nxm('NXM_NX_TCP_FLAGS', 34, 2, 'tcp_flags', 'tcp_flags', 'tcp', 'hexadecimal'),
  ...Array.from({ length: 8 }, (_, i) => nxm(`OXM_OF_PKT_REG${i}`, i, 8, `xreg${i}`, `xreg${i}`, 'none', 'hexadecimal', `xreg${i}`)),
  ...Array.from({ length: 4 }, (_, i) => nxm(`NXM_NX_XXREG${i}`, 111 + i, 16, `xxreg${i}`, `xxreg${i}`, 'none', 'hexadecimal')),
];

/** By class and field number (the header without its mask bit and length). */
const BY_HEADER = new Map<number, NxmField>();
for (const f of NXM_FIELDS) {
  BY_HEADER.set(f.header >>> 9, f);
  if (f.oxm !== undefined) BY_HEADER.set(f.oxm >>> 9, f);
}

/** Whether the match proves OVS's prerequisite of `f`; a group bucket has no match and proves nothing, and OVS checks nothing there. */
function proven(f: NxmField, match: Match | undefined): boolean {
  if (match === undefined) return true;
  if (!prerequisiteMet(match, f.prerequisite)) return false;
  return f.proto === undefined || ((match.masks[W.NW_PROTO]! & 0xff) === 0xff && match.values[W.NW_PROTO] === f.proto);
}

function sameStorage(a: FieldDef, b: FieldDef): boolean {
  return a.word === b.word && a.words === b.words && a.bits === b.bits && (a.shift ?? 0) === (b.shift ?? 0);
}

/**
 * The field OVS would name for a switch field, given what `match` proves: tp_src in a udp flow is
 * NXM_OF_UDP_SRC, nw_src in an arp flow is NXM_OF_ARP_SPA (the switch keeps both in one place).
 */
export function nxmFor(field: FieldDef, match: Match): NxmField {
  const kin = NXM_FIELDS.filter((f) => sameStorage(f.field, field));
  const f = kin.find((k) => proven(k, match)) ?? kin.find((k) => k.field === field);
  if (f === undefined) throw new Error(`nicira: switch field ${field.name} has no NXM header`);
  return f;
}

/** What a 32-bit NXM/OXM header names: a field, none OVS and netloom share ('unknown'), or a known field at a wrong length. */
export function fieldOfHeader(header: number): NxmField | 'unknown' | 'length' {
  let h = header >>> 0;
  // A masked header names the same field with twice the length (nxm_make_exact_header).
  if ((h & 0x100) !== 0) h = ((h & 0xfffffe00) | ((h & 0xff) >>> 1)) >>> 0;
  const f = BY_HEADER.get(h >>> 9);
  if (f === undefined) return 'unknown';
  return (h & 0xff) === (f.header & 0xff) ? f : 'length';
}

// ---------------------------------------------------------------------------------------------
// Layouts: each NX action after its 8-byte experimenter header (type, len, vendor), from the subtype on.

const EXPERIMENTER_HEADER = 8;
const SUBTYPE = layout('nx_action_header', [['subtype', 'u16']]);
const RESUBMIT = layout('nx_action_resubmit', [['subtype', 'u16'], ['inPort', 'u16'], ['table', 'u8'], ['', { pad: 3 }]]);
const REG_MOVE = layout('nx_action_reg_move', [['subtype', 'u16'], ['nBits', 'u16'], ['srcOfs', 'u16'], ['dstOfs', 'u16']]);
const REG_LOAD = layout('nx_action_reg_load', [['subtype', 'u16'], ['ofsNbits', 'u16'], ['dst', 'u32'], ['value', 'u64']]);
const OUTPUT_REG = layout('nx_action_output_reg', [['subtype', 'u16'], ['ofsNbits', 'u16'], ['src', 'u32'], ['maxLen', 'u16'], ['', { pad: 6 }]]);
const OUTPUT_REG2 = layout('nx_action_output_reg2', [['subtype', 'u16'], ['ofsNbits', 'u16'], ['maxLen', 'u16']]);
const CONTROLLER = layout('nx_action_controller', [['subtype', 'u16'], ['maxLen', 'u16'], ['controllerId', 'u16'], ['reason', 'u8'], ['', { pad: 1 }]]);
const LEARN = layout('nx_action_learn', [
  ['subtype', 'u16'], ['idleTimeout', 'u16'], ['hardTimeout', 'u16'], ['priority', 'u16'], ['cookie', 'u64'], ['flags', 'u16'],
  ['table', 'u8'], ['pad', 'u8'], ['finIdleTimeout', 'u16'], ['finHardTimeout', 'u16'],
]);
const MULTIPATH = layout('nx_action_multipath', [
  ['subtype', 'u16'], ['fields', 'u16'], ['basis', 'u16'], ['pad0', 'u16'], ['algorithm', 'u16'], ['maxLink', 'u16'], ['arg', 'u32'], ['pad1', 'u16'],
  ['ofsNbits', 'u16'], ['dst', 'u32'],
]);
const BUNDLE = layout('nx_action_bundle', [
  ['subtype', 'u16'], ['algorithm', 'u16'], ['fields', 'u16'], ['basis', 'u16'], ['memberType', 'u32'], ['members', 'u16'], ['ofsNbits', 'u16'], ['dst', 'u32'],
  ['zero', 'u32'],
]);
const OUTPUT_TRUNC = layout('nx_action_output_trunc', [['subtype', 'u16'], ['port', 'u16'], ['maxLen', 'u32']]);
const CONJUNCTION = layout('nx_action_conjunction', [['subtype', 'u16'], ['clause', 'u8'], ['clauses', 'u8'], ['id', 'u32']]);
/** The destination's NXM header follows `offset`, then zeros to 24 bytes. */
const CHECK_PKT_LARGER = layout('nx_action_check_pkt_larger', [['subtype', 'u16'], ['pktLen', 'u16'], ['offset', 'u16']]);
const SAMPLE = layout('nx_action_sample', [['subtype', 'u16'], ['probability', 'u16'], ['collectorSetId', 'u32'], ['obsDomainId', 'u32'], ['obsPointId', 'u32']]);
/** SAMPLE2 and SAMPLE3 (direction is SAMPLE3's; SAMPLE2 leaves it 0), then 5 zero bytes. */
const SAMPLE2 = layout('nx_action_sample2', [['subtype', 'u16'], ['probability', 'u16'], ['collectorSetId', 'u32'], ['obsDomainId', 'u32'], ['obsPointId', 'u32'], ['samplingPort', 'u16'], ['direction', 'u8']]);
const FIN_TIMEOUT = layout('nx_action_fin_timeout', [['subtype', 'u16'], ['idleTimeout', 'u16'], ['hardTimeout', 'u16'], ['', { pad: 2 }]]);
/** enum nx_action_sample_direction, in its wire order. */
const SAMPLE_DIRECTIONS = ['default', 'ingress', 'egress'] as const;
/** bundle's member_type: ports, named by NXM_OF_IN_PORT's header. */
const MEMBER_TYPE_OFPORT = 0x00000002;
/** The most members a bundle may have (BUNDLE_MAX_MEMBERS). */
const BUNDLE_MAX_MEMBERS = 2048;
const LEARN2 = layout('nx_action_learn2', [['limit', 'u32'], ['resultDstOfs', 'u16'], ['pad2', 'u16']]);
/** ext_action_header's pad: CONTROLLER2's properties follow it; REG_LOAD2's OXM starts in it. */
const EXT_PAD = 6;

/** NX_LEARN_* bits of a learn spec's 16-bit header. */
const LEARN_SRC_IMMEDIATE = 1 << 13;
const LEARN_DST_MASK = 3 << 11;
const LEARN_DST = { MATCH: 0, LOAD: 1 << 11, OUTPUT: 2 << 11 } as const;
const LEARN_N_BITS_MASK = 0x3ff;
const NX_LEARN_F = { SEND_FLOW_REM: 1, DELETE_LEARNED: 2, WRITE_RESULT: 4 } as const;
/** NXAC2PT_*: CONTROLLER2's properties. */
const NXAC2PT = { MAX_LEN: 0, CONTROLLER_ID: 1, REASON: 2, USERDATA: 3, PAUSE: 4, METER_ID: 5 } as const;

/** (ofs << 6) | (n_bits - 1): where REG_LOAD and OUTPUT_REG keep a subfield's place. */
const ofsNbits = (start: number, bits: number) => (start << 6) | (bits - 1);

// ---------------------------------------------------------------------------------------------
// Encoding: the switch's actions as OVS writes them for OpenFlow 1.3.

/** The switch actions that are Nicira actions in OpenFlow 1.3 (a controller action only with a reason other than action). */
export type NiciraAction = Extract<Action, { type: 'load' | 'move' | 'resubmit' | 'output_reg' | 'learn' | 'controller' | 'set_field' | 'pop_queue' | 'ct_clear' | 'multipath' | 'bundle' | 'conjunction' | 'note' | 'exit' | 'output_trunc' | 'check_pkt_larger' | 'sample' | 'fin_timeout' }>;

/** The action written so far, padded so that with its experimenter header it is a multiple of 8 bytes. */
export function nx(w: Writer): OfAction {
  w.zeros((8 - ((EXPERIMENTER_HEADER + w.offset) % 8)) % 8);
  return { type: 'experimenter', experimenter: NX_VENDOR_ID, body: w.finish() };
}

/**
 * A value written into `mask`'s bits of a field as NXAST_REG_LOADs, one per run of 1-bits of at
 * most 64 (OVS's next_load_segment): a load is one run, a masked set_field may be several.
 */
function regLoads(f: NxmField, value: bigint, mask: bigint, path: string): OfAction[] {
  const out: OfAction[] = [];
  const bits = f.field.bits;
  for (let ofs = 0; ofs < bits; ) {
    if (((mask >> BigInt(ofs)) & 1n) === 0n) {
      ofs++;
      continue;
    }
    let n = 1;
    while (n < 64 && ofs + n < bits && ((mask >> BigInt(ofs + n)) & 1n) === 1n) n++;
    const w = new Writer(path, 24);
    REG_LOAD.write(w, { subtype: NXAST.REG_LOAD, ofsNbits: ofsNbits(ofs, n), dst: f.header, value: (value >> BigInt(ofs)) & ((1n << BigInt(n)) - 1n) }, path);
    out.push(nx(w));
    ofs += n;
  }
  return out;
}

/** learn's immediate value: 2 * ceil(n_bits / 16) bytes, right-aligned. */
function writeImmediate(w: Writer, value: bigint, bits: number, path: string): void {
  const bytes = 2 * Math.ceil(bits / 16);
  for (let i = bytes - 1; i >= 0; i--) w.u8(Number((value >> BigInt(8 * i)) & 0xffn), path);
}

/** The learned flow's match as far as learn's immediate match specs fill it: what OVS checks later specs' prerequisites against. */
function addLearnedMatch(learned: Match, dst: SubField, value: bigint): void {
  const full = (1n << BigInt(dst.bits)) - 1n;
  // setWords writes whole fields: shift the subfield's value and mask to its place.
  setWords(learned, dst.field, (value & full) << BigInt(dst.start), full << BigInt(dst.start));
}

function encodeLearn(spec: LearnSpec, match: Match, path: string): OfAction {
  const w = new Writer(path, 64);
  LEARN.write(w, {
    subtype: NXAST.LEARN, idleTimeout: spec.idleTimeout, hardTimeout: spec.hardTimeout, priority: spec.priority, cookie: spec.cookie,
    flags: 0, table: spec.table, pad: 0, finIdleTimeout: 0, finHardTimeout: 0,
  }, path);
  const learned = new Match();
  const source = (src: LearnSource, bits: number) => {
    if ('value' in src) writeImmediate(w, src.value, bits, path);
    else {
      w.u32(nxmFor(src.sub.field, match).header, path);
      w.u16(src.sub.start, path);
    }
  };
  const destination = (dst: SubField) => {
    w.u32(nxmFor(dst.field, learned).header, path);
    w.u16(dst.start, path);
  };
  const srcType = (src: LearnSource) => ('value' in src ? LEARN_SRC_IMMEDIATE : 0);
  for (const m of spec.matches) {
    w.u16(m.dst.bits | LEARN_DST.MATCH | srcType(m.src), path);
    source(m.src, m.dst.bits);
    destination(m.dst);
    if ('value' in m.src) addLearnedMatch(learned, m.dst, m.src.value);
  }
  for (const a of spec.actions) {
    if (a.kind === 'load') {
      w.u16(a.dst.bits | LEARN_DST.LOAD | srcType(a.src), path);
      source(a.src, a.dst.bits);
      destination(a.dst);
    } else {
      w.u16(a.src.bits | LEARN_DST.OUTPUT, path);
      source({ sub: a.src }, a.src.bits);
    }
  }
  return nx(w);
}

/** A packet-in reason's number: OVS's names, or a number as OVS prints one it has no name for. */
function reasonCode(reason: string, path: string): number {
  const known = REASONS.indexOf(reason);
  if (known >= 0) return known;
  if (/^\d{1,3}$/.test(reason) && Number(reason) <= 0xff) return Number(reason);
  throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', `controller reason "${reason}" is not one of ${REASONS.join(', ')}`, 'actions', 0, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_ARGUMENT }, path);
}

/**
 * The switch's action as the Nicira actions Open vSwitch 3.1 writes for it in OpenFlow 1.3;
 * `match` (the flow's) chooses between fields the switch keeps in one place (tcp_src or
 * udp_src). A controller action is NXAST_CONTROLLER here: the caller keeps reason=action as
 * OFPAT_OUTPUT, as OVS does.
 */
export function niciraFor(a: NiciraAction, match: Match, path: string): OfAction[] {
  const w = new Writer(path, 32);
  switch (a.type) {
    case 'load':
      return regLoads(nxmFor(a.dst.field, match), a.value << BigInt(a.dst.start), ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start), path);
    case 'set_field':
      return regLoads(nxmFor(a.field, match), a.value, a.mask, path);
    case 'move':
      REG_MOVE.write(w, { subtype: NXAST.REG_MOVE, nBits: a.dst.bits, srcOfs: a.src.start, dstOfs: a.dst.start }, path);
      w.u32(nxmFor(a.src.field, match).header, path);
      w.u32(nxmFor(a.dst.field, match).header, path);
      return [nx(w)];
    case 'resubmit':
      // OVS writes RESUBMIT_TABLE even for resubmit:port (table 0xff: this table).
      RESUBMIT.write(w, { subtype: a.ct ? NXAST.RESUBMIT_TABLE_CT : NXAST.RESUBMIT_TABLE, inPort: a.port ?? OFPP_IN_PORT, table: a.table ?? TABLE_CURRENT }, path);
      return [nx(w)];
    case 'ct_clear':
      SUBTYPE.write(w, { subtype: NXAST.CT_CLEAR }, path);
      return [nx(w)];
    case 'output_reg':
      OUTPUT_REG.write(w, { subtype: NXAST.OUTPUT_REG, ofsNbits: ofsNbits(a.src.start, a.src.bits), src: nxmFor(a.src.field, match).header, maxLen: NO_BUFFER }, path);
      return [nx(w)];
    case 'controller':
      CONTROLLER.write(w, { subtype: NXAST.CONTROLLER, maxLen: a.maxLen, controllerId: 0, reason: reasonCode(a.reason, path) }, path);
      return [nx(w)];
    case 'learn':
      return [encodeLearn(a.learn, match, path)];
    case 'pop_queue':
      SUBTYPE.write(w, { subtype: NXAST.POP_QUEUE }, path);
      return [nx(w)];
    case 'multipath':
      MULTIPATH.write(w, {
        subtype: NXAST.MULTIPATH, fields: HASH_FIELDS.indexOf(a.fields), basis: a.basis, pad0: 0, algorithm: MULTIPATH_ALGORITHMS.indexOf(a.algorithm),
        maxLink: a.links - 1, arg: a.arg, pad1: 0, ofsNbits: ofsNbits(a.dst.start, a.dst.bits), dst: nxmFor(a.dst.field, match).header,
      }, path);
      return [nx(w)];
    case 'bundle':
      BUNDLE.write(w, {
        subtype: a.dst === undefined ? NXAST.BUNDLE : NXAST.BUNDLE_LOAD, algorithm: BUNDLE_ALGORITHMS.indexOf(a.algorithm), fields: HASH_FIELDS.indexOf(a.fields),
        basis: a.basis, memberType: MEMBER_TYPE_OFPORT, members: a.members.length, ofsNbits: a.dst === undefined ? 0 : ofsNbits(a.dst.start, a.dst.bits),
        dst: a.dst === undefined ? 0 : nxmFor(a.dst.field, match).header, zero: 0,
      }, path);
      for (const m of a.members) w.u16(m, path);
      return [nx(w)];
    case 'note':
      SUBTYPE.write(w, { subtype: NXAST.NOTE }, path);
      for (const b of a.bytes) w.u8(b, path);
      return [nx(w)];
    case 'exit':
      SUBTYPE.write(w, { subtype: NXAST.EXIT }, path);
      return [nx(w)];
    case 'output_trunc':
      OUTPUT_TRUNC.write(w, { subtype: NXAST.OUTPUT_TRUNC, port: a.port, maxLen: a.maxLen }, path);
      return [nx(w)];
    case 'conjunction':
      CONJUNCTION.write(w, { subtype: NXAST.CONJUNCTION, clause: a.clause - 1, clauses: a.clauses, id: a.id }, path);
      return [nx(w)];
    case 'check_pkt_larger':
      CHECK_PKT_LARGER.write(w, { subtype: NXAST.CHECK_PKT_LARGER, pktLen: a.length, offset: a.dst.start }, path);
      w.u32(nxmFor(a.dst.field, match).header, path);
      return [nx(w)];
    case 'fin_timeout':
      FIN_TIMEOUT.write(w, { subtype: NXAST.FIN_TIMEOUT, idleTimeout: a.idleTimeout, hardTimeout: a.hardTimeout }, path);
      return [nx(w)];
    case 'sample': {
      // As OVS's encode_SAMPLE: the oldest form that holds what the action says.
      const ids = { probability: a.probability, collectorSetId: a.collectorSetId, obsDomainId: a.obsDomainId, obsPointId: a.obsPointId };
      if (a.direction === 'default' && a.samplingPort === OFPP_NONE) SAMPLE.write(w, { subtype: NXAST.SAMPLE, ...ids }, path);
      else SAMPLE2.write(w, { subtype: a.direction === 'default' ? NXAST.SAMPLE2 : NXAST.SAMPLE3, ...ids, samplingPort: a.samplingPort, direction: SAMPLE_DIRECTIONS.indexOf(a.direction) }, path);
      return [nx(w)];
    }
  }
}

/** NXAST_CLONE: an ext_action_header (subtype, 6 zero bytes), then the clone's actions as OpenFlow actions. */
export const NXAST_CLONE = 42;
const CLONE_HEADER = 8;

/** clone(…) as NXAST_CLONE, its actions already encoded as the flow's other actions are. */
export function cloneToOpenFlow(inner: readonly OfAction[], path: string): OfAction {
  const w = new Writer(path, 64);
  w.u16(NXAST_CLONE, path);
  w.zeros(CLONE_HEADER - 2);
  writeActions(w, inner, `${path}.actions`);
  return nx(w);
}

/** NXAST_CLONE's actions (its bytes after the experimenter id), for the caller to decode as a flow's own (decode_NXAST_RAW_CLONE reads the pad unchecked). */
export function cloneFromOpenFlow(body: Uint8Array, structure: string, path: string): OfAction[] {
  const length = EXPERIMENTER_HEADER + body.length;
  if (length < 16) throw new OpenFlowError('NETLOOM_OF_BAD_LENGTH', `NXAST_CLONE: length ${length}, expected at least 16`, structure, 0, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN }, path);
  const r = new Reader(body, CLONE_HEADER, body.length, structure, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN });
  return readActions(r, `${structure}.actions`);
}

// ---------------------------------------------------------------------------------------------
// Decoding: OVS's decode_NXAST_RAW_* and the checks ofpacts_check runs against the flow's match.

/** Where an NX action is, for its errors, and what it is checked against. */
export interface NiciraPlace {
  structure: string;
  path: string;
  /** The flow's match (a PACKET_OUT's in_port); undefined for a group bucket, which OVS checks against none. */
  match: Match | undefined;
  /** Inside write_actions: OVS refuses what an action set cannot hold (controller, output_reg, learn). */
  actionSet: boolean;
}

/** A subtype netloom reads, with its length rule (ofpact_pull_raw): exactly `length`, or at least it when `variable`. */
interface Subtype {
  name: string;
  length: number;
  variable: boolean;
  decode: (r: Reader, at: ActionCheck) => Action;
}

const PREREQUISITE_TEXT: Record<Prerequisite, string> = {
  none: 'nothing', ip: 'eth_type 0x0800 or 0x86dd', ipv4: 'eth_type 0x0800', ipv6: 'eth_type 0x86dd', arp: 'eth_type 0x0806 or 0x8035',
  'ipv4-or-arp': 'eth_type 0x0800, 0x0806 or 0x8035', 'ip-or-arp': 'eth_type 0x0800, 0x86dd, 0x0806 or 0x8035', 'tcp-udp-sctp': 'eth_type 0x0800 or 0x86dd',
  tcp: 'eth_type 0x0800 or 0x86dd and ip_proto 6', icmp: 'eth_type 0x0800 and ip_proto 1', icmp6: 'eth_type 0x86dd and ip_proto 58', nd: 'eth_type 0x86dd, ip_proto 58, icmpv6_type 135 or 136 and icmpv6_code 0', 'nd-ns': 'eth_type 0x86dd, ip_proto 58, icmpv6_type 135 and icmpv6_code 0', 'nd-na': 'eth_type 0x86dd, ip_proto 58, icmpv6_type 136 and icmpv6_code 0', mpls: 'eth_type 0x8847 or 0x8848', ct: 'a ct_state that proves a tracked connection', 'ct-ipv4': 'eth_type 0x0800 and a ct_state that proves a tracked connection', 'ct-ipv6': 'eth_type 0x86dd and a ct_state that proves a tracked connection',
};

/** The checks OVS runs on one Nicira action, each failing with the error OVS sends, at the action's place. */
class ActionCheck {
  constructor(readonly place: NiciraPlace, readonly name: string) {}

  fail(message: string, ofp: OfpErrorCode, code: OpenFlowErrorCode = 'NETLOOM_OF_BAD_VALUE'): never {
    throw new OpenFlowError(code, `${this.name}: ${message}`, this.place.structure, 0, ofp, this.place.path);
  }

  bad(message: string, code: number): never {
    return this.fail(message, { type: OFPET.BAD_ACTION, code });
  }

  /** Bits `start .. start+bits-1` of `f` (OVS's mf_check__ without a match): a zero width or one past the field's end is BAD_SET_LEN. */
  bounds(f: NxmField, start: number, bits: number, role: string): SubField {
    if (bits === 0) this.bad(`${role} ${f.nxm} has a width of zero bits`, OFPBAC.BAD_SET_LEN);
    if (start + bits > f.field.bits) this.bad(`${role} ${f.nxm}[${start}..${start + bits - 1}] does not fit its ${f.field.bits} bits`, OFPBAC.BAD_SET_LEN);
    return { field: f.field, start, bits };
  }

  writable(f: NxmField): void {
    if (!f.field.writable) this.bad(`destination field ${f.name} is not writable`, OFPBAC.BAD_SET_ARGUMENT);
  }

  /** OVS's prerequisite of `f` against `match` (the flow's, or the learned flow's): MATCH_INCONSISTENT when unproven. */
  prerequisite(f: NxmField, match: Match | undefined, role: string, whose = 'the flow\'s match'): void {
    if (!proven(f, match)) this.bad(`${role} ${f.nxm} needs ${PREREQUISITE_TEXT[f.prerequisite]}${f.proto === undefined ? '' : ` and ip_proto ${f.proto}`} in ${whose}`, OFPBAC.MATCH_INCONSISTENT);
  }

  notInActionSet(): void {
    if (this.place.actionSet) this.bad('not allowed in an action set (write_actions)', OFPBAC.BAD_TYPE);
  }

  /** What OVS takes but the switch has no place for. */
  unsupported(what: string): never {
    return this.bad(`${what}: netloom's switch has no place for it`, OFPBAC.BAD_ARGUMENT);
  }

  mustBeZero(bytes: Uint8Array, from: number, ofp: OfpErrorCode, what: string): void {
    for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) this.fail(`${what} must be zero (byte ${EXPERIMENTER_HEADER + i} is 0x${bytes[i]!.toString(16).padStart(2, '0')})`, ofp);
  }
}

/**
 * A 32-bit header in an action's fixed fields (REG_LOAD's dst, OUTPUT_REG's src, learn's):
 * what OVS's mf_from_nxm_header does not know is BAD_SET_TYPE.
 */
function fixedHeader(header: number, at: ActionCheck, role: string): NxmField {
  const f = fieldOfHeader(header);
  if (typeof f === 'string') at.bad(`${role} header 0x${header.toString(16).padStart(8, '0')} names no field netloom's switch has`, OFPBAC.BAD_SET_TYPE);
  return f as NxmField;
}

/**
 * A header pulled from an action's variable part (REG_MOVE's, OUTPUT_REG2's; nx_pull_header as
 * for a match): 4 bytes, or 8 for the experimenter class; unknown is BAD_MATCH/BAD_FIELD, masked BAD_MASK.
 */
function pulledHeader(r: Reader, at: ActionCheck, role: string): NxmField {
  if (r.left < 4) at.fail(`${role} header needs 4 bytes, ${r.left} left`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_LEN }, 'NETLOOM_OF_BAD_LENGTH');
  const header = r.u32();
  if (header >>> 16 === 0xffff) {
    if (r.left < 4) at.fail(`${role} experimenter header needs 8 bytes`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_LEN }, 'NETLOOM_OF_BAD_LENGTH');
    r.skip(4);
  }
  const f = fieldOfHeader(header);
  if (typeof f === 'string') at.fail(`${role} header 0x${header.toString(16).padStart(8, '0')} names no field netloom's switch has`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_FIELD });
  if ((header & 0x100) !== 0) at.fail(`${role} header 0x${header.toString(16).padStart(8, '0')} has the mask bit set`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_MASK });
  return f as NxmField;
}

function decodeResubmit(r: Reader, at: ActionCheck, withTable: boolean, ct = false): Action {
  const { inPort, table } = RESUBMIT.read(r);
  if (withTable) at.mustBeZero(r.bytes, 5, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_ARGUMENT }, 'pad');
  // OVS's check_RESUBMIT: the original tuple is there only when the match proves a connection.
  if (ct && at.place.match !== undefined && !prerequisiteMet(at.place.match, 'ct')) at.bad('resubmit(…,ct) needs a ct_state that proves a tracked connection in the match', OFPBAC.MATCH_INCONSISTENT);
  const t = withTable && table !== TABLE_CURRENT ? table : undefined;
  // IN_PORT with a table is resubmit(,table), as ovs-ofctl writes it; on its own it stays a port.
  return { type: 'resubmit', port: inPort === OFPP_IN_PORT && (t !== undefined || ct) ? undefined : inPort, table: t, ...(ct && { ct: true as const }) };
}

function decodeRegLoad(r: Reader, at: ActionCheck): Action {
  const { ofsNbits: on, dst: header, value } = REG_LOAD.read(r);
  const f = fixedHeader(header, at, 'destination');
  const bits = (on & 0x3f) + 1;
  const dst = at.bounds(f, on >>> 6, bits, 'destination');
  at.writable(f);
  if (bits < 64 && value >> BigInt(bits) !== 0n) at.bad(`value 0x${value.toString(16)} is wider than ${bits} bits`, OFPBAC.BAD_ARGUMENT);
  at.prerequisite(f, at.place.match, 'destination');
  return { type: 'load', dst, value };
}

function decodeRegLoad2(r: Reader, at: ActionCheck): Action {
  // The OXM starts right after the subtype, in ext_action_header's pad.
  SUBTYPE.read(r);
  if (r.left < 4) at.fail('needs a 4-byte OXM header', { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_LEN }, 'NETLOOM_OF_BAD_LENGTH');
  const header = r.u32();
  const f = fieldOfHeader(header);
  if (f === 'length') at.bad(`OXM header 0x${header.toString(16).padStart(8, '0')} has the wrong length for its field`, OFPBAC.BAD_SET_LEN);
  if (f === 'unknown') at.bad(`OXM header 0x${header.toString(16).padStart(8, '0')} names no field netloom's switch has`, OFPBAC.BAD_SET_TYPE);
  const field = f as NxmField;
  const masked = (header & 0x100) !== 0;
  const width = field.header & 0xff;
  if (r.left < (masked ? 2 : 1) * width) at.fail(`${field.nxm} needs ${(masked ? 2 : 1) * width} bytes of value`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_LEN }, 'NETLOOM_OF_BAD_LENGTH');
  const value = unsigned(r.bytesOf(width));
  const mask = masked ? unsigned(r.bytesOf(width)) : undefined;
  if (mask !== undefined && (value & ~mask) !== 0n) at.fail(`${field.nxm} value has 1-bits where its mask is 0`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_WILDCARDS });
  at.mustBeZero(r.bytes, r.offset, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_SET_ARGUMENT }, 'padding');
  at.writable(field);
  at.prerequisite(field, at.place.match, 'destination');
  const full = (1n << BigInt(field.field.bits)) - 1n;
  return { type: 'set_field', field: field.field, value: value & full, mask: (mask ?? full) & full };
}

/** Big-endian bytes as an unsigned number. */
function unsigned(bytes: Uint8Array): bigint {
  return bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
}

function decodeRegMove(r: Reader, at: ActionCheck): Action {
  const { nBits, srcOfs, dstOfs } = REG_MOVE.read(r);
  const from = pulledHeader(r, at, 'source');
  const to = pulledHeader(r, at, 'destination');
  at.mustBeZero(r.bytes, r.offset, NXBRC_MUST_BE_ZERO, 'padding');
  const src = at.bounds(from, srcOfs, nBits, 'source');
  const dst = at.bounds(to, dstOfs, nBits, 'destination');
  at.writable(to);
  at.prerequisite(from, at.place.match, 'source');
  at.prerequisite(to, at.place.match, 'destination');
  return { type: 'move', src, dst };
}

function decodeOutputReg(r: Reader, at: ActionCheck, two: boolean): Action {
  let f: NxmField;
  let on: number;
  if (two) {
    on = OUTPUT_REG2.read(r).ofsNbits;
    f = pulledHeader(r, at, 'source');
    at.mustBeZero(r.bytes, r.offset, NXBRC_MUST_BE_ZERO, 'padding');
  } else {
    const o = OUTPUT_REG.read(r);
    at.mustBeZero(r.bytes, 10, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_ARGUMENT }, 'zero');
    on = o.ofsNbits;
    f = fixedHeader(o.src, at, 'source');
  }
  // max_len only matters for a port that is CONTROLLER; ovs-ofctl neither prints nor writes one but 65535.
  const src = at.bounds(f, on >>> 6, (on & 0x3f) + 1, 'source');
  at.notInActionSet();
  at.prerequisite(f, at.place.match, 'source');
  return { type: 'output_reg', src };
}

function reasonName(code: number): string {
  return REASONS[code] ?? String(code);
}

function decodePopQueue(r: Reader, at: ActionCheck): Action {
  SUBTYPE.read(r);
  at.notInActionSet();
  return { type: 'pop_queue' };
}

function decodeCtClear(r: Reader, at: ActionCheck): Action {
  at.mustBeZero(r.bytes, 2, NXBAC_MUST_BE_ZERO, 'pad');
  return { type: 'ct_clear' };
}

function decodeController(r: Reader, at: ActionCheck): Action {
  const { maxLen, controllerId, reason } = CONTROLLER.read(r);
  at.notInActionSet();
  if (controllerId !== 0) at.unsupported(`controller id ${controllerId}`);
  return { type: 'controller', maxLen, reason: reasonName(reason) };
}

function decodeController2(r: Reader, at: ActionCheck): Action {
  SUBTYPE.read(r);
  for (let i = 0; i < EXT_PAD; i++) if (r.u8() !== 0) at.fail('pad must be zero', NXBRC_MUST_BE_ZERO);
  let maxLen = NO_BUFFER;
  let reason = OFPR_ACTION;
  while (r.left > 0) {
    if (r.left < 4) at.fail('property header needs 4 bytes', OFPBPC_BAD_LEN, 'NETLOOM_OF_BAD_LENGTH');
    const start = r.offset;
    const type = r.u16();
    const length = r.u16();
    const padded = Math.ceil(length / 8) * 8;
    if (length < 4 || start + padded > r.end) at.fail(`property of length ${length} does not fit`, OFPBPC_BAD_LEN, 'NETLOOM_OF_BAD_LENGTH');
    const payload = length - 4;
    const need = (n: number) => {
      if (payload < n) at.fail(`property ${type} needs ${n} bytes, has ${payload}`, OFPBPC_BAD_LEN, 'NETLOOM_OF_BAD_LENGTH');
    };
    switch (type) {
      case NXAC2PT.MAX_LEN:
        need(2);
        maxLen = r.u16();
        break;
      case NXAC2PT.CONTROLLER_ID: {
        need(2);
        const id = r.u16();
        if (id !== 0) at.unsupported(`controller id ${id}`);
        break;
      }
      case NXAC2PT.REASON:
        need(1);
        reason = r.u8();
        break;
      case NXAC2PT.USERDATA:
        at.unsupported('userdata');
        break;
      case NXAC2PT.PAUSE:
        at.unsupported('pause');
        break;
      case NXAC2PT.METER_ID:
        at.unsupported('meter_id');
        break;
      default:
        at.fail(`property type ${type} is not one CONTROLLER2 has`, OFPBPC_BAD_TYPE);
    }
    r.offset = start + padded;
  }
  at.notInActionSet();
  return { type: 'controller', maxLen, reason: reasonName(reason) };
}

/** One learn spec as read, before it becomes the switch's: OVS's fields, so the text names what OVS names. */
interface Spec {
  dst: 'match' | 'load' | 'output';
  bits: number;
  src: { f: NxmField; start: number } | { value: bigint; bytes: Uint8Array };
  to: { f: NxmField; start: number } | undefined;
}

function decodeLearn(r: Reader, at: ActionCheck, two: boolean): Action {
  const head = LEARN.read(r);
  const tail = two ? LEARN2.read(r) : undefined;
  // In OVS's order: LEARN2's pad2, the common fields, the flags, result_dst.
  if (tail !== undefined && tail.pad2 !== 0) at.fail('pad2 must be zero', NXBAC_MUST_BE_ZERO);
  if (head.pad !== 0) at.bad('pad must be zero', OFPBAC.BAD_ARGUMENT);
  if (head.table === 0xff) at.bad('table 255 is not a table a flow can be learned into', OFPBAC.BAD_ARGUMENT);
  const allowed = NX_LEARN_F.SEND_FLOW_REM | NX_LEARN_F.DELETE_LEARNED | (two ? NX_LEARN_F.WRITE_RESULT : 0);
  if ((head.flags & ~allowed) !== 0) at.bad(`flags 0x${head.flags.toString(16)} has bits learn does not define`, OFPBAC.BAD_ARGUMENT);
  if (tail !== undefined) {
    if ((head.flags & NX_LEARN_F.WRITE_RESULT) === 0 && tail.resultDstOfs !== 0) at.bad('result_dst_ofs without result_dst', OFPBAC.BAD_ARGUMENT);
    // Refused before the specs: result_dst's header would come first.
    if ((head.flags & NX_LEARN_F.WRITE_RESULT) !== 0) at.unsupported('result_dst');
    if (tail.limit !== 0) at.unsupported(`limit=${tail.limit}`);
  }
  const specs: Spec[] = [];
  while (r.left >= 2) {
    const header = r.u16();
    if (header === 0) break;
    const bits = header & LEARN_N_BITS_MASK;
    const immediate = (header & LEARN_SRC_IMMEDIATE) !== 0;
    const dstType = header & LEARN_DST_MASK;
    if (dstType === LEARN_DST_MASK || (dstType === LEARN_DST.OUTPUT && immediate)) at.bad(`spec header 0x${header.toString(16).padStart(4, '0')} pairs a source and destination learn does not`, OFPBAC.BAD_ARGUMENT);
    const srcBytes = immediate ? 2 * Math.ceil(bits / 16) : 6;
    if (r.left < srcBytes + (dstType === LEARN_DST.OUTPUT ? 0 : 6)) at.bad(`spec header 0x${header.toString(16).padStart(4, '0')} runs past the action's end`, OFPBAC.BAD_LEN);
    let src: Spec['src'];
    if (immediate) {
      // OVS keeps the last ceil(n_bits / 8) bytes.
      const bytes = r.bytesOf(srcBytes).subarray(srcBytes - Math.ceil(bits / 8));
      src = { value: unsigned(bytes), bytes };
    } else {
      const f = fixedHeader(r.u32(), at, 'learn source');
      src = { f, start: r.u16() };
    }
    const to = dstType === LEARN_DST.OUTPUT ? undefined : { f: fixedHeader(r.u32(), at, 'learn destination'), start: r.u16() };
    specs.push({ dst: dstType === LEARN_DST.MATCH ? 'match' : dstType === LEARN_DST.LOAD ? 'load' : 'output', bits, src, to });
  }
  at.mustBeZero(r.bytes, r.offset, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_ARGUMENT }, 'what follows the last spec');
  if ((head.flags & NX_LEARN_F.SEND_FLOW_REM) !== 0) at.unsupported('send_flow_rem');
  if ((head.flags & NX_LEARN_F.DELETE_LEARNED) !== 0) at.unsupported('delete_learned');
  if (head.finIdleTimeout !== 0 || head.finHardTimeout !== 0) at.unsupported('fin_idle_timeout and fin_hard_timeout');
  at.notInActionSet();

  // OVS's learn_check: sources against the flow's match, destinations against the learned flow's.
  const spec: LearnSpec = { table: head.table, priority: head.priority, idleTimeout: head.idleTimeout, hardTimeout: head.hardTimeout, cookie: head.cookie, matches: [], actions: [], text: '' };
  const learned = new Match();
  for (const s of specs) {
    const src: LearnSource = 'f' in s.src ? { sub: at.bounds(s.src.f, s.src.start, s.bits, 'learn source') } : { value: s.src.value };
    if ('f' in s.src) at.prerequisite(s.src.f, at.place.match, 'learn source');
    if (s.to === undefined) {
      spec.actions.push({ kind: 'output', src: (src as { sub: SubField }).sub });
      continue;
    }
    const dst = at.bounds(s.to.f, s.to.start, s.bits, 'learn destination');
    at.prerequisite(s.to.f, learned, 'learn destination', 'the learned flow\'s match');
    if (s.dst === 'load') {
      at.writable(s.to.f);
      spec.actions.push({ kind: 'load', dst, src });
      continue;
    }
    if ('value' in src) addLearnedMatch(learned, dst, src.value);
    spec.matches.push({ dst, src });
  }
  spec.text = learnText(head, specs);
  return { type: 'learn', learn: spec };
}

/** A subfield as ovs-ofctl prints it: NXM_OF_ETH_SRC[], NXM_NX_REG0[3], NXM_NX_REG0[0..15]. */
function subText(f: NxmField, start: number, bits: number): string {
  return `${f.nxm}[${start === 0 && bits === f.field.bits ? '' : bits === 1 ? start : `${start}..${start + bits - 1}`}]`;
}

/** ds_put_hex: 0x and the value without leading zeros, or 0. */
const hexText = (v: bigint) => (v === 0n ? '0' : `0x${v.toString(16)}`);

/** A whole field's value as OVS's mf_format prints it (learn's `eth_type=0x800`). */
function valueText(f: NxmField, bytes: Uint8Array): string {
  const width = f.header & 0xff;
  const b = new Uint8Array(width);
  b.set(bytes.subarray(Math.max(0, bytes.length - width)), Math.max(0, width - bytes.length));
  const n = unsigned(b);
  switch (f.format) {
    case 'ethernet':
      return macToText(b, 0);
    case 'ipv4':
      return ipv4ToText(b, 0);
    case 'ipv6':
      return ipv6ToText(b, 0);
    case 'port':
      return n >= BigInt(OFPP_IN_PORT) ? NAMED_PORTS[Number(n) - OFPP_IN_PORT]! : n.toString();
    case 'hexadecimal':
      return hexText(n);
    case 'decimal':
      return n.toString();
  }
}

/** learn(...) as ovs-ofctl prints it (OVS's learn_format), so the switch's flow reads as OVS's does. */
function learnText(head: ReturnType<typeof LEARN.read>, specs: readonly Spec[]): string {
  const parts = [`table=${head.table}`];
  if (head.idleTimeout !== 0) parts.push(`idle_timeout=${head.idleTimeout}`);
  if (head.hardTimeout !== 0) parts.push(`hard_timeout=${head.hardTimeout}`);
  if (head.priority !== 0x8000) parts.push(`priority=${head.priority}`);
  if (head.cookie !== 0n) parts.push(`cookie=0x${head.cookie.toString(16)}`);
  for (const s of specs) {
    const src = 'f' in s.src ? subText(s.src.f, s.src.start, s.bits) : hexText(s.src.value);
    const to = s.to;
    if (to === undefined) parts.push(`output:${src}`);
    else if (s.dst === 'load') parts.push(`load:${src}->${subText(to.f, to.start, s.bits)}`);
    else if ('bytes' in s.src) parts.push(to.start === 0 && s.bits === to.f.field.bits ? `${to.f.name}=${valueText(to.f, s.src.bytes)}` : `${subText(to.f, to.start, s.bits)}=${src}`);
    else parts.push(s.src.f !== to.f || s.src.start !== to.start ? `${subText(to.f, to.start, s.bits)}=${src}` : subText(to.f, to.start, s.bits));
  }
  return `learn(${parts.join(',')})`;
}

/** ceil(log2(n)): the bits n different values need. */
const bitsFor = (n: number) => (n <= 1 ? 0 : 32 - Math.clz32(n - 1));

/** A hash-fields number OVS knows (flow_hash_fields_valid), else BAD_ARGUMENT. */
function hashFields(n: number, at: ActionCheck): (typeof HASH_FIELDS)[number] {
  return HASH_FIELDS[n] ?? at.bad(`unsupported fields ${n}`, OFPBAC.BAD_ARGUMENT);
}

/** A destination multipath or bundle_load writes: a field OVS knows, within it, writable, and proven by the match (mf_check_dst). */
function hashDestination(header: number, on: number, at: ActionCheck): SubField {
  const f = fixedHeader(header, at, 'destination');
  const dst = at.bounds(f, on >>> 6, (on & 0x3f) + 1, 'destination');
  at.writable(f);
  at.prerequisite(f, at.place.match, 'destination');
  return dst;
}

/** decode_NXAST_RAW_MULTIPATH and multipath_check. */
function decodeMultipath(r: Reader, at: ActionCheck): Action {
  at.notInActionSet();
  const m = MULTIPATH.read(r);
  const links = m.maxLink + 1;
  const fields = hashFields(m.fields, at);
  const algorithm = MULTIPATH_ALGORITHMS[m.algorithm] ?? at.bad(`unsupported algorithm ${m.algorithm}`, OFPBAC.BAD_ARGUMENT);
  if ((m.ofsNbits & 0x3f) + 1 < bitsFor(links)) at.bad(`multipath action requires at least ${bitsFor(links)} bits for ${links} links`, OFPBAC.BAD_ARGUMENT);
  return { type: 'multipath', fields, basis: m.basis, algorithm, links, arg: m.arg, dst: hashDestination(m.dst, m.ofsNbits, at) };
}

/** decode_bundle and bundle_check: BUNDLE outputs (no destination), BUNDLE_LOAD loads a 16-bit or wider one. */
function decodeBundle(r: Reader, at: ActionCheck, load: boolean): Action {
  at.notInActionSet();
  const b = BUNDLE.read(r);
  const fields = hashFields(b.fields, at);
  if (b.members > BUNDLE_MAX_MEMBERS) at.bad('too many members', OFPBAC.BAD_ARGUMENT);
  const algorithm = BUNDLE_ALGORITHMS[b.algorithm] ?? at.bad(`unsupported algorithm ${b.algorithm}`, OFPBAC.BAD_ARGUMENT);
  if (b.memberType !== MEMBER_TYPE_OFPORT) at.bad(`unsupported member type ${b.memberType}`, OFPBAC.BAD_ARGUMENT);
  if (b.zero !== 0) at.bad('reserved field is nonzero', OFPBAC.BAD_ARGUMENT);
  if (!load && (b.ofsNbits !== 0 || b.dst !== 0)) at.bad('bundle action has nonzero reserved fields', OFPBAC.BAD_ARGUMENT);
  if (load && (b.ofsNbits & 0x3f) + 1 < 16) at.bad('bundle_load action requires at least 16 bit destination', OFPBAC.BAD_ARGUMENT);
  if (r.left < 2 * b.members) at.fail(`only ${r.left} bytes for ${b.members} members, ${2 * b.members} needed`, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN }, 'NETLOOM_OF_BAD_LENGTH');
  const members: number[] = [];
  for (let i = 0; i < b.members; i++) {
    const port = r.u16();
    if (port === OFPP_CONTROLLER) at.bad('unsupported controller member', OFPBAC.BAD_OUT_PORT);
    if (port >= OFPP_MAX && port < OFPP_IN_PORT) at.bad(`invalid member ${port}`, OFPBAC.BAD_OUT_PORT);
    if (port >= OFPP_IN_PORT && port !== OFPP_LOCAL && port !== OFPP_NONE) at.unsupported(`member ${NAMED_PORTS[port - OFPP_IN_PORT]}`);
    members.push(port);
  }
  if (!load) return { type: 'bundle', fields, basis: b.basis, algorithm, members };
  return { type: 'bundle', fields, basis: b.basis, algorithm, members, dst: hashDestination(b.dst, b.ofsNbits, at) };
}

/** decode_NXAST_RAW_CONJUNCTION: 2 to 64 clauses, the clause (0-based on the wire) one of them. */
function decodeConjunction(r: Reader, at: ActionCheck): Action {
  at.notInActionSet();
  const c = CONJUNCTION.read(r);
  if (c.clauses < 2 || c.clauses > 64 || c.clause >= c.clauses) at.fail(`clause ${c.clause} of ${c.clauses}: a conjunction has 2 to 64 clauses, numbered from 0 on the wire`, NXBAC_BAD_CONJUNCTION);
  return { type: 'conjunction', id: c.id, clause: c.clause + 1, clauses: c.clauses };
}

/** decode_NXAST_RAW_NOTE: every byte after the subtype, padding included, is the note. */
function decodeNote(r: Reader, at: ActionCheck): Action {
  at.notInActionSet();
  SUBTYPE.read(r);
  return { type: 'note', bytes: r.bytesOf(r.left).slice() };
}

/** decode_NXAST_RAW_OUTPUT_TRUNC and check_OUTPUT_TRUNC: max_len at least an Ethernet header, a port to output to. */
function decodeOutputTrunc(r: Reader, at: ActionCheck): Action {
  at.notInActionSet();
  const t = OUTPUT_TRUNC.read(r);
  if (t.maxLen < 14) at.bad(`max_len ${t.maxLen} is less than the minimum value 14`, OFPBAC.BAD_ARGUMENT);
  if (t.port >= OFPP_MAX && t.port < OFPP_IN_PORT) at.bad(`port ${t.port} is not a port to output to`, OFPBAC.BAD_OUT_PORT);
  if (t.port >= OFPP_IN_PORT && t.port !== OFPP_LOCAL && t.port !== OFPP_IN_PORT) at.unsupported(`output_trunc to ${NAMED_PORTS[t.port - OFPP_IN_PORT]} (OVS outputs nothing there)`);
  return { type: 'output_trunc', port: t.port, maxLen: t.maxLen };
}

/** decode_NXAST_RAW_EXIT: nothing to check. */
function decodeExit(_r: Reader, at: ActionCheck): Action {
  at.notInActionSet();
  return { type: 'exit' };
}

/** decode_NXAST_RAW_CHECK_PKT_LARGER: one bit of a field the switch may write (mf_check_dst), zeros after its header; its match is not checked. */
function decodeCheckPktLarger(r: Reader, at: ActionCheck): Action {
  at.notInActionSet();
  const c = CHECK_PKT_LARGER.read(r);
  const f = pulledHeader(r, at, 'destination');
  at.mustBeZero(r.bytes, r.offset, NXBRC_MUST_BE_ZERO, 'padding');
  const dst = at.bounds(f, c.offset, 1, 'destination');
  at.writable(f);
  return { type: 'check_pkt_larger', length: c.pktLen, dst };
}

/** decode_NXAST_RAW_FIN_TIMEOUT and check_FIN_TIMEOUT: OpenFlow 1.1+ wants tcp in the match (a bucket's actions meet none). */
function decodeFinTimeout(r: Reader, at: ActionCheck): Action {
  at.notInActionSet();
  const t = FIN_TIMEOUT.read(r);
  const m = at.place.match;
  if (m !== undefined && !(prerequisiteMet(m, 'ip') && (m.masks[W.NW_PROTO]! & 0xff) === 0xff && (m.values[W.NW_PROTO]! & 0xff) === 6)) at.bad('fin_timeout needs tcp in the match', OFPBAC.MATCH_INCONSISTENT);
  return { type: 'fin_timeout', idleTimeout: t.idleTimeout, hardTimeout: t.hardTimeout };
}

/** decode_NXAST_RAW_SAMPLE, SAMPLE2 and SAMPLE3: a probability of 0 is BAD_ARGUMENT; SAMPLE3's zeros must be zero and its direction one OVS knows. */
function decodeSample(r: Reader, at: ActionCheck, form: 1 | 2 | 3): Action {
  at.notInActionSet();
  const s = form === 1 ? { ...SAMPLE.read(r), samplingPort: OFPP_NONE, direction: 0 } : SAMPLE2.read(r);
  if (form === 3) at.mustBeZero(r.bytes, r.offset, NXBRC_MUST_BE_ZERO, 'zeros');
  const direction = form === 3 ? (SAMPLE_DIRECTIONS[s.direction] ?? at.bad(`invalid sample direction ${s.direction}`, OFPBAC.BAD_ARGUMENT)) : 'default';
  if (s.probability === 0) at.bad('probability 0', OFPBAC.BAD_ARGUMENT);
  return { type: 'sample', probability: s.probability, collectorSetId: s.collectorSetId, obsDomainId: s.obsDomainId, obsPointId: s.obsPointId, samplingPort: s.samplingPort, direction };
}

/** Every subtype netloom reads, with OVS's length for it (ofp-actions.c's NXAST_RAW_* declarations). */
const SUBTYPES = new Map<number, Subtype>([
  [NXAST.RESUBMIT, { name: 'NXAST_RESUBMIT', length: 16, variable: false, decode: (r, at) => decodeResubmit(r, at, false) }],
  [NXAST.RESUBMIT_TABLE, { name: 'NXAST_RESUBMIT_TABLE', length: 16, variable: false, decode: (r, at) => decodeResubmit(r, at, true) }],
  [NXAST.RESUBMIT_TABLE_CT, { name: 'NXAST_RESUBMIT_TABLE_CT', length: 16, variable: false, decode: (r, at) => decodeResubmit(r, at, true, true) }],
  [NXAST.POP_QUEUE, { name: 'NXAST_POP_QUEUE', length: 16, variable: false, decode: decodePopQueue }],
  [NXAST.CT_CLEAR, { name: 'NXAST_CT_CLEAR', length: 16, variable: false, decode: decodeCtClear }],
  [NXAST.REG_MOVE, { name: 'NXAST_REG_MOVE', length: 16, variable: true, decode: decodeRegMove }],
  [NXAST.REG_LOAD, { name: 'NXAST_REG_LOAD', length: 24, variable: false, decode: decodeRegLoad }],
  [NXAST.REG_LOAD2, { name: 'NXAST_REG_LOAD2', length: 16, variable: true, decode: decodeRegLoad2 }],
  [NXAST.OUTPUT_REG, { name: 'NXAST_OUTPUT_REG', length: 24, variable: false, decode: (r, at) => decodeOutputReg(r, at, false) }],
  [NXAST.OUTPUT_REG2, { name: 'NXAST_OUTPUT_REG2', length: 24, variable: false, decode: (r, at) => decodeOutputReg(r, at, true) }],
  [NXAST.LEARN, { name: 'NXAST_LEARN', length: 32, variable: true, decode: (r, at) => decodeLearn(r, at, false) }],
  [NXAST.LEARN2, { name: 'NXAST_LEARN2', length: 40, variable: true, decode: (r, at) => decodeLearn(r, at, true) }],
  [NXAST.CONTROLLER, { name: 'NXAST_CONTROLLER', length: 16, variable: false, decode: decodeController }],
  [NXAST.CONTROLLER2, { name: 'NXAST_CONTROLLER2', length: 16, variable: true, decode: decodeController2 }],
  [NXAST.MULTIPATH, { name: 'NXAST_MULTIPATH', length: 32, variable: false, decode: decodeMultipath }],
  [NXAST.CONJUNCTION, { name: 'NXAST_CONJUNCTION', length: 16, variable: false, decode: decodeConjunction }],
  [NXAST.NOTE, { name: 'NXAST_NOTE', length: 16, variable: true, decode: decodeNote }],
  [NXAST.EXIT, { name: 'NXAST_EXIT', length: 16, variable: false, decode: decodeExit }],
  [NXAST.OUTPUT_TRUNC, { name: 'NXAST_OUTPUT_TRUNC', length: 16, variable: false, decode: decodeOutputTrunc }],
  [NXAST.FIN_TIMEOUT, { name: 'NXAST_FIN_TIMEOUT', length: 16, variable: false, decode: decodeFinTimeout }],
  [NXAST.CHECK_PKT_LARGER, { name: 'NXAST_CHECK_PKT_LARGER', length: 24, variable: false, decode: decodeCheckPktLarger }],
  [NXAST.SAMPLE, { name: 'NXAST_SAMPLE', length: 24, variable: false, decode: (r, at) => decodeSample(r, at, 1) }],
  [NXAST.SAMPLE2, { name: 'NXAST_SAMPLE2', length: 32, variable: false, decode: (r, at) => decodeSample(r, at, 2) }],
  [NXAST.SAMPLE3, { name: 'NXAST_SAMPLE3', length: 32, variable: false, decode: (r, at) => decodeSample(r, at, 3) }],
  [NXAST.BUNDLE, { name: 'NXAST_BUNDLE', length: 32, variable: true, decode: (r, at) => decodeBundle(r, at, false) }],
  [NXAST.BUNDLE_LOAD, { name: 'NXAST_BUNDLE_LOAD', length: 32, variable: true, decode: (r, at) => decodeBundle(r, at, true) }],
]);

/**
 * One Nicira action (its bytes after the experimenter id, as actions.ts keeps them) as the
 * switch's action, checked as Open vSwitch checks it against `place.match`.
 */
export function actionFromNicira(body: Uint8Array, place: NiciraPlace): Action {
  const length = EXPERIMENTER_HEADER + body.length;
  if (body.length < 2) new ActionCheck(place, 'Nicira action').bad(`length ${length} leaves no room for a subtype`, OFPBAC.BAD_LEN);
  const subtype = (body[0]! << 8) | body[1]!;
  const rule = SUBTYPES.get(subtype);
  if (rule === undefined) return new ActionCheck(place, 'Nicira action').bad(`subtype ${subtype} is not one netloom's switch runs`, OFPBAC.BAD_EXP_TYPE);
  const at = new ActionCheck(place, rule.name);
  if (rule.variable ? length < rule.length : length !== rule.length) at.fail(`length ${length}, expected ${rule.variable ? 'at least ' : ''}${rule.length}`, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN }, 'NETLOOM_OF_BAD_LENGTH');
  return rule.decode(new Reader(body, 0, body.length, place.structure, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN }), at);
}
