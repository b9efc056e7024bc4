/**
 * Connection tracking against a real Open vSwitch (userspace conntrack on the dummy datapath,
 * test/interop/ovs.ts): the same stateful flow tables and the same packets in the same order
 * through netloom's bridge and ovs-vswitchd; the bytes leaving every port must be equal, packet
 * by packet. The tables mark what conntrack said in the packet (ct_state to the IP TOS... no:
 * to the destination MAC's last byte), so a wrong ct_state shows as wrong bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { packetFromFlow } from '../../src/switch/trace.js';
import { parseCtNext } from '../../src/switch/ct-syntax.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the conntrack differential tests: ${ovsMissingMessage()}`);

const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));
const A = '02:00:00:00:00:01';
const B = '02:00:00:00:00:02';
const IA = '10.0.0.1';
const IB = '10.0.0.2';

const tcp = (from: 'a' | 'b', flags: number, seq: number, ack: number, data = 0, window = 64240): Uint8Array =>
  encode([
    { layer: 'ethernet', src: from === 'a' ? A : B, dst: from === 'a' ? B : A },
    { layer: 'ipv4', src: from === 'a' ? IA : IB, dst: from === 'a' ? IB : IA },
    { layer: 'tcp', srcPort: from === 'a' ? 40000 : 80, dstPort: from === 'a' ? 80 : 40000, flags, seq, ack, window } as LayerSpec,
    ...(data > 0 ? [{ layer: 'payload', data: new Uint8Array(data).fill(0x61) } as LayerSpec] : []),
  ]);
const udp = (from: 'a' | 'b', dst?: string): Uint8Array =>
  encode([
    { layer: 'ethernet', src: from === 'a' ? A : B, dst: from === 'a' ? B : A },
    { layer: 'ipv4', src: from === 'a' ? IA : IB, dst: dst ?? (from === 'a' ? IB : IA) },
    { layer: 'udp', srcPort: from === 'a' ? 5000 : 53, dstPort: from === 'a' ? 53 : 5000 },
    { layer: 'payload', data: new Uint8Array(4).fill(1) },
  ]);
const ping = (from: 'a' | 'b', type: number): Uint8Array =>
  encode([
    { layer: 'ethernet', src: from === 'a' ? A : B, dst: from === 'a' ? B : A },
    { layer: 'ipv4', src: from === 'a' ? IA : IB, dst: from === 'a' ? IB : IA },
    { layer: 'icmp', type, id: 7, seq: 1 } as LayerSpec,
  ]);
/** Port unreachable from B about A's UDP datagram to it. */
const unreachable = (): Uint8Array => {
  const quoted = udp('a').subarray(14, 14 + 28);
  return encode([
    { layer: 'ethernet', src: B, dst: A },
    { layer: 'ipv4', src: IB, dst: IA },
    { layer: 'icmp', type: 3, code: 3 } as LayerSpec,
    { layer: 'payload', data: quoted },
  ]);
};

// Security-group style: from p1 (inside) new connections are committed; from p2 (outside) only
// replies and related packets come back; invalid ones are dropped. Every packet that passes
// carries its ct_state in its IP TOS-free place: the destination MAC's last byte.
const FIREWALL = [
  'table=0,priority=10,ip,actions=ct(table=1,zone=5)',
  'table=0,priority=0,actions=drop',
  'table=1,priority=100,ct_state=+inv+trk,actions=drop',
  'table=1,priority=90,in_port=1,ct_state=+new+trk,ip,actions=ct(commit,zone=5,exec(set_field:0x2a->ct_mark)),mod_dl_dst:02:00:00:00:00:21,output:2',
  'table=1,priority=80,in_port=1,ct_state=+est+trk,ct_mark=0x2a,ip,actions=mod_dl_dst:02:00:00:00:00:22,output:2',
  'table=1,priority=80,in_port=2,ct_state=+est+rpl+trk,ct_mark=0x2a,ip,actions=mod_dl_dst:02:00:00:00:00:2a,output:1',
  'table=1,priority=80,in_port=2,ct_state=+rel+trk,ip,actions=mod_dl_dst:02:00:00:00:00:24,output:1',
  'table=1,priority=70,in_port=2,ct_state=+new+trk,ip,actions=output:3',
  'table=1,priority=0,actions=output:4',
];

