/**
 * Groups against a real Open vSwitch 3.1 (dummy datapath, test/interop/ovs.ts), two ways:
 *
 * - ovs-ofctl -O OpenFlow13 add-group, mod-group, del-groups, dump-groups, dump-group-stats,
 *   dump-group-features and add-flow with group actions, run against a netloom switch (`listen:`)
 *   and against ovs-vswitchd: the same output, the same errors (counters and durations aside);
 * - forwarding: the same groups and flows on netloom's Bridge and on OVS, the same packets in;
 *   the same bytes must leave the same ports, whatever the group type, and for select groups
 *   whichever bucket OVS's hash picks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology, encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { runTopologyRealtime } from '../../src/topology/run.js';
import { Bridge } from '../../src/switch/bridge.js';
import { ofctlNetloom, ofctlOvs, normalize, sorted } from './ofctl-compare.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the group interop tests: ${ovsMissingMessage()}`);


/** The netloom switch is named br0 so that its LOCAL port has OVS's name. */
const TOPOLOGY = `
name: groups-interop
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  h3: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.3/24 } } }
  br0: { kind: switch, ports: [p1, p2, p3], listen: 0, flows: ["priority=0,actions=drop"] }
links:
  - endpoints: [h1:eth0, br0:p1]
  - endpoints: [h2:eth0, br0:p2]
  - endpoints: [h3:eth0, br0:p3]
`;

/** The groups of the captured fixtures (fixtures/openflow/README.md) and more: rewrites, chains, empty buckets, every bucket key. */
const GROUPS = [
  'group_id=1,type=all,bucket=output:1,bucket=output:2',
  'group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:20,output:2',
  'group_id=3,type=indirect,bucket=output:3',
  'group_id=4,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:2,output:2',
  'group_id=5,type=fast_failover,bucket=watch_group:3,actions=output:3,bucket=watch_port:2,watch_group:1,actions=output:2',
  'group_id=6,type=all,bucket=actions=mod_dl_dst:0a:00:00:00:00:01,mod_vlan_vid:7,output:1,bucket=pop_vlan,dec_ttl,set_field:10.1.1.1->ip_dst,output:3',
  'group_id=7,type=all,bucket=group:3,bucket=actions=drop',
  'group_id=8,type=select,bucket=output:1,bucket=weight:0,output:2,bucket=weight:65535,output:3',
  'group_id=9,type=all',
  'group_id=4294967040,type=indirect,bucket=mod_nw_ttl:9,set_field:5->reg0,output:2',
];

/** Group mods both must refuse, with the same error (or the same ovs-ofctl complaint). */
const REFUSED: [string, string][] = [
  ['add-group', 'group_id=1,type=all,bucket=output:3'],
  ['add-group', 'group_id=20,type=all,bucket=watch_port:3,output:3'],
  ['add-group', 'group_id=20,type=indirect'],
  ['mod-group', 'group_id=99,type=all,bucket=output:1'],
  ['add-flow', 'priority=9,actions=group:99'],
  ['add-flow', 'priority=9,actions=write_actions(group:99)'],
];

/** Flows that use the groups. */
const FLOWS = ['priority=10,in_port=1,actions=group:1', 'priority=11,in_port=2,actions=write_actions(output:3,group:4)', 'table=1,priority=12,ip,actions=dec_ttl,group:6,output:3'];



