/**
 * Tunnel ports over an IPv6 underlay between two netloom switches on one link: Neighbor
 * Discovery (RFC 4861) resolves the far endpoint, VXLAN, GRE and ESP-protected GRE carry the
 * frame, the receiving side sets tun_ipv6_src and tun_ipv6_dst, and remote_ip=flow sends to
 * tun_ipv6_dst. The ND exchange is checked byte by byte.
 */
import { describe, expect, it } from 'vitest';
import { Network, Node, type Frame, type Port } from '../../src/sim/network.js';
import { Link } from '../../src/sim/link.js';
import { SwitchNode } from '../../src/switch/node.js';
import { decode, encode, loadTopology, runTopology, toHex } from '../../src/index.js';
import type { SwitchSpec, TunnelSpec } from '../../src/switch/spec.js';

const A = '2001:db8::a';
const B = '2001:db8::b';
const MAC_A = '02:00:00:00:00:0a';
const MAC_B = '02:00:00:00:00:0b';
const impair = { latency: 1000, jitter: 0, bandwidth: 0, queue: 100, mtu: 1500, loss: 0 };

/** Records what arrives. */
class Station extends Node {
  readonly got: Uint8Array[] = [];
  receive(_port: Port, frame: Frame): void {
    this.got.push(frame.bytes);
  }
}