const SEQ_A = 1000;
const SEQ_B = 5000;
const HANDSHAKE = [
  { port: 1, bytes: tcp('a', 0x02, SEQ_A, 0) },
  { port: 2, bytes: tcp('b', 0x12, SEQ_B, SEQ_A + 1) },
  { port: 1, bytes: tcp('a', 0x10, SEQ_A + 1, SEQ_B + 1) },
  { port: 1, bytes: tcp('a', 0x18, SEQ_A + 1, SEQ_B + 1, 100) },
  { port: 2, bytes: tcp('b', 0x10, SEQ_B + 1, SEQ_A + 101) },
  // Far out of the window: +inv, dropped.
  { port: 2, bytes: tcp('b', 0x18, SEQ_B + 3_000_000, SEQ_A + 101, 10) },
  // An ACK for data never sent: +inv.
  { port: 1, bytes: tcp('a', 0x10, SEQ_A + 101, SEQ_B + 900_000) },
  // SYN+FIN: flags no stack sends.
  { port: 1, bytes: tcp('a', 0x03, SEQ_A + 101, 0) },
  { port: 1, bytes: tcp('a', 0x11, SEQ_A + 101, SEQ_B + 1) },
  { port: 2, bytes: tcp('b', 0x11, SEQ_B + 1, SEQ_A + 102) },
  { port: 1, bytes: tcp('a', 0x10, SEQ_A + 102, SEQ_B + 2) },
];

