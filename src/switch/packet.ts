/**
 * A packet going through a switch's pipeline: its bytes (changed in place by actions, with
 * checksums adjusted incrementally as OVS does, RFC 1624), the flow words tables match on, and
 * the pipeline-only state (metadata, registers, tunnel fields). Field writes go to the bytes
 * and the flow words stay in step with them; VLAN headers follow OVS's flow model (see below).
 * The caller's bytes are read, never written: the first change works on a copy.
 */
import { FlowKey, VLAN_CFI, extractFlowKey } from '../wire/flowkey.js';
import { u16, u32 } from '../wire/read.js';
import { isMplsEtherType } from '../wire/registry.js';
import { crc32c, finish, sumWords } from '../wire/checksum.js';
import { FLOW_WORDS, MPLS_MAX_LABELS, W, readField, type FieldDef } from './fields.js';


/** One flow key reused by every packet: reparse copies it into the words at once. */
const KEY = new FlowKey();

export class SwitchPacket {
  /** The frame as it is now: the caller's bytes until the first change, then this packet's own copy. */
  bytes: Uint8Array;
  readonly words = new Uint32Array(FLOW_WORDS);
  /** Whether `bytes` is this packet's to change in place (the caller's are never written). */
  private owned = false;
  /** Offset of the L3 header (after Ethernet and VLAN tags), and of L4 (0 when none). */
  l3 = 14;
  l4 = 0;
  /** Whether the IP packet is a fragment (NW_FRAG, the ip_frag field): select groups leave L4 ports out of a fragment's hash. */
  get nwFrag(): number {
    return this.words[W.NW_FRAG]!;
  }
  /** OVS's dp_hash: 0 until a select group has the datapath hash the packet; kept from then on, as flow state. */
  dpHash = 0;
  /** The egress queue outputs send it into (OVS's skb_priority): 0, the default, until set_queue. */
  queue = 0;
  /**
   * The VLAN headers of the flow, as OVS keeps them: two slots, outermost first, each a TPID and
   * a TCI whose CFI bit marks it present; the frame carries the present ones counted from the
   * outermost. Arrival fills the first from the outer tag (OVS's vlan-limit of 1); push shifts
   * in, pop shifts out, a write to vlan_tci changes the first only — so an inner slot can outlive
   * a popped or cleared outer one, and come back. Pushes never re-parse the packet, so under two
   * tags the flow keeps its EtherType and L3 fields.
   */
  private tpid0 = 0;
  private tci0 = 0;
  private tpid1 = 0;
  private tci1 = 0;
  /** How many of those tags are on the wire now (at bytes 12 and 16), and what they hold. */
  private wireTags = 0;
  private wireTci0 = 0;
  private wireTci1 = 0;
  private wireTpid0 = 0;
  private wireTpid1 = 0;
  /** The tags on the wire when the packet was last committed (an output, a ct): OVS's base_flow VLANs, which its next commit compares the flow's with. */
  private committedTags = 0;
  private committedTci0 = 0;
  private committedTci1 = 0;
  private committedTpid0 = 0;
  private committedTpid1 = 0;

  constructor(bytes: Uint8Array, inPort: number) {
    this.bytes = bytes;
    this.words[W.IN_PORT] = inPort;
    this.recirculate();
  }

  /**
   * Reads the packet's fields again from its bytes, as OVS's miniflow_extract does when a packet
   * arrives or comes back from recirculation (after ct(table=…), or a select group's dp_hash):
   * one VLAN header in the flow (OVS's vlan-limit of 1), so a frame with two tags has the inner
   * TPID as its EtherType. Pipeline fields are kept.
   */
  recirculate(): void {
    const b = this.bytes;
    const tagged = isVlanTpid(b, 12);
    this.tpid0 = this.wireTpid0 = tagged ? u16(b, 12) : 0;
    this.tci0 = this.wireTci0 = tagged ? u16(b, 14) | VLAN_CFI : 0;
    this.tpid1 = this.tci1 = this.wireTpid1 = this.wireTci1 = 0;
    this.wireTags = tagged ? 1 : 0;
    this.commit();
    this.reparse();
  }

