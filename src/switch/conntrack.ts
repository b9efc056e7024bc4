/**
 * The connection tracker of one switch, as Open vSwitch's userspace datapath has it
 * (lib/conntrack.c, conntrack-tcp.c, conntrack-other.c, conntrack-icmp.c): connections per zone,
 * keyed by their original and reply tuples; TCP followed with the window checks of
 * conntrack-tcp.c (Guido van Rooij's sequence tracking), so a segment out of the window or with
 * flags no stack sends is +inv; UDP and other protocols by whether a reply was seen; ICMP echo,
 * timestamp and info by id, and ICMP errors as +rel to the connection they quote; OVS's default
 * timeouts in virtual nanoseconds; source and destination NAT that rewrites the original
 * direction and un-rewrites the reply, checksums adjusted as every other field write is.
 *
 * It owns the connection table and the ct_* words of a packet it runs; it never decides where
 * a packet goes (the pipeline runs the ct action and resumes the tables).
 */
import { u16, u32 } from '../wire/read.js';
import { readIpv6 } from '../hosts/addressing.js';
import { W, fieldByName } from './fields.js';
import type { SwitchPacket } from './packet.js';

/** ct_state bits (OVS's CS_*), in the order ovs-ofctl prints them. */
export const CS = { NEW: 0x01, EST: 0x02, REL: 0x04, RPL: 0x08, INV: 0x10, TRK: 0x20, SNAT: 0x40, DNAT: 0x80 } as const;
export const CT_STATE_FLAGS: readonly (readonly [string, number])[] = [
  ['new', CS.NEW], ['est', CS.EST], ['rel', CS.REL], ['rpl', CS.RPL], ['inv', CS.INV], ['trk', CS.TRK], ['snat', CS.SNAT], ['dnat', CS.DNAT],
];

/** ct_state bits as OVS's format_flags writes them: names joined by `|`, lowest bit first. */
export function formatCtStateBits(state: number): string {
  return CT_STATE_FLAGS.filter(([, bit]) => (state & bit) !== 0).map(([name]) => name).join('|');
}

/** OVS's default timeout policy (conntrack-tp.c), in seconds. */
export const CT_TIMEOUTS = {
  tcpSynSent: 30, tcpSynRecv: 30, tcpEstablished: 24 * 60 * 60, tcpFinWait: 15 * 60, tcpTimeWait: 45, tcpClose: 30,
  otherFirst: 60, otherSingle: 60, otherMultiple: 30, icmpFirst: 60, icmpReply: 30,
} as const;

/** nat(…) of a ct action: which side, the address and port ranges (0: none given), and the flags. */
export interface NatSpec {
  kind: 'src' | 'dst' | undefined;
  /** The first address (IPv4 or IPv6, as a bigint) and the last when a range was written; undefined when not given. */
  addrMin: bigint | undefined;
  addrMax: bigint | undefined;
  v6: boolean;
  /** The first port (0: none given) and the last when a range was written (0: none). */
  portMin: number;
  portMax: number;
  persistent: boolean;
  hash: boolean;
  random: boolean;
}

/** What a ct action asks of the tracker. */
export interface CtRequest {
  zone: number;
  commit: boolean;
  force: boolean;
  nat: NatSpec | undefined;
  /** Bits of ct_mark and ct_label the nested actions wrote (mask 0: none), their values in the packet's words. */
  markMask: number;
  labelMask: bigint;
}

// TCP peer states (OVS's CT_DPIF_TCPS_*).
const TCPS = { CLOSED: 0, SYN_SENT: 2, ESTABLISHED: 4, CLOSING: 7, FIN_WAIT_2: 9, TIME_WAIT: 10 } as const;
const TCP_STATE_NAMES = ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK', 'FIN_WAIT_2', 'TIME_WAIT'];
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;
const WSCALE_FLAG = 0x80;
const WSCALE_UNKNOWN = 0x40;
const WSCALE_MASK = 0xf;
const MAX_WSCALE = 14;
const MAX_ACK_WINDOW = 0xffff + 1500;
/** OVS's other/icmp states: first packet, several one way, both ways (icmp: first, reply). */
const FIRST = 0;
const MULTIPLE = 1;
const BIDIR = 2;
const UPDATE_VALID = 0;
const UPDATE_INVALID = 1;
const UPDATE_NEW = 2;
const UPDATE_VALID_NEW = 3;
const NS = 1e9;

const seqGeq = (a: number, b: number) => ((a - b) | 0) >= 0;
const seqGt = (a: number, b: number) => ((a - b) | 0) > 0;

/** One direction's addresses and ports (ICMP: type << 16 | id, as OVS's key keeps both). */
interface Tuple {
  src: bigint;
  dst: bigint;
  sport: number;
  dport: number;
}

export interface Connection {
  zone: number;
  v6: boolean;
  proto: number;
  orig: Tuple;
  reply: Tuple;
  origKey: bigint;
  replyKey: bigint;
  mark: number;
  label: bigint;
  /** The NAT the original direction gets (reply: the reverse). */
  nat: 'src' | 'dst' | undefined;
  expires: number;
  /** other/icmp: FIRST, MULTIPLE, BIDIR; TCP: the peers below. */
  state: number;
  peerState: [number, number];
  seqlo: [number, number];
  seqhi: [number, number];
  maxWin: [number, number];
  wscale: [number, number];
}

