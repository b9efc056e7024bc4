import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { runTopology, tracePath } from '../../src/topology/run.js';
import { MemorySink } from '../../src/capture/sinks.js';
import { PcapngWriter } from '../../src/capture/pcapng.js';
import { readCapture } from '../../src/capture/read.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { Random } from '../../src/sim/random.js';
import type { PingTraffic, Topology, UdpTraffic } from '../../src/topology/types.js';
import { host, link, twoRouters } from './fixtures.js';
import { toHex } from '../../src/index.js';

const ping = (over: Partial<PingTraffic> = {}): PingTraffic => ({
  kind: 'ping', name: 'ping', from: 'h1', to: 'h2', count: 5, interval: 1e9, start: 0, size: 56, ttl: 64, df: false, timeout: 2e9, ...over,
});
const udp = (over: Partial<UdpTraffic> = {}): UdpTraffic => ({
  kind: 'udp', name: 'udp', from: 'h1', to: 'h2', srcPort: 40000, dstPort: 9000, size: 100, rate: 100, count: 100, start: 0, df: false, ...over,
});

async function capture(topology: Topology, seed?: number): Promise<{ bytes: Uint8Array; summary: Awaited<ReturnType<typeof runTopology>> }> {
  const sink = new MemorySink();
  const summary = await runTopology(topology, { capture: new PcapngWriter(sink), ...(seed !== undefined && { seed }) });
  return { bytes: sink.bytes(), summary };
}

describe('scheduler', () => {
  it('runs events in time order and simultaneous ones in the order scheduled', async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    const h = { onEvent: (_k: number, p: unknown) => seen.push(`${s.now}:${String(p)}`) };
    s.at(20, h, 0, 'c');
    s.at(10, h, 0, 'a');
    s.at(10, h, 0, 'b');
    s.at(5, h, 0, 'first');
    s.run();
    expect(seen).toEqual(['5:first', '10:a', '10:b', '20:c']);
    expect(() => s.at(1, h, 0)).toThrow(RangeError);
  });

  it('gives the same random numbers for the same seed, different for another', async () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });
});

