/**
 * The pipeline's semantics, with exact values. Every expected frame here was first checked
 * against Open vSwitch 3.1 (test/interop/switch-ovs.test.ts runs the same cases differentially).
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const M1 = '02:00:00:00:00:01';
const M2 = '02:00:00:00:00:02';
const udp = (ip: Record<string, unknown> = {}, l4: Record<string, unknown> = {}) =>
  encode([
    { layer: 'ethernet', src: M1, dst: M2 },
    { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', ...ip } as LayerSpec,
    { layer: 'udp', srcPort: 1000, dstPort: 2000, ...l4 } as LayerSpec,
    { layer: 'payload', data: new Uint8Array(8) },
  ]);
const tagged = (vid = 10) =>
  encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'vlan', vid, pcp: 3, tpid: 0x8100 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1000, dstPort: 2000 }]);
const bridge = (...flows: string[]) => {
  const b = new Bridge('br0', ports);
  for (const f of flows) b.addFlow(f);
  return b;
};
const out = (b: Bridge, bytes: Uint8Array, inPort = 1, now = 0) => b.process(inPort, bytes, now).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
const rep = (s: string, n: number) => Array.from({ length: n }, () => s).join(',');

/** The UDP frame above, unchanged (as OVS sends it on). */
const UDP = '02000000000202000000000108004500002400010000401166c60a0000010a00000203e807d00010e0130000000000000000';

describe('resubmit and goto_table limits, as OVS counts them', () => {
  it('a resubmit loop in one table outputs nothing (not even the earlier output) and does not throw', () => {
    for (const flow of ['table=0,actions=output:2,resubmit(,0)', 'table=0,actions=resubmit(,0),output:2']) {
      const result = bridge(flow).process(1, udp(), 0, true);
      expect(result.outputs).toEqual([]);
      expect(result.trace.filter((l) => l.includes('>> over'))).toEqual([expect.stringMatching(/^ +>>>> over max translation depth 64 <<<<$/)]);
    }
  });

  it('a loop between two tables drops what was output before it, and the action set too', () => {
    expect(out(bridge('table=0,in_port=1,actions=output:2,resubmit(,1)', 'table=1,actions=resubmit(,1),output:3'), udp())).toEqual([]);
    expect(out(bridge('table=0,actions=output:3,write_actions(output:4),goto_table:1', 'table=1,actions=resubmit(,1)'), udp())).toEqual([]);
  });

  it('resubmits to later tables do not deepen: 70 tables each resubmitting to the next (not as the last action) deliver', () => {
    const b = bridge(...Array.from({ length: 70 }, (_, n) => (n < 69 ? `table=${n},actions=resubmit(,${n + 1}),set_field:1->reg1` : `table=${n},actions=output:2`)));
    expect(out(b, udp())).toEqual([`2 ${UDP}`]);
  });

  it('64 resubmits to an earlier table deliver; the 65th drops the packet', () => {
    const chain = (low: number) => ['table=0,actions=resubmit(,100)', ...Array.from({ length: 100 - low }, (_, i) => `table=${100 - i},actions=resubmit(,${99 - i})`), `table=${low},actions=output:2`];
    expect(out(bridge(...chain(36)), udp())).toEqual([`2 ${UDP}`]);
    expect(out(bridge(...chain(35)), udp())).toEqual([]);
  });

  it('4,096 lookups by resubmit deliver; the 4,097th drops the packet', () => {
    // 64 resubmits to table 1, each running 63 resubmits to table 2 (a miss): 64 + 64 × 63 = 4,096.
    const b = bridge(`table=0,actions=${rep('resubmit(,1)', 64)},output:2`, `table=1,actions=${rep('resubmit(,2)', 63)}`);
    expect(out(b, udp())).toEqual([`2 ${UDP}`]);
    const over = bridge(`table=0,actions=${rep('resubmit(,1)', 64)},resubmit(,3),output:2`, `table=1,actions=${rep('resubmit(,2)', 63)}`);
    const result = over.process(1, udp(), 0, true);
    expect(result.outputs).toEqual([]);
    expect(result.trace.filter((l) => l.includes('>> over')).map((l) => l.trim())).toEqual(['>>>> over 4096 resubmit actions <<<<']);
  });

  it('even 4,096 nested resubmits (the most the limits allow) run without recursion', () => {
    // Tables 0..63 each resubmit to the next before acting; table 64 resubmits back to 0 (one deepening per round).
    const flows = Array.from({ length: 65 }, (_, n) => (n < 64 ? `table=${n},actions=resubmit(,${n + 1}),output:2` : 'table=64,actions=resubmit(,0)'));
    const result = bridge(...flows).process(1, udp(), 0, false);
    expect(result.outputs).toEqual([]);
  });
});