/** The tracker's memory of the packet between ct actions of one pass (OVS's md.conn): the same connection is not updated twice. */
export interface CtCache {
  conn: Connection | undefined;
  reply: boolean;
  related: boolean;
}

/** A tuple extracted from a packet, reused for every packet (no per-packet objects). */
class KeyScratch {
  v6 = false;
  proto = 0;
  src = 0n;
  dst = 0n;
  sport = 0;
  dport = 0;
  related = false;
  /** For ICMP: the type and code the key came from (ct_tp_src / ct_tp_dst of an ICMP connection). */
  icmpType = 0;
  icmpCode = 0;
}

const NW_SRC = fieldByName('nw_src')!;
const NW_DST = fieldByName('nw_dst')!;
const IPV6_SRC = fieldByName('ipv6_src')!;
const IPV6_DST = fieldByName('ipv6_dst')!;
const TP_SRC = fieldByName('tp_src')!;
const TP_DST = fieldByName('tp_dst')!;
const FULL32 = 0xffffffffn;
const FULL128 = (1n << 128n) - 1n;

/**
 * A connection's key: zone, family, protocol, ports and both addresses in one bigint, under 64
 * low bits that mix them: V8 hashes a bigint by its lowest 64 bits only, so keys that differ
 * only higher up (every connection to one server) would all collide.
 */
function keyOf(zone: number, v6: boolean, proto: number, t: Tuple): bigint {
  const head = BigInt(zone * 0x200 + (v6 ? 0x100 : 0) + proto);
  const ports = t.sport * 0x1000000 + t.dport;
  const src = Number(t.src & 0xffffffffn);
  const dst = Number(t.dst & 0xffffffffn);
  const mix = BigInt((Math.imul(src ^ ports, 0x9e3779b1) ^ (dst >>> 0)) >>> 0) * 0x100000000n + BigInt((Math.imul(dst ^ (ports / 0x10000), 0x85ebca6b) ^ src ^ (zone << 8) ^ proto) >>> 0);
  return (head << 368n) | (BigInt(ports) << 320n) | (t.src << 192n) | (t.dst << 64n) | mix;
}

const reverse = (t: Tuple): Tuple => ({ src: t.dst, dst: t.src, sport: t.dport, dport: t.sport });

/** ICMP echo, timestamp and information request and reply answer each other (OVS's reverse_icmp_type). */
function reverseIcmpType(type: number, v6: boolean): number {
  if (v6) return type === 128 ? 129 : 128;
  switch (type) {
    case 8: return 0;
    case 0: return 8;
    case 13: return 14;
    case 14: return 13;
    case 15: return 16;
    default: return 15;
  }
}

export class ConnTrack {
  private readonly conns = new Map<bigint, Connection>();
  private readonly k = new KeyScratch();
  /** Connections committed so far (for the bench and dumps). */
  get size(): number {
    return this.conns.size / 2;
  }

  /** Forgets every connection (ovs-appctl dpctl/flush-conntrack). */
  flush(): void {
    this.conns.clear();
  }

  /**
   * Runs a packet through the tracker (OVS's conntrack_execute for one packet): sets its ct_*
   * words, commits when asked, NATs its bytes when asked; `cache` is the packet's memory of the
   * connection from an earlier ct action of the same pass.
   */
  execute(pk: SwitchPacket, req: CtRequest, cache: CtCache, now: number): void {
    const w = pk.words;
    let state = w[W.CT_STATE]!;
    // A new zone starts afresh.
    if (state !== 0 && w[W.CT_ZONE] !== req.zone) state = 0;
    const cached = cache.conn;
    if (cached !== undefined && cached.zone === req.zone && !req.force && cached.expires > now) {
      // OVS's process_one_fast: the connection was updated already.
      if (req.nat !== undefined) {
        state = this.handleNat(pk, cached, req.zone, cache.reply, cache.related, state);
        cache.conn = undefined;
      }
      w[W.CT_STATE] = state;
      this.writeMetadata(pk, req, cached);
      return;
    }
    cache.conn = undefined;
    const k = this.k;
    if (!this.extract(pk, k)) {
      w[W.CT_STATE] = CS.INV | CS.TRK;
      this.writeMetadata(pk, req, undefined);
      return;
    }
    const key = keyOf(req.zone, k.v6, k.proto, k);
    const natted = (state & (CS.SNAT | CS.DNAT)) !== 0;
    // A packet NATed by an earlier ct action is found by its NATed tuple, reversed (OVS's initial_conn_lookup).
    const lookupKey = natted ? keyOf(req.zone, k.v6, k.proto, reverse(k)) : key;
    let conn = this.lookup(lookupKey, now);
    // Found by its reply tuple is a reply (conn_key_lookup), the other way round for a NATed packet's reversed tuple.
    let reply = conn !== undefined && conn.replyKey === lookupKey;
    if (natted && conn !== undefined) reply = !reply;
    if (req.force && reply && conn !== undefined) {
      this.remove(conn);
      conn = undefined;
    }
    let create = false;
    let replaced: Connection | undefined;
    if (conn !== undefined) {
      if (k.related) {
        state |= CS.REL | (reply ? CS.RPL : 0);
      } else {
        switch (conn.proto === 6 ? this.tcpUpdate(pk, conn, reply, now) : this.otherUpdate(conn, reply, now)) {
          case UPDATE_VALID:
            state = (state | CS.EST | (reply ? CS.RPL : 0)) & ~CS.NEW;
            break;
          case UPDATE_INVALID:
            state = CS.INV;
            break;
          case UPDATE_NEW:
            // OVS 3.1 force-expires the old connection and creates the new one beside it: its NAT tuple is still taken.
            replaced = conn;
            create = true;
            break;
          case UPDATE_VALID_NEW:
            state |= CS.NEW;
            break;
        }
      }
      if (req.nat !== undefined && !create) state = this.handleNat(pk, conn, req.zone, reply, k.related, state);
    } else if (k.related) state = CS.INV;
    else create = true;
    if (create) {
      conn = undefined;
      if (!this.validNew(pk, k)) state = CS.INV;
      else {
        state = CS.NEW;
        if (req.commit) {
          conn = this.commit(pk, k, req, now);
          if (conn !== undefined && conn.nat !== undefined) state = this.natPacket(pk, conn, false, false, state);
        }
      }
      if (replaced !== undefined) this.remove(replaced);
    }
    w[W.CT_STATE] = state | CS.TRK;
    this.writeMetadata(pk, req, conn);
    if (conn === undefined || state & CS.INV) return;
    cache.conn = req.nat === undefined ? conn : undefined;
    cache.reply = reply;
    cache.related = k.related;
  }