describe('simulation', () => {
  it('is deterministic: two runs give byte-identical captures and summaries', async () => {
    const t = twoRouters({ traffic: [ping(), udp({ count: 50 })] }, { jitter: 300_000, loss: 0.05 });
    const a = await capture(t);
    const b = await capture(t);
    expect(toHex(a.bytes)).toBe(toHex(b.bytes));
    expect(a.summary).toEqual(b.summary);
    const c = await capture(t, 2);
    expect(toHex(c.bytes)).not.toBe(toHex(a.bytes));
  });

  it('pings across two routers; RTT is 6 link traversals of latency (plus ARP on the first)', async () => {
    const summary = await runTopology(twoRouters({ traffic: [ping()] }, { latency: 2_000_000 }));
    const t = summary.traffic[0]!;
    expect(t).toMatchObject({ sent: 5, delivered: 5, lost: 0 });
    // Each way crosses 3 links of 2 ms; the first ping also waits for ARP at h1, r1, r2 (and h2's answer).
    expect(t.rtt?.min).toBe(12);
    expect(t.rtt?.max).toBe(24);
  });

  it('bandwidth shows as serialization delay: 1 Mbps adds 8 µs per byte on each of 6 links', async () => {
    const slow = await runTopology(twoRouters({ traffic: [ping({ size: 1000 })] }, { latency: 1_000_000, bandwidth: 1e6 }));
    const frame = 14 + 20 + 8 + 1000;
    // Latency 6 ms + 6 serializations of the frame.
    expect(slow.traffic[0]!.rtt?.min).toBeCloseTo(6 + (6 * frame * 8) / 1e3, 6);
  });

  it('a bounded queue tail-drops a burst faster than the link', async () => {
    const t = twoRouters({ traffic: [udp({ rate: 10_000, count: 200, size: 1000 })] }, { bandwidth: 1e6, queue: 10 });
    const summary = await runTopology(t);
    const queueDrops = summary.drops.filter((d) => d.reason === 'QUEUE_FULL').reduce((a, d) => a + d.count, 0);
    expect(queueDrops).toBeGreaterThan(100);
    expect(summary.traffic[0]!.delivered + queueDrops).toBe(200);
  });

  it('loss is within statistical bounds for the seed (binomial, 4 sigma)', async () => {
    const n = 4000;
    const p = 0.1;
    const t: Topology = {
      name: 'lossy', seed: 7,
      nodes: [host('h1', '10.0.0.1/24'), host('h2', '10.0.0.2/24')],
      links: [link('h1:eth0', 'h2:eth0', { loss: p })],
      traffic: [udp({ count: n, rate: 1000 })], expect: [],
    };
    const s = await runTopology(t);
    const lost = s.drops.find((d) => d.reason === 'LOSS')?.count ?? 0;
    // ARP frames cross the same link and can be lost too; count every frame that crossed.
    const frames = s.packetHops + lost;
    const sigma = Math.sqrt(frames * p * (1 - p));
    expect(Math.abs(lost - frames * p)).toBeLessThan(4 * sigma);
    expect(s.traffic[0]!.delivered).toBeGreaterThan(n * (1 - p) - 4 * Math.sqrt(n * p * (1 - p)) - 10);
  });

  it('TTL expiry: the router drops, sends time exceeded, and the ping counts the error', async () => {
    const s = await runTopology(twoRouters({ traffic: [ping({ ttl: 2, count: 3 })] }));
    expect(s.drops).toEqual([{ node: 'r2', reason: 'TTL_EXCEEDED', count: 3 }]);
    expect(s.traffic[0]!.errors).toEqual({ 'time exceeded from 10.0.12.2': 3 });
  });

  it('wraps a ping sequence number past 65,535, as ping does', async () => {
    const s = await runTopology(twoRouters({ traffic: [ping({ count: 66_000, interval: 1e5 })] }), { until: 7e9 });
    expect(s.traffic[0]).toMatchObject({ sent: 66_000, delivered: 66_000, lost: 0 });
  });

  it('counts a ping still waiting for its reply when the run ends as in flight, not lost', async () => {
    const s = await runTopology(twoRouters({ traffic: [ping({ count: 3 })] }), { until: 1.001e9 });
    expect(s.traffic[0]).toMatchObject({ sent: 2, delivered: 1, lost: 0, inFlight: 1 });
    const done = await runTopology(twoRouters({ traffic: [ping({ count: 3 })] }));
    expect(done.traffic[0]).toMatchObject({ sent: 3, delivered: 3, lost: 0 });
    expect(done.traffic[0]!.inFlight).toBeUndefined();
  });

  it('a link that fails mid-run loses the pings in between and recovers', async () => {
    const t = twoRouters({ traffic: [ping({ count: 10 })] });
    t.links[1]!.schedule = [{ at: 3.5e9, state: 'down' }, { at: 6.5e9, state: 'up' }];
    const s = await runTopology(t);
    expect(s.traffic[0]).toMatchObject({ sent: 10, delivered: 7, lost: 3 });
    expect(s.drops).toEqual([{ node: 'r1', reason: 'LINK_DOWN', count: 3 }]);
  });

  it('MTU: DF set gives fragmentation needed with the next-hop MTU; DF clear gets fragmented and reassembled', async () => {
    const t = twoRouters({ traffic: [ping({ size: 1450, df: true, count: 2 }), ping({ size: 1450, df: false, count: 2, start: 5e9 })] });
    t.links[1]!.mtu = 1400;
    const s = await runTopology(t);
    expect(s.traffic[0]).toMatchObject({ delivered: 0, errors: { 'fragmentation needed, next-hop MTU 1400 from 10.0.1.1': 2 } });
    expect(s.traffic[1]).toMatchObject({ delivered: 2 });
    expect(s.drops).toEqual([{ node: 'r1', reason: 'MTU_EXCEEDED', count: 2 }]);
  });

  it('traces a path hop by hop with its disposition', async () => {
    const t = twoRouters();
    const ok = await tracePath(t, 'h1', 'h2');
    expect(ok.disposition).toBe('DELIVERED');
    expect(ok.hops.map((h) => [h.node, h.inPort, h.outPort])).toEqual([
      ['h1', undefined, 'eth0'], ['r1', 'eth0', 'eth1'], ['r2', 'eth0', 'eth1'], ['h2', 'eth0', undefined],
    ]);
    expect(ok.hops[1]!.actions).toEqual(['route 10.0.2.0/24 via 10.0.12.2 out eth1, TTL 64 → 63']);
    await expect(t).toDrop({ from: 'h1', to: '10.9.9.9' }, { at: 'r1', reason: 'NO_ROUTE' });
    const small = twoRouters();
    small.links[2]!.mtu = 60;
    await expect(small).toDeliver({ from: 'h1', to: 'h2' });
  });

  it('detects a routing loop', async () => {
    const t = twoRouters();
    (t.nodes[2] as { routes: unknown[] }).routes = [{ prefix: '10.0.0.0', prefixLength: 8, via: '10.0.12.1' }];
    (t.nodes[1] as { routes: unknown[] }).routes = [{ prefix: '10.0.0.0', prefixLength: 8, via: '10.0.12.2' }];
    const path = await tracePath(t, 'h1', '10.7.7.7');
    expect(path.disposition).toBe('LOOP');
    expect(path.reason).toBe('TTL_EXCEEDED');
  });

  it('captures every port as a pcapng interface with directions and decision comments', async () => {
    const { bytes } = await capture(twoRouters({ traffic: [ping({ count: 1 })] }));
    const read = readCapture(bytes);
    expect(read.error).toBeUndefined();
    expect(read.interfaces.map((i) => i.name)).toEqual(['h1:eth0', 'r1:eth0', 'r1:eth1', 'r2:eth0', 'r2:eth1', 'h2:eth0']);
    expect(read.interfaces[0]!.description).toMatch(/^host interface 02:00:00:00:[0-9a-f:]+, 10\.0\.1\.10\/24, link to r1:eth0$/);
    const routed = read.packets.filter((p) => p.comments?.some((c) => c.startsWith('route ')));
    expect(routed.length).toBe(4);
    expect(read.packets.every((p) => p.direction !== undefined)).toBe(true);
  });
});

