/**
 * The one mapping between OpenFlow 1.3 structures and the switch's own flow model (switch/flow.ts),
 * so a flow added over OpenFlow and the same flow written in ovs-ofctl syntax are the same rule.
 * Both directions follow Open vSwitch: OXM VLAN_VID/VLAN_PCP are views of vlan_tci
 * (meta-flow's MFF_VLAN_VID), 32-bit OpenFlow 1.1+ port numbers map onto the 16-bit ones
 * (ofputil_port_from_ofp11), instructions run in the order OVS keeps them (apply_actions,
 * clear_actions, write_actions, write_metadata, goto_table), and what OVS refuses gets the
 * OpenFlow error OVS sends: prerequisites (BAD_PREREQ), duplicate fields, masks a field cannot
 * take, actions the match cannot support (MATCH_INCONSISTENT), a goto_table backwards, a group
 * action naming no group (BAD_OUT_GROUP), a meter instruction naming no meter (INVALID_METER). Group buckets map too; their actions meet no match.
 * What OpenFlow 1.3 has no action for (load, move, resubmit, output to a field, learn, a
 * controller reason, a masked set_field) travels as Open vSwitch's Nicira actions (nicira.ts).
 *
 * Owns no state; knows nothing of connections. The switch's field table is the authority on what
 * can be matched and written: an OXM field the switch has no place for is BAD_FIELD.
 */
import { fieldByName, W, readField, type FieldDef } from '../switch/fields.js';
import { Match, type Action, type Bucket, type Rule } from '../switch/flow.js';
import { SwitchPacket } from '../switch/packet.js';
import { formatActions, formatInstructions, formatMatch, prerequisiteMet, setWords, withEtherType } from '../switch/ofctl.js';
import { OFPM_MAX, type MeterBand } from '../switch/meter.js';
import { VLAN_CFI } from '../wire/flowkey.js';
import { isMplsEtherType } from '../wire/registry.js';
import type { OfAction, OfInstruction } from './actions.js';
import type { OfBucket, OfMeterBand } from './structs.js';
import { OFPBAC, OFPBIC, OFPBMC, OFPET, OFPGMFC, OFPMMFC, OpenFlowError, type OfpErrorCode } from './errors.js';
import { OFPP } from './messages.js';
import { actionFromNicira, cloneFromOpenFlow, cloneToOpenFlow, niciraFor, NX_VENDOR_ID, NXAST_CLONE, NXBAC_BAD_CONJUNCTION } from './nicira.js';
import { ctFromOpenFlow, ctToOpenFlow, NXAST_CT, NXAST_NAT } from './ct.js';
import { OFPVID_PRESENT, oxmField, type Oxm, type OxmKnown, type OxmUnknown } from './oxm.js';

/** OpenFlow 1.0's reserved port range begins here; 1.1+ moves it to 0xffffff00. */
const OFPP10_MAX = 0xff00;
const OFPP11_OFFSET = 0xffff0000;
const ETH_IP = 0x0800;
const ETH_ARP = 0x0806;
const ETH_IPV6 = 0x86dd;
const ETH_RARP = 0x8035;

/** OXM names whose switch field has another name (the rest share OVS's name). */
const SWITCH_NAME: Record<string, string> = {
  eth_dst: 'dl_dst', eth_src: 'dl_src', eth_type: 'dl_type', ip_ecn: 'nw_ecn', ip_proto: 'nw_proto', ipv4_src: 'nw_src',
  ipv4_dst: 'nw_dst', tcp_src: 'tp_src', tcp_dst: 'tp_dst', udp_src: 'tp_src', udp_dst: 'tp_dst', sctp_src: 'tp_src',
  sctp_dst: 'tp_dst', icmpv4_type: 'icmp_type', icmpv4_code: 'icmp_code', ipv6_flabel: 'ipv6_label', tunnel_id: 'tun_id', nxm_tcp_flags: 'tcp_flags',
  ipv6_nd_target: 'nd_target', ipv6_nd_sll: 'nd_sll', ipv6_nd_tll: 'nd_tll',
};
/** The IP protocol an L4 OXM field needs (OpenFlow 1.3.5 Table 12). */
const L4_PROTO: Record<string, number> = { tcp_src: 6, tcp_dst: 6, udp_src: 17, udp_dst: 17, sctp_src: 132, sctp_dst: 132 };

function fail(structure: string, path: string, message: string, ofp: OfpErrorCode): never {
  throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', message, structure, 0, ofp, path);
}

/** An OpenFlow 1.1+ port number as the switch's 16-bit one; undefined for the range 1.1+ leaves unused. */
export function portFromOfp(port: number): number | undefined {
  if (port < OFPP10_MAX) return port;
  if (port >= OFPP.MAX) return port - OFPP11_OFFSET;
  return undefined;
}

export function portToOfp(port: number): number {
  return port >= OFPP10_MAX ? (port + OFPP11_OFFSET) >>> 0 : port;
}

