/**
 * The fast path: the numbers a switch matches on, read straight from the bytes into a reused
 * FlowKey, with no objects, strings or copies per packet. Field meanings follow ovs-fields(7):
 * only the outermost VLAN tag is parsed (OVS's default vlan-limit of 1), ARP addresses fill
 * nw_src/nw_dst/nw_proto as OVS does, ICMP type and code fill tp_src/tp_dst; an 802.3 frame is
 * classified by its SNAP EtherType (0x05ff when it has none), as OVS's parse_ethertype does.
 * Truncated input never throws: what cannot be read stays zero, as OVS's miniflow_extract keeps it.
 */
import { macToNumber } from './addresses.js';
import { u16, u32 } from './read.js';
import { ETHERTYPE, IPPROTO, VXLAN_PORT, isMplsEtherType } from './registry.js';
import { ETHERNET_HEADER_LENGTH } from './ethernet.js';
import { VLAN_TAG_LENGTH } from './vlan.js';
import { ARP_LENGTH } from './arp.js';
import { ICMP_HEADER_LENGTH } from './icmp.js';
import { TCP_MIN_HEADER_LENGTH } from './tcp.js';
import { UDP_HEADER_LENGTH } from './udp.js';
import { VXLAN_HEADER_LENGTH } from './vxlan.js';

export const NW_FRAG = { NONE: 0, FIRST: 1, LATER: 3 } as const;
/** An 802.2 LLC header (DSAP, SSAP, control) and a SNAP header (OUI, EtherType). */
const LLC_SNAP_LENGTH = 8;
/** SCTP (RFC 9260): netloom has no codec for it; the switch reads its common header's ports. */
const IPPROTO_SCTP = 132;
const SCTP_HEADER_LENGTH = 12;
/** IPv6's Authentication Header (RFC 4302): its length is in 4-byte units, less 2. */
const IPPROTO_AH = 51;
/** ovs-fields(7): vlan_tci's CFI bit marks "a VLAN header is present". */
export const VLAN_CFI = 0x1000;

export class FlowKey {
  inPort = 0;
  dlSrc = 0;
  dlDst = 0;
  /** EtherType after the outer VLAN tag; 0x05ff for 802.3 length frames (as OVS). */
  dlType = 0;
  /** PCP, CFI (set when tagged) and VID of the outer tag, as OVS's vlan_tci. */
  vlanTci = 0;
  nwSrc = 0;
  nwDst = 0;
  readonly ipv6Src = new Uint8Array(16);
  readonly ipv6Dst = new Uint8Array(16);
  ipv6Label = 0;
  nwProto = 0;
  /** The whole traffic class byte: DSCP << 2 | ECN. */
  nwTos = 0;
  nwTtl = 0;
  nwFrag = 0;
  tpSrc = 0;
  tpDst = 0;
  /** An IPv6 neighbor solicitation's or advertisement's target (its link-layer options fill arpSha and arpTha, as in OVS). */
  readonly ndTarget = new Uint8Array(16);
  /** An ND message's reserved word (an advertisement's R, S and O flags), and the type of its first link-layer address option (1, 2, or 0 for none), as OVS's nd_reserved and nd_options_type. */
  ndReserved = 0;
  ndOptionsType = 0;
  /** An MPLS packet's first three label stack entries, outermost first (OVS's mpls_lse); 0 past the stack's end. */
  readonly mplsLse = new Uint32Array(3);
  /** TCP's flags (the low 12 bits of its offset/flags word), as OVS's tcp_flags; 0 for other protocols. */
  tcpFlags = 0;
  arpSha = 0;
  arpTha = 0;
  /** Where the network header starts (after the VLAN tag and an 802.3 LLC/SNAP header). */
  l3 = 0;
  tunId = 0;
  tunSrc = 0;
  tunDst = 0;

  clear(): void {
    this.inPort = this.dlSrc = this.dlDst = this.dlType = this.vlanTci = 0;
    this.nwSrc = this.nwDst = this.ipv6Label = this.nwProto = this.nwTos = this.nwTtl = this.nwFrag = 0;
    this.tpSrc = this.tpDst = this.tcpFlags = this.arpSha = this.arpTha = this.ndReserved = this.ndOptionsType = 0;
    this.tunId = this.tunSrc = this.tunDst = 0;
    this.ipv6Src.fill(0);
    this.ipv6Dst.fill(0);
    this.mplsLse.fill(0);
  }
}


