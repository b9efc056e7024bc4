/**
 * PORT_MOD on a netloom switch, as Open vSwitch 3.1 takes it: ovs-ofctl mod-port's bytes set the
 * port's config, PORT_STATUS goes out with OVS's bytes in OVS's order (fixtures from OVS 3.1.0,
 * test/interop/fixtures/openflow), the same errors, and each config bit changes forwarding where
 * OVS's ofproto-dpif-xlate.c changes it (openflow-portmod-ovs.test.ts shows it on ovs-vswitchd).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network, Node, type Frame, type Port } from '../../src/sim/network.js';
import { Link } from '../../src/sim/link.js';
import { OFPPC, SwitchNode } from '../../src/switch/node.js';
import { SwitchAgent, type Transport } from '../../src/openflow/agent.js';
import { decodeMessage, encodeMessage, OFPCR_ROLE, type MessageOf, type OfMessage } from '../../src/openflow/messages.js';
import { OFPBAC, OFPBRC, OFPET } from '../../src/openflow/errors.js';
import { encode, toHex } from '../../src/index.js';
import type { SwitchSpec } from '../../src/topology/types.js';

const DIR = join(import.meta.dirname, '../interop/fixtures/openflow');
const lines = (file: string) => readFileSync(join(DIR, file), 'utf8').split('\n');
/** The messages of a fixture session, `>` to the switch and `<` from it, as hex. */
const fixture = (file: string) => lines(file).filter((l) => /^[<>] [0-9a-f]+$/.test(l));
/** The PORT_STATUS messages OVS sent its controller after one `# ---` step of controller-session.hex. */
const statusAfter = (step: string) => {
  const all = lines('controller-session.hex');
  const from = all.indexOf(`# --- ${step}`) + 1;
  const to = all.findIndex((l, i) => i >= from && l.startsWith('# ---'));
  return all.slice(from, to).filter((l) => l.startsWith('< 040c')).map((l) => l.slice(2));
};

/** The fixtures' switch has OVS's datapath id, so netloom's port MACs are 02:54:32:10 and the port number. */
const DPID = 0xfedcba9876543210n;
/** OVS's MACs for p1, p2, p3 and LOCAL in the fixtures, and netloom's for the same ports. */
const MACS: [string, string][] = [['aa55aa550003', '025432100001'], ['aa55aa550001', '025432100002'], ['aa55aa550002', '025432100003'], ['aa55aa550000', '02543210fffe']];
const netloomMacs = (hex: string) => MACS.reduce((h, [theirs, ours]) => h.replaceAll(theirs, ours), hex);
const MOD_DOWN = netloomMacs(fixture('mod-port-down.hex').find((l) => l.startsWith('> 0410'))!.slice(2));
const MOD_UP = netloomMacs(fixture('mod-port-up.hex').find((l) => l.startsWith('> 0410'))!.slice(2));
const PORT_DESC_REQUEST = '0412001000000002000d000000000000';

/** Records what arrives; sends what it is told to, when the scheduler says. */
class Station extends Node {
  readonly got: Uint8Array[] = [];
  receive(_port: Port, frame: Frame): void {
    this.got.push(frame.bytes);
  }
  override onEvent(_kind: number, payload: unknown): void {
    this.ports[0]!.send(this.net.frame(payload as Uint8Array));
  }
}

