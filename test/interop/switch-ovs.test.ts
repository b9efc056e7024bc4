/**
 * Differential tests: the same flow table and the same packet, through netloom's bridge and a
 * real Open vSwitch (dummy datapath, test/interop/ovs.ts); the bytes leaving every port must be
 * equal. OVS's LOCAL port has no counterpart in netloom and is left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the switch differential tests: ${ovsMissingMessage()}`);

const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));

const M1 = '02:00:00:00:00:01';
const M2 = '02:00:00:00:00:02';
const udp = (over: Partial<Record<string, unknown>> = {}): Uint8Array =>
  encode([
    { layer: 'ethernet', src: M1, dst: M2 },
    { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', ttl: 64, ...over } as LayerSpec,
    { layer: 'udp', srcPort: 1000, dstPort: 2000 },
    { layer: 'payload', data: new Uint8Array(8) },
  ]);
const tagged = (vid: number) =>
  encode([
    { layer: 'ethernet', src: M1, dst: M2 },
    { layer: 'vlan', vid, tpid: 0x8100 },
    { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
    { layer: 'udp', srcPort: 1000, dstPort: 2000 },
  ]);
const tcp = encode([
  { layer: 'ethernet', src: M1, dst: M2 },
  { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
  { layer: 'tcp', srcPort: 5555, dstPort: 80, flags: 0x02 },
]);
const arp = encode([{ layer: 'ethernet', src: M1, dst: 'ff:ff:ff:ff:ff:ff' }, { layer: 'arp', op: 1, senderMac: M1, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }]);
const ipv6 = encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', flowLabel: 0x12345, trafficClass: 0x21 } as LayerSpec, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
const rep = (s: string, n: number) => Array.from({ length: n }, () => s).join(',');
/** Table 0 resubmits to 100, and each table from 100 down to `low` + 1 resubmits to the one before: 100 - low resubmits that deepen. */
const descending = (low: number) => ['table=0,actions=resubmit(,100)', ...Array.from({ length: 100 - low }, (_, i) => `table=${100 - i},actions=resubmit(,${99 - i})`), `table=${low},actions=output:2`];

interface Case {
  name: string;
  flows: string[];
  packets: { port: number; bytes: Uint8Array }[];
}

