/**
 * check_pkt_larger and sample, as ovs-ofctl reads and prints them (lib/ofp-actions.c), as
 * ovs-vswitchd runs them (odp_execute_check_pkt_len: the packet as it is then, Ethernet padding
 * left out; xlate_sample_action) and as OVS encodes them (NXAST_CHECK_PKT_LARGER, NXAST_SAMPLE,
 * SAMPLE2, SAMPLE3). test/interop/actions-ovs.test.ts runs them against ovs-vswitchd.
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';
import { actionsToInstructions } from '../../src/openflow/flows.js';
import { actionFromNicira } from '../../src/openflow/nicira.js';
import { OpenFlowError } from '../../src/openflow/errors.js';
import { encode } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The one Nicira action body a flow's actions encode to (after the experimenter id). */
function body(flow: string): string {
  const rule = parseFlow(flow);
  const [apply] = actionsToInstructions(rule.actions, rule.match);
  const a = apply?.type === 'apply_actions' ? apply.actions[0] : undefined;
  if (a?.type !== 'experimenter') throw new Error(`${flow}: no experimenter action`);
  return hex(a.body);
}

const place = { structure: 'flow_mod', path: 'actions[0]', match: undefined, actionSet: false };
const decode = (h: string, actionSet = false) => actionFromNicira(Buffer.from(h, 'hex'), { ...place, actionSet });

describe('check_pkt_larger(N)->dst', () => {
  it.each([
    ['check_pkt_larger(1500)->NXM_NX_REG0[0]', 'check_pkt_larger(1500)->NXM_NX_REG0[0]'],
    ['check_pkt_larger(0x10)->reg0[3],output:1', 'check_pkt_larger(16)->NXM_NX_REG0[3],output:1'],
    ['check_pkt_larger(65535)->reg7[31]', 'check_pkt_larger(65535)->NXM_NX_REG7[31]'],
    ['check_pkt_larger(0)->metadata[63]', 'check_pkt_larger(0)->OXM_OF_METADATA[63]'],
  ])('%s prints as ovs-ofctl prints it: %s', (text, printed) => {
    expect(parseFlow(`actions=${text}`).actionsText).toBe(printed);
    expect(parseFlow(`actions=${printed}`).actionsText).toBe(printed);
  });

  it.each([
    ['actions=check_pkt_larger(1500)->reg0[0..1]', 33, 'Only 1-bit destination field is allowed'],
    ['actions=check_pkt_larger(1500)->reg0[]', 33, 'Only 1-bit destination field is allowed'],
    ['actions=check_pkt_larger(70000)->reg0[0]', 26, 'check_pkt_larger length "70000" is not an integer 0-65535'],
    ['actions=check_pkt_larger(abc)->reg0[0]', 26, 'check_pkt_larger length "abc" is not an integer 0-65535'],
    ['actions=check_pkt_larger(1500)', 9, "1500: missing `->'"],
    ['actions=check_pkt_larger(1500)->', 31, "1500)->: missing field name following `->'"],
    ['actions=check_pkt_larger(1500)->nw_proto[0]', 33, 'destination field nw_proto is not writable (OVS refuses: OFPBAC_BAD_SET_ARGUMENT)'],
    ['actions=write_actions(check_pkt_larger(1500)->reg0[0])', 23, 'check_pkt_larger is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
  ])('refuses %s at column %i: %s', (flow, column, reason) => {
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });

  it('compares the length the packet has then, Ethernet padding left out, and writes 1 only when it is longer', () => {
    const b = new Bridge('br0', ports);
    b.addFlow('in_port=1,actions=check_pkt_larger(100)->reg0[5],resubmit(,1)');
    b.addFlow('in_port=2,actions=push_vlan:0x8100,check_pkt_larger(100)->reg0[5],resubmit(,1)');
    b.addFlow('table=1,reg0=0x20,actions=output:3');
    b.addFlow('table=1,reg0=0,actions=output:4');
    const raw = (n: number) => new Uint8Array(n);
    expect([99, 100, 101].map((n) => b.process(1, raw(n)).outputs.map((o) => o.port))).toEqual([[4], [4], [3]]);
    // A push before it counts: 97 bytes and a tag are 101.
    expect([96, 97].map((n) => b.process(2, raw(n)).outputs.map((o) => o.port))).toEqual([[4], [3]]);
    // A 60-byte UDP frame of 46 IP bytes carries no padding; one of 28 IP bytes carries 18, which do not count.
    const udp = (payload: number) => encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }, { layer: 'payload', data: new Uint8Array(payload) }]);
    const small = udp(0);
    const padded = new Uint8Array(200);
    padded.set(small);
    b.addFlow('in_port=3,actions=check_pkt_larger(42)->reg0[5],resubmit(,1)');
    expect(small.length).toBe(42);
    expect(b.process(3, padded).outputs.map((o) => o.port)).toEqual([4]);
    expect(b.process(3, udp(1)).outputs.map((o) => o.port)).toEqual([]);
    const trace = b.process(1, raw(101), 0, true).trace;
    expect(trace.slice(0, 3)).toEqual([' 0. in_port=1, priority 32768', '    check_pkt_larger(100)->NXM_NX_REG0[5]', '     -> NXM_NX_REG0[5] is now 0x1']);
  });

  it('encodes as NXAST_CHECK_PKT_LARGER (24 bytes: subtype 49, length, offset, the NXM header, zeros) and reads back', () => {
    expect(body('actions=check_pkt_larger(1500)->NXM_NX_REG0[3]')).toBe('003105dc000300010004000000000000');
    expect(body('actions=check_pkt_larger(16)->NXM_OF_IP_TOS[0]')).toBe('00310010000000000a01000000000000');
    expect(decode('003105dc000300010004000000000000')).toEqual(parseFlow('actions=check_pkt_larger(1500)->reg0[3]').actions[0]);
  });

  it.each([
    ['a non-zero pad', '003105dc000300010004000000000001', 'padding'],
    ['a read-only field (nw_proto)', '003105dc000000000c01000000000000', 'not writable'],
    ['a bit past the field', '003105dc002000010004000000000000', 'destination'],
  ])('refuses the bytes of %s', (_name, bytes, words) => {
    expect(() => decode(bytes)).toThrow(OpenFlowError);
    expect(() => decode(bytes)).toThrow(words);
  });
});

