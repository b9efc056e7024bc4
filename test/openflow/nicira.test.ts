/**
 * Nicira actions in OpenFlow 1.3 against Open vSwitch 3.1's bytes. Each case's hex is the
 * instructions `ovs-ofctl -O OpenFlow13 add-flow` sent ovs-vswitchd for the flow (captured
 * through a logging proxy on br0.mgmt; the ENCODINGS.md rows are among them): netloom writes the
 * same bytes for the flow as its own ovs-ofctl syntax reads it, and reads them back as the same
 * actions. The refusals are bytes sent to ovs-vswitchd 3.1 by hand, each with the error it
 * answered (test/interop/openflow-nicira-ovs.test.ts sends most of them to both switches again).
 */
import { describe, expect, it } from 'vitest';
import { parseFlow } from '../../src/switch/ofctl.js';
import { FIELDS } from '../../src/switch/fields.js';
import { Match, type Rule } from '../../src/switch/flow.js';
import { readActions, readInstructions, writeInstructions } from '../../src/openflow/actions.js';
import { Reader, Writer } from '../../src/openflow/bytes.js';
import { OFPBAC, OFPBMC, OFPET, OpenFlowError, type OfpErrorCode } from '../../src/openflow/errors.js';
import { actionsFromPacketOut, actionsToInstructions, bucketsFromOfp, matchToOxm, ruleFrom } from '../../src/openflow/flows.js';
import { actionFromNicira, niciraFor, NX_VENDOR_ID } from '../../src/openflow/nicira.js';
import { fromHex, toHex } from '../../src/index.js';

const hex = (s: string) => s.replace(/\s+/g, '');

/** The flow's instructions as netloom writes them. */
function emit(rule: Rule): string {
  const w = new Writer('flow_mod');
  writeInstructions(w, actionsToInstructions(rule.actions, rule.match), 'instructions');
  return toHex(w.finish());
}

/** Instructions read as a FLOW_MOD's, with the match and table of `flow` (its actions are not used). */
function read(flow: string, instructions: string): Rule {
  const parsed = parseFlow(flow);
  const bytes = fromHex(hex(instructions));
  const list = readInstructions(new Reader(bytes, 0, bytes.length, 'flow_mod', { type: OFPET.BAD_INSTRUCTION, code: 7 }), 'instructions');
  return ruleFrom({ tableId: parsed.table, priority: parsed.priority, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: matchToOxm(parsed.match), instructions: list }, () => true);
}

/** One action written by hand: padded to 8 bytes, its length field set to its length. */
function sized(action: string): string {
  const body = hex(action);
  const padded = body + '0'.repeat((16 - (body.length % 16)) % 16);
  return `${padded.slice(0, 4)}${(padded.length / 2).toString(16).padStart(4, '0')}${padded.slice(8)}`;
}

/** An apply_actions instruction holding `actions` (hex). */
function apply(actions: string, type = '0004'): string {
  const body = hex(actions);
  return `${type}${(8 + body.length / 2).toString(16).padStart(4, '0')}00000000${body}`;
}

/** learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]), its head (before flags) and its specs. */
const LEARN_HEAD = 'ffff0038 00002320 0010 0000 0000 8000 0000000000000000';
const LEARN_SPECS = '0030 00000406 0000 00000206 0000 1010 00000002 0000 0000';