const udp = (dstPort: number) =>
  encode([
    { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
    { layer: 'udp', srcPort: 1000, dstPort },
  ]);

const FLOWS = [
  'priority=10,in_port=1,actions=output:2',
  'priority=10,udp,in_port=2,tp_dst=9,actions=flood',
  'priority=10,udp,in_port=2,tp_dst=7,actions=group:1',
  'priority=10,in_port=3,actions=CONTROLLER:65535',
];
const GROUP = 'group_id=1,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:3,output:3';

/**
 * br0 with p1-p3 linked to stations h1-h3 (and a VXLAN port vx, number 5, with no underlay, if
 * asked), the flows and group above, and two connections to its agent:
 * `asker` sends the PORT_MODs, `other` only listens.
 */
function bridge(tunnel = false) {
  const net = new Network(1);
  const ports: SwitchSpec['ports'] = [1, 2, 3].map((n) => ({ name: `p${n}`, ofport: n }));
  if (tunnel) ports.push({ name: 'vx', ofport: 5, tunnel: { type: 'vxlan', remoteIp: '192.0.2.2', key: 5, dstPort: 4789 } });
  const node = net.add(new SwitchNode(net, { kind: 'switch', name: 'br0', datapathId: DPID, flows: [], ports }));
  node.bridge.addGroup(GROUP);
  for (const flow of FLOWS) node.bridge.addFlow(flow);
  const impair = { latency: 1000, jitter: 0, bandwidth: 0, queue: 100, mtu: 1500, loss: 0 };
  const stations = [1, 2, 3].map((n) => {
    const st = net.add(new Station(net, `h${n}`, 'host'));
    new Link(net, node.port(`p${n}`)!, st.addPort('eth0'), impair);
    return st;
  });
  const drops: string[] = [];
  net.recorder.add({ event: (e) => void (e.dir === 'drop' && drops.push(`${e.port ?? '-'} ${e.reason}: ${e.detail}`)) });
  const agent = new SwitchAgent(node);
  const connect = () => {
    const sent: string[] = [];
    const transport: Transport = { send: (bytes) => (sent.push(toHex(bytes)), true), close: () => undefined, label: 'test' };
    const c = agent.connect(transport, 'controller');
    c.receive(encodeMessage({ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << 4] }] }));
    sent.length = 0;
    return { c, sent, send: (m: OfMessage | string) => c.receive(typeof m === 'string' ? Buffer.from(m, 'hex') : encodeMessage(m)) };
  };
  const asker = connect();
  const other = connect();
  /** Sends a PORT_MOD from `asker`, runs the switch, and returns what each connection got as hex. */
  const portMod = (m: OfMessage | string) => {
    asker.sent.length = other.sent.length = 0;
    asker.send(m);
    net.scheduler.run();
    return { asker: [...asker.sent], other: [...other.sent] };
  };
  /** A frame into port `n`: where it went (station, bytes), the drops, and the PACKET_INs `other` got. */
  const probe = (n: number, bytes: Uint8Array) => {
    drops.length = other.sent.length = 0;
    net.scheduler.at(net.scheduler.now, stations[n - 1]!, 0, bytes);
    net.scheduler.run();
    const out: [string, string][] = [];
    for (const st of stations) out.push(...st.got.splice(0).map((b): [string, string] => [st.name, toHex(b)]));
    return { out, drops: [...drops], packetIns: other.sent.filter((h) => h.startsWith('040a')).length };
  };
  /** What the stations got since last asked. */
  const delivered = () => stations.flatMap((st) => st.got.splice(0).map((b) => [st.name, toHex(b)]));
  return { net, node, asker, other, portMod, probe, drops, delivered };
}

const mod = (portNo: number, hwAddr: string, config: number, mask: number): MessageOf<'port_mod'> => ({ type: 'port_mod', xid: 9, portNo, hwAddr, config, mask, advertise: 0 });
const P1 = '02:54:32:10:00:01';