  /** Re-reads the packet fields from the bytes; pipeline fields, and the flow's VLAN headers, are kept. */
  reparse(): void {
    const k = KEY;
    const w = this.words;
    const b = this.bytes;
    const known = this.wireTags;
    if (known === 2) {
      // Read the EtherType and L3 past the inner tag, as OVS's flow still has them.
      const past = new Uint8Array(b.length - 4);
      past.set(b.subarray(0, 16), 0);
      past.set(b.subarray(20), 16);
      extractFlowKey(past, k);
    } else extractFlowKey(b, k);
    w[W.DL_DST] = Math.floor(k.dlDst / 0x100000000);
    w[W.DL_DST + 1] = k.dlDst % 0x100000000;
    w[W.DL_SRC] = Math.floor(k.dlSrc / 0x100000000);
    w[W.DL_SRC + 1] = k.dlSrc % 0x100000000;
    w[W.DL_TYPE] = this.dlType < 0 ? k.dlType : this.dlType;
    w[W.VLAN_TCI] = this.tci0;
    w[W.NW_SRC] = k.nwSrc;
    w[W.NW_DST] = k.nwDst;
    for (let i = 0; i < 4; i++) {
      w[W.IPV6_SRC + i] = ((k.ipv6Src[4 * i]! << 24) | (k.ipv6Src[4 * i + 1]! << 16) | (k.ipv6Src[4 * i + 2]! << 8) | k.ipv6Src[4 * i + 3]!) >>> 0;
      w[W.IPV6_DST + i] = ((k.ipv6Dst[4 * i]! << 24) | (k.ipv6Dst[4 * i + 1]! << 16) | (k.ipv6Dst[4 * i + 2]! << 8) | k.ipv6Dst[4 * i + 3]!) >>> 0;
    }
    w[W.IPV6_LABEL] = k.ipv6Label;
    w[W.NW_PROTO] = k.nwProto;
    w[W.NW_TOS] = k.nwTos;
    w[W.NW_TTL] = k.nwTtl;
    w[W.NW_FRAG] = k.nwFrag;
    w[W.TP_SRC] = k.tpSrc;
    w[W.TP_DST] = k.tpDst;
    w[W.TCP_FLAGS] = k.tcpFlags;
    for (let i = 0; i < 4; i++) w[W.ND_TARGET + i] = u32(k.ndTarget, 4 * i);
    w[W.ARP_SHA] = Math.floor(k.arpSha / 0x100000000);
    w[W.ARP_SHA + 1] = k.arpSha % 0x100000000;
    w[W.ARP_THA] = Math.floor(k.arpTha / 0x100000000);
    w[W.ARP_THA + 1] = k.arpTha % 0x100000000;
    w[W.ND_RESERVED] = k.ndReserved;
    w[W.ND_OPTIONS_TYPE] = k.ndOptionsType;
    w.set(k.mplsLse, W.MPLS_LSE);
    if (known === 0 && isVlanTpid(b, 12)) {
      // A tag the flow does not know (under an arrived outer one that was popped): OVS's flow has its TPID as EtherType.
      w[W.DL_TYPE] = u16(b, 12);
      for (let i = W.NW_SRC; i <= W.ARP_THA + 1; i++) w[i] = 0;
      w[W.IPV6_LABEL] = w[W.NW_FRAG] = w[W.TCP_FLAGS] = w[W.ND_RESERVED] = w[W.ND_OPTIONS_TYPE] = 0;
      w.fill(0, W.ND_TARGET, W.ND_TARGET + 4);
      w.fill(0, W.MPLS_LSE, W.MPLS_LSE + MPLS_MAX_LABELS);
    }
    // Where the headers start, for writing fields back (the key read `past` without the inner tag).
    this.l3 = known === 2 ? k.l3 + 4 : k.l3;
    const type = w[W.DL_TYPE]!;
    this.l4 = 0;
    if (type === 0x0800 && b.length >= this.l3 + 20) this.l4 = this.l3 + (b[this.l3]! & 0x0f) * 4;
    else if (type === 0x86dd && b.length >= this.l3 + 40) this.l4 = ipv6TransportOffset(b, this.l3);
  }

  /** The TCP flags (12 bits), or 0 for a packet that is not TCP or too short to have them (OVS's flow tcp_flags). */
  tcpFlags(): number {
    const b = this.bytes;
    const l4 = this.l4;
    if (this.words[W.NW_PROTO] !== 6 || l4 === 0 || (this.nwFrag & 2) !== 0 || b.length < l4 + 14) return 0;
    return ((b[l4 + 12]! & 0x0f) << 8) | b[l4 + 13]!;
  }

