/** The switch as a node of the simulation: learned flows expiring, and tunnel packets received as OVS receives them. */
import { describe, expect, it } from 'vitest';
import { Network, Node, type Frame, type Port } from '../../src/sim/network.js';
import { Link } from '../../src/sim/link.js';
import { SwitchNode } from '../../src/switch/node.js';
import { join } from 'node:path';
import { decode, encode, loadTopologyFile, MemorySink, PcapngWriter, readCapture, runTopology, toHex } from '../../src/index.js';
import type { LayerSpec, TraceEvent } from '../../src/index.js';
import type { SwitchSpec } from '../../src/topology/types.js';

const LOCAL = '192.0.2.1';
const REMOTE = '192.0.2.2';
const VTEP_MAC = '02:00:00:00:00:99';

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

const impair = { latency: 1000, jitter: 0, bandwidth: 0, queue: 100, mtu: 1500, loss: 0 };

function network(spec: Omit<SwitchSpec, 'kind' | 'name'>, hosts: string[]) {
  const net = new Network(1);
  const s1 = net.add(new SwitchNode(net, { kind: 'switch', name: 's1', ...spec }));
  const stations = new Map<string, Station>();
  for (const name of hosts) {
    const st = net.add(new Station(net, name, 'host'));
    new Link(net, s1.port(name === 'wire' ? 'eth1' : `p${name.slice(1)}`)!, st.addPort('eth0'), impair);
    stations.set(name, st);
  }
  return { net, s1, at: (ns: number, name: string, bytes: Uint8Array) => net.scheduler.at(ns, stations.get(name)!, 0, bytes), station: (name: string) => stations.get(name)! };
}