/** Flows as ovs-ofctl -O OpenFlow13 add-flow sent them to ovs-vswitchd 3.1, and the instructions it sent. */
const OVS_FLOWS: [string, string][] = [
  ['actions=load:5->NXM_NX_REG0[],output:3', '0004003000000000 ffff0018000023200007001f000100040000000000000005 00000010000000030000000000000000'],
  ['actions=load:5->NXM_NX_REG0[0..7],output:3', '0004003000000000 ffff00180000232000070007000100040000000000000005 00000010000000030000000000000000'],
  ['actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:3', '0004003000000000 ffff00180000232000060030000000000000040600000206 00000010000000030000000000000000'],
  ['actions=resubmit(,2)', '0004001800000000 ffff001000002320000efff802000000'],
  ['actions=resubmit:3', '0004001800000000 ffff001000002320000e0003ff000000'],
  ['actions=resubmit(1,2)', '0004001800000000 ffff001000002320000e000102000000'],
  ['actions=output:NXM_NX_REG0[0..15]', '0004002000000000 ffff001800002320000f000f00010004ffff000000000000'],
  ['actions=output:NXM_NX_REG0[]', '0004002000000000 ffff001800002320000f001f00010004ffff000000000000'],
  ['actions=controller(reason=no_match)', '0004001800000000 ffff0010000023200014ffff00000000'],
  ['actions=controller(reason=no_match,max_len=100)', '0004001800000000 ffff0010000023200014006400000000'],
  ['actions=learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])',
    '0004004000000000 ffff003800002320001000000000800000000000000000000000010000000000003000000406000000000206000010100000000200000000'],
  ['actions=load:0x1->OXM_OF_METADATA[3]', '0004002000000000 ffff001800002320000700c0800004080000000000000001'],
  ['priority=100,in_port=1,actions=load:0x1->NXM_NX_REG0[],resubmit(,1)',
    '0004003000000000 ffff0018000023200007001f000100040000000000000001 ffff001000002320000efff801000000'],
  ['priority=90,in_port=2,actions=set_field:0x2->reg0,load:0xabc->NXM_NX_REG1[4..15],resubmit(,1)',
    '0004004000000000 00190010000100040000000200000000 ffff0018000023200007010b000102040000000000000abc ffff001000002320000efff801000000'],
  ['priority=80,ip,actions=move:NXM_OF_IP_SRC[]->NXM_NX_REG1[],move:NXM_OF_IP_DST[0..7]->NXM_NX_REG2[8..15],resubmit(,1)',
    '0004004800000000 ffff001800002320000600200000000000000e0400010204 ffff00180000232000060008000000080000100400010404 ffff001000002320000efff801000000'],
  ['priority=70,arp,arp_op=1,actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],load:0x2->NXM_OF_ARP_OP[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],in_port',
    '0004007800000000 ffff00180000232000060030000000000000040600000206 ffff00180000232000060030000000000001220600012406 ffff0018000023200007000f00001e020000000000000002 ffff0018000023200006002000000000000020040000220400000010fffffff80000000000000000'],
  ['priority=60,dl_vlan=10,actions=load:0x14->NXM_OF_VLAN_TCI[0..11],resubmit(,1)',
    '0004003000000000 ffff0018000023200007000b000008020000000000000014 ffff001000002320000efff801000000'],
  ['priority=20,ipv6,actions=move:NXM_NX_IPV6_SRC[]->NXM_NX_IPV6_DST[],load:0x12345->NXM_NX_IPV6_LABEL[],output:3',
    '0004004800000000 ffff00180000232000060080000000000001261000012810 ffff0018000023200007001300013604000000000001234500000010000000030000000000000000'],
  ['table=1,priority=5,actions=learn(table=10,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]),resubmit(,2)',
    '0004006800000000 ffff00500000232000100000012c0001000000000000000000000a0000000000000c00000802000000000802000000300000040600000000020600000810000000020000000100040000000000000000 ffff001000002320000efff802000000'],
  ['table=1,priority=4,ip,actions=learn(table=11,idle_timeout=60,cookie=0x7,eth_type=0x800,NXM_OF_IP_DST[]=NXM_OF_IP_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,2)',
    '0004005800000000 ffff0040000023200010003c00008000000000000000000700000b000000000020100800000006020000002000000e0400000000100400001010000000020000 ffff001000002320000efff802000000'],
  ['table=1,priority=3,actions=learn(table=12,in_port=99,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG1[16..31],load:0x5->NXM_NX_REG2[0..7])',
    '0004005800000000 ffff0050000023200010000000008000000000000000000000000c0000000000201000630000000200000030000004060000000002060000081000000002000000010204001028080005000104040000'],
  ['table=2,priority=1,ip,actions=dec_ttl,controller(reason=invalid_ttl,max_len=128)', '0004002000000000 0018000800000000 ffff0010000023200014008000000200'],
  ['table=3,priority=1,actions=output:NXM_NX_REG3[0..15],output:NXM_NX_REG2[]',
    '0004003800000000 ffff001800002320000f000f00010604ffff000000000000 ffff001800002320000f001f00010404ffff000000000000'],
  ['table=3,priority=3,icmp,actions=move:NXM_OF_ICMP_TYPE[]->NXM_NX_REG5[0..7],load:0->NXM_OF_ICMP_CODE[],resubmit(,4)',
    '0004004800000000 ffff001800002320000600080000000000001a0100010a04 ffff0018000023200007000700001c010000000000000000 ffff001000002320000efff804000000'],
  ['table=4,priority=1,ip,actions=move:NXM_OF_IP_TOS[]->NXM_NX_REG6[0..7],move:OXM_OF_IP_DSCP[]->NXM_NX_REG7[0..5],move:NXM_NX_TUN_IPV4_SRC[]->NXM_NX_TUN_IPV4_DST[],resubmit(,5)',
    '0004006000000000 ffff001800002320000600080000000000000a0100010c04 ffff00180000232000060006000000008000100100010e04 ffff001800002320000600200000000000013e0400014004 ffff001000002320000efff805000000'],
  // multipath, bundle and bundle_load: ovs-ofctl ofp-print reads these bytes back as the same text.
  ['actions=multipath(symmetric_l4,50,hrw,12,0,NXM_NX_REG0[0..3])', '0004002800000000 ffff002000002320000a0001003200000002000b000000000000000300010004'],
  ['actions=multipath(nw_dst,65535,iter_hash,65536,70000,NXM_NX_REG1[])', '0004002800000000 ffff002000002320000a0005ffff00000003ffff000111700000001f00010204'],
  ['actions=bundle(eth_src,0,hrw,ofport,members:1,2,3)', '0004003000000000 ffff002800002320000c000100000000000000020003000000000000000000000001000200030000'],
  ['actions=bundle_load(symmetric_l3,9,active_backup,ofport,NXM_NX_REG2[0..15],members:3,1,LOCAL)',
    '0004003000000000 ffff002800002320000d000000060009000000020003000f000104040000000000030001fffe0000'],
  ['actions=note:ab.cd,output:1,exit', '0004003800000000 ffff0010000023200008 abcd00000000 00000010000000010000000000000000 ffff0010000023200011 000000000000'],
  ['actions=output(port=2,max_len=100),output(port=LOCAL,max_len=14)', '0004002800000000 ffff0010000023200027 0002 00000064 ffff0010000023200027 fffe 0000000e'],
  ['actions=note:0102030405060708', '0004002000000000 ffff0018000023200008 0102030405060708000000000000'],
  ['actions=conjunction(1,1/2),conjunction(4294967295,3/64)', '0004002800000000 ffff0010000023200022 00 02 00000001 ffff0010000023200022 02 40 ffffffff'],
  ['tcp,actions=multipath(symmetric_l3l4+udp,7,modulo_n,3,0,NXM_OF_TCP_DST[4..5])', '0004002800000000 ffff002000002320000a 0003 0007 0000 0000 0002 00000000 0000 0101 00001402'],
];

