/**
 * Groups (OpenFlow 1.3.5 §5.6) with Open vSwitch 3.1's semantics, exact values. The select
 * choices below are what OVS 3.1.0 chose for the same packets; test/interop/switch-ovs.test.ts
 * and openflow-groups-ovs.test.ts run the same kinds of cases against a real ovs-vswitchd.
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { dpHashTable } from '../../src/switch/group.js';
import { hashAdd, hashFinish, hashInt, jhashBytes } from '../../src/switch/hash.js';
import { encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import type { Bucket } from '../../src/switch/flow.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const M1 = '02:00:00:00:00:01';
const M2 = '02:00:00:00:00:02';
const udp = (src = '10.0.0.1') =>
  encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src, dst: '10.0.0.2' } as LayerSpec, { layer: 'udp', srcPort: 1000, dstPort: 53 }]);
const tcp = (srcPort: number, src = '10.0.0.1') =>
  encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src, dst: '10.0.0.2' } as LayerSpec, { layer: 'tcp', srcPort, dstPort: 80 }]);
const arp = encode([{ layer: 'ethernet', src: M1, dst: 'ff:ff:ff:ff:ff:ff' }, { layer: 'arp', op: 1, senderMac: M1, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }]);
const bridge = (groups: string[], flows: string[]) => {
  const b = new Bridge('br0', ports);
  for (const g of groups) b.addGroup(g);
  for (const f of flows) b.addFlow(f);
  return b;
};
const out = (b: Bridge, bytes: Uint8Array, inPort = 1) => b.process(inPort, bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
const outPorts = (b: Bridge, bytes: Uint8Array, inPort = 1) => b.process(inPort, bytes).outputs.map((o) => o.port);

/** udp() from 10.0.0.1, as it arrives. */
const UDP = '02000000000202000000000108004500001c00010000401166ce0a0000010a00000203e800350008e7be';

describe('group types', () => {
  it('all: every bucket runs on its own copy of the packet, and the actions after the group see the packet as it was', () => {
    const b = bridge(['group_id=1,type=all,bucket=mod_dl_dst:0a:00:00:00:00:09,mod_nw_dst:192.168.0.9,output:2,bucket=output:3'], ['in_port=1,ip,actions=group:1,output:4']);
    expect(out(b, udp())).toEqual([
      '2 0a000000000902000000000108004500001c000100004011b01e0a000001c0a8000903e800350008310f',
      `3 ${UDP}`,
      `4 ${UDP}`,
    ]);
  });

  it('indirect: its one bucket', () => {
    const b = bridge(['group_id=7,type=indirect,bucket=push_vlan:0x8100,mod_vlan_vid:12,output:3'], ['actions=group:7']);
    expect(out(b, udp())).toEqual([`3 ${UDP.slice(0, 24)}8100000c${UDP.slice(24)}`]);
  });

  it('a bucket runs as an action set: one output, the last; set-field first', () => {
    const b = bridge(['group_id=1,type=all,bucket=output:2,mod_dl_src:0a:00:00:00:00:01,output:3'], ['actions=group:1']);
    expect(out(b, udp())).toEqual([`3 ${UDP.slice(0, 12)}0a0000000001${UDP.slice(24)}`]);
  });

  it('all with no buckets sends nothing and still counts the packet', () => {
    const b = bridge(['group_id=1,type=all'], ['actions=group:1']);
    expect(out(b, udp())).toEqual([]);
    expect(b.dumpGroupStats()).toBe(' group_id=1,duration=0.000s,ref_count=1,packet_count=1,byte_count=42');
  });
});