/** The switch field an OXM field is, or undefined when the switch has none (vlan_vid/vlan_pcp are handled apart). */
function switchField(name: string): FieldDef | undefined {
  return fieldByName(SWITCH_NAME[name] ?? name);
}

/** An OXM match (a FLOW_MOD's, a stats request's) as the switch's match, checked as OVS checks it. */
export function matchFromOxm(fields: readonly Oxm[], structure: string): Match {
  const match = new Match();
  const seen = new Set<string>();
  fields.forEach((oxm, i) => {
    const path = `match[${i}]`;
    if (oxm.field === 'unknown') fail(structure, path, `OXM field with header 0x${(oxm as OxmUnknown).header.toString(16).padStart(8, '0')} is not one this switch matches on`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_FIELD });
    const { field: name, value, mask } = oxm as OxmKnown;
    if (seen.has(name)) fail(structure, path, `${name} appears twice`, { type: OFPET.BAD_MATCH, code: OFPBMC.DUP_FIELD });
    seen.add(name);
    const def = oxmField(name)!;
    const full = (1n << BigInt(8 * def.bytes)) - 1n;
    if (mask !== undefined && (value & ~mask) !== 0n) fail(structure, `${path}.value`, `${name} value has 1-bits where its mask is 0`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_WILDCARDS });
    if (name === 'vlan_vid') {
      const m = Number(mask ?? 0x1fffn);
      if (value > 0x1fffn || m > 0x1fff) fail(structure, path, `vlan_vid ${value} is wider than 13 bits (12-bit VID and OFPVID_PRESENT)`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_VALUE });
      match.set(W.VLAN_TCI, Number(value) & m, m);
      return;
    }
    if (name === 'vlan_pcp') {
      if (value > 7n) fail(structure, path, `vlan_pcp ${value} is not 0-7`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_VALUE });
      match.set(W.VLAN_TCI, VLAN_CFI | (Number(value) << 13), 0xf000);
      return;
    }
    const field = switchField(name);
    if (field === undefined) fail(structure, path, `${name} is not a field this switch matches on`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_FIELD });
    if (mask !== undefined && mask !== full && !field.maskable) fail(structure, path, `${name} cannot be masked`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_MASK });
    let v = value;
    if (name === 'in_port') {
      const port = portFromOfp(Number(value));
      if (port === undefined) fail(structure, path, `in_port ${value} is in the reserved range OpenFlow 1.1+ leaves unused`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_VALUE });
      v = BigInt(port);
    }
    if (v >> BigInt(field.bits) !== 0n) fail(structure, path, `${name} ${value} is wider than its ${field.bits} bits`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_VALUE });
    setWords(match, field, v, (mask ?? full) & ((1n << BigInt(field.bits)) - 1n));
  });
  // Prerequisites, checked on the whole match as OVS's nx_pull_raw does.
  fields.forEach((oxm, i) => {
    if (oxm.field === 'unknown') return;
    const name = oxm.field;
    const proto = L4_PROTO[name];
    const ok =
      name === 'vlan_pcp' ? (match.masks[W.VLAN_TCI]! & match.values[W.VLAN_TCI]! & VLAN_CFI) !== 0
      : name === 'vlan_vid' ? true
      : prerequisiteMet(match, switchField(name)!.prerequisite) && (proto === undefined || (match.masks[W.NW_PROTO]! & 0xff) === 0xff && match.values[W.NW_PROTO] === proto);
    if (!ok) fail(structure, `match[${i}]`, `${name} needs its prerequisite in the match (${PREREQUISITE[name] ?? 'see OpenFlow 1.3.5 Table 12'})`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_PREREQ });
  });
  return match;
}

const PREREQUISITE: Record<string, string> = {
  vlan_pcp: 'vlan_vid with OFPVID_PRESENT', ip_dscp: 'eth_type 0x0800 or 0x86dd', ip_ecn: 'eth_type 0x0800 or 0x86dd', ip_proto: 'eth_type 0x0800 or 0x86dd',
  ipv4_src: 'eth_type 0x0800', ipv4_dst: 'eth_type 0x0800', tcp_src: 'ip_proto 6', tcp_dst: 'ip_proto 6', udp_src: 'ip_proto 17', udp_dst: 'ip_proto 17',
  sctp_src: 'ip_proto 132', sctp_dst: 'ip_proto 132', icmpv4_type: 'eth_type 0x0800 and ip_proto 1', icmpv4_code: 'eth_type 0x0800 and ip_proto 1',
  arp_op: 'eth_type 0x0806', arp_spa: 'eth_type 0x0806', arp_tpa: 'eth_type 0x0806', arp_sha: 'eth_type 0x0806', arp_tha: 'eth_type 0x0806',
  ipv6_src: 'eth_type 0x86dd', ipv6_dst: 'eth_type 0x86dd', ipv6_flabel: 'eth_type 0x86dd', nw_ttl: 'eth_type 0x0800 or 0x86dd',
  mpls_label: 'eth_type 0x8847 or 0x8848', mpls_tc: 'eth_type 0x8847 or 0x8848', mpls_bos: 'eth_type 0x8847 or 0x8848', mpls_ttl: 'eth_type 0x8847 or 0x8848',
};