/**
 * The fields the switch keeps in one place are named as the match says (tcp_dst or udp_dst), and
 * a masked set_field is REG_LOADs, one per run of mask bits: OVS reads those back as loads.
 */
const OVS_FLOWS_READ_AS: [string, string, string][] = [
  ['priority=50,tcp,actions=move:NXM_OF_TCP_SRC[]->NXM_OF_TCP_DST[],set_field:0x50/0xf0->tcp_dst,output:2',
    '0004004800000000 ffff00180000232000060010000000000000120200001402 ffff0018000023200007010300001402000000000000000500000010000000020000000000000000',
    'tcp,actions=move:NXM_OF_TCP_SRC[]->NXM_OF_TCP_DST[],load:0x5->NXM_OF_TCP_DST[4..7],output:2'],
  ['priority=40,udp,actions=move:NXM_OF_UDP_DST[]->NXM_NX_REG3[0..15],set_field:0x10/0xff->reg2,resubmit(1,3)',
    '0004004800000000 ffff00180000232000060010000000000000180200010604 ffff00180000232000070007000104040000000000000010 ffff001000002320000e000103000000',
    'udp,actions=move:NXM_OF_UDP_DST[]->NXM_NX_REG3[0..15],load:0x10->NXM_NX_REG2[0..7],resubmit(1,3)'],
  ['priority=30,ip,actions=set_field:10.0.0.0/255.0.0.0->ip_dst,load:0x3->NXM_NX_IP_ECN[],load:0x40->NXM_NX_IP_TTL[],output:1',
    '0004006000000000 ffff0018000023200007060700001004000000000000000a ffff00180000232000070001000138010000000000000003 ffff0018000023200007000700013a01000000000000004000000010000000010000000000000000',
    'ip,actions=load:0xa->NXM_OF_IP_DST[24..31],load:0x3->NXM_NX_IP_ECN[],load:0x40->NXM_NX_IP_TTL[],output:1'],
  ['priority=10,actions=set_field:0x5/0xff->metadata,load:0x1->OXM_OF_METADATA[63],load:0x7->NXM_NX_TUN_ID[0..15],resubmit:3',
    '0004006000000000 ffff00180000232000070007800004080000000000000005 ffff00180000232000070fc0800004080000000000000001 ffff0018000023200007000f000120080000000000000007 ffff001000002320000e0003ff000000',
    'actions=load:0x5->OXM_OF_METADATA[0..7],load:0x1->OXM_OF_METADATA[63],load:0x7->NXM_NX_TUN_ID[0..15],resubmit:3'],
  ['ipv6,actions=load:0x20010db8000000000000000000000001->NXM_NX_IPV6_SRC[]',
    '0004003800000000 ffff0018000023200007003f000126100000000000000001 ffff0018000023200007103f0001261020010db800000000',
    'ipv6,actions=load:0x1->NXM_NX_IPV6_SRC[0..63],load:0x20010db800000000->NXM_NX_IPV6_SRC[64..127]'],
  ['actions=set_field:0x5/0xff00ff->reg1',
    '0004003800000000 ffff00180000232000070007000102040000000000000005 ffff00180000232000070407000102040000000000000000',
    'actions=load:0x5->NXM_NX_REG1[0..7],load:0->NXM_NX_REG1[16..23]'],
];

