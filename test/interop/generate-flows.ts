/**
 * The draw of the generated differential (switch-generated-*.test.ts): seeded random flow tables
 * and the packets sent through them. Every match field, action and packet shape is one entry of a
 * table below (a small generator function with the condition it needs), so a field or action
 * netloom gains is one more line. A table may carry groups (`group_id=…` lines before its flows),
 * and half its packets are aimed at one of its flows (aimAt). Stateful cases (conntrack) are drawn
 * as a table plus a sequence of packets of one connection. It owns nothing but the draw: running
 * and comparing are the test's.
 */
import { encode } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { crc32c } from '../../src/wire/checksum.js';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS } from '../../src/switch/flow.js';

/** netloom's default against plain ovs-ofctl (OpenFlow 1.0 + NXM), or `protocols: 'OpenFlow13'` against `-O OpenFlow15`. */
export type Mode = 'plain' | 'OpenFlow15';

export const PORTS = 4;
/** The bridge's own port (OFPP_LOCAL), named br0 on both sides. */
export const LOCAL = 65534;

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof rng>;

const MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '0a:00:00:00:00:03'];
/** Destinations NORMAL never forwards (OVS's eth_addr_is_reserved), and a group address it floods. */
const RESERVED = ['01:80:c2:00:00:00', '01:80:c2:00:00:0e', '01:00:0c:cc:cc:cc', '01:00:0c:cc:cc:cd', '01:80:c2:00:00:10'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.1.2.3', '192.168.1.1'];
const IP6S = ['2001:db8::1', '2001:db8::2', '2001:db8::3'];
const VIDS = [10, 20, 30];

// ---------------------------------------------------------------------------------------------
// Packets.

/**
 * What a packet starts as: one entry per shape; `weight` makes common shapes common; `fits`, the
 * protocol keywords of the flows it is a packet for ('nd': icmp6 with icmp_type 135 or 136).
 */
const SHAPES: readonly { name: string; weight: number; fits: readonly string[]; layers: (r: Rng, aim?: string) => LayerSpec[]; etherType?: number }[] = [
  { name: 'udp', fits: ['ip', 'udp'], weight: 3, layers: (r) => [ipv4(r, 17), { layer: 'udp', srcPort: r.pick([53, 1000, 4789]), dstPort: r.pick([53, 80, 2000]) }, payload(r)] },
  { name: 'tcp', fits: ['ip', 'tcp'], weight: 3, layers: (r) => [ipv4(r, 6), { layer: 'tcp', srcPort: r.pick([22, 5555]), dstPort: r.pick([80, 443, 22]), flags: r.pick([0x02, 0x12, 0x10, 0x11, 0x04]) }, payload(r)] },
  { name: 'icmp', fits: ['ip', 'icmp'], weight: 1, layers: (r) => [ipv4(r, 1), { layer: 'icmp', type: r.pick([0, 8]), id: 1, seq: r.int(0, 3) }, payload(r)] },
  { name: 'arp', fits: ['arp'], weight: 1, layers: (r) => [{ layer: 'arp', op: r.int(1, 2), senderMac: r.pick(MACS), senderIp: r.pick(IPS), targetIp: r.pick(IPS) }] },
  { name: 'ipv6 udp', fits: ['ipv6', 'udp6'], weight: 2, layers: (r) => [ipv6(r), { layer: 'udp', srcPort: r.pick([53, 1000]), dstPort: r.pick([53, 2000]) }, payload(r)] },
  { name: 'ipv6 tcp', fits: ['ipv6', 'tcp6'], weight: 1, layers: (r) => [ipv6(r), { layer: 'tcp', srcPort: 5555, dstPort: r.pick([80, 22]), flags: 0x02 }] },
  // SCTP has no wire layer: its common header (and a chunk) as the payload of IPv4 protocol 132 or IPv6 next header 132.
  { name: 'sctp', fits: ['ip', 'sctp'], weight: 1, layers: (r) => [ipv4(r, 132), sctp(r)] },
  { name: 'ipv6 sctp', fits: ['ipv6', 'sctp6'], weight: 1, layers: (r) => [{ ...ipv6(r), nextHeader: 132 }, sctp(r)] },
  // MPLS has no wire layer: a label stack of 1-4 entries (the bottom-of-stack bit now and then missing) over an IPv4 datagram, as payload.
  { name: 'mpls', fits: ['mpls'], weight: 1, etherType: 0x8847, layers: (r) => [{ layer: 'payload', data: mplsStack(r) }] },
  { name: 'mplsm', fits: ['mplsm'], weight: 0.5, etherType: 0x8848, layers: (r) => [{ layer: 'payload', data: mplsStack(r) }] },
  { name: 'icmpv6', fits: ['ipv6', 'icmp6'], weight: 1, layers: (r) => [ipv6(r), { layer: 'icmpv6', type: r.pick([128, 129, 135, 1]), id: 3, seq: 1 }, payload(r)] },
  {
    // Neighbor solicitations and advertisements: target fe80::1 or ::2, a source and/or target link-layer option, now and then a second source one (invalid to OVS).
    name: 'nd',
    fits: ['ipv6', 'icmp6', 'nd'],
    weight: 1,
    layers: (r, aim) => {
      const target = [0xfe, 0x80, ...new Array<number>(13).fill(0), r.pick([1, 2])];
      const options = r.pick([[], SLL, TLL, [...SLL, ...TLL], [...SLL, ...SLL.slice(0, 7), 0xcc]]);
      return [ipv6(r), { layer: 'icmpv6', type: Number(/icmp_type=(13[56])/.exec(aim ?? '')?.[1] ?? r.pick([135, 136])), code: r.chance(0.9) ? 0 : 1, rest: 0 }, { layer: 'payload', data: Uint8Array.from([...target, ...options]) }];
    },
  },
  {
    // Hop-by-hop, routing (segments left or not), fragment (first or later), destination options.
    name: 'ipv6 extension headers',
    fits: ['ipv6', 'udp6'],
    weight: 2,
    layers: (r) => {
      const pad = { header: 'hopByHop', options: Uint8Array.of(1, 4, 0, 0, 0, 0) } as const;
      const pool = [
        () => pad,
        () => ({ header: 'routing', routingType: r.pick([0, 2]), segmentsLeft: r.int(0, 1), typeData: new Uint8Array(20) }) as const,
        () => ({ header: 'fragment', fragmentOffset: r.pick([0, 0, 1]), m: r.chance(0.5), identification: 9, reserved: 0, res: 0 }) as const,
        () => ({ ...pad, header: 'destinationOptions' }) as const,
      ];
      const headers = Array.from({ length: r.int(1, 2) }, () => r.pick(pool)());
      return [{ ...ipv6(r), extensionHeaders: headers }, { layer: 'udp', srcPort: 1000, dstPort: r.pick([53, 2000]) }, payload(r)];
    },
  },
  {
    // IPv6 with an authentication header (next header 51) before UDP, its bytes as the wire has them.
    name: 'ipv6 ah',
    fits: ['ipv6'],
    weight: 1,
    layers: (r) => [{ ...ipv6(r), nextHeader: 51 }, { layer: 'payload', data: Uint8Array.of(17, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0x03, 0xe8, 0x00, 0x35, 0, 8, 0, 0) }],
  },
];

/** ND link-layer address options: source 02:00:00:00:0a:aa, target 02:00:00:00:0b:bb. */
const SLL = [1, 1, 2, 0, 0, 0, 0x0a, 0xaa];
const TLL = [2, 1, 2, 0, 0, 0, 0x0b, 0xbb];

const SHAPE_BAG = SHAPES.flatMap((s) => Array.from({ length: s.weight }, () => s));

function ipv4(r: Rng, protocol: number): LayerSpec {
  return { layer: 'ipv4', src: r.pick(IPS), dst: r.pick(IPS), ttl: r.pick([1, 2, 64, 255]), dscp: r.pick([0, 4, 46]), ecn: r.int(0, 3), protocol };
}
function ipv6(r: Rng): LayerSpec & { layer: 'ipv6' } {
  return { layer: 'ipv6', src: IP6S[0], dst: r.pick(IP6S.slice(1)), hopLimit: r.pick([1, 64]), flowLabel: r.int(0, 0xfffff), trafficClass: r.int(0, 255) };
}
/**
 * An SCTP packet: the 12-byte common header (ports, verification tag, CRC32c) and an INIT or DATA
 * chunk or none. The checksum is right, or now and then wrong: a port write keeps its error, as
 * OVS's packet_set_sctp_port does.
 */
function sctp(r: Rng): LayerSpec {
  const chunk = r.pick([[], [1, 0, 0, 20, 0, 0, 0, 7, 0, 0, 0x10, 0, 0, 1, 0, 1, 0, 0, 0, 9], [0, 3, 0, 18, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x5a, 0x5a, 0, 0]]);
  const [src, dst] = [r.pick([5000, 2905]), r.pick([80, 2905, 2000, 53])];
  const b = Uint8Array.from([src >> 8, src & 0xff, dst >> 8, dst & 0xff, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, ...chunk]);
  new DataView(b.buffer).setUint32(8, (crc32c(b) ^ (r.chance(0.15) ? 0x5a5a : 0)) >>> 0, true);
  return { layer: 'payload', data: b };
}
function mplsStack(r: Rng): Uint8Array {
  const n = r.pick([1, 1, 2, 3, 4]);
  const bos = r.chance(0.9);
  const entries = Array.from({ length: n }, (_, i) => {
    const lse = ((r.pick([0, 2, 16, 100]) << 12) | (r.int(0, 7) << 9) | (i === n - 1 && bos ? 0x100 : 0) | r.pick([0, 1, 2, 64, 255])) >>> 0;
    return [lse >>> 24, (lse >>> 16) & 0xff, (lse >>> 8) & 0xff, lse & 0xff];
  });
  return Uint8Array.from([...entries.flat(), ...encode([ipv4(r, 17), { layer: 'udp', srcPort: 1000, dstPort: 53 }, payload(r)])]);
}
function payload(r: Rng): LayerSpec {
  return { layer: 'payload', data: new Uint8Array(r.int(0, 12)).fill(0x5a) };
}

/**
 * The tags in front of the L3 header: none, one (802.1Q or 802.1ad, DEI now and then, a priority
 * tag), or two (QinQ); for a packet aimed at a flow with a VLAN condition, what it asks for.
 */
function tags(r: Rng, aim = ''): LayerSpec[] {
  const vid = /dl_vlan=(\d+)|vlan_tci=0x1(\w+)\/0x1fff/.exec(aim);
  const pcp = /dl_vlan_pcp=(\d)/.exec(aim)?.[1];
  const tag = (tpid: number): LayerSpec => ({ layer: 'vlan', vid: vid !== null ? parseInt(vid[1] ?? vid[2]!, vid[1] ? 10 : 16) : r.chance(0.1) ? 0 : r.pick(VIDS), pcp: pcp !== undefined ? Number(pcp) : r.int(0, 7), dei: r.chance(0.3), tpid });
  if (/vlan_tci=0(\/0x1000)?(,|$)/.test(aim)) return [];
  if (vid !== null || pcp !== undefined || aim.includes('vlan_tci=0x1000/0x1000')) return [tag(0x8100)];
  const n = r.pick([0, 0, 0, 1, 1, 2]);
  if (n === 0) return [];
  if (n === 1) return [tag(r.pick([0x8100, 0x8100, 0x88a8]))];
  return [tag(r.pick([0x88a8, 0x8100])), tag(0x8100)];
}

/**
 * The flow of a table a packet is aimed at, now and then (undefined otherwise): the packet takes a
 * shape its protocol keyword fits and arrives on its in_port, so that flows of the rarer protocols
 * (SCTP, ND) and ports (LOCAL) meet their packets; the flow's other fields are left to chance.
 */
export function aimAt(r: Rng, table: readonly string[]): string | undefined {
  return table.length > 0 && r.chance(0.5) ? r.pick(table) : undefined;
}

/**
 * A packet: a shape behind 0-2 tags (one the flow `aim` is for, if there is one), then perhaps
 * changed the ways flow_extract has rules for: IPv4 in 802.3 LLC/SNAP, a plain 802.3 LLC frame, an
 * IPv4 fragment (first or later), a frame cut short anywhere past its Ethernet header.
 */
export function drawPacket(r: Rng, aim?: string): Uint8Array {
  const proto = aim === undefined ? undefined : /^table=\d+,priority=\d+,([a-z0-9]+)(,|$)/.exec(aim)?.[1];
  const key = proto === 'icmp6' && /icmp_type=13[56]/.test(aim!) ? 'nd' : proto;
  const fit = SHAPES.filter((s) => key !== undefined && s.fits.includes(key));
  const eth: LayerSpec = { layer: 'ethernet', src: r.pick(MACS), dst: r.chance(0.1) ? r.pick(RESERVED) : r.pick(MACS) };
  const shape = fit.length > 0 ? r.pick(fit) : r.pick(SHAPE_BAG);
  const bytes = encode([eth, ...tags(r, aim), ...shape.layers(r, aim)]);
  let l3 = 14;
  while (l3 + 4 <= bytes.length && (bytes[l3 - 2] === 0x81 || bytes[l3 - 2] === 0x88) && bytes[l3 - 1] === (bytes[l3 - 2] === 0x81 ? 0x00 : 0xa8)) l3 += 4;
  if (shape.etherType !== undefined) {
    bytes[l3 - 2] = shape.etherType >> 8;
    bytes[l3 - 1] = shape.etherType & 0xff;
  }
  const ipv4Type = bytes[l3 - 2] === 0x08 && bytes[l3 - 1] === 0x00;
  // A packet aimed at a flow is changed a third as often.
  const change = aim !== undefined && r.chance(0.67) ? 'none' : r.pick(['none', 'none', 'none', 'none', 'snap', 'llc', 'fragment', 'cut']);
  if (change === 'snap' && ipv4Type) {
    const out = new Uint8Array(bytes.length + 8);
    out.set(bytes.subarray(0, l3 - 2));
    out.set([(bytes.length - l3 + 8) >> 8, (bytes.length - l3 + 8) & 0xff, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00], l3 - 2);
    out.set(bytes.subarray(l3), l3 + 8);
    return out;
  }
  if (change === 'llc') return Uint8Array.from([...bytes.subarray(0, l3 - 2), 0, 8, 0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
  if (change === 'fragment' && ipv4Type) {
    // More fragments, at offset 0 (a first fragment) or 8 bytes on (a later one); flow_extract does not check the header checksum.
    const out = bytes.slice();
    out[l3 + 6] = 0x20;
    out[l3 + 7] = r.pick([0, 1]);
    return out;
  }
  if (change === 'cut') return bytes.slice(0, r.int(14, bytes.length));
  return bytes;
}

/** The port a packet arrives on: the in_port of the flow it is aimed at, or one of the ports, now and then the bridge's own (LOCAL). */
export function drawInPort(r: Rng, aim?: string): number {
  const port = aim === undefined ? undefined : /,in_port=(\w+)/.exec(aim)?.[1];
  if (port !== undefined) return port === 'LOCAL' ? LOCAL : Number(port);
  return r.chance(0.04) ? LOCAL : r.int(1, PORTS);
}

// ---------------------------------------------------------------------------------------------
// Matches.

/** What a flow's match proves, which decides the actions that may follow it (and their meaning in OpenFlow 1.1+). */
export interface Proof {
  ipv4: boolean;
  ipv6: boolean;
  /** udp, tcp or sctp (for tp_src/tp_dst writes). */
  l4: boolean;
  arp: boolean;
  tag: boolean;
  /** The protocol keyword the match starts with ('' for none). */
  proto: string;
  /** The ICMPv6 type of a neighbor discovery message the match proves (OVS's is_nd: icmp6, icmp_type 135 or 136, code 0). */
  nd?: 135 | 136;
  /** The match's ip_frag leaves out later fragments (no, first, not_later). */
  notLater?: true;
}

const PROTOCOLS = ['', '', 'ip', 'udp', 'tcp', 'icmp', 'arp', 'ipv6', 'udp6', 'tcp6', 'icmp6', 'sctp', 'sctp6', 'mpls', 'mplsm'] as const;
type Protocol = (typeof PROTOCOLS)[number];
const IPV4: readonly Protocol[] = ['ip', 'udp', 'tcp', 'icmp', 'sctp'];
const IPV6: readonly Protocol[] = ['ipv6', 'udp6', 'tcp6', 'icmp6', 'sctp6'];
const L4: readonly Protocol[] = ['udp', 'tcp', 'udp6', 'tcp6', 'sctp', 'sctp6'];
const SCTP: readonly string[] = ['sctp', 'sctp6'];
const MPLS: readonly string[] = ['mpls', 'mplsm'];
/** A transport port's name: sctp_src and sctp_dst for SCTP now and then (tp_src is tcp_src, which OVS reads as the flow's own protocol in a match). */
const l4Name = (r: Rng, proto: Protocol, dir: 'src' | 'dst') => (SCTP.includes(proto) && r.chance(0.5) ? `sctp_${dir}` : `tp_${dir}`);

/** One match field: when it may be drawn (its prerequisite, the table it is in), how often, and its text. */
const MATCH_FIELDS: readonly { p: number; when?: (proto: Protocol, tagged: boolean, table: number) => boolean; draw: (r: Rng, proto: Protocol) => string; tags?: true }[] = [
  { p: 0.4, draw: (r) => `in_port=${r.chance(0.1) ? 'LOCAL' : r.int(1, PORTS)}` },
  // A flow's importance (OpenFlow 1.4+; plain ovs-ofctl's OpenFlow 1.0 leaves it out, as netloom's default mode does): no effect on packets.
  { p: 0.05, draw: (r) => `importance=${r.int(1, 65535)}` },
  { p: 0.15, draw: (r) => `dl_src=${r.pick(MACS)}` },
  { p: 0.2, draw: (r) => (r.chance(0.5) ? `dl_dst=${r.pick(MACS)}` : 'dl_dst=02:00:00:00:00:00/ff:ff:ff:ff:ff:00') },
  // One VLAN condition at most: a key given twice is refused on purpose (flow-acceptance.test.ts lists it).
  { p: 0.28, tags: true, draw: (r) => r.pick([`dl_vlan=${r.pick(VIDS)}`, 'vlan_tci=0x1000/0x1000', `vlan_tci=0x${(0x1000 | r.pick(VIDS)).toString(16)}/0x1fff`, `dl_vlan_pcp=${r.int(0, 7)}`]) },
  { p: 0.08, when: (_, tagged) => !tagged, draw: (r) => r.pick(['vlan_tci=0', 'vlan_tci=0/0x1000']) },
  { p: 0.05, when: (p) => p === '', draw: () => 'dl_type=0x8100' },
  { p: 0.3, when: (p) => IPV4.includes(p), draw: (r) => `nw_dst=${r.pick(['10.0.0.0/8', '10.0.0.2', '192.168.0.0/16', '10.0.0.0/255.255.0.255'])}` },
  { p: 0.2, when: (p) => IPV4.includes(p), draw: (r) => `nw_src=${r.pick(IPS)}` },
  { p: 0.15, when: (p) => IPV4.includes(p) || IPV6.includes(p), draw: (r) => `nw_ttl=${r.pick([1, 64])}` },
  { p: 0.1, when: (p) => IPV4.includes(p) || IPV6.includes(p), draw: (r) => `ip_dscp=${r.pick([0, 1, 46])}` },
  { p: 0.1, when: (p) => IPV4.includes(p) || IPV6.includes(p), draw: (r) => `nw_ecn=${r.int(0, 3)}` },
  { p: 0.2, when: (p) => IPV6.includes(p), draw: (r) => `ipv6_dst=${r.pick([...IP6S, '2001:db8::/64'])}` },
  { p: 0.1, when: (p) => IPV6.includes(p), draw: (r) => `ipv6_label=0x${r.int(0, 0xfffff).toString(16)}/0x0000f` },
  { p: 0.4, when: (p) => L4.includes(p), draw: (r, p) => `${l4Name(r, p, 'dst')}=${r.pick(['80', '53', '2000', '0x0050/0xfff0'])}` },
  { p: 0.2, when: (p) => L4.includes(p), draw: (r, p) => `${l4Name(r, p, 'src')}=${r.pick(['53', '1000', '22', '5555', '2905'])}` },
  { p: 0.5, when: (p) => p === 'icmp', draw: (r) => `icmp_type=${r.pick([0, 8])}` },
  { p: 0.5, when: (p) => p === 'arp', draw: (r) => r.pick([`arp_op=${r.int(1, 2)}`, `arp_spa=${r.pick(IPS)}`, `arp_tpa=${r.pick(IPS)}`]) },
  { p: 0.3, when: (p) => p === 'tcp' || p === 'tcp6', draw: (r) => `tcp_flags=${r.pick(['+syn', '+syn-ack', '+ack', '-ack', '+fin', '+rst', 'syn', '0x012', '0x002/0x012'])}` },
  { p: 0.15, when: (p) => (IPV4.includes(p) || IPV6.includes(p)) && p !== 'icmp', draw: (r) => `ip_frag=${r.pick(['no', 'yes', 'first', 'later', 'not_later'])}` },
  // More often under icmp, whose type and code writes need later fragments left out ('icmp type/code' below).
  { p: 0.6, when: (p) => p === 'icmp', draw: (r) => `ip_frag=${r.pick(['no', 'yes', 'first', 'later', 'not_later', 'not_later'])}` },
  {
    p: 0.5,
    when: (p) => p === 'icmp6',
    draw: (r) => r.pick([`icmp_type=${r.pick([128, 129, 135, 136])}`, `icmpv6_code=${r.pick([0, 1])}`, 'icmp_type=135,nd_target=fe80::1', 'icmp_type=135,nd_sll=02:00:00:00:0a:aa', 'icmp_type=136,nd_tll=02:00:00:00:0b:bb/ff:ff:ff:00:ff:ff', 'icmp_type=136,nd_reserved=0', 'icmp_type=135,nd_options_type=1', 'icmp_type=136,nd_options_type=2']),
  },
  { p: 0.5, when: (p) => MPLS.includes(p), draw: (r) => r.pick([`mpls_label=${r.pick([0, 16, 100, 7])}`, `mpls_tc=${r.int(0, 7)}`, `mpls_ttl=${r.pick([0, 1, 64])}`, `mpls_bos=${r.int(0, 1)}`]) },
  // Pipeline fields an action may have set in an earlier table (or left 0).
  { p: 0.1, draw: (r) => r.pick([`pkt_mark=${r.int(0, 2)}`, `xreg0=0x${r.int(0, 2).toString(16)}`, `xxreg0=0x${r.int(0, 2).toString(16)}/0xff`]) },
  // Tunnel metadata table 0 may have written ('tunnel metadata' below; no tunnel port exists, so a packet arrives with all of it 0).
  { p: 0.6, when: (_p, _t, table) => table === 1, draw: (r) => r.pick(['tun_id=5', 'tun_id=0x5/0xf', 'tun_id=0', `tun_src=${r.pick(['10.0.0.9', '10.0.0.0/8'])}`, 'tun_dst=10.0.0.9', 'tun_ipv6_dst=2001:db8::9', 'tun_ipv6_dst=::', 'tun_flags=+oam', 'tun_flags=-oam', 'tun_gbp_id=7', 'tun_gbp_flags=0x40']) },
];

/** A match for a flow in `table`; `sparse` draws each field a third as often (a table whose packets meet its actions more often). */
export function drawMatch(r: Rng, table: number, sparse = false): { text: string; proof: Proof } {
  const proto = r.pick(PROTOCOLS);
  const parts: string[] = proto === '' ? [] : [proto];
  let tag = false;
  for (const f of MATCH_FIELDS) {
    if ((f.when === undefined || f.when(proto, tag, table)) && r.chance(sparse ? f.p / 3 : f.p)) {
      parts.push(f.draw(r, proto));
      if (f.tags) tag = true;
    }
  }
  const text = parts.join(',');
  const type = proto === 'icmp6' && !/icmpv6_code=[1-9]/.test(text) ? /icmp_type=(13[56])/.exec(text)?.[1] : undefined;
  const proof: Proof = { ipv4: IPV4.includes(proto), ipv6: IPV6.includes(proto), l4: L4.includes(proto), arp: proto === 'arp', tag, proto, ...(type !== undefined && { nd: Number(type) as 135 | 136 }), ...(/ip_frag=(no|first|not_later)/.test(text) && { notLater: true as const }) };
  return { text, proof };
}

/** A proof of nothing (a conj_id flow, whose clauses' matches are not its own). */
const NOTHING: Proof = { ipv4: false, ipv6: false, l4: false, arp: false, tag: false, proto: '' };

// ---------------------------------------------------------------------------------------------
// Actions.

export interface ActionContext {
  r: Rng;
  mode: Mode;
  /** The table the flow is in. */
  table: number;
  proof: Proof;
  /** The groups of the table: ids 1 to `groups`. */
  groups: number;
  /** A stateful table's (drawStateful). */
  stateful?: boolean;
}

/**
 * One action: when it may be drawn and its text. `proves` names what its header must be proven
 * for in OpenFlow 1.1+ (-O OpenFlow15 refuses it otherwise): plain mode draws it anyway, as
 * OpenFlow 1.0 acts on the packet as it is; the 1.5 mode now and then, to see both refuse.
 */
interface ActionDraw {
  name: string;
  weight?: number;
  when?: (c: ActionContext) => boolean;
  proves?: (p: Proof) => boolean;
  draw: (c: ActionContext) => string;
}

const ip = (p: Proof) => p.ipv4 || p.ipv6;
const tcp = (p: Proof) => p.proto === 'tcp' || p.proto === 'tcp6';
const hash = (r: Rng) => `${r.pick(HASH_FIELDS)},${r.int(0, 0xffff)}`;
const members = (r: Rng) => Array.from({ length: r.int(0, 3) }, () => r.int(1, PORTS + 1)).join(',');

export const ACTIONS: readonly ActionDraw[] = [
  { name: 'NORMAL', weight: 2, draw: () => 'NORMAL' },
  { name: 'output', weight: 3, draw: ({ r }) => `output:${r.int(1, PORTS)}` },
  { name: 'flood/all/in_port', draw: ({ r }) => r.pick(['flood', 'all', 'in_port']) },
  { name: 'mod_dl_src/dst', draw: ({ r }) => `${r.pick(['mod_dl_src', 'mod_dl_dst'])}:${r.pick(MACS)}` },
  { name: 'mod_vlan_vid', weight: 2, draw: ({ r }) => `mod_vlan_vid:${r.pick([10, 40])}` },
  { name: 'mod_vlan_pcp', draw: ({ r }) => `mod_vlan_pcp:${r.int(0, 7)}` },
  { name: 'strip_vlan', weight: 2, proves: (p) => p.tag, draw: ({ r }) => r.pick(['strip_vlan', 'pop_vlan']) },
  { name: 'push_vlan', weight: 2, draw: ({ r }) => `push_vlan:${r.pick(['0x8100', '0x88a8'])}` },
  { name: 'set_field vlan_vid', when: (c) => c.proof.tag, draw: ({ r }) => `set_field:${0x1000 | r.pick([5, 10, 40])}->vlan_vid` },
  { name: 'set_field vlan_tci', draw: ({ r }) => r.pick([`set_field:${r.pick(['0x1005', '0xf00a', '0'])}->vlan_tci`, 'load:0->NXM_OF_VLAN_TCI[]']) },
  { name: 'load reg0', draw: ({ r }) => `load:0x${r.int(1, 4).toString(16)}->NXM_NX_REG0[0..15]` },
  { name: 'output reg0', draw: () => 'output:NXM_NX_REG0[0..15]' },
  { name: 'pkt_mark/xreg/xxreg', draw: ({ r }) => r.pick([`set_field:${r.int(0, 2)}->pkt_mark`, `load:${r.int(0, 4)}->OXM_OF_PKT_REG0[]`, `set_field:0x${r.int(0, 4).toString(16)}->xxreg0`, 'move:NXM_NX_PKT_MARK[0..15]->NXM_NX_XXREG0[0..15]']) },
  { name: 'dec_ttl', proves: ip, draw: () => 'dec_ttl' },
  { name: 'mod_nw_src/dst', proves: (p) => p.ipv4, draw: ({ r }) => `${r.pick(['mod_nw_src', 'mod_nw_dst'])}:${r.pick(IPS)}` },
  { name: 'mod_nw_tos', proves: ip, draw: ({ r }) => `mod_nw_tos:${r.pick([0, 16, 184])}` },
  // vlan_tci writes push (CFI set) and pop (CFI clear); nw_tos writes keep ECN (and a value with ECN bits is refused).
  { name: 'set_field nw_tos', when: (c) => ip(c.proof), draw: ({ r }) => r.pick([`set_field:${r.pick([0, 32, 184, 184, 184, 33])}->nw_tos`, `load:${r.pick(['0x20', '0x20', '0x20', '0x21'])}->NXM_OF_IP_TOS[]`, 'move:NXM_OF_ETH_SRC[0..7]->NXM_OF_IP_TOS[]']) },
  { name: 'ipv6_label', when: (c) => c.proof.ipv6, draw: ({ r }) => `set_field:0x${r.int(0, 0xfffff).toString(16)}->ipv6_label` },
  { name: 'ipv6_src/dst', when: (c) => c.proof.ipv6, draw: ({ r }) => `set_field:${r.pick(IP6S)}->${r.pick(['ipv6_src', 'ipv6_dst'])}` },
  // 59363: the UDP checksum of the generated packets with tp_dst 2000 comes out 0 for some of them.
  { name: 'mod_tp_src/dst', proves: (p) => p.l4, draw: ({ r }) => r.pick([`mod_tp_dst:${r.pick([8080, 53, 59363])}`, `mod_tp_src:${r.pick([1, 65535])}`]) },
  { name: 'arp fields', when: (c) => c.proof.arp, draw: ({ r }) => r.pick([`set_field:${r.pick(IPS)}->arp_tpa`, `set_field:${r.pick(MACS)}->arp_sha`, 'set_field:2->arp_op']) },
  // multipath and bundle: OVS's hashes choose a link (an output port; 0 and PORTS are none) or a member (PORTS + 1 is none).
  { name: 'multipath', draw: ({ r }) => `multipath(${hash(r)},${r.pick(MULTIPATH_ALGORITHMS)},${r.int(1, PORTS + 1)},${r.int(0, 8)},NXM_NX_REG0[0..15]),output:NXM_NX_REG0[0..15]` },
  { name: 'bundle', draw: ({ r }) => `bundle(${hash(r)},${r.pick(BUNDLE_ALGORITHMS)},ofport,members:${members(r)})` },
  { name: 'bundle_load', draw: ({ r }) => `bundle_load(${hash(r)},${r.pick(BUNDLE_ALGORITHMS)},ofport,NXM_NX_REG0[0..15],members:${members(r)})` },
  { name: 'output trunc', draw: ({ r }) => `output(port=${r.int(1, PORTS)},max_len=${r.pick([14, 20, 60, 1500])})` },
  { name: 'exit/note', draw: ({ r }) => r.pick(['exit', 'note:01.02']) },
  // check_pkt_larger's bit chooses a later output; clone's changes stay inside it; sample is a counted no-op.
  { name: 'check_pkt_larger', draw: ({ r }) => `check_pkt_larger(${r.pick([40, 60, 64, 80, 100])})->NXM_NX_REG0[0],output:NXM_NX_REG0[0..15]` },
  // A VLAN change inside a clone comes back as OVS pushes the tags again after it (DEI 0).
  { name: 'clone', draw: ({ r }) => `clone(${r.pick([`mod_dl_src:${r.pick(MACS)}`, `mod_dl_dst:${r.pick(MACS)}`, 'push_vlan:0x8100', `mod_vlan_vid:${r.pick([10, 40])}`, 'strip_vlan'])},output:${r.int(1, PORTS)})` },
  { name: 'sample', weight: 0.3, draw: ({ r }) => `sample(probability=${r.pick([65535, 65535, 1])},collector_set_id=1)` },
  // resubmit: onward, with another in_port for the lookup, and back (which can loop until a limit drops the packet).
  { name: 'resubmit', weight: 2, when: (c) => c.table === 0, draw: ({ r }) => r.pick(['resubmit(,1)', `resubmit(${r.int(1, PORTS)},1)`]) },
  { name: 'resubmit back', weight: 0.3, draw: ({ r, table }) => `resubmit(,${r.pick([0, table])})` },
  { name: 'LOCAL', draw: ({ r }) => r.pick(['output:LOCAL', 'LOCAL']) },
  // output:TABLE looks the packet up again in table 0: only from table 1, and rarely (a resubmit(,1) there loops until the resubmit limit drops the packet, in both).
  { name: 'output TABLE', weight: 1, when: (c) => c.table === 1, draw: ({ r }) => r.pick(['output:TABLE', 'TABLE']) },
  // in_port written: a later in_port output goes to the new port, an output to it is skipped; read into reg0 for output:reg0 (the input port, skipped).
  { name: 'in_port load/move', draw: ({ r }) => r.pick([`load:${r.int(1, PORTS)}->NXM_OF_IN_PORT[]`, `load:${r.int(1, PORTS)}->NXM_OF_IN_PORT[],in_port`, `set_field:${r.pick([1, 2, LOCAL])}->in_port,output:in_port`, 'move:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]']) },
  // Queues: with no QoS on the ports they choose nothing either side can see, so what is compared is acceptance and the outputs.
  { name: 'queues', draw: ({ r }) => r.pick([`set_queue:${r.int(0, 3)}`, 'pop_queue', `enqueue:${r.pick([...Array.from({ length: PORTS }, (_, i) => i + 1), 'IN_PORT', 'LOCAL'])}:${r.int(0, 3)}`]) },
  // fin_timeout changes the flow's timeouts on a FIN or RST; none expire within a table's few milliseconds.
  { name: 'fin_timeout', weight: 0.5, proves: tcp, draw: ({ r }) => `fin_timeout(${r.pick([`idle_timeout=${r.int(1, 9)}`, `hard_timeout=${r.int(1, 9)}`, `idle_timeout=${r.int(1, 9)},hard_timeout=${r.int(10, 30)}`])})` },
  // SCTP ports: OVS writes the CRC32c afresh, keeping the error the packet's had.
  { name: 'sctp ports', weight: 8, when: (c) => SCTP.includes(c.proof.proto), draw: ({ r }) => `set_field:${r.pick([1, 80, 2905, 65535])}->${r.pick(['sctp_src', 'sctp_dst'])}` },
  // On an IPv4 later fragment the flow's type and code are 0: only a write that changes them reaches the packet.
  { name: 'icmp type/code', weight: 8, when: (c) => c.proof.proto === 'icmp' || c.proof.proto === 'icmp6', draw: ({ r, proof }) => `set_field:${r.pick([0, 3, 8, 129])}->${proof.proto === 'icmp' ? r.pick(['icmp_type', 'icmp_code']) : r.pick(['icmpv6_type', 'icmpv6_code'])}` },
  // ND writes need what OVS's prerequisites do: nd_target an NS or NA, nd_sll an NS, nd_tll an NA.
  { name: 'nd fields', weight: 15, when: (c) => c.proof.nd !== undefined, draw: ({ r, proof }) => r.pick(['set_field:fe80::9->nd_target', proof.nd === 135 ? 'set_field:02:00:00:00:0c:cc->nd_sll' : 'set_field:02:00:00:00:0c:cc->nd_tll', 'set_field:0x20000000->nd_reserved', `set_field:${r.int(0, 3)}->nd_options_type`]) },
  // MPLS: the label stack's fields (proven by mpls or mplsm in 1.1+), a pop back to IPv4 or one label, a push (after which 1.1+ refuses IP actions, as OVS does).
  { name: 'mpls actions', weight: 6, proves: (p) => MPLS.includes(p.proto), draw: ({ r }) => r.pick([`set_mpls_label(${r.pick([5, 16])})`, `set_mpls_tc(${r.int(0, 7)})`, `set_mpls_ttl(${r.pick([1, 64])})`, 'dec_mpls_ttl', 'pop_mpls:0x0800', 'pop_mpls:0x8847']) },
  { name: 'mpls set_field', weight: 2, when: (c) => MPLS.includes(c.proof.proto), draw: ({ r }) => r.pick([`set_field:${r.pick([9, 100])}->mpls_label`, `set_field:${r.int(0, 7)}->mpls_tc`, `load:${r.pick([1, 200])}->NXM_NX_MPLS_TTL[]`]) },
  { name: 'push_mpls', weight: 0.5, draw: ({ r }) => `push_mpls:${r.pick(['0x8847', '0x8848'])}` },
  // Tunnel metadata, for table 1 to match (no tunnel port exists: only the pipeline sees it).
  { name: 'tunnel metadata', weight: 1.5, when: (c) => c.table === 0, draw: ({ r }) => `${r.pick(['set_field:0x5->tun_id', 'set_field:10.0.0.9->tun_src', 'set_field:10.0.0.9->tun_dst', 'set_field:2001:db8::9->tun_ipv6_dst', 'set_field:oam->tun_flags', 'set_field:7->tun_gbp_id', 'set_field:0x40->tun_gbp_flags'])},resubmit(,1)` },
  // A group of the table; group 9 never exists (both refuse the flow).
  { name: 'group', weight: 2, when: (c) => c.groups > 0, draw: ({ r, groups }) => `group:${r.chance(0.03) ? 9 : r.int(1, groups)}` },
];

const ACTION_BAG = ACTIONS.flatMap((a) => Array.from({ length: Math.round((a.weight ?? 1) * 10) }, () => a));

/** Actions written into the action set: it runs them in OpenFlow's order, whatever the written order. */
const SET_ACTIONS: readonly ActionDraw[] = [
  { name: 'output', draw: ({ r }) => `output:${r.int(1, PORTS)}` },
  { name: 'mod_dl_dst', draw: ({ r }) => `mod_dl_dst:${r.pick(MACS)}` },
  { name: 'set vlan_tci', draw: () => 'set_field:0x1007->vlan_tci' },
  { name: 'push_vlan', draw: () => 'push_vlan:0x8100' },
  { name: 'resubmit', draw: () => 'resubmit(,1)' },
  { name: 'flood', draw: () => 'flood' },
  { name: 'dec_ttl', when: (c) => c.proof.ipv4, draw: () => 'dec_ttl' },
  { name: 'nw_ttl', when: (c) => c.proof.ipv4, draw: ({ r }) => `set_field:${r.pick([5, 200])}->nw_ttl` },
  { name: 'mod_nw_tos', when: (c) => c.proof.ipv4, draw: ({ r }) => `mod_nw_tos:${r.pick([16, 184])}` },
  { name: 'set_queue', draw: ({ r }) => `set_queue:${r.int(1, 3)}` },
  { name: 'LOCAL', draw: () => 'output:LOCAL' },
  { name: 'group', when: (c) => c.groups > 0, draw: ({ r, groups }) => `group:${r.int(1, groups)}` },
];

function usable(a: ActionDraw, c: ActionContext): boolean {
  if (a.when !== undefined && !a.when(c)) return false;
  // Unproven writes: plain mode always (they run on the packet as it is), -O OpenFlow15 rarely (both refuse).
  return a.proves === undefined || a.proves(c.proof) || c.mode === 'plain' || c.r.chance(0.05);
}

/**
 * ovs-vswitchd 3.1 aborts (ofpbuf_at_assert) translating a pop_mpls to IP (which recirculates)
 * inside check_pkt_larger's branches: a table with check_pkt_larger anywhere has no such pop (a
 * note in its place).
 */
function withoutCrash(flows: string[]): string[] {
  return flows.some((f) => f.includes('check_pkt_larger')) ? flows.map((f) => f.replaceAll('pop_mpls:0x0800', 'note:00')) : flows;
}

export function drawActions(c: ActionContext): string {
  const { r } = c;
  const list: string[] = [];
  for (let n = r.int(1, 4); list.length < n; ) {
    const a = r.pick(ACTION_BAG);
    if (usable(a, c)) list.push(a.draw(c));
  }
  // Instructions after the actions: the action set, and goto_table.
  if (r.chance(c.mode === 'plain' ? 0.12 : 0.25)) {
    const set: string[] = [];
    for (let n = r.int(1, 4); set.length < n; ) {
      const a = r.pick(SET_ACTIONS);
      if (usable(a, c)) set.push(a.draw(c));
    }
    list.push(`write_actions(${set.join(',')})`);
  }
  // A goto to this table or an earlier one is refused by both: now and then.
  if (r.chance(0.15)) list.push(`goto_table:${r.chance(0.1) ? 0 : c.table + 1}`);
  return list.join(',');
}

// ---------------------------------------------------------------------------------------------
// Groups.

/** A group's type and how many buckets it has (an indirect group exactly one). */
const GROUP_TYPES: readonly { type: string; buckets: (r: Rng) => number }[] = [
  { type: 'all', buckets: (r) => r.int(1, 3) },
  { type: 'select', buckets: (r) => r.int(1, 3) },
  { type: 'indirect', buckets: () => 1 },
  { type: 'ff', buckets: (r) => r.int(1, 3) },
];

/**
 * A bucket's actions: no match proves anything for them, so each runs on the packet as it is (both
 * skip what the packet has no field for); actions an action set has no place for (output:reg,
 * exit, note, enqueue) are taken and dropped; a VLAN change comes back after the bucket as OVS
 * pushes the tags again.
 */
const BUCKET_ACTIONS: readonly { when?: (id: number) => boolean; draw: (r: Rng) => string }[] = [
  { draw: (r) => `output:${r.int(1, PORTS)}` },
  { draw: (r) => `output:${r.int(1, PORTS)}` },
  { draw: (r) => r.pick(['in_port', 'LOCAL', 'NORMAL']) },
  { draw: (r) => `mod_dl_dst:${r.pick(MACS)}` },
  { draw: (r) => r.pick(['dec_ttl', `mod_nw_dst:${r.pick(IPS)}`, 'mod_tp_dst:99', 'set_field:5->nw_ttl']) },
  { draw: (r) => r.pick(['resubmit(,1)', `load:${r.int(1, 4)}->NXM_NX_REG0[0..15]`, 'set_queue:2']) },
  { draw: (r) => r.pick(['output:NXM_NX_REG0[0..15]', 'exit', 'note:01', 'enqueue:1:1', 'pop_vlan', 'push_vlan:0x8100']) },
  // A group of a lower id (no cycle).
  { when: (id) => id > 1, draw: () => 'group:1' },
];

/** A bucket's parameters: a select bucket's weight, a fast failover bucket's watched port (7 does not exist, so it is never live). */
function bucketHead(r: Rng, type: string): string {
  if (type === 'select') return r.chance(0.5) ? `weight:${r.pick([1, 10, 100])},` : '';
  if (type === 'ff') return `watch_port:${r.pick([1, 2, 3, 4, 7])},`;
  return '';
}

/** Now and then a table's groups (ids 1 and up), given before its flows: `group_id=…` lines. */
function drawGroups(r: Rng): string[] {
  const groups: string[] = [];
  for (let id = 1, n = r.chance(0.12) ? r.int(1, 2) : 0; id <= n; id++) {
    const { type, buckets } = r.pick(GROUP_TYPES);
    const bucket = () => {
      const actions: string[] = [];
      for (let k = r.int(1, 3); actions.length < k; ) {
        const a = r.pick(BUCKET_ACTIONS);
        if (a.when === undefined || a.when(id)) actions.push(a.draw(r));
      }
      return `bucket=${bucketHead(r, type)}actions=${actions.join(',')}`;
    };
    groups.push(`group_id=${id},type=${type},${Array.from({ length: buckets(r) }, bucket).join(',')}`);
  }
  return groups;
}

/** A table's line that is a group (add-group syntax), not a flow. */
export const isGroup = (line: string) => line.startsWith('group_id=');

/** A stateless table: now and then a group or two, then 1-6 flows over tables 0 and 1 (in some tables with sparse matches), some of them conjunctive clauses. */
export function drawTable(r: Rng, mode: Mode): string[] {
  const groups = drawGroups(r);
  const sparse = r.chance(0.4);
  const flows: string[] = [];
  const priorities = new Set<number>();
  const priority = () => {
    let p = r.int(1, 200);
    while (priorities.has(p)) p++;
    priorities.add(p);
    return p;
  };
  for (let k = r.int(1, 6); k > 0; k--) {
    const table = r.chance(0.25) ? 1 : 0;
    const m = drawMatch(r, table, sparse);
    // Some flows are clauses of conjunctive matches 1 and 2 (of 2 clauses), which conj_id flows act on.
    const conjunctive = r.chance(0.12);
    const actions = conjunctive ? `conjunction(${r.int(1, 2)},${r.int(1, 2)}/2)` : drawActions({ r, mode, table, proof: m.proof, groups: groups.length });
    flows.push(`table=${table},priority=${priority()}${m.text ? `,${m.text}` : ''},actions=${actions}`);
    // Tunnel metadata written in table 0 is, half the time, what a table 1 flow matches (and no more).
    const tunnel = /set_field:([^,]+)->(tun_\w+),resubmit\(,1\)/.exec(actions);
    if (tunnel !== null && r.chance(0.5)) flows.push(`table=1,priority=${priority()},${tunnel[2]}=${tunnel[1]},actions=${drawActions({ r, mode, table: 1, proof: NOTHING, groups: groups.length })}`);
    if (conjunctive && r.chance(0.5)) {
      flows.push(`table=${table},priority=${r.int(1, 200)},conj_id=${r.int(1, 2)},actions=${drawActions({ r, mode, table, proof: NOTHING, groups: groups.length })}`);
    }
  }
  return withoutCrash([...groups, ...flows]);
}

/**
 * Flows plain ovs-ofctl cannot write in OpenFlow 1.0 + NXM as they mean: a user gives them with
 * `-O OpenFlow15`, as netloom's default mode reads them. (Plain ovs-ofctl would write
 * write_actions, clear_actions and write_metadata in OpenFlow 1.0 by leaving them out; netloom
 * refuses a flow that needs both, README.)
 */
export const NEEDS_OPENFLOW11 = /push_vlan|write_actions|clear_actions|write_metadata/;

// ---------------------------------------------------------------------------------------------
// Conntrack: a table and a connection's packets.

const A = { mac: '02:00:00:00:00:01', ip: '10.0.0.1', ip6: '2001:db8::1', port: 40000 };
const B = { mac: '02:00:00:00:00:02', ip: '10.0.0.2', ip6: '2001:db8::2', port: 80 };
const SNAT = '192.0.2.50';
const DNAT = '10.0.0.99';

export interface StatefulCase {
  flows: string[];
  packets: { port: number; bytes: Uint8Array }[];
}

/** ct_state matches the tables choose from. */
const CT_STATES = ['+new+trk', '+est+trk', '+est+rpl+trk', '+rel+trk', '+inv+trk', '-trk', '+trk', '+new-est+trk', '+trk+snat', '+trk+dnat', '+trk-rpl'];

/**
 * A stateful table: table 0 sends IP through ct (a zone, NAT for replies) to table 1, whose flows
 * match ct_state and commit (with a zone, NAT, a ct_mark), marking the state they saw in the
 * destination MAC; then the packets of one TCP, UDP or ICMP connection, both ways, in order,
 * with out-of-window and bad segments, and now and then a fragment.
 */
export function drawStateful(r: Rng, mode: Mode): StatefulCase {
  const zone = r.pick(['', '', ',zone=5', ',zone=NXM_NX_REG0[0..15]']);
  const nat = r.pick(['', '', 'src', 'dst']);
  const v6 = nat === '' && r.chance(0.2);
  const ipKw = v6 ? 'ipv6' : 'ip';
  const natArg = nat === 'src' ? `,nat(src=${SNAT})` : nat === 'dst' ? `,nat(dst=${DNAT}${r.pick(['', ':8080'])})` : '';
  const flows = [
    `table=0,priority=10,${ipKw},actions=${r.chance(0.3) ? 'load:0x5->NXM_NX_REG0[0..15],' : ''}ct(table=1${zone}${nat === '' ? '' : ',nat'})`,
    `table=0,priority=0,actions=${r.pick(['drop', 'NORMAL', 'output:4'])}`,
  ];
  const priorities = new Set<number>();
  for (let k = r.int(2, 5); k > 0; k--) {
    let priority = r.int(1, 100);
    while (priorities.has(priority)) priority++;
    priorities.add(priority);
    const inPort = r.pick(['', 'in_port=1,', 'in_port=2,']);
    const state = r.pick(CT_STATES);
    const mark = r.chance(0.15) ? ',ct_mark=0x2a' : '';
    // Committing what the match proves invalid is refused by both: rarely drawn.
    const commit = r.chance(state.includes('+inv') ? 0.05 : 0.5) ? `ct(commit${zone}${natArg}${r.chance(0.3) ? ',exec(set_field:0x2a->ct_mark)' : ''}),` : '';
    const show = r.chance(0.7) ? 'move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7],' : '';
    const out = r.pick(['output:1', 'output:2', 'output:3', 'in_port', 'NORMAL']);
    const then = r.chance(0.15) ? `,${drawActions({ r, mode, table: 1, proof: { ...NOTHING, ipv4: !v6, ipv6: v6, proto: ipKw }, groups: 0, stateful: true })}` : '';
    flows.push(`table=1,priority=${priority},${inPort}ct_state=${state}${mark},${ipKw},actions=${commit}${show}${out}${then}`);
  }
  flows.push(`table=1,priority=0,actions=output:4`);
  return { flows: withoutCrash(flows), packets: connection(r, v6, nat) };
}

function connection(r: Rng, v6: boolean, nat: string): { port: number; bytes: Uint8Array }[] {
  // Replies go to the address the first packet was NATed to, and now and then to the original one.
  const replyTo = nat === 'src' && r.chance(0.85) ? SNAT : A.ip;
  const replyFrom = nat === 'dst' && r.chance(0.85) ? DNAT : B.ip;
  const frame = (fromA: boolean, l4: LayerSpec, data = 0): Uint8Array => {
    const net: LayerSpec = v6
      ? { layer: 'ipv6', src: fromA ? A.ip6 : B.ip6, dst: fromA ? B.ip6 : A.ip6 }
      : { layer: 'ipv4', src: fromA ? A.ip : replyFrom, dst: fromA ? B.ip : replyTo };
    return encode([{ layer: 'ethernet', src: fromA ? A.mac : B.mac, dst: fromA ? B.mac : A.mac }, net, l4, ...(data > 0 ? [{ layer: 'payload', data: new Uint8Array(data).fill(0x61) } as LayerSpec] : [])]);
  };
  const a = (l4: LayerSpec, data = 0) => ({ port: 1, bytes: frame(true, l4, data) });
  const b = (l4: LayerSpec, data = 0) => ({ port: 2, bytes: frame(false, l4, data) });
  const kind = v6 ? r.pick(['tcp', 'udp']) : r.pick(['tcp', 'tcp', 'udp', 'icmp']);
  const out: { port: number; bytes: Uint8Array }[] = [];
  if (kind === 'tcp') {
    const sa = 1000;
    const sb = 5000;
    const seg = (fromA: boolean, flags: number, seq: number, ack: number) =>
      ({ layer: 'tcp', srcPort: fromA ? A.port : B.port, dstPort: fromA ? B.port : A.port, flags, seq, ack, window: 64240 }) as LayerSpec;
    out.push(a(seg(true, 0x02, sa, 0)), b(seg(false, 0x12, sb, sa + 1)), a(seg(true, 0x10, sa + 1, sb + 1)), a(seg(true, 0x18, sa + 1, sb + 1), 100), b(seg(false, 0x10, sb + 1, sa + 101)));
    const ends = [
      () => b(seg(false, 0x18, sb + 3_000_000, sa + 101), 10), // far out of the window
      () => a(seg(true, 0x10, sa + 101, sb + 900_000)), // an ACK for data never sent
      () => a(seg(true, 0x03, sa + 101, 0)), // SYN+FIN
      () => a(seg(true, 0x11, sa + 101, sb + 1)),
      () => b(seg(false, 0x11, sb + 1, sa + 102)),
      () => b(seg(false, 0x14, sb + 1, sa + 101)), // RST
      () => a(seg(true, 0x02, sa, 0)), // the SYN again
    ];
    for (let k = r.int(1, 4); k > 0; k--) out.push(r.pick(ends)());
    // Now and then the handshake is cut short: a reply before any SYN.
    if (r.chance(0.15)) out.shift();
  } else if (kind === 'udp') {
    const dgram = (fromA: boolean) => ({ layer: 'udp', srcPort: fromA ? 5000 : 53, dstPort: fromA ? 53 : 5000 }) as LayerSpec;
    for (let k = r.int(3, 6); k > 0; k--) out.push(r.chance(0.55) ? a(dgram(true), 4) : b(dgram(false), 4));
  } else {
    const echo = (type: number) => ({ layer: 'icmp', type, id: 7, seq: 1 }) as LayerSpec;
    out.push(a(echo(8)), b(echo(0)), b(echo(8)), a(echo(0)));
  }
  // A fragment of the connection's first packet: OVS reassembles (ipf) and holds it, netloom marks it +inv.
  if (!v6 && r.chance(0.1)) {
    const first = out[0]!;
    const bytes = first.bytes.slice();
    bytes[20] = 0x20;
    ipv4Checksum(bytes, 14);
    out.splice(r.int(0, out.length), 0, { port: first.port, bytes });
  }
  return out;
}

/** Writes the IPv4 header checksum of the header at `at` (conntrack checks it). */
function ipv4Checksum(b: Uint8Array, at: number): void {
  b[at + 10] = b[at + 11] = 0;
  let sum = 0;
  for (let i = at; i < at + (b[at]! & 0x0f) * 4; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  b[at + 10] = (~sum >>> 8) & 0xff;
  b[at + 11] = ~sum & 0xff;
}