const icmp = encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'icmp', type: 8, id: 1, seq: 1 }]);
const stacked = encode([
  { layer: 'ethernet', src: M1, dst: M2 },
  { layer: 'vlan', vid: 100, tpid: 0x88a8 },
  { layer: 'vlan', vid: 10, tpid: 0x8100 },
  { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
  { layer: 'udp', srcPort: 1000, dstPort: 2000 },
]);
const every = (port: number) => [udp(), tagged(10), stacked, tcp, icmp, arp, ipv6].map((bytes) => ({ port, bytes }));

/**
 * Flows as plain ovs-ofctl sends them (OpenFlow 1.0 + NXM): VLAN and IP actions whose header no
 * match proves act on each packet as it is, netloom's default.
 */
const OPENFLOW10_CASES: Case[] = [
  { name: 'strip_vlan on untagged, tagged and QinQ frames', flows: ['in_port=1,actions=strip_vlan,output:2', 'in_port=2,actions=strip_vlan,strip_vlan,output:3'], packets: [...every(1), ...every(2)] },
  { name: 'mod_vlan_vid and mod_vlan_pcp push a tag only where there is none', flows: ['in_port=1,actions=mod_vlan_vid:20,output:2', 'in_port=2,actions=mod_vlan_pcp:5,output:3', 'in_port=3,ip,actions=mod_vlan_vid:30,mod_vlan_pcp:3,output:4'], packets: [...every(1), ...every(2), ...every(3)] },
  { name: 'mod_nw_src and mod_nw_dst rewrite IPv4 only (not ARP, not IPv6)', flows: ['in_port=1,actions=mod_nw_src:192.168.0.1,mod_nw_dst:192.168.0.2,output:2', 'in_port=2,arp,actions=mod_nw_dst:192.168.0.9,output:3'], packets: [...every(1), ...every(2)] },
  // On ICMP they write the type and code, as OVS does.
  { name: 'mod_tp_src and mod_tp_dst without tcp or udp in the match', flows: ['in_port=1,actions=mod_tp_src:7,mod_tp_dst:8,output:2', 'in_port=2,ip,actions=mod_tp_dst:53,output:3', 'in_port=3,icmp,actions=mod_tp_src:0x1ff,output:4'], packets: [...every(1), ...every(2), ...every(3)] },
  { name: 'dec_ttl and mod_nw_tos without ip in the match', flows: ['in_port=1,actions=dec_ttl,mod_nw_tos:16,output:2'], packets: every(1) },
];

const CASES: Case[] = [
  { name: 'output', flows: ['in_port=1,actions=output:2'], packets: [{ port: 1, bytes: udp() }] },
  { name: 'output to the input port is skipped; in_port sends back', flows: ['in_port=1,actions=output:1,output:2', 'in_port=2,actions=in_port'], packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }] },
  { name: 'flood and all', flows: ['in_port=1,actions=flood', 'in_port=2,actions=all'], packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }] },
  { name: 'push a tag (mod_vlan_vid on an untagged frame)', flows: ['in_port=1,actions=mod_vlan_vid:10,output:2'], packets: [{ port: 1, bytes: udp() }] },
  { name: 'mod_vlan_vid with a match proving a tag modifies it', flows: ['in_port=1,dl_vlan=10,actions=mod_vlan_vid:20,mod_vlan_pcp:5,output:2'], packets: [{ port: 1, bytes: tagged(10) }] },
  { name: 'pop a tag', flows: ['in_port=1,dl_vlan=10,actions=strip_vlan,output:2'], packets: [{ port: 1, bytes: tagged(10) }, { port: 1, bytes: tagged(11) }] },
  { name: 'push_vlan pushes TCI 0', flows: ['in_port=1,actions=push_vlan:0x8100,output:2'], packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: tagged(7) }] },
  { name: 'dec_ttl, and its exception at TTL 1', flows: ['in_port=1,ip,actions=output:3,dec_ttl,output:2'], packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: udp({ ttl: 1 }) }, { port: 1, bytes: udp({ ttl: 0 }) }] },
  {
    name: 'rewrites with checksums: MACs, IPs, ports, TOS',
    flows: ['in_port=1,udp,actions=mod_dl_src:0a:00:00:00:00:01,mod_dl_dst:0a:00:00:00:00:02,mod_nw_src:192.168.0.1,mod_nw_dst:192.168.0.2,mod_tp_src:7,mod_tp_dst:8,mod_nw_tos:16,output:2', 'in_port=1,tcp,actions=mod_tp_dst:8080,mod_nw_dst:1.2.3.4,output:3'],
    packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: tcp }],
  },
  {
    name: 'resubmit chains return; goto_table moves on',
    flows: ['table=0,in_port=1,actions=resubmit(,1),output:4', 'table=1,actions=mod_dl_dst:0a:00:00:00:00:09,resubmit(,2),output:3', 'table=2,actions=output:2', 'table=0,in_port=2,actions=goto_table:3', 'table=3,actions=output:4'],
    packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }],
  },
  {
    name: 'registers and metadata steer between tables',
    flows: [
      'table=0,in_port=1,actions=load:0x3->NXM_NX_REG0[0..15],set_field:0x42->metadata,resubmit(,1)',
      'table=1,reg0=3,metadata=0x42,actions=output:reg0[0..15]',
      'table=0,in_port=2,actions=write_metadata:0x7/0xff,goto_table:1',
      'table=1,metadata=0x7/0xff,actions=output:4',
    ],
    packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }],
  },
  {
    name: 'move copies a field into another',
    flows: ['in_port=1,actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:2', 'in_port=2,ip,actions=move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],output:3'],
    packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }],
  },
  {
    name: 'priorities, masks and prerequisites pick the rule',
    flows: [
      'priority=10,actions=output:2',
      'priority=20,ip,nw_dst=10.0.0.0/8,actions=output:3',
      'priority=30,udp,tp_dst=0x07d0/0xfff0,actions=output:4',
      'priority=40,arp,arp_op=1,actions=output:2,output:3',
      'priority=25,tcp,tp_dst=80,actions=output:4,output:2',
    ],
    packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: tcp }, { port: 1, bytes: arp }, { port: 1, bytes: udp({ dst: '192.168.9.9' }) }],
  },
  {
    name: 'write_actions runs at the end of the pipeline; clear_actions empties it',
    flows: ['table=0,in_port=1,actions=write_actions(output:3),goto_table:1', 'table=1,actions=output:2', 'table=0,in_port=2,actions=write_actions(output:3),goto_table:2', 'table=2,actions=clear_actions'],
    packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }],
  },
  {
    // The MAC-learning pipeline of OVS's own tutorial (ovs-advanced), in miniature.
    name: 'learn: a MAC-learning pipeline',
    flows: [
      'table=0,actions=learn(table=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]),resubmit(,1)',
      'table=1,actions=resubmit(,10),resubmit(,2)',
      'table=2,priority=50,reg0=0,actions=flood',
      'table=2,priority=49,actions=output:NXM_NX_REG0[0..15]',
    ],
    packets: [
      { port: 1, bytes: udp() },
      { port: 2, bytes: encode([{ layer: 'ethernet', src: M2, dst: M1 }, { layer: 'ipv4', src: '10.0.0.2', dst: '10.0.0.1' }, { layer: 'udp', srcPort: 2000, dstPort: 1000 }]) },
      { port: 1, bytes: udp() },
      { port: 3, bytes: encode([{ layer: 'ethernet', src: '02:00:00:00:00:03', dst: M1 }, { layer: 'ipv4' }]) },
    ],
  },
];

