/**
 * MPLS against a real Open vSwitch (dummy datapath, test/interop/ovs.ts), in both of netloom's
 * modes: mpls_label, mpls_tc, mpls_ttl and mpls_bos matched, push_mpls (on IPv4, IPv6, ARP, a
 * tagged frame and an MPLS packet), pop_mpls (to IP and to MPLS, of one label or a whole stack, and
 * a stack deeper than OVS keeps), set_mpls_* and set_field/load/move of the fields, dec_mpls_ttl
 * (its exception included), a lookup after a pop, and an action set; every packet must leave by
 * the same ports with the same bytes.
 */
import { encode } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { describeTables, type TableCase } from './table-differential.js';

const ETH: LayerSpec = { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' };
const UDP: LayerSpec = { layer: 'udp', srcPort: 1000, dstPort: 53 };
const v4 = encode([ETH, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', ttl: 33, dscp: 46 }, UDP]);
const v4ttl0 = encode([ETH, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.3', ttl: 0, dscp: 9 }, UDP]);
const v6 = encode([ETH, { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', hopLimit: 7, trafficClass: 0xb8 }, UDP]);
const arp = encode([ETH, { layer: 'arp', op: 1, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }]);
const tagged = encode([ETH, { layer: 'vlan', vid: 10, pcp: 3 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', ttl: 5 }, UDP]);

/** A label stack entry: label, traffic class, bottom of stack, TTL. */
const lse = (label: number, tc: number, bos: boolean, ttl: number) => [label >>> 12, (label >>> 4) & 0xff, ((label & 0xf) << 4) | (tc << 1) | (bos ? 1 : 0), ttl];
/** An MPLS frame (EtherType `type`) with these entries, over the IPv4 datagram of `v4` (or cut `cut` bytes into the stack). */
function mpls(entries: number[][], type = 0x8847, cut?: number): Uint8Array {
  const stack = entries.flat();
  const ip = v4.subarray(14);
  const body = cut === undefined ? [...stack, ...ip] : stack.slice(0, cut);
  return Uint8Array.from([...v4.subarray(0, 12), type >> 8, type & 0xff, ...body]);
}

const PACKETS: readonly Uint8Array[] = [
  v4, v4ttl0, v6, arp, tagged,
  mpls([lse(16, 3, true, 64)]), mpls([lse(16, 0, true, 1)]), mpls([lse(17, 7, true, 0)]), mpls([lse(16, 3, true, 64)], 0x8848),
  mpls([lse(100, 1, false, 9), lse(200, 2, true, 8)]), mpls([lse(1, 0, false, 64), lse(2, 0, false, 64), lse(3, 0, false, 64), lse(4, 0, true, 64)]),
  mpls([lse(1, 0, false, 64), lse(2, 0, false, 64), lse(3, 0, true, 64)]), mpls([lse(16, 3, true, 64)], 0x8847, 2), mpls([lse(16, 3, false, 64)], 0x8847, 4),
];

const CASES: TableCase[] = [
  {
    name: 'mpls_* matched: label, traffic class, TTL, bottom of stack; mpls and mplsm',
    flows: [
      'priority=20,mpls,mpls_label=16,mpls_tc=3,actions=output:2', 'priority=19,mpls,mpls_ttl=1,actions=output:3', 'priority=18,mpls,mpls_bos=0,actions=output:4',
      'priority=17,mplsm,actions=output:3', 'priority=16,mpls,mpls_label=17,actions=output:4', 'priority=0,actions=output:2,output:3',
    ],
  },
  {
    name: 'push_mpls on IPv4 (TC from the DSCP, TTL from IP), IPv6, ARP, a tagged frame and an MPLS packet',
    flows: ['priority=10,actions=push_mpls:0x8847,output:2', 'priority=20,mpls,actions=push_mpls:0x8848,output:3', 'priority=20,mplsm,actions=push_mpls:0x8847,push_mpls:0x8847,output:4'],
  },
  {
    name: 'push_mpls, then set_mpls_label, set_mpls_tc and set_mpls_ttl, then push again',
    flows: ['priority=10,ip,actions=push_mpls:0x8847,set_mpls_label(100),set_mpls_tc(5),set_mpls_ttl(9),push_mpls:0x8847,set_mpls_label(7),output:2', 'priority=0,actions=output:3'],
  },
  {
    name: 'set_field, load and move of the mpls_* fields',
    flows: [
      'priority=10,mpls,actions=set_field:9->mpls_label,load:6->OXM_OF_MPLS_TC[],move:NXM_NX_MPLS_TTL[]->NXM_NX_REG0[0..7],load:200->NXM_NX_MPLS_TTL[],resubmit(,1)',
      'table=1,priority=10,mpls,reg0=64,mpls_ttl=200,actions=output:2', 'table=1,priority=5,actions=output:3', 'priority=0,actions=output:4',
    ],
  },
  {
    name: 'pop_mpls to IPv4 (the whole stack goes) and to MPLS (one label); a stack deeper than three is dropped',
    flows: ['priority=20,mpls,mpls_bos=1,actions=pop_mpls:0x0800,output:2', 'priority=19,mpls,mpls_label=100,actions=pop_mpls:0x8847,output:3', 'priority=18,mpls,actions=pop_mpls:0x0800,output:4', 'priority=0,actions=output:2'],
  },
  {
    name: 'a lookup after pop_mpls sees the IP header; dec_ttl there',
    flows: ['priority=10,mpls,actions=pop_mpls:0x0800,resubmit(,1)', 'table=1,priority=10,udp,nw_dst=10.0.0.2,actions=dec_ttl,output:2', 'table=1,priority=5,actions=output:3', 'priority=0,actions=output:4'],
  },
  {
    name: 'dec_mpls_ttl: decremented, or at 0 or 1 the rest of the actions abandoned',
    flows: ['priority=10,mpls,actions=output:4,dec_mpls_ttl,output:2', 'priority=0,actions=output:3'],
  },
  {
    name: 'dec_mpls_ttl and set_mpls_label on a packet that is not MPLS (OpenFlow 1.0 acts on the packet as it is)',
    only: 'OpenFlow10',
    flows: ['priority=10,ip,actions=set_mpls_label(5),output:4,dec_mpls_ttl,output:2', 'priority=0,actions=pop_mpls:0x0800,output:3'],
  },
  {
    name: 'push_mpls and pop_mpls in an action set',
    only: 'OpenFlow15',
    flows: ['priority=10,mpls,actions=write_actions(pop_mpls:0x0800,output:2)', 'priority=5,ip,actions=write_actions(output:3,push_mpls:0x8847,set_field:5->mpls_label)', 'priority=0,actions=output:4'],
  },
];

describeTables('MPLS matches and actions as Open vSwitch does them', CASES, PACKETS);