  /** An SCTP packet's checksum as carried XOR the right one (its checksum field zeroed for the count, then put back). */
  private sctpCrcs(l4: number, end: number): number {
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset);
    const carried = view.getUint32(l4 + 8, true);
    view.setUint32(l4 + 8, 0, true);
    const right = crc32c(this.bytes, l4, end);
    view.setUint32(l4 + 8, carried, true);
    return (carried ^ right) >>> 0;
  }

  /**
   * The length check_pkt_larger compares: the frame as it is now, less the Ethernet padding after
   * an IP packet's own length (OVS's dp_packet_l2_pad_size, set where miniflow_extract finds the IP header sane).
   */
  lengthWithoutPadding(): number {
    const b = this.bytes;
    const l3 = this.l3;
    const type = this.words[W.DL_TYPE];
    const size = b.length - l3;
    if (type === 0x0800 && size >= 20) {
      const total = u16(b, l3 + 2);
      const ihl = (b[l3]! & 0x0f) * 4;
      if (b[l3]! >> 4 === 4 && ihl >= 20 && total >= ihl && total <= size) return l3 + total;
    } else if (type === 0x86dd && size >= 40 && b[l3]! >> 4 === 6) {
      const total = 40 + u16(b, l3 + 4);
      if (total <= size) return l3 + total;
    }
    return b.length;
  }

  /** Pushes a VLAN header with TCI 0 (OVS pushes TCI 0); with two already, the inner one is gone. */
  pushVlan(tpid: number): void {
    this.tpid1 = this.tpid0;
    this.tci1 = this.tci0;
    this.tpid0 = tpid;
    this.tci0 = VLAN_CFI;
    this.commitVlans();
  }

  /** Pops the outer VLAN header the flow has, if any. */
  popVlan(): void {
    const n = this.vlanCount();
    if (n === 2) {
      this.tpid0 = this.tpid1;
      this.tci0 = this.tci1;
      this.tpid1 = this.tci1 = 0;
    } else if (n === 1) this.tpid0 = this.tci0 = 0;
    this.commitVlans();
  }

  /** Sets the outer header's VID or PCP, marking it present (OVS's set_field to vlan_vid / vlan_pcp). */
  setVlan(what: 'vid' | 'pcp', value: number): void {
    this.tci0 = (what === 'vid' ? (this.tci0 & 0xe000) | value : (this.tci0 & 0x0fff) | (value << 13)) | VLAN_CFI;
    if (this.tpid0 === 0) this.tpid0 = 0x8100;
    this.commitVlans();
  }

  /**
   * Sets the flow's two VLAN header slots and commits them to the frame (NORMAL's outputs, and
   * the flow's own headers again after them: OVS commits each against what the last one left).
   */
  setVlans(tpid0: number, tci0: number, tpid1: number, tci1: number): void {
    this.tpid0 = tpid0;
    this.tci0 = tci0;
    this.tpid1 = tpid1;
    this.tci1 = tci1;
    this.commitVlans();
  }

  /** The TCI of the flow's VLAN header slot 0 (outer) or 1, CFI included; 0 when empty. */
  vlanTci(slot: 0 | 1): number {
    return slot === 0 ? this.tci0 : this.tci1;
  }

  /** The TPID of the flow's VLAN header slot 0 (outer) or 1; 0 when empty. */
  vlanTpid(slot: 0 | 1): number {
    return slot === 0 ? this.tpid0 : this.tpid1;
  }

  /**
   * Gives the flow fields an ofproto/trace flow describes where no frame carries them: a
   * vlan_tci without CFI (`vlan_tci=5`, a flow no packet has) and a dl_type of 0. The bytes stay
   * as they are; the flow words say what the description said.
   */
  describe(vlanTci: number | undefined, dlType: number | undefined): void {
    if (vlanTci !== undefined && (vlanTci & VLAN_CFI) === 0) this.tci0 = this.words[W.VLAN_TCI] = vlanTci;
    if (dlType !== undefined) this.dlType = this.words[W.DL_TYPE] = dlType;
  }

  /** A dl_type the flow was described with (ofproto/trace's flow form), kept when the bytes are read again; -1 when none. */
  private dlType = -1;

  /** Copies this packet's whole state — bytes, flow words, VLAN headers, queue — into `state`. */
  saveTo(state: PacketState): void {
    state.bytes = this.bytes;
    // The saved bytes must not change: the next write works on a copy.
    this.owned = false;
    state.words.set(this.words);
    state.l3 = this.l3;
    state.l4 = this.l4;
    state.dpHash = this.dpHash;
    state.queue = this.queue;
    state.vlans[0] = this.tpid0;
    state.vlans[1] = this.tci0;
    state.vlans[2] = this.tpid1;
    state.vlans[3] = this.tci1;
    state.vlans[4] = this.wireTags;
    state.vlans[5] = this.wireTci0;
    state.vlans[6] = this.wireTci1;
    state.vlans[7] = this.wireTpid0;
    state.vlans[8] = this.wireTpid1;
    state.vlans[9] = this.committedTags;
    state.vlans[10] = this.committedTci0;
    state.vlans[11] = this.committedTci1;
    state.vlans[12] = this.committedTpid0;
    state.vlans[13] = this.committedTpid1;
  }

  /** Puts back a state saved with saveTo: what a group bucket did to the packet is undone (OVS clones the packet for each bucket). */
  restoreFrom(state: PacketState): void {
    this.bytes = state.bytes;
    this.owned = false;
    this.words.set(state.words);
    this.l3 = state.l3;
    this.l4 = state.l4;
    this.dpHash = state.dpHash;
    this.queue = state.queue;
    const v = state.vlans;
    this.tpid0 = v[0]!;
    this.tci0 = v[1]!;
    this.tpid1 = v[2]!;
    this.tci1 = v[3]!;
    this.wireTags = v[4]!;
    this.wireTci0 = v[5]!;
    this.wireTci1 = v[6]!;
    this.wireTpid0 = v[7]!;
    this.wireTpid1 = v[8]!;
    this.committedTags = v[9]!;
    this.committedTci0 = v[10]!;
    this.committedTci1 = v[11]!;
    this.committedTpid0 = v[12]!;
    this.committedTpid1 = v[13]!;
  }

  /** The packet is committed to the datapath as it is now (an output, a ct): what rollBackTo compares with. */
  commit(): void {
    this.committedTags = this.wireTags;
    this.committedTci0 = this.wireTci0;
    this.committedTci1 = this.wireTci1;
    this.committedTpid0 = this.wireTpid0;
    this.committedTpid1 = this.wireTpid1;
  }

  /**
   * Puts back a state saved with saveTo after a group bucket or a clone OVS does not isolate (its
   * actions reversible): OVS rolls back only the flow, not what it last committed, so its next
   * commit pops the tags that commit left on the wire that differ from the flow's, counted from
   * the innermost (flow_skip_common_vlan_headers), and pushes the flow's again, built afresh:
   * without their DEI. Done here at once, which puts the same bytes out.
   */
  rollBackTo(state: PacketState): void {
    const tags = this.committedTags;
    const left = [this.committedTpid0, this.committedTci0, this.committedTpid1, this.committedTci1] as const;
    this.restoreFrom(state);
    // Until the next commit, OVS's base is what was committed before the rollback.
    this.committedTags = tags;
    [this.committedTpid0, this.committedTci0, this.committedTpid1, this.committedTci1] = left;
    const wire = [this.wireTpid0, this.wireTci0, this.wireTpid1, this.wireTci1] as const;
    let i = tags - 1;
    let j = this.wireTags - 1;
    while (i >= 0 && j >= 0 && left[2 * i] === wire[2 * j] && left[2 * i + 1] === wire[2 * j + 1]) {
      i--;
      j--;
    }
    if (j < 0) return;
    this.own();
    for (let k = 0; k <= j; k++) putTag(this.bytes, 12 + 4 * k, wire[2 * k]!, wire[2 * k + 1]!);
  }

  /** How many VLAN headers the flow has: present slots counted from the outermost. */
  private vlanCount(): number {
    return (this.tci0 & VLAN_CFI) === 0 ? 0 : (this.tci1 & VLAN_CFI) === 0 ? 1 : 2;
  }

  /**
   * Makes the frame carry the flow's VLAN headers, as OVS's commit_vlan_action does before an
   * output: the tags the frame and the flow have in common, counted from the innermost
   * (flow_skip_common_vlan_headers), keep their bytes (their DEI); the frame's others are popped
   * and the flow's others pushed, built afresh: TPID 0x8100 unless one was pushed, DEI 0.
   */
  private commitVlans(): void {
    const want = this.vlanCount();
    const have = this.wireTags;
    const flow = [this.tpid0, this.tci0, this.tpid1, this.tci1] as const;
    const wire = [this.wireTpid0, this.wireTci0, this.wireTpid1, this.wireTci1] as const;
    let i = have - 1;
    let j = want - 1;
    while (i >= 0 && j >= 0 && wire[2 * i] === flow[2 * j] && wire[2 * i + 1] === flow[2 * j + 1]) {
      i--;
      j--;
    }
    this.words[W.VLAN_TCI] = this.tci0;
    if (i < 0 && j < 0) return;
    const b = this.bytes;
    const out = new Uint8Array(b.length + 4 * (j - i));
    out.set(b.subarray(0, 12), 0);
    for (let k = 0; k <= j; k++) putTag(out, 12 + 4 * k, flow[2 * k]!, flow[2 * k + 1]!);
    out.set(b.subarray(12 + 4 * (i + 1)), 12 + 4 * (j + 1));
    this.bytes = out;
    this.owned = true;
    this.wireTags = want;
    this.wireTci0 = this.tci0;
    this.wireTpid0 = this.tpid0;
    this.wireTci1 = this.tci1;
    this.wireTpid1 = this.tpid1;
    this.reparse();
  }

  /** Writes a packet field (masked) into the bytes, adjusting checksums; pipeline fields go to the words. */
  setField(field: FieldDef, value: bigint, mask: bigint): void {
    const w = this.words;
    if (field.writeMask !== undefined) mask &= field.writeMask;
    if (field.pipeline) {
      writeWords(w, field, value, mask);
      return;
    }
    if (!this.committable(field.word)) return;
    const current = readField(w, field);
    const next = (current & ~mask) | (value & mask);
    // OVS commits a field to the packet only where the flow's value changed (a later fragment's ICMP type, 0 in the flow, stays as it is).
    if (next === current) return;
    if (field.word === W.ND_RESERVED || field.word === W.ND_OPTIONS_TYPE) {
      this.setNdExtension(field.word, Number(next));
      return;
    }
    if (field.word === W.VLAN_TCI) {
      // The outer header's TCI; CFI set makes it present (pushed if the frame had none), clear absent (popped).
      this.tci0 = Number(next);
      if (this.tpid0 === 0) this.tpid0 = 0x8100;
      this.commitVlans();
      return;
    }
    this.own();
    this.writeBytes(field, next);
    this.reparse();
    // OVS's flow keeps a link-layer address written where the message has no such option (packet_set_nd leaves the bytes): a later lookup sees it.
    if (field.name === 'nd_sll' || field.name === 'nd_tll') writeWords(w, field, next, -1n);
  }

  /**
   * nd_reserved or nd_options_type changed, as OVS's odp_set_nd_ext and packet_set_nd_ext write
   * them into an ICMPv6 message of at least an ND header: the word after the checksum, or the type
   * byte of whichever option comes first (a link-layer address one or not), then the checksum
   * summed afresh, its pseudo-header taken from the IPv6 header as it stands (payload length and
   * next header, extension headers or not). The flow takes the value and is not parsed again.
   */
  private setNdExtension(word: number, value: number): void {
    const w = this.words;
    w[word] = value;
    const l3 = this.l3;
    const l4 = this.l4;
    const end = this.lengthWithoutPadding();
    if (w[W.DL_TYPE] !== 0x86dd || w[W.NW_PROTO] !== 58 || l4 === 0 || end - l4 < ND_OPTIONS) return;
    this.own();
    const b = this.bytes;
    if (word === W.ND_RESERVED) putBig(b, l4 + 4, 4, BigInt(value));
    else if (l4 + ND_OPTIONS < b.length) b[l4 + ND_OPTIONS] = value;
    b[l4 + 2] = b[l4 + 3] = 0;
    const checksum = finish(sumWords(b, l4, end, sumWords(b, l3 + 8, l3 + 40) + b[l3 + 6]! + u16(b, l3 + 4)));
    b[l4 + 2] = checksum >>> 8;
    b[l4 + 3] = checksum & 0xff;
  }

  /** How many label stack entries the flow has (OVS's flow_count_mpls_labels): up to the bottom of stack, else the non-zero ones of three. */
  mplsCount(): number {
    const w = this.words;
    const type = w[W.DL_TYPE];
    if (!isMplsEtherType(type)) return 0;
    let n = 0;
    for (let i = 0; i < MPLS_MAX_LABELS; i++) {
      const lse = w[W.MPLS_LSE + i]!;
      if ((lse & MPLS_BOS) !== 0) return i + 1;
      if (lse !== 0) n++;
    }
    return n;
  }

  /**
   * OVS's push_mpls: a new outermost label stack entry after the VLAN tags — a copy of the top one,
   * bottom of stack cleared, on an MPLS packet; else label 0 (2 for IPv6), TC from the DSCP's low 3
   * bits and TTL from IP's (64 without one), bottom of stack set — and `ethertype` as the frame's
   * EtherType. False when the flow has three entries already: OVS drops such a packet.
   */
  pushMpls(ethertype: number): boolean {
    const w = this.words;
    const n = this.mplsCount();
    if (n >= MPLS_MAX_LABELS) return false;
    let lse: number;
    if (n > 0) lse = (w[W.MPLS_LSE]! & ~MPLS_BOS) >>> 0;
    else {
      const type = w[W.DL_TYPE];
      const ip = type === 0x0800 || type === 0x86dd;
      const tc = ip ? (w[W.NW_TOS]! >> 2) & 7 : 0;
      const ttl = ip && w[W.NW_TTL] !== 0 ? w[W.NW_TTL]! : 64;
      lse = (((type === 0x86dd ? 2 : 0) << 12) | (tc << 9) | MPLS_BOS | ttl) >>> 0;
    }
    this.insertLse(lse);
    this.setEtherType(this.bytes, ethertype);
    this.reparse();
    return true;
  }

  /** A label stack entry put in at the top of the stack (where the L3 header starts on a frame with none). */
  private insertLse(lse: number): void {
    const b = this.bytes;
    const at = this.l3;
    const out = new Uint8Array(b.length + 4);
    out.set(b.subarray(0, at));
    out.set([lse >>> 24, (lse >>> 16) & 0xff, (lse >>> 8) & 0xff, lse & 0xff], at);
    out.set(b.subarray(at), at + 4);
    this.bytes = out;
    this.owned = true;
  }

  /**
   * OVS's pop_mpls as its next commit does it: to an MPLS `ethertype` the outermost entry goes; to
   * any other, every entry of the flow's stack (the flow counts no labels then). False when the
   * flow has three entries and the third is not the bottom of the stack: OVS drops such a packet.
   */
  popMpls(ethertype: number): boolean {
    const n = this.mplsCount();
    if (n === 0) return true;
    if (n === MPLS_MAX_LABELS && (this.words[W.MPLS_LSE + n - 1]! & MPLS_BOS) === 0) return false;
    const gone = isMplsEtherType(ethertype) ? 1 : n;
    const b = this.bytes;
    const at = this.l3;
    const cut = Math.min(4 * gone, b.length - at);
    const out = new Uint8Array(b.length - cut);
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + cut), at);
    this.setEtherType(out, ethertype);
    this.bytes = out;
    this.owned = true;
    this.reparse();
    return true;
  }

  /** OVS's set_ethertype: the EtherType before the L3 header under a VLAN tag, else the Ethernet header's. */
  private setEtherType(b: Uint8Array, ethertype: number): void {
    const at = isVlanTpid(b, 12) ? this.l3 - 2 : 12;
    b[at] = ethertype >>> 8;
    b[at + 1] = ethertype & 0xff;
  }

  /** Copies the caller's bytes before the first change. */
  private own(): void {
    if (this.owned) return;
    this.bytes = this.bytes.slice();
    this.owned = true;
  }

  private writeBytes(field: FieldDef, v: bigint): void {
    const b = this.bytes;
    const l3 = this.l3;
    const l4 = this.l4;
    const type = this.words[W.DL_TYPE]!;
    const n = Number(v & 0xffffffffn);
    switch (field.name) {
      case 'dl_dst':
        putBig(b, 0, 6, v);
        return;
      case 'dl_src':
        putBig(b, 6, 6, v);
        return;
      case 'nw_src':
      case 'nw_dst': {
        if (type === 0x0806) {
          putBig(b, l3 + (field.name === 'nw_src' ? 14 : 24), 4, v);
          return;
        }
        const at = l3 + (field.name === 'nw_src' ? 12 : 16);
        this.replaceWords(at, 4, v, true, true);
        return;
      }
      case 'arp_spa':
        putBig(b, l3 + 14, 4, v);
        return;
      case 'arp_tpa':
        putBig(b, l3 + 24, 4, v);
        return;
      case 'arp_sha':
        putBig(b, l3 + 8, 6, v);
        return;
      case 'arp_tha':
        putBig(b, l3 + 18, 6, v);
        return;
      case 'arp_op':
        putBig(b, l3 + 6, 2, v);
        return;
      case 'ipv6_src':
      case 'ipv6_dst':
        this.replaceWords(l3 + (field.name === 'ipv6_src' ? 8 : 24), 16, v, false, ipv6AddressInChecksum(b, l3, l4));
        return;
      case 'ipv6_label': {
        const first = ((b[l3 + 1]! & 0xf0) << 16) | n;
        b[l3 + 1] = (first >>> 16) & 0xff;
        b[l3 + 2] = (first >>> 8) & 0xff;
        b[l3 + 3] = first & 0xff;
        return;
      }
      case 'nw_tos':
      case 'ip_dscp':
      case 'nw_ecn': {
        const tos = field.name === 'nw_tos' ? n : field.name === 'ip_dscp' ? (this.words[W.NW_TOS]! & 3) | (n << 2) : (this.words[W.NW_TOS]! & 0xfc) | n;
        if (type === 0x0800) this.replace16(l3, (b[l3]! << 8) | tos, true, false);
        else {
          const word = ((b[l3]! & 0xf0) << 8) | (tos << 4) | (b[l3 + 1]! & 0x0f);
          b[l3] = word >>> 8;
          b[l3 + 1] = word & 0xff;
        }
        return;
      }
      case 'nw_ttl':
        this.setTtl(n);
        return;
      case 'nd_target':
        if (l4 !== 0 && b.length >= l4 + ND_OPTIONS) this.replaceWords(l4 + 8, 16, v, false, true);
        return;
      case 'mpls_label':
      case 'mpls_tc':
      case 'mpls_ttl': {
        // OVS's commit_mpls_action: the whole outermost entry set as the flow has it; where the flow
        // had no whole entry and now has one (not all zero), it is pushed.
        const shift = field.shift ?? 0;
        const bits = (2 ** field.bits - 1) * 2 ** shift;
        const lse = ((this.words[W.MPLS_LSE]! & ~bits) | (n * 2 ** shift)) >>> 0;
        if (this.mplsCount() > 0) putBig(b, l3, 4, BigInt(lse));
        else if (lse !== 0) this.insertLse(lse);
        return;
      }
      case 'nd_sll':
      case 'nd_tll': {
        // As OVS's packet_set_nd: only the first link-layer address option, if it is the one written.
        const at = l4 === 0 ? -1 : firstLinkLayerOption(b, l4 + ND_OPTIONS);
        if (at >= 0 && b[at] === (field.name === 'nd_sll' ? ND_OPT_SLL : ND_OPT_TLL)) this.replaceWords(at + 2, 6, v, false, true);
        return;
      }
      case 'tp_src':
      case 'tp_dst':
      case 'icmp_type':
      case 'icmp_code':
      case 'icmpv6_type':
      case 'icmpv6_code': {
        if (l4 === 0) return;
        const proto = this.words[W.NW_PROTO]!;
        if (field.name.startsWith('icmp')) {
          // ICMPv6's pseudo-header does not change: the checksum is adjusted as ICMP's is.
          const at = l4 + (field.name.endsWith('_type') ? 0 : 1);
          const old = u16(b, l4);
          b[at] = n;
          this.adjust(l4 + 2, old, u16(b, l4));
          return;
        }
        const at = l4 + (field.name === 'tp_src' ? 0 : 2);
        const old = u16(b, at);
        // OVS's packet_set_sctp_port: the CRC32c after the write keeps whatever error the one before had.
        const end = proto === 132 ? this.lengthWithoutPadding() : 0;
        const sctpBefore = proto === 132 ? this.sctpCrcs(l4, end) : 0;
        b[at] = n >>> 8;
        b[at + 1] = n & 0xff;
        if (proto === 6) this.adjust(l4 + 16, old, n);
        else if (proto === 17) this.adjustUdp(old, n);
        else if (proto === 132) {
          const view = new DataView(b.buffer, b.byteOffset);
          view.setUint32(l4 + 8, 0, true);
          view.setUint32(l4 + 8, (sctpBefore ^ crc32c(b, l4, end)) >>> 0, true);
        }
        return;
      }
    }
  }

  /**
   * Whether OVS's datapath would be given this write (odp-util's commit_set_*_action): an IP
   * header field only when the flow has an IP protocol (a header cut short has none), a port
   * only where the whole transport header is (odp-execute's dp_packet_get_*_payload).
   */
  private committable(word: number): boolean {
    const w = this.words;
    const type = w[W.DL_TYPE];
    if (type !== 0x0800 && type !== 0x86dd) return true;
    if (word === W.TP_SRC || word === W.TP_DST) return w[W.NW_PROTO] !== 0 && this.l4 !== 0 && this.bytes.length >= this.l4 + (w[W.NW_PROTO] === 6 ? 20 : w[W.NW_PROTO] === 132 ? 12 : 8);
    const ip = word === W.NW_SRC || word === W.NW_DST || word === W.NW_TOS || word === W.NW_TTL || word === W.IPV6_LABEL || (word >= W.IPV6_SRC && word < W.IPV6_SRC + 4) || (word >= W.IPV6_DST && word < W.IPV6_DST + 4);
    return !ip || w[W.NW_PROTO] !== 0;
  }

  /** Sets the IPv4 TTL (checksum adjusted) or the IPv6 hop limit. */
  setTtl(ttl: number): void {
    if (!this.committable(W.NW_TTL)) return;
    this.own();
    const b = this.bytes;
    const l3 = this.l3;
    if (this.words[W.DL_TYPE] === 0x0800) this.replace16(l3 + 8, (ttl << 8) | b[l3 + 9]!, true, false);
    else if (this.words[W.DL_TYPE] === 0x86dd) b[l3 + 7] = ttl;
    this.words[W.NW_TTL] = ttl;
  }

  /** Replaces the 16-bit word at `at` and adjusts the IPv4 header and/or L4 checksum. */
  private replace16(at: number, value: number, ipHeader: boolean, l4: boolean): void {
    const b = this.bytes;
    const old = u16(b, at);
    b[at] = value >>> 8;
    b[at + 1] = value & 0xff;
    if (ipHeader) this.adjust(this.l3 + 10, old, value);
    if (l4) this.adjustL4(old, value);
  }

  /** Replaces an address of `length` bytes at `at` one 16-bit word at a time (pseudo-header words touch L4 sums). */
  private replaceWords(at: number, length: number, v: bigint, ipHeader: boolean, l4: boolean): void {
    for (let k = 0; k < length; k += 2) {
      const word = Number((v >> BigInt(8 * (length - k - 2))) & 0xffffn);
      this.replace16(at + k, word, ipHeader, l4);
    }
  }

  private adjustL4(old: number, value: number): void {
    if (this.l4 === 0) return;
    const proto = this.words[W.NW_PROTO]!;
    if (proto === 6) this.adjust(this.l4 + 16, old, value);
    else if (proto === 17) this.adjustUdp(old, value);
    else if (proto === 58) this.adjust(this.l4 + 2, old, value);
  }

  /**
   * The UDP checksum: 0 means "none" and stays 0; an updated sum that comes out 0 is sent as
   * 0xffff (RFC 768), as OVS does.
   */
  private adjustUdp(old: number, value: number): void {
    const b = this.bytes;
    const at = this.l4 + 6;
    if (at + 2 > b.length || u16(b, at) === 0) return;
    this.adjust(at, old, value);
    if (b[at] === 0 && b[at + 1] === 0) {
      b[at] = 0xff;
      b[at + 1] = 0xff;
    }
  }

  /** RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
  private adjust(at: number, old: number, value: number): void {
    const b = this.bytes;
    if (at + 2 > b.length) return;
    let sum = (~u16(b, at) & 0xffff) + (~old & 0xffff) + value;
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    const result = ~sum & 0xffff;
    b[at] = result >>> 8;
    b[at + 1] = result & 0xff;
  }
}

/** A packet's state saved by SwitchPacket.saveTo; reusable. */
export class PacketState {
  bytes: Uint8Array = new Uint8Array(0);
  readonly words = new Uint32Array(FLOW_WORDS);
  l3 = 0;
  l4 = 0;
  dpHash = 0;
  queue = 0;
  /** The VLAN header slots, the tags on the wire and those last committed, in saveTo's order. */
  readonly vlans = new Uint32Array(14);
}