describe('resubmit(port,table)', () => {
  it('looks the packet up as if from that port, then runs the actions with the real in_port (OVS)', () => {
    // Table 1 matches in_port=3, but output:1 is then the input port (skipped), and in_port reads 1.
    expect(out(bridge('table=0,in_port=1,actions=resubmit(3,1)', 'table=1,in_port=3,actions=output:1'), udp())).toEqual([]);
    const b = bridge(
      'table=0,in_port=1,actions=resubmit(3,1)',
      'table=1,in_port=3,actions=move:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],resubmit(,2)',
      'table=2,reg0=1,actions=output:2',
      'table=2,reg0=3,actions=output:4',
    );
    expect(out(b, udp())).toEqual([`2 ${UDP}`]);
  });
});

describe('the action set runs in OpenFlow order, as OVS executes it', () => {
  it('dec_ttl before set_field, whatever order they were written in', () => {
    // TTL 10 leaves, not 9: dec_ttl (64 -> 63) runs first, then set_field:10->nw_ttl.
    expect(out(bridge('table=0,in_port=1,ip,actions=write_actions(set_field:10->nw_ttl,dec_ttl,output:2)'), udp())).toEqual([
      '2 020000000002020000000001080045000024000100000a119cc60a0000010a00000203e807d00010e0130000000000000000',
    ]);
  });

  it('push_vlan before set_field', () => {
    expect(out(bridge('actions=write_actions(set_field:0x1005->vlan_tci,push_vlan:0x8100,output:2)'), udp())).toEqual([
      '2 0200000000020200000000018100000508004500002400010000401166c60a0000010a00000203e807d00010e0130000000000000000',
    ]);
  });

  it('one final action: the last output, an output before a resubmit, nothing without one', () => {
    expect(out(bridge('actions=write_actions(output:2,output:3)'), udp())).toEqual([`3 ${UDP}`]);
    expect(out(bridge('table=0,actions=write_actions(output:3,resubmit(,1))', 'table=1,actions=output:2'), udp())).toEqual([`3 ${UDP}`]);
    expect(out(bridge('table=0,actions=write_actions(resubmit(,1))', 'table=1,actions=output:2'), udp())).toEqual([`2 ${UDP}`]);
    expect(out(bridge('actions=write_actions(output:3,NORMAL)'), udp())).toEqual([`2 ${UDP}`, `3 ${UDP}`, `4 ${UDP}`, `65534 ${UDP}`]);
    expect(out(bridge('ip,actions=output:4,write_actions(mod_nw_ttl:9)'), udp())).toEqual([`4 ${UDP}`]);
  });
});