  /** The committed connections as `ovs-appctl dpctl/dump-conntrack` prints them, sorted. */
  dump(now: number): string[] {
    const out: string[] = [];
    for (const [key, c] of this.conns) {
      if (key !== c.origKey || c.expires <= now) continue;
      const name = c.proto === 6 ? 'tcp' : c.proto === 17 ? 'udp' : c.proto === 1 ? 'icmp' : c.proto === 58 ? 'icmpv6' : `${c.proto}`;
      const tuple = (t: Tuple) => {
        const a = (v: bigint) => (c.v6 ? v6Text(v) : v4Text(Number(v)));
        const ports = c.proto === 1 || c.proto === 58 ? `,id=${t.sport & 0xffff},type=${t.sport >>> 16},code=0` : c.proto === 6 || c.proto === 17 || c.proto === 132 ? `,sport=${t.sport},dport=${t.dport}` : '';
        return `src=${a(t.src)},dst=${a(t.dst)}${ports}`;
      };
      const parts = [`${name},orig=(${tuple(c.orig)}),reply=(${tuple(c.reply)})`];
      if (c.zone) parts.push(`zone=${c.zone}`);
      if (c.mark) parts.push(`mark=${c.mark}`);
      if (c.label) parts.push(`labels=0x${c.label.toString(16)}`);
      // One state for both peers, as ct-dpif.c prints it: the further of the two, FIN_WAIT_2 as TIME_WAIT and SYN_RECV as ESTABLISHED.
      if (c.proto === 6) {
        const state = Math.max(c.peerState[0], c.peerState[1]);
        parts.push(`protoinfo=(state=${TCP_STATE_NAMES[state === TCPS.FIN_WAIT_2 ? TCPS.TIME_WAIT : state === 3 ? TCPS.ESTABLISHED : state]})`);
      }
      out.push(parts.join(','));
    }
    return out.sort();
  }

  private lookup(key: bigint, now: number): Connection | undefined {
    const conn = this.conns.get(key);
    if (conn === undefined) return undefined;
    if (conn.expires > now) return conn;
    this.remove(conn);
    return undefined;
  }

  /** Forgets a connection: its keys, unless a newer connection holds them already. */
  private remove(conn: Connection): void {
    if (this.conns.get(conn.origKey) === conn) this.conns.delete(conn.origKey);
    if (this.conns.get(conn.replyKey) === conn) this.conns.delete(conn.replyKey);
  }

  /** The ct_* words after a ct action (OVS's write_ct_md): zone, the connection's mark and label with the nested writes applied, its original tuple. */
  private writeMetadata(pk: SwitchPacket, req: CtRequest, conn: Connection | undefined): void {
    const w = pk.words;
    w[W.CT_ZONE] = req.zone;
    const markWritten = w[W.CT_MARK]!;
    const labelWritten = labelOf(w);
    if (conn !== undefined) {
      if (req.markMask !== 0) conn.mark = ((markWritten & req.markMask) | (conn.mark & ~req.markMask)) >>> 0;
      if (req.labelMask !== 0n) conn.label = (labelWritten & req.labelMask) | (conn.label & ~req.labelMask);
    }
    w[W.CT_MARK] = conn?.mark ?? 0;
    setLabel(w, conn?.label ?? 0n);
    for (let i = W.CT_NW_SRC; i <= W.CT_TP_DST; i++) w[i] = 0;
    const k = this.k;
    const tuple = conn?.orig ?? (w[W.CT_STATE]! & CS.INV ? undefined : k);
    if (tuple === undefined) return;
    const v6 = conn?.v6 ?? k.v6;
    const proto = conn?.proto ?? k.proto;
    if (v6) {
      for (let i = 0; i < 4; i++) {
        w[W.CT_IPV6_SRC + i] = Number((tuple.src >> BigInt(96 - 32 * i)) & FULL32);
        w[W.CT_IPV6_DST + i] = Number((tuple.dst >> BigInt(96 - 32 * i)) & FULL32);
      }
    } else {
      w[W.CT_NW_SRC] = Number(tuple.src);
      w[W.CT_NW_DST] = Number(tuple.dst);
    }
    w[W.CT_NW_PROTO] = proto;
    const icmp = proto === 1 || proto === 58;
    // ICMP's tuple gives its type and code (OVS's ct_orig_tuple).
    w[W.CT_TP_SRC] = icmp ? tuple.sport >>> 16 : tuple.sport;
    w[W.CT_TP_DST] = icmp ? 0 : tuple.dport;
  }