/**
 * Fills `key` from the Ethernet frame in bytes[offset, end) and returns the offset of the L4
 * payload (or of the first byte not parsed). Tunnel and in_port fields are left as they are.
 * As OVS's miniflow_extract: nothing is read past an IP datagram's own length, a datagram
 * longer than its frame gets no L3 fields, and ports need a whole UDP, TCP or ICMP header.
 */
export function extractFlowKey(bytes: Uint8Array, key: FlowKey, offset = 0, end = bytes.length): number {
  if (key.dlType === ETHERTYPE.IPV6) {
    key.ipv6Src.fill(0);
    key.ipv6Dst.fill(0);
    key.ndTarget.fill(0);
  }
  key.dlSrc = key.dlDst = key.dlType = key.vlanTci = 0;
  key.nwSrc = key.nwDst = key.ipv6Label = key.nwProto = key.nwTos = key.nwTtl = key.nwFrag = 0;
  key.tpSrc = key.tpDst = key.tcpFlags = key.arpSha = key.arpTha = key.ndReserved = key.ndOptionsType = 0;
  key.mplsLse.fill(0);
  key.l3 = offset;
  if (end - offset < ETHERNET_HEADER_LENGTH) return offset;
  key.dlDst = macToNumber(bytes, offset);
  key.dlSrc = macToNumber(bytes, offset + 6);
  let type = u16(bytes, offset + 12);
  let o = offset + ETHERNET_HEADER_LENGTH;
  // OVS's parse_vlan takes a tag only with its EtherType after it; a frame cut sooner has the TPID as dl_type.
  if ((type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ) && end - o >= VLAN_TAG_LENGTH) {
    key.vlanTci = u16(bytes, o) | VLAN_CFI;
    type = u16(bytes, o + 2);
    o += VLAN_TAG_LENGTH;
  }
  if (type < 0x0600) {
    // 802.3: a length. Only LLC AA-AA-03 with SNAP OUI 00-00-00 and an EtherType gives a type; the rest is 0x05ff.
    const snap = end - o >= LLC_SNAP_LENGTH && bytes[o] === 0xaa && bytes[o + 1] === 0xaa && bytes[o + 2] === 0x03 && bytes[o + 3] === 0 && bytes[o + 4] === 0 && bytes[o + 5] === 0;
    type = snap ? u16(bytes, o + 6) : 0;
    if (snap) o += LLC_SNAP_LENGTH;
    if (type < 0x0600) type = 0x05ff;
  }
  key.dlType = type;
  key.l3 = o;
  if (type === ETHERTYPE.IPV4) return ipv4Fields(bytes, key, o, end);
  if (type === ETHERTYPE.IPV6) return ipv6Fields(bytes, key, o, end);
  if (type === ETHERTYPE.ARP && end - o >= ARP_LENGTH && u16(bytes, o) === 1 && u16(bytes, o + 2) === ETHERTYPE.IPV4 && bytes[o + 4] === 6 && bytes[o + 5] === 4) {
    key.nwSrc = u32(bytes, o + 14);
    key.nwDst = u32(bytes, o + 24);
    // OVS matches the opcode's low 8 bits, and leaves nw_proto 0 for an opcode above 255.
    const op = u16(bytes, o + 6);
    key.nwProto = op <= 0xff ? op : 0;
    key.arpSha = macToNumber(bytes, o + 8);
    key.arpTha = macToNumber(bytes, o + 18);
    return o + ARP_LENGTH;
  }
  if (isMplsEtherType(type)) {
    // OVS's parse_mpls: whole entries up to the one with the bottom-of-stack bit, the first three kept; nothing past the stack is read.
    for (let n = 0; end - o >= 4; n++) {
      const lse = u32(bytes, o);
      if (n < key.mplsLse.length) key.mplsLse[n] = lse;
      o += 4;
      if ((lse & 0x100) !== 0) break;
    }
    return o;
  }
  return o;
}

function ipv4Fields(b: Uint8Array, key: FlowKey, o: number, end: number): number {
  // OVS's ipv4_sanity_check: a whole header, and a totalLength that fits the frame.
  const size = end - o;
  if (size < 20) return o;
  const ihl = (b[o]! & 0x0f) * 4;
  const totalLength = u16(b, o + 2);
  if (ihl < 20 || totalLength < ihl || totalLength > size) return o;
  key.nwTos = b[o + 1]!;
  const fragment = u16(b, o + 6);
  if ((fragment & 0x1fff) !== 0) key.nwFrag = NW_FRAG.LATER;
  else if ((fragment & 0x2000) !== 0) key.nwFrag = NW_FRAG.FIRST;
  key.nwTtl = b[o + 8]!;
  key.nwProto = b[o + 9]!;
  key.nwSrc = u32(b, o + 12);
  key.nwDst = u32(b, o + 16);
  // The datagram ends at totalLength: never read the Ethernet padding.
  return key.nwFrag === NW_FRAG.LATER ? o + ihl : transportFields(b, key, o + ihl, o + totalLength);
}

