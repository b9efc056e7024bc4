/**
 * clone(…), as ovs-ofctl reads and prints it and as ovs-vswitchd runs it (clone_xlate_actions):
 * the actions run on a copy of the packet and of the action set, the copy's action set runs at the
 * clone's end, and nothing changes for what follows. test/interop/actions-ovs.test.ts runs them
 * against ovs-vswitchd.
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';
import { actionsToInstructions, ruleFrom } from '../../src/openflow/flows.js';
import { matchToOxm } from '../../src/openflow/flows.js';
import { encode, toHex } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const M1 = '02:00:00:00:00:01';
const udp = encode([{ layer: 'ethernet', src: M1, dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
const bridge = (flows: string[], protocols: 'OpenFlow10' | 'OpenFlow13' = 'OpenFlow13') => {
  const b = new Bridge('br0', ports, { protocols });
  for (const f of flows) b.addFlow(f);
  return b;
};
const outs = (b: Bridge, port = 1) => b.process(port, udp).outputs.map((o) => `${o.port} ${toHex(o.bytes.subarray(6, 18))}`);

describe('clone(…)', () => {
  it.each([
    ['clone(output:1)', 'clone(output:1)'],
    ['clone:1', 'clone(output:1)'],
    ['clone()', 'clone(drop)'],
    ['clone(drop)', 'clone(drop)'],
    ['clone(clone(output:1),output:2),output:3', 'clone(clone(output:1),output:2),output:3'],
    ['clone(load:1->reg0[0],resubmit(,1))', 'clone(load:0x1->NXM_NX_REG0[0],resubmit(,1))'],
  ])('%s prints as ovs-ofctl prints it: %s', (text, printed) => {
    expect(parseFlow(`actions=${text}`).actionsText).toBe(printed);
    expect(parseFlow(`actions=${printed}`).actionsText).toBe(printed);
  });

  it.each([
    ['actions=clone(output:1,drop)', 15, '"drop" must not be accompanied by any other action or instruction'],
    ['actions=clone(write_actions(output:1))', 15, 'write_actions instruction not allowed here'],
    ['actions=clone(goto_table:1)', 15, 'goto_table instruction not allowed here'],
    ['actions=clone(meter:1)', 15, "clone action doesn't support nested action meter"],
    ['actions=clone(foo)', 15, 'unknown action "foo"'],
    ['actions=write_actions(clone(output:1))', 23, 'clone is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
  ])('refuses %s at column %i: %s', (flow, column, reason) => {
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });

  it('checks its actions on a copy of the tags the match proves: a push inside proves nothing outside (OpenFlow 1.1+)', () => {
    expect(parseFlow('actions=clone(push_vlan:0x8100,set_field:4097->vlan_vid,output:2)', { protocols: 'OpenFlow13' }).actionsText).toBe('clone(push_vlan:0x8100,set_field:4097->vlan_vid,output:2)');
    expect(() => parseFlow('actions=clone(push_vlan:0x8100),set_field:4097->vlan_vid', { protocols: 'OpenFlow13' })).toThrow('set_field vlan_vid needs a VLAN tag');
    expect(() => parseFlow('actions=clone(strip_vlan)', { protocols: 'OpenFlow13' })).toThrow('OFPBAC_MATCH_INCONSISTENT');
  });

  it('runs on a copy: changes inside (headers, registers, a push) do not reach what follows', () => {
    const b = bridge(['in_port=1,actions=clone(mod_dl_src:02:00:00:00:00:99,load:1->reg0[0],push_vlan:0x8100,output:2),resubmit(,1)', 'table=1,reg0=0,actions=output:3', 'table=1,reg0=1,actions=output:4']);
    expect(outs(b)).toEqual(['2 020000000099810000000800', '3 02000000000108004500001c']);
  });

  it("runs a copy of the action set at its end, with what it writes; the action set outside stays as it was", () => {
    const b = bridge(['in_port=1,actions=clone(mod_dl_src:02:00:00:00:00:99,output:2,resubmit(,1)),output:3', 'table=1,actions=set_field:5->reg0,write_actions(output:3)']);
    expect(outs(b)).toEqual(['2 02000000009908004500001c', '3 02000000009908004500001c', '3 02000000000108004500001c']);
    const c = bridge(['in_port=2,actions=resubmit(,2),clone(push_vlan:0x8100,output:3),output:3', 'table=2,actions=write_actions(output:1)']);
    expect(outs(c, 2)).toEqual(['3 020000000001810000000800', '1 020000000001810000000800', '3 02000000000108004500001c', '1 02000000000108004500001c']);
    expect(c.process(2, udp, 0, true).trace).toEqual([
      ' 0. in_port=2, priority 32768',
      '    resubmit(,2)',
      '     2. priority 32768',
      '            write_actions(output:1)',
      '    clone(push_vlan:0x8100,output:3)',
      '    push_vlan:0x8100',
      '    output:3',
      '    Action set:',
      '            output:1',
      '    output:3',
      'Action set:',
      '    output:1',
    ]);
  });

  it('an exit inside ends everything, the action sets included; a dec_ttl exception ends the clone only', () => {
    expect(outs(bridge(['in_port=1,actions=resubmit(,1),clone(output:2,exit,output:3),output:3', 'table=1,actions=write_actions(output:4)']))).toEqual(['2 02000000000108004500001c']);
    expect(outs(bridge(['in_port=1,ip,actions=clone(dec_ttl,mod_nw_ttl:1,dec_ttl,output:2),output:3']))).toEqual(['3 02000000000108004500001c']);
  });

  it('encodes as NXAST_CLONE (subtype 42, 6 zero bytes, then its actions) and reads back over OpenFlow 1.3', () => {
    const rule = parseFlow('actions=clone(output:2,load:1->reg0[0]),output:3', { protocols: 'OpenFlow13' });
    const instructions = actionsToInstructions(rule.actions, rule.match);
    const [apply] = instructions;
    const clone = apply?.type === 'apply_actions' ? apply.actions[0] : undefined;
    expect(clone?.type === 'experimenter' && Buffer.from(clone.body).toString('hex')).toBe(
      // The output (max_len 0, as OVS writes it for a port) and the NXAST_REG_LOAD, after the 8-byte clone header.
      '002a000000000000' + '00000010000000020000000000000000' + 'ffff0018000023200007000000010004' + '0000000000000001',
    );
    const back = ruleFrom({ tableId: 0, priority: 1, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: matchToOxm(rule.match), instructions }, () => true);
    expect(back.actions).toEqual(rule.actions);
  });
});