describe('sample(…)', () => {
  it.each([
    ['sample(probability=65535,collector_set_id=1)', 'sample(probability=65535,collector_set_id=1,obs_domain_id=0,obs_point_id=0)'],
    ['sample(probability=10,sampling_port=2,egress)', 'sample(probability=10,collector_set_id=0,obs_domain_id=0,obs_point_id=0,sampling_port=2,egress)'],
    ['sample(probability=10,collector_set_id=3,sampling_port=LOCAL,ingress)', 'sample(probability=10,collector_set_id=3,obs_domain_id=0,obs_point_id=0,sampling_port=LOCAL,ingress)'],
    ['sample(probability=0x10,obs_domain_id=0x10,obs_point_id=7)', 'sample(probability=16,collector_set_id=0,obs_domain_id=16,obs_point_id=7)'],
    ['sample(ingress,egress,probability=1)', 'sample(probability=1,collector_set_id=0,obs_domain_id=0,obs_point_id=0,egress)'],
  ])('%s prints as ovs-ofctl prints it: %s', (text, printed) => {
    expect(parseFlow(`actions=${text}`).actionsText).toBe(printed);
    expect(parseFlow(`actions=${printed}`).actionsText).toBe(printed);
  });

  it.each([
    ['actions=sample(collector_set_id=1)', 16, 'non-zero "probability" must be specified on sample'],
    ['actions=sample(probability=0)', 28, 'invalid probability value "0"'],
    ['actions=sample(probability=65536)', 28, 'probability "65536" is not an integer 0-65535'],
    ['actions=sample(probability=10,foo=1)', 31, 'invalid key "foo" in "sample" argument'],
    ['actions=sample(probability=10,collector_set_id=)', 48, 'missing required numeric argument'],
    ['actions=sample(probability=10,collector_set_id)', 31, 'missing required numeric argument'],
    ['actions=sample(probability=10,sampling_port=p9)', 45, 'p9: unknown port'],
    ['actions=write_actions(sample(probability=1))', 23, 'sample is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
  ])('refuses %s at column %i: %s', (flow, column, reason) => {
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });

  it('forwards as if it were not there, and counts the packets it picks by collector set, from the seeded random source', () => {
    const run = () => {
      const b = new Bridge('br0', ports);
      b.addFlow('in_port=1,actions=sample(probability=65535,collector_set_id=7),sample(probability=16384,collector_set_id=8),output:2');
      const outs = Array.from({ length: 1000 }, () => b.process(1, new Uint8Array(60)).outputs.map((o) => o.port));
      return { outs, samples: [...b.pipeline.samples] };
    };
    const first = run();
    expect(first.outs.every((o) => o.length === 1 && o[0] === 2)).toBe(true);
    expect(first.samples[0]).toEqual([7, 1000]);
    // A quarter, give or take, and the same count on every run.
    expect(first.samples[1]![1]).toBeGreaterThan(200);
    expect(first.samples[1]![1]).toBeLessThan(300);
    expect(run().samples).toEqual(first.samples);
    // ofproto/trace without --generate changes nothing: no draw, no count.
    const b = new Bridge('br0', ports);
    b.addFlow('actions=sample(probability=65535,collector_set_id=7)');
    b.process(1, new Uint8Array(60), 0, true, undefined, false);
    expect(b.pipeline.samples.size).toBe(0);
  });

  it('encodes as OVS does: NXAST_SAMPLE, SAMPLE2 with a sampling port, SAMPLE3 with a direction; and reads each back', () => {
    expect(body('actions=sample(probability=10,collector_set_id=3,obs_domain_id=16,obs_point_id=7)')).toBe('001d000a000000030000001000000007');
    expect(body('actions=sample(probability=10,sampling_port=2)')).toBe('0026000a0000000000000000000000000002000000000000');
    expect(body('actions=sample(probability=10,sampling_port=LOCAL,ingress)')).toBe('0029000a000000000000000000000000fffe010000000000');
    for (const text of ['sample(probability=10,collector_set_id=3,obs_domain_id=16,obs_point_id=7)', 'sample(probability=10,sampling_port=2)', 'sample(probability=10,sampling_port=LOCAL,ingress)', 'sample(probability=1,egress)']) {
      expect(decode(body(`actions=${text}`))).toEqual(parseFlow(`actions=${text}`).actions[0]);
    }
  });

  it.each([
    ['probability 0 (SAMPLE)', '001d0000000000030000001000000007', 'probability 0'],
    ['probability 0 (SAMPLE3)', '00290000000000000000000000000000fffe010000000000', 'probability 0'],
    ['a direction OVS does not know', '0029000a000000000000000000000000fffe030000000000', 'invalid sample direction 3'],
    ['SAMPLE3 with a non-zero pad', '0029000a000000000000000000000000fffe010000000001', 'zeros'],
  ])('refuses the bytes of %s', (_name, bytes, words) => {
    expect(() => decode(bytes)).toThrow(OpenFlowError);
    expect(() => decode(bytes)).toThrow(words);
  });

  it('is refused in an action set on the wire too', () => {
    expect(() => decode('001d000a000000030000001000000007', true)).toThrow('action set');
  });
});