/** A VLAN tag at `at`: the TPID, then the TCI without CFI (on the wire that bit is DEI, which OVS sends as 0). */
function putTag(b: Uint8Array, at: number, tpid: number, tci: number): void {
  const t = tpid === 0 ? 0x8100 : tpid;
  const wire = tci & ~VLAN_CFI;
  b[at] = t >>> 8;
  b[at + 1] = t & 0xff;
  b[at + 2] = wire >>> 8;
  b[at + 3] = wire & 0xff;
}

/** An 802.1Q or 802.1ad TPID at `at` (what OVS parses as a VLAN header: the tag and the EtherType after it there). */
function isVlanTpid(b: Uint8Array, at: number): boolean {
  if (at + 6 > b.length) return false;
  const t = u16(b, at);
  return t === 0x8100 || t === 0x88a8;
}

/** A label stack entry's bottom-of-stack bit. */
const MPLS_BOS = 0x100;

/** ND messages: the options start after the ICMPv6 header, the 4 reserved/flag bytes and the 16-byte target. */
const ND_OPTIONS = 24;
const ND_OPT_SLL = 1;
const ND_OPT_TLL = 2;

/** The offset of the first source or target link-layer address option (8 bytes long) from `at` on, or -1 (OVS's odp_set_nd walk). */
function firstLinkLayerOption(b: Uint8Array, at: number): number {
  while (b.length - at >= 8 && b[at + 1] !== 0) {
    if ((b[at] === ND_OPT_SLL || b[at] === ND_OPT_TLL) && b[at + 1] === 1) return at;
    at += b[at + 1]! * 8;
  }
  return -1;
}