const CASES: { name: string; flows: string[]; packets: { port: number; bytes: Uint8Array }[] }[] = [
  { name: 'a stateful firewall: TCP handshake, data, out-of-window, bad flags, FIN', flows: FIREWALL, packets: HANDSHAKE },
  {
    name: 'a stateful firewall: an outside SYN is +new and not let in; RST ends the connection',
    flows: FIREWALL,
    packets: [
      { port: 2, bytes: tcp('b', 0x02, SEQ_B, 0) },
      { port: 1, bytes: tcp('a', 0x02, SEQ_A, 0) },
      { port: 2, bytes: tcp('b', 0x12, SEQ_B, SEQ_A + 1) },
      { port: 2, bytes: tcp('b', 0x14, SEQ_B + 1, SEQ_A + 1) },
      { port: 1, bytes: tcp('a', 0x10, SEQ_A + 1, SEQ_B + 1) },
    ],
  },
  {
    name: 'UDP both ways, an ICMP port unreachable related to it, and ICMP echo',
    flows: FIREWALL,
    packets: [
      { port: 2, bytes: udp('b') },
      { port: 1, bytes: udp('a') },
      { port: 1, bytes: udp('a') },
      { port: 2, bytes: udp('b') },
      { port: 2, bytes: unreachable() },
      { port: 1, bytes: ping('a', 8) },
      { port: 2, bytes: ping('b', 0) },
      { port: 2, bytes: ping('b', 8) },
    ],
  },
  {
    name: 'zones keep connections apart; ct_clear forgets the state',
    flows: [
      'table=0,in_port=1,ip,actions=ct(commit,zone=1),ct(table=1,zone=2)',
      'table=0,in_port=2,ip,actions=ct(table=1,zone=1)',
      'table=0,in_port=3,ip,actions=ct(table=1,zone=2)',
      'table=1,ct_state=+trk+new,actions=ct_clear,resubmit(,2)',
      'table=1,ct_state=+trk+est,ct_zone=1,actions=output:4',
      'table=1,ct_state=+trk+est,ct_zone=2,actions=output:1',
      'table=2,ct_state=0/0x20,actions=output:2',
    ],
    packets: [{ port: 1, bytes: udp('a') }, { port: 2, bytes: udp('b') }, { port: 3, bytes: udp('b') }],
  },
  {
    name: 'SNAT and DNAT, the replies un-NATed, ICMP errors about them with their quoted packets un-NATed too',
    flows: [
      'table=0,in_port=1,ip,actions=ct(commit,table=1,zone=9,nat(src=192.0.2.50))',
      'table=0,in_port=2,ip,actions=ct(table=1,zone=9,nat)',
      'table=0,in_port=3,ip,actions=ct(commit,table=1,zone=10,nat(dst=10.0.0.99:8080))',
      'table=0,in_port=4,ip,actions=ct(table=1,zone=10,nat)',
      'table=1,in_port=1,ct_state=+snat+trk,actions=output:2',
      'table=1,in_port=2,ct_state=+dnat+rpl+trk,actions=output:1',
      'table=1,in_port=3,ct_state=+dnat+trk,actions=output:4',
      'table=1,in_port=4,ct_state=+snat+rpl+trk,actions=output:3',
      'table=1,in_port=2,ct_state=+rel+trk,actions=output:1',
      'table=1,in_port=4,ct_state=+rel+trk,actions=output:3',
    ],
    packets: [
      { port: 1, bytes: tcp('a', 0x02, SEQ_A, 0) },
      { port: 2, bytes: encode([{ layer: 'ethernet', src: B, dst: A }, { layer: 'ipv4', src: IB, dst: '192.0.2.50' }, { layer: 'tcp', srcPort: 80, dstPort: 40000, flags: 0x12, seq: SEQ_B, ack: SEQ_A + 1 } as LayerSpec]) },
      { port: 1, bytes: udp('a') },
      { port: 2, bytes: encode([{ layer: 'ethernet', src: B, dst: A }, { layer: 'ipv4', src: IB, dst: '192.0.2.50' }, { layer: 'udp', srcPort: 53, dstPort: 5000 }, { layer: 'payload', data: new Uint8Array(4).fill(1) }]) },
      { port: 3, bytes: udp('a') },
      { port: 4, bytes: encode([{ layer: 'ethernet', src: B, dst: A }, { layer: 'ipv4', src: '10.0.0.99', dst: IA }, { layer: 'udp', srcPort: 8080, dstPort: 5000 }, { layer: 'payload', data: new Uint8Array(4).fill(1) }]) },
      // Port unreachable from the server about the SNATed datagram (it quotes 192.0.2.50:5000 -> 10.0.0.2:53).
      {
        port: 2,
        bytes: encode([
          { layer: 'ethernet', src: B, dst: A },
          { layer: 'ipv4', src: IB, dst: '192.0.2.50' },
          { layer: 'icmp', type: 3, code: 3 } as LayerSpec,
          { layer: 'payload', data: encode([{ layer: 'ipv4', src: '192.0.2.50', dst: IB }, { layer: 'udp', srcPort: 5000, dstPort: 53 }, { layer: 'payload', data: new Uint8Array(4).fill(1) }]).subarray(0, 28) },
        ]),
      },
      // Port unreachable from the DNAT target about the datagram it got (10.0.0.1:5000 -> 10.0.0.99:8080).
      {
        port: 4,
        bytes: encode([
          { layer: 'ethernet', src: B, dst: A },
          { layer: 'ipv4', src: '10.0.0.99', dst: IA },
          { layer: 'icmp', type: 3, code: 3 } as LayerSpec,
          { layer: 'payload', data: encode([{ layer: 'ipv4', src: IA, dst: '10.0.0.99' }, { layer: 'udp', srcPort: 5000, dstPort: 8080 }, { layer: 'payload', data: new Uint8Array(4).fill(1) }]).subarray(0, 28) },
        ]),
      },
    ],
  },
  {
    name: 'ct_mark and ct_label set at commit, matched after, and resubmit(,N,ct) on the original tuple',
    flows: [
      'table=0,in_port=1,ip,actions=ct(commit,table=1,exec(set_field:0x5->ct_mark,load:0xabcdef->NXM_NX_CT_LABEL[64..87]))',
      'table=0,in_port=2,ip,actions=ct(table=1)',
      'table=1,ct_mark=0x5,ct_label=0xabcdef0000000000000000/0xffffff0000000000000000,ct_state=+trk+rpl,ip,actions=resubmit(,2,ct)',
      'table=1,priority=0,actions=output:3',
      'table=2,udp,nw_src=10.0.0.1,tp_dst=53,actions=output:1',
      'table=2,priority=0,actions=output:4',
    ],
    packets: [{ port: 1, bytes: udp('a') }, { port: 2, bytes: udp('b') }],
  },
];

/** Flows ovs-ofctl encodes and ovs-vswitchd refuses when it decodes them; netloom refuses them when parsing. */
const REFUSED_BY_THE_SWITCH = [
  'ct_nw_src=10.0.0.1,actions=drop',
  'ct_state=+trk,ct_nw_src=10.0.0.1,actions=drop',
  'ip,actions=ct(exec(set_field:1->ct_mark))',
  'ip,actions=ct(nat(src=10.0.0.1))',
  'ip,actions=ct(commit,zone=NXM_NX_REG0[0..7])',
  'ct_state=+rpl+trk,ct_nw_dst=10.0.0.0/8,actions=drop',
  'ct_state=+rpl+trk,ct_nw_dst=10.0.0.0/8,ipv6,actions=drop',
  'ct_state=+rpl+trk,ct_ipv6_dst=2001:db8::/64,actions=drop',
  'ct_state=+inv+trk,ip,actions=ct(commit),output:1',
];