describe('select: the bucket OVS 3.1 picks for the same packet', () => {
  // OVS 3.1 with no selection_method: a dp_hash table of 16 values, Webster-apportioned by weight.
  const weighted = 'group_id=1,type=select,bucket=weight:10,output:2,bucket=weight:20,output:3,bucket=weight:5,output:4';
  // Weights needing more than 256 values: OVS's default hash, scored per bucket.
  const skewed = 'group_id=1,type=select,bucket=weight:1,output:2,bucket=weight:300,output:3,bucket=weight:200,output:4';
  const sources = Array.from({ length: 12 }, (_, i) => udp(`10.0.${i}.1`));
  const tcpPorts = Array.from({ length: 12 }, (_, i) => tcp(40000 + i));

  it.each([
    { group: weighted, packets: sources, ports: [3, 3, 2, 2, 3, 4, 3, 2, 3, 2, 2, 3] },
    { group: weighted, packets: tcpPorts, ports: [3, 4, 3, 2, 3, 3, 3, 4, 3, 3, 2, 3] },
    { group: skewed, packets: sources, ports: [3, 3, 3, 4, 3, 3, 3, 3, 4, 4, 3, 3] },
    { group: skewed, packets: tcpPorts, ports: [3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 3, 3] },
  ])('$group', ({ group, packets, ports: expected }) => {
    const b = bridge([group], ['actions=group:1']);
    expect(packets.flatMap((p) => outPorts(b, p))).toEqual(expected);
    // The same packet again goes the same way.
    expect(packets.flatMap((p) => outPorts(b, p))).toEqual(expected);
  });

  it('the hash is flow state: made from the packet as it is then, kept by later select groups, undone with the bucket that made it', () => {
    const packets = Array.from({ length: 6 }, (_, i) => tcp(1000 + i, `10.0.${i}.1`));
    const through = (flow: string) => {
      const b = bridge(['group_id=2,type=select,bucket=output:2,bucket=output:3,bucket=output:4', 'group_id=1,type=all,bucket=mod_nw_src:1.1.1.1,group:2,bucket=mod_nw_src:9.9.9.9,group:2'], [flow]);
      return packets.map((p) => outPorts(b, p).join('+'));
    };
    expect(through('ip,actions=mod_nw_src:1.1.1.1,group:2')).toEqual(['2', '3', '4', '3', '4', '4']);
    expect(through('ip,actions=mod_nw_src:9.9.9.9,group:2')).toEqual(['3', '4', '2', '2', '2', '4']);
    expect(through('ip,actions=group:1')).toEqual(['2+3', '3+4', '4+2', '3+2', '4+2', '4+4']);
    expect(through('ip,actions=group:2,mod_nw_src:9.9.9.9,group:2')).toEqual(['2+2', '2+2', '3+3', '2+2', '3+3', '3+3']);
  });

  it('the dp_hash table: Webster shares of 16 values, or none when weights need over 256', () => {
    const buckets = (...weights: number[]): Bucket[] => weights.map((weight) => ({ weight, watchPort: 0xffff, watchGroup: 0xffffffff, actions: [], packets: 0, bytes: 0 }));
    expect([...dpHashTable(buckets(10, 20, 5))!]).toEqual([1, 0, 1, 2, 1, 0, 1, 1, 0, 1, 2, 1, 0, 1, 1, 0]);
    expect([...dpHashTable(buckets(1, 1, 1))!]).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(dpHashTable(buckets(1, 300, 200))).toBeUndefined();
    expect(dpHashTable(buckets(0, 0))).toBeUndefined();
  });

  it('a bucket of weight 0 is never chosen; with none live nothing is sent', () => {
    const b = bridge(['group_id=1,type=select,bucket=weight:0,output:2,bucket=weight:1,output:3', 'group_id=2,type=select,bucket=weight:0,output:2'], ['in_port=1,actions=group:1', 'in_port=2,actions=group:2']);
    expect(sources.flatMap((p) => outPorts(b, p))).toEqual(sources.map(() => 3));
    expect(outPorts(b, udp(), 2)).toEqual([]);
  });

  it('hashes as OVS\'s lib/hash.h (without SSE 4.2) and lib/jhash.c do, compiled from their source', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    expect([hashInt(0, 0), hashInt(1, 0), hashInt(2, 0x12345678)].map(hex)).toEqual(['63852afc', 'ea95647d', '604c1ce9']);
    expect([jhashBytes(bytes, 0), jhashBytes(bytes.subarray(0, 29), 3), jhashBytes(bytes.subarray(0, 5), 0), jhashBytes(bytes.subarray(0, 0), 0)].map(hex)).toEqual(['ef82cc98', '9b861f1f', 'b21735c1', 'deadbeef']);
    expect([hashAdd(0, 0x01020304), hashFinish(hashAdd(0, 0x01020304), 0)].map(hex)).toEqual(['2306b379', 'f3ea7617']);
  });
});