describe('field writes', () => {
  it('ipv6_label is written into the packet', () => {
    const v6 = encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', flowLabel: 0x12345 } as LayerSpec, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
    expect(out(bridge('in_port=1,ipv6,actions=set_field:0x54321->ipv6_label,output:2'), v6)).toEqual([
      '2 02000000000202000000000186dd600543210008114020010db800000000000000000000000120010db8000000000000000000000002000100020008a466',
    ]);
  });

  it('nw_tos writes the DSCP bits and keeps ECN: set_field, load and move', () => {
    expect(out(bridge('in_port=1,ip,actions=set_field:32->nw_tos,output:2'), udp({ ecn: 1 }))).toEqual([
      '2 02000000000202000000000108004521002400010000401166a50a0000010a00000203e807d00010e0130000000000000000',
    ]);
    expect(out(bridge('in_port=1,ip,actions=load:0x20->NXM_OF_IP_TOS[],output:2'), udp({ ecn: 3 }))).toEqual([
      '2 02000000000202000000000108004523002400010000401166a30a0000010a00000203e807d00010e0130000000000000000',
    ]);
    expect(out(bridge('ip,actions=load:0xff->NXM_NX_REG0[0..7],move:NXM_NX_REG0[0..7]->NXM_OF_IP_TOS[],output:2'), udp({ ecn: 1 }))).toEqual([
      '2 020000000002020000000001080045fd002400010000401165c90a0000010a00000203e807d00010e0130000000000000000',
    ]);
  });

  it('vlan_tci: setting CFI pushes a tag (TCI without CFI on the wire), clearing it pops', () => {
    const untagged = '02000000000202000000000108004500001c00010000401166ce0a0000010a00000203e807d00008e023';
    expect(out(bridge('in_port=1,actions=load:0->NXM_OF_VLAN_TCI[],output:2'), tagged())).toEqual([`2 ${untagged}`]);
    expect(out(bridge('in_port=1,actions=set_field:0x1005->vlan_tci,output:2'), udp())).toEqual([
      '2 0200000000020200000000018100000508004500002400010000401166c60a0000010a00000203e807d00010e0130000000000000000',
    ]);
    expect(out(bridge('actions=set_field:0xf00a->vlan_tci,output:2'), udp())).toEqual([
      '2 0200000000020200000000018100e00a08004500002400010000401166c60a0000010a00000203e807d00010e0130000000000000000',
    ]);
    expect(out(bridge('actions=load:1->NXM_OF_VLAN_TCI[12],output:2'), udp())).toEqual([
      '2 0200000000020200000000018100000008004500002400010000401166c60a0000010a00000203e807d00010e0130000000000000000',
    ]);
    expect(out(bridge('actions=set_field:0x1005->vlan_tci,output:2,load:0->NXM_OF_VLAN_TCI[],output:3'), udp())).toEqual([
      '2 0200000000020200000000018100000508004500002400010000401166c60a0000010a00000203e807d00010e0130000000000000000',
      `3 ${UDP}`,
    ]);
  });

  it('VLAN headers follow OVS\'s flow: two slots, outermost first, committed to the frame', () => {
    const qinq = encode([
      { layer: 'ethernet', src: M1, dst: M2 },
      { layer: 'vlan', vid: 10, tpid: 0x8100 },
      { layer: 'vlan', vid: 20, tpid: 0x8100 },
      { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
      { layer: 'udp', srcPort: 1000, dstPort: 2000 },
    ]);
    const plain = (vid: number) => encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'vlan', vid, tpid: 0x8100 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1000, dstPort: 2000 }]);
    const IP_UDP = '08004500001c00010000401166ce0a0000010a00000203e807d00008e023';
    // Pushed twice over one tag: the flow holds two, so the arrived tag (10) is gone; the EtherType under them is still IPv4.
    const pushes = bridge('table=0,actions=mod_vlan_vid:40,push_vlan:0x8100,output:2,goto_table:1', 'table=1,ip,actions=output:3');
    expect(out(pushes, plain(10))).toEqual([`2 0200000000020200000000018100000081000028${IP_UDP}`, `3 0200000000020200000000018100000081000028${IP_UDP}`]);
    // An arrived inner tag is not the flow's (vlan-limit 1): it stays under the two.
    expect(out(pushes, qinq)).toEqual([`2 020000000002020000000001810000008100002881000014${IP_UDP}`]);
    // Clearing vlan_tci pops both tags; setting it again makes the outer present, and the inner slot (10) comes back.
    expect(out(bridge('actions=push_vlan:0x8100,load:0->NXM_OF_VLAN_TCI[],output:3,set_field:0x1007->vlan_tci,output:4'), plain(10))).toEqual([
      `3 020000000002020000000001${IP_UDP}`,
      `4 020000000002020000000001810000078100000a${IP_UDP}`,
    ]);
    // Popping an arrived QinQ frame leaves a tag the flow never parsed: its EtherType is 0x8100, not IPv4.
    expect(out(bridge('table=0,vlan_tci=0x1000/0x1000,actions=pop_vlan,goto_table:1', 'table=1,priority=10,ip,actions=output:3', 'table=1,priority=5,actions=output:4'), qinq)).toEqual([
      `4 02000000000202000000000181000014${IP_UDP}`,
    ]);
  });

  it('a rewritten UDP checksum that comes out 0 is sent as 0xffff; a checksum of 0 (none) stays 0', () => {
    expect(out(bridge('in_port=1,udp,actions=mod_tp_dst:59363,output:2'), udp())).toEqual([
      '2 02000000000202000000000108004500002400010000401166c60a0000010a00000203e8e7e30010ffff0000000000000000',
    ]);
    expect(out(bridge('in_port=1,udp,actions=mod_tp_dst:59363,output:2'), udp({}, { checksum: 0 }))).toEqual([
      '2 02000000000202000000000108004500002400010000401166c60a0000010a00000203e8e7e3001000000000000000000000',
    ]);
  });
});