  /** OVS's conn_key_extract: the packet's tuple, checksums verified; false when it has none (the packet is +inv). */
  private extract(pk: SwitchPacket, k: KeyScratch): boolean {
    const w = pk.words;
    const b = pk.bytes;
    const type = w[W.DL_TYPE];
    const l3 = pk.l3;
    const l4 = pk.l4;
    k.related = false;
    if (type === 0x0800) {
      if (l4 === 0 || b.length < l3 + 20) return false;
      const ihl = (b[l3]! & 0x0f) * 4;
      const total = u16(b, l3 + 2);
      if (ihl < 20 || total < ihl || l3 + total > b.length) return false;
      if (pk.nwFrag !== 0) return false;
      if (sum(b, l3, l3 + ihl, 0) !== 0xffff) return false;
      k.v6 = false;
      k.src = BigInt(w[W.NW_SRC]!);
      k.dst = BigInt(w[W.NW_DST]!);
      k.proto = w[W.NW_PROTO]!;
      return this.extractL4(b, k, l4, l3 + total, pseudoSum4(b, l3, k.proto, l3 + total - l4));
    }
    if (type === 0x86dd) {
      if (l4 === 0 || b.length < l3 + 40 || pk.nwFrag !== 0) return false;
      const end = l3 + 40 + u16(b, l3 + 4);
      if (end > b.length) return false;
      k.v6 = true;
      k.src = wordsToBig(w, W.IPV6_SRC);
      k.dst = wordsToBig(w, W.IPV6_DST);
      k.proto = w[W.NW_PROTO]!;
      return this.extractL4(b, k, l4, end, sum(b, l3 + 8, l3 + 40, k.proto + (end - l4)));
    }
    return false;
  }

  private extractL4(b: Uint8Array, k: KeyScratch, l4: number, end: number, pseudo: number): boolean {
    const len = end - l4;
    switch (k.proto) {
      case 6:
        if (len < 20 || (b[l4 + 12]! >>> 4) * 4 < 20 || (b[l4 + 12]! >>> 4) * 4 > len) return false;
        if (sum(b, l4, end, pseudo) !== 0xffff) return false;
        k.sport = u16(b, l4);
        k.dport = u16(b, l4 + 2);
        return true;
      case 17:
        if (len < 8) return false;
        if ((k.v6 || u16(b, l4 + 6) !== 0) && sum(b, l4, end, pseudo) !== 0xffff) return false;
        k.sport = u16(b, l4);
        k.dport = u16(b, l4 + 2);
        return true;
      case 1:
      case 58: {
        const v6 = k.proto === 58;
        if (len < 8) return false;
        if (sum(b, l4, end, v6 ? pseudo : 0) !== 0xffff) return false;
        const type = b[l4]!;
        const code = b[l4 + 1]!;
        const info = v6 ? type === 128 || type === 129 : type === 0 || type === 8 || (type >= 13 && type <= 16);
        if (info) {
          if (code !== 0) return false;
          const id = u16(b, l4 + 4);
          k.sport = (type << 16) | id;
          k.dport = (reverseIcmpType(type, v6) << 16) | id;
          k.icmpType = type;
          k.icmpCode = code;
          return true;
        }
        const error = v6 ? type >= 1 && type <= 4 : type === 3 || type === 11 || type === 12 || type === 4 || type === 5;
        return error && this.extractRelated(b, k, l4 + 8, end);
      }
      default:
        k.sport = 0;
        k.dport = 0;
        return true;
    }
  }

  /** An ICMP error's quoted packet: the connection it belongs to, seen from the error's sender (OVS's extract_l4_icmp). */
  private extractRelated(b: Uint8Array, k: KeyScratch, inner: number, end: number): boolean {
    let l4: number;
    let src: bigint;
    let dst: bigint;
    let proto: number;
    if (!k.v6) {
      if (end - inner < 20) return false;
      const ihl = (b[inner]! & 0x0f) * 4;
      if (ihl < 20 || (u16(b, inner + 6) & 0x1fff) !== 0) return false;
      src = BigInt(u32(b, inner + 12));
      dst = BigInt(u32(b, inner + 16));
      proto = b[inner + 9]!;
      l4 = inner + ihl;
    } else {
      if (end - inner < 40) return false;
      src = readIpv6(b, inner + 8);
      dst = readIpv6(b, inner + 24);
      proto = b[inner + 6]!;
      l4 = inner + 40;
    }
    // The quoted packet went to the error's sender's side: its source is where the error goes.
    if (src !== k.dst) return false;
    if (proto === 6 || proto === 17 || proto === 132) {
      if (end - l4 < 8) return false;
      k.sport = u16(b, l4 + 2);
      k.dport = u16(b, l4);
    } else if (proto === 1 || proto === 58) {
      if (end - l4 < 8) return false;
      const type = b[l4]!;
      const id = u16(b, l4 + 4);
      k.sport = (reverseIcmpType(type, proto === 58) << 16) | id;
      k.dport = (type << 16) | id;
    } else {
      k.sport = 0;
      k.dport = 0;
    }
    k.src = dst;
    k.dst = src;
    k.proto = proto;
    k.related = true;
    return true;
  }