describe.skipIf(!haveOvs())('ovs-ofctl -O OpenFlow13 groups: a netloom switch prints what Open vSwitch prints', () => {
  let ovs: OvsSwitch;
  const stop = new AbortController();
  let done: Promise<unknown>;
  let port = 0;

  const netloom = (args: string[]) => ofctlNetloom(port, args);
  const real = (args: string[]) => ofctlOvs(ovs, args);
  /** The command on both; both must succeed. */
  const both = async (args: string[]) => {
    const ours = await netloom(args);
    const theirs = real(args);
    expect({ failed: ours.failed, stderr: ours.stderr }, args.join(' ')).toEqual({ failed: false, stderr: '' });
    expect(theirs.failed, args.join(' ')).toBe(false);
  };
  const same = async (args: string[]) => expect(sorted((await netloom(args)).stdout), args.join(' ')).toBe(sorted(real(args).stdout));

  beforeAll(async () => {
    ovs = OvsSwitch.start({ ports: 3, protocol: 'OpenFlow13' });
    const topology = loadTopology(TOPOLOGY, 'groups-interop.yaml');
    const listening = new Promise<number>((resolve) => {
      done = runTopologyRealtime(topology, { signal: stop.signal, onListening: (_node, _host, p) => resolve(p) });
    });
    port = await listening;
    ovs.delFlows();
    ovs.addFlows(['priority=0,actions=drop']);
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await done;
    ovs?.stop();
  });

  it.each(GROUPS)('add-group %s, then dump-groups', async (group) => {
    await both(['add-group', group]);
    await same(['dump-groups']);
  });

  it.each(REFUSED)('%s %s: the same refusal', async (...args) => {
    const ours = await netloom(args);
    const theirs = real(args);
    expect(ours.failed).toBe(true);
    expect(theirs.failed).toBe(true);
    expect(normalize(ours.stderr)).toBe(normalize(theirs.stderr));
  });

  it('add-flow with group actions; dump-flows', async () => {
    for (const flow of FLOWS) await both(['add-flow', flow]);
    await same(['dump-flows']);
  });

  it('mod-group changes type and buckets; dump-groups, dump-group-stats (ref_count counts the flows using each group)', async () => {
    await both(['mod-group', 'group_id=3,type=select,bucket=weight:5,output:1,bucket=output:2']);
    await both(['mod-group', 'group_id=9,type=ff,bucket=watch_port:3,output:3']);
    for (const args of [['dump-groups'], ['dump-group-stats'], ['dump-group-stats', '4']]) await same(args);
  });

  it('dump-group-features: OVS\'s types, capabilities and limits; actions only those netloom runs', async () => {
    const ours = normalize((await netloom(['dump-group-features'])).stdout);
    const theirs = normalize(real(['dump-group-features']).stdout);
    const netloomActions = '       actions: output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_queue';
    expect(ours).toBe(theirs.replaceAll('       actions: output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls set_queue', netloomActions));
    expect(ours.split('\n').filter((l) => l === netloomActions)).toHaveLength(4);
  });

  it('del-groups deletes a group and the flows that use it; with no argument, every group', async () => {
    for (const args of [['del-groups', 'group_id=4'], ['del-groups', 'group_id=77'], ['del-groups', 'group_id=1']]) {
      await both(args);
      await same(['dump-groups']);
      await same(['dump-flows']);
    }
    await both(['del-groups']);
    for (const args of [['dump-groups'], ['dump-group-stats'], ['dump-flows']]) await same(args);
  });
});

// ---------------------------------------------------------------------------------------------
// Forwarding through groups.

const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));
const M1 = '02:00:00:00:00:01';
const M2 = '02:00:00:00:00:02';
const ip4 = (src: string, l4: LayerSpec) => encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src, dst: '10.0.0.2' } as LayerSpec, l4, { layer: 'payload', data: new Uint8Array(6) }]);
const udp = (src = '10.0.0.1', srcPort = 1000) => ip4(src, { layer: 'udp', srcPort, dstPort: 53 } as LayerSpec);
const tcp = (srcPort: number, src = '10.0.0.1') => ip4(src, { layer: 'tcp', srcPort, dstPort: 80, flags: 0x02 } as LayerSpec);
const arp = (target: string, src = M1) => encode([{ layer: 'ethernet', src, dst: 'ff:ff:ff:ff:ff:ff' }, { layer: 'arp', op: 1, senderMac: src, senderIp: '10.0.0.1', targetIp: target }]);
const ipv6 = (n: number) => encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv6', src: `2001:db8::${n}`, dst: '2001:db8::ff' } as LayerSpec, { layer: 'tcp', srcPort: 2000 + n, dstPort: 443 }]);
const tagged = (vid: number, src = '10.0.0.1', dei = false) => encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'vlan', vid, tpid: 0x8100, pcp: dei ? 5 : 0, dei }, { layer: 'ipv4', src, dst: '10.0.0.2' } as LayerSpec, { layer: 'udp', srcPort: 1, dstPort: 2 }]);