describe('RFC details of hosts and routers', () => {
  it('a router reassembles a fragmented echo request to itself before answering (RFC 1122 §3.3.2)', async () => {
    const t = twoRouters({ traffic: [ping({ to: '10.0.12.2', size: 1000, count: 2 })] });
    t.links[0]!.mtu = 576;
    t.links[1]!.mtu = 576;
    expect((await runTopology(t)).traffic[0]).toMatchObject({ sent: 2, delivered: 2 });
  });

  it('sends no ICMP error about multicast or broadcast destinations (RFC 1812 §4.3.2.7)', async () => {
    const t = twoRouters({ traffic: [udp({ to: '224.0.0.5', count: 2 }), udp({ to: '240.0.0.5', count: 2, srcPort: 40001 })] });
    const s = await runTopology(t);
    expect(s.drops).toEqual([{ node: 'r1', reason: 'NO_ROUTE', count: 4 }]);
    // No ICMP came back to h1: it sent 4 datagrams and received nothing.
    expect(s.packetHops).toBe(4 + 2);
  });

  it('sends to a subnet-directed broadcast address as an Ethernet broadcast, without ARP', async () => {
    const t: Topology = {
      name: 'bcast', seed: 1,
      nodes: [host('h1', '10.0.0.1/24'), host('h2', '10.0.0.2/24')],
      links: [link('h1:eth0', 'h2:eth0')],
      traffic: [udp({ to: '10.0.0.255', count: 3 })], expect: [],
    };
    const s = await runTopology(t);
    expect(s.drops.filter((d) => d.reason === 'ARP_FAILED')).toEqual([]);
    expect(s.packetHops).toBe(3);
  });

  it('drops a UDP datagram whose checksum is wrong (RFC 1122 §4.1.3.4)', async () => {
    const { Network } = await import('../../src/sim/network.js');
    const { Host } = await import('../../src/hosts/host.js');
    const { encode } = await import('../../src/index.js');
    const net = new Network(1);
    const h = net.add(new Host(net, host('h2', '10.0.0.2/24')));
    h.listen(9000);
    const datagram = (checksum?: number) =>
      encode([{ layer: 'ethernet', dst: h.interfaces[0]!.mac.reduce((a, b) => `${a}${a ? ':' : ''}${b.toString(16).padStart(2, '0')}`, '') }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 9000, ...(checksum !== undefined && { checksum }) }, { layer: 'payload', data: new Uint8Array(4) }]);
    h.receive(h.ports[0]!, net.frame(datagram(0x1234)));
    h.receive(h.ports[0]!, net.frame(datagram()));
    h.receive(h.ports[0]!, net.frame(datagram(0)));
    expect(net.drops.get('h2 BAD_PACKET')).toBe(1);
    expect(h.udpReceived.get('10.0.0.1:1>9000')).toBe(2);
  });
});

describe('an Ethernet loop', () => {
  it('ends: a flooded frame is dropped as a loop after 255 links, so the run finishes', async () => {
    const { loadTopology } = await import('../../src/topology/load.js');
    const t = loadTopology(
      [
        'nodes:',
        '  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }',
        '  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }',
        '  s1: { kind: switch, ports: [p1, a, b] }',
        '  s2: { kind: switch, ports: [p1, a, b] }',
        'links: [ { endpoints: [h1:eth0, s1:p1] }, { endpoints: [h2:eth0, s2:p1] }, { endpoints: [s1:a, s2:a] }, { endpoints: [s1:b, s2:b] } ]',
        'traffic: [ { ping: { from: h1, to: h2, count: 1 } } ]',
      ].join('\n'),
      'loop.yaml',
    );
    const s = await runTopology(t);
    expect(s.drops.filter((d) => d.reason === 'LOOP').reduce((a, d) => a + d.count, 0)).toBeGreaterThan(0);
    expect(s.packetHops).toBeLessThan(1_000_000);
  });
});