  /** Whether the packet may start a connection (OVS's valid_new): TCP without a SYN+ACK and with sane flags, ICMP requests only. */
  private validNew(pk: SwitchPacket, k: KeyScratch): boolean {
    const b = pk.bytes;
    if (k.proto === 6) {
      const flags = b[pk.l4 + 13]!;
      return !invalidFlags(flags) && (flags & (SYN | ACK)) !== (SYN | ACK);
    }
    if (k.proto === 1) return k.icmpType === 8 || k.icmpType === 13 || k.icmpType === 15;
    if (k.proto === 58) return k.icmpType === 128;
    return true;
  }

  private commit(pk: SwitchPacket, k: KeyScratch, req: CtRequest, now: number): Connection | undefined {
    const orig: Tuple = { src: k.src, dst: k.dst, sport: k.sport, dport: k.dport };
    const conn: Connection = {
      zone: req.zone, v6: k.v6, proto: k.proto, orig, reply: reverse(orig), origKey: 0n, replyKey: 0n, mark: 0, label: 0n, nat: undefined,
      expires: now, state: FIRST, peerState: [0, 0], seqlo: [0, 0], seqhi: [0, 0], maxWin: [0, 0], wscale: [0, 0],
    };
    conn.origKey = keyOf(req.zone, k.v6, k.proto, orig);
    const nat = req.nat;
    if (nat !== undefined && nat.kind !== undefined) {
      if (!this.natTuple(conn, nat)) return undefined;
      conn.nat = nat.kind;
    }
    conn.replyKey = keyOf(req.zone, k.v6, k.proto, conn.reply);
    this.initialize(conn, pk, now);
    this.conns.set(conn.origKey, conn);
    this.conns.set(conn.replyKey, conn);
    return conn;
  }

  /**
   * The reply tuple a NATed connection gets (OVS's nat_get_unique_tuple): the first address of the
   * range, and the packet's own port when it is free (a port range: its first free port), else the
   * next free one in the ephemeral range its port is in. OVS picks within an address range by a
   * hash with a random basis; netloom takes the first address, so ranges of one address agree.
   */
  private natTuple(conn: Connection, nat: NatSpec): boolean {
    const r = conn.reply;
    const src = nat.kind === 'src';
    const addr = nat.addrMin ?? (src ? conn.orig.src : conn.orig.dst);
    if (src) r.dst = addr;
    else r.src = addr;
    const ports = conn.proto === 6 || conn.proto === 17 || conn.proto === 132;
    if (!ports) return !this.conns.has(keyOf(conn.zone, conn.v6, conn.proto, r));
    if (!src && nat.portMin !== 0) {
      for (let p = nat.portMin; p <= (nat.portMax || nat.portMin); p++) {
        r.sport = p;
        if (!this.conns.has(keyOf(conn.zone, conn.v6, conn.proto, r))) return true;
      }
    }
    let min: number;
    let max: number;
    let port = conn.orig.sport;
    if (src && nat.portMin !== 0) {
      min = nat.portMin;
      max = nat.portMax || nat.portMin;
      port = min;
    } else if (port < 512) [min, max] = [1, 511];
    else if (port < 1024) [min, max] = [600, 1023];
    else [min, max] = [32768, 65535];
    for (let i = 0; i <= max - min; i++) {
      r.dport = port;
      if (!this.conns.has(keyOf(conn.zone, conn.v6, conn.proto, r))) return true;
      port = port >= max ? min : port + 1;
    }
    return false;
  }

  /** OVS's handle_nat: NAT once per zone. */
  private handleNat(pk: SwitchPacket, conn: Connection, zone: number, reply: boolean, related: boolean, state: number): number {
    if (conn.nat === undefined) return state;
    if ((state & (CS.SNAT | CS.DNAT)) !== 0 && zone === pk.words[W.CT_ZONE]) return state;
    return this.natPacket(pk, conn, reply, related, state & ~(CS.SNAT | CS.DNAT));
  }

