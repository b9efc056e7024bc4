/**
 * The isolation verifier: the tenant lessons are isolated; a broken physical rule injected
 * straight into a switch's tables (as a buggy platform or a hand-made flow would leave it) is
 * found, each as the right kind of leak, with a witness frame that a fresh run delivers where
 * the verifier says; the header-space algebra it rests on; flowspace overlaps.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { encode, loadTopologyFile, parseSpec, replayWitness, toHex, verifyIsolation, type Leak } from '../../src/index.js';
import type { Built } from '../../src/topology/build.js';
import type { SwitchNode } from '../../src/switch/node.js';
import { Match } from '../../src/switch/flow.js';
import { W } from '../../src/switch/fields.js';
import { cube, HeaderSet } from '../../src/tenants/headerspace.js';
import { flowspaceOverlaps } from '../../src/tenants/verify.js';

const root = join(import.meta.dirname, '../..');
const lesson = (name: string) => loadTopologyFile(join(root, 'topologies', `${name}.yaml`));
const twoSwitches = lesson('tenants-two-switches');

/** Adds flows (ovs-ofctl syntax) to a physical switch's tables, behind the platform's back. */
const inject = (sw: string, ...flows: string[]) => (b: Built) => {
  for (const f of flows) (b.net.nodes.get(sw) as SwitchNode).bridge.addFlow(f, b.net.scheduler.now);
};

/** What a leak says, without its path and witness bytes: the rule responsible as ovs-ofctl prints it after `table=`. */
const brief = (l: Leak) => ({ kind: l.kind, tenant: l.tenant, receiver: l.receiver, to: l.to, detail: l.detail, responsible: `${l.responsible.switch} ${l.responsible.text.replace(/^.*?table=/, 'table=')}` });

async function leaksOf(alter: (b: Built) => void) {
  const report = await verifyIsolation(twoSwitches, { at: 2e9, alter });
  const replays = await Promise.all(report.leaks.map((l) => replayWitness(twoSwitches, l, { at: 2e9, alter })));
  return { report, replays };
}

