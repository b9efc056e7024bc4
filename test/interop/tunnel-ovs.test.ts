/**
 * Tunnel ports against Open vSwitch: the same inner frame sent out of a VXLAN and a GRE port,
 * over an IPv4 and an IPv6 underlay, and the same outer packets received, in netloom's switch (a
 * simulated network) and a real OVS (dummy datapath, native tunnelling). Outer Ethernet
 * addresses and the VXLAN UDP source port (a hash of the inner flow in each implementation's own
 * range) are left out, and with it the UDP checksum over IPv6, which each side must get right
 * for its own port; every other byte must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network, Node, type Frame, type Port } from '../../src/sim/network.js';
import { Link } from '../../src/sim/link.js';
import { SwitchNode } from '../../src/switch/node.js';
import { encode, toHex, decode } from '../../src/index.js';
import { finish, internetChecksum, sumWords } from '../../src/wire/checksum.js';
import type { LayerSpec } from '../../src/index.js';
import type { SwitchSpec } from '../../src/topology/types.js';
import { OvsSwitch, haveOvs, LOCAL_PORT } from './ovs.js';

const LOCAL = '192.0.2.1';
const REMOTE = '192.0.2.2';
const LOCAL6 = '2001:cafe::88';
const REMOTE6 = '2001:cafe::92';
const REMOTE_MAC = '02:00:00:00:00:02';
const macText = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');

/** The far end of the underlay link: answers ARP for REMOTE and neighbour solicitations for REMOTE6, and records everything else. */
class Wire extends Node {
  readonly got: Uint8Array[] = [];
  receive(port: Port, frame: Frame): void {
    const b = frame.bytes;
    if (b[12] === 0x08 && b[13] === 0x06) {
      const reply = encode([
        { layer: 'ethernet', dst: macText(b.subarray(6, 12)), src: REMOTE_MAC },
        { layer: 'arp', op: 2, senderMac: REMOTE_MAC, senderIp: REMOTE, targetMac: macText(b.subarray(22, 28)), targetIp: LOCAL },
      ]);
      port.send(this.net.frame(reply));
      return;
    }
    const [, ip, icmp] = decode(b);
    if (ip?.layer === 'ipv6' && icmp?.layer === 'icmpv6' && icmp.type === 135) {
      const reply = encode([
        { layer: 'ethernet', dst: macText(b.subarray(6, 12)), src: REMOTE_MAC },
        { layer: 'ipv6', src: REMOTE6, dst: ip.src, hopLimit: 255 },
        { layer: 'icmpv6', type: 136, code: 0, rest: 0x60000000 },
        { layer: 'payload', data: new Uint8Array([...b.subarray(62, 78), 2, 1, ...REMOTE_MAC.split(':').map((x) => Number.parseInt(x, 16))]) },
      ]);
      port.send(this.net.frame(reply));
      return;
    }
    this.got.push(b);
  }
}

/** The underlay of one family: netloom's and OVS's local endpoint and the remote one. */
const FAMILIES = {
  ipv4: { local: LOCAL, remote: REMOTE, prefix: 24, tunSrc: 'tun_src', tunDst: 'tun_dst' },
  ipv6: { local: LOCAL6, remote: REMOTE6, prefix: 64, tunSrc: 'tun_ipv6_src', tunDst: 'tun_ipv6_dst' },
} as const;
/** Sends p1 to the tunnel port, and back only what came from the remote endpoint to ours: the receiving side must set the tunnel's outer addresses. */
function flows(family: Family, ofport: number): string[] {
  const { local, remote, tunSrc, tunDst } = FAMILIES[family];
  return [`in_port=1,actions=output:${ofport}`, `in_port=${ofport},${tunSrc}=${remote},${tunDst}=${local},actions=output:1`];
}
type Family = keyof typeof FAMILIES;