describe('fast failover', () => {
  const ff = 'group_id=1,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3';

  it('takes the first bucket whose watched port is up, and moves on when it goes down', () => {
    const b = bridge([ff], ['actions=group:1']);
    expect(outPorts(b, udp())).toEqual([2]);
    const down = new Set([2]);
    b.pipeline.portLive = (port) => !down.has(port);
    expect(outPorts(b, udp())).toEqual([3]);
    down.add(3);
    expect(outPorts(b, udp())).toEqual([]);
    down.clear();
    expect(outPorts(b, udp())).toEqual([2]);
    expect(b.dumpGroupStats()).toBe(' group_id=1,duration=0.000s,ref_count=1,packet_count=3,byte_count=126,bucket0:packet_count=2,byte_count=84,bucket1:packet_count=1,byte_count=42');
  });

  it('a watched port that does not exist is down; a watched group is live while it has a live bucket', () => {
    const b = bridge([ff, 'group_id=2,type=ff,bucket=watch_port:9,output:4,bucket=watch_group:1,output:4'], ['actions=group:2']);
    expect(outPorts(b, udp())).toEqual([4]);
    b.pipeline.portLive = (port) => port !== 2 && port !== 3;
    expect(outPorts(b, udp())).toEqual([]);
  });
});

describe('chains, action sets and limits', () => {
  it('a bucket may use another group', () => {
    const b = bridge(['group_id=2,type=indirect,bucket=mod_dl_dst:0a:00:00:00:00:02,output:3', 'group_id=1,type=all,bucket=group:2,bucket=output:4'], ['actions=group:1']);
    expect(out(b, udp())).toEqual([`3 0a0000000002${UDP.slice(12)}`, `4 ${UDP}`]);
  });

  it('a group that does not exist ends the action list it is in; what comes after the group still runs', () => {
    const b = bridge(['group_id=1,type=all,bucket=group:9,bucket=output:3'], ['actions=group:1,output:4']);
    expect(outPorts(b, udp())).toEqual([3, 4]);
  });

  it('groups that use each other until the depth limit drop the packet, outputs before included', () => {
    const b = new Bridge('br0', ports);
    b.addGroup('group_id=1,type=all,bucket=output:2,bucket=group:2');
    b.addGroup('group_id=2,type=all,bucket=group:1');
    b.addFlow('actions=output:4,group:1');
    const result = b.process(1, udp(), 0, true);
    expect(result.outputs).toEqual([]);
    expect(result.trace.filter((l) => l.includes('>> over'))).toEqual([expect.stringMatching(/^ +>>>> over max translation depth 64 <<<<$/)]);
  });

  it('in an action set the group wins over output', () => {
    const b = bridge(['group_id=1,type=indirect,bucket=output:3'], ['table=0,actions=write_actions(output:2,group:1),goto_table:1', 'table=1,actions=write_actions(output:4)']);
    expect(outPorts(b, udp())).toEqual([3]);
  });

  it('a bucket skips an action the packet has no field for, as OVS does (no match proved it)', () => {
    const b = bridge(['group_id=1,type=all,bucket=mod_nw_dst:192.168.0.9,dec_ttl,output:2'], ['actions=group:1']);
    expect(out(b, arp)).toEqual([`2 ${toHex(arp)}`]);
    expect(out(b, udp())).toEqual(['2 02000000000202000000000108004500001c000100003f11b11e0a000001c0a8000903e800350008310f']);
  });

  it('traces each bucket as ofproto/trace does', () => {
    const b = bridge(['group_id=2,type=indirect,bucket=output:3', 'group_id=1,type=all,bucket=output:2,bucket=group:2'], ['actions=group:1,output:4']);
    expect(b.process(1, udp(), 0, true).trace).toEqual([
      ' 0. priority 32768',
      '    group:1',
      '    bucket 0',
      '            output:2',
      '    bucket 1',
      '            group:2',
      '            bucket 0',
      '                    output:3',
      '    output:4',
    ]);
  });
});

