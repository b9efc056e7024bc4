/**
 * Groups over OpenFlow 1.3: GROUP_MOD applied by a switch's agent with Open vSwitch 3.1's errors,
 * and the GROUP, GROUP_DESC and GROUP_FEATURES replies checked against the bytes OVS 3.1.0 sent
 * for the same groups (test/interop/fixtures/openflow, README there), and the group action's
 * mapping both ways.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network } from '../../src/sim/network.js';
import { SwitchNode } from '../../src/switch/node.js';
import { SwitchAgent, type Transport } from '../../src/openflow/agent.js';
import { decodeMessage, encodeMessage, OFPGC, OFPRR, type MessageOf, type OfMessage } from '../../src/openflow/messages.js';
import { OFPBAC, OFPET, OFPGMFC } from '../../src/openflow/errors.js';
import { actionsToInstructions, bucketsFromOfp, ruleFrom } from '../../src/openflow/flows.js';
import { toHex } from '../../src/index.js';
import type { OfBucket } from '../../src/openflow/structs.js';

const DIR = join(import.meta.dirname, '../interop/fixtures/openflow');
/** The messages of a fixture session, `>` to the switch and `<` from it, as hex. */
const fixture = (file: string) => readFileSync(join(DIR, file), 'utf8').split('\n').filter((l) => /^[<>] [0-9a-f]+$/.test(l));
const reply = (file: string, request: string) => {
  const lines = fixture(file);
  return lines[lines.indexOf(`> ${request}`) + 1]!.slice(2);
};

/** A switch p1-p3 (OpenFlow ports 1-3) with its agent, and one connection whose messages are kept. */
function connected() {
  const net = new Network(1);
  const node = net.add(new SwitchNode(net, { kind: 'switch', name: 'br0', ports: [1, 2, 3].map((n) => ({ name: `p${n}`, ofport: n })), flows: [] }));
  const agent = new SwitchAgent(node);
  const sent: OfMessage[] = [];
  const transport: Transport = { send: (bytes) => (sent.push(decodeMessage(bytes)), true), close: () => undefined, label: 'test' };
  const c = agent.connect(transport, 'controller');
  c.receive(encodeMessage({ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << 4] }] }));
  sent.length = 0;
  const send = (m: OfMessage | string): OfMessage[] => {
    sent.length = 0;
    c.receive(typeof m === 'string' ? Buffer.from(m, 'hex') : encodeMessage(m));
    return [...sent];
  };
  return { node, send };
}

const output = (port: number) => ({ type: 'output' as const, port, maxLen: 0 });
const bucket = (over: Partial<OfBucket> = {}): OfBucket => ({ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [output(1)], ...over });
const groupMod = (over: Partial<MessageOf<'group_mod'>> = {}): OfMessage => ({ type: 'group_mod', xid: 9, command: OFPGC.ADD, groupType: 0, groupId: 1, buckets: [bucket()], ...over });

/** The groups of the fixtures' switch (README): ADDs built from OVS's own GROUP_DESC reply, so their buckets are ovs-ofctl's bytes. */
function fixtureGroups(): OfMessage[] {
  const desc = decodeMessage(Buffer.from(reply('dump-groups.hex', '04120010000000020007000000000000'), 'hex')) as MessageOf<'multipart_reply'>;
  if (desc.body.kind !== 'group_desc') throw new Error('not a GROUP_DESC reply');
  return desc.body.groups.map((g) => groupMod({ groupType: g.type, groupId: g.groupId, buckets: g.buckets }));
}