function exactValue(match: Match, word: number, mask: number): number | undefined {
  return (match.masks[word]! & mask) === mask ? match.values[word]! & mask : undefined;
}

/**
 * The OXM name of a switch field in a match or set_field, given what the match says the packet
 * is. A write to nw_src or nw_dst is IPv4's whatever the match (an OpenFlow 1.0 mod_nw_src on an
 * ARP flow leaves ARP alone; ARP's addresses are written as arp_spa and arp_tpa).
 */
function oxmName(field: FieldDef, match: Match, write = false): string {
  const type = exactValue(match, W.DL_TYPE, 0xffff);
  const arp = (type === ETH_ARP || type === ETH_RARP) && !(write && (field.name === 'nw_src' || field.name === 'nw_dst'));
  switch (field.name) {
    case 'nw_src':
      return arp ? 'arp_spa' : 'ipv4_src';
    case 'nw_dst':
      return arp ? 'arp_tpa' : 'ipv4_dst';
    case 'nw_proto':
      return arp ? 'arp_op' : 'ip_proto';
    // IPv6 ND's link-layer addresses live in ARP's sha and tha words.
    case 'arp_sha':
      return type === ETH_IPV6 ? 'ipv6_nd_sll' : 'arp_sha';
    case 'arp_tha':
      return type === ETH_IPV6 ? 'ipv6_nd_tll' : 'arp_tha';
    case 'tp_src':
    case 'tp_dst': {
      const proto = exactValue(match, W.NW_PROTO, 0xff);
      const l4 = proto === 17 ? 'udp' : proto === 132 ? 'sctp' : 'tcp';
      return `${l4}_${field.name.slice(3)}`;
    }
  }
  for (const [oxm, name] of Object.entries(SWITCH_NAME)) if (name === field.name) return oxm;
  return field.name;
}

/** Switch fields in the order OXM numbers them, so a match encodes the same way every time. */
const MATCH_ORDER = ['conj_id', 'in_port', 'metadata', 'dl_dst', 'dl_src', 'dl_type', 'vlan_tci', 'ip_dscp', 'nw_ecn', 'nw_proto', 'nw_src', 'nw_dst', 'tp_src', 'tp_dst',
  'arp_sha', 'arp_tha', 'ipv6_src', 'ipv6_dst', 'ipv6_label', 'tun_id', ...Array.from({ length: 16 }, (_, i) => `reg${i}`), 'nw_ttl', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_flags', 'tun_gbp_id', 'tun_gbp_flags',
  'ct_state', 'ct_zone', 'ct_mark', 'ct_label', 'ct_nw_proto', 'ct_nw_src', 'ct_nw_dst', 'ct_ipv6_src', 'ct_ipv6_dst', 'ct_tp_src', 'ct_tp_dst',
  'ip_frag', 'pkt_mark', 'tcp_flags', 'nd_target', 'nd_reserved', 'nd_options_type', 'mpls_label', 'mpls_tc', 'mpls_bos', 'mpls_ttl',
].map((n) => fieldByName(n)!);

/** The switch's match as OXM fields (for stats replies, FLOW_REMOVED, PACKET_IN), as OVS's nx_put_match writes them for OpenFlow 1.3. */
export function matchToOxm(match: Match): Oxm[] {
  const out: Oxm[] = [];
  const type = exactValue(match, W.DL_TYPE, 0xffff);
  for (const field of MATCH_ORDER) {
    if (field.name === 'vlan_tci') {
      const tciMask = match.masks[W.VLAN_TCI]!;
      const tci = match.values[W.VLAN_TCI]!;
      const vidMask = tciMask & 0x1fff;
      if (vidMask === 0x1fff) out.push({ field: 'vlan_vid', value: BigInt(tci & 0x1fff) });
      else if (vidMask !== 0) out.push({ field: 'vlan_vid', value: BigInt(tci & vidMask), mask: BigInt(vidMask) });
      if ((tci & VLAN_CFI) !== 0 && (tciMask & 0xe000) !== 0) out.push({ field: 'vlan_pcp', value: BigInt(tci >>> 13) });
      continue;
    }
    if (field.name === 'ip_dscp' || field.name === 'nw_ecn') {
      // Both live in nw_tos's word: each is present when all of its bits are masked.
      const bits = field.name === 'ip_dscp' ? 0xfc : 0x03;
      if ((match.masks[W.NW_TOS]! & bits) === bits) out.push({ field: field.name === 'ip_dscp' ? 'ip_dscp' : 'ip_ecn', value: readField(match.values, field) });
      continue;
    }
    const mask = readField(match.masks, field);
    if (mask === 0n) continue;
    let value = readField(match.values, field);
    if (field.name === 'in_port') value = BigInt(portToOfp(Number(value)));
    const full = (1n << BigInt(field.bits)) - 1n;
    const name = oxmName(field, match);
    // ICMP's and ICMPv6's type and code share the L4 port words.
    const proto = exactValue(match, W.NW_PROTO, 0xff);
    const icmp = type === ETH_IP && proto === 1 ? 'icmpv4' : type === ETH_IPV6 && proto === 58 ? 'icmpv6' : undefined;
    const oxm = icmp !== undefined && (field.name === 'tp_src' || field.name === 'tp_dst') ? `${icmp}_${field.name === 'tp_src' ? 'type' : 'code'}` : name;
    out.push(mask === full ? { field: oxm, value } : { field: oxm, value, mask });
  }
  return out;
}

