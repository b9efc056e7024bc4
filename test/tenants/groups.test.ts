/**
 * Groups are the tenant's own: each tenant's group ids are its own (two tenants' group 1 are two
 * physical groups), its buckets are checked as its flows' actions are, GROUP_DESC and
 * GROUP_STATS show it only its own in its own ids, a delete of every group deletes only its own,
 * and what it may not do is refused with the error a controller expects and counted.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyBuilt } from '../../src/topology/verify.js';
import type { SwitchNode } from '../../src/switch/node.js';
import type { Host } from '../../src/hosts/host.js';
import { formatActions } from '../../src/switch/ofctl.js';
import type { OfMessage } from '../../src/openflow/messages.js';
import type { OfAction } from '../../src/openflow/actions.js';
import type { OfBucket } from '../../src/openflow/structs.js';
import { SHARED_SWITCH, TenantRig } from './rig.js';

const TOPOLOGY = `
name: tenant-groups
nodes:
  c-blue: { kind: controller, app: ./fixtures/quiet-app.ts }
  c-red: { kind: controller, app: ./fixtures/quiet-app.ts }
  c-ops: { kind: controller, app: ./fixtures/quiet-app.ts }
${SHARED_SWITCH}
tenants:
  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs: { switch: s1, ports: [b1, b2] } }, quota: { groups: 3 } }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs: { switch: s1, ports: [r1, r2] } } }
  ops: { controller: c-ops, switches: { watch: { switch: s1, ports: [b1] } }, flowspace: [{ match: icmp, permission: read, of: blue }] }
`;

const root = join(import.meta.dirname, '../..');
const OFPG_ALL = 0xfffffffc;
const out = (port: number): OfAction => ({ type: 'output', port, maxLen: 0 });
const bucket = (actions: OfAction[], watchPort = 0xffffffff, watchGroup = 0xffffffff): OfBucket => ({ weight: 0, watchPort, watchGroup, actions });
const groupMod = (command: number, groupId: number, buckets: OfBucket[], groupType = 0): OfMessage => ({ type: 'group_mod', xid: 0, command, groupType, groupId, buckets });
const ADD = 0;
const MODIFY = 1;
const DELETE = 2;

describe('tenant groups', () => {
  let rig: TenantRig;
  const physicalGroups = () => rig.s1.bridge.pipeline.allGroups().map((g) => `${g.id.toString(16)} ${g.type} ${g.buckets.map((b) => formatActions(b.actions)).join(' | ')}`);
  /** Three pings from a host to 10.0.0.2, starting now: the replies it gets, read later. */
  const pings = (from: string) => {
    const stats = (rig.built.net.nodes.get(from) as Host).ping(0x0a000002, { count: 3, interval: 1e8, start: rig.built.net.scheduler.now + 1e6, size: 56, ttl: 64, df: false, timeout: 1e9 });
    return () => stats.received;
  };

  beforeEach(async () => {
    rig = await TenantRig.start(TOPOLOGY, 'groups.yaml');
  });

  it("installs each tenant's group 1 as physical groups of its own, one per protocol, and forwards through them", async () => {
    const blue = rig.dp('c-blue', 1);
    const red = rig.dp('c-red', 2);
    expect(await rig.answer(blue, groupMod(ADD, 1, [bucket([out(2)])]))).toBe('ok');
    expect(await rig.answer(red, groupMod(ADD, 1, [bucket([out(2)])]))).toBe('ok');
    for (const d of [blue, red]) {
      d.addFlow('priority=10,in_port=1,actions=group:1');
      d.addFlow('priority=10,in_port=2,actions=output:1');
    }
    await rig.drive(Promise.all([blue.barrier(), red.barrier()]));
    // (t << 24) | (g << 1) | protocol: blue's group 1 is 0x1000002 (IPv4) and 0x1000003 (ARP), red's 0x2000002 and 0x2000003;
    // a bucket runs as an action set, so its output to an edge port is preceded by the rewrite back to the tenant's addresses.
    expect(physicalGroups()).toEqual([
      '1000002 all load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:2',
      '1000003 all load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:2',
      '2000002 all load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:4',
      '2000003 all load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:4',
    ]);
    // The rule that sends to it is split for IPv4 and ARP, each expansion to its protocol's copy.
    expect(rig.s1.bridge.pipeline.allRules().filter((r) => r.table === 1 && r.cookie >> 56n === 1n && r.actionsText.startsWith('group')).map((r) => `${r.matchText} ${r.actionsText}`).sort()).toEqual([
      'arp,metadata=0x1/0xff,in_port=1 group:16777219',
      'ip,metadata=0x1/0xff,in_port=1 group:16777218',
    ]);
    const blueReplies = pings('b1');
    const redReplies = pings('r1');
    await rig.run(1e9);
    expect([blueReplies(), redReplies()]).toEqual([3, 3]);
    // Its own group, in its own ids and ports; its counters those of both copies on s1 (b1's ARP request and 3 echo requests).
    const [desc] = await rig.drive(blue.multipart({ kind: 'group_desc' }));
    expect(desc).toEqual({ kind: 'group_desc', groups: [{ type: 0, groupId: 1, buckets: [bucket([out(2)])] }] });
    const [stats] = await rig.drive(blue.multipart({ kind: 'group', groupId: OFPG_ALL }));
    expect(stats?.kind === 'group' && stats.groups.map((g) => ({ id: g.groupId, refs: g.refCount, packets: g.packetCount, bytes: g.byteCount, buckets: g.buckets.map((b) => b.packetCount) }))).toEqual([
      { id: 1, refs: 1, packets: 4n, bytes: 336n, buckets: [4n] },
    ]);
    const [features] = await rig.drive(blue.multipart({ kind: 'group_features' }));
    expect(features?.kind === 'group_features' && features.features.maxGroupsAll).toBe(3);
    // netloom verify follows the groups on s1: no header of either tenant leaves it.
    const report = verifyBuilt(rig.built);
    expect([report.isolated, report.leaks]).toEqual([true, []]);
  });

  it('refuses what a tenant may not do with groups, with the error a controller expects, and leaves its table as it was', async () => {
    const blue = rig.dp('c-blue', 1);
    const red = rig.dp('c-red', 2);
    expect(await rig.answer(red, groupMod(ADD, 2, [bucket([out(1)])]))).toBe('ok');
    expect(await rig.answer(blue, groupMod(ADD, 1, [bucket([out(2)])]))).toBe('ok');
    const setDst = (address: bigint): OfAction => ({ type: 'set_field', field: { field: 'ipv4_dst', value: address } });
    const attempts: [string, OfMessage][] = [
      ['its group 1 again', groupMod(ADD, 1, [bucket([out(1)])])],
      ['a modify of a group it does not have', groupMod(MODIFY, 7, [bucket([out(1)])])],
      ['a group chained to its group 2, which it lacks (red has a group 2)', groupMod(ADD, 3, [bucket([{ type: 'group', groupId: 2 }])])],
      ['a bucket out of a port it does not own', groupMod(ADD, 4, [bucket([out(3)])])],
      ['a bucket out of NORMAL', groupMod(ADD, 4, [bucket([out(0xfffffffa)])])],
      ["a bucket rewriting into red's physical addresses", groupMod(ADD, 4, [bucket([setDst(0x02000002n), out(2)])])],
      ['a bucket pushing a VLAN tag', groupMod(ADD, 4, [bucket([{ type: 'push_vlan', ethertype: 0x8100 }, out(2)])])],
      ['a bucket flooding its two ports', groupMod(ADD, 4, [bucket([out(0xfffffffb)])])],
      ['a fast failover bucket watching a port it does not own', groupMod(ADD, 4, [bucket([out(2)], 3)], 3)],
      ['a group id past its 0x7fff7f', groupMod(ADD, 0x7fff80, [bucket([out(2)])])],
      ['a modify of its group 1 out of a port it does not own', groupMod(MODIFY, 1, [bucket([out(4)])])],
      ["a flow to red's group 2", { type: 'flow_mod', xid: 0, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 5, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match: [], instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId: 2 }] }] }],
      ['a third group, rewriting in its own space', groupMod(ADD, 4, [bucket([setDst(0x0a000001n), out(1)]), bucket([out(2)])], 1)],
      ['a fourth group, past its quota of 3', groupMod(ADD, 5, [bucket([out(1)])])],
    ];
    const answers: string[] = [];
    for (const [what, m] of attempts) answers.push(`${what}: ${await rig.answer(blue, m)}`);
    expect(answers).toEqual([
      'its group 1 again: GROUP_MOD_FAILED/GROUP_EXISTS',
      'a modify of a group it does not have: GROUP_MOD_FAILED/UNKNOWN_GROUP',
      'a group chained to its group 2, which it lacks (red has a group 2): ok',
      'a bucket out of a port it does not own: BAD_ACTION/BAD_OUT_PORT',
      'a bucket out of NORMAL: BAD_ACTION/BAD_OUT_PORT',
      "a bucket rewriting into red's physical addresses: BAD_ACTION/EPERM",
      'a bucket pushing a VLAN tag: BAD_ACTION/EPERM',
      'a bucket flooding its two ports: BAD_ACTION/BAD_OUT_PORT',
      'a fast failover bucket watching a port it does not own: GROUP_MOD_FAILED/BAD_WATCH',
      'a group id past its 0x7fff7f: GROUP_MOD_FAILED/INVALID_GROUP',
      'a modify of its group 1 out of a port it does not own: BAD_ACTION/BAD_OUT_PORT',
      "a flow to red's group 2: BAD_ACTION/BAD_OUT_GROUP",
      'a third group, rewriting in its own space: ok',
      'a fourth group, past its quota of 3: GROUP_MOD_FAILED/OUT_OF_GROUPS',
    ]);
    // What it was refused is in neither its table nor the switch's: its group 1 is as it was, red's group 2 untouched.
    const [desc] = await rig.drive(blue.multipart({ kind: 'group_desc' }));
    expect(desc?.kind === 'group_desc' && desc.groups.map((g) => `${g.groupId} ${g.type} ${g.buckets.length}`)).toEqual(['1 0 1', '3 0 1', '4 1 2']);
    // Its group 3 chains to its own id 2 (0x1000004, which does not exist), never to red's group 2 (0x2000004).
    expect(physicalGroups()).toEqual([
      '1000002 all load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:2',
      '1000003 all load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:2',
      '1000006 all group:16777220',
      '1000007 all group:16777221',
      '1000008 select set_field:1.0.0.1->ip_dst,load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:1 | load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:2',
      '1000009 select set_field:1.0.0.1->ip_dst,load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:1 | load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:2',
      '2000004 all load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:3',
      '2000005 all load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:3',
    ]);
    // Each refusal counted, by error.
    expect(Object.fromEntries(rig.built.platform!.tenants[0]!.counters.refused)).toEqual({
      'GROUP_MOD_FAILED/GROUP_EXISTS': 1, 'GROUP_MOD_FAILED/UNKNOWN_GROUP': 1, 'BAD_ACTION/BAD_OUT_GROUP': 1, 'BAD_ACTION/BAD_OUT_PORT': 4, 'BAD_ACTION/EPERM': 2,
      'GROUP_MOD_FAILED/BAD_WATCH': 1, 'GROUP_MOD_FAILED/INVALID_GROUP': 1, 'GROUP_MOD_FAILED/OUT_OF_GROUPS': 1,
    });
  });

  it("deletes only the tenant's own groups on a delete of every group, and the flows that used them", async () => {
    const blue = rig.dp('c-blue', 1);
    const red = rig.dp('c-red', 2);
    for (const d of [blue, red]) {
      expect(await rig.answer(d, groupMod(ADD, 1, [bucket([out(2)])]))).toBe('ok');
      expect(await rig.answer(d, groupMod(ADD, 2, [bucket([{ type: 'group', groupId: 1 }])], 2))).toBe('ok');
      d.addFlow('priority=10,in_port=1,actions=group:2');
      d.addFlow('priority=10,in_port=2,actions=output:1');
    }
    await rig.drive(Promise.all([blue.barrier(), red.barrier()]));
    // A chained group's copy sends to the same protocol's copy of the group it names.
    expect(physicalGroups().filter((g) => g.startsWith('1000004') || g.startsWith('1000005'))).toEqual(['1000004 indirect group:16777218', '1000005 indirect group:16777219']);
    const tenantRules = (id: bigint) => rig.s1.bridge.pipeline.allRules().filter((r) => r.cookie >> 56n === id).length;
    expect([tenantRules(1n), tenantRules(2n)]).toEqual([4, 4]);
    expect(await rig.answer(blue, groupMod(DELETE, OFPG_ALL, []))).toBe('ok');
    await rig.drive(blue.barrier());
    expect(physicalGroups().map((g) => g.split(' ')[0])).toEqual(['2000002', '2000003', '2000004', '2000005']);
    // blue's rule through group 2 went with it (both its expansions); red's are all there, and red's pings still go through its groups.
    expect([tenantRules(1n), tenantRules(2n)]).toEqual([2, 4]);
    const [desc] = await rig.drive(blue.multipart({ kind: 'group_desc' }));
    expect(desc).toEqual({ kind: 'group_desc', groups: [] });
    const blueReplies = pings('b1');
    const redReplies = pings('r1');
    await rig.run(1e9);
    expect([blueReplies(), redReplies()]).toEqual([0, 3]);
  });

  it('refuses a read-only tenant any group, as it refuses it any flow', async () => {
    const ops = rig.dp('c-ops', 3);
    expect(await rig.answer(ops, groupMod(ADD, 1, [bucket([out(1)])]))).toBe('GROUP_MOD_FAILED/EPERM');
    const [desc] = await rig.drive(ops.multipart({ kind: 'group_desc' }));
    expect(desc).toEqual({ kind: 'group_desc', groups: [] });
    expect(physicalGroups()).toEqual([]);
  });

  it("runs a big switch's group on each of its switches, its buckets crossing the core in their ports' VLANs; a bucket there watches no port", async () => {
    const text = readFileSync(join(root, 'topologies', 'tenants-big-switch.yaml'), 'utf8').replace('c-blue: { kind: controller, app: learning }', 'c-blue: { kind: controller, app: ./fixtures/quiet-app.ts }');
    rig = await TenantRig.start(text, 'big.yaml');
    const blue = rig.dp('c-blue', 1);
    expect(await rig.answer(blue, groupMod(ADD, 1, [bucket([out(2)]), bucket([out(3)])]))).toBe('ok');
    expect(await rig.answer(blue, groupMod(ADD, 2, [bucket([out(2)], 2), bucket([out(3)], 3)], 3))).toBe('GROUP_MOD_FAILED/WATCH_UNSUPPORTED');
    blue.addFlow('priority=10,in_port=1,actions=group:1');
    blue.addFlow('priority=10,in_port=2,actions=output:1');
    await rig.drive(blue.barrier());
    const groupsOn = (sw: string) => (rig.built.net.nodes.get(sw) as SwitchNode).bridge.pipeline.allGroups().map((g) => `${g.id.toString(16)} ${g.buckets.map((b) => formatActions(b.actions)).join(' | ')}`);
    // On s1 both ports are on other switches: each bucket tunnels (VLAN 2 for s2:b2, 3 for s3:b3) towards s2.
    expect(groupsOn('s1')).toEqual([
      '1000002 push_vlan:0x8100,set_field:4098->vlan_vid,output:3 | push_vlan:0x8100,set_field:4099->vlan_vid,output:3',
      '1000003 push_vlan:0x8100,set_field:4098->vlan_vid,output:3 | push_vlan:0x8100,set_field:4099->vlan_vid,output:3',
    ]);
    const replies = pings('b1');
    const atB3 = { n: 0 };
    rig.built.net.recorder.add({ event: (e) => void (e.node === 'b3' && e.dir === 'rx' && e.bytes !== undefined && e.bytes[23] === 1 && e.bytes[33] === 2 && e.bytes[34] === 8 && atB3.n++) });
    await rig.run(1e9);
    // Every echo request for 10.0.0.2 reaches both b2 (which answers) and b3 (whose address it is not).
    expect([replies(), atB3.n]).toEqual([3, 3]);
  });
});
