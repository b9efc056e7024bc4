/**
 * The live feed: one run of a UDP flood (about 6 trace events per datagram) as fast as possible,
 * with no feed (the baseline), traced into a counting sink, behind a feed with no client, and
 * behind a feed with 1, 10 and 100 WebSocket clients reading every event over 127.0.0.1, each
 * case the fastest of three rounds. The
 * clients run in this process, so they share its CPU with the simulation and the server:
 * figures for delivered events are a floor. A client too slow for the run gets gap markers
 * instead of stalling it; the dropped column says how many events that was.
 */
import { WebSocket } from 'ws';
import { runTopology } from '../src/topology/run.js';
import { startFeed } from '../src/feed/feed.js';
import { report, type Result } from './harness.js';
import { floodTopology } from '../test/feed/helpers.js';

const EVENT = '{"kind":"event"';
const DATAGRAMS = Number(process.env['BENCH_FEED_DATAGRAMS'] ?? 20_000);

const flood = floodTopology(100, 100_000, DATAGRAMS);

const ROUNDS = Number(process.env["BENCH_FEED_ROUNDS"] ?? 3);

async function timed(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The fastest of a few rounds: the machine's other work only ever slows a round down. */
async function fastest<T extends { seconds: number }>(round: () => Promise<T>): Promise<T> {
  let best: T | undefined;
  for (let k = 0; k < ROUNDS; k++) {
    const r = await round();
    if (best === undefined || r.seconds < best.seconds) best = r;
  }
  return best!;
}

/** Runs behind a feed with `clients` readers; returns wall seconds (to the last event delivered) and what the clients got. */
async function withFeed(clients: number): Promise<{ seconds: number; delivered: number; dropped: number }> {
  const feed = await startFeed(flood, { control: true, speed: null, maxClients: clients + 1 });
  let delivered = 0;
  let dropped = 0;
  let ended = 0;
  let allEnded!: () => void;
  const done = new Promise<void>((resolve) => (allEnded = resolve));
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: clients }, () => {
      const ws = new WebSocket(`ws://127.0.0.1:${feed.server.port}/feed`, { perMessageDeflate: false });
      sockets.push(ws);
      // Counts without parsing every batch: JSON.parse here would measure the client, not the feed.
      ws.on('message', (data) => {
        const text = String(data);
        if (text.startsWith('{"type":"events"')) {
          for (let at = text.indexOf(EVENT); at >= 0; at = text.indexOf(EVENT, at + EVENT.length)) delivered++;
          for (const gap of text.matchAll(/"kind":"gap"[^}]*"dropped":(\d+)/g)) dropped += Number(gap[1]);
        } else if (text.startsWith('{"type":"state"') && text.includes('"state":"ended"') && ++ended === clients) allEnded();
      });
      return new Promise((resolve) => ws.once('open', resolve));
    }),
  );
  const seconds = await timed(async () => {
    await feed.player!.play();
    await feed.ended;
    if (clients > 0) await done;
  });
  for (const ws of sockets) ws.terminate();
  await feed.close();
  return { seconds, delivered, dropped };
}

export async function main(): Promise<void> {
  let events = 0;
  await runTopology(flood, { sinks: [{ event: () => events++ }] });
  const baseline = 'baseline: the run, no feed';
  const results: Result[] = [];
  const plain = await fastest(async () => ({ seconds: await timed(() => runTopology(flood).then(() => undefined)) }));
  const traced = await fastest(async () => ({ seconds: await timed(() => runTopology(flood, { sinks: [{ event: () => {} }] }).then(() => undefined)) }));
  results.push({ name: baseline, opsPerSecond: events / plain.seconds });
  results.push({ name: 'the run traced into a counting sink', opsPerSecond: events / traced.seconds, baseline });
  const idle = events / (await fastest(() => withFeed(0))).seconds;
  results.push({ name: 'behind a feed, no client', opsPerSecond: idle, baseline });
  results.push({ name: '  the same, beside the traced run', opsPerSecond: idle, baseline: 'the run traced into a counting sink' });
  for (const clients of [1, 10, 100]) {
    const r = await fastest(() => withFeed(clients));
    results.push({ name: `behind a feed, ${clients} client${clients > 1 ? 's' : ''}: run`, opsPerSecond: events / r.seconds, baseline });
    results.push({ name: `  delivered, all clients (${r.dropped.toLocaleString('en')} in gaps)`, opsPerSecond: r.delivered / r.seconds, baseline });
  }
  report(`feed: ${DATAGRAMS.toLocaleString('en')} UDP datagrams, ${events.toLocaleString('en')} trace events, events per second`, results);
}
