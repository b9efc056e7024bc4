/**
 * Meters over OpenFlow 1.3: METER_MOD bytes as ovs-ofctl sends them, applied by a switch's agent
 * with Open vSwitch 3.1's errors in OVS's order, the METER, METER_CONFIG and METER_FEATURES
 * replies from the switch's meter table, and the meter instruction in flows both ways.
 * test/interop/openflow-meters-ovs.test.ts checks the same against a real ovs-vswitchd.
 */
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/sim/network.js';
import { SwitchNode } from '../../src/switch/node.js';
import { SwitchAgent, type Transport } from '../../src/openflow/agent.js';
import { decodeMessage, encodeMessage, OFPMC, OFPRR, type MessageOf, type OfMessage } from '../../src/openflow/messages.js';
import { OFPBIC, OFPBRC, OFPET, OFPMMFC } from '../../src/openflow/errors.js';
import { ruleFrom } from '../../src/openflow/flows.js';
import { toHex } from '../../src/index.js';
import type { OfMeterBand } from '../../src/openflow/structs.js';

/** A switch p1-p3 with its agent, and one controller connection whose messages are kept. */
function connected() {
  const net = new Network(1);
  const node = net.add(new SwitchNode(net, { kind: 'switch', name: 'br0', ports: [1, 2, 3].map((n) => ({ name: `p${n}`, ofport: n })), flows: [] }));
  const agent = new SwitchAgent(node);
  const sent: OfMessage[] = [];
  const transport: Transport = { send: (bytes) => (sent.push(decodeMessage(bytes)), true), close: () => undefined, label: 'test' };
  const c = agent.connect(transport, 'controller');
  c.receive(encodeMessage({ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << 4] }] }));
  const send = (m: OfMessage | string): OfMessage[] => {
    sent.length = 0;
    c.receive(typeof m === 'string' ? Buffer.from(m, 'hex') : encodeMessage(m));
    return [...sent];
  };
  return { node, send };
}

const drop = (rate: number, burstSize = 0): OfMeterBand => ({ type: 'drop', rate, burstSize });
const meterMod = (over: Partial<MessageOf<'meter_mod'>> = {}): OfMessage => ({ type: 'meter_mod', xid: 9, command: OFPMC.ADD, flags: 1, meterId: 1, bands: [drop(1000)], ...over });
/** The ERROR a request gets, as type/code; 'none' when it is taken silently. */
const answer = (send: (m: OfMessage | string) => OfMessage[], m: OfMessage | string) => {
  const replies = send(m);
  const e = replies.find((r) => r.type === 'error');
  return e === undefined ? 'none' : `${e.errorType}/${e.code}`;
};
const mmf = (code: number) => `${OFPET.METER_MOD_FAILED}/${code}`;

/** add-meter `meter=2 kbps burst stats bands=type=drop rate=2000 burst_size=300` (xid 2): OVS 3.1's `ovs-ofctl ofp-print` reads these bytes so (test/interop/openflow-meters-tshark.test.ts). */
const ADD_METER_2 = '041d002000000002' + '0000000d00000002' + '00010010000007d00000012c00000000';