// Resubmit limits as OVS counts them: depth 64 counted only on resubmits to the same or an earlier
// table, 4,096 lookups in all; past either, the packet is dropped, outputs made before included.
CASES.push(
  {
    name: 'resubmit loops send nothing, not even what was output before the loop',
    flows: [
      'table=0,in_port=1,actions=output:2,resubmit(,0)',
      'table=0,in_port=2,actions=output:3,resubmit(,1)',
      'table=1,actions=resubmit(,1),output:4',
      'table=0,in_port=3,actions=output:4,write_actions(output:1),goto_table:2',
      'table=2,actions=resubmit(,2)',
      'table=0,in_port=4,actions=resubmit(,5),output:1',
      ...Array.from({ length: 65 }, (_, n) => (n < 64 ? `table=${5 + n},actions=resubmit(,${6 + n}),output:2` : 'table=69,actions=resubmit(,5)')),
    ],
    packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }, { port: 3, bytes: udp() }, { port: 4, bytes: udp() }],
  },
  {
    name: 'resubmits to later tables do not deepen: 70 tables, each resubmitting to the next before its last action',
    flows: Array.from({ length: 70 }, (_, n) => (n < 69 ? `table=${n},actions=resubmit(,${n + 1}),set_field:1->reg1` : `table=${n},actions=output:2`)),
    packets: [{ port: 1, bytes: udp() }],
  },
  { name: '64 resubmits to earlier tables deliver', flows: descending(36), packets: [{ port: 1, bytes: udp() }] },
  { name: 'the 65th resubmit to an earlier table drops the packet', flows: descending(35), packets: [{ port: 1, bytes: udp() }] },
  { name: '4,096 resubmit lookups deliver', flows: [`table=0,actions=${rep('resubmit(,1)', 64)},output:2`, `table=1,actions=${rep('resubmit(,2)', 63)}`], packets: [{ port: 1, bytes: udp() }] },
  { name: 'the 4,097th resubmit lookup drops the packet', flows: [`table=0,actions=${rep('resubmit(,1)', 64)},resubmit(,3),output:2`, `table=1,actions=${rep('resubmit(,2)', 63)}`], packets: [{ port: 1, bytes: udp() }] },
  {
    name: 'resubmit(port,table) looks up as that port, then acts with the real in_port',
    flows: [
      'table=0,in_port=1,actions=resubmit(3,1)',
      'table=1,in_port=3,actions=move:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],output:1,resubmit(,2)',
      'table=2,reg0=1,actions=output:2',
      'table=2,reg0=3,actions=output:4',
    ],
    packets: [{ port: 1, bytes: udp() }],
  },
  {
    name: 'field writes: ipv6_label; nw_tos keeps ECN through set_field, load and move',
    flows: [
      'in_port=1,ipv6,actions=set_field:0x54321->ipv6_label,output:2',
      'in_port=1,ip,actions=set_field:32->nw_tos,output:2,load:0x8->NXM_OF_IP_TOS[2..7],output:3',
      'in_port=2,ip,actions=load:0xff->NXM_NX_REG0[0..7],move:NXM_NX_REG0[0..7]->NXM_OF_IP_TOS[],output:3,load:1->NXM_OF_IP_TOS[2],output:4',
    ],
    packets: [{ port: 1, bytes: ipv6 }, { port: 1, bytes: udp({ ecn: 1 }) }, { port: 1, bytes: udp({ ecn: 3, dscp: 46 }) }, { port: 2, bytes: udp({ ecn: 2 }) }],
  },
  {
    name: 'vlan_tci writes: CFI set pushes a tag, CFI clear pops it',
    flows: [
      'in_port=1,actions=load:0->NXM_OF_VLAN_TCI[],output:2',
      'in_port=2,actions=set_field:0x1005->vlan_tci,output:3,load:0->NXM_OF_VLAN_TCI[],output:4',
      'in_port=3,actions=set_field:0xf00a->vlan_tci,output:1,load:1->NXM_OF_VLAN_TCI[12],output:2',
      'in_port=4,actions=load:0x5->NXM_OF_VLAN_TCI[0..11],output:1,load:0x1007->NXM_NX_REG0[0..15],move:NXM_NX_REG0[0..15]->NXM_OF_VLAN_TCI[],output:2',
    ],
    packets: [1, 2, 3, 4].flatMap((port) => [{ port, bytes: udp() }, { port, bytes: tagged(10) }]),
  },
  {
    name: 'a rewritten UDP checksum that comes out 0 is sent as 0xffff',
    flows: ['in_port=1,udp,actions=mod_tp_dst:59363,output:2', 'in_port=2,udp,actions=mod_nw_src:10.0.229.228,output:3'],
    packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1000, dstPort: 2000, checksum: 0 }, { layer: 'payload', data: new Uint8Array(8) }]) }, { port: 2, bytes: udp() }],
  },
  {
    name: 'the action set runs in OpenFlow order with one final action',
    flows: [
      'table=0,in_port=1,ip,actions=write_actions(set_field:10->nw_ttl,dec_ttl,output:2)',
      'table=0,in_port=2,actions=write_actions(set_field:0x1005->vlan_tci,push_vlan:0x8100,output:3,output:4)',
      'table=0,in_port=3,actions=write_actions(output:1,resubmit(,1))',
      'table=1,actions=output:2',
      'table=0,in_port=4,ip,actions=output:1,write_actions(mod_nw_ttl:9,dec_ttl),goto_table:2',
      'table=2,actions=write_actions(mod_dl_dst:0a:00:00:00:00:09,NORMAL)',
    ],
    packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: udp({ ttl: 1 }) }, { port: 2, bytes: udp() }, { port: 3, bytes: udp() }, { port: 4, bytes: udp() }],
  },
);

