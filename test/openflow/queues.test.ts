/**
 * set_queue, enqueue and pop_queue, and the queue replies: ovs-ofctl text (parse, print, the
 * errors), what the pipeline does with the packet's queue, the OpenFlow 1.3 bytes Open vSwitch
 * 3.1 writes for them (`ovs-ofctl -O OpenFlow13 parse-flow` hexdumps), and QUEUE stats and
 * QUEUE_GET_CONFIG against a switch whose port declares queues.
 */
import { describe, expect, it } from 'vitest';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';
import { Pipeline } from '../../src/switch/pipeline.js';
import { SwitchPacket } from '../../src/switch/packet.js';
import { readInstructions, writeInstructions } from '../../src/openflow/actions.js';
import { Reader, Writer } from '../../src/openflow/bytes.js';
import { OFPET, OFPQOFC } from '../../src/openflow/errors.js';
import { actionsToInstructions, matchToOxm, ruleFrom } from '../../src/openflow/flows.js';
import { Network } from '../../src/sim/network.js';
import { Link } from '../../src/sim/link.js';
import { SwitchNode } from '../../src/switch/node.js';
import { SwitchAgent, type Transport } from '../../src/openflow/agent.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../../src/openflow/messages.js';
import { Host } from '../../src/hosts/host.js';
import { encode, fromHex, toHex } from '../../src/index.js';

const ports = new Map([['p1', 1], ['p2', 2]]);