describe('PORT_MOD, as Open vSwitch 3.1', () => {
  it('mod-port p1 down: the other connection gets OVS\'s two PORT_STATUS (PORT_DOWN with state 0, then LINK_DOWN); the asker only the second', () => {
    const { portMod, node } = bridge();
    const [first, second] = statusAfter('ovs-ofctl -O OpenFlow13 mod-port br0 p1 down').map(netloomMacs);
    expect(portMod(MOD_DOWN)).toEqual({ asker: [second], other: [first, second] });
    expect(node.portInfo()[0]).toMatchObject({ name: 'p1', config: OFPPC.PORT_DOWN, linkDown: true, live: false });
  });

  it('mod-port p1 up: OVS\'s two PORT_STATUS (config 0 still LINK_DOWN, then LIVE)', () => {
    const { portMod } = bridge();
    portMod(MOD_DOWN);
    const [first, second] = statusAfter('ovs-ofctl -O OpenFlow13 mod-port br0 p1 up').map(netloomMacs);
    expect(portMod(MOD_UP)).toEqual({ asker: [second], other: [first, second] });
  });

  it('PORT_DESC with p1 down is OVS\'s reply byte for byte but the MACs', () => {
    const { portMod, asker } = bridge();
    portMod(MOD_DOWN);
    asker.sent.length = 0;
    asker.send(PORT_DESC_REQUEST);
    const theirs = netloomMacs(fixture('mod-port-up.hex')[fixture('mod-port-up.hex').indexOf(`> ${PORT_DESC_REQUEST}`) + 1]!.slice(2));
    // OVS lists the ports in hash order, LOCAL first here; netloom by number, LOCAL last.
    const desc = decodeMessage(Buffer.from(asker.sent[0]!, 'hex')) as MessageOf<'multipart_reply'>;
    if (desc.body.kind !== 'port_desc') throw new Error('not a PORT_DESC reply');
    desc.body.ports.unshift(desc.body.ports.pop()!);
    expect(toHex(encodeMessage(desc))).toBe(theirs);
  });

  it('down then up before the link is read again: LIVE at once, as OVS\'s normalize_state, and no second message', () => {
    const { asker, other, net } = bridge();
    asker.send(MOD_DOWN);
    asker.send(MOD_UP);
    net.scheduler.run();
    const [downFirst] = statusAfter('ovs-ofctl -O OpenFlow13 mod-port br0 p1 down').map(netloomMacs);
    const [, upLast] = statusAfter('ovs-ofctl -O OpenFlow13 mod-port br0 p1 up').map(netloomMacs);
    expect({ asker: asker.sent, other: other.sent }).toEqual({ asker: [], other: [downFirst, upLast] });
  });

  it.each([
    { name: 'no-receive', config: OFPPC.NO_RECV, text: 'NO_RECV' },
    { name: 'no-forward', config: OFPPC.NO_FWD, text: 'NO_FWD' },
    { name: 'no-packet-in', config: OFPPC.NO_PACKET_IN, text: 'NO_PACKET_IN' },
  ])('mod-port p1 $name: one PORT_STATUS, to the other connection only, with config $text and the state kept', ({ config }) => {
    const { portMod } = bridge();
    const [, live] = statusAfter('ovs-ofctl -O OpenFlow13 mod-port br0 p1 up').map(netloomMacs);
    // Config is bytes 48-51 of the 80-byte PORT_STATUS.
    const expected = live!.slice(0, 96) + config.toString(16).padStart(8, '0') + live!.slice(104);
    expect(portMod(mod(1, P1, config, config))).toEqual({ asker: [], other: [expected] });
    expect(portMod(mod(1, P1, 0, config))).toEqual({ asker: [], other: [live] });
  });

  it.each([
    { name: 'no-flood (ovs-ofctl -O OpenFlow13 sends config 0, mask 0)', m: mod(1, P1, 0, 0) },
    { name: 'NO_FLOOD and NO_STP, bits OpenFlow 1.3 lacks', m: mod(1, P1, 0x12, 0x12) },
    { name: 'a bit set in config but not in mask', m: mod(1, P1, OFPPC.NO_RECV, 0) },
    { name: 'a bit already so', m: mod(1, P1, 0, OFPPC.NO_FWD) },
    { name: 'down on a tunnel port (OVS\'s tunnel netdevs refuse to go down)', m: mod(5, '02:54:32:10:00:05', OFPPC.PORT_DOWN, OFPPC.PORT_DOWN) },
  ])('$name: no change, no PORT_STATUS, no error', ({ m }) => {
    const { portMod, node } = bridge(true);
    expect(portMod(m)).toEqual({ asker: [], other: [] });
    expect(node.portInfo().map((p) => p.config)).toEqual([0, 0, 0, 0, 0]);
  });

  it('LOCAL can be set down, as OVS\'s br0: PORT_DOWN and LINK_DOWN in PORT_DESC', () => {
    const { portMod, node } = bridge();
    portMod(mod(0xfffffffe, '02:54:32:10:ff:fe', OFPPC.PORT_DOWN, OFPPC.PORT_DOWN));
    expect(node.portInfo().at(-1)).toMatchObject({ name: 'br0', config: OFPPC.PORT_DOWN, linkDown: true, live: false });
  });

  it('a link going down or up under a port set down changes nothing OpenFlow reports', () => {
    const { portMod, node, other, net } = bridge();
    portMod(MOD_DOWN);
    other.sent.length = 0;
    node.port('p1')!.link!.link.scheduleState(net.scheduler.now, false);
    net.scheduler.run();
    expect(other.sent).toEqual([]);
  });

  it.each([
    { name: 'a port the switch lacks: PORT_MOD_FAILED/BAD_PORT', m: mod(9, P1, 1, 1), error: { errorType: OFPET.PORT_MOD_FAILED, code: 0 } },
    { name: 'a reserved port other than LOCAL: PORT_MOD_FAILED/BAD_PORT', m: mod(0xfffffffb, P1, 1, 1), error: { errorType: OFPET.PORT_MOD_FAILED, code: 0 } },
    { name: 'another port\'s MAC: PORT_MOD_FAILED/BAD_HW_ADDR', m: mod(1, '02:54:32:10:00:02', 1, 1), error: { errorType: OFPET.PORT_MOD_FAILED, code: 1 } },
    { name: 'a port number OpenFlow 1.3 leaves unused: BAD_ACTION/BAD_OUT_PORT (OVS\'s ofputil_port_from_ofp11)', m: mod(0xff00, P1, 1, 1), error: { errorType: OFPET.BAD_ACTION, code: OFPBAC.BAD_OUT_PORT } },
  ])('refuses $name', ({ m, error }) => {
    const { portMod, node } = bridge();
    expect(portMod(m)).toEqual({ asker: [toHex(encodeMessage({ type: 'error', xid: 9, ...error, data: encodeMessage(m) }))], other: [] });
    expect(node.portInfo().map((p) => p.config)).toEqual([0, 0, 0, 0]);
  });

  it('refuses a PORT_MOD from a slave: BAD_REQUEST/IS_SLAVE', () => {
    const { portMod, asker } = bridge();
    asker.c.role = OFPCR_ROLE.SLAVE;
    const m = mod(1, P1, 1, 1);
    expect(portMod(m).asker).toEqual([toHex(encodeMessage({ type: 'error', xid: 9, errorType: OFPET.BAD_REQUEST, code: OFPBRC.IS_SLAVE, data: encodeMessage(m) }))]);
  });
});

