/**
 * fin_timeout, as ovs-ofctl reads and prints it and as ovs-vswitchd runs it (xlate_fin_timeout,
 * ofproto_rule_reduce_timeouts): a TCP FIN or RST lowers the rule's timeouts, which then expire
 * it in virtual time. test/interop/actions-ovs.test.ts compares the timeouts ovs-ofctl dumps.
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';
import { actionsToInstructions } from '../../src/openflow/flows.js';
import { actionFromNicira } from '../../src/openflow/nicira.js';
import { encode } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const tcp = (flags: number) =>
  encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'tcp', srcPort: 5555, dstPort: 80, flags }]);
const udp = encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 5555, dstPort: 80 }]);
const S = 1e9;

describe('fin_timeout(idle_timeout=…,hard_timeout=…)', () => {
  it.each([
    ['tcp,actions=fin_timeout(idle_timeout=5,hard_timeout=10)', 'fin_timeout(idle_timeout=5,hard_timeout=10)'],
    ['tcp,actions=fin_timeout(hard_timeout=0x10),output:2', 'fin_timeout(hard_timeout=16),output:2'],
    ['tcp,actions=fin_timeout()', 'fin_timeout()'],
    ['tcp,actions=fin_timeout(idle_timeout=0,hard_timeout=3)', 'fin_timeout(hard_timeout=3)'],
  ])('%s prints as ovs-ofctl prints it: %s', (text, printed) => {
    expect(parseFlow(text).actionsText).toBe(printed);
    expect(parseFlow(`tcp,actions=${printed}`).actionsText).toBe(printed);
  });

  it('is taken without tcp in the match in plain mode (OpenFlow 1.0), refused in OpenFlow 1.1+', () => {
    expect(parseFlow('actions=fin_timeout(idle_timeout=5)', { protocols: 'OpenFlow10' }).actionsText).toBe('fin_timeout(idle_timeout=5)');
    expect(() => parseFlow('actions=fin_timeout(idle_timeout=5)', { protocols: 'OpenFlow13' })).toThrow('fin_timeout needs tcp in the match, as OVS requires for OpenFlow 1.1+ (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))');
  });

  it.each([
    ['tcp,actions=fin_timeout(idle_timeout=70000)', 38, 'idle_timeout "70000" is not an integer 0-65535'],
    ['tcp,actions=fin_timeout(foo=1)', 25, "invalid key 'foo' in 'fin_timeout' argument"],
    ['tcp,actions=fin_timeout:5', 25, "invalid key '5' in 'fin_timeout' argument"],
    ['tcp,actions=fin_timeout(idle_timeout)', 25, 'idle_timeout "" is not an integer 0-65535'],
    ['tcp,actions=write_actions(fin_timeout(idle_timeout=1))', 27, 'fin_timeout is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
  ])('refuses %s at column %i: %s', (flow, column, reason) => {
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });

  it('a FIN or RST lowers the timeouts of the rule that runs it (never raises them), and the rule expires in virtual time', () => {
    const b = new Bridge('br0', ports);
    b.addFlow('priority=10,tcp,actions=fin_timeout(idle_timeout=5,hard_timeout=30),resubmit(,1)');
    b.addFlow('priority=5,actions=output:2');
    b.addFlow('table=1,idle_timeout=3,actions=fin_timeout(idle_timeout=7,hard_timeout=8),output:3');
    const timeouts = () => b.pipeline.allRules().map((r) => [r.table, r.priority, r.idleTimeout, r.hardTimeout]);
    // SYN, ACK and UDP change nothing.
    b.process(1, tcp(0x02), 0);
    b.process(1, tcp(0x10), 0);
    b.process(1, udp, 0);
    expect(timeouts()).toEqual([[0, 10, 0, 0], [0, 5, 0, 0], [1, 32768, 3, 0]]);
    // A FIN: table 0's rule gets both, table 1's keeps its shorter idle timeout and gets the hard one.
    b.process(1, tcp(0x11), 1 * S);
    expect(timeouts()).toEqual([[0, 10, 5, 30], [0, 5, 0, 0], [1, 32768, 3, 8]]);
    // ofproto/trace without --generate changes nothing.
    const c = new Bridge('br0', ports);
    c.addFlow('tcp,actions=fin_timeout(idle_timeout=5)');
    c.process(1, tcp(0x04), 0, true, undefined, false);
    expect(c.pipeline.allRules()[0]!.idleTimeout).toBe(0);
    c.process(1, tcp(0x04), 0);
    expect(c.pipeline.allRules()[0]!.idleTimeout).toBe(5);
    // Idle since the RST at 0 s: gone at 5 s, not before.
    expect(c.pipeline.expire(4.999 * S)).toEqual([]);
    expect(c.pipeline.expire(5 * S).map((r) => r.actionsText)).toEqual(['fin_timeout(idle_timeout=5)']);
    // Table 1's rule: idle 3 s from the FIN at 1 s; table 0's: idle 5 s from it.
    expect(b.pipeline.expire(3.5 * S)).toEqual([]);
    expect(b.pipeline.expire(4 * S).map((r) => r.table)).toEqual([1]);
    expect(b.pipeline.expire(6 * S).map((r) => r.priority)).toEqual([10]);
  });

  it('encodes as NXAST_FIN_TIMEOUT (16 bytes: subtype 19, idle, hard, zeros) and reads back; without tcp in the match the switch refuses it', () => {
    const rule = parseFlow('tcp,actions=fin_timeout(idle_timeout=5,hard_timeout=300)');
    const [apply] = actionsToInstructions(rule.actions, rule.match);
    const body = apply?.type === 'apply_actions' && apply.actions[0]?.type === 'experimenter' ? apply.actions[0].body : new Uint8Array();
    expect(Buffer.from(body).toString('hex')).toBe('001300050' + '12c0000');
    expect(actionFromNicira(body, { structure: 'flow_mod', path: 'actions[0]', match: rule.match, actionSet: false })).toEqual(rule.actions[0]);
    expect(() => actionFromNicira(body, { structure: 'flow_mod', path: 'actions[0]', match: parseFlow('udp,actions=drop').match, actionSet: false })).toThrow('fin_timeout needs tcp in the match');
  });
});