describe('queue actions in ovs-ofctl syntax', () => {
  it.each([
    ['actions=set_queue:1,output:2', 'set_queue:1,output:2'],
    ['actions=set_queue(3)', 'set_queue:3'],
    ['actions=enqueue:2:1', 'enqueue:2:1'],
    ['actions=enqueue(p2,7)', 'enqueue:2:7'],
    ['in_port=1,actions=enqueue:IN_PORT:3', 'enqueue:IN_PORT:3'],
    ['actions=enqueue:LOCAL:1', 'enqueue:LOCAL:1'],
    ['actions=pop_queue,output:2', 'pop_queue,output:2'],
    ['actions=set_queue:4294967295', 'set_queue:4294967295'],
    ['actions=write_actions(set_queue:5,output:2)', 'write_actions(set_queue:5,output:2)'],
  ])('%s prints as %s', (flow, actions) => {
    expect(parseFlow(flow, { ports }).actionsText).toBe(actions);
  });

  it.each([
    ['actions=set_queue', 9, 'set_queue needs a queue id (set_queue:1)'],
    ['actions=set_queue:x', 19, 'set_queue "x" is not an integer 0-4294967295'],
    ['actions=set_queue:4294967296', 19, 'set_queue "4294967296" is not an integer 0-4294967295'],
    ['actions=enqueue:2', 17, '"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"'],
    ['actions=enqueue:foo:1', 17, 'foo: enqueue to unknown port'],
    ['actions=enqueue:65280:1', 17, 'enqueue:65280: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT): enqueue sends to a physical port, IN_PORT or LOCAL'],
    ['actions=enqueue:2:x', 19, 'enqueue queue "x" is not an integer 0-4294967295'],
    ['actions=pop_queue:1', 19, 'pop_queue takes no argument'],
    ['actions=write_actions(pop_queue,output:2)', 23, 'pop_queue is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
  ])('refuses %s at column %i', (flow, column, reason) => {
    let error: unknown;
    try {
      parseFlow(flow, { ports });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowSyntaxError);
    expect({ column: (error as FlowSyntaxError).column, reason: (error as FlowSyntaxError).reason }).toEqual({ column, reason });
  });
});

describe('the queue each output carries', () => {
  const queuesOf = (actions: string, table1?: string) => {
    const p = new Pipeline([1, 2, 3].map((n) => ({ number: n, name: `p${n}` })));
    p.add(parseFlow(`in_port=1,actions=${actions}`), 0);
    if (table1 !== undefined) p.add(parseFlow(`table=1,actions=${table1}`), 0);
    const frame = encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
    return p.process(new SwitchPacket(frame, 1), 0).outputs.map((o) => `${String(o.port)}@${o.queue}`);
  };

  it.each([
    ['output:2', [], ['2@0']],
    ['set_queue:5,output:2,output:3', [], ['2@5', '3@5']],
    ['set_queue:5,output:2,pop_queue,output:3', [], ['2@5', '3@0']],
    // OVS's xlate_enqueue_action: the queue for its own output only.
    ['set_queue:5,enqueue:2:1,output:3', [], ['2@1', '3@5']],
    ['enqueue:1:4', [], []],
    ['enqueue:IN_PORT:4', [], ['1@4']],
    // The action set runs the last set_queue before its output, whatever the order written.
    ['set_queue:2,output:3,write_actions(output:2,set_queue:7)', [], ['3@2', '2@7']],
    // The queue is flow state: it goes on through goto_table.
    ['set_queue:9,goto_table:1', 'output:3', ['3@9']],
  ] as const)('%s', (actions, table1, want) => {
    expect(queuesOf(actions, typeof table1 === 'string' ? table1 : undefined)).toEqual(want);
  });
});

/** Instructions `ovs-ofctl -O OpenFlow13 parse-flow` wrote (OVS 3.1): set_queue is OFPAT_SET_QUEUE, pop_queue NXAST_POP_QUEUE, enqueue all three. */
const OVS_BYTES: [string, string][] = [
  ['actions=set_queue:1,output:2', '0004 0020 00000000 0015 0008 00000001 0000 0010 00000002 0000 000000000000'],
  ['actions=pop_queue,output:2', '0004 0028 00000000 ffff 0010 00002320 0005 000000000000 0000 0010 00000002 0000 000000000000'],
  ['actions=enqueue:2:1', '0004 0030 00000000 0015 0008 00000001 0000 0010 00000002 ffff 000000000000 ffff 0010 00002320 0005 000000000000'],
  ['actions=write_actions(set_queue:3,output:2)', '0003 0020 00000000 0015 0008 00000003 0000 0010 00000002 0000 000000000000'],
];

describe('queue actions in OpenFlow 1.3', () => {
  it.each(OVS_BYTES)('%s: emit writes OVS\'s bytes', (flow, instructions) => {
    const rule = parseFlow(flow);
    const w = new Writer('flow_mod');
    writeInstructions(w, actionsToInstructions(rule.actions, rule.match), 'instructions');
    expect(toHex(w.finish())).toBe(instructions.replace(/\s+/g, ''));
  });

  it.each(OVS_BYTES)('%s: parse reads them as ovs-ofctl -O OpenFlow13 prints them', (flow, instructions) => {
    const bytes = fromHex(instructions.replace(/\s+/g, ''));
    const list = readInstructions(new Reader(bytes, 0, bytes.length, 'flow_mod', { type: OFPET.BAD_INSTRUCTION, code: 7 }), 'instructions');
    const rule = ruleFrom({ tableId: 0, priority: 0x8000, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: matchToOxm(parseFlow('actions=drop').match), instructions: list }, () => true);
    // enqueue comes back as the three actions it was written as, as from ovs-vswitchd.
    expect(rule.actionsText).toBe(flow === 'actions=enqueue:2:1' ? 'set_queue:1,output:2,pop_queue' : flow.slice('actions='.length));
  });
});

describe('QUEUE statistics and QUEUE_GET_CONFIG', () => {
  /** br0 with p1 (no queues) and p2 (queues 1, weight 3, and 2), p2 linked at 1 Mb/s to a host; a connected agent. */
  function connected() {
    const net = new Network(1);
    const node = net.add(new SwitchNode(net, {
      kind: 'switch', name: 'br0', flows: ['in_port=1,actions=set_queue:1,output:2'],
      ports: [{ name: 'p1', ofport: 1 }, { name: 'p2', ofport: 2, queues: [{ id: 1, weight: 3 }, { id: 2, weight: 1 }] }],
    }));
    const h = net.add(new Host(net, { kind: 'host', name: 'h', arpTimeout: 60e9, interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:09', ipv4: [], ipv6: [] }] }));
    new Link(net, node.port('p2')!, h.port('eth0')!, { latency: 0, jitter: 0, bandwidth: 1e6, queue: 10, mtu: 1500, loss: 0 });
    const agent = new SwitchAgent(node);
    const sent: OfMessage[] = [];
    const transport: Transport = { send: (bytes) => (sent.push(decodeMessage(bytes)), true), close: () => undefined, label: 'test' };
    const c = agent.connect(transport, 'controller');
    c.receive(encodeMessage({ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << 4] }] }));
    const send = (m: OfMessage): OfMessage[] => {
      sent.length = 0;
      c.receive(encodeMessage(m));
      return [...sent];
    };
    return { net, node, send };
  }
  const stats = (portNo: number, queueId: number): OfMessage => ({ type: 'multipart_request', xid: 5, flags: 0, body: { kind: 'queue', portNo, queueId } });

  it('lists each declared queue (and queue 0) with its counters: tx_errors are tail drops', async () => {
    const { net, node, send } = connected();
    const frame = encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:09' }, { layer: 'payload', data: new Uint8Array(111) }]);
    for (let k = 0; k < 12; k++) node.receive(node.port('p1')!, net.frame(frame));
    await net.run();
    const [reply] = send(stats(0xffffffff, 0xffffffff));
    expect(reply).toMatchObject({ type: 'multipart_reply', body: { kind: 'queue', queues: [
      { portNo: 2, queueId: 0, txPackets: 0n, txBytes: 0n, txErrors: 0n },
      { portNo: 2, queueId: 1, txPackets: 10n, txBytes: 1250n, txErrors: 2n },
      { portNo: 2, queueId: 2, txPackets: 0n, txBytes: 0n, txErrors: 0n },
    ] } });
    expect(send(stats(2, 2))).toMatchObject([{ body: { kind: 'queue', queues: [{ portNo: 2, queueId: 2 }] } }]);
    expect(send(stats(1, 0xffffffff))).toMatchObject([{ body: { kind: 'queue', queues: [] } }]);
  });

  it.each([
    ['a port that does not exist', 9, 0xffffffff, OFPQOFC.BAD_PORT],
    ['a queue the port does not have', 2, 7, OFPQOFC.BAD_QUEUE],
    ['a queue no port has', 0xffffffff, 7, OFPQOFC.BAD_QUEUE],
    ['a queue of a port without queues', 1, 0, OFPQOFC.BAD_QUEUE],
  ])('refuses %s as OVS does', (_what, port, queue, code) => {
    expect(connected().send(stats(port, queue))).toMatchObject([{ type: 'error', errorType: OFPET.QUEUE_OP_FAILED, code }]);
  });

  it('QUEUE_GET_CONFIG lists the port\'s queues, min_rate the share its weight guarantees (tenths of a percent)', () => {
    const { send } = connected();
    expect(send({ type: 'queue_get_config_request', xid: 6, port: 2 })).toEqual([{ type: 'queue_get_config_reply', xid: 6, port: 2, queues: [
      { queueId: 0, port: 2, properties: [{ type: 'min_rate', rate: 200 }] },
      { queueId: 1, port: 2, properties: [{ type: 'min_rate', rate: 600 }] },
      { queueId: 2, port: 2, properties: [{ type: 'min_rate', rate: 200 }] },
    ] }]);
    expect(send({ type: 'queue_get_config_request', xid: 7, port: 1 })).toEqual([{ type: 'queue_get_config_reply', xid: 7, port: 1, queues: [] }]);
    expect(send({ type: 'queue_get_config_request', xid: 8, port: 9 })).toMatchObject([{ type: 'error', errorType: OFPET.QUEUE_OP_FAILED, code: OFPQOFC.BAD_PORT }]);
  });
});