// OVS's flow keeps two VLAN headers, outermost first, and commits them to the frame: a push over
// two drops the old inner one; under a pushed tag the EtherType is still the flow's; clearing
// vlan_tci pops every tag the flow has, and setting it again brings an inner one back.
const qinq = encode([
  { layer: 'ethernet', src: M1, dst: M2 },
  { layer: 'vlan', vid: 10, tpid: 0x8100 },
  { layer: 'vlan', vid: 20, tpid: 0x8100 },
  { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
  { layer: 'udp', srcPort: 1000, dstPort: 2000 },
]);
CASES.push(
  {
    name: 'VLAN headers as OVS\'s flow keeps them: pushes over tags, pops, and vlan_tci writes',
    flows: [
      'table=0,in_port=1,actions=mod_vlan_vid:40,push_vlan:0x8100,output:2,goto_table:1',
      'table=1,priority=10,ip,actions=output:3',
      'table=1,priority=5,actions=output:4',
      'table=0,in_port=2,actions=push_vlan:0x8100,output:1,load:0->NXM_OF_VLAN_TCI[],output:3,set_field:0x1007->vlan_tci,output:4',
      'table=0,in_port=3,vlan_tci=0x1000/0x1000,actions=pop_vlan,output:1,goto_table:1',
      'table=0,in_port=4,vlan_tci=0x1000/0x1000,actions=push_vlan:0x88a8,output:1,pop_vlan,output:2,pop_vlan,output:3',
    ],
    packets: [1, 2, 3, 4].flatMap((port) => [{ port, bytes: udp() }, { port, bytes: tagged(10) }, { port, bytes: qinq }]),
  },
);

/** Flows both must refuse (netloom when parsing, OVS when adding). */
const REFUSED = [
  'table=1,actions=goto_table:1',
  'table=2,actions=output:2,goto_table:1',
  'ip,actions=set_field:0x86dd->dl_type',
  'ip,actions=set_field:6->nw_proto',
  'ip,actions=load:0x86dd->NXM_OF_ETH_TYPE[]',
  'ip,actions=move:NXM_NX_REG0[0..7]->NXM_OF_IP_PROTO[]',
  'ip,actions=set_field:33->nw_tos',
  'ip,actions=load:0x21->NXM_OF_IP_TOS[]',
  'ip,actions=load:1->NXM_OF_IP_TOS[0]',
  'actions=write_actions(learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]))',
  'actions=write_actions(output:NXM_NX_REG0[0..15])',
  'actions=write_actions(goto_table:1)',
  'actions=set_field:0a:0b:0c:0d:0e:0f/ff:00:ff:00:ff:00->eth_dst',
  'cookie=0x5/0xff,actions=drop',
];

/** dump-flows rows without what differs by wall-clock time (duration, idle_age), sorted. */
function rows(dump: string): string[] {
  return dump
    .split('\n')
    .filter((l) => l.startsWith(' cookie='))
    .map((l) => l.replace(/duration=[^,]+, /, '').replace(/idle_age=[^,]+, /, '').trim())
    .sort();
}

CASES.push({
  name: 'vlan_vid and vlan_pcp: OXM matches and set_fields',
  flows: [
    'in_port=1,vlan_vid=0x100a,actions=set_field:4107->vlan_vid,set_field:5->vlan_pcp,output:2',
    'in_port=1,vlan_vid=0x1000/0x1000,vlan_pcp=3,actions=output:3',
    'in_port=1,vlan_vid=0,actions=push_vlan:0x8100,set_field:4116->vlan_vid,output:4',
  ],
  packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: tagged(10) }, { port: 1, bytes: tagged(11) }, { port: 1, bytes: encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'vlan', vid: 12, pcp: 3, tpid: 0x8100 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }]) }],
});