describe('the group table', () => {
  it('dump-groups prints as ovs-ofctl -O OpenFlow13 does (test/interop/fixtures/openflow/dump-groups.out)', () => {
    const b = bridge(
      ['group_id=4,type=fast_failover,bucket=watch_port:p1,output:1,bucket=watch_port:2,actions=output:2', 'group_id=1,type=all,bucket=output:1,bucket=output:2', 'group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:20,output:2', 'group_id=3,type=indirect,bucket=actions=output:3'],
      [],
    );
    expect(b.dumpGroups()).toBe(
      [
        ' group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2',
        ' group_id=2,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2',
        ' group_id=3,type=indirect,bucket=actions=output:3',
        ' group_id=4,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2',
      ].join('\n'),
    );
  });

  it('counts packets per group and per bucket, flows using it as ref_count; mod-group starts the counters again, not the duration', () => {
    const b = bridge(['group_id=1,type=all,bucket=output:2,bucket=output:3', 'group_id=2,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3'], ['in_port=1,actions=group:1', 'in_port=2,actions=write_actions(group:1)', 'in_port=3,actions=group:2']);
    b.process(1, udp());
    b.process(2, udp());
    b.process(3, udp());
    expect(b.dumpGroupStats(1.5e9).split('\n')).toEqual([
      ' group_id=1,duration=1.500s,ref_count=2,packet_count=2,byte_count=84,bucket0:packet_count=2,byte_count=84,bucket1:packet_count=2,byte_count=84',
      ' group_id=2,duration=1.500s,ref_count=1,packet_count=1,byte_count=42,bucket0:packet_count=1,byte_count=42,bucket1:packet_count=0,byte_count=0',
    ]);
    b.modGroup('group_id=1,type=indirect,bucket=output:4');
    expect(b.dumpGroupStats(2e9).split('\n')[0]).toBe(' group_id=1,duration=2.000s,ref_count=2,packet_count=0,byte_count=0,bucket0:packet_count=0,byte_count=0');
    expect(outPorts(b, udp())).toEqual([4]);
  });

  it('deleting a group deletes the flows that use it, write_actions included', () => {
    const b = bridge(['group_id=1,type=indirect,bucket=output:2', 'group_id=2,type=indirect,bucket=output:3'], ['in_port=1,actions=group:1', 'in_port=2,actions=write_actions(group:1)', 'in_port=3,actions=group:2', 'in_port=4,actions=output:1']);
    expect(b.delGroups('group_id=1')).toBe(1);
    expect(b.delGroups('group_id=1')).toBe(0);
    expect(b.dumpFlows().split('\n').map((l) => l.replace(/duration=[^ ]+ /, ''))).toEqual([
      ' cookie=0x0, table=0, n_packets=0, n_bytes=0, in_port=3 actions=group:2',
      ' cookie=0x0, table=0, n_packets=0, n_bytes=0, in_port=4 actions=output:1',
    ]);
    expect(b.delGroups()).toBe(1);
    expect(b.dumpFlows()).toBe(' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, in_port=4 actions=output:1');
    expect(b.dumpGroups()).toBe('');
  });

  it.each([
    { name: 'a group that exists', act: (b: Bridge) => b.addGroup('group_id=1,type=all,bucket=output:3'), ofp: 'GROUP_EXISTS' },
    { name: 'modifying a group that does not exist', act: (b: Bridge) => b.modGroup('group_id=5,type=all,bucket=output:3'), ofp: 'UNKNOWN_GROUP' },
    { name: 'group_id=all', act: (b: Bridge) => b.addGroup('group_id=all,type=all,bucket=output:3'), ofp: 'INVALID_GROUP' },
    { name: 'an indirect group without its bucket', act: (b: Bridge) => b.addGroup('group_id=5,type=indirect'), ofp: 'INVALID_GROUP' },
    { name: 'an all bucket that watches', act: (b: Bridge) => b.addGroup('group_id=5,type=all,bucket=watch_port:3,output:3'), ofp: 'WATCH_UNSUPPORTED' },
    { name: 'a flow using a group that does not exist', act: (b: Bridge) => b.addFlow('actions=group:9'), ofp: 'BAD_OUT_GROUP' },
    { name: 'write_actions using one', act: (b: Bridge) => b.addFlows('actions=output:2\nactions=write_actions(group:9)'), ofp: 'BAD_OUT_GROUP' },
    { name: 'mod-flows to one', act: (b: Bridge) => b.modFlows('actions=group:9'), ofp: 'BAD_OUT_GROUP' },
  ])('refuses $name as OVS does ($ofp)', ({ act, ofp }) => {
    const b = bridge(['group_id=1,type=all,bucket=output:2'], ['in_port=1,actions=group:1']);
    expect(() => act(b)).toThrow(expect.objectContaining({ code: 'NETLOOM_GROUP_MOD', ofp }));
    expect(b.dumpFlows().split('\n')).toHaveLength(1);
  });
});