const inner = encode([{ layer: 'ethernet', src: '0a:00:00:00:00:01', dst: '0a:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1000, dstPort: 2000 }]);

function vtep(name: string, address: string, mac: string, tunnel: TunnelSpec, flows: string[]): SwitchSpec {
  return {
    kind: 'switch', name, flows,
    ports: [{ name: 'p1', ofport: 1 }, { name: 'tun', ofport: 5, tunnel }],
    underlay: { interface: { name: 'eth1', mac, ipv4: [], ipv6: [{ address, prefixLength: 64 }] } },
  };
}

/** s1 and s2 joined by their underlay ports, a station on each p1, and what s1 sends on the underlay. */
function pair(tunnel: (remote: string) => TunnelSpec, flows1: string[], flows2: string[]) {
  const net = new Network(1);
  const s1 = net.add(new SwitchNode(net, vtep('s1', A, MAC_A, tunnel(B), flows1)));
  const s2 = net.add(new SwitchNode(net, vtep('s2', B, MAC_B, tunnel(A), flows2)));
  const h1 = net.add(new Station(net, 'h1', 'host'));
  const h2 = net.add(new Station(net, 'h2', 'host'));
  new Link(net, s1.port('eth1')!, s2.port('eth1')!, impair);
  new Link(net, s1.port('p1')!, h1.addPort('eth0'), impair);
  new Link(net, s2.port('p1')!, h2.addPort('eth0'), impair);
  // What s1 puts on the underlay link, as sent.
  const wire: Uint8Array[] = [];
  const underlay = s1.port('eth1')!;
  const send = underlay.send.bind(underlay);
  underlay.send = (frame: Frame) => {
    wire.push(frame.bytes.slice());
    send(frame);
  };
  return { net, s1, s2, h1, h2, wire };
}

const ESP = { alg: 'aes-gcm-128', key: '00112233445566778899aabbccddeeff00112233', spiOut: 0x100, spiIn: 0x100 } as const;

describe('tunnel ports over an IPv6 underlay', () => {
  it.each([
    ['vxlan', { type: 'vxlan', key: 5000, dstPort: 4789 }, ['ethernet', 'ipv6', 'udp', 'vxlan', 'ethernet', 'ipv4', 'udp']],
    ['gre', { type: 'gre', key: 5000, dstPort: 4789 }, ['ethernet', 'ipv6', 'gre', 'ethernet', 'ipv4', 'udp']],
    ['esp', { type: 'esp', key: 5000, dstPort: 4789, esp: ESP }, ['ethernet', 'ipv6', 'esp', 'payload']],
  ] as const)('%s: resolves the far endpoint by Neighbor Discovery and carries the frame; tun_ipv6_src and tun_ipv6_dst are set on receive', (_, t, layers) => {
    const { net, s1, h2, wire } = pair((remote) => ({ ...t, remoteIp: remote }), ['in_port=1,actions=output:5'], [`in_port=5,tun_ipv6_src=${A},tun_ipv6_dst=${B},actions=output:1`]);
    s1.receive(s1.port('p1')!, net.frame(inner));
    net.run();
    expect(h2.got.map(toHex)).toEqual([toHex(inner)]);
    const [solicit, tunnelled] = wire;
    expect(wire).toHaveLength(2);
    expect(decode(tunnelled!).map((l) => l.layer)).toEqual(layers);
    // RFC 4861 §7.2.2: to the solicited-node group of B (ff02::1:ff00:b) at 33:33:ff:00:00:0b, hop limit 255, our link-layer address as option 1.
    expect(toHex(solicit!)).toBe(toHex(encode([
      { layer: 'ethernet', dst: '33:33:ff:00:00:0b', src: MAC_A },
      { layer: 'ipv6', src: A, dst: 'ff02::1:ff00:b', hopLimit: 255 },
      { layer: 'icmpv6', type: 135, code: 0, rest: 0 },
      { layer: 'payload', data: new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 0x0b, 1, 1, 2, 0, 0, 0, 0, 0x0a]) },
    ])));
  });

  it('answers with a solicited, override advertisement carrying its link-layer address (RFC 4861 §7.2.4)', () => {
    const net = new Network(1);
    const s2 = net.add(new SwitchNode(net, vtep('s2', B, MAC_B, { type: 'gre', remoteIp: A, key: 1, dstPort: 4789 }, [])));
    const asker = net.add(new Station(net, 'asker', 'host'));
    new Link(net, s2.port('eth1')!, asker.addPort('eth0'), impair);
    asker.port('eth0')!.send(net.frame(encode([
      { layer: 'ethernet', dst: '33:33:ff:00:00:0b', src: MAC_A },
      { layer: 'ipv6', src: A, dst: 'ff02::1:ff00:b', hopLimit: 255 },
      { layer: 'icmpv6', type: 135, code: 0, rest: 0 },
      { layer: 'payload', data: new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 0x0b, 1, 1, 2, 0, 0, 0, 0, 0x0a]) },
    ])));
    net.run();
    expect(asker.got.map(toHex)).toEqual([toHex(encode([
      { layer: 'ethernet', dst: MAC_A, src: MAC_B },
      { layer: 'ipv6', src: B, dst: A, hopLimit: 255 },
      { layer: 'icmpv6', type: 136, code: 0, rest: 0x60000000 },
      { layer: 'payload', data: new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 0x0b, 2, 1, 2, 0, 0, 0, 0, 0x0b]) },
    ]))]);
  });

  it('solicits three times a second apart, then drops what waited (as ARP does)', () => {
    const net = new Network(1);
    const s1 = net.add(new SwitchNode(net, vtep('s1', A, MAC_A, { type: 'gre', remoteIp: B, key: 1, dstPort: 4789 }, ['in_port=1,actions=output:5'])));
    const silent = net.add(new Station(net, 'silent', 'host'));
    new Link(net, s1.port('eth1')!, silent.addPort('eth0'), impair);
    s1.receive(s1.port('p1')!, net.frame(inner));
    s1.receive(s1.port('p1')!, net.frame(inner));
    net.run();
    expect(silent.got.map((b) => decode(b)[2])).toEqual(new Array(3).fill(expect.objectContaining({ layer: 'icmpv6', type: 135 })));
    expect(net.drops.get('s1 ARP_FAILED')).toBe(2);
  });

  it('reaches an endpoint off the link through the IPv6 gateway: it solicits the gateway, not the endpoint', () => {
    const net = new Network(1);
    const spec = vtep('s1', A, MAC_A, { type: 'gre', remoteIp: '2001:db8:9::b', key: 1, dstPort: 4789 }, ['in_port=1,actions=output:5']);
    spec.underlay!.gateway = '2001:db8::1';
    const s1 = net.add(new SwitchNode(net, spec));
    const silent = net.add(new Station(net, 'silent', 'host'));
    new Link(net, s1.port('eth1')!, silent.addPort('eth0'), impair);
    s1.receive(s1.port('p1')!, net.frame(inner));
    net.run();
    expect(decode(silent.got[0]!).slice(0, 2)).toEqual([expect.objectContaining({ dst: '33:33:ff:00:00:01' }), expect.objectContaining({ layer: 'ipv6', dst: 'ff02::1:ff00:1' })]);
  });

  it('remote_ip=flow sends to tun_ipv6_dst; tun_dst, when set, comes first (OVS flow_tnl_dst)', () => {
    const flows1 = [`in_port=1,actions=set_field:${B}->tun_ipv6_dst,output:5`];
    const { net, s1, h2, wire } = pair((remote) => ({ type: 'gre', remoteIp: remote === B ? 'flow' : remote, key: 5, dstPort: 4789 }), flows1, ['in_port=5,actions=output:1']);
    s1.receive(s1.port('p1')!, net.frame(inner));
    net.run();
    expect(h2.got.map(toHex)).toEqual([toHex(inner)]);
    expect(decode(wire[1]!)[1]).toEqual(expect.objectContaining({ layer: 'ipv6', src: A, dst: B }));
    s1.bridge.delFlows();
    s1.bridge.addFlow(`in_port=1,actions=set_field:192.0.2.9->tun_dst,set_field:${B}->tun_ipv6_dst,output:5`);
    s1.receive(s1.port('p1')!, net.frame(inner));
    net.run();
    expect(net.drops.get('s1 NO_ROUTE')).toBe(1);
  });

  /** Two sites whose switches' underlay ports share one link, joined by the tunnel port `tunnel` writes for each far end. */
  const sites = (tunnel: (remote: string) => string) => `
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.10.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.10.0.2/24 } } }
  s1: { kind: switch, underlay: { port: eth1, ipv6: 2001:db8::1/64 }, ports: { p1: {}, t0: ${tunnel('2001:db8::2')} } }
  s2: { kind: switch, underlay: { port: eth1, ipv6: 2001:db8::2/64 }, ports: { p1: {}, t0: ${tunnel('2001:db8::1')} } }
links:
  - endpoints: [h1:eth0, s1:p1]
  - endpoints: [s1:eth1, s2:eth1]
  - endpoints: [h2:eth0, s2:p1]
traffic:
  - ping: { name: overlay ping, from: h1, to: h2, count: 3 }
expect:
  - delivered: { traffic: overlay ping, min: 3 }
`;

  it.each([
    ['VXLAN', (remote: string) => `{ type: vxlan, remoteIp: ${remote}, key: 5000 }`],
    ['ESP-protected GRE', (remote: string) => `{ type: esp, remoteIp: ${remote}, key: 7, esp: { alg: aes-gcm-128, key: "0x000102030405060708090a0b0c0d0e0f01020304", spiOut: 256, spiIn: 256 } }`],
  ])('runs from a topology file: hosts ping across %s over an IPv6 link', async (_, tunnel) => {
    const summary = await runTopology(loadTopology(sites(tunnel), 'ipv6.yaml'));
    expect(summary.passed).toBe(true);
    expect(summary.drops).toEqual([]);
  });
});