/** What the actions so far have left known about the packet: its VLAN tags (outer first). */
interface Check {
  structure: string;
  /** The flow's match; undefined for a group bucket, whose actions OVS checks against none (the pipeline skips what a packet cannot take). */
  match: Match | undefined;
  table: number;
  tags: [boolean, boolean];
  /** Whether a group a group action names exists (OVS refuses a flow's or PACKET_OUT's otherwise: BAD_OUT_GROUP). */
  groupExists: (group: number) => boolean;
}

/** For callers that know no group table: every group action is refused. */

const ALL_ONES = (bits: number) => (1n << BigInt(bits)) - 1n;
const MPLS_TTL = fieldByName('mpls_ttl')!;

/** OpenFlow actions as the switch's, checked against the match as OVS's ofpacts_check does; `inCt`: the actions nested in a ct action. */
function actionsFrom(list: readonly OfAction[], c: Check, path: string, actionSet: boolean, inCt = false): Action[] {
  const out: Action[] = [];
  // OVS's check_PUSH_MPLS and check_POP_MPLS change the EtherType the later actions are checked against.
  let match = c.match;
  const ipProven = () => match === undefined || prerequisiteMet(match, 'ip');
  const mplsProven = () => match === undefined || prerequisiteMet(match, 'mpls');
  list.forEach((a, i) => {
    const at = `${path}[${i}]`;
    const bad = (message: string, code: number, type: number = OFPET.BAD_ACTION): never => fail(c.structure, at, message, { type, code });
    switch (a.type) {
      case 'output': {
        switch (a.port) {
          case OFPP.IN_PORT:
            out.push({ type: 'in_port' });
            return;
          case OFPP.NORMAL:
            out.push({ type: 'normal' });
            return;
          case OFPP.FLOOD:
            out.push({ type: 'flood' });
            return;
          case OFPP.ALL:
            out.push({ type: 'all' });
            return;
          case OFPP.CONTROLLER:
            out.push({ type: 'controller', maxLen: a.maxLen, reason: 'action' });
            return;
          case OFPP.TABLE:
            // The tables again from table 0: a PACKET_OUT's usual action, and OVS takes it in a flow and an action set too.
            out.push({ type: 'resubmit', port: undefined, table: 0, outputTable: true });
            return;
          case OFPP.ANY:
            bad('output to ANY is not a port', OFPBAC.BAD_OUT_PORT);
        }
        const port = portFromOfp(a.port);
        if (port === undefined) bad(`port ${a.port} is in the reserved range OpenFlow 1.1+ leaves unused`, OFPBAC.BAD_OUT_PORT);
        out.push({ type: 'output', port: port! });
        return;
      }
      case 'push_vlan':
        if (a.ethertype !== 0x8100 && a.ethertype !== 0x88a8) bad(`push_vlan ethertype 0x${a.ethertype.toString(16)} is not 0x8100 or 0x88a8`, OFPBAC.BAD_ARGUMENT);
        if (match !== undefined && c.tags[1]) bad('a third VLAN tag cannot be pushed: OVS keeps at most two', OFPBAC.BAD_TAG);
        c.tags = [true, c.tags[0]];
        out.push({ type: 'push_vlan', tpid: a.ethertype });
        return;
      case 'pop_vlan':
        if (match !== undefined && !c.tags[0]) bad('pop_vlan needs a VLAN tag the match proves (vlan_vid with OFPVID_PRESENT)', OFPBAC.MATCH_INCONSISTENT);
        c.tags = [c.tags[1], false];
        out.push({ type: 'pop_vlan' });
        return;
      case 'push_mpls':
      case 'pop_mpls':
        if (a.type === 'push_mpls' && !isMplsEtherType(a.ethertype)) bad(`push_mpls ethertype 0x${a.ethertype.toString(16)} is not 0x8847 or 0x8848`, OFPBAC.BAD_ARGUMENT);
        if (a.type === 'pop_mpls' && !mplsProven()) bad('pop_mpls needs eth_type 0x8847 or 0x8848 in the match', OFPBAC.MATCH_INCONSISTENT);
        out.push({ type: a.type, ethertype: a.ethertype });
        if (match !== undefined) match = withEtherType(match, a.ethertype, a.type === 'push_mpls');
        return;
      case 'set_mpls_ttl':
      case 'dec_mpls_ttl':
        if (!mplsProven()) bad(`${a.type} needs eth_type 0x8847 or 0x8848 in the match`, OFPBAC.MATCH_INCONSISTENT);
        out.push(a.type === 'dec_mpls_ttl' ? { type: 'dec_mpls_ttl' } : { type: 'set_field', field: MPLS_TTL, value: BigInt(a.ttl), mask: 0xffn, legacy: true });
        return;
      case 'dec_nw_ttl':
        if (!ipProven()) bad('dec_nw_ttl needs eth_type 0x0800 or 0x86dd in the match', OFPBAC.MATCH_INCONSISTENT);
        out.push({ type: 'dec_ttl' });
        return;
      case 'set_nw_ttl':
        if (!ipProven()) bad('set_nw_ttl needs eth_type 0x0800 or 0x86dd in the match', OFPBAC.MATCH_INCONSISTENT);
        out.push({ type: 'set_ttl', ttl: a.ttl });
        return;
      case 'set_field': {
        if (a.field.field === 'unknown') return bad('set_field of a field this switch does not know', OFPBAC.BAD_SET_TYPE);
        const { field: name, value } = a.field as OxmKnown;
        if (name === 'vlan_vid' || name === 'vlan_pcp') {
          if (name === 'vlan_vid' && (value & BigInt(OFPVID_PRESENT)) === 0n) bad('set_field vlan_vid needs OFPVID_PRESENT (0x1000) in its value', OFPBAC.BAD_SET_ARGUMENT);
          if (name === 'vlan_vid' ? value > 0x1fffn : value > 7n) bad(`${name} ${value} is out of range`, OFPBAC.BAD_SET_ARGUMENT);
          if (match !== undefined && !c.tags[0]) bad(`set_field ${name} needs a VLAN tag the match proves, or a push_vlan before it`, OFPBAC.MATCH_INCONSISTENT);
          out.push({ type: 'mod_vlan', what: name === 'vlan_vid' ? 'vid' : 'pcp', value: Number(value) & (name === 'vlan_vid' ? 0xfff : 7), push: false, oxm: true });
          return;
        }
        const field = switchField(name);
        if (field === undefined || !field.writable) bad(`${name} is not a field this switch can set`, OFPBAC.BAD_SET_TYPE);
        if (value >> BigInt(field!.bits) !== 0n || (field!.writeMask !== undefined && (value & ~field!.writeMask) !== 0n)) bad(`${name} ${value} is out of range`, OFPBAC.BAD_SET_ARGUMENT);
        const proto = L4_PROTO[name];
        const protoOk = proto === undefined || match === undefined || exactValue(match, W.NW_PROTO, 0xff) === proto;
        if ((match !== undefined && !prerequisiteMet(match, field!.prerequisite)) || !protoOk) bad(`set_field ${name} needs its prerequisite in the match (${PREREQUISITE[name] ?? 'see OpenFlow 1.3.5 Table 12'})`, OFPBAC.MATCH_INCONSISTENT);
        out.push({ type: 'set_field', field: field!, value, mask: ALL_ONES(field!.bits) });
        return;
      }
      case 'group':
        if (!c.groupExists(a.groupId)) bad(`group ${a.groupId} does not exist`, OFPBAC.BAD_OUT_GROUP);
        out.push({ type: 'group', group: a.groupId });
        return;
      case 'set_queue':
        out.push({ type: 'set_queue', queue: a.queueId });
        return;
      case 'experimenter': {
        if (a.experimenter !== NX_VENDOR_ID) bad(`experimenter 0x${a.experimenter.toString(16).padStart(8, '0')} actions are not supported`, OFPBAC.BAD_EXPERIMENTER);
        if (a.body.length >= 2 && ((a.body[0]! << 8) | a.body[1]!) === NXAST_CT) {
          // OVS's check_CT: conntrack needs an IP packet the match proves.
          if (match !== undefined && !ipProven()) bad('ct needs eth_type 0x0800 or 0x86dd in the match', OFPBAC.MATCH_INCONSISTENT);
          out.push(ctFromOpenFlow(a.body, { structure: c.structure, path: at, match }, (nested) => actionsFrom(nested, c, `${at}.actions`, false, true)));
          return;
        }
        if (a.body.length >= 2 && ((a.body[0]! << 8) | a.body[1]!) === NXAST_NAT) bad('Cannot have NAT action outside of "ct" action', OFPBAC.BAD_SET_ARGUMENT);
        if (a.body.length >= 2 && ((a.body[0]! << 8) | a.body[1]!) === NXAST_CLONE) {
          // OVS's action-set check refuses a clone there; inside, its actions are checked on their own copy of the VLAN tags.
          if (actionSet && match !== undefined) bad('clone is not allowed in an action set', OFPBAC.BAD_TYPE);
          out.push({ type: 'clone', actions: actionsFrom(cloneFromOpenFlow(a.body, c.structure, at), { ...c, tags: [c.tags[0], c.tags[1]] }, `${at}.actions`, false) });
          return;
        }
        // OVS decodes a bucket's actions as a list: only write_actions refuses what an action set cannot hold.
        const action = actionFromNicira(a.body, { structure: c.structure, path: at, match, actionSet: actionSet && match !== undefined });
        // A write to vlan_tci makes the outer tag present or absent by its CFI bit (OVS's check_SET_FIELD).
        if (action.type === 'load' && action.dst.field.word === W.VLAN_TCI) c.tags[0] = ((action.value << BigInt(action.dst.start)) & BigInt(VLAN_CFI)) !== 0n;
        if (action.type === 'set_field' && action.field.word === W.VLAN_TCI) c.tags[0] = (action.value & BigInt(VLAN_CFI)) !== 0n;
        out.push(action);
        return;
      }
      case 'unknown':
        bad(`action type ${a.actionType} is not an OpenFlow 1.3 action`, OFPBAC.BAD_TYPE);
        return;
      default:
        bad(`${a.type} is not supported by this switch`, OFPBAC.BAD_TYPE);
    }
  });
  // OVS's ofpacts_verify_nested: ct_mark and ct_label are written from inside ct(…) only.
  const outside = inCt ? undefined : out.find((a) => (a.type === 'set_field' ? a.field : a.type === 'load' || a.type === 'move' ? a.dst.field : undefined)?.connection);
  if (outside !== undefined) fail(c.structure, path, `${formatActions([outside])}: cannot set CT fields outside of ct action`, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_SET_ARGUMENT });
  return out;
}