  /**
   * Rewrites the packet to the other direction's tuple (OVS's nat_packet): source NAT one way is
   * destination NAT back. An ICMP error gets its outer address rewritten, and the packet it
   * quotes the reverse, its ICMP checksum computed afresh (OVS's nat_inner_packet).
   */
  private natPacket(pk: SwitchPacket, conn: Connection, reply: boolean, related: boolean, state: number): number {
    const toSrc = (conn.nat === 'src') !== reply;
    // Forward: the reply tuple reversed is what the packet becomes; reply: the original reversed.
    const t = reply ? conn.orig : conn.reply;
    const ports = hasPorts(conn.proto) && !related;
    if (toSrc) {
      pk.setField(conn.v6 ? IPV6_SRC : NW_SRC, t.dst, conn.v6 ? FULL128 : FULL32);
      if (ports) pk.setField(TP_SRC, BigInt(t.dport), 0xffffn);
    } else {
      pk.setField(conn.v6 ? IPV6_DST : NW_DST, t.src, conn.v6 ? FULL128 : FULL32);
      if (ports) pk.setField(TP_DST, BigInt(t.sport), 0xffffn);
    }
    // DNAT sets both ports (OVS's pat_packet and un_pat_packet): the source port moves when a taken reply tuple made it.
    if (ports && conn.nat === 'dst') {
      if (toSrc) pk.setField(TP_DST, BigInt(t.sport), 0xffffn);
      else pk.setField(TP_SRC, BigInt(t.dport), 0xffffn);
    }
    if (related) natQuoted(pk, conn, t, !toSrc);
    return state | (toSrc ? CS.SNAT : CS.DNAT);
  }

  /** conntrack-other.c and conntrack-icmp.c: a reply makes it both ways; a second packet one way is still +new. */
  private otherUpdate(conn: Connection, reply: boolean, now: number): number {
    const icmp = conn.proto === 1 || conn.proto === 58;
    if (icmp) {
      let ret = UPDATE_VALID;
      if (reply && conn.state === FIRST) conn.state = BIDIR;
      else if (conn.state === FIRST) ret = UPDATE_VALID_NEW;
      conn.expires = now + (conn.state === FIRST ? CT_TIMEOUTS.icmpFirst : CT_TIMEOUTS.icmpReply) * NS;
      return ret;
    }
    if (reply && conn.state !== BIDIR) conn.state = BIDIR;
    else if (conn.state === FIRST) conn.state = MULTIPLE;
    conn.expires = now + (conn.state === FIRST ? CT_TIMEOUTS.otherFirst : conn.state === MULTIPLE ? CT_TIMEOUTS.otherSingle : CT_TIMEOUTS.otherMultiple) * NS;
    return conn.state === BIDIR ? UPDATE_VALID : UPDATE_VALID_NEW;
  }

