/**
 * The draw of the generated differential (switch-generated-*.test.ts): seeded random flow tables
 * and the packets sent through them. Every match field, action and packet shape is one entry of a
 * table below (a small generator function with the condition it needs), so a field or action
 * netloom gains is one more line. Stateful cases (conntrack) are drawn as a table plus a sequence
 * of packets of one connection. It owns nothing but the draw: running and comparing are the
 * test's.
 */
import { encode } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS } from '../../src/switch/flow.js';

/** netloom's default against plain ovs-ofctl (OpenFlow 1.0 + NXM), or `protocols: 'OpenFlow13'` against `-O OpenFlow15`. */
export type Mode = 'plain' | 'OpenFlow15';

export const PORTS = 4;

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

/** What a packet starts as: one entry per shape; `weight` makes common shapes common. */
const SHAPES: readonly { name: string; weight: number; layers: (r: Rng) => LayerSpec[] }[] = [
  { name: 'udp', weight: 3, layers: (r) => [ipv4(r, 17), { layer: 'udp', srcPort: r.pick([53, 1000, 4789]), dstPort: r.pick([53, 80, 2000]) }, payload(r)] },
  { name: 'tcp', weight: 3, layers: (r) => [ipv4(r, 6), { layer: 'tcp', srcPort: r.pick([22, 5555]), dstPort: r.pick([80, 443, 22]), flags: r.pick([0x02, 0x12, 0x10, 0x11, 0x04]) }, payload(r)] },
  { name: 'icmp', weight: 1, layers: (r) => [ipv4(r, 1), { layer: 'icmp', type: r.pick([0, 8]), id: 1, seq: r.int(0, 3) }, payload(r)] },
  { name: 'arp', weight: 1, layers: (r) => [{ layer: 'arp', op: r.int(1, 2), senderMac: r.pick(MACS), senderIp: r.pick(IPS), targetIp: r.pick(IPS) }] },
  { name: 'ipv6 udp', weight: 2, layers: (r) => [ipv6(r), { layer: 'udp', srcPort: r.pick([53, 1000]), dstPort: r.pick([53, 2000]) }, payload(r)] },
  { name: 'ipv6 tcp', weight: 1, layers: (r) => [ipv6(r), { layer: 'tcp', srcPort: 5555, dstPort: r.pick([80, 22]), flags: 0x02 }] },
  { name: 'icmpv6', weight: 1, layers: (r) => [ipv6(r), { layer: 'icmpv6', type: r.pick([128, 129, 135, 1]), id: 3, seq: 1 }, payload(r)] },
  {
    // Neighbor solicitations and advertisements: target fe80::1 or ::2, a source and/or target link-layer option, now and then a second source one (invalid to OVS).
    name: 'nd',
    weight: 1,
    layers: (r) => {
      const target = [0xfe, 0x80, ...new Array<number>(13).fill(0), r.pick([1, 2])];
      const options = r.pick([[], SLL, TLL, [...SLL, ...TLL], [...SLL, ...SLL.slice(0, 7), 0xcc]]);
      return [ipv6(r), { layer: 'icmpv6', type: r.pick([135, 136]), code: r.chance(0.9) ? 0 : 1, rest: 0 }, { layer: 'payload', data: Uint8Array.from([...target, ...options]) }];
    },
  },
  {
    // Hop-by-hop, routing (segments left or not), fragment (first or later), destination options.
    name: 'ipv6 extension headers',
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
function payload(r: Rng): LayerSpec {
  return { layer: 'payload', data: new Uint8Array(r.int(0, 12)).fill(0x5a) };
}

/** The tags in front of the L3 header: none, one (802.1Q or 802.1ad, DEI now and then, a priority tag), or two (QinQ). */
function tags(r: Rng): LayerSpec[] {
  const tag = (tpid: number): LayerSpec => ({ layer: 'vlan', vid: r.chance(0.1) ? 0 : r.pick(VIDS), pcp: r.int(0, 7), dei: r.chance(0.3), tpid });
  const n = r.pick([0, 0, 0, 1, 1, 2]);
  if (n === 0) return [];
  if (n === 1) return [tag(r.pick([0x8100, 0x8100, 0x88a8]))];
  return [tag(r.pick([0x88a8, 0x8100])), tag(0x8100)];
}

/**
 * A packet: a shape behind 0-2 tags, then perhaps changed the ways flow_extract has rules for:
 * IPv4 in 802.3 LLC/SNAP, a plain 802.3 LLC frame, an IPv4 fragment (first or later), a frame cut
 * short anywhere past its Ethernet header.
 */
export function drawPacket(r: Rng): Uint8Array {
  const eth: LayerSpec = { layer: 'ethernet', src: r.pick(MACS), dst: r.chance(0.1) ? r.pick(RESERVED) : r.pick(MACS) };
  const bytes = encode([eth, ...tags(r), ...r.pick(SHAPE_BAG).layers(r)]);
  let l3 = 14;
  while (l3 + 4 <= bytes.length && (bytes[l3 - 2] === 0x81 || bytes[l3 - 2] === 0x88) && bytes[l3 - 1] === (bytes[l3 - 2] === 0x81 ? 0x00 : 0xa8)) l3 += 4;
  const ipv4Type = bytes[l3 - 2] === 0x08 && bytes[l3 - 1] === 0x00;
  const change = r.pick(['none', 'none', 'none', 'none', 'snap', 'llc', 'fragment', 'cut']);
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

// ---------------------------------------------------------------------------------------------
// Matches.

/** What a flow's match proves, which decides the actions that may follow it (and their meaning in OpenFlow 1.1+). */
export interface Proof {
  ipv4: boolean;
  ipv6: boolean;
  /** udp or tcp (for tp_src/tp_dst writes). */
  l4: boolean;
  arp: boolean;
  tag: boolean;
}

const PROTOCOLS = ['', '', 'ip', 'udp', 'tcp', 'icmp', 'arp', 'ipv6', 'udp6', 'tcp6', 'icmp6'] as const;
type Protocol = (typeof PROTOCOLS)[number];
const IPV4: readonly Protocol[] = ['ip', 'udp', 'tcp', 'icmp'];
const IPV6: readonly Protocol[] = ['ipv6', 'udp6', 'tcp6', 'icmp6'];
const L4: readonly Protocol[] = ['udp', 'tcp', 'udp6', 'tcp6'];

/** One match field: when it may be drawn (its prerequisite), how often, and its text. */
const MATCH_FIELDS: readonly { p: number; when?: (proto: Protocol, tagged: boolean) => boolean; draw: (r: Rng, proto: Protocol) => string; tags?: true }[] = [
  { p: 0.4, draw: (r) => `in_port=${r.int(1, PORTS)}` },
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
  { p: 0.4, when: (p) => L4.includes(p), draw: (r) => `tp_dst=${r.pick(['80', '53', '2000', '0x0050/0xfff0'])}` },
  { p: 0.2, when: (p) => L4.includes(p), draw: (r) => `tp_src=${r.pick(['53', '1000', '22', '5555'])}` },
  { p: 0.5, when: (p) => p === 'icmp', draw: (r) => `icmp_type=${r.pick([0, 8])}` },
  { p: 0.5, when: (p) => p === 'arp', draw: (r) => r.pick([`arp_op=${r.int(1, 2)}`, `arp_spa=${r.pick(IPS)}`, `arp_tpa=${r.pick(IPS)}`]) },
  { p: 0.3, when: (p) => p === 'tcp' || p === 'tcp6', draw: (r) => `tcp_flags=${r.pick(['+syn', '+syn-ack', '+ack', '-ack', '+fin', '+rst', 'syn', '0x012', '0x002/0x012'])}` },
  { p: 0.15, when: (p) => IPV4.includes(p) || IPV6.includes(p), draw: (r) => `ip_frag=${r.pick(['no', 'yes', 'first', 'later', 'not_later'])}` },
  {
    p: 0.5,
    when: (p) => p === 'icmp6',
    draw: (r) => r.pick([`icmp_type=${r.pick([128, 129, 135, 136])}`, `icmpv6_code=${r.pick([0, 1])}`, 'icmp_type=135,nd_target=fe80::1', 'icmp_type=135,nd_sll=02:00:00:00:0a:aa', 'icmp_type=136,nd_tll=02:00:00:00:0b:bb/ff:ff:ff:00:ff:ff']),
  },
  // Pipeline fields an action may have set in an earlier table (or left 0).
  { p: 0.1, draw: (r) => r.pick([`pkt_mark=${r.int(0, 2)}`, `xreg0=0x${r.int(0, 2).toString(16)}`, `xxreg0=0x${r.int(0, 2).toString(16)}/0xff`]) },
];

export function drawMatch(r: Rng): { text: string; proof: Proof } {
  const proto = r.pick(PROTOCOLS);
  const parts: string[] = proto === '' ? [] : [proto];
  let tag = false;
  for (const f of MATCH_FIELDS) {
    if ((f.when === undefined || f.when(proto, tag)) && r.chance(f.p)) {
      parts.push(f.draw(r, proto));
      if (f.tags) tag = true;
    }
  }
  const proof = { ipv4: IPV4.includes(proto), ipv6: IPV6.includes(proto), l4: L4.includes(proto), arp: proto === 'arp', tag };
  return { text: parts.join(','), proof };
}

// ---------------------------------------------------------------------------------------------
// Actions.

export interface ActionContext {
  r: Rng;
  mode: Mode;
  /** The table the flow is in. */
  table: number;
  proof: Proof;
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
  { name: 'clone', draw: ({ r }) => `clone(${r.pick([`mod_dl_src:${r.pick(MACS)}`, 'push_vlan:0x8100', `mod_vlan_vid:${r.pick([10, 40])}`, 'strip_vlan'])},output:${r.int(1, PORTS)})` },
  { name: 'sample', weight: 0.3, draw: ({ r }) => `sample(probability=${r.pick([65535, 65535, 1])},collector_set_id=1)` },
  // resubmit: onward, with another in_port for the lookup, and back (which can loop until a limit drops the packet).
  { name: 'resubmit', weight: 2, when: (c) => c.table === 0, draw: ({ r }) => r.pick(['resubmit(,1)', `resubmit(${r.int(1, PORTS)},1)`]) },
  { name: 'resubmit back', weight: 0.3, draw: ({ r, table }) => `resubmit(,${r.pick([0, table])})` },
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
];

function usable(a: ActionDraw, c: ActionContext): boolean {
  if (a.when !== undefined && !a.when(c)) return false;
  // Unproven writes: plain mode always (they run on the packet as it is), -O OpenFlow15 rarely (both refuse).
  return a.proves === undefined || a.proves(c.proof) || c.mode === 'plain' || c.r.chance(0.05);
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

/** A stateless table: 1-6 flows over tables 0 and 1, some of them conjunctive clauses. */
export function drawTable(r: Rng, mode: Mode): string[] {
  const flows: string[] = [];
  const priorities = new Set<number>();
  for (let k = r.int(1, 6); k > 0; k--) {
    const table = r.chance(0.25) ? 1 : 0;
    let priority = r.int(1, 200);
    while (priorities.has(priority)) priority++;
    priorities.add(priority);
    const m = drawMatch(r);
    // Some flows are clauses of conjunctive matches 1 and 2 (of 2 clauses), which conj_id flows act on.
    const conjunctive = r.chance(0.12);
    const actions = conjunctive ? `conjunction(${r.int(1, 2)},${r.int(1, 2)}/2)` : drawActions({ r, mode, table, proof: m.proof });
    flows.push(`table=${table},priority=${priority}${m.text ? `,${m.text}` : ''},actions=${actions}`);
    if (conjunctive && r.chance(0.5)) {
      const none = { ipv4: false, ipv6: false, l4: false, arp: false, tag: false };
      flows.push(`table=${table},priority=${r.int(1, 200)},conj_id=${r.int(1, 2)},actions=${drawActions({ r, mode, table, proof: none })}`);
    }
  }
  return flows;
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
    const then = r.chance(0.15) ? `,${drawActions({ r, mode, table: 1, proof: { ipv4: !v6, ipv6: v6, l4: false, arp: false, tag: false } })}` : '';
    flows.push(`table=1,priority=${priority},${inPort}ct_state=${state}${mark},${ipKw},actions=${commit}${show}${out}${then}`);
  }
  flows.push(`table=1,priority=0,actions=output:4`);
  return { flows, packets: connection(r, v6, nat) };
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