describe('Nicira actions: the bytes Open vSwitch 3.1 writes', () => {
  it.each(OVS_FLOWS)('emit: %s', (flow, instructions) => {
    expect(emit(parseFlow(flow))).toBe(hex(instructions));
  });

  it.each(OVS_FLOWS)('parse: %s', (flow, instructions) => {
    const rule = read(flow, instructions);
    expect(rule.actions).toEqual(parseFlow(flow).actions);
    expect(emit(rule)).toBe(hex(instructions));
  });

  it.each(OVS_FLOWS_READ_AS)('emit and parse: %s', (flow, instructions, readAs) => {
    expect(emit(parseFlow(flow))).toBe(hex(instructions));
    const rule = read(flow, instructions);
    expect(rule.actions).toEqual(parseFlow(readAs).actions);
    expect(emit(rule)).toBe(hex(instructions));
  });

  it('emit: every switch field has the NXM (or OXM) header OVS names it by, and reads back as itself', () => {
    const reg0 = { field: FIELDS.find((f) => f.name === 'reg0')!, start: 0, bits: 1 };
    const headers = new Set<string>();
    for (const field of FIELDS) {
      const [action, ...more] = niciraFor({ type: 'move', src: { field, start: 0, bits: 1 }, dst: reg0 }, new Match(), 'actions[0]');
      expect(more).toEqual([]);
      const body = (action as { body: Uint8Array }).body;
      headers.add(toHex(body.subarray(8, 12)));
      expect(actionFromNicira(body, { structure: 'flow_mod', path: 'actions[0]', match: undefined, actionSet: false })).toEqual({ type: 'move', src: { field, start: 0, bits: 1 }, dst: reg0 });
    }
    expect(headers.size).toBe(FIELDS.length);
  });
});

/**
 * Bytes ovs-vswitchd 3.1 took that ovs-ofctl does not write, and what netloom writes back: the form
 * ovs-ofctl writes for the same action. OVS would echo the form it was sent; ovs-ofctl prints both
 * alike, except a masked REG_LOAD2, which it prints as set_field:0x5/0xff->metadata, and the
 * REG_LOAD netloom writes as load:0x5->OXM_OF_METADATA[0..7].
 */
const OVS_ONLY: [string, string, string, string, string][] = [
  // name, match, action bytes, the flow netloom reads them as, the bytes netloom writes for that
  ['NXAST_RESUBMIT (OpenFlow 1.0\'s, OVS prints resubmit:3)', 'actions=drop', 'ffff0010 00002320 0001 0003 00000000', 'actions=resubmit:3', 'ffff001000002320000e0003ff000000'],
  ['NXAST_REG_LOAD2 of a whole field (set_field:0x5->reg0)', 'actions=drop', 'ffff0018 00002320 0021 00010004 00000005 0000000000', 'actions=set_field:0x5->reg0', '00190010000100040000000500000000'],
  ['NXAST_REG_LOAD2 with a mask (set_field:0x5/0xff->metadata)', 'actions=drop', 'ffff0020 00002320 0021 80000510 0000000000000005 00000000000000ff 0000', 'actions=set_field:0x5/0xff->metadata',
    'ffff00180000232000070007800004080000000000000005'],
  ['NXAST_OUTPUT_REG2', 'actions=drop', 'ffff0018 00002320 0020 000f ffff 00010004 000000000000', 'actions=output:NXM_NX_REG0[0..15]', 'ffff001800002320000f000f00010004ffff000000000000'],
  ['NXAST_CONTROLLER2 with max_len and reason properties', 'actions=drop', 'ffff0020 00002320 0025 000000000000 0000 0006 0064 0000 0002 0005 00 000000',
    'actions=controller(reason=no_match,max_len=100)', 'ffff0010000023200014006400000000'],
  ['NXAST_CONTROLLER2, reason action (OVS prints CONTROLLER:100)', 'actions=drop', 'ffff0018 00002320 0025 000000000000 0000 0006 0064 0000', 'actions=controller(max_len=100)', '00000010fffffffd0064000000000000'],
  ['NXAST_LEARN2 without limit or result_dst', 'actions=drop',
    'ffff0040 00002320 002d 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 00000000 0000 0000 0030 00000406 0000 00000206 0000 1010 00000002 0000 0000',
    'actions=learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])',
    'ffff003800002320001000000000800000000000000000000000010000000000003000000406000000000206000010100000000200000000'],
  ['OXM_OF_SCTP_SRC in a move (ovs-ofctl\'s move:OXM_OF_SCTP_SRC[]->NXM_NX_REG4[0..15])', 'sctp,actions=drop', 'ffff00180000232000060010000000008000220200010804',
    'sctp,actions=move:OXM_OF_SCTP_SRC[]->NXM_NX_REG4[0..15]', 'ffff00180000232000060010000000008000220200010804'],
];