const eth = (src: string, dst: string) => encode([{ layer: 'ethernet', src, dst }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);

describe('SwitchNode', () => {
  it('floods to LOCAL as OVS does: nothing is behind it here, but LOCAL counts what it sent, and nothing is dropped', () => {
    const { net, s1, at, station } = network({ ports: [1, 2].map((n) => ({ name: `p${n}`, ofport: n })), flows: ['actions=NORMAL'] }, ['h1', 'h2']);
    const events: TraceEvent[] = [];
    net.recorder.add({ event: (e) => events.push(e) });
    const frame = eth('02:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff');
    at(0, 'h1', frame);
    net.scheduler.run();
    expect(station('h2').got.map(toHex)).toEqual([toHex(frame)]);
    expect(s1.portInfo().map((p) => [p.number, p.name, p.counters.txPackets, p.counters.txBytes])).toEqual([[1, 'p1', 0, 0], [2, 'p2', 1, frame.length], [65534, 's1', 1, frame.length]]);
    expect(events.filter((e) => e.dir === 'drop')).toEqual([]);
  });

  it('expires flows that learn added, by their own idle timeout', () => {
    const { net, s1, at } = network(
      {
        ports: [1, 2, 3].map((n) => ({ name: `p${n}`, ofport: n })),
        flows: ['table=0,actions=learn(table=1,idle_timeout=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,1)', 'table=1,priority=0,actions=flood'],
      },
      ['h1', 'h2', 'h3'],
    );
    at(0, 'h1', eth('02:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff'));
    at(10e9, 'h3', eth('02:00:00:00:00:03', 'ff:ff:ff:ff:ff:ff'));
    net.scheduler.run(1e9);
    const learned = () => s1.bridge.pipeline.allRules().filter((r) => r.table === 1 && r.priority !== 0).map((r) => r.matchText);
    expect(learned()).toEqual(['dl_dst=02:00:00:00:00:01']);
    net.scheduler.run();
    // The packet at 10 s found the flow learned at 0 s idle for 10 s > 5 s: gone before it was switched.
    expect(learned()).toEqual(['dl_dst=02:00:00:00:00:03']);
  });

  describe('tunnel receive', () => {
    const inner = eth('02:00:00:00:00:0a', '02:00:00:00:00:0b');
    const outer = (tunnel: LayerSpec[]) =>
      encode([{ layer: 'ethernet', src: '02:00:00:00:00:02', dst: VTEP_MAC }, { layer: 'ipv4', src: REMOTE, dst: LOCAL, df: true, id: 0, ...(tunnel[0]!.layer === 'payload' && { protocol: 47 }) } as LayerSpec, ...tunnel]);
    const vxlan = (vni: number, header: Record<string, number> = {}) => outer([{ layer: 'udp', srcPort: 50000, dstPort: 4789, checksum: 0 }, { layer: 'vxlan', vni, ...header } as LayerSpec, { layer: 'payload', data: inner }]);
    const gre = (flags: number) => outer([{ layer: 'payload', data: new Uint8Array([flags >> 8, flags & 255, 0x65, 0x58, 0, 0, 0, 7, ...inner]) }]);
    const make = () =>
      network(
        {
          ports: [
            { name: 'p1', ofport: 1 },
            { name: 'p2', ofport: 2 },
            { name: 'vxf', ofport: 5, tunnel: { type: 'vxlan', remoteIp: REMOTE, key: 'flow', dstPort: 4789 } },
            { name: 'vx0', ofport: 6, tunnel: { type: 'vxlan', remoteIp: REMOTE, key: 5000, dstPort: 4789 } },
            { name: 'gr', ofport: 7, tunnel: { type: 'gre', remoteIp: REMOTE, key: 7, dstPort: 0 } },
          ],
          flows: ['in_port=5,actions=output:1', 'in_port=6,actions=output:2', 'in_port=7,actions=output:2'],
          underlay: { interface: { name: 'eth1', mac: VTEP_MAC, ipv4: [{ address: LOCAL, prefixLength: 24 }], ipv6: [] } },
        },
        ['h1', 'h2', 'wire'],
      );

    it('prefers the port with the exact key over key=flow, as OVS does', () => {
      const { net, at, station } = make();
      at(0, 'wire', vxlan(5000));
      at(1e6, 'wire', vxlan(7));
      net.scheduler.run();
      expect(station('h2').got.map(toHex)).toEqual([toHex(inner)]);
      expect(station('h1').got.map(toHex)).toEqual([toHex(inner)]);
    });

    it('takes VXLAN only with flags 08 and every reserved bit 0, and GRE only with C, K and S flags', () => {
      const { net, s1, at, station } = make();
      const bad = [vxlan(5000, { flags: 0 }), vxlan(5000, { flags: 0x0c }), vxlan(5000, { reserved1: 1 }), vxlan(5000, { reserved2: 1 }), gre(0x6000), gre(0x2001)];
      bad.forEach((b, i) => at(i * 1e6, 'wire', b));
      at(1e9, 'wire', vxlan(5000, { flags: 0x08 }));
      at(1e9 + 1e6, 'wire', gre(0x2000));
      net.scheduler.run();
      expect(net.drops.get(`${s1.name} BAD_PACKET`)).toBe(bad.length);
      expect(station('h2').got.map(toHex)).toEqual([toHex(inner), toHex(inner)]);
    });
  });

  it("sends tunnel packets with DF set, or, with dfDefault: false, without DF and with an IPv4 id of their own, fragmented where the underlay needs it", async () => {
    const sink = new MemorySink();
    const summary = await runTopology(loadTopologyFile(join(import.meta.dirname, '../../topologies/gre-costs.yaml')), { capture: new PcapngWriter(sink) });
    expect(summary.passed).toBe(true);
    const read = readCapture(sink.bytes());
    const sent = (iface: string, src: string) =>
      read.packets
        .filter((p) => read.interfaces[p.interfaceId]?.name === iface)
        .map((p) => decode(p.data).find((l) => l.layer === 'ipv4'))
        .flatMap((ip) => (ip?.layer === 'ipv4' && ip.src === src && (ip.protocol === 47 || ip.fragmentOffset > 0) ? [`${ip.totalLength} df=${ip.df} mf=${ip.mf} id=${ip.id} offset=${ip.fragmentOffset}`] : []));
    const s2 = sent('s2:eth1', '192.168.2.1');
    const s3 = sent('s3:eth1', '192.168.3.1');
    // s3 keeps OVS's default: DF and id 0 on all it sends (ARP in 70 bytes, echoes in 126); its 1542-byte packets are
    // the two drops the capture records there (MTU_EXCEEDED).
    expect(new Set(s3)).toEqual(new Set(['70 df=true mf=false id=0 offset=0', '126 df=true mf=false id=0 offset=0', '1542 df=true mf=false id=0 offset=0']));
    expect(summary.drops).toEqual([{ node: 's3', reason: 'MTU_EXCEEDED', count: 2 }]);
    // s2's two 1542-byte packets (h2's 1472-byte pings) each leave as a 1500-byte and a 62-byte fragment (offset 185 × 8 =
    // 1480 bytes), each packet with an id of its own (its earlier packets, ARP and echoes, took 1 to 5).
    expect(s2.filter((x) => x.startsWith('1500 ') || x.startsWith('62 '))).toEqual([
      '1500 df=false mf=true id=6 offset=0', '62 df=false mf=false id=6 offset=185', '1500 df=false mf=true id=7 offset=0', '62 df=false mf=false id=7 offset=185',
    ]);
    expect(s2.every((x) => x.includes('df=false'))).toBe(true);
  });
});