CASES.push({
  name: 'exit ends every action list, the action set with them; note does nothing',
  flows: [
    'table=0,in_port=1,actions=note:01.02,output:3,resubmit(,1),output:4,write_actions(output:2)',
    'table=1,actions=output:2,exit,output:3',
    'table=0,in_port=2,actions=note:aa,output:4,write_actions(output:3),goto_table:2',
    'table=2,actions=resubmit(,3),output:1',
    'table=3,actions=exit',
  ],
  packets: [{ port: 1, bytes: udp() }, { port: 2, bytes: udp() }],
});

CASES.push({
  name: 'output(port=…,max_len=…) sends the first max_len bytes, once; not back to the input port, nor to IN_PORT',
  flows: [
    'in_port=1,actions=output(port=2,max_len=14),output(port=3,max_len=40),output:4,output(port=1,max_len=20)',
    'in_port=2,actions=output(port=3,max_len=1500),output(port=IN_PORT,max_len=20),output(port=9,max_len=20),mod_dl_dst:0a:00:00:00:00:09,output(port=4,max_len=30)',
  ],
  packets: [{ port: 1, bytes: udp() }, { port: 1, bytes: tagged(10) }, { port: 2, bytes: udp() }, { port: 2, bytes: ipv6 }],
});

describe.skipIf(!haveOvs())('the switch matches Open vSwitch byte for byte', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  // OVS is given these flows in OpenFlow 1.5, so netloom reads them with the 1.1+ checks.
  const cases: (Case & { protocol: 'OpenFlow10' | 'OpenFlow15' })[] = [
    ...CASES.map((c) => ({ ...c, protocol: 'OpenFlow15' as const })),
    ...OPENFLOW10_CASES.map((c) => ({ ...c, name: `OpenFlow 1.0: ${c.name}`, protocol: 'OpenFlow10' as const })),
  ];
  it.each(cases)('$name', async (c) => {
    ovs.delFlows();
    ovs.addFlows(c.flows, c.protocol);
    const bridge = new Bridge('br0', ports, { protocols: c.protocol === 'OpenFlow10' ? 'OpenFlow10' : 'OpenFlow13' });
    for (const f of c.flows) bridge.addFlow(f);
    for (const p of c.packets) {
      const theirs = (await ovs.inject(p.port, p.bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      const ours = bridge.process(p.port, p.bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(ours.sort(), `packet on port ${p.port}: ${toHex(p.bytes)}`).toEqual(theirs.sort());
    }
  });
});

describe.skipIf(!haveOvs())('NORMAL with access and trunk ports matches Open vSwitch', () => {
  let ovs: OvsSwitch;
  // p1: access VLAN 10, p2: access VLAN 20, p3: trunk (all VLANs), p4: trunk of VLAN 20 only.
  const config = [{ number: 1, name: 'p1', tag: 10 }, { number: 2, name: 'p2', tag: 20 }, { number: 3, name: 'p3' }, { number: 4, name: 'p4', trunks: [20] }];
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
    ovs.vsctl('set', 'Port', 'p1', 'tag=10');
    ovs.vsctl('set', 'Port', 'p2', 'tag=20');
    ovs.vsctl('set', 'Port', 'p4', 'trunks=20');
    ovs.addFlows(['actions=NORMAL']);
  });
  afterAll(() => ovs?.stop());

  const A = '02:00:00:00:00:0a';
  const B = '02:00:00:00:00:0b';
  const C = '02:00:00:00:00:0c';
  const eth = (src: string, dst: string, vid?: number, pcp = 0) =>
    encode([
      { layer: 'ethernet', src, dst },
      ...(vid === undefined ? [] : [{ layer: 'vlan', tpid: 0x8100, vid, pcp } as LayerSpec]),
      { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
      { layer: 'udp', srcPort: 1, dstPort: 2 },
    ]);

  it('floods, learns, tags and untags as OVS does', async () => {
    const bridge = new Bridge('br0', config);
    bridge.addFlow('actions=NORMAL');
    const steps: { port: number; bytes: Uint8Array }[] = [
      { port: 1, bytes: eth(A, 'ff:ff:ff:ff:ff:ff') }, // untagged on access 10: to trunk p3 tagged 10
      { port: 3, bytes: eth(B, A, 10) }, // back from the trunk in VLAN 10: learned A on p1, untagged
      { port: 1, bytes: eth(A, B) }, // learned B on p3 in VLAN 10: tagged
      { port: 2, bytes: eth(C, A) }, // VLAN 20: A unknown there, flood to p3 and p4 tagged 20
      { port: 4, bytes: eth(C, A, 10) }, // VLAN 10 on a trunk that only carries 20: dropped
      { port: 1, bytes: eth(A, B, 10) }, // tagged frame on an access port: dropped
      { port: 1, bytes: eth(A, C, 0, 5) }, // priority tag on access 10: leaves p3 as 8100 a00a
      { port: 3, bytes: eth(B, 'ff:ff:ff:ff:ff:ff', 20) }, // broadcast in VLAN 20 from the trunk
      { port: 3, bytes: eth(B, '01:80:c2:00:00:00') }, // IEEE reserved group address: dropped
    ];
    for (const [i, s] of steps.entries()) {
      const theirs = (await ovs.inject(s.port, s.bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      const ours = bridge.process(s.port, s.bytes, i).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(ours.sort(), `step ${i}: port ${s.port} ${toHex(s.bytes)}`).toEqual(theirs.sort());
    }
  });
});

describe.skipIf(!haveOvs())('flow-table management matches Open vSwitch', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  it.each(REFUSED)('both refuse %s', (flow) => {
    ovs.delFlows();
    expect(() => ovs.addFlows([flow])).toThrow();
    expect(() => new Bridge('br0', ports).addFlow(flow)).toThrow(expect.objectContaining({ code: 'NETLOOM_FLOW_SYNTAX' }));
  });

  it('re-adding a flow keeps its counters; learn keeps a learned flow\'s counters whether it is unchanged or moved', async () => {
    ovs.delFlows();
    const bridge = new Bridge('br0', ports);
    const both = (flows: string[]) => {
      ovs.addFlows(flows);
      for (const f of flows) bridge.addFlow(f);
    };
    const send = async (port: number, bytes: Uint8Array) => {
      await ovs.inject(port, bytes);
      bridge.process(port, bytes);
    };
    both(['table=0,priority=10,in_port=4,actions=output:3', 'table=0,actions=learn(table=10,hard_timeout=100,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,10)', 'table=10,priority=0,actions=flood']);
    const back = encode([{ layer: 'ethernet', src: M2, dst: M1 }, { layer: 'ipv4', src: '10.0.0.2', dst: '10.0.0.1' }, { layer: 'udp', srcPort: 2000, dstPort: 1000 }]);
    await send(4, udp());
    await send(4, udp());
    both(['table=0,priority=10,in_port=4,actions=output:2']);
    await send(4, udp());
    await send(1, udp()); // learns M1 on 1
    await send(2, back); // learns M2 on 2, uses M1's flow
    await send(1, udp()); // relearns M1 unchanged, uses M2's flow
    await send(2, back);
    await send(3, udp()); // M1 moves to 3: its flow is replaced
    await send(2, back);
    expect(rows(bridge.dumpFlows())).toEqual(rows(ovs.dumpFlows()));
  });

  it('selects by cookie only with a mask in mod-flows and del-flows; a cookie without one is ignored by mod-flows', () => {
    ovs.delFlows();
    const bridge = new Bridge('br0', ports);
    const flows = ['cookie=0x5,in_port=1,actions=output:2', 'cookie=0x6,in_port=2,actions=output:1', 'cookie=0x15,in_port=3,actions=output:1'];
    ovs.addFlows(flows);
    bridge.addFlows(flows.join('\n'));
    for (const [command, text] of [['mod-flows', 'cookie=0x9,actions=output:3'], ['mod-flows', 'cookie=0x5/-1,actions=output:4'], ['mod-flows', 'cookie=0x5/0x0,in_port=2,actions=output:4'], ['del-flows', 'cookie=0x5/0xf']] as const) {
      ovs.ofctl([command, text]);
      if (command === 'mod-flows') bridge.modFlows(text);
      else bridge.delFlows(text);
      expect(rows(bridge.dumpFlows()), `${command} ${text}`).toEqual(rows(ovs.dumpFlows()));
    }
    expect(() => ovs.ofctl(['del-flows', 'cookie=0x6'])).toThrow('cannot set cookie');
    expect(() => bridge.delFlows('cookie=0x6')).toThrow('cannot set cookie');
  });
});