function ipv6Fields(b: Uint8Array, key: FlowKey, o: number, end: number): number {
  // OVS's ipv6_sanity_check: a whole header, and a payloadLength that fits the frame.
  if (end - o < 40) return o;
  const payloadLength = u16(b, o + 4);
  if (payloadLength > end - o - 40) return o;
  end = o + 40 + payloadLength;
  const first = u32(b, o);
  const hopLimit = b[o + 7]!;
  key.ipv6Label = first & 0xfffff;
  key.ipv6Src.set(b.subarray(o + 8, o + 24));
  key.ipv6Dst.set(b.subarray(o + 24, o + 40));
  let next = b[o + 6]!;
  let frag = 0;
  o += 40;
  // As OVS: an extension header cut short leaves nw_tos, nw_ttl, nw_proto and nw_frag unset.
  for (;;) {
    if (next === IPPROTO.HOPOPTS || next === IPPROTO.ROUTING || next === IPPROTO.DSTOPTS || next === IPPROTO_AH) {
      if (end - o < 8) return o;
      const length = next === IPPROTO_AH ? (b[o + 1]! + 2) * 4 : (b[o + 1]! + 1) * 8;
      if (end - o < length) return o;
      next = b[o]!;
      o += length;
    } else if (next === IPPROTO.FRAGMENT) {
      if (end - o < 8) return o;
      const offsetFlags = u16(b, o + 2);
      next = b[o]!;
      o += 8;
      // Any of offset, res or M set makes a fragment, as OVS's `ip6f_offlg != 0`.
      if (offsetFlags !== 0) {
        frag = NW_FRAG.FIRST;
        // A later fragment: OVS stops here with nw_proto 44 (the fragment header).
        if ((offsetFlags & 0xfff8) !== 0) {
          frag = NW_FRAG.LATER;
          next = IPPROTO.FRAGMENT;
          break;
        }
      }
    } else {
      break;
    }
  }
  key.nwTos = (first >>> 20) & 0xff;
  key.nwTtl = hopLimit;
  key.nwProto = next;
  key.nwFrag = frag;
  return frag === NW_FRAG.LATER ? o : transportFields(b, key, o, end);
}

function transportFields(b: Uint8Array, key: FlowKey, o: number, end: number): number {
  const proto = key.nwProto;
  if (proto === IPPROTO.UDP || proto === IPPROTO.TCP) {
    const udp = proto === IPPROTO.UDP;
    if (end - o < (udp ? UDP_HEADER_LENGTH : TCP_MIN_HEADER_LENGTH)) return o;
    // OVS reads TCP's ports only with a data offset of 5 or more and the whole header there.
    const length = udp ? UDP_HEADER_LENGTH : (b[o + 12]! >>> 4) * 4;
    if (!udp && (length < TCP_MIN_HEADER_LENGTH || end - o < length)) return o;
    key.tpSrc = u16(b, o);
    key.tpDst = u16(b, o + 2);
    if (!udp) key.tcpFlags = u16(b, o + 12) & 0x0fff;
    return o + length;
  }
  if (proto === IPPROTO_SCTP) {
    // OVS reads SCTP's ports from a whole common header (12 bytes), as multipath and select groups then hash them.
    if (end - o < SCTP_HEADER_LENGTH) return o;
    key.tpSrc = u16(b, o);
    key.tpDst = u16(b, o + 2);
    return o + SCTP_HEADER_LENGTH;
  }
  if (proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6) {
    if (end - o < ICMP_HEADER_LENGTH) return o;
    key.tpSrc = b[o]!;
    key.tpDst = b[o + 1]!;
    if (proto === IPPROTO.ICMPV6 && (key.tpSrc === ND_NEIGHBOR_SOLICIT || key.tpSrc === ND_NEIGHBOR_ADVERT) && key.tpDst === 0) neighborDiscovery(b, key, o + ICMP_HEADER_LENGTH, end);
    return o + ICMP_HEADER_LENGTH;
  }
  return o;
}

const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;

