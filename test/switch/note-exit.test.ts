/**
 * note and exit, as ovs-ofctl reads them and ovs-vswitchd runs them (checked against ofproto/trace
 * and ovs-ofctl parse-flow; test/interop/switch-ovs.test.ts and openflow-groups-ovs.test.ts run
 * them differentially).
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const FRAME = new Uint8Array(60);

describe('note', () => {
  it.each([
    ['note:01.02.03', 'note:01.02.03.00.00.00'],
    ['note:0102030405060708', 'note:01.02.03.04.05.06.07.08.00.00.00.00.00.00'],
    ['note:', 'note:00.00.00.00.00.00'],
    ['note:AB.cd,output:1', 'note:ab.cd.00.00.00.00,output:1'],
    ['note(01)', 'note:01.00.00.00.00.00'],
    ['note:01..02', 'note:01.02.00.00.00.00'],
    ['conjunction(1,1/2),note:ab', 'conjunction(1,1/2),note:ab.00.00.00.00.00'],
  ])('%s reads as OVS sends it back, zero-padded: %s', (text, printed) => {
    expect(parseFlow(`actions=${text}`).actionsText).toBe(printed);
    expect(parseFlow(`actions=${printed}`).actionsText).toBe(printed);
  });

  it.each([
    ['actions=note:1', 14, "bad hex digit in `note' argument"],
    ['actions=note:zz', 14, "bad hex digit in `note' argument"],
    ['actions=write_actions(note:01)', 23, 'note is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
    ['actions=conjunction(1,1/2),exit', 9, '"conjunction" actions may be used along with "note" but not any other kind of action (such as the "exit" action used here)'],
  ])('refuses %s at column %i: %s', (flow, column, reason) => {
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });
});

describe('exit', () => {
  it('ends the resubmitting flows\' actions and the action set too, as ofproto/trace shows (datapath actions 3,2)', () => {
    const b = new Bridge('br0', ports);
    b.addFlows('table=0,in_port=1,actions=note:01,output:3,resubmit(,1),output:4,write_actions(output:2)\ntable=1,actions=output:2,exit,output:3\ntable=0,in_port=2,actions=write_actions(output:3),goto_table:2\ntable=2,actions=exit');
    const result = b.process(1, FRAME, 0, true);
    expect(result.trace).toEqual([' 0. in_port=1, priority 32768', '    note:01.00.00.00.00.00', '    output:3', '    resubmit(,1)', '     1. priority 32768', '            output:2', '            exit']);
    expect(result.outputs.map((o) => o.port)).toEqual([3, 2]);
    expect(b.process(2, FRAME).outputs).toEqual([]);
  });

  it('in a group bucket ends that bucket only', () => {
    const b = new Bridge('br0', ports);
    b.addGroup('group_id=1,type=all,bucket=resubmit(,1),bucket=output:3');
    b.addFlows('table=0,in_port=1,actions=group:1,output:4\ntable=1,actions=output:2,exit,output:3');
    expect(b.process(1, FRAME).outputs.map((o) => o.port)).toEqual([2, 3, 4]);
  });

  it('is refused with an argument and in an action set', () => {
    expect(() => parseFlow('actions=exit:1')).toThrow(expect.objectContaining({ column: 14, reason: 'exit takes no argument (ovs-ofctl ignores one)' }));
    expect(() => parseFlow('actions=write_actions(exit)')).toThrow(expect.objectContaining({ column: 23 }));
  });
});
