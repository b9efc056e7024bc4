/**
 * Conjunctive matches: conjunction(id, k/n) and conj_id read, printed and refused as ovs-ofctl
 * does, and classified as OVS's classifier_lookup__ does. The expected ports were checked
 * against ovs-vswitchd 3.1 (test/interop/conjunction-ovs.test.ts runs these tables and random
 * ones differentially).
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';
import { encode } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const tcp = (src: string, dport: number) =>
  encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src, dst: '10.0.1.1' } as LayerSpec, { layer: 'tcp', srcPort: 1000, dstPort: dport }]);
const outputs = (flows: string[], bytes: Uint8Array) => {
  const b = new Bridge('br0', ports);
  for (const f of flows) b.addFlow(f);
  return b.process(1, bytes).outputs.map((o) => o.port);
};

describe('flow text, as ovs-ofctl reads and prints it', () => {
  it.each([
    ['actions=conjunction(1234,1/2)', '', 'conjunction(1234,1/2)'],
    ['actions=CONJUNCTION( 1 , 2 / 3 ),conjunction(2,1/64)', '', 'conjunction(1,2/3),conjunction(2,1/64)'],
    // The id as sscanf's %i reads it: hex, octal, negative, kept to 32 bits.
    ['actions=conjunction(0x10,1/2)', '', 'conjunction(16,1/2)'],
    ['actions=conjunction(010,1/2)', '', 'conjunction(8,1/2)'],
    ['actions=conjunction(-1,1/2)', '', 'conjunction(4294967295,1/2)'],
    ['actions=conjunction(4294967296,1/2)', '', 'conjunction(0,1/2)'],
    ['tcp,conj_id=3,actions=output:1', 'conj_id=3,tcp', 'output:1'],
  ])('%s', (text, match, actions) => {
    for (const protocols of ['OpenFlow10', 'OpenFlow13'] as const) {
      const rule = parseFlow(text, { protocols });
      expect([rule.matchText, rule.actionsText]).toEqual([match, actions]);
      expect(parseFlow(`${match ? `${match},` : ''}actions=${actions}`).actions).toEqual(rule.actions);
    }
  });

  it.each([
    ['actions=conjunction(1,1/2),output:1', 9, '"conjunction" actions may be used along with "note" but not any other kind of action (such as the "output" action used here)'],
    ['actions=conjunction(1,0/2)', 21, 'clause index must be positive'],
    ['actions=conjunction(1,3/2)', 21, 'clause index must be less than or equal to number of clauses'],
    ['actions=conjunction(1,1/1)', 21, 'conjunction must have at least 2 clauses'],
    ['actions=conjunction(1,1/65)', 21, 'conjunction must have at most 64 clauses'],
    ['actions=conjunction(1,1/2,3)', 9, '"conjunction" syntax is "conjunction(id,i/n)"'],
    ['actions=conjunction(x,1/2)', 9, '"conjunction" syntax is "conjunction(id,i/n)"'],
    ['actions=write_actions(conjunction(1,1/2))', 23, 'conjunction is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
    ['conj_id=5/0xff,actions=drop', 10, 'conj_id cannot be masked'],
  ])('refuses %s at column %i: %s', (flow, column, reason) => {
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });
});

describe('classification, as OVS\'s classifier does it', () => {
  const EXAMPLE = ['conj_id=1234,actions=output:2', 'ip,nw_src=10.0.0.1,actions=conjunction(1234,1/2)', 'ip,nw_src=10.0.0.4,actions=conjunction(1234,1/2)', 'tcp,tp_dst=80,actions=conjunction(1234,2/2)', 'tcp,tp_dst=443,actions=conjunction(1234,2/2)', 'priority=0,actions=output:4'];

  it('matches the conj_id flow when every clause matches, the rest falls through', () => {
    expect([tcp('10.0.0.1', 80), tcp('10.0.0.4', 443), tcp('10.0.0.2', 80), tcp('10.0.0.1', 22)].map((p) => outputs(EXAMPLE, p))).toEqual([[2], [2], [4], [4]]);
  });

  it('a hard match above the conjunction wins, one below it loses', () => {
    const flows = ['priority=200,tcp,tp_dst=443,actions=output:3', 'priority=100,ip,nw_src=10.0.0.1,actions=conjunction(7,1/2)', 'priority=100,tcp,actions=conjunction(7,2/2)', 'priority=50,ip,actions=output:4', 'conj_id=7,actions=output:2'];
    expect([tcp('10.0.0.1', 443), tcp('10.0.0.1', 80), tcp('10.0.0.2', 80)].map((p) => outputs(flows, p))).toEqual([[3], [2], [4]]);
  });

  it('a complete conjunction without its conj_id flow falls back to the hard match; an incomplete one gives way to a flow with the same match below it', () => {
    expect(outputs(['priority=10,ip,nw_src=10.0.0.1,actions=conjunction(5,1/2)', 'priority=10,tcp,actions=conjunction(5,2/2)', 'priority=5,ip,actions=output:2'], tcp('10.0.0.1', 80))).toEqual([2]);
    const flows = ['priority=100,ip,nw_src=10.0.0.2,actions=conjunction(9,1/2)', 'priority=100,tcp,tp_dst=22,actions=conjunction(9,2/2)', 'priority=50,ip,nw_src=10.0.0.2,actions=output:3', 'conj_id=9,actions=output:2'];
    expect([tcp('10.0.0.2', 22), tcp('10.0.0.2', 80)].map((p) => outputs(flows, p))).toEqual([[2], [3]]);
  });

  it('one flow giving both clauses of a conjunction is not enough on its own (OVS counts the flows at that priority first)', () => {
    expect(outputs(['priority=90,ip,actions=conjunction(1,1/2),conjunction(1,2/2)', 'conj_id=1,actions=output:2', 'priority=1,actions=output:4'], tcp('10.0.0.1', 80))).toEqual([4]);
  });

  it('changing a conjunctive flow into an ordinary one (mod-flows) makes it match by itself', () => {
    const b = new Bridge('br0', ports);
    for (const f of EXAMPLE) b.addFlow(f);
    expect(b.process(1, tcp('10.0.0.1', 22)).outputs.map((o) => o.port)).toEqual([4]);
    b.modFlows('ip,nw_src=10.0.0.1,actions=output:3');
    expect(b.process(1, tcp('10.0.0.1', 22)).outputs.map((o) => o.port)).toEqual([3]);
  });
});