describe('bytes', () => {
  it('never writes the caller\'s frame, and gives every output its own copy', () => {
    const frame = udp();
    const before = toHex(frame);
    const result = bridge('ip,actions=output:2,dec_ttl,mod_nw_dst:1.2.3.4,set_field:0x1005->vlan_tci,output:3,load:0->NXM_OF_VLAN_TCI[],output:4').process(1, frame);
    expect(toHex(frame)).toBe(before);
    expect(result.outputs.map((o) => o.port)).toEqual([2, 3, 4]);
    expect(toHex(result.outputs[0]!.bytes)).toBe(before);
    expect(new Set(result.outputs.map((o) => o.bytes.buffer)).size).toBe(3);
    expect(result.outputs.some((o) => o.bytes.buffer === frame.buffer)).toBe(false);
  });
});

describe('the flow table', () => {
  it('re-adding a flow keeps its counters (and its last use); its duration starts again', () => {
    const b = bridge('in_port=1,actions=output:2');
    out(b, udp(), 1, 1e9);
    out(b, udp(), 1, 2e9);
    b.addFlow('in_port=1,actions=output:3', 5e9);
    expect(b.dumpFlows(6e9)).toBe(' cookie=0x0, duration=1.000s, table=0, n_packets=2, n_bytes=100, in_port=1 actions=output:3');
  });

  it('learn refreshes an unchanged flow (counters, duration kept; lookups stay cached) and replaces a changed one keeping its counters', () => {
    const b = bridge('table=0,actions=learn(table=10,hard_timeout=100,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,10)', 'table=10,priority=0,actions=flood');
    const a2b = udp();
    const b2a = encode([{ layer: 'ethernet', src: M2, dst: M1 }, { layer: 'ipv4', src: '10.0.0.2', dst: '10.0.0.1' }, { layer: 'udp', srcPort: 2000, dstPort: 1000 }]);
    out(b, a2b, 1, 1e9);
    out(b, b2a, 2, 2e9);
    const t10 = b.pipeline.table(10);
    const hits = t10.cacheHits;
    for (let i = 0; i < 3; i++) expect(out(b, a2b, 1, 3e9).map((o) => o.slice(0, 1))).toEqual(['2']);
    // The learned flow for M1 was found unchanged each time: the cache was not cleared.
    expect(t10.cacheHits).toBe(hits + 2);
    const learnedA = () => b.dumpFlows(4e9).split('\n').find((l) => l.includes('dl_dst=02:00:00:00:00:01'));
    expect(learnedA()).toBe(' cookie=0x0, duration=3.000s, table=10, n_packets=1, n_bytes=42, hard_timeout=100, dl_dst=02:00:00:00:00:01 actions=output:1');
    out(b, a2b, 3, 4e9); // M1 moves to port 3
    expect(learnedA()).toBe(' cookie=0x0, duration=3.000s, table=10, n_packets=1, n_bytes=42, hard_timeout=100, dl_dst=02:00:00:00:00:01 actions=output:3');
  });

  it('expires learned flows: idle timeout from the last use, hard timeout from the last add or unchanged relearn', () => {
    const b = bridge('table=0,actions=learn(table=1,idle_timeout=5,hard_timeout=20,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,1)', 'table=1,priority=0,actions=flood');
    out(b, udp(), 1, 0);
    expect(b.pipeline.table(1).size).toBe(2);
    expect(b.pipeline.expire(4.9e9)).toEqual([]);
    const gone = b.pipeline.expire(5e9);
    expect(gone.map((r) => r.matchText)).toEqual(['dl_dst=02:00:00:00:00:01']);
    expect(b.pipeline.table(1).size).toBe(1);
    // Relearned every 4 s and used: the idle timeout never passes, the hard timeout restarts with each relearn.
    for (let t = 10; t <= 40; t += 4) {
      b.pipeline.expire(t * 1e9);
      out(b, udp(), 1, t * 1e9);
    }
    expect(b.pipeline.table(1).size).toBe(2);
  });

  it('expire costs nothing when nothing is due, however many rules there are', () => {
    const b = new Bridge('br0', ports);
    b.addFlows(Array.from({ length: 5000 }, (_, i) => `priority=${i % 100},ip,nw_dst=10.${(i >> 8) & 255}.${i & 255}.1,actions=output:2`).join('\n') + '\nidle_timeout=60,actions=drop');
    for (let i = 0; i < 100_000; i++) b.pipeline.expire(i);
    expect(b.pipeline.expire(59.9e9)).toEqual([]);
    expect(b.pipeline.expire(60e9).map((r) => r.idleTimeout)).toEqual([60]);
  });
});

