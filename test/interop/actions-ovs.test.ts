/**
 * The actions issue 11 added (check_pkt_larger, sample, fin_timeout, clone), through netloom's Bridge and a real
 * ovs-vswitchd (dummy datapath, test/interop/ovs.ts), in both of netloom's modes (plain
 * ovs-ofctl, OpenFlow 1.0 + NXM; and OpenFlow 1.1+, given to OVS as OpenFlow 1.5): the same
 * flows accepted, the same bytes out of the same ports, for check_pkt_larger the same choice at
 * every length around N (Ethernet padding and a pushed tag included), and for seeded random
 * tables mixing them with rewrites, pushes and resubmits; for fin_timeout, the flow timeouts
 * ovs-ofctl dump-flows shows after each SYN, ACK, FIN and RST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { parseFlow } from '../../src/switch/ofctl.js';
import { actionsToInstructions } from '../../src/openflow/flows.js';
import { Random } from '../../src/sim/random.js';
import { encode, fromHex, toHex, type LayerSpec } from '../../src/index.js';
import { crc32c } from '../../src/wire/checksum.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the check_pkt_larger and sample differential tests: ${ovsMissingMessage()}`);

const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));
const MODES = [
  { name: 'plain ovs-ofctl (OpenFlow 1.0 + NXM)', ovs: 'OpenFlow10', netloom: 'OpenFlow10' },
  { name: 'OpenFlow 1.1+ (OVS given OpenFlow 1.5)', ovs: 'OpenFlow15', netloom: 'OpenFlow13' },
] as const;

/** A frame of `length` bytes: Ethernet to a known MAC and a payload of its own index bytes (no IP: nothing to pad). */
const raw = (length: number) => {
  const b = Uint8Array.from({ length }, (_, i) => i & 0xff);
  b.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  return b;
};
/** A UDP frame over `ip` whose IP packet is `payload` bytes of data long, padded with zeros to `frame` bytes when that is longer. */
const udpOver = (ip: LayerSpec) => (payload: number, frame = 0) => {
  const bytes = encode([
    { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    ip,
    { layer: 'udp', srcPort: 1000, dstPort: 2000 },
    { layer: 'payload', data: new Uint8Array(payload).fill(0x5a) },
  ]);
  if (frame <= bytes.length) return bytes;
  const padded = new Uint8Array(frame);
  padded.set(bytes);
  return padded;
};
const udp = udpOver({ layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' });
/** UDP over IPv4 behind an 802.1Q tag whose TCI is `tci` on the wire (its DEI bit, 0x1000, included). */
const tagged = (tci: number) => {
  const b = encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'vlan', vid: tci & 0xfff, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0 }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }] as LayerSpec[]);
  return b;
};
const udp6 = udpOver({ layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' });

/** TCP, UDP, SCTP (its CRC32c right), ICMP and ICMPv6 over IPv4 and IPv6, and ARP. */
const L4_FRAMES: Uint8Array[] = (() => {
  const eth = { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } as const;
  const sctp = (v6: boolean) => {
    const body = new Uint8Array(16);
    body.set([0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1]);
    const frame = encode([eth, v6 ? { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 132 } : { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', protocol: 132 }, { layer: 'payload', data: body }] as LayerSpec[]);
    const l4 = frame.length - 16;
    new DataView(frame.buffer, frame.byteOffset).setUint32(l4 + 8, crc32c(frame, l4), true);
    return frame;
  };
  return [
    encode([eth, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'tcp', srcPort: 5555, dstPort: 80 }]),
    udp(4),
    encode([eth, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'icmp', type: 8, id: 1, seq: 1 }] as LayerSpec[]),
    encode([eth, { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' }, { layer: 'tcp', srcPort: 5555, dstPort: 80 }] as LayerSpec[]),
    udp6(4),
    encode([eth, { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' }, { layer: 'icmpv6', type: 128, id: 1, seq: 1 }] as LayerSpec[]),
    sctp(false),
    sctp(true),
    // A wrong checksum stays exactly as wrong.
    (() => {
      const bad = sctp(false);
      bad[bad.length - 8] = bad[bad.length - 8]! ^ 0x5a;
      return bad;
    })(),
    encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' }, { layer: 'arp', op: 1, senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetIp: '10.0.0.2' }] as LayerSpec[]),
  ];
})();


interface Case {
  name: string;
  flows: string[];
  packets: { port: number; bytes: Uint8Array }[];
  /** Only in this mode (a flow the other refuses). */
  only?: 'OpenFlow10' | 'OpenFlow15';
}

/** Every length from n - 2 to n + 2 of each kind of frame, on `port`. */
const around = (n: number, port = 1) =>
  [-2, -1, 0, 1, 2].flatMap((d) => {
    const length = n + d;
    const frames = [...(length >= 14 ? [raw(length)] : []), ...(length >= 42 ? [udp(length - 42), udp(0, length)] : []), ...(length >= 62 ? [udp6(length - 62), udp6(0, length)] : [])];
    return frames.map((bytes) => ({ port, bytes }));
  });

const branch = (n: number, bit = 0) => [`in_port=1,actions=check_pkt_larger(${n})->NXM_NX_REG0[${bit}],resubmit(,1)`, `table=1,reg0=${1 << bit},actions=output:2`, 'table=1,reg0=0,actions=output:3'];

const CASES: Case[] = [
  ...[14, 60, 64, 100, 128, 1000, 1500].map((n) => ({ name: `check_pkt_larger(${n}) at lengths ${n - 2} to ${n + 2}, padded or not`, flows: branch(n, n % 32), packets: around(n) })),
  {
    name: 'check_pkt_larger after a push counts the tag (OpenFlow 1.1+ push_vlan)',
    only: 'OpenFlow15',
    flows: ['in_port=1,actions=push_vlan:0x8100,check_pkt_larger(100)->reg1[7],output:4,resubmit(,1)', 'table=1,reg1=0x80,actions=output:2', 'table=1,reg1=0,actions=output:3'],
    packets: around(96),
  },
  {
    name: 'check_pkt_larger after mod_vlan_vid pushes a tag on untagged frames (plain mode)',
    only: 'OpenFlow10',
    flows: ['in_port=1,actions=mod_vlan_vid:7,check_pkt_larger(100)->reg1[7],resubmit(,1)', 'table=1,reg1=0x80,actions=output:2', 'table=1,reg1=0,actions=output:3'],
    packets: around(96),
  },
  {
    name: 'check_pkt_larger after strip_vlan (plain mode) and pop_vlan (1.1+) counts the frame without its tag',
    flows: ['in_port=1,dl_vlan=5,actions=strip_vlan,check_pkt_larger(100)->reg2[0],resubmit(,1)', 'table=1,reg2=1,actions=output:2', 'table=1,reg2=0,actions=output:3'],
    packets: [102, 103, 104, 105, 106].map((n) => {
      const b = raw(n);
      b.set([0x81, 0x00, 0x00, 0x05, 0x88, 0xb5], 12);
      return { port: 1, bytes: b };
    }),
  },
  {
    name: 'two checks into two bits, and a check that overwrites a loaded bit',
    flows: ['in_port=1,actions=load:1->reg3[0],check_pkt_larger(80)->reg3[0],check_pkt_larger(120)->reg3[1],resubmit(,1)', 'table=1,reg3=0,actions=output:2', 'table=1,reg3=1,actions=output:3', 'table=1,reg3=3,actions=output:4', 'table=1,reg3=2,actions=output:1'],
    packets: [70, 80, 81, 120, 121, 200].map((n) => ({ port: 1, bytes: raw(n) })),
  },
  {
    // OVS's xlate_output_action for OFPP_TABLE: table 0 again, with the in_port and the packet as they are now.
    name: 'output to TABLE looks the packet up again from table 0, rewrites and all, in a flow, a clone and an action set',
    only: 'OpenFlow15',
    flows: [
      'table=0,in_port=1,actions=mod_dl_src:02:aa:00:00:00:01,load:2->NXM_OF_IN_PORT[],output:TABLE,output:4',
      'table=0,priority=40000,in_port=2,dl_src=02:aa:00:00:00:01,actions=output:3',
      'table=0,in_port=3,actions=load:1->reg0[0],clone(load:4->NXM_OF_IN_PORT[],TABLE),output:1',
      'table=0,in_port=4,reg0=1,actions=mod_dl_dst:02:bb:00:00:00:02,output:2',
      'table=0,in_port=2,actions=goto_table:1',
      'table=1,actions=load:3->NXM_OF_IN_PORT[],write_actions(output:65529)',
      'table=0,priority=0,actions=drop',
    ],
    packets: [1, 2, 3].flatMap((port) => [raw(60), udp(20)].map((bytes) => ({ port, bytes }))),
  },
  {
    name: 'sample forwards as if it were not there (no IPFIX collector), whatever its arguments',
    flows: [
      'in_port=1,actions=sample(probability=65535,collector_set_id=1),output:2',
      'in_port=2,actions=sample(probability=1,collector_set_id=2,obs_domain_id=3,obs_point_id=4),mod_dl_src:02:aa:00:00:00:01,sample(probability=30000,sampling_port=3,egress),output:3',
      'in_port=3,actions=sample(probability=10,sampling_port=LOCAL,ingress),output:1,sample(probability=65535),output:4',
    ],
    packets: [1, 2, 3].flatMap((port) => [raw(60), udp(20), udp6(0)].map((bytes) => ({ port, bytes }))),
  },
  {
    name: 'clone runs on a copy: header, register and tag changes inside do not reach what follows',
    flows: [
      'in_port=1,actions=clone(mod_dl_src:02:00:00:00:00:99,load:1->reg0[0],output:2),resubmit(,1)', 'table=1,reg0=0,actions=output:3', 'table=1,reg0=1,actions=output:4',
      'in_port=2,actions=clone(clone(mod_dl_dst:02:00:00:00:00:77,output:3),mod_dl_src:02:00:00:00:00:66,output:4),output:1',
      'in_port=3,udp,actions=clone(mod_nw_src:192.168.1.1,mod_tp_dst:99,output:1),clone(dec_ttl,output:2),output:4',
    ],
    packets: [1, 2, 3].flatMap((port) => [raw(60), udp(20), udp6(0)].map((bytes) => ({ port, bytes }))),
  },
  {
    // OVS 3.1 rolls back only the flow after a clone of reversible actions: its next commit pops the tag the clone left and pushes the flow's afresh.
    name: 'a clone that rewrote the tag leaves it pushed again, DEI lost; one with ct is the datapath\'s own clone and leaves it be',
    only: 'OpenFlow10',
    flows: [
      'in_port=1,actions=clone(mod_vlan_vid:40,output:2),output:3', 'in_port=2,actions=clone(strip_vlan,output:3),output:4',
      'in_port=3,ip,actions=clone(ct(commit),mod_vlan_vid:40,output:2),output:4', 'in_port=4,actions=clone(mod_dl_src:02:00:00:00:00:99,output:2),output:3',
    ],
    packets: [1, 2, 3, 4].flatMap((port) => [0x901e, 0x101e, 0x001e].map((tci) => ({ port, bytes: tagged(tci) }))),
  },
  {
    name: 'a clone that rewrote the tag leaves it pushed again, DEI lost (OpenFlow 1.1+)',
    only: 'OpenFlow15',
    flows: [
      'in_port=1,dl_vlan=30,actions=clone(set_field:4136->vlan_vid,output:2),output:3', 'in_port=2,dl_vlan=30,actions=clone(pop_vlan,output:3),output:4',
      'in_port=3,dl_vlan=30,ip,actions=clone(ct(commit),set_field:4136->vlan_vid,output:2),output:4', 'in_port=4,dl_vlan=30,actions=clone(push_vlan:0x88a8,output:2),output:3',
    ],
    packets: [1, 2, 3, 4].flatMap((port) => [0x901e, 0x101e, 0x001e].map((tci) => ({ port, bytes: tagged(tci) }))),
  },
  {
    // OVS's xlate_check_pkt_larger: what follows it in its list runs in the datapath's branch, then the action set there; after it the
    // flow, the packet and the action set are as they were, so the caller's actions see none of it and the action set runs again at the end.
    name: 'check_pkt_larger in a resubmitted list: its rest runs in a branch, then the caller goes on as before it',
    flows: [
      'table=0,in_port=1,actions=resubmit(,1),output:3', 'table=1,in_port=1,actions=check_pkt_larger(100)->NXM_NX_REG0[0],mod_dl_dst:0a:00:00:00:00:03,output:4',
      'table=0,in_port=2,actions=resubmit(,2),output:3', 'table=2,actions=check_pkt_larger(60)->NXM_NX_REG0[0],exit',
      'table=0,in_port=3,actions=check_pkt_larger(60)->NXM_NX_REG0[0]',
    ],
    packets: [1, 2, 3].flatMap((port) => [raw(60), udp(20), udp(100)].map((bytes) => ({ port, bytes }))),
  },
  {
    name: 'check_pkt_larger before an output, with an action set written earlier: the set runs in the branch and again at the end (OpenFlow 1.1+)',
    only: 'OpenFlow15',
    flows: ['table=0,in_port=1,actions=write_actions(output:2),goto_table:1', 'table=1,actions=check_pkt_larger(60)->NXM_NX_REG0[0],output:3', 'table=0,in_port=2,actions=write_actions(output:4),goto_table:2', 'table=2,actions=output:3,check_pkt_larger(60)->NXM_NX_REG0[0]'],
    packets: [1, 2].flatMap((port) => [raw(60), udp(20)].map((bytes) => ({ port, bytes }))),
  },
  {
    // OVS reads a recirculated packet again with one VLAN header in the flow: under two tags it is not IP any more.
    name: 'after ct(table=…) the packet is read again: with two tags pushed it no longer matches ip (OpenFlow 1.1+)',
    only: 'OpenFlow15',
    flows: ['in_port=1,ip,actions=push_vlan:0x8100,push_vlan:0x8100,ct(table=1)', 'in_port=2,ip,actions=push_vlan:0x8100,ct(table=1)', 'table=1,priority=58,ip,actions=output:3', 'table=1,priority=0,actions=output:4'],
    packets: [1, 2].flatMap((port) => [udp(20), tagged(0x901e)].map((bytes) => ({ port, bytes }))),
  },
  {
    // A later fragment has ICMP type and code 0 in OVS's flow: setting them to 0 changes nothing, so nothing is committed.
    name: 'ICMP writes on later fragments: only a change to the flow reaches the packet',
    flows: ['in_port=1,icmp,actions=set_field:0->icmp_type,output:2', 'in_port=2,icmp,actions=set_field:3->icmp_type,set_field:0->icmp_code,output:3'],
    packets: [1, 2].flatMap((port) => [fromHex('02000000000202000000000108004511002600012001020166cd0a0000010a00000108003439000100025a5a5a5a5a5a5a5a5a5a'), fromHex('02000000000202000000000108004511002600012000020166ce0a0000010a00000108003439000100025a5a5a5a5a5a5a5a5a5a')].map((bytes) => ({ port, bytes }))),
  },
  {
    // OVS's commit_vlan_action keeps only the tags common from the innermost: a pushed tag equal to the one under it is still a new one.
    name: 'push_vlan onto a tag: the new outer tag is built afresh (DEI 0), the one under it keeps its bytes (OpenFlow 1.1+)',
    only: 'OpenFlow15',
    flows: ['in_port=1,actions=push_vlan:0x8100,output:2', 'in_port=2,actions=push_vlan:0x88a8,push_vlan:0x8100,pop_vlan,output:3'],
    packets: [1, 2].flatMap((port) => [0x1000, 0x901e, 0x0000].map((tci) => ({ port, bytes: tagged(tci) }))),
  },
  {
    name: 'clone with a push inside (OpenFlow 1.1+)',
    only: 'OpenFlow15',
    flows: ['in_port=1,actions=clone(push_vlan:0x8100,set_field:4100->vlan_vid,output:2),output:3'],
    packets: [{ port: 1, bytes: raw(60) }, { port: 1, bytes: udp(10) }],
  },
  {
    name: 'clone with mod_vlan_vid inside (plain mode pushes on an untagged frame)',
    only: 'OpenFlow10',
    flows: ['in_port=1,actions=clone(mod_vlan_vid:9,output:2),output:3', 'in_port=2,actions=clone(strip_vlan,output:3),output:4'],
    packets: [{ port: 1, bytes: raw(60) }, { port: 2, bytes: raw(60) }],
  },
  {
    name: "clone runs a copy of the action set at its end; the one outside is kept; exit inside ends all; dec_ttl's exception ends the clone only",
    // ovs-ofctl -O OpenFlow10 drops write_actions (netloom's plain mode reads it with its 1.1+ meaning, as -O OpenFlow10,OpenFlow15 does).
    only: 'OpenFlow15',
    flows: [
      'in_port=1,actions=clone(mod_dl_src:02:00:00:00:00:99,output:2,resubmit(,1)),output:3', 'table=1,actions=write_actions(output:3)',
      'in_port=2,actions=resubmit(,2),clone(mod_dl_dst:02:00:00:00:00:55,output:3),output:3', 'table=2,actions=write_actions(output:1)',
      'in_port=3,actions=resubmit(,3),clone(output:2,exit,output:1),output:1', 'table=3,actions=write_actions(output:4)',
      'in_port=4,ip,actions=resubmit(,4),clone(dec_ttl,output:2),output:3', 'table=4,actions=write_actions(output:1)',
    ],
    packets: [1, 2, 3, 4].flatMap((port) => [raw(60), udp(20)].map((bytes) => ({ port, bytes }))).concat([{ port: 4, bytes: (() => { const b = udp(20); b[22] = 1; return b; })() }]),
  },
  {
    // OVS's set_l4_port: TCP, UDP and SCTP ports (SCTP's CRC32c redone), ICMP's type and code; nothing on ICMPv6 or other protocols.
    name: 'mod_tp_src and mod_tp_dst with no match that proves the protocol (plain mode), on every kind of packet',
    only: 'OpenFlow10',
    flows: ['in_port=1,actions=mod_tp_src:7,mod_tp_dst:8,output:2', 'in_port=2,ip,actions=mod_tp_dst:0x1ff,output:3', 'in_port=3,ipv6,actions=mod_tp_src:300,output:4'],
    packets: [1, 2, 3].flatMap((port) => L4_FRAMES.map((bytes) => ({ port, bytes }))),
  },
  {
    name: 'set_field to tp ports where the match proves the protocol (OpenFlow 1.1+ set_field, plain mode mod_tp_*)',
    flows: ['in_port=1,sctp,actions=set_field:99->sctp_dst,mod_tp_src:5,output:2', 'in_port=2,icmp,actions=set_field:0->icmp_type,output:3', 'in_port=3,tcp6,actions=mod_tp_dst:22,output:4', 'in_port=4,udp6,actions=set_field:53->udp_src,output:1'],
    packets: [1, 2, 3, 4].flatMap((port) => L4_FRAMES.map((bytes) => ({ port, bytes }))),
  },
];

/** Actions a random table draws from: both modes accept each without a match that proves anything. */
function randomTables(seed: number): { flows: string[]; packets: { port: number; bytes: Uint8Array }[] } {
  const r = new Random(seed);
  const int = (n: number) => r.nextUint32() % n;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const flows: string[] = [];
  for (let table = 0; table < 3; table++) {
    for (let i = 0; i < 4; i++) {
      const actions: string[] = [];
      for (let k = 0; k < 1 + int(4); k++) {
        actions.push(
          pick([
            () => `check_pkt_larger(${40 + int(200)})->reg${int(3)}[${int(4)}]`,
            () => `sample(probability=${1 + int(65535)},collector_set_id=${int(4)})`,
            () => `output:${1 + int(PORTS)}`,
            () => `load:${int(16)}->NXM_NX_REG${int(3)}[0..3]`,
            () => `mod_dl_src:02:00:00:00:00:${(16 + int(200)).toString(16)}`,
            () => (table < 2 ? `resubmit(,${table + 1})` : 'output:2'),
            () => `clone(${pick([`output:${1 + int(PORTS)}`, `mod_dl_dst:02:00:00:00:00:${(16 + int(200)).toString(16)},output:${1 + int(PORTS)}`, `load:${int(16)}->NXM_NX_REG${int(3)}[0..3]${table < 2 ? `,resubmit(,${table + 1})` : ''}`])})`,
          ])(),
        );
      }
      const match = pick(['', `reg${int(3)}=${int(16)},`, `in_port=${1 + int(PORTS)},`, `reg0=${int(2)}/1,`]);
      flows.push(`table=${table},priority=${10 + i},${match}actions=${actions.join(',')}`);
    }
  }
  flows.push('table=0,priority=0,actions=resubmit(,1)', 'table=1,priority=0,actions=resubmit(,2)', 'table=2,priority=0,actions=output:4');
  const packets = Array.from({ length: 40 }, () => ({ port: 1 + int(PORTS), bytes: pick([() => raw(40 + int(240)), () => udp(int(200)), () => udp(int(20), 60 + int(40))])() }));
  return { flows, packets };
}

describe.skipIf(!haveOvs())('check_pkt_larger and sample match Open vSwitch byte for byte', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  const compare = async (flows: string[], packets: Case['packets'], mode: (typeof MODES)[number]) => {
    ovs.delFlows();
    ovs.addFlows(flows, mode.ovs);
    const bridge = new Bridge('br0', ports, { protocols: mode.netloom });
    for (const f of flows) bridge.addFlow(f);
    for (const p of packets) {
      const theirs = (await ovs.inject(p.port, p.bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      const ours = bridge.process(p.port, p.bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(ours.sort(), `${p.bytes.length}-byte packet on port ${p.port}: ${toHex(p.bytes)}`).toEqual(theirs.sort());
    }
  };

  for (const mode of MODES) {
    it.each(CASES.filter((c) => c.only === undefined || c.only === mode.ovs))(`${mode.name}: $name`, async (c) => {
      await compare(c.flows, c.packets, mode);
    });
    it.each([1, 2, 3, 4, 5, 6, 7, 8])(`${mode.name}: seeded random table %i`, async (seed) => {
      const { flows, packets } = randomTables(seed);
      await compare(flows, packets, mode);
    });
  }
});

const tcp = (flags: number) =>
  encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'tcp', srcPort: 5555, dstPort: 80, flags }]);

describe.skipIf(!haveOvs())('fin_timeout lowers the same timeouts as Open vSwitch', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  /** Each flow's table, timeouts and actions as a dump shows them (timeouts long enough that none expires while the test runs). */
  const ovsTimeouts = (dump: string) =>
    dump
      .split('\n')
      .filter((l) => l.includes('actions='))
      .map((l) => {
        // The flow's own keys come before its actions, which may hold fin_timeout(idle_timeout=…).
        const head = l.slice(0, l.indexOf('actions='));
        return `table=${/table=(\d+)/.exec(head)![1]} idle=${/idle_timeout=(\d+)/.exec(head)?.[1] ?? 0} hard=${/hard_timeout=(\d+)/.exec(head)?.[1] ?? 0} ${l.slice(l.indexOf('actions='))}`;
      })
      .sort();
  const FLOWS = [
    'priority=10,tcp,actions=fin_timeout(idle_timeout=500,hard_timeout=3000),resubmit(,1)',
    'priority=5,actions=output:2',
    'table=1,tcp,idle_timeout=300,actions=fin_timeout(idle_timeout=700,hard_timeout=800),output:3',
    'table=1,priority=1,actions=output:3',
    'table=1,priority=40000,in_port=3,tcp,hard_timeout=600,actions=fin_timeout(hard_timeout=900),fin_timeout(idle_timeout=100),output:4',
  ];
  const PACKETS = [
    { port: 1, bytes: tcp(0x02) }, { port: 1, bytes: tcp(0x10) }, { port: 1, bytes: udp(8) }, { port: 1, bytes: tcp(0x11) },
    { port: 3, bytes: tcp(0x02) }, { port: 3, bytes: tcp(0x04) }, { port: 2, bytes: tcp(0x14) },
  ];

  for (const mode of MODES) {
    it(`${mode.name}: after each packet`, async () => {
      // Plain mode also takes fin_timeout without tcp in the match (OpenFlow 1.0); a UDP packet carries no FIN.
      const flows = mode.ovs === 'OpenFlow10' ? [...FLOWS, 'priority=8,in_port=2,actions=fin_timeout(idle_timeout=400),output:3', 'priority=8,in_port=4,udp,actions=fin_timeout(idle_timeout=400),output:3'] : FLOWS;
      ovs.delFlows();
      ovs.addFlows(flows, mode.ovs);
      const bridge = new Bridge('br0', ports, { protocols: mode.netloom });
      for (const f of flows) bridge.addFlow(f);
      for (const p of [...PACKETS, { port: 4, bytes: udp(8) }]) {
        await ovs.inject(p.port, p.bytes);
        bridge.process(p.port, p.bytes);
        const ours = bridge.pipeline.allRules().map((r) => `table=${r.table} idle=${r.idleTimeout} hard=${r.hardTimeout} actions=${r.actionsText}`).sort();
        expect(ours, `after ${toHex(p.bytes)} on port ${p.port}`).toEqual(ovsTimeouts(ovs.dumpFlows({ protocol: mode.ovs })));
      }
    });
  }
});

describe.skipIf(!haveOvs())('plain-mode mod_vlan_vid and mod_vlan_pcp reach an OpenFlow 1.3 peer as Open vSwitch sends them', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  it('ovs-vswitchd holds, for flows added in OpenFlow 1.0, the OpenFlow 1.3 actions netloom sends for them', () => {
    const flows = [
      'priority=9,in_port=1,actions=mod_vlan_vid:10,output:2',
      'priority=8,in_port=1,dl_vlan=3,actions=mod_vlan_vid:10,mod_vlan_pcp:2,output:2',
      'priority=7,in_port=2,actions=mod_vlan_pcp:5,mod_vlan_vid:7,output:1',
      'priority=6,in_port=3,dl_vlan=5,actions=strip_vlan,mod_vlan_vid:4,output:1',
      'priority=5,in_port=4,actions=clone(mod_vlan_vid:4,output:1),output:2',
    ];
    ovs.delFlows();
    ovs.addFlows(flows, 'OpenFlow10');
    // Each flow's OpenFlow 1.3 instructions, by priority: OVS's read back from its -O OpenFlow13 dump, netloom's as it encodes its own.
    const encoded = (text: string, protocols: 'OpenFlow10' | 'OpenFlow13') => {
      const rule = parseFlow(text, { protocols });
      return `${rule.priority} ${JSON.stringify(actionsToInstructions(rule.actions, rule.match), (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v))}`;
    };
    const theirs = ovs.dumpFlows({ protocol: 'OpenFlow13' }).split('\n').filter((l) => l.includes('actions=')).map((l) => encoded(l.trim().replace(/reset_counts,?\s*/, ''), 'OpenFlow13')).sort();
    expect(theirs.some((t) => t.includes('push_vlan'))).toBe(true);
    expect(flows.map((f) => encoded(f, 'OpenFlow10')).sort()).toEqual(theirs);
  });
});

describe.skipIf(!haveOvs())('importance is kept and printed as Open vSwitch keeps and prints it', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  const FLOWS = ['importance=5,priority=7,in_port=1,actions=drop', 'importance=0x10,idle_timeout=60,in_port=2,actions=output:1', 'importance=0,in_port=3,actions=drop', 'in_port=4,actions=drop'];
  /** What follows the counters, with idle_age (OVS's only) left out: timeouts, importance, match, actions. */
  const tail = (l: string) => l.slice(l.indexOf('n_bytes=') + l.slice(l.indexOf('n_bytes=')).indexOf(', ') + 2).replace(/idle_age=\d+, /, '');

  for (const mode of MODES) {
    it(`${mode.name}: dump-flows`, () => {
      ovs.delFlows();
      ovs.addFlows(FLOWS, mode.ovs);
      const bridge = new Bridge('br0', ports, { protocols: mode.netloom });
      for (const f of FLOWS) bridge.addFlow(f);
      // Plain mode is dumped as plain ovs-ofctl dumps it (OpenFlow 1.0), the other as -O OpenFlow15.
      const theirs = ovs.dumpFlows({ protocol: mode.ovs }).split('\n').filter((l) => l.includes('actions=')).map(tail).sort();
      expect(bridge.dumpFlows(0).split('\n').map(tail).sort()).toEqual(theirs);
    });
  }
});