describe('METER_MOD', () => {
  it('ovs-ofctl\'s bytes decode to the meter, and the codec writes the same bytes', () => {
    const m = decodeMessage(Buffer.from(ADD_METER_2, 'hex'));
    expect(m).toEqual({ type: 'meter_mod', xid: 2, command: 0, flags: 13, meterId: 2, bands: [{ type: 'drop', rate: 2000, burstSize: 300 }] });
    expect(toHex(encodeMessage(m))).toBe(ADD_METER_2);
    const remark = encodeMessage(meterMod({ xid: 3, meterId: 5, bands: [{ type: 'dscp_remark', rate: 100, burstSize: 0, precLevel: 1 }] }));
    expect(toHex(remark)).toBe('041d002000000003' + '0000000100000005' + '0002001000000064000000000' + '1000000');
  });

  it('adds the meter: METER_CONFIG, METER and METER_FEATURES answer from the table, exact bytes', () => {
    const { send } = connected();
    expect(send(ADD_METER_2)).toEqual([]);
    expect(send(meterMod({ meterId: 0xfffffffe, flags: 2, bands: [drop(50, 5), { type: 'dscp_remark', rate: 20, burstSize: 0, precLevel: 2 }] }))).toEqual([]);
    // METER_CONFIG of every meter (OFPM_ALL), by id: burst_size 0 reads as the rate, as OVS stores it.
    const [config] = send('04120018000000070' + '00a000000000000ffffffff00000000');
    expect(toHex(encodeMessage(config!))).toBe(
      '0413005000000007000a000000000000' + '0018000d00000002' + '00010010000007d00000012c00000000' + '00280002fffffffe' + '00010010000000320000000500000000' + '00020010000000140000001402000000',
    );
    // METER stats of meter 2: no packets yet, no flow, duration 0 (virtual time), one band.
    const [stats] = send('0412001800000008000900000000000000000002' + '00000000');
    expect(toHex(encodeMessage(stats!))).toBe('0413004800000008000900000000000000000002' + '0038000000000000' + '00000000' + '0000000000000000' + '0000000000000000' + '0000000000000000' + '0000000000000000' + '0000000000000000');
    // METER_FEATURES: OVS's userspace limits (262144 meters, 8 bands, kbps pktps burst stats); drop and dscp_remark bands.
    const [features] = send('04120010000000090' + '00b000000000000');
    expect(toHex(encodeMessage(features!))).toBe('04130020000000090' + '00b000000000000' + '00040000' + '00000006' + '0000000f' + '0800' + '0000');
  });

  it('refuses as OVS 3.1 does, in its order', () => {
    const { send } = connected();
    expect(answer(send, meterMod())).toBe('none');
    const cases: [string, OfMessage | string, string][] = [
      ['a command that is none of add, modify, delete', meterMod({ command: 3 }), mmf(OFPMMFC.BAD_COMMAND)],
      ['kbps and pktps both', meterMod({ meterId: 2, flags: 3 }), mmf(OFPMMFC.BAD_FLAGS)],
      ['an experimenter band', meterMod({ meterId: 2, bands: [{ type: 'experimenter', rate: 1, burstSize: 0, experimenter: 0x2320, body: new Uint8Array(0) }] }), mmf(OFPMMFC.BAD_BAND)],
      ['a band type OpenFlow 1.3 lacks', meterMod({ meterId: 2, bands: [{ type: 'unknown', bandType: 3, rate: 1, burstSize: 0, body: new Uint8Array(4) }] }), mmf(OFPMMFC.BAD_BAND)],
      ['a band 8 bytes long', '041d0018000000090000000100000002' + '0001000800000001', `${OFPET.BAD_REQUEST}/${OFPBRC.BAD_LEN}`],
      ['a drop band 24 bytes long', '041d0028000000090000000100000002' + '00010018000000010000000000000000' + '0000000000000000', `${OFPET.BAD_REQUEST}/${OFPBRC.BAD_LEN}`],
      ['meter 0', meterMod({ meterId: 0 }), mmf(OFPMMFC.INVALID_METER)],
      ['OFPM_ALL', meterMod({ meterId: 0xffffffff }), mmf(OFPMMFC.INVALID_METER)],
      ['an id above OFPM_MAX that is no special meter', meterMod({ meterId: 0xffff0001 }), mmf(OFPMMFC.INVALID_METER)],
      ['nine bands', meterMod({ meterId: 2, bands: Array.from({ length: 9 }, () => drop(1)) }), mmf(OFPMMFC.OUT_OF_BANDS)],
      ['an id taken (before the flags are checked)', meterMod({ flags: 0x11 }), mmf(OFPMMFC.METER_EXISTS)],
      ['a flag OpenFlow 1.3 lacks', meterMod({ meterId: 2, flags: 0x11 }), mmf(OFPMMFC.BAD_FLAGS)],
      ['a rate of 0', meterMod({ meterId: 2, bands: [drop(0)] }), mmf(OFPMMFC.BAD_RATE)],
      ['modify a meter that does not exist', meterMod({ command: OFPMC.MODIFY, meterId: 7 }), mmf(OFPMMFC.UNKNOWN_METER)],
      ['METER stats of a meter that does not exist', { type: 'multipart_request', xid: 4, flags: 0, body: { kind: 'meter', meterId: 7 } }, mmf(OFPMMFC.UNKNOWN_METER)],
      ['a flow with meter 0', { type: 'flow_mod', xid: 5, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 1, bufferId: 0xffffffff, outPort: 0, outGroup: 0, flags: 0, match: [], instructions: [{ type: 'meter', meterId: 0 }] }, mmf(OFPMMFC.INVALID_METER)],
      ['a flow with a meter that does not exist', { type: 'flow_mod', xid: 5, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 1, bufferId: 0xffffffff, outPort: 0, outGroup: 0, flags: 0, match: [], instructions: [{ type: 'meter', meterId: 7 }] }, mmf(OFPMMFC.INVALID_METER)],
    ];
    expect(cases.map(([what, m]) => [what, answer(send, m)])).toEqual(cases.map(([what, , code]) => [what, code]));
    // Deleting a meter that does not exist, or meter 0, is no error; nothing changed meanwhile.
    expect(answer(send, meterMod({ command: OFPMC.DELETE, meterId: 42, bands: [] }))).toBe('none');
    expect(answer(send, meterMod({ command: OFPMC.DELETE, meterId: 0, bands: [] }))).toBe('none');
  });

  it('a flow with a meter: its stats carry the meter instruction first; deleting the meter removes the flow (FLOW_REMOVED reason delete, as OVS for 1.3)', () => {
    const { node, send } = connected();
    send(meterMod({ meterId: 3 }));
    const flowMod: OfMessage = {
      type: 'flow_mod', xid: 5, cookie: 0x77n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 9, bufferId: 0xffffffff, outPort: 0, outGroup: 0, flags: 1,
      match: [{ field: 'in_port', value: 1n }], instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0 }] }, { type: 'meter', meterId: 3 }],
    };
    expect(send(flowMod)).toEqual([]);
    // (A switch with no flows and no controller in its topology has NORMAL at priority 0.)
    const NORMAL = ' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL';
    expect(node.bridge.dumpFlows()).toBe(` cookie=0x77, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=9,in_port=1 actions=meter:3,output:2\n${NORMAL}`);
    const [flows] = send({ type: 'multipart_request', xid: 6, flags: 0, body: { kind: 'flow', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0x77n, cookieMask: 0xffn, match: [] } });
    expect(flows).toMatchObject({ body: { kind: 'flow', flows: [{ instructions: [{ type: 'meter', meterId: 3 }, { type: 'apply_actions', actions: [{ type: 'output', port: 2 }] }] }] } });
    const [stats] = send({ type: 'multipart_request', xid: 7, flags: 0, body: { kind: 'meter', meterId: 3 } });
    expect(stats).toMatchObject({ body: { kind: 'meter', meters: [{ meterId: 3, flowCount: 1 }] } });
    const removed = send(meterMod({ command: OFPMC.DELETE, meterId: 0xffffffff, bands: [] }));
    expect(removed).toMatchObject([{ type: 'flow_removed', reason: OFPRR.DELETE, cookie: 0x77n, priority: 9 }]);
    expect(node.bridge.dumpFlows()).toBe(NORMAL);
    expect(node.bridge.dumpMeters()).toBe('');
  });

  it('a datapath without meters (a tenant\'s virtual switch) keeps refusing: OUT_OF_METERS, and a meter instruction is INVALID_METER', () => {
    const rule = () => ruleFrom({ tableId: 0, priority: 1, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: [], instructions: [{ type: 'meter', meterId: 1 }] }, () => true);
    expect(rule).toThrow(expect.objectContaining({ ofp: { type: OFPET.METER_MOD_FAILED, code: OFPMMFC.INVALID_METER } }));
    // Instructions out of place are still the instruction errors they were.
    expect(() => ruleFrom({ tableId: 0, priority: 1, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: [], instructions: [{ type: 'meter', meterId: 1 }, { type: 'meter', meterId: 2 }] }, () => true, () => true))
      .toThrow(expect.objectContaining({ ofp: { type: OFPET.BAD_INSTRUCTION, code: OFPBIC.UNSUP_INST } }));
  });
});