  /** conntrack-tcp.c's tcp_conn_update: the window checks, state changes and timeouts. */
  private tcpUpdate(pk: SwitchPacket, conn: Connection, reply: boolean, now: number): number {
    const b = pk.bytes;
    const l4 = pk.l4;
    const s = reply ? 1 : 0;
    const d = 1 - s;
    const flags = b[l4 + 13]!;
    if (invalidFlags(flags)) return UPDATE_INVALID;
    const ps = conn.peerState;
    if ((flags & (SYN | ACK)) === SYN) {
      if (ps[d]! >= TCPS.FIN_WAIT_2 && ps[s]! >= TCPS.FIN_WAIT_2) {
        ps[s] = ps[d] = TCPS.CLOSED;
        return UPDATE_NEW;
      }
      if (ps[s]! <= TCPS.SYN_SENT) {
        ps[s] = TCPS.SYN_SENT;
        conn.expires = now + CT_TIMEOUTS.tcpSynSent * NS;
        return UPDATE_VALID_NEW;
      }
    }
    const ws = conn.wscale;
    let sws = 0;
    let dws = 0;
    if (ws[s]! & WSCALE_FLAG && ws[d]! & WSCALE_FLAG && !(flags & SYN)) {
      sws = ws[s]! & WSCALE_MASK;
      dws = ws[d]! & WSCALE_MASK;
    } else if (ws[s]! & WSCALE_UNKNOWN && ws[d]! & WSCALE_UNKNOWN && !(flags & SYN)) {
      sws = dws = MAX_WSCALE;
    }
    let win = u16(b, l4 + 14);
    const origSeq = u32(b, l4 + 4);
    let seq = origSeq;
    let ack = u32(b, l4 + 8);
    const pLen = payloadLength(pk);
    let end: number;
    let checkAckSkew = true;
    const seqlo = conn.seqlo;
    const seqhi = conn.seqhi;
    const maxWin = conn.maxWin;
    if (ps[s]! < TCPS.SYN_SENT) {
      // The first packet from this end.
      end = (seq + pLen) >>> 0;
      if (flags & SYN) {
        end = (end + 1) >>> 0;
        if (ws[d]! & WSCALE_FLAG) {
          ws[s] = windowScale(b, l4);
          if (ws[s]! & WSCALE_FLAG) {
            sws = ws[s]! & WSCALE_MASK;
            win = Math.ceil(win / (1 << sws));
            dws = ws[d]! & WSCALE_MASK;
          } else {
            maxWin[d] = (maxWin[d]! << (ws[d]! & WSCALE_MASK)) >>> 0;
            ws[d] = 0;
          }
        }
      }
      if (flags & FIN) end = (end + 1) >>> 0;
      seqlo[s] = seq;
      ps[s] = TCPS.SYN_SENT;
      const reach = (end + Math.max(1, (maxWin[d]! << dws) >>> 0)) >>> 0;
      if (seqhi[s] === 1 || seqGeq(reach, seqhi[s]!)) {
        seqhi[s] = reach;
        checkAckSkew = false;
      }
      if (win > maxWin[s]!) maxWin[s] = win;
    } else {
      end = (seq + pLen + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0)) >>> 0;
    }
    if ((flags & ACK) === 0) ack = seqlo[d]!;
    else if (ack === 0 && (flags & (ACK | RST)) === (ACK | RST)) ack = seqlo[d]!;
    if (seq === end) {
      seq = seqlo[s]!;
      end = seq;
    }
    const ackSkew = checkAckSkew ? (seqlo[d]! - ack) | 0 : 0;
    const within =
      seqGeq(seqhi[s]!, end) &&
      seqGeq(seq, (seqlo[s]! - ((maxWin[d]! << dws) >>> 0)) >>> 0) &&
      ackSkew >= -MAX_ACK_WINDOW &&
      ackSkew <= MAX_ACK_WINDOW * 2 ** sws &&
      ((flags & RST) === 0 || origSeq === seqlo[s] || origSeq === ((seqlo[s]! + 1) >>> 0) || ((origSeq + 1) >>> 0) === seqlo[s]);
    const slide = () => {
      if (maxWin[s]! < win) maxWin[s] = win;
      if (seqGt(end, seqlo[s]!)) seqlo[s] = end;
      const reach = (ack + ((win << sws) >>> 0)) >>> 0;
      if (seqGeq(reach, seqhi[d]!)) seqhi[d] = (ack + Math.max((win << sws) >>> 0, 1)) >>> 0;
    };
    if (within) {
      slide();
      if (flags & SYN && ps[s]! < TCPS.SYN_SENT) ps[s] = TCPS.SYN_SENT;
      if (flags & FIN && ps[s]! < TCPS.CLOSING) ps[s] = TCPS.CLOSING;
      if (flags & ACK) {
        if (ps[d] === TCPS.SYN_SENT) ps[d] = TCPS.ESTABLISHED;
        else if (ps[d] === TCPS.CLOSING) ps[d] = TCPS.FIN_WAIT_2;
      }
      if (flags & RST) ps[s] = ps[d] = TCPS.TIME_WAIT;
      const a = ps[s]!;
      const o = ps[d]!;
      const t = CT_TIMEOUTS;
      const timeout =
        a >= TCPS.FIN_WAIT_2 && o >= TCPS.FIN_WAIT_2 ? t.tcpClose
        : a >= TCPS.CLOSING && o >= TCPS.CLOSING ? t.tcpTimeWait
        : a < TCPS.ESTABLISHED || o < TCPS.ESTABLISHED ? t.tcpSynRecv
        : a >= TCPS.CLOSING || o >= TCPS.CLOSING ? t.tcpFinWait
        : t.tcpEstablished;
      conn.expires = now + timeout * NS;
      return UPDATE_VALID;
    }
    if (
      (ps[d]! < TCPS.SYN_SENT || ps[d]! >= TCPS.FIN_WAIT_2 || ps[s]! >= TCPS.FIN_WAIT_2) &&
      seqGeq((seqhi[s]! + MAX_ACK_WINDOW) >>> 0, end) &&
      seqGeq(seq, (seqlo[s]! - MAX_ACK_WINDOW) >>> 0)
    ) {
      // Shotgunned SYNs, a connection picked up late, packets just after a close: let through without refreshing the timeout.
      slide();
      if (flags & FIN && ps[s]! < TCPS.CLOSING) ps[s] = TCPS.CLOSING;
      if (flags & RST) ps[s] = ps[d] = TCPS.TIME_WAIT;
      return UPDATE_VALID;
    }
    return UPDATE_INVALID;
  }

  /** Fills a new TCP or other connection's state from its first packet (OVS's new_conn). */
  private initialize(conn: Connection, pk: SwitchPacket, now: number): void {
    if (conn.proto !== 6) {
      conn.state = FIRST;
      conn.expires = now + (conn.proto === 1 || conn.proto === 58 ? CT_TIMEOUTS.icmpFirst : CT_TIMEOUTS.otherFirst) * NS;
      return;
    }
    const b = pk.bytes;
    const l4 = pk.l4;
    const flags = b[l4 + 13]!;
    conn.seqlo[0] = u32(b, l4 + 4);
    conn.seqhi[0] = (conn.seqlo[0]! + payloadLength(pk) + 1 + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0)) >>> 0;
    if (flags & SYN) conn.wscale[0] = windowScale(b, l4);
    else conn.wscale[0] = conn.wscale[1] = WSCALE_UNKNOWN;
    let win = Math.max(u16(b, l4 + 14), 1);
    if (conn.wscale[0]! & WSCALE_MASK) win = Math.ceil(win / (1 << (conn.wscale[0]! & WSCALE_MASK)));
    conn.maxWin[0] = win;
    conn.seqhi[1] = 1;
    conn.maxWin[1] = 1;
    conn.peerState[0] = TCPS.SYN_SENT;
    conn.peerState[1] = TCPS.CLOSED;
    conn.expires = now + CT_TIMEOUTS.tcpSynSent * NS;
  }
}

const hasPorts = (proto: number) => proto === 6 || proto === 17 || proto === 132;

/**
 * The packet an ICMP error quotes, NATed the reverse way of the error itself (OVS's
 * nat_inner_packet): it went the other way, so its tuple becomes `t` itself (`toSrc`: its source
 * address, else its destination) with `t`'s ports; its IP header and L4
 * checksums are adjusted, the ICMP checksum over the whole message computed afresh.
 */
