/**
 * The simulation: scheduler events per second (beside calling the same handler directly), frames
 * through a link with a bandwidth (the bounded FIFO, serialization delay, delivery), and
 * an end-to-end run of a generated topology — 1,000 hosts behind 21 routers exchanging 100,000
 * pings — with wall time, packet-hops per second and peak memory, captures off.
 */
import { Scheduler, type EventHandler } from '../src/sim/scheduler.js';
import { Link } from '../src/sim/link.js';
import { Network, Node, type Frame, type Port } from '../src/sim/network.js';
import { runTopology } from '../src/topology/run.js';
import type { HostSpec, LinkSpec, PingTraffic, RouterSpec, Topology } from '../src/topology/types.js';
import { measure, report, type Result } from './harness.js';

const EDGES = Number(process.env['BENCH_EDGE_ROUTERS'] ?? 20);
const HOSTS_PER_EDGE = Number(process.env['BENCH_HOSTS_PER_EDGE'] ?? 50);
const PINGS_PER_HOST = Number(process.env['BENCH_PINGS_PER_HOST'] ?? 100);

/**
 * A core router, EDGES edge routers on /30 links to it, and HOSTS_PER_EDGE hosts on /30 links
 * to each edge router. Each host pings a host behind the next edge router.
 */
export function generatedTopology(): Topology {
  const nodes: (HostSpec | RouterSpec)[] = [];
  const links: LinkSpec[] = [];
  const link = (a: string, b: string): LinkSpec => ({ endpoints: [a, b], latency: 100_000, jitter: 0, bandwidth: 0, queue: 1000, mtu: 1500, loss: 0, schedule: [] });
  let macCounter = 0;
  const mac = () => {
    macCounter++;
    return `02:00:00:${((macCounter >> 16) & 255).toString(16).padStart(2, '0')}:${((macCounter >> 8) & 255).toString(16).padStart(2, '0')}:${(macCounter & 255).toString(16).padStart(2, '0')}`;
  };
  const iface = (name: string, address: string) => ({ name, mac: mac(), ipv4: [{ address, prefixLength: 30 }], ipv6: [] });
  const core: RouterSpec = { kind: 'router', name: 'core', arpTimeout: 3600e9, interfaces: [], routes: [] };
  nodes.push(core);
  const traffic: PingTraffic[] = [];
  for (let e = 0; e < EDGES; e++) {
    const edge: RouterSpec = { kind: 'router', name: `edge${e}`, arpTimeout: 3600e9, interfaces: [iface('up', `10.255.${e}.2`)], routes: [{ prefix: '0.0.0.0', prefixLength: 0, via: `10.255.${e}.1` }] };
    core.interfaces.push(iface(`e${e}`, `10.255.${e}.1`));
    core.routes.push({ prefix: `10.${e}.0.0`, prefixLength: 16, via: `10.255.${e}.2` });
    links.push(link(`core:e${e}`, `edge${e}:up`));
    for (let h = 0; h < HOSTS_PER_EDGE; h++) {
      const base = h * 4;
      const addr = (k: number) => `10.${e}.${(base + k) >> 8}.${(base + k) & 255}`;
      edge.interfaces.push(iface(`h${h}`, addr(1)));
      nodes.push({ kind: 'host', name: `h${e}_${h}`, arpTimeout: 3600e9, gateway: addr(1), interfaces: [iface('eth0', addr(2))] });
      links.push(link(`edge${e}:h${h}`, `h${e}_${h}:eth0`));
      traffic.push({
        kind: 'ping', name: `h${e}_${h}`, from: `h${e}_${h}`, to: `h${(e + 1) % EDGES}_${h}`, count: PINGS_PER_HOST,
        interval: 10_000_000, start: h * 10_000, size: 56, ttl: 64, df: false, timeout: 1e9,
      });
    }
    nodes.push(edge);
  }
  return { name: 'generated', seed: 1, nodes, links, traffic, expect: [] };
}

/** A node that counts what arrives. */
class Sink extends Node {
  received = 0;
  receive(_port: Port, _frame: Frame): void {
    this.received++;
  }
}

/**
 * 1,000 frames of 1,000 bytes sent at once into a 1 Gb/s link with room for all of them, then
 * delivered: the per-frame cost of the FIFO and serialization path, beside a link with no
 * bandwidth (no queue at all).
 */
function linkResults(): Result[] {
  const frames = (bandwidth: number) => {
    const net = new Network(1);
    const a = net.add(new Sink(net, 'a', 'sink'));
    const b = net.add(new Sink(net, 'b', 'sink'));
    const from = a.addPort('p');
    new Link(net, from, b.addPort('p'), { latency: 1000, jitter: 0, bandwidth, queue: 1000, mtu: 1500, loss: 0 });
    const bytes = new Uint8Array(1000);
    return () => {
      for (let k = 0; k < 1000; k++) from.send(net.frame(bytes));
      net.scheduler.run();
    };
  };
  const baseline = 'no bandwidth: 1,000 frames straight on';
  return [measure(baseline, frames(0)), measure('1 Gb/s FIFO: 1,000 frames queued and sent', frames(1e9), baseline)];
}

export async function main(): Promise<void> {
  // Scheduler: a million events through the heap, beside a million direct calls.
  const results: Result[] = [];
  let sink = 0;
  const handler: EventHandler = { onEvent: (kind) => (sink += kind) };
  const baseline = 'baseline: the same handler called directly';
  results.push(measure(baseline, () => {
    for (let k = 0; k < 1000; k++) handler.onEvent(k & 7, undefined, 0);
  }));
  const scheduler = new Scheduler();
  results.push(measure('scheduler: 1,000 events scheduled then run', () => {
    const t = scheduler.now;
    for (let k = 0; k < 1000; k++) scheduler.at(t + ((k * 7919) % 1000), handler, k & 7);
    scheduler.run();
  }, baseline));
  report('scheduler (rates are per 1,000 events)', results);
  report('link with a bandwidth (rates are per 1,000 frames)', linkResults());

  const topology = generatedTopology();
  const hosts = EDGES * HOSTS_PER_EDGE;
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const start = process.hrtime.bigint();
  const summary = await runTopology(topology, { onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const delivered = summary.traffic.reduce((a, t) => a + t.delivered, 0);
  const sent = summary.traffic.reduce((a, t) => a + t.sent, 0);
  console.log(`\nend to end: ${hosts} hosts behind ${EDGES + 1} routers, ${sent.toLocaleString('en')} pings (captures off)`);
  console.log(`  delivered ${delivered.toLocaleString('en')} replies; ${summary.packetHops.toLocaleString('en')} packet-hops, ${summary.events.toLocaleString('en')} events`);
  console.log(`  wall ${seconds.toFixed(2)} s; ${(summary.packetHops / seconds / 1e3).toFixed(0)}k packet-hops/s; ${(summary.events / seconds / 1e6).toFixed(2)}M events/s; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
  if (sink < 0) throw new Error('unreachable');
}