describe('ovs-ofctl group syntax errors point at the column', () => {
  const b = new Bridge('br0', ports);
  it.each([
    { text: 'type=all,bucket=output:1', column: 10, reason: 'must specify a group_id' },
    { text: 'group_id=1,bucket=output:1', column: 12, reason: 'must specify a type' },
    { text: 'group_id=1,type=bogus,bucket=output:1', column: 17, reason: 'invalid group type bogus' },
    { text: 'group_id=4294967041,type=all', column: 10, reason: 'invalid group id 4294967041' },
    { text: 'group_id=1,type=all,foo=1', column: 21, reason: 'unknown keyword foo' },
    { text: 'group_id=1,type=all,selection_method=hash,bucket=output:1', column: 21, reason: 'selection_method is OpenFlow 1.5\'s' },
    { text: 'group_id=1,type=all,bucket=weight:3,output:1', column: 21, reason: 'only select groups can have bucket weights' },
    { text: 'group_id=1,type=select,bucket=weight:x,output:1', column: 38, reason: 'weight "x" is not an integer 0-65535' },
    { text: 'group_id=1,type=ff,bucket=output:1', column: 20, reason: 'fast failover bucket requires watch_port or watch_group' },
    { text: 'group_id=1,type=ff,bucket=watch_port:65534,output:1', column: 38, reason: 'invalid watch_port' },
    { text: 'group_id=1,type=ff,bucket=watch_group:4294967295,output:1', column: 39, reason: 'invalid watch_group id 4294967295' },
    { text: 'group_id=1,type=all,bucket=weight:0', column: 21, reason: 'bucket must specify actions' },
    { text: 'group_id=1,type=all,bucket=bucket_id:1,output:1', column: 28, reason: 'bucket_id is OpenFlow 1.5\'s' },
    { text: 'group_id=1,type=indirect,bucket=output:1,bucket=output:2', column: 42, reason: 'indirect groups can have at most one bucket' },
    { text: 'group_id=1,type=all,bucket=output:1,bogus:2', column: 37, reason: 'unknown action "bogus"' },
    { text: 'group_id=1,type=all,bucket=actions=output:1,write_actions(output:2)', column: 45, reason: 'write_actions instruction not allowed here' },
  ])('$text', ({ text, column, reason }) => {
    let error: unknown;
    try {
      b.addGroup(text);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'NETLOOM_FLOW_SYNTAX', column });
    expect((error as Error).message).toContain(reason);
  });

  it('del-groups takes a group_id or nothing', () => {
    expect(() => b.delGroups('group_id=1,type=all')).toThrow(expect.objectContaining({ column: 12, reason: 'type is not needed (del-groups deletes whole groups)' }));
    expect(() => b.delGroups('group_id=1,bucket=output:1')).toThrow(expect.objectContaining({ column: 12 }));
    expect(b.delGroups('group_id=all')).toBe(0);
  });
});