describe('OpenFlow 1.0 actions without a match that proves their header act on the packet as it is (plain ovs-ofctl, the default)', () => {
  const arp = encode([{ layer: 'ethernet', src: M1, dst: 'ff:ff:ff:ff:ff:ff' }, { layer: 'arp', op: 1, senderMac: M1, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }]);
  const frame = (vlans: { vid: number; pcp: number }[]) =>
    toHex(encode([{ layer: 'ethernet', src: M1, dst: M2 }, ...vlans.map((v) => ({ layer: 'vlan', tpid: 0x8100, ...v }) as LayerSpec), { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1000, dstPort: 2000 }]));
  const plainUdp = encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1000, dstPort: 2000 }]);

  it('mod_vlan_vid pushes a tag on an untagged frame and rewrites the tag of a tagged one; -O OpenFlow13 pushes on both', () => {
    const b = bridge('in_port=1,actions=mod_vlan_vid:20,output:2');
    expect(out(b, plainUdp)).toEqual([`2 ${frame([{ vid: 20, pcp: 0 }])}`]);
    expect(out(b, tagged(10))).toEqual([`2 ${frame([{ vid: 20, pcp: 3 }])}`]);
    const strict = new Bridge('br0', ports, { protocols: 'OpenFlow13' });
    strict.addFlow('in_port=1,actions=mod_vlan_vid:20,output:2');
    expect(out(strict, tagged(10))).toEqual([`2 ${frame([{ vid: 20, pcp: 0 }, { vid: 10, pcp: 3 }])}`]);
  });

  it('in a flow that needs OpenFlow 1.1+ (write_actions, push_vlan) mod_vlan_vid pushes, as ovs-vswitchd runs the 1.1+ flow ovs-ofctl writes', () => {
    const b = bridge('in_port=1,actions=mod_vlan_vid:20,write_actions(output:2)');
    expect(out(b, tagged(10))).toEqual([`2 ${frame([{ vid: 20, pcp: 0 }, { vid: 10, pcp: 3 }])}`]);
  });

  it('mod_tp_src and mod_tp_dst write an ICMP packet\'s type and code (their low 8 bits), as OVS does; a set_field to tcp_dst does not', () => {
    const icmp = (type: number, code: number) => encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'icmp', type, code, id: 1, seq: 1 } as LayerSpec]);
    // Type 7, code 8, the echo's id and sequence kept, the checksum adjusted: the bytes ovs-vswitchd sent for it.
    expect(out(bridge('in_port=1,actions=mod_tp_src:0x107,mod_tp_dst:8,output:2'), icmp(8, 0))).toEqual(['2 02000000000202000000000108004500001c00010000400166de0a0000010a0000020708f8f500010001']);
    const g = new Bridge('br0', ports);
    g.addGroup('group_id=1,type=all,bucket=set_field:9->tcp_dst,output:2');
    g.addFlow('in_port=1,actions=group:1');
    expect(out(g, icmp(8, 0))).toEqual([`2 ${toHex(icmp(8, 0))}`]);
  });

  it('strip_vlan, dec_ttl, mod_nw_src, mod_tp_dst and mod_nw_tos leave a packet without their header as it is', () => {
    const b = bridge('in_port=1,actions=strip_vlan,dec_ttl,mod_nw_src:192.168.0.1,mod_tp_dst:53,mod_nw_tos:16,output:2');
    expect(out(b, arp)).toEqual([`2 ${toHex(arp)}`]);
    expect(out(b, tagged(10))).toEqual([`2 ${toHex(encode([{ layer: 'ethernet', src: M1, dst: M2 }, { layer: 'ipv4', src: '192.168.0.1', dst: '10.0.0.2', ttl: 63, dscp: 4 } as LayerSpec, { layer: 'udp', srcPort: 1000, dstPort: 53 }]))}`]);
  });
});