function netloomSwitch(type: 'vxlan' | 'gre', family: Family) {
  const net = new Network(1);
  const { local, remote, prefix } = FAMILIES[family];
  const address = [{ address: local, prefixLength: prefix }];
  const spec: SwitchSpec = {
    kind: 'switch', name: 's1', flows: flows(family, 5),
    ports: [{ name: 'p1', ofport: 1 }, { name: 'tun', ofport: 5, tunnel: { type, remoteIp: remote, key: 5000, dstPort: 4789 } }],
    underlay: { interface: { name: 'eth1', mac: '02:00:00:00:00:99', ipv4: family === 'ipv4' ? address : [], ipv6: family === 'ipv6' ? address : [] } },
  };
  const s1 = net.add(new SwitchNode(net, spec));
  const wire = net.add(new Wire(net, 'wire', 'host'));
  const host = net.add(new Wire(net, 'h1', 'host'));
  const impair = { latency: 1000, jitter: 0, bandwidth: 0, queue: 100, mtu: 1500, loss: 0 };
  new Link(net, s1.port('eth1')!, wire.addPort('eth0'), impair);
  new Link(net, s1.port('p1')!, host.addPort('eth0'), impair);
  return { net, s1, wire, host };
}

const inner = encode([
  { layer: 'ethernet', src: '0a:00:00:00:00:01', dst: '0a:00:00:00:00:02' },
  { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
  { layer: 'udp', srcPort: 1000, dstPort: 2000 },
  { layer: 'payload', data: new Uint8Array(16) },
]);

/** The outer packet from the IP header on, with the VXLAN UDP source port zeroed, and its checksum over IPv6 (IPv4's is 0 on both sides). */
function comparable(frame: Uint8Array, type: 'vxlan' | 'gre'): string {
  const ip = frame.slice(14);
  if (type === 'vxlan') {
    const udp = ip[0]! >>> 4 === 6 ? 40 : 20;
    ip.fill(0, udp, udp + 2);
    if (udp === 40) ip.fill(0, udp + 6, udp + 8);
  }
  return toHex(ip);
}

/** The UDP checksum over the IPv6 pseudo-header of a VXLAN-over-IPv6 frame: 0 when right. */
function udp6Checksum(frame: Uint8Array): number {
  const ip = frame.subarray(14);
  return finish(sumWords(ip, 8, ip.length, ip.length - 40 + 17));
}

/** The same outer packet coming back the other way: addresses swapped, to the VTEP's MAC (over IPv6 with the UDP checksum made again). */
function mirrored(frame: Uint8Array, dstMac: string, family: Family): Uint8Array {
  const { local, remote } = FAMILIES[family];
  const layers = decode(frame).map((l, i) => {
    if (i === 0 && l.layer === 'ethernet') return { ...l, dst: dstMac, src: REMOTE_MAC };
    if (i === 1 && l.layer === 'ipv4') return { ...l, src: remote, dst: local, checksum: undefined };
    if (i === 1 && l.layer === 'ipv6') return { ...l, src: remote, dst: local };
    if (i === 2 && l.layer === 'udp' && family === 'ipv6') return { ...l, checksum: undefined };
    return l;
  });
  return encode(layers);
}

describe.skipIf(!haveOvs()).each(['ipv4', 'ipv6'] as const)('tunnel ports match Open vSwitch over %s', (family) => {
  const { local, remote, prefix } = FAMILIES[family];
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: 1 });
    ovs.ensureUnderlay({ localIp: `${local}/${prefix}` });
    ovs.addTunnelPort('vx', 'vxlan', { remote_ip: remote, key: '5000' }, 5, REMOTE_MAC);
    ovs.addTunnelPort('gr', 'gre', { remote_ip: remote, key: '5000' }, 6, REMOTE_MAC);
  });
  afterAll(() => ovs?.stop());

  it.each(['vxlan', 'gre'] as const)('%s: encapsulation and decapsulation', async (type) => {
    const ofport = type === 'vxlan' ? 5 : 6;
    ovs.delFlows();
    ovs.addFlows(flows(family, ofport));
    const theirs = (await ovs.inject(1, inner)).filter((o) => o.port === 'underlay');
    expect(theirs).toHaveLength(1);
    const { net, s1, wire, host } = netloomSwitch(type, family);
    s1.receive(s1.port('p1')!, net.frame(inner));
    net.run();
    expect(wire.got).toHaveLength(1);
    expect(comparable(wire.got[0]!, type)).toBe(comparable(theirs[0]!.bytes, type));
    if (family === 'ipv6' && type === 'vxlan') expect([udp6Checksum(wire.got[0]!), udp6Checksum(theirs[0]!.bytes)]).toEqual([0, 0]);
    // Decapsulation: OVS's outer frame, sent to netloom's VTEP, comes out of p1 as the inner frame,
    // and netloom's outer frame, sent to OVS's, comes out of its p1 the same.
    wire.port('eth0')!.send(net.frame(mirrored(theirs[0]!.bytes, '02:00:00:00:00:99', family)));
    net.run();
    expect(host.got.map(toHex)).toEqual([toHex(inner)]);
    const back = mirrored(wire.got[0]!, 'aa:55:aa:55:01:00', family);
    const fromOvs = (await ovs.inject('underlay', back)).filter((o) => o.port !== LOCAL_PORT);
    expect(fromOvs.map((o) => [o.port, toHex(o.bytes)])).toEqual([[1, toHex(inner)]]);
    expect(decode(wire.got[0]!).map((l) => l.layer)).toEqual(type === 'vxlan' ? ['ethernet', family, 'udp', 'vxlan', 'ethernet', 'ipv4', 'udp', 'payload'] : ['ethernet', family, 'gre', 'ethernet', 'ipv4', 'udp', 'payload']);
  });
});