/** The instruction order OVS keeps: each may appear once, in this order. */
const INSTRUCTION_ORDER = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];

/**
 * A FLOW_MOD's instructions as the switch's action list (instructions included, in OVS's order)
 * and its meter; `groupExists` and `meterExists` answer for group actions and the meter. A meter
 * id of 0 or above OFPM_MAX, or one that does not exist, is METER_MOD_FAILED/INVALID_METER, as
 * OVS's check_METER and ofproto_check_ofpacts refuse it (after the actions are checked).
 */
export function instructionsFrom(
  instructions: readonly OfInstruction[], match: Match, table: number, structure: string, groupExists: (group: number) => boolean, meterExists: (meter: number) => boolean,
): { actions: Action[]; meter?: number } {
  const c: Check = { structure, match, table, tags: [(match.masks[W.VLAN_TCI]! & match.values[W.VLAN_TCI]! & VLAN_CFI) !== 0, false], groupExists };
  const sorted = instructions.map((ins, i) => ({ ins, i, rank: INSTRUCTION_ORDER.indexOf(ins.type) }));
  for (const { ins, i, rank } of sorted) {
    const at = `instructions[${i}]`;
    if (rank < 0) fail(structure, at, ins.type === 'unknown' ? `instruction type ${ins.instructionType} is not an OpenFlow 1.3 instruction` : `${ins.type} instructions are not supported`, { type: OFPET.BAD_INSTRUCTION, code: OFPBIC.UNKNOWN_INST });
    if (sorted.some((o) => o.i !== i && o.rank === rank)) fail(structure, at, `${ins.type} appears twice`, { type: OFPET.BAD_INSTRUCTION, code: OFPBIC.UNSUP_INST });
  }
  sorted.sort((a, b) => a.rank - b.rank);
  const out: Action[] = [];
  let meter: { id: number; at: string } | undefined;
  for (const { ins, i } of sorted) {
    const at = `instructions[${i}]`;
    switch (ins.type) {
      case 'meter':
        if (ins.meterId === 0 || ins.meterId > OFPM_MAX) fail(structure, at, `meter ${ins.meterId} is not a flow's meter (1 to ${OFPM_MAX})`, { type: OFPET.METER_MOD_FAILED, code: OFPMMFC.INVALID_METER });
        meter = { id: ins.meterId, at };
        break;
      case 'apply_actions':
        out.push(...actionsFrom(ins.actions, c, `${at}.actions`, false));
        break;
      case 'clear_actions':
        out.push({ type: 'clear_actions' });
        break;
      case 'write_actions':
        out.push({ type: 'write_actions', actions: actionsFrom(ins.actions, c, `${at}.actions`, true) });
        break;
      case 'write_metadata':
        out.push({ type: 'write_metadata', value: ins.metadata, mask: ins.mask });
        break;
      case 'goto_table':
        if (ins.tableId <= table || ins.tableId > 254) fail(structure, at, `goto_table ${ins.tableId} must go to a later table than ${table} (and at most 254)`, { type: OFPET.BAD_INSTRUCTION, code: OFPBIC.BAD_TABLE_ID });
        out.push({ type: 'goto_table', table: ins.tableId });
        break;
    }
  }
  // OVS's ofpacts_verify: conjunction actions stand alone, or beside note.
  const other = out.find((a) => a.type !== 'conjunction' && a.type !== 'note');
  if (other !== undefined && out.some((a) => a.type === 'conjunction')) {
    fail(structure, 'instructions', `"conjunction" actions may be used along with "note" but not any other kind of action (such as "${other.type}" here)`, NXBAC_BAD_CONJUNCTION);
  }
  if (meter === undefined) return { actions: out };
  if (!meterExists(meter.id)) fail(structure, meter.at, `meter ${meter.id} does not exist`, { type: OFPET.METER_MOD_FAILED, code: OFPMMFC.INVALID_METER });
  return { actions: out, meter: meter.id };
}