function natQuoted(pk: SwitchPacket, conn: Connection, t: Tuple, toSrc: boolean): void {
  const b = pk.bytes;
  const l4 = pk.l4;
  const inner = l4 + 8;
  const v6 = conn.v6;
  const ihl = v6 ? 40 : (b[inner]! & 0x0f) * 4;
  const innerL4 = inner + ihl;
  const end = v6 ? pk.l3 + 40 + u16(b, pk.l3 + 4) : pk.l3 + u16(b, pk.l3 + 2);
  const l4Sum = conn.proto === 6 ? innerL4 + 16 : conn.proto === 17 && innerL4 + 8 <= end && u16(b, innerL4 + 6) !== 0 ? innerL4 + 6 : -1;
  const sums = (ipHeader: boolean) => [...(ipHeader && !v6 ? [inner + 10] : []), ...(l4Sum >= 0 && l4Sum + 2 <= end ? [l4Sum] : [])];
  const addrAt = inner + (v6 ? (toSrc ? 8 : 24) : toSrc ? 12 : 16);
  const addr = toSrc ? t.src : t.dst;
  const n = v6 ? 8 : 2;
  for (let k = 0; k < n; k++) rewrite16(b, addrAt + 2 * k, Number((addr >> BigInt(16 * (n - 1 - k))) & 0xffffn), sums(true));
  if (hasPorts(conn.proto) && innerL4 + 4 <= end) {
    rewrite16(b, innerL4, t.sport, sums(false));
    rewrite16(b, innerL4 + 2, t.dport, sums(false));
  }
  b[l4 + 2] = b[l4 + 3] = 0;
  const pseudo = v6 ? sum(b, pk.l3 + 8, pk.l3 + 40, 58 + (end - l4)) : 0;
  const check = ~sum(b, l4, end, pseudo) & 0xffff;
  b[l4 + 2] = check >>> 8;
  b[l4 + 3] = check & 0xff;
}

/** Writes a 16-bit word and adjusts the checksums at `sums` for it (RFC 1624). */
function rewrite16(b: Uint8Array, at: number, value: number, sums: readonly number[]): void {
  const old = u16(b, at);
  b[at] = value >>> 8;
  b[at + 1] = value & 0xff;
  for (const c of sums) {
    let s = (~u16(b, c) & 0xffff) + (~old & 0xffff) + value;
    s = (s & 0xffff) + (s >>> 16);
    s = (s & 0xffff) + (s >>> 16);
    const result = ~s & 0xffff;
    b[c] = result >>> 8;
    b[c + 1] = result & 0xff;
  }
}

/** Flag combinations no TCP stack sends (conntrack-tcp.c's tcp_invalid_flags). */
function invalidFlags(flags: number): boolean {
  if (flags & SYN) {
    if (flags & (RST | FIN)) return true;
  } else if (!(flags & (ACK | RST))) return true;
  return !(flags & ACK) && (flags & (FIN | PSH | URG)) !== 0;
}

/** The window scale option of a SYN, flagged, or 0 (conntrack-tcp.c's tcp_get_wscale). */
function windowScale(b: Uint8Array, l4: number): number {
  let o = l4 + 20;
  let len = (b[l4 + 12]! >>> 4) * 4 - 20;
  let wscale = 0;
  while (len >= 3) {
    const kind = b[o]!;
    if (kind === 0) return wscale;
    if (kind === 1) {
      o++;
      len--;
      continue;
    }
    if (kind === 3) wscale = Math.min(b[o + 2]!, MAX_WSCALE) | WSCALE_FLAG;
    const optlen = Math.max(b[o + 1]!, 2);
    len -= optlen;
    o += optlen;
  }
  return wscale;
}

/** TCP payload bytes: the IP payload after the TCP header. */
function payloadLength(pk: SwitchPacket): number {
  const b = pk.bytes;
  const l3 = pk.l3;
  const end = pk.words[W.DL_TYPE] === 0x0800 ? l3 + u16(b, l3 + 2) : l3 + 40 + u16(b, l3 + 4);
  return end - pk.l4 - (b[pk.l4 + 12]! >>> 4) * 4;
}

/** The one's complement sum of bytes start..end (odd end padded), folded, plus `initial`. */
function sum(b: Uint8Array, start: number, end: number, initial: number): number {
  let s = initial;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i < end) s += b[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function pseudoSum4(b: Uint8Array, l3: number, proto: number, length: number): number {
  return sum(b, l3 + 12, l3 + 20, proto + length);
}

function wordsToBig(w: Uint32Array, at: number): bigint {
  return (BigInt(w[at]!) << 96n) | (BigInt(w[at + 1]!) << 64n) | (BigInt(w[at + 2]!) << 32n) | BigInt(w[at + 3]!);
}

function labelOf(w: Uint32Array): bigint {
  return wordsToBig(w, W.CT_LABEL);
}

function setLabel(w: Uint32Array, label: bigint): void {
  for (let i = 0; i < 4; i++) w[W.CT_LABEL + i] = Number((label >> BigInt(96 - 32 * i)) & FULL32);
}

function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function v6Text(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(16 * i)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