describe.skipIf(!haveOvs())('connection tracking flows Open vSwitch refuses', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  it.each(REFUSED_BY_THE_SWITCH.flatMap((flow) => (['OpenFlow10', 'OpenFlow13'] as const).map((protocol) => ({ flow, protocol }))))('both refuse $flow ($protocol)', ({ flow, protocol }) => {
    ovs.delFlows();
    expect(() => ovs.addFlows([flow], protocol)).toThrow();
    expect(() => new Bridge('br0', ports, { protocols: protocol }).addFlow(flow)).toThrow(expect.objectContaining({ code: 'NETLOOM_FLOW_SYNTAX' }));
  });
});

// IPv6: a TCP handshake with window scaling (wscale 7 on the SYN, 2 on the SYN+ACK), data that is
// in the scaled window and data past it, and ICMPv6 echo.
const A6 = '2001:db8::1';
const B6 = '2001:db8::2';
const WSCALE = (shift: number) => new Uint8Array([1, 3, 3, shift]);
const tcp6 = (from: 'a' | 'b', flags: number, seq: number, ack: number, data = 0, window = 512, options?: Uint8Array): Uint8Array =>
  encode([
    { layer: 'ethernet', src: from === 'a' ? A : B, dst: from === 'a' ? B : A },
    { layer: 'ipv6', src: from === 'a' ? A6 : B6, dst: from === 'a' ? B6 : A6 } as LayerSpec,
    { layer: 'tcp', srcPort: from === 'a' ? 40000 : 443, dstPort: from === 'a' ? 443 : 40000, flags, seq, ack, window, ...(options && { options }) } as LayerSpec,
    ...(data > 0 ? [{ layer: 'payload', data: new Uint8Array(data).fill(0x62) } as LayerSpec] : []),
  ]);
const ping6 = (from: 'a' | 'b', type: number): Uint8Array =>
  encode([
    { layer: 'ethernet', src: from === 'a' ? A : B, dst: from === 'a' ? B : A },
    { layer: 'ipv6', src: from === 'a' ? A6 : B6, dst: from === 'a' ? B6 : A6 } as LayerSpec,
    { layer: 'icmpv6', type, id: 9, seq: 1 } as LayerSpec,
  ]);
CASES.push(
  {
    name: 'IPv6: a TCP handshake with window scaling, data within and past the scaled window; ICMPv6 echo',
    flows: FIREWALL.map((f) => f.replace(/\bip\b/, 'ipv6')),
    packets: [
      { port: 1, bytes: tcp6('a', 0x02, 100, 0, 0, 512, WSCALE(7)) },
      { port: 2, bytes: tcp6('b', 0x12, 900, 101, 0, 512, WSCALE(2)) },
      { port: 1, bytes: tcp6('a', 0x10, 101, 901, 0, 512) },
      // The SYN+ACK's window is not scaled (512), so A may send up to sequence 101 + 512 = 613:
      // 300 bytes fit, 200 more fit, 400 more do not.
      { port: 1, bytes: tcp6('a', 0x18, 101, 901, 300) },
      { port: 1, bytes: tcp6('a', 0x18, 401, 901, 200) },
      { port: 1, bytes: tcp6('a', 0x18, 601, 901, 400) },
      // B acknowledges with a window of 512 << 2 = 2048: now the 400 bytes fit.
      { port: 2, bytes: tcp6('b', 0x10, 901, 601, 512) },
      { port: 1, bytes: tcp6('a', 0x18, 601, 901, 400) },
      { port: 1, bytes: ping6('a', 128) },
      { port: 2, bytes: ping6('b', 129) },
    ],
  },
  {
    name: 'ct in an action set runs when the set has no other final action; ct_clear outranks it',
    flows: [
      'table=0,in_port=1,ip,actions=write_actions(ct(commit,table=1)),goto_table:2',
      'table=0,in_port=2,ip,actions=write_actions(ct(table=1),ct_clear),goto_table:2',
      'table=0,in_port=3,ip,actions=write_actions(ct(table=1),output:4),goto_table:2',
      'table=1,actions=move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7],output:4',
      'table=2,actions=drop',
    ],
    packets: [{ port: 1, bytes: udp('a') }, { port: 2, bytes: udp('b') }, { port: 3, bytes: udp('b') }],
  },
);