describe('Nicira actions: forms ovs-ofctl does not write', () => {
  it.each(OVS_ONLY)('%s', (_name, match, action, flow, written) => {
    const rule = read(match, apply(sized(action)));
    expect(rule.actions).toEqual(parseFlow(flow).actions);
    expect(emit(rule)).toBe(apply(written));
  });

  it('learn prints as OVS prints it: whole-field values in their own form, partial ones and loads in hex', () => {
    const specs = '2030 0011 2233 4455 00000206 0000 2010 0800 00000602 0000 2020 0a00 0001 00000e04 0000 2010 fff8 00000002 0000 200c ffff 00000802 0000 2808 00ab 00010004 0008';
    const rule = read('actions=drop', apply(sized(`ffff0000 00002320 0010 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 ${specs}`)));
    // What ovs-vswitchd 3.1 printed for these bytes (NXM_OF_VLAN_TCI[0..11]=0xffff: OVS keeps both bytes).
    expect(rule.actionsText).toBe('learn(table=1,eth_dst=00:11:22:33:44:55,eth_type=0x800,ip_src=10.0.0.1,in_port=IN_PORT,NXM_OF_VLAN_TCI[0..11]=0xffff,load:0xab->NXM_NX_REG0[8..15])');
  });

  it('a group bucket may output to a field, learn and send to the controller with a reason, as OVS\'s add-group takes them', () => {
    const bytes = fromHex(hex(`ffff001800002320000f000f00010004ffff000000000000 ffff0010000023200014ffff00000000 ${sized(`${LEARN_HEAD} 0000 01 00 0000 0000 ${LEARN_SPECS}`)}`));
    const actions = readActions(new Reader(bytes, 0, bytes.length, 'group_mod', { type: 2, code: 1 }), 'actions');
    const [bucket] = bucketsFromOfp([{ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions }]);
    expect(bucket!.actions).toEqual(parseFlow('actions=output:NXM_NX_REG0[0..15],controller(reason=no_match),learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])').actions);
  });

  it('a PACKET_OUT may resubmit and load', () => {
    const actions = readActions(new Reader(fromHex('ffff001000002320000efff801000000ffff0018000023200007001f000100040000000000000001'), 0, 40, 'packet_out', { type: 2, code: 1 }), 'actions');
    expect(actionsFromPacketOut(actions, 1, new Uint8Array(14), () => true)).toEqual(parseFlow('actions=resubmit(,1),load:1->NXM_NX_REG0[]').actions);
  });
});

const BAD_ACTION = (code: number): OfpErrorCode => ({ type: OFPET.BAD_ACTION, code });
const NX_ERROR = (code: number) => ({ type: OFPET.EXPERIMENTER, code, experimenter: NX_VENDOR_ID });

