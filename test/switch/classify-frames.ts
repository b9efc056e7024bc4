/**
 * Frames that test packet classification where OVS's flow_extract (lib/flow.c) has rules of its
 * own: 802.3 LLC and SNAP, frames cut inside a header, TCP data offsets below 5 or past the
 * frame, fragments, IPv6 extension headers. Each with the flow ovs-vswitchd 3.1 extracts from it
 * (ofproto/trace's Flow line for the frame on port 1; tcp_flags, which netloom does not have yet,
 * and the empty second VLAN header OVS lists after a first, vlan_tci1=0x0000, left out).
 */
import { fromHex } from '../../src/wire/addresses.js';

const MACS = '020000000002' + '020000000001';
/** An IPv4 header (20 bytes, no options, checksum as is: flow_extract does not check it). */
const ipv4 = (proto: number, payload: number, fragment = '0000') => `4500${(20 + payload).toString(16).padStart(4, '0')}0001${fragment}40${proto.toString(16).padStart(2, '0')}00000a0000010a000002`;
const udp = '04d2005000080000';
const L2 = 'in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02';
const IP = 'nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64';

export const CLASSIFY_CASES: { name: string; frame: Uint8Array; flow: string }[] = [
  { name: 'SNAP: IPv4 in LLC/SNAP is classified by its SNAP EtherType', hex: `${MACS}0024aaaa030000000800${ipv4(17, 8)}${udp}`, flow: `udp,${L2},${IP},nw_frag=no,tp_src=1234,tp_dst=80` },
  { name: 'SNAP under a VLAN tag', hex: `${MACS}81000064001caaaa030000000800${ipv4(17, 8)}${udp}`, flow: `udp,in_port=1,dl_vlan=100,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,${IP},nw_frag=no,tp_src=1234,tp_dst=80` },
  { name: 'LLC without SNAP (an STP BPDU) is 0x05ff', hex: `0180c2000000020000000001002642420300000000000000000000000000000000000000000000`, flow: 'in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=01:80:c2:00:00:00,dl_type=0x05ff' },
  { name: 'SNAP with an OUI other than 00-00-00 (Cisco CDP) is 0x05ff', hex: `01000ccccccc020000000001001eaaaa0300000c2000${'00'.repeat(24)}`, flow: 'in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=01:00:0c:cc:cc:cc,dl_type=0x05ff' },
  { name: 'SNAP whose type is a length is 0x05ff', hex: `${MACS}0010aaaa030000000500${'00'.repeat(8)}`, flow: `${L2},dl_type=0x05ff` },
  { name: '802.3 cut before a whole LLC/SNAP header is 0x05ff', hex: `${MACS}0004aaaa03`, flow: `${L2},dl_type=0x05ff` },
  { name: 'a VLAN TPID with no room for the tag and its EtherType: dl_type is the TPID', hex: `${MACS}81000064`, flow: `${L2},dl_type=0x8100` },
  { name: 'a VLAN tag cut before its EtherType', hex: `${MACS}8100006408`, flow: `${L2},dl_type=0x8100` },
  { name: 'an IPv4 header cut short keeps only dl_type', hex: `${MACS}0800${ipv4(17, 8).slice(0, 30)}`, flow: `ip,${L2},nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no` },
  { name: 'an IPv4 total length past the frame keeps only dl_type', hex: `${MACS}0800${ipv4(17, 40)}${udp}`, flow: `ip,${L2},nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no` },
  { name: 'a UDP header cut short: no ports', hex: `${MACS}0800${ipv4(17, 4)}${udp.slice(0, 8)}`, flow: `udp,${L2},${IP},nw_frag=no,tp_src=0,tp_dst=0` },
  { name: 'TCP with data offset 4 hides its ports', hex: `${MACS}0800${ipv4(6, 20)}162e00500000000000000000400220000000000`.padEnd(108, '0'), flow: `tcp,${L2},${IP},nw_frag=no,tp_src=0,tp_dst=0` },
  { name: 'TCP with data offset 6 and only 20 bytes hides its ports', hex: `${MACS}0800${ipv4(6, 20)}162e0050000000000000000060022000000000000`.slice(0, 108), flow: `tcp,${L2},${IP},nw_frag=no,tp_src=0,tp_dst=0` },
  { name: 'a first IPv4 fragment keeps its ports', hex: `${MACS}0800${ipv4(17, 8, '2000')}${udp}`, flow: `udp,${L2},${IP},nw_frag=first,tp_src=1234,tp_dst=80` },
  { name: 'a later IPv4 fragment has no ports', hex: `${MACS}0800${ipv4(17, 8, '0001')}${udp}`, flow: `udp,${L2},${IP},nw_frag=later` },
  {
    name: 'IPv6: UDP behind an Authentication Header',
    hex: `${MACS}86dd60000000001833402001${'0'.repeat(26)}012001${'0'.repeat(26)}0211020000${'0'.repeat(24)}${udp}`,
    flow: `udp6,${L2},ipv6_src=2001::1,ipv6_dst=2001::2,ipv6_label=0x00000,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=1234,tp_dst=80`,
  },
].map(({ name, hex, flow }) => ({ name, frame: fromHex(hex), flow }));

const V6 = (next: number, plen: number) => `${MACS}86dd6000000000${plen.toString(16).padStart(2, '0')}${next.toString(16).padStart(2, '0')}402001${'0'.repeat(26)}012001${'0'.repeat(26)}02`;
const UDP_SUM = '04d20050000812341111111111111111';

/** IPv6 UDP frames whose checksum a rewrite of ipv6_dst adjusts, or not, as OVS's packet_set_ipv6 decides (RFC 8200 §8.1). */
export const IPV6_CHECKSUM_CASES: { name: string; frame: Uint8Array }[] = [
  { name: 'no extension header', hex: `${V6(17, 16)}${UDP_SUM}` },
  { name: 'a routing header with a segment left', hex: `${V6(43, 40)}11020001${'00'.repeat(4)}2001${'0'.repeat(26)}03${UDP_SUM}` },
  { name: 'a routing header with no segment left', hex: `${V6(43, 40)}11020000${'00'.repeat(4)}2001${'0'.repeat(26)}03${UDP_SUM}` },
  { name: 'a first fragment', hex: `${V6(44, 24)}1100000100000007${UDP_SUM}` },
  { name: 'an atomic fragment (offset 0, no more)', hex: `${V6(44, 24)}1100000000000007${UDP_SUM}` },
  { name: 'a hop-by-hop header', hex: `${V6(0, 24)}1100010400000000${UDP_SUM}` },
].map(({ name, hex }) => ({ name, frame: fromHex(hex) }));