describe('netloom verify', () => {
  it('proves both tenant lessons isolated, and says what it checked', async () => {
    const shared = await verifyIsolation(lesson('tenants-shared-switch'));
    expect(shared.isolated).toBe(true);
    expect({ ...shared.checked, ms: 0 }).toEqual({ tenants: ['blue', 'red'], switches: 1, tables: 2, rules: 26, edgePorts: 4, headerSets: 4, lookups: 12, loops: 0, hopBound: 0, ms: 0 });
    const two = await verifyIsolation(twoSwitches);
    // 38 rules: the platform's table 0 on both switches (with LLDP from the link to the controller), each tenant's learning flows.
    expect({ ...two.checked, ms: 0 }).toEqual({ tenants: ['blue', 'red'], switches: 2, tables: 4, rules: 38, edgePorts: 4, headerSets: 12, lookups: 28, loops: 0, hopBound: 0, ms: 0 });
    for (const r of [shared, two]) {
      expect([r.isolated, r.complete, r.leaks, r.overlaps, r.approximations, r.unverifiable]).toEqual([true, true, [], [], [], []]);
    }
    expect(two.at).toBe(2156004704);
  });

  it('finds a table-1 rule that outputs blue packets to red\'s host, and the witness reaches r1', async () => {
    const { report, replays } = await leaksOf(inject('s1', 'priority=400,metadata=0x1/0xff,table=1,actions=output:2'));
    expect(report.isolated).toBe(false);
    expect(report.leaks.map(brief)).toEqual([
      { kind: 'host', tenant: 'blue', receiver: 'red', to: 'r1:eth0', detail: "reaches red's host r1:eth0 (out of s1:r1)", responsible: 's1 table=1, n_packets=0, n_bytes=0, priority=400,metadata=0x1/0xff actions=output:2' },
    ]);
    const [leak] = report.leaks;
    // b2's ARP crosses the link to s1, where the broken rule sends it to r1.
    expect(leak!.witness).toMatchObject({ tenant: 'blue', host: 'b2:eth0', switchPort: 's2:b2', inPort: 1, spec: 'ethernet(dst=02:4e:4c:de:f8:94,src=02:4e:4c:1a:be:21)/arp(op=1,senderMac=02:4e:4c:1a:be:21,senderIp=10.0.0.2,targetMac=00:00:00:00:00:00,targetIp=10.0.0.1)' });
    expect(leak!.path.map((s) => (s.step === 'lookup' ? `${s.switch} in ${s.inPort} table ${s.table} priority ${s.priority}` : s.step === 'output' ? `${s.switch} out ${s.outPort} -> ${s.to}` : s.step))).toEqual([
      's2 in b2 table 0 priority 200', 's2 in b2 table 1 priority 1', 's2 out core -> s1:core', 's1 in core table 0 priority 50', 's1 in core table 1 priority 400', 's1 out r1 -> r1:eth0',
    ]);
    expect(replays[0]!.reached).toEqual(['r1:eth0']);
    expect(replays[0]!.steps.filter((s) => / (rx|tx)$/.test(s))).toEqual(['b2:eth0 tx', 's2:b2 rx', 's2:core tx', 's1:core rx', 's1:r1 tx', 'r1:eth0 rx']);
    // The witness is a real frame: its craft spec makes the same bytes.
    expect(toHex(encode(parseSpec(leak!.witness!.spec)))).toBe(toHex(leak!.witness!.bytes));
  });

  it("finds a table-0 rule that tags a blue port with red's id: blue's packets enter table 1 under red's tag", async () => {
    const { report, replays } = await leaksOf(inject('s1', 'table=0,priority=300,in_port=1,ip,actions=write_metadata:0x2/0xff,goto_table:1'));
    expect(report.leaks.map(brief)).toEqual([
      { kind: 'flowspace', tenant: 'blue', receiver: undefined, to: 'table 1 of s1', detail: "enters table 1 of s1 with tag 2 (red's) instead of its own 1", responsible: 's1 table=0, n_packets=0, n_bytes=0, priority=300,ip,in_port=1 actions=write_metadata:0x2/0xff,goto_table:1' },
    ]);
    expect(report.leaks[0]!.witness!.spec).toBe('ethernet(dst=ff:ff:ff:ff:ff:ff,src=02:4e:4c:de:f8:94)/ipv4(src=10.0.0.1,dst=10.0.0.2,ttl=64,dscp=0,ecn=0,protocol=17)/udp(srcPort=49152,dstPort=9)/payload(data=0x6e65746c6f6f6d20766572696679207769746e657373)');
    // Replayed, the frame takes the rule: red's table-miss sends it to the platform, which drops it (in_port 1 is not red's).
    const s1 = replays[0]!.steps.find((s) => s.startsWith('s1:b1 match'))!;
    expect(s1).toContain('0. ip,in_port=1, priority 300; write_metadata:0x2/0xff; goto_table:1');
    expect(s1).toContain('metadata=0x2/0xff, priority 0, cookie 0x200000000000001; CONTROLLER:65535');
    expect([replays[0]!.reached, replays[0]!.controllers]).toEqual([[], []]);
  });

  it("finds a rewrite into red's physical space: the packet leaves blue's flowspace on the link, reaches r2 and red's controller", async () => {
    const { report, replays } = await leaksOf(inject('s1', 'priority=400,ip,metadata=0x1/0xff,table=1,in_port=1,actions=load:0x2->NXM_OF_IP_DST[24..31],output:3'));
    const rule = 's1 table=1, n_packets=0, n_bytes=0, priority=400,ip,metadata=0x1/0xff,in_port=1 actions=load:0x2->NXM_OF_IP_DST[24..31],output:3';
    expect(report.leaks.map(brief)).toEqual([
      { kind: 'flowspace', tenant: 'blue', receiver: undefined, to: 's1:core', detail: 'leaves s1 on core towards s2 with addresses outside its physical space 1.0.0.0/8 (or neither IPv4 nor ARP)', responsible: rule },
      { kind: 'host', tenant: 'blue', receiver: 'red', to: 'r2:eth0', detail: "reaches red's host r2:eth0 (out of s2:r2)", responsible: rule },
      { kind: 'controller', tenant: 'blue', receiver: 'red', to: 'controller of red', detail: "reaches red's controller: a PACKET_IN from s2 with red's tag 2", responsible: rule },
    ]);
    expect(replays.map((r) => [r.reached, r.controllers])).toEqual([[[], ['red']], [['r2:eth0'], []], [[], ['red']]]);
    expect(replays[1]!.path?.disposition).toBe('DELIVERED');
  });

  it("finds a controller action under red's tag on a port red has: blue's packet reaches red's controller", async () => {
    const alter = inject('s2', 'table=0,priority=300,in_port=3,ip,nw_dst=1.0.0.0/8,actions=write_metadata:0x2/0xff,goto_table:7', 'table=7,priority=1,actions=controller');
    const { report, replays } = await leaksOf(alter);
    const rule = 's2 table=0, n_packets=0, n_bytes=0, priority=300,ip,in_port=3,nw_dst=1.0.0.0/8 actions=write_metadata:0x2/0xff,goto_table:7';
    expect(report.leaks.map(brief)).toEqual([
      { kind: 'flowspace', tenant: 'blue', receiver: undefined, to: 'table 7 of s2', detail: "enters table 7 of s2 with tag 2 (red's) instead of its own 1", responsible: rule },
      { kind: 'controller', tenant: 'blue', receiver: 'red', to: 'controller of red', detail: "reaches red's controller: a PACKET_IN from s2 with red's tag 2", responsible: rule },
    ]);
    expect(report.leaks[1]!.path.map((s) => s.step)).toEqual(['lookup', 'lookup', 'output', 'lookup', 'lookup', 'controller']);
    expect(replays[1]!.controllers).toEqual(['red']);
  });

  it('follows groups and action sets: an all group and a write_actions that output to red\'s host are found and replayed', async () => {
    const group = (b: Built) => {
      const s1 = (b.net.nodes.get('s1') as SwitchNode).bridge;
      s1.addGroup('group_id=7,type=all,bucket=output:3,bucket=output:2', b.net.scheduler.now);
      s1.addFlow('priority=400,ip,metadata=0x1/0xff,table=1,in_port=1,actions=group:7', b.net.scheduler.now);
    };
    const viaGroup = await leaksOf(group);
    expect(viaGroup.report.leaks.map((l) => [l.kind, l.to, l.responsible.text.replace(/^.*priority=/, 'priority=')])).toEqual([
      ['host', 'r1:eth0', 'priority=400,ip,metadata=0x1/0xff,in_port=1 actions=group:7'],
    ]);
    // Bucket 1 goes to r1; bucket 0, on the packet as it was, over the link to blue's own b2.
    expect(viaGroup.replays[0]!.reached).toEqual(['r1:eth0', 'b2:eth0']);
    const viaSet = await leaksOf(inject('s1', 'priority=400,arp,metadata=0x1/0xff,table=1,in_port=1,actions=write_actions(output:2)'));
    expect(viaSet.report.leaks.map((l) => [l.kind, l.to, l.witness?.spec.split('/')[1]?.slice(0, 3)])).toEqual([['host', 'r1:eth0', 'arp']]);
    expect(viaSet.replays[0]!.reached).toEqual(['r1:eth0']);
  });

  it("follows an enqueue's output: a queue chooses when a packet leaves, not where", async () => {
    const { report, replays } = await leaksOf(inject('s1', 'priority=400,ip,metadata=0x1/0xff,table=1,in_port=1,actions=enqueue:2:1'));
    expect(report.leaks.map((l) => [l.kind, l.to])).toEqual([['host', 'r1:eth0']]);
    expect(replays[0]!.reached).toEqual(['r1:eth0']);
  });

  it('checks only the tenants asked for', async () => {
    const report = await verifyIsolation(twoSwitches, { at: 2e9, tenants: ['red'], alter: inject('s1', 'priority=400,metadata=0x1/0xff,table=1,actions=output:2') });
    expect([report.isolated, report.checked.tenants, report.checked.edgePorts]).toEqual([true, ['red'], 2]);
  });
});