// Fragments: OVS's userspace datapath holds IPv4 fragments for reassembly (ipf); netloom does not
// reassemble and marks them +inv. A table that drops +inv sends neither anywhere.
const fragment = (mf: boolean, offset: number): Uint8Array =>
  encode([
    { layer: 'ethernet', src: A, dst: B },
    { layer: 'ipv4', src: IA, dst: IB, id: 77, mf, fragmentOffset: offset, protocol: 17 } as LayerSpec,
    { layer: 'payload', data: new Uint8Array(16).fill(7) },
  ]);
CASES.push({
  name: 'fragments tracked and dropped as +inv go nowhere',
  flows: FIREWALL,
  packets: [{ port: 1, bytes: fragment(true, 0) }, { port: 1, bytes: fragment(false, 2) }],
});

describe.skipIf(!haveOvs())('connection tracking matches Open vSwitch byte for byte', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  it.each(CASES)('$name', async ({ flows, packets }) => {
    ovs.delFlows();
    ovs.appctl('dpctl/flush-conntrack');
    ovs.addFlows(flows);
    const bridge = new Bridge('br0', ports);
    for (const f of flows) bridge.addFlow(f);
    for (const [i, p] of packets.entries()) {
      const theirs = (await ovs.inject(p.port, p.bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      const ours = bridge.process(p.port, p.bytes, i * 1e6).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(ours.sort(), `packet ${i} in on port ${p.port}: ${toHex(p.bytes)}`).toEqual(theirs.sort());
    }
    // The connection tables agree too, TCP states included.
    const table = (lines: string[]) => [...lines].sort();
    expect(table(bridge.pipeline.conntrack.dump(packets.length * 1e6))).toEqual(table(ovs.appctl('dpctl/dump-conntrack').split('\n').filter((l) => l !== '')));
  });
});

describe.skipIf(!haveOvs())('ofproto/trace --ct-next as Open vSwitch reads and follows it', () => {
  const FLOWS = [
    'table=0,ip,ct_state=-trk,actions=ct(zone=3,table=1)',
    'table=1,ip,ct_state=+trk+est,actions=ct(table=2)', 'table=1,ip,ct_state=+trk+new,actions=output:2', 'table=1,ip,ct_state=+trk+inv,actions=output:4', 'table=1,ip,actions=output:3',
    'table=2,ip,ct_state=+trk+rpl,actions=output:2', 'table=2,ip,ct_state=+trk+rel,actions=output:3', 'table=2,actions=output:4',
  ];
  const FLOW = 'in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=80';
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
    ovs.addFlows(FLOWS);
  });
  afterAll(() => ovs?.stop());

  it.each([[[]], [['trk,est']], [['trk,new']], [['trk,inv']], [['trk,rel']], [['trk,est', 'trk,est,rpl']], [['trk est', 'trk,rel']], [['trk,est', 'trk']], [['', 'trk,new']]])('--ct-next %j', (states) => {
    const args = states.flatMap((s) => ['--ct-next', s]);
    // Every port a datapath action list (the first pass's and each recirculation's) outputs to.
    const theirs = ovs.appctl('ofproto/trace', 'br0', FLOW, ...args).split('\n').filter((l) => l.startsWith('Datapath actions: ')).flatMap((l) => l.slice(18).split(',').filter((a) => /^\d+$/.test(a))).map(Number);
    const bridge = new Bridge('br0', ports);
    for (const f of FLOWS) bridge.addFlow(f);
    const p = packetFromFlow(FLOW, bridge.ports);
    const ctNext = states.map((s) => parseCtNext(s) as number);
    expect(bridge.process(p.inPort, p.bytes, 0, false, (packet) => packet.describe(p.vlanTci, p.dlType), false, ctNext).outputs.map((o) => o.port)).toEqual(theirs);
  });

  it.each(['foo', 'trk,foo', 'est', 'new,est', 'trk,inv,new', 'trk,new,rpl'])('refuses --ct-next %s with the words OVS uses', (state) => {
    let theirs = '';
    try {
      ovs.appctl('ofproto/trace', 'br0', FLOW, '--ct-next', state);
    } catch (error) {
      theirs = (error as Error).message;
    }
    const ours = parseCtNext(state);
    expect(typeof ours).toBe('string');
    for (const line of (ours as string).split('; ')) expect(theirs).toContain(`${line}\n`);
  });
});