describe('forwarding under each config bit, where OVS\'s xlate honours it', () => {
  const TO_2 = toHex(udp(5));
  const FLOOD = toHex(udp(9));
  const FF = toHex(udp(7));
  // p1 -> output:2; p2 tp_dst=9 -> flood; p2 tp_dst=7 -> ff group watching p1, then p3; p3 -> CONTROLLER.
  it.each([
    {
      name: 'none', config: 0,
      p1: { out: [['h2', TO_2]], drops: [] }, flood: { out: [['h1', FLOOD], ['h3', FLOOD]], drops: [] }, ff: { out: [['h1', FF]], drops: [] },
    },
    {
      name: 'NO_RECV: what arrives on p1 is dropped before the tables', config: OFPPC.NO_RECV,
      p1: { out: [], drops: ['p1 FLOW_DROP: p1 is set not to receive (OFPPC_NO_RECV)'] }, flood: { out: [['h1', FLOOD], ['h3', FLOOD]], drops: [] }, ff: { out: [['h1', FF]], drops: [] },
    },
    {
      name: 'NO_FWD: output to p1 is skipped, flood\'s included; p1 stays live for the ff group, so its bucket outputs nothing', config: OFPPC.NO_FWD,
      p1: { out: [['h2', TO_2]], drops: [] },
      flood: { out: [['h3', FLOOD]], drops: ['p1 FLOW_DROP: p1 is set not to forward (OFPPC_NO_FWD): output to it is skipped'] },
      ff: { out: [], drops: ['p1 FLOW_DROP: p1 is set not to forward (OFPPC_NO_FWD): output to it is skipped'] },
    },
    {
      name: 'PORT_DOWN: p1 neither receives nor sends, and the ff group fails over to p3', config: OFPPC.PORT_DOWN,
      p1: { out: [], drops: ['p1 LINK_DOWN: p1 is set down (OFPPC_PORT_DOWN): it receives nothing'] },
      flood: { out: [['h3', FLOOD]], drops: ['p1 LINK_DOWN: p1 is set down (OFPPC_PORT_DOWN): it sends nothing'] },
      ff: { out: [['h3', FF]], drops: [] },
    },
  ])('$name', ({ config, p1, flood, ff }) => {
    const { portMod, probe } = bridge();
    portMod(mod(1, P1, config, OFPPC.PORT_DOWN | OFPPC.NO_RECV | OFPPC.NO_FWD));
    expect(probe(1, udp(5))).toEqual({ ...p1, packetIns: 0 });
    expect(probe(2, udp(9))).toEqual({ ...flood, packetIns: 0 });
    expect(probe(2, udp(7))).toEqual({ ...ff, packetIns: 0 });
    // Set back, the port forwards as before.
    portMod(mod(1, P1, 0, OFPPC.PORT_DOWN | OFPPC.NO_RECV | OFPPC.NO_FWD));
    expect(probe(2, udp(9)).out).toEqual([['h1', FLOOD], ['h3', FLOOD]]);
  });

  it('NO_RECV: rx still counts what arrived (the port received it; the switch dropped it)', () => {
    const { portMod, probe, node } = bridge();
    portMod(mod(1, P1, OFPPC.NO_RECV, OFPPC.NO_RECV));
    probe(1, udp(5));
    expect(node.portInfo()[0]!.counters).toEqual({ rxPackets: 1, rxBytes: 42, txPackets: 0, txBytes: 0 });
  });

  it('NO_RECV: a PACKET_OUT with that in_port runs none of its actions, as OVS; from CONTROLLER it does', () => {
    const { portMod, asker, net, drops, delivered } = bridge();
    portMod(mod(1, P1, OFPPC.NO_RECV, OFPPC.NO_RECV));
    const packetOut = (inPort: number) => {
      asker.send({ type: 'packet_out', xid: 3, bufferId: 0xffffffff, inPort, actions: [{ type: 'output', port: 2, maxLen: 0 }], data: udp(5) });
      net.scheduler.run();
      return delivered();
    };
    expect(packetOut(1)).toEqual([]);
    expect(drops).toEqual(['- FLOW_DROP: p1 is set not to receive (OFPPC_NO_RECV)']);
    expect(packetOut(0xfffffffd)).toEqual([['h2', toHex(udp(5))]]);
  });

  it('NO_PACKET_IN: a CONTROLLER action still sends the packet in (OVS consults the bit only for OpenFlow 1.0 table misses)', () => {
    const { portMod, probe } = bridge();
    portMod(mod(3, '02:54:32:10:00:03', OFPPC.NO_PACKET_IN, OFPPC.NO_PACKET_IN));
    expect(probe(3, udp(5))).toEqual({ out: [], drops: [], packetIns: 1 });
  });

  it('NO_FWD on a tunnel port: nothing is encapsulated to it', () => {
    const { portMod, node, net, drops } = bridge(true);
    portMod(mod(5, '02:54:32:10:00:05', OFPPC.NO_FWD, OFPPC.NO_FWD));
    node.packetOut(0xfffd, [{ type: 'output', port: 5 }], udp(5));
    net.scheduler.run();
    expect(drops).toEqual(['- FLOW_DROP: vx is set not to forward (OFPPC_NO_FWD): output to it is skipped']);
  });
});