describe('GROUP_MOD and the group replies, against Open vSwitch 3.1 bytes', () => {
  it('ovs-ofctl add-group\'s GROUP_MOD adds the group; GROUP_DESC then answers with OVS\'s bytes', () => {
    const { node, send } = connected();
    const add = fixture('add-group.hex').find((l) => l.startsWith('> 040f'))!.slice(2);
    expect(send(add)).toEqual([]);
    for (const m of fixtureGroups().slice(1)) expect(send(m)).toEqual([]);
    expect(node.bridge.dumpGroups().split('\n')).toHaveLength(4);
    const [desc] = send('04120010000000020007000000000000');
    expect(toHex(encodeMessage(desc!))).toBe(reply('dump-groups.hex', '04120010000000020007000000000000'));
  });

  it('GROUP stats: OVS\'s reply but for the durations (virtual time 0 here), ref_count counting the flow that uses group 1', () => {
    const { node, send } = connected();
    for (const m of fixtureGroups()) send(m);
    node.bridge.addFlow('table=2,priority=9,in_port=3,actions=group:1');
    const request = '04120018000000060006000000000000fffffffc00000000';
    const theirs = decodeMessage(Buffer.from(reply('dump-group-stats.hex', request), 'hex')) as MessageOf<'multipart_reply'>;
    if (theirs.body.kind !== 'group') throw new Error('not a GROUP reply');
    for (const g of theirs.body.groups) g.durationSec = g.durationNsec = 0;
    expect(send(request)).toEqual([theirs]);
    const [one] = send({ type: 'multipart_request', xid: 7, flags: 0, body: { kind: 'group', groupId: 3 } });
    expect(one).toMatchObject({ body: { kind: 'group', groups: [{ groupId: 3, refCount: 0, buckets: [{ packetCount: 0n }] }] } });
  });

  it('GROUP_FEATURES: OVS\'s types, capabilities and max_groups; the actions are those netloom\'s buckets run (OVS also lists MPLS)', () => {
    const { send } = connected();
    const [features] = send('04120010000000020008000000000000');
    const theirs = reply('dump-group-features.hex', '04120010000000020008000000000000');
    expect(toHex(encodeMessage(features!))).toBe(theirs.replaceAll('03ff8001', '03e60001'));
  });

  it.each([
    { name: 'a group that exists', mod: groupMod(), code: OFPGMFC.GROUP_EXISTS },
    { name: 'modifying a group that does not exist', mod: groupMod({ command: OFPGC.MODIFY, groupId: 5 }), code: OFPGMFC.UNKNOWN_GROUP },
    { name: 'a group id above OFPG_MAX', mod: groupMod({ groupId: 0xffffff01 }), code: OFPGMFC.INVALID_GROUP },
    { name: 'a type OpenFlow 1.3 does not have', mod: groupMod({ groupId: 5, groupType: 4 }), code: OFPGMFC.BAD_TYPE },
    { name: 'an unknown command', mod: groupMod({ groupId: 5, command: 9 }), code: OFPGMFC.BAD_COMMAND },
    { name: 'a delete with buckets', mod: groupMod({ command: OFPGC.DELETE }), code: OFPGMFC.INVALID_GROUP },
    { name: 'a weight in an all group', mod: groupMod({ groupId: 5, buckets: [bucket({ weight: 2 })] }), code: OFPGMFC.INVALID_GROUP },
    { name: 'a watch in an indirect group', mod: groupMod({ groupId: 5, groupType: 2, buckets: [bucket({ watchPort: 2 })] }), code: OFPGMFC.WATCH_UNSUPPORTED },
    { name: 'a fast failover bucket watching nothing', mod: groupMod({ groupId: 5, groupType: 3 }), code: OFPGMFC.INVALID_GROUP },
    { name: 'an indirect group of two buckets', mod: groupMod({ groupId: 5, groupType: 2, buckets: [bucket(), bucket()] }), code: OFPGMFC.INVALID_GROUP },
    { name: 'a watch_port in the unused range', mod: groupMod({ groupId: 5, groupType: 3, buckets: [bucket({ watchPort: 0xffff0000 })] }), code: OFPGMFC.BAD_WATCH },
  ])('refuses $name as OVS does', ({ mod, code }) => {
    const { send } = connected();
    send(groupMod());
    const sent = send(mod);
    expect(sent).toEqual([{ type: 'error', xid: 9, errorType: OFPET.GROUP_MOD_FAILED, code, data: encodeMessage(mod) }]);
  });

  it('a bucket action the switch refuses is a BAD_ACTION error; a bucket may use a group that does not exist', () => {
    const { send } = connected();
    expect(send(groupMod({ buckets: [bucket({ actions: [output(0xffffffff)] })] }))).toMatchObject([{ type: 'error', errorType: OFPET.BAD_ACTION, code: OFPBAC.BAD_OUT_PORT }]);
    expect(send(groupMod({ buckets: [bucket({ actions: [{ type: 'group', groupId: 8 }] })] }))).toEqual([]);
  });

  it('MODIFY replaces the buckets; DELETE of OFPG_ALL deletes every group and, with FLOW_REMOVED reason GROUP_DELETE, the flows using them', () => {
    const { node, send } = connected();
    send(groupMod());
    expect(send(groupMod({ command: OFPGC.MODIFY, groupType: 1, buckets: [bucket({ weight: 3, actions: [output(2)] })] }))).toEqual([]);
    expect(node.bridge.dumpGroups()).toBe(' group_id=1,type=select,bucket=weight:3,actions=output:2');
    node.bridge.addFlow('in_port=1,actions=output:3');
    node.bridge.addFlow('in_port=2,actions=group:1').flags = 1;
    expect(send(groupMod({ command: OFPGC.DELETE, groupId: 7, buckets: [] }))).toEqual([]);
    const removed = send(groupMod({ command: OFPGC.DELETE, groupId: 0xfffffffc, buckets: [] }));
    expect(removed).toMatchObject([{ type: 'flow_removed', reason: OFPRR.GROUP_DELETE, priority: 32768, match: [{ field: 'in_port', value: 2n }] }]);
    expect(node.bridge.dumpGroups()).toBe('');
    expect(node.bridge.dumpFlows()).toContain('in_port=1 actions=output:3');
  });
});

describe('the group action, OpenFlow <-> switch', () => {
  const flowMod = { tableId: 0, priority: 1, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: [], instructions: [{ type: 'apply_actions' as const, actions: [{ type: 'group' as const, groupId: 1 }] }] };

  it('maps to the switch\'s group action when the group exists, and back', () => {
    const rule = ruleFrom(flowMod, (g) => g === 1);
    expect(rule.actionsText).toBe('group:1');
    expect(actionsToInstructions(rule.actions, rule.match)).toEqual(flowMod.instructions);
  });

  it('is BAD_OUT_GROUP for a group that does not exist', () => {
    expect(() => ruleFrom(flowMod, (g: number) => g === 2)).toThrow(expect.objectContaining({ ofp: { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_OUT_GROUP } }));
  });

  it('bucket actions meet no match: pop_vlan, dec_nw_ttl and set_field ipv4_dst are taken as they come', () => {
    const [b] = bucketsFromOfp([bucket({ actions: [{ type: 'pop_vlan' }, { type: 'dec_nw_ttl' }, { type: 'set_field', field: { field: 'ipv4_dst', value: 0xc0a80009n } }, output(2)] })]);
    expect(b!.actions.map((a) => a.type)).toEqual(['pop_vlan', 'dec_ttl', 'set_field', 'output']);
  });
});