describe('header space', () => {
  const words = (pairs: [number, number, number][]) => {
    const c = cube();
    for (const [w, v, m] of pairs) {
      c.v[w] = v;
      c.m[w] = m;
    }
    return c;
  };

  it('subtracts lazily on the input side, so a rewrite after it keeps the difference exact', () => {
    // Every header on port 1, less nw_dst 10.0.0.0/24, then nw_dst's top byte rewritten to 1.
    const all = HeaderSet.of(words([[W.IN_PORT, 1, 0xffffffff]]), []);
    const rest = all.subtract(words([[W.NW_DST, 0x0a000000, 0xffffff00]]))!.write(W.NW_DST, 0x01000000, 0xff000000);
    expect(rest.known(W.NW_DST, 0xff000000)).toBe(0x01000000);
    // 1.0.0.5 now can only come from an input outside 10.0.0.0/24: 1.0.0.5 itself is one.
    const member = rest.intersect(words([[W.NW_DST, 0x01000005, 0xffffffff]]))!.member(100);
    expect(member).not.toBe('budget');
    expect(((member as { v: Uint32Array }).v[W.NW_DST]! & 0xffffff00) >>> 0).not.toBe(0x0a000000);
    // Inputs in 10.0.0.0/24 only, less that subnet: empty.
    const inside = all.intersect(words([[W.NW_DST, 0x0a000000, 0xffffff00]]))!;
    expect(inside.subtract(words([[W.NW_DST, 0x0a000000, 0xffffff00]]))).toBeUndefined();
    expect(inside.exclude(words([[W.NW_DST, 0x0a000000, 0xffffff80]])).exclude(words([[W.NW_DST, 0x0a000080, 0xffffff80]])).member(100)).toBeUndefined();
  });

  it('pins bits of unknown value when a match looks at them, and cannot subtract on them', () => {
    const set = HeaderSet.of(cube(), []).forget(W.REG0, 0xff);
    const pinned = set.intersect(words([[W.REG0, 7, 0xff]]))!;
    expect(pinned.known(W.REG0, 0xff)).toBe(7);
    const inexact = { count: 0 };
    expect(set.subtract(words([[W.REG0, 7, 0xff]]), inexact)).toBe(set);
    expect(inexact.count).toBe(1);
  });
});

describe('flowspace overlaps', () => {
  it('reports two tenants on one port and space, with a header in both; overlapping spaces on distinct ports are none', () => {
    const entry = (tenant: string, port: number, net: number) => {
      const match = new Match();
      match.set(W.IN_PORT, port, 0xffffffff);
      match.set(W.DL_TYPE, 0x0800, 0xffff);
      match.set(W.NW_DST, net, 0xffffff00);
      return { tenant, switch: 's1', match };
    };
    expect(flowspaceOverlaps([entry('blue', 1, 0x0a000000), entry('red', 2, 0x0a000000)])).toEqual([]);
    expect(flowspaceOverlaps([entry('blue', 1, 0x0a000000), entry('red', 1, 0x0a000000), entry('green', 1, 0x0b000000)])).toEqual([
      { a: { tenant: 'blue', switch: 's1', match: 'ip,in_port=1,nw_dst=10.0.0.0/24' }, b: { tenant: 'red', switch: 's1', match: 'ip,in_port=1,nw_dst=10.0.0.0/24' }, witness: 'ip,in_port=1,nw_dst=10.0.0.0/24' },
    ]);
  });
});