/** Bytes ovs-vswitchd 3.1 refused, with the error it sent: [name, match, instructions, error]. */
const OVS_REFUSALS: [string, string, string, OfpErrorCode][] = [
  ['resubmit: nonzero pad', 'actions=drop', apply('ffff001000002320000efff802000001'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['load: value wider than its bits', 'actions=drop', apply('ffff00180000232000070007000100040000000000000105'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['load: bits past the field\'s end', 'actions=drop', apply('ffff001800002320000707c7000100040000000000000005'), BAD_ACTION(OFPBAC.BAD_SET_LEN)],
  ['load: a header naming no field', 'actions=drop', apply('ffff0018000023200007000700050e040000000000000005'), BAD_ACTION(OFPBAC.BAD_SET_TYPE)],
  ['load: a header with the wrong length', 'actions=drop', apply('ffff00180000232000070007000100080000000000000005'), BAD_ACTION(OFPBAC.BAD_SET_TYPE)],
  ['load: eth_type is read-only', 'actions=drop', apply('ffff00180000232000070007000006020000000000000005'), BAD_ACTION(OFPBAC.BAD_SET_ARGUMENT)],
  ['load: ip_src without ip in the match', 'actions=drop', apply('ffff00180000232000070007000010040000000000000005'), BAD_ACTION(OFPBAC.MATCH_INCONSISTENT)],
  ['load: a masked header is its field (arp_op), which needs arp', 'actions=drop', apply('ffff0018000023200007000700001f040000000000000005'), BAD_ACTION(OFPBAC.MATCH_INCONSISTENT)],
  ['load: 32 bytes long', 'actions=drop', apply('ffff0020 00002320 0007 001f 00010004 0000000000000005 0000000000000000'), BAD_ACTION(OFPBAC.BAD_LEN)],
  ['load: 16 bytes long', 'actions=drop', apply('ffff0010 00002320 0007 000000000000'), BAD_ACTION(OFPBAC.BAD_LEN)],
  ['move: nonzero padding', 'actions=drop', apply('ffff0020 00002320 0006 0030 0000 0000 00000406 00000206 ffffffff 00000000'), NX_ERROR(4)],
  ['move: a header naming no field', 'actions=drop', apply('ffff0018 00002320 0006 0030 0000 0000 00009999 00000206'), { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_FIELD }],
  ['move: a masked header', 'actions=drop', apply('ffff0018 00002320 0006 0030 0000 0000 0000050c 00000206'), { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_MASK }],
  ['move: zero bits', 'actions=drop', apply('ffff0018 00002320 0006 0000 0000 0000 00000406 00000206'), BAD_ACTION(OFPBAC.BAD_SET_LEN)],
  ['move: ip_src without ip in the match', 'actions=drop', apply('ffff0018 00002320 0006 0020 0000 0000 00000e04 00010004'), BAD_ACTION(OFPBAC.MATCH_INCONSISTENT)],
  ['move: into eth_type', 'actions=drop', apply('ffff0018 00002320 0006 0010 0000 0000 00010004 00000602'), BAD_ACTION(OFPBAC.BAD_SET_ARGUMENT)],
  ['output_reg: nonzero zero bytes', 'actions=drop', apply('ffff001800002320000f000f00010004ffff000000000001'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['learn: table 255', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 ff 00 0000 0000 ${LEARN_SPECS}`)), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['learn: undefined flags', 'actions=drop', apply(sized(`${LEARN_HEAD} 0004 01 00 0000 0000 ${LEARN_SPECS}`)), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['learn: nonzero pad', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 01 0000 0000 ${LEARN_SPECS}`)), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['learn: destination type 3', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 00 0000 0000 1830 00000406 0000 00000206 0000 1010 00000002 0000 0000`)), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['learn: output of an immediate', 'ip,actions=drop', apply(sized('ffff0030 00002320 0010 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 3010 0005 0000 0000 0000 0000 0000 0000')),
    BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['learn: a source ip_src without ip in the match', 'actions=drop', apply(sized('ffff0030 00002320 0010 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 0020 00000e04 0000 00001004 0000 0000 0000 0000')),
    BAD_ACTION(OFPBAC.MATCH_INCONSISTENT)],
  ['learn: matching ip_dst in a learned flow that does not say ip', 'ip,actions=drop',
    apply(sized('ffff0030 00002320 0010 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 0020 00000e04 0000 00001004 0000 0000 0000 0000')), BAD_ACTION(OFPBAC.MATCH_INCONSISTENT)],
  ['learn: nonzero bytes after the last spec', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 00 0000 0000 0030 00000406 0000 00000206 0000 0000 0000 0000 0001`)), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['learn: a header naming no field', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 00 0000 0000 0030 00050406 0000 00000206 0000 1010 00000002 0000 0000`)), BAD_ACTION(OFPBAC.BAD_SET_TYPE)],
  ['learn: loading eth_type', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 00 0000 0000 0810 00000002 0000 00000602 0000 1010 00000002 0000 0000`)), BAD_ACTION(OFPBAC.BAD_SET_ARGUMENT)],
  ['learn: bits past the field\'s end', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 00 0000 0000 0031 00000406 0000 00000206 0000 1010 00000002 0000 0000`)), BAD_ACTION(OFPBAC.BAD_SET_LEN)],
  ['learn: zero bits', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 00 0000 0000 0800 00000002 0000 00010004 0000 0000 0000 0000 0000 0000 0000`)), BAD_ACTION(OFPBAC.BAD_SET_LEN)],
  ['learn2: nonzero pad2', 'actions=drop',
    apply(sized('ffff0040 00002320 002d 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 00000000 0000 0001 0030 00000406 0000 00000206 0000 1010 00000002 0000 0000')), NX_ERROR(11)],
  ['controller2: nonzero pad', 'actions=drop', apply('ffff0018 00002320 0025 000000000001 0000 0006 0064 0000'), NX_ERROR(4)],
  ['controller2: a property type it does not have', 'actions=drop', apply('ffff0018 00002320 0025 000000000000 0009 0006 0064 0000'), { type: OFPET.TABLE_FEATURES_FAILED, code: 2 }],
  ['controller2: a property longer than the action', 'actions=drop', apply('ffff0018 00002320 0025 000000000000 0000 0010 0064 0000'), { type: OFPET.TABLE_FEATURES_FAILED, code: 3 }],
  ['a subtype OVS does not define', 'actions=drop', apply('ffff0010000023200063000000000000'), BAD_ACTION(OFPBAC.BAD_EXP_TYPE)],
  ['NXAST_DEC_TTL, OpenFlow 1.0\'s only', 'ip,actions=drop', apply('ffff0010 00002320 0012 000000000000'), BAD_ACTION(OFPBAC.BAD_EXP_TYPE)],
  ['an experimenter that is not Nicira', 'actions=drop', apply('ffff0010 00002321 0007 000000000000'), BAD_ACTION(OFPBAC.BAD_EXPERIMENTER)],
  ['write_actions: learn', 'actions=drop', apply(sized(`${LEARN_HEAD} 0000 01 00 0000 0000 ${LEARN_SPECS}`), '0003'), BAD_ACTION(OFPBAC.BAD_TYPE)],
  ['write_actions: output_reg', 'actions=drop', apply('ffff001800002320000f000f00010004ffff000000000000', '0003'), BAD_ACTION(OFPBAC.BAD_TYPE)],
  ['write_actions: controller with a reason', 'actions=drop', apply('ffff0010000023200014ffff00000000', '0003'), BAD_ACTION(OFPBAC.BAD_TYPE)],
  ['multipath: hash fields 7', 'actions=drop', apply('ffff0020 00002320 000a 0007 0032 0000 0002 000b 00000000 0000 0003 00010004'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['multipath: algorithm 4', 'actions=drop', apply('ffff0020 00002320 000a 0001 0032 0000 0004 000b 00000000 0000 0003 00010004'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['multipath: 12 links into 3 bits', 'actions=drop', apply('ffff0020 00002320 000a 0001 0032 0000 0002 000b 00000000 0000 0002 00010004'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['multipath: into ip_src without ip in the match', 'actions=drop', apply('ffff0020 00002320 000a 0001 0032 0000 0002 000b 00000000 0000 001f 00000e04'), BAD_ACTION(OFPBAC.MATCH_INCONSISTENT)],
  ['multipath: into eth_type', 'actions=drop', apply('ffff0020 00002320 000a 0001 0032 0000 0002 000b 00000000 0000 000f 00000602'), BAD_ACTION(OFPBAC.BAD_SET_ARGUMENT)],
  ['multipath: 24 bytes long', 'actions=drop', apply('ffff0018 00002320 000a 0001 0032 0000 0002 000b 00000000'), BAD_ACTION(OFPBAC.BAD_LEN)],
  ['write_actions: multipath', 'actions=drop', apply('ffff0020 00002320 000a 0001 0032 0000 0002 000b 00000000 0000 0003 00010004', '0003'), BAD_ACTION(OFPBAC.BAD_TYPE)],
  ['bundle: a CONTROLLER member', 'actions=drop', apply('ffff0028 00002320 000c 0001 0000 0000 00000002 0002 0000 00000000 00000000 0001 fffd 00000000'), BAD_ACTION(OFPBAC.BAD_OUT_PORT)],
  ['bundle: member 0xff00', 'actions=drop', apply('ffff0028 00002320 000c 0001 0000 0000 00000002 0001 0000 00000000 00000000 ff00 000000000000'), BAD_ACTION(OFPBAC.BAD_OUT_PORT)],
  ['bundle: a destination', 'actions=drop', apply('ffff0028 00002320 000c 0001 0000 0000 00000002 0001 000f 00010004 00000000 0001 000000000000'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['bundle: algorithm 2', 'actions=drop', apply('ffff0028 00002320 000c 0002 0000 0000 00000002 0001 0000 00000000 00000000 0001 000000000000'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['bundle: member type eth_src', 'actions=drop', apply('ffff0028 00002320 000c 0001 0000 0000 00000406 0001 0000 00000000 00000000 0001 000000000000'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['bundle: nonzero reserved bytes', 'actions=drop', apply('ffff0028 00002320 000c 0001 0000 0000 00000002 0001 0000 00000000 00000001 0001 000000000000'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['bundle: 3 members with room for 0', 'actions=drop', apply('ffff0020 00002320 000c 0001 0000 0000 00000002 0003 0000 00000000 00000000'), BAD_ACTION(OFPBAC.BAD_LEN)],
  ['bundle_load: into 8 bits', 'actions=drop', apply('ffff0028 00002320 000d 0001 0000 0000 00000002 0001 0007 00010004 00000000 0001 000000000000'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['conjunction: 1 clause', 'actions=drop', apply('ffff0010 00002320 0022 00 01 00000001'), NX_ERROR(15)],
  ['conjunction: clause 2 of 2, counted from 0', 'actions=drop', apply('ffff0010 00002320 0022 02 02 00000001'), NX_ERROR(15)],
  ['conjunction: beside an output', 'actions=drop', apply('ffff0010 00002320 0022 00 02 00000001 00000010 00000002 ffff 000000000000'), NX_ERROR(15)],
  ['output_trunc: max_len 13', 'actions=drop', apply('ffff0010 00002320 0027 0002 0000000d'), BAD_ACTION(OFPBAC.BAD_ARGUMENT)],
  ['output_trunc: port 0xff00', 'actions=drop', apply('ffff0010 00002320 0027 ff00 00000040'), BAD_ACTION(OFPBAC.BAD_OUT_PORT)],
  ['write_actions: output_trunc', 'actions=drop', apply('ffff0010 00002320 0027 0002 00000040', '0003'), BAD_ACTION(OFPBAC.BAD_TYPE)],
  ['write_actions: conjunction', 'actions=drop', apply('ffff0010 00002320 0022 00 02 00000001', '0003'), BAD_ACTION(OFPBAC.BAD_TYPE)],
  ['write_actions: bundle_load', 'actions=drop', apply('ffff0028 00002320 000d 0001 0000 0000 00000002 0001 000f 00010004 00000000 0001 000000000000', '0003'), BAD_ACTION(OFPBAC.BAD_TYPE)],
];

function refusal(match: string, instructions: string): OpenFlowError {
  try {
    read(match, instructions);
  } catch (e) {
    if (e instanceof OpenFlowError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('Nicira actions: refusals', () => {
  it.each(OVS_REFUSALS)('%s: the error OVS sends', (_name, match, instructions, error) => {
    expect(refusal(match, instructions).ofp).toEqual(error);
  });

  it('write_actions may load, move and resubmit, as OVS\'s action set may', () => {
    const rule = read('actions=drop', apply('ffff0018000023200007001f000100040000000000000005 ffff001000002320000efff802000000', '0003'));
    expect(rule.actions).toEqual(parseFlow('actions=write_actions(load:5->NXM_NX_REG0[],resubmit(,2))').actions);
  });

  it.each([
    ['learn with fin_idle_timeout', apply(sized(`${LEARN_HEAD} 0000 01 00 000a 0000 ${LEARN_SPECS}`)), 'fin_idle_timeout and fin_hard_timeout'],
    ['learn with send_flow_rem', apply(sized(`${LEARN_HEAD} 0001 01 00 0000 0000 ${LEARN_SPECS}`)), 'send_flow_rem'],
    ['learn2 with a limit', apply(sized('ffff0040 00002320 002d 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 0000000a 0000 0000 0030 00000406 0000 00000206 0000 1010 00000002 0000 0000')), 'limit=10'],
    ['controller with a controller id', apply('ffff0010000023200014ffff00070000'), 'controller id 7'],
    ['controller2 with userdata', apply('ffff0018 00002320 0025 000000000000 0003 0005 aa 000000'), 'userdata'],
  ])('%s: OVS takes it, netloom\'s switch cannot hold it, so it is refused rather than dropped', (_name, instructions, what) => {
    const e = refusal('actions=drop', instructions);
    expect(e.ofp).toEqual(BAD_ACTION(OFPBAC.BAD_ARGUMENT));
    expect(e.message).toContain(`${what}: netloom's switch has no place for it`);
    expect(e.message).toMatch(/^flow_mod instructions\[0\]\.actions\[0\]: NXAST_/);
  });

  it('a controller reason OVS has no number for cannot be written', () => {
    // ovs-ofctl syntax refuses it already; a rule built in code reaches the encoder.
    expect(() => parseFlow('actions=controller(reason=later)')).toThrow(/unknown reason "later"/);
    const rule = parseFlow('actions=controller(reason=no_match)');
    rule.actions = [{ type: 'controller', maxLen: 65535, reason: 'later' }];
    expect(() => emit(rule)).toThrow(/controller reason "later" is not one of no_match, action, invalid_ttl, action_set, group, packet_out/);
  });
});

describe('OpenFlow 1.0 rewrites the match does not prove, written for OpenFlow 1.3', () => {
  it('writes mod_nw_src on an ARP flow as set_field to ipv4_src (it rewrites IPv4 only), not arp_spa', () => {
    expect(emit(parseFlow('arp,actions=mod_nw_src:1.2.3.4'))).toBe(hex('0004 0018 00000000 0019 0010 80001604 01020304 00000000'));
    expect(emit(parseFlow('arp,actions=set_field:1.2.3.4->arp_spa'))).toBe(hex('0004 0018 00000000 0019 0010 80002c04 01020304 00000000'));
  });
});