/**
 * An ND message's reserved word, target and link-layer address options, as OVS's parse_icmpv6:
 * options are read until one is empty or runs past the end; a second source (or target) address
 * option with the first one set makes the message invalid, and then none of the three is kept
 * (the reserved word and the first option's type are).
 */
function neighborDiscovery(b: Uint8Array, key: FlowKey, o: number, end: number): void {
  key.ndReserved = u32(b, o - 4);
  if (end - o < 16) return;
  key.ndTarget.set(b.subarray(o, o + 16));
  for (let p = o + 16; end - p >= 8; ) {
    const length = b[p + 1]! * 8;
    if (length === 0 || length > end - p) return;
    if (length === 8 && (b[p] === 1 || b[p] === 2)) {
      const mac = macToNumber(b, p + 2);
      if (b[p] === 1 ? key.arpSha !== 0 : key.arpTha !== 0) {
        key.ndTarget.fill(0);
        key.arpSha = key.arpTha = 0;
        return;
      }
      if (b[p] === 1) key.arpSha = mac;
      else key.arpTha = mac;
      if (key.ndOptionsType === 0) key.ndOptionsType = b[p]!;
    }
    p += length;
  }
}

/**
 * Fills `key` for a tunnelled packet as a switch sees it after decapsulation: tun_src,
 * tun_dst and tun_id from the outer IPv4 + VXLAN (UDP `vxlanPort`) or GRE header, and every
 * other field from the inner frame. A packet that is not such a tunnel is read as a plain frame.
 */
export function extractTunnelFlowKey(bytes: Uint8Array, key: FlowKey, vxlanPort = VXLAN_PORT): number {
  const inner = extractFlowKey(bytes, key);
  key.tunId = key.tunSrc = key.tunDst = 0;
  if (key.dlType !== ETHERTYPE.IPV4 || key.nwFrag !== NW_FRAG.NONE || key.nwProto === 0) return inner;
  // The outer datagram (whose totalLength extractFlowKey checked) holds the tunnel and the inner frame.
  const ip = key.l3;
  const end = ip + u16(bytes, ip + 2);
  const tunSrc = key.nwSrc;
  const tunDst = key.nwDst;
  let tunId: number;
  let frame: number;
  if (key.nwProto === IPPROTO.UDP && key.tpDst === vxlanPort && end - inner >= VXLAN_HEADER_LENGTH) {
    tunId = u32(bytes, inner + 4) >>> 8;
    frame = inner + VXLAN_HEADER_LENGTH;
  } else if (key.nwProto === IPPROTO.GRE) {
    // The GRE header starts where the transport header would; the flow key stopped at it.
    const gre = inner;
    if (end - gre < 4) return inner;
    const flags = u16(bytes, gre);
    if (u16(bytes, gre + 2) !== ETHERTYPE.TEB) return inner;
    let p = gre + 4 + ((flags & 0x8000) !== 0 ? 4 : 0);
    tunId = 0;
    if ((flags & 0x2000) !== 0) {
      if (end - p < 4) return inner;
      tunId = u32(bytes, p);
      p += 4;
    }
    frame = p + ((flags & 0x1000) !== 0 ? 4 : 0);
  } else {
    return inner;
  }
  const result = extractFlowKey(bytes, key, frame, end);
  key.tunSrc = tunSrc;
  key.tunDst = tunDst;
  key.tunId = tunId;
  return result;
}

/**
 * A deterministic 32-bit hash (FNV-1a) of the flow in the Ethernet frame at bytes[offset, end):
 * MACs, EtherType, IP addresses, protocol and ports. Used for VXLAN source ports.
 */
export function flowHash(bytes: Uint8Array, offset: number, end: number): number {
  const k = scratch;
  extractFlowKey(bytes, k, offset, end);
  let h = fnv(FNV_OFFSET, k.dlSrc % 0x100000000);
  h = fnv(h, k.dlDst % 0x100000000);
  h = fnv(h, k.dlType);
  h = fnv(h, k.nwSrc);
  h = fnv(h, k.nwDst);
  for (let w = 0; w < 16; w += 4) h = fnv(fnv(h, u32(k.ipv6Src, w)), u32(k.ipv6Dst, w));
  h = fnv(h, k.nwProto);
  h = fnv(h, k.tpSrc);
  return fnv(h, k.tpDst) >>> 0;
}
const scratch = new FlowKey();
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One FNV-1a step per 16-bit half of a 32-bit value. */
function fnv(h: number, value: number): number {
  h = Math.imul(h ^ (value & 0xffff), FNV_PRIME);
  return Math.imul(h ^ (value >>> 16), FNV_PRIME);
}