describe.skipIf(!haveOvs())('tunnel receive matches Open vSwitch', () => {
  let ovs: OvsSwitch;
  const OVS_VTEP_MAC = 'aa:55:aa:55:01:00';
  const OUR_VTEP_MAC = '02:00:00:00:00:99';
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: 2 });
    ovs.ensureUnderlay({ localIp: `${LOCAL}/24`, localMac: OVS_VTEP_MAC });
    ovs.addTunnelPort('vxf', 'vxlan', { remote_ip: REMOTE, key: 'flow' }, 5, REMOTE_MAC);
    ovs.addTunnelPort('vx0', 'vxlan', { remote_ip: REMOTE, key: '5000' }, 6, REMOTE_MAC);
    ovs.addTunnelPort('gr', 'gre', { remote_ip: REMOTE, key: '7' }, 7, REMOTE_MAC);
    ovs.addFlows(['in_port=5,actions=output:1', 'in_port=6,actions=output:2', 'in_port=7,actions=output:2']);
  });
  afterAll(() => ovs?.stop());

  /** netloom's switch with the same ports and flows; returns what reached p1 and p2 for each outer frame. */
  function ours(frames: Uint8Array[]): number[][] {
    const net = new Network(1);
    const spec: SwitchSpec = {
      kind: 'switch', name: 's1', flows: ['in_port=5,actions=output:1', 'in_port=6,actions=output:2', 'in_port=7,actions=output:2'],
      ports: [
        { name: 'p1', ofport: 1 },
        { name: 'p2', ofport: 2 },
        { name: 'vxf', ofport: 5, tunnel: { type: 'vxlan', remoteIp: REMOTE, key: 'flow', dstPort: 4789 } },
        { name: 'vx0', ofport: 6, tunnel: { type: 'vxlan', remoteIp: REMOTE, key: 5000, dstPort: 4789 } },
        { name: 'gr', ofport: 7, tunnel: { type: 'gre', remoteIp: REMOTE, key: 7, dstPort: 4789 } },
      ],
      underlay: { interface: { name: 'eth1', mac: OUR_VTEP_MAC, ipv4: [{ address: LOCAL, prefixLength: 24 }], ipv6: [] } },
    };
    const s1 = net.add(new SwitchNode(net, spec));
    const wire = net.add(new Wire(net, 'wire', 'host'));
    const h1 = net.add(new Wire(net, 'h1', 'host'));
    const h2 = net.add(new Wire(net, 'h2', 'host'));
    const impair = { latency: 1000, jitter: 0, bandwidth: 0, queue: 100, mtu: 1500, loss: 0 };
    new Link(net, s1.port('eth1')!, wire.addPort('eth0'), impair);
    new Link(net, s1.port('p1')!, h1.addPort('eth0'), impair);
    new Link(net, s1.port('p2')!, h2.addPort('eth0'), impair);
    return frames.map((f) => {
      const before = [h1.got.length, h2.got.length];
      const b = f.slice();
      b.set([0x02, 0, 0, 0, 0, 0x99], 0);
      wire.port('eth0')!.send(net.frame(b));
      net.run();
      return [...(h1.got.length > before[0]! ? [1] : []), ...(h2.got.length > before[1]! ? [2] : [])];
    });
  }

  const outer = (tunnel: LayerSpec[]) =>
    encode([{ layer: 'ethernet', src: REMOTE_MAC, dst: OVS_VTEP_MAC }, { layer: 'ipv4', src: REMOTE, dst: LOCAL, df: true, id: 0, ...(tunnel[0]!.layer === 'payload' && { protocol: 47 }) } as LayerSpec, ...tunnel]);
  /** VXLAN with UDP checksum 0 (none), or `checksum` pinned, or computed (undefined). */
  const vxlan = (vni: number, header: Record<string, number> = {}, checksum: number | undefined = 0) =>
    outer([{ layer: 'udp', srcPort: 50000, dstPort: 4789, ...(checksum !== undefined && { checksum }) }, { layer: 'vxlan', vni, ...header } as LayerSpec, { layer: 'payload', data: inner }]);
  const gre = (flags: number, extra: number[]) => outer([{ layer: 'payload', data: new Uint8Array([flags >> 8, flags & 255, 0x65, 0x58, ...extra, ...inner]) }]);
  /** GRE with the C and K bits: its checksum right, or one off. */
  const greChecksummed = (right: boolean) => {
    const body = new Uint8Array([0xa0, 0, 0x65, 0x58, 0, 0, 0, 0, 0, 0, 0, 7, ...inner]);
    const sum = internetChecksum(body) ^ (right ? 0 : 1);
    body.set([sum >> 8, sum & 0xff], 4);
    return outer([{ layer: 'payload', data: body }]);
  };

  it('takes a VNI on the port with that exact key before the key=flow port; drops what OVS drops (bad flags, a wrong UDP or GRE checksum)', async () => {
    const frames = [
      vxlan(5000), vxlan(7), vxlan(5000, { flags: 0 }), vxlan(5000, { flags: 0x0c }), vxlan(5000, { flags: 0x88 }), vxlan(5000, { reserved1: 1 }), vxlan(5000, { reserved1: 0x10000 }), vxlan(5000, { reserved2: 1 }),
      gre(0x2000, [0, 0, 0, 7]), gre(0x3000, [0, 0, 0, 7, 0, 0, 0, 1]), gre(0x6000, [0, 0, 0, 7]), gre(0x2001, [0, 0, 0, 7]), gre(0x2800, [0, 0, 0, 7]), gre(0x2008, [0, 0, 0, 7]),
      vxlan(5000, {}, undefined), vxlan(5000, {}, 0x1234), greChecksummed(true), greChecksummed(false),
    ];
    const theirs: number[][] = [];
    for (const f of frames) theirs.push((await ovs.inject('underlay', f)).filter((o) => o.port !== LOCAL_PORT).map((o) => o.port as number));
    expect(theirs).toEqual([[2], [1], [], [], [], [], [], [], [2], [2], [], [], [], [], [2], [], [2], []]);
    expect(ours(frames)).toEqual(theirs);
  });
});