/** A PACKET_OUT's actions as the switch's (output to TABLE allowed, runs the tables from 0); `groupExists` answers for group actions. */
export function actionsFromPacketOut(list: readonly OfAction[], inPort: number, data: Uint8Array, groupExists: (group: number) => boolean): Action[] {
  // Checked against the packet itself, as OVS's handle_packet_out checks against the flow it extracts from the data.
  const packet = new SwitchPacket(data, inPort);
  const match = new Match();
  match.values.set(packet.words);
  match.masks.fill(0xffffffff);
  const tagged = (packet.words[W.VLAN_TCI]! & VLAN_CFI) !== 0;
  return actionsFrom(list, { structure: 'packet_out', match, table: 0, tags: [tagged, false], groupExists }, 'actions', false);
}

/**
 * A GROUP_MOD's buckets as the switch's, as OVS decodes them (ofputil_pull_ofp11_buckets): each
 * bucket's actions are an action set, checked against no match, and may name any group (a
 * chained group need not exist yet); a watch_port in the range OpenFlow 1.1+ leaves unused is
 * BAD_WATCH.
 */
export function bucketsFromOfp(buckets: readonly OfBucket[]): Bucket[] {
  return buckets.map((b, i) => {
    const at = `buckets[${i}]`;
    const c: Check = { structure: 'group_mod', match: undefined, table: 0, tags: [false, false], groupExists: () => true };
    const actions = actionsFrom(b.actions, c, `${at}.actions`, true);
    const watchPort = portFromOfp(b.watchPort);
    if (watchPort === undefined) fail('group_mod', `${at}.watchPort`, `watch_port ${b.watchPort} is in the reserved range OpenFlow 1.1+ leaves unused`, { type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.BAD_WATCH });
    return { weight: b.weight, watchPort: watchPort!, watchGroup: b.watchGroup, actions, packets: 0, bytes: 0 };
  });
}

