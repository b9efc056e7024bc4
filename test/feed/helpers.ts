/** Feed test helpers: a WebSocket client that records every message, and a reference run without a feed. */
import { WebSocket, type ClientOptions } from 'ws';
import { runTopology, type RunSummary } from '../../src/topology/run.js';
import { PcapngWriter } from '../../src/capture/pcapng.js';
import { CAPTURE_EPOCH } from '../../src/capture/writer.js';
import { MemorySink } from '../../src/capture/sinks.js';
import type { Topology } from '../../src/topology/types.js';
import { loadTopology } from '../../src/topology/load.js';
import type { TraceEvent } from '../../src/sim/recorder.js';
import type { FeedEvent, GapMarker, ServerMessage } from '../../src/feed/messages.js';

export interface Recorded {
  ws: WebSocket;
  messages: ServerMessage[];
  /** Every event and gap, in the order received. */
  items(): (FeedEvent | GapMarker)[];
  events(): FeedEvent[];
  /** Resolves with the first message (from now on or already received) that `test` accepts. */
  until<T extends ServerMessage>(test: (m: ServerMessage) => m is T): Promise<T>;
  until(test: (m: ServerMessage) => boolean): Promise<ServerMessage>;
  send(message: unknown): void;
  closed: Promise<number>;
}

export function feedUrl(port: number, query = ''): string {
  return `ws://127.0.0.1:${port}/feed${query}`;
}

export async function connect(url: string, options: ClientOptions = {}): Promise<Recorded> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  const messages: ServerMessage[] = [];
  const waiting: { test: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as ServerMessage;
    messages.push(m);
    for (const w of [...waiting]) {
      if (w.test(m)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const items = () => messages.flatMap((m) => (m.type === 'events' ? m.events : []));
  return {
    ws,
    messages,
    items,
    events: () => items().filter((i): i is FeedEvent => i.kind === 'event'),
    until: ((test: (m: ServerMessage) => boolean) => {
      const seen = messages.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiting.push({ test, resolve }));
    }) as Recorded['until'],
    send: (message) => ws.send(JSON.stringify(message)),
    closed,
  };
}

export const isEnded = (m: ServerMessage): boolean => m.type === 'state' && m.state.state === 'ended';

/** The same run with no feed: its trace events and the pcapng --pcap would write. */
export async function reference(topology: Topology, seed?: number): Promise<{ events: TraceEvent[]; pcapng: Uint8Array; summary: RunSummary }> {
  const events: TraceEvent[] = [];
  const sink = new MemorySink();
  const summary = await runTopology(topology, { ...(seed !== undefined && { seed }), capture: new PcapngWriter(sink, { epoch: CAPTURE_EPOCH }), sinks: [{ event: (e) => events.push(e) }] });
  return { events, pcapng: sink.bytes(), summary };
}

/** Two hosts on a switch, h1 sending `count` UDP datagrams of `size` bytes at `rate` packets a second to h2 (about 6 trace events each): the feed's load (tests and bench/feed.bench.ts). */
export function floodTopology(size: number, rate: number, count: number): Topology {
  return loadTopology(
    `name: flood
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [p1, p2] }
links:
  - endpoints: [h1:eth0, s1:p1]
  - endpoints: [h2:eth0, s1:p2]
traffic:
  - udp: { name: flood, from: h1, to: h2, dstPort: 9, size: ${size}, rate: ${rate}pps, count: ${count} }
expect:
  - delivered: { traffic: flood, min: ${count} }
`,
    'flood.yaml',
  );
}