/** A mix that exercises every input of OVS's select hashes: IPv4 (UDP ports left out, TCP ports in), IPv6, ARP (L2 only), VLAN tags. */
const MIX = Array.from({ length: 16 }, (_, i) => [udp(`10.0.${i}.1`, 1000 + i), tcp(40000 + 13 * i, `10.${i}.0.1`), arp(`10.0.0.${i + 3}`, `02:00:00:00:${(i + 16).toString(16)}:01`), ipv6(i + 1), tagged(i + 1, `10.0.${i}.7`)]).flat();

interface Case {
  name: string;
  groups: string[];
  flows: string[];
  packets: { port: number; bytes: Uint8Array }[];
  /** Ports taken down (on both) before the packets, and brought up after. */
  down?: number[];
}

const from1 = (...packets: Uint8Array[]) => packets.map((bytes) => ({ port: 1, bytes }));

const CASES: Case[] = [
  {
    name: 'all: each bucket on its own copy; the actions after the group see the packet as it was',
    groups: ['group_id=1,type=all,bucket=mod_dl_dst:0a:00:00:00:00:09,mod_nw_dst:192.168.0.9,output:2,bucket=output:3,bucket=mod_vlan_vid:5,output:4'],
    flows: ['in_port=1,ip,actions=group:1,output:4', 'in_port=1,arp,actions=group:1'],
    packets: from1(udp(), tcp(80), arp('10.0.0.9'), tagged(7)),
  },
  {
    name: 'indirect, and buckets run as action sets (one output, the last; set-fields first; one push_vlan)',
    groups: ['group_id=1,type=indirect,bucket=output:2,mod_dl_src:0a:00:00:00:00:01,push_vlan:0x8100,mod_vlan_vid:12,output:3', 'group_id=2,type=all,bucket=push_vlan:0x88a8,push_vlan:0x8100,output:4'],
    flows: ['in_port=1,actions=group:1,group:2'],
    packets: from1(udp(), tagged(3)),
  },
  {
    name: 'select with weights: a dp_hash table of 16 values',
    groups: ['group_id=1,type=select,bucket=weight:10,output:2,bucket=weight:20,output:3,bucket=weight:5,output:4'],
    flows: ['in_port=1,actions=group:1'],
    packets: from1(...MIX),
  },
  {
    name: 'select with equal weights, and with a bucket of weight 0',
    groups: ['group_id=1,type=select,bucket=output:2,bucket=output:3,bucket=output:4', 'group_id=2,type=select,bucket=weight:0,output:2,bucket=weight:3,output:3,bucket=weight:1,output:4'],
    flows: ['in_port=1,actions=group:1', 'in_port=2,actions=group:2'],
    packets: [...from1(...MIX), ...MIX.map((bytes) => ({ port: 2, bytes }))],
  },
  {
    name: 'select with weights needing over 256 values: OVS\'s default hash',
    groups: ['group_id=1,type=select,bucket=weight:1,output:2,bucket=weight:300,output:3,bucket=weight:200,output:4'],
    flows: ['in_port=1,actions=group:1'],
    packets: from1(...MIX),
  },
  {
    name: 'select hashes the packet as the actions before the group left it',
    groups: ['group_id=1,type=select,bucket=output:2,bucket=output:3,bucket=output:4'],
    flows: ['in_port=1,ip,actions=mod_nw_src:172.16.0.1,group:1', 'in_port=1,arp,actions=mod_dl_src:0a:00:00:00:00:07,group:1'],
    packets: from1(...MIX.slice(0, 20)),
  },
  {
    name: 'select\'s hash is flow state: made once, kept by later select groups, undone with the bucket that made it',
    groups: [
      'group_id=2,type=select,bucket=output:2,bucket=output:3,bucket=output:4',
      'group_id=3,type=select,bucket=mod_dl_dst:0a:00:00:00:00:01,output:2,bucket=mod_dl_dst:0a:00:00:00:00:02,output:3,bucket=mod_dl_dst:0a:00:00:00:00:03,output:4',
      'group_id=1,type=all,bucket=mod_nw_src:1.1.1.1,group:2,bucket=mod_nw_src:9.9.9.9,mod_tp_src:7,group:2',
      'group_id=4,type=all,bucket=group:2,bucket=output:1',
    ],
    flows: ['in_port=1,tcp,actions=group:1', 'in_port=2,tcp,actions=group:2,mod_nw_src:1.2.3.4,mod_tp_dst:5,group:3', 'in_port=3,tcp,actions=group:4,mod_nw_src:1.2.3.4,group:2'],
    packets: [1, 2, 3].flatMap((port) => Array.from({ length: 12 }, (_, i) => ({ port, bytes: tcp(1000 + i, `10.0.${i}.1`) }))),
  },
  {
    name: 'fast failover: the first live bucket by watched port or group; none live, nothing sent',
    groups: ['group_id=1,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3', 'group_id=2,type=ff,bucket=watch_group:1,output:4,bucket=watch_port:4,output:4'],
    flows: ['in_port=1,actions=group:1', 'in_port=4,actions=group:2'],
    packets: [...from1(udp()), { port: 4, bytes: udp() }],
  },
  { name: 'fast failover with the first watched port down', groups: ['group_id=1,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3'], flows: ['in_port=1,actions=group:1'], packets: from1(udp()), down: [2] },
  { name: 'fast failover with every watched port down', groups: ['group_id=1,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3'], flows: ['in_port=1,actions=group:1,output:4'], packets: from1(udp()), down: [2, 3] },
  {
    name: 'chains: a bucket using a group, one using a group that does not exist, groups using each other until the depth limit',
    groups: ['group_id=2,type=indirect,bucket=mod_dl_dst:0a:00:00:00:00:02,output:3', 'group_id=1,type=all,bucket=group:2,bucket=group:99,bucket=output:4', 'group_id=3,type=all,bucket=output:2,bucket=group:4', 'group_id=4,type=indirect,bucket=group:3'],
    flows: ['in_port=1,actions=group:1,output:2', 'in_port=2,actions=output:4,group:3'],
    packets: [...from1(udp()), { port: 2, bytes: udp() }],
  },
  {
    // OVS rolls back only the flow after a bucket: the next commit pops the tag the bucket left and pushes the flow's afresh, without its DEI.
    name: 'a bucket that rewrote or popped the tag leaves it pushed again after it, DEI lost; one that did not, the tag as it came',
    groups: ['group_id=1,type=all,bucket=set_field:4136->vlan_vid,output:2,bucket=output:3', 'group_id=2,type=all,bucket=pop_vlan,output:2,bucket=mod_dl_src:0a:00:00:00:00:09,output:3', 'group_id=3,type=indirect,bucket=push_vlan:0x88a8,output:2'],
    // From port 2, group 2's pop goes nowhere (output to the input port): nothing committed, nothing pushed again.
    flows: ['in_port=1,dl_vlan=30,actions=group:1,output:4', 'in_port=2,dl_vlan=30,actions=group:2,output:4', 'in_port=3,dl_vlan=30,actions=group:3,output:4', 'in_port=4,dl_vlan=30,actions=group:2,output:1'],
    packets: [1, 2, 3, 4].flatMap((port) => [tagged(30, '10.0.0.1', true), tagged(30)].map((bytes) => ({ port, bytes }))),
  },
  {
    // The datapath hashes the packet for a dp_hash select group and recirculates it: read again, two tags leave it not IP.
    name: 'a select group recirculates for its hash: the packet is read again (two tags pushed: no longer ip)',
    groups: ['group_id=2,type=select,bucket=resubmit(,1),bucket=resubmit(,1)'],
    flows: ['in_port=1,ip,actions=push_vlan:0x8100,push_vlan:0x8100,group:2', 'table=1,priority=58,ip,actions=output:3', 'table=1,priority=0,actions=output:4'],
    packets: from1(...MIX.slice(0, 10)),
  },
  {
    // OVS takes in a bucket what write_actions refuses, and drops it as it runs the bucket's action set.
    name: 'bucket actions an action set has no place for are taken and dropped',
    groups: [
      'group_id=1,type=all,bucket=output:NXM_NX_REG0[0..15],exit,note:01,output:2,bucket=enqueue:3:1,pop_queue,output:4',
      'group_id=2,type=indirect,bucket=learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]),multipath(eth_src,50,modulo_n,2,0,NXM_NX_REG0[]),clone(output:3),fin_timeout(idle_timeout=1),sample(probability=1),output(port=4,max_len=20),output:2',
    ],
    flows: ['in_port=1,actions=load:3->NXM_NX_REG0[0..15],group:1', 'in_port=2,actions=group:2'],
    packets: [...from1(udp()), { port: 2, bytes: udp() }],
  },
  {
    name: 'a group in the action set wins over output',
    groups: ['group_id=1,type=indirect,bucket=output:3'],
    flows: ['table=0,in_port=1,actions=write_actions(output:2,group:1),goto_table:1', 'table=1,actions=write_actions(output:4)', 'table=0,in_port=2,actions=write_actions(group:1),goto_table:2', 'table=2,actions=write_actions(output:4)'],
    packets: [...from1(udp()), { port: 2, bytes: udp() }],
  },
  {
    name: 'exit in a bucket ends that bucket only: the next bucket runs, and what follows the group',
    groups: ['group_id=1,type=all,bucket=resubmit(,1),bucket=output:3', 'group_id=2,type=indirect,bucket=resubmit(,1)'],
    flows: ['table=0,in_port=1,actions=group:1,output:4', 'table=0,in_port=2,actions=group:2,output:4', 'table=1,actions=output:2,exit,output:3'],
    packets: [...from1(udp()), { port: 2, bytes: udp() }],
  },
  {
    name: 'bucket actions a packet has no field for are skipped',
    groups: ['group_id=1,type=all,bucket=mod_nw_dst:192.168.0.9,dec_ttl,mod_nw_ttl:3,mod_tp_dst:99,output:2,bucket=pop_vlan,output:3'],
    flows: ['in_port=1,actions=group:1'],
    packets: from1(udp(), tcp(7), arp('10.0.0.9'), tagged(5), ipv6(3)),
  },
];

describe.skipIf(!haveOvs())('forwarding through groups matches Open vSwitch byte for byte', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS, protocol: 'OpenFlow13' });
  });
  afterAll(() => ovs?.stop());

  it.each(CASES)('$name', async (c) => {
    ovs.delFlows();
    ovs.ofctl(['del-groups']);
    for (const g of c.groups) ovs.ofctl(['add-group', g]);
    ovs.addFlows(c.flows);
    const bridge = new Bridge('br0', ports);
    for (const g of c.groups) bridge.addGroup(g);
    for (const f of c.flows) bridge.addFlow(f);
    const down = new Set(c.down ?? []);
    for (const p of down) ovs.appctl('netdev-dummy/set-admin-state', `p${p}`, 'down');
    bridge.pipeline.portLive = (p) => !down.has(p);
    try {
      for (const p of c.packets) {
        const theirs = (await ovs.inject(p.port, p.bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
        const ours = bridge.process(p.port, p.bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
        expect(ours.sort(), `packet on port ${p.port}: ${toHex(p.bytes)}`).toEqual(theirs.sort());
      }
    } finally {
      for (const p of down) ovs.appctl('netdev-dummy/set-admin-state', `p${p}`, 'up');
    }
  });
});