/** The switch's buckets as OpenFlow's (GROUP_DESC). */
export function bucketsToOfp(buckets: readonly Bucket[]): OfBucket[] {
  return buckets.map((b, i) => ({ weight: b.weight, watchPort: portToOfp(b.watchPort), watchGroup: b.watchGroup, actions: actionsTo(b.actions, new Match(), `buckets[${i}].actions`) }));
}

function outputAction(port: number, maxLen = 0): OfAction {
  return { type: 'output', port, maxLen };
}

/** The switch's actions as OpenFlow actions; `match` names fields that share words (tp_src is tcp_src or udp_src). */
function actionsTo(actions: readonly Action[], match: Match, path: string): OfAction[] {
  const out: OfAction[] = [];
  actions.forEach((a, i) => {
    switch (a.type) {
      case 'output':
        out.push(outputAction(portToOfp(a.port)));
        return;
      case 'in_port':
        out.push(outputAction(OFPP.IN_PORT));
        return;
      case 'normal':
        out.push(outputAction(OFPP.NORMAL));
        return;
      case 'flood':
        out.push(outputAction(OFPP.FLOOD));
        return;
      case 'all':
        out.push(outputAction(OFPP.ALL));
        return;
      case 'controller':
        // A reason other than action needs NXAST_CONTROLLER (OVS's parse_CONTROLLER).
        out.push(...(a.reason === 'action' ? [outputAction(OFPP.CONTROLLER, a.maxLen)] : niciraFor(a, match, `${path}[${i}]`)));
        return;
      case 'resubmit':
        out.push(...(a.outputTable ? [outputAction(OFPP.TABLE)] : niciraFor(a, match, `${path}[${i}]`)));
        return;
      case 'load':
      case 'move':
      case 'output_reg':
      case 'learn':
      case 'pop_queue':
      case 'ct_clear':
      case 'multipath':
      case 'bundle':
      case 'conjunction':
      case 'note':
      case 'exit':
      case 'output_trunc':
      case 'check_pkt_larger':
      case 'sample':
      case 'fin_timeout':
        out.push(...niciraFor(a, match, `${path}[${i}]`));
        return;
      case 'ct':
        out.push(ctToOpenFlow(a, match, `${path}[${i}]`, (nested) => actionsTo(nested, match, `${path}[${i}].actions`)));
        return;
      case 'clone':
        out.push(cloneToOpenFlow(actionsTo(a.actions, match, `${path}[${i}].actions`), `${path}[${i}]`));
        return;
      case 'push_vlan':
        out.push({ type: 'push_vlan', ethertype: a.tpid });
        return;
      case 'pop_vlan':
        out.push({ type: 'pop_vlan' });
        return;
      case 'push_mpls':
      case 'pop_mpls':
        out.push({ type: a.type, ethertype: a.ethertype });
        return;
      case 'dec_mpls_ttl':
        out.push({ type: 'dec_mpls_ttl' });
        return;
      case 'mod_vlan':
        // OVS's encode_SET_VLAN_VID/PCP for OpenFlow 1.1+: an OpenFlow 1.0 one with no tag proven pushes first.
        if (a.push || a.untagged) out.push({ type: 'push_vlan', ethertype: 0x8100 });
        out.push({ type: 'set_field', field: a.what === 'vid' ? { field: 'vlan_vid', value: BigInt(OFPVID_PRESENT | a.value) } : { field: 'vlan_pcp', value: BigInt(a.value) } });
        return;
      case 'set_field':
        // OVS's encode_SET_MPLS_TTL: OFPAT_SET_MPLS_TTL in every version (set_mpls_label and set_mpls_tc become set_fields).
        if (a.legacy && a.field.name === 'mpls_ttl') {
          out.push({ type: 'set_mpls_ttl', ttl: Number(a.value) });
          return;
        }
        // OpenFlow 1.3's set_field takes no mask: OVS writes a masked one as NXAST_REG_LOADs.
        out.push(...(a.mask === ALL_ONES(a.field.bits) ? [{ type: 'set_field', field: { field: oxmName(a.field, match, true), value: a.value } } as const] : niciraFor(a, match, `${path}[${i}]`)));
        return;
      case 'dec_ttl':
        out.push({ type: 'dec_nw_ttl' });
        return;
      case 'set_ttl':
        out.push({ type: 'set_nw_ttl', ttl: a.ttl });
        return;
      case 'group':
        out.push({ type: 'group', groupId: a.group });
        return;
      case 'set_queue':
        out.push({ type: 'set_queue', queueId: a.queue });
        return;
      case 'enqueue':
        // OVS's encode_ENQUEUE for OpenFlow 1.1+: set_queue, output (max_len 0xffff), pop_queue.
        out.push({ type: 'set_queue', queueId: a.queue }, outputAction(portToOfp(a.port), 0xffff), ...niciraFor({ type: 'pop_queue' }, match, `${path}[${i}]`));
        return;
      case 'drop':
        return;
    }
    throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', `${formatActions([a])} is an instruction, not an action OpenFlow 1.3 can carry here`, 'actions', 0, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_TYPE }, `${path}[${i}]`);
  });
  return out;
}