function putBig(b: Uint8Array, at: number, length: number, v: bigint): void {
  for (let i = length - 1; i >= 0; i--) {
    b[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function ipv6TransportOffset(b: Uint8Array, l3: number): number {
  let next = b[l3 + 6]!;
  let o = l3 + 40;
  while (next === 0 || next === 43 || next === 60 || next === 44 || next === 51) {
    if (o + 8 > b.length) return 0;
    const length = next === 44 ? 8 : next === 51 ? (b[o + 1]! + 2) * 4 : (b[o + 1]! + 1) * 8;
    next = b[o]!;
    o += length;
  }
  return o <= b.length ? o : 0;
}

/**
 * Whether the L4 checksum follows a rewrite of an IPv6 address, as OVS's packet_set_ipv6 decides
 * (packet_rh_present): not under a routing header with segments left (RFC 8200 §8.1: the
 * pseudo-header holds the final destination, which is in the routing header), not in a fragment
 * other than a first one, and only for TCP, UDP and ICMPv6 found behind the extension headers
 * before `l4` (the whole frame when 0).
 */
function ipv6AddressInChecksum(b: Uint8Array, l3: number, l4: number): boolean {
  const end = l4 === 0 ? b.length : l4;
  let next = b[l3 + 6]!;
  let o = l3 + 40;
  let recalculate = true;
  while (next === 0 || next === 43 || next === 60 || next === 44 || next === 51) {
    if (end - o < 8) return false;
    let length: number;
    if (next === 51) length = (b[o + 1]! + 2) * 4;
    else if (next === 44) {
      const offsetFlags = u16(b, o + 2);
      // Only a first fragment (offset 0, more to come) has its checksum kept right.
      recalculate = (offsetFlags & 0xfff8) === 0 && (offsetFlags & 1) === 1;
      length = 8;
    } else if (next === 43 && b[o + 3]! > 0) return false;
    else length = (b[o + 1]! + 1) * 8;
    next = b[o]!;
    if (end - o < length) return false;
    o += length;
  }
  return recalculate && (next === 6 || next === 17 || next === 58);
}

/** Writes a field's value (under `mask`) into flow words, as a set_field of a pipeline field does. */
function writeWords(w: Uint32Array, field: FieldDef, value: bigint, mask: bigint): void {
  const shift = BigInt(field.shift ?? 0);
  let v = value << shift;
  let m = (mask & ((1n << BigInt(field.bits)) - 1n)) << shift;
  for (let k = field.words - 1; k >= 0; k--) {
    const mk = Number(m & 0xffffffffn);
    w[field.word + k] = ((w[field.word + k]! & ~mk) | (Number(v & 0xffffffffn) & mk)) >>> 0;
    v >>= 32n;
    m >>= 32n;
  }
}