/** A meter's bands as OpenFlow's (METER_MOD, METER_CONFIG). */
export function bandsToOfp(bands: readonly MeterBand[]): OfMeterBand[] {
  return bands.map((b): OfMeterBand => (b.type === 'drop' ? { type: 'drop', rate: b.rate, burstSize: b.burstSize } : { type: 'dscp_remark', rate: b.rate, burstSize: b.burstSize, precLevel: b.precLevel }));
}

/** The switch's action list (and a flow's meter) as OpenFlow 1.3 instructions. */
export function actionsToInstructions(actions: readonly Action[], match: Match, meter?: number): OfInstruction[] {
  const out: OfInstruction[] = [];
  const apply: Action[] = [];
  for (const a of actions) {
    switch (a.type) {
      case 'clear_actions':
        out.push({ type: 'clear_actions' });
        break;
      case 'write_actions':
        out.push({ type: 'write_actions', actions: actionsTo(a.actions, match, 'write_actions') });
        break;
      case 'write_metadata':
        out.push({ type: 'write_metadata', metadata: a.value, mask: a.mask });
        break;
      case 'goto_table':
        out.push({ type: 'goto_table', tableId: a.table });
        break;
      default:
        apply.push(a);
    }
  }
  if (apply.length > 0) out.unshift({ type: 'apply_actions', actions: actionsTo(apply, match, 'apply_actions') });
  if (meter !== undefined) out.unshift({ type: 'meter', meterId: meter });
  return out;
}

/**
 * A switch rule from a FLOW_MOD's parts (counters and times zero: the pipeline sets them);
 * `groupExists` and `meterExists` answer for group actions and the meter (a switch without
 * meters has none: every meter instruction is INVALID_METER).
 */
export function ruleFrom(
  m: { tableId: number; priority: number; cookie: bigint; idleTimeout: number; hardTimeout: number; match: readonly Oxm[]; instructions: readonly OfInstruction[] },
  groupExists: (group: number) => boolean,
  meterExists: (meter: number) => boolean = () => false,
): Rule {
  const match = matchFromOxm(m.match, 'flow_mod');
  const { actions, meter } = instructionsFrom(m.instructions, match, m.tableId, 'flow_mod', groupExists, meterExists);
  const rule: Rule = {
    table: m.tableId, priority: m.priority, cookie: m.cookie, idleTimeout: m.idleTimeout, hardTimeout: m.hardTimeout, match,
    matchText: formatMatch(match), actions, actionsText: formatInstructions(meter, actions), packets: 0, bytes: 0, created: 0, modified: 0, lastUsed: 0,
  };
  if (meter !== undefined) rule.meter = meter;
  return rule;
}

