/**
 * The live feed over real sockets on 127.0.0.1: hello, events in order with their seq, filters,
 * decode on request, resume, pause/step/play/restart with exact virtual times, and the live
 * pcapng stream, byte for byte the file --pcap writes (and readable by tshark mid-run).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { get } from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadTopology, loadTopologyFile } from '../../src/topology/load.js';
import { readFileSync } from 'node:fs';
import { startFeed, type Feed, type FeedOptions } from '../../src/feed/feed.js';
import { readCapture } from '../../src/capture/read.js';
import { toHex } from '../../src/wire/addresses.js';
import type { ServerMessage, StateMessage } from '../../src/feed/messages.js';
import { decodeTolerant } from '../../src/wire/decode.js';
import { connect, feedUrl, isEnded, reference } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const vxlan = loadTopologyFile(join(root, 'topologies/vxlan.yaml'));
const tenants = loadTopologyFile(join(root, 'topologies/tenants-two-switches.yaml'));
const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
if (!haveTshark) console.warn('skipping the live capture in tshark: tshark is missing (apt-get install tshark)');

const feeds: Feed[] = [];
afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.close()));
});

/** A feed a client controls, as fast as possible, so nothing runs before the test says play. */
async function served(topology = vxlan, options: FeedOptions = {}): Promise<Feed> {
  const feed = await startFeed(topology, { control: true, speed: null, ...options });
  feeds.push(feed);
  return feed;
}

const isState = (m: ServerMessage): m is StateMessage => m.type === 'state';
/** A reply that proves the server handled everything this client sent before it. */
const barrier = async (c: Awaited<ReturnType<typeof connect>>) => {
  const before = c.messages.length;
  c.send({ type: 'decode', seq: 1e9 });
  await c.until((m) => m.type === 'error' && c.messages.indexOf(m) >= before);
};

describe('the feed of the VXLAN lesson', () => {
  it('says hello with the topology, then sends every event in order with seq 1, 2, 3, …', async () => {
    const ref = await reference(vxlan);
    const feed = await served();
    const c = await connect(feedUrl(feed.server.port));
    const hello = await c.until((m) => m.type === 'hello');
    expect(hello).toEqual({
      type: 'hello',
      protocol: 1,
      topology: {
        name: 'vxlan',
        seed: 1,
        nodes: [
          { name: 'h1', kind: 'host', ports: ['eth0'] },
          { name: 'h2', kind: 'host', ports: ['eth0'] },
          { name: 's1', kind: 'switch', ports: ['p1', 'vx0', 'eth1'] },
          { name: 's2', kind: 'switch', ports: ['p1', 'vx0', 'eth1'] },
          { name: 'r1', kind: 'router', ports: ['eth0', 'eth1'] },
        ],
        links: [
          { id: 0, endpoints: ['h1:eth0', 's1:p1'], latency: 1e6, bandwidth: 1e9, mtu: 1500 },
          { id: 1, endpoints: ['s1:eth1', 'r1:eth0'], latency: 1e6, bandwidth: 1e9, mtu: 1500 },
          { id: 2, endpoints: ['r1:eth1', 's2:eth1'], latency: 1e6, bandwidth: 1e9, mtu: 1500 },
          { id: 3, endpoints: ['h2:eth0', 's2:p1'], latency: 1e6, bandwidth: 1e9, mtu: 1500 },
        ],
        channels: [],
        tenants: [],
      },
      state: { run: 1, state: 'ready', t: 0, speed: null, control: true },
      seq: 0,
      oldest: 1,
      limits: { maxMessageBytes: 16384, queueEvents: 10000, queueBytes: 8388608 },
    });
    c.send({ type: 'play' });
    const ended = (await c.until(isEnded)) as StateMessage;
    expect(ended.state).toEqual({ run: 1, state: 'ended', t: ref.summary.endedAt, speed: null, control: true });
    expect(ref.events).toHaveLength(212);
    const events = c.events();
    expect(events.map((e) => e.seq)).toEqual(ref.events.map((_, i) => i + 1));
    expect(events.map((e) => [e.t, e.node, e.port, e.dir, e.packet, e.trace, e.parent, e.reason, e.detail])).toEqual(
      ref.events.map((e) => [e.t, e.node, e.port, e.dir, e.packet, e.trace, e.parent, e.reason, e.detail]),
    );
    expect(c.items().filter((i) => i.kind === 'gap')).toEqual([]);
    // The messages come as hello, playing, the events, ended: state changes in order with the events.
    expect(c.messages.map((m) => (m.type === 'state' ? m.state.state : m.type)).filter((t, i, all) => t !== all[i - 1])).toEqual(['hello', 'playing', 'events', 'ended']);
    expect(events[0]).toEqual({ kind: 'event', seq: 1, run: 1, t: 0, node: 'h1', port: 'eth0', link: 0, dir: 'tx', packet: 1, trace: 1, parent: 0, length: 42, stack: [{ layer: 'ethernet', bytes: 14 }, { layer: 'arp', bytes: 28 }] });
    // The first VXLAN encapsulation: 50 bytes in front of the 42-byte ARP frame.
    expect(events.find((e) => e.dir === 'encap')).toEqual({
      kind: 'event', seq: 4, run: 1, t: 1000336, node: 's1', port: 'eth1', link: 1, dir: 'encap', packet: 2, trace: 1, parent: 1, length: 92,
      stack: [{ layer: 'ethernet', bytes: 14 }, { layer: 'ipv4', bytes: 20 }, { layer: 'udp', bytes: 8 }, { layer: 'vxlan', bytes: 8 }, { layer: 'ethernet', bytes: 14 }, { layer: 'arp', bytes: 28 }],
      encap: [{ tunnel: 'VXLAN', inner: 'ethernet', innerBytes: 42, before: 50, after: 0 }],
      detail: 'VXLAN encap to 192.168.2.1, VNI 5000',
    });
    const drops = events.filter((e) => e.dir === 'drop');
    expect(drops.map((d) => [d.node, d.reason, d.length])).toEqual([['s1', 'MTU_EXCEEDED', 1564], ['s1', 'MTU_EXCEEDED', 1564]]);
  });

  it('applies each client its own filter: node, link, layer, trace, direction', async () => {
    const ref = await reference(vxlan);
    const feed = await served();
    const filters = [{ nodes: ['r1'] }, { links: [3] }, { layers: ['vxlan'] }, { traces: [1] }, { dirs: ['drop', 'encap'] }, { nodes: ['s1'], dirs: ['drop'] }];
    const clients = await Promise.all(filters.map(() => connect(feedUrl(feed.server.port))));
    for (const [i, c] of clients.entries()) {
      c.send({ type: 'filter', filter: filters[i] });
      await barrier(c);
    }
    clients[0]!.send({ type: 'play' });
    await Promise.all(clients.map((c) => c.until(isEnded)));
    await feed.drain(1000);
    const seqs = (test: (e: (typeof ref.events)[number]) => boolean) => ref.events.flatMap((e, i) => (test(e) ? [i + 1] : []));
    const link3 = new Set(['h2:eth0', 's2:p1']);
    const expected = [
      seqs((e) => e.node === 'r1'),
      seqs((e) => link3.has(`${e.node}:${e.port}`)),
      seqs((e) => e.bytes !== undefined && decodeTolerant(e.bytes).layers.some((l) => l.layer === 'vxlan')),
      seqs((e) => e.trace === 1),
      seqs((e) => e.dir === 'drop' || e.dir === 'encap'),
      seqs((e) => e.node === 's1' && e.dir === 'drop'),
    ];
    expect(expected.map((s) => s.length)).toEqual([46, 41, 116, 13, 18, 2]);
    clients.forEach((c, i) => expect(c.events().map((e) => e.seq), JSON.stringify(filters[i])).toEqual(expected[i]));
    expect(clients[2]!.events().every((e) => e.stack!.some((s) => s.layer === 'vxlan'))).toBe(true);
  });

  it('filters by tenant where the network has tenants', async () => {
    const ref = await reference(tenants);
    const feed = await served(tenants);
    const blue = await connect(feedUrl(feed.server.port));
    blue.send({ type: 'filter', filter: { tenants: ['blue'] } });
    await barrier(blue);
    blue.send({ type: 'play' });
    await blue.until(isEnded);
    await feed.drain(1000);
    const expected = ref.events.flatMap((e, i) => (e.tenant === 'blue' ? [i + 1] : []));
    expect(expected.length).toBeGreaterThan(20);
    expect(ref.events.some((e) => e.tenant === 'red')).toBe(true);
    expect(blue.events().map((e) => e.seq)).toEqual(expected);
    expect(blue.events().every((e) => e.tenant === 'blue')).toBe(true);
    const hello = blue.messages[0]!;
    expect(hello.type === 'hello' && hello.topology.tenants.map((t) => t.name)).toEqual(['blue', 'red']);
  });

  it('answers a decode request with the full decode of that packet, and says when the ring no longer holds it', async () => {
    const ref = await reference(vxlan);
    const feed = await served(vxlan, { limits: { ringEvents: 64 } });
    const c = await connect(feedUrl(feed.server.port));
    c.send({ type: 'play' });
    await c.until(isEnded);
    c.send({ type: 'decode', seq: 206 });
    const decoded = await c.until((m) => m.type === 'decode');
    const bytes = ref.events[205]!.bytes!;
    expect([ref.events[205]!.node, ref.events[205]!.dir, bytes.length]).toEqual(['s1', 'encap', 1564]);
    expect(decoded.type === 'decode' && decoded.bytes).toBe(toHex(bytes));
    expect(decoded.type === 'decode' && decoded.layers.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'icmp', 'payload']);
    expect(decoded.type === 'decode' && decoded.layers[3]).toMatchObject({ layer: 'vxlan', vni: 5000 });
    expect(decoded.type === 'decode' && decoded.explain).toContain('VXLAN encapsulation adds 50 bytes around a');
    c.send({ type: 'decode', seq: 5 });
    expect(await c.until((m) => m.type === 'error')).toEqual({ type: 'error', code: 'NETLOOM_FEED_GONE', path: 'seq', message: 'event 5 is not in the replay ring (it holds 149 to 212)' });
  });

  it('opens ESP in a decode with the run\'s own keys, as the capture\'s secrets let Wireshark do', async () => {
    const esp = loadTopologyFile(join(root, 'topologies/esp.yaml'));
    const feed = await served(esp);
    const c = await connect(feedUrl(feed.server.port));
    c.send({ type: 'play' });
    await c.until(isEnded);
    const sealed = c.events().find((e) => e.node === 'r1' && e.dir === 'rx' && e.stack?.some((l) => l.layer === 'esp') && e.length! > 160)!;
    // The event's own stack is what the wire shows: ESP, then ciphertext.
    expect(sealed.stack!.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'esp', 'payload']);
    c.send({ type: 'decode', seq: sealed.seq });
    const decoded = await c.until((m) => m.type === 'decode');
    expect(decoded.type === 'decode' && decoded.layers.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'esp', 'gre', 'ethernet', 'ipv4', 'icmp', 'payload']);
    expect(decoded.type === 'decode' && decoded.layers[2]).toMatchObject({ layer: 'esp', spi: 0x1001, alg: 'aes-gcm-128', nextHeader: 47 });
    expect(decoded.type === 'decode' && decoded.layers[3]).toMatchObject({ layer: 'gre', key: 200 });
  });

  it('resumes a client from a seq: the ring tail, after a gap for what it no longer holds', async () => {
    const feed = await served(vxlan, { limits: { ringEvents: 64 } });
    const first = await connect(feedUrl(feed.server.port));
    first.send({ type: 'play' });
    await first.until(isEnded);
    const late = await connect(feedUrl(feed.server.port));
    const hello = await late.until((m) => m.type === 'hello');
    expect(hello.type === 'hello' && [hello.seq, hello.oldest]).toEqual([212, 149]);
    late.send({ type: 'resume', from: 200 });
    await late.until((m) => m.type === 'events');
    await feed.drain(1000);
    expect(late.items().map((i) => (i.kind === 'gap' ? i : i.seq))).toEqual([201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212]);
    const again = await connect(feedUrl(feed.server.port));
    again.send({ type: 'resume', from: 100 });
    await again.until((m) => m.type === 'events');
    await feed.drain(1000);
    const items = again.items();
    expect(items[0]).toEqual({ kind: 'gap', from: 101, to: 148, dropped: 48 });
    expect(items.slice(1).map((i) => (i.kind === 'event' ? i.seq : -1))).toEqual(Array.from({ length: 64 }, (_, k) => 149 + k));
    again.send({ type: 'resume', from: 213 });
    expect(await again.until((m) => m.type === 'error')).toEqual({ type: 'error', code: 'NETLOOM_FEED_MESSAGE', path: 'from', message: 'seq 213 is past the last event (212)' });
  });

  it('steps instant by instant with exact virtual times, pauses, plays to the end and restarts with seq going on', async () => {
    const ref = await reference(vxlan);
    const instants = [...new Set(ref.events.map((e) => e.t))];
    const feed = await served();
    const c = await connect(feedUrl(feed.server.port));
    const states = () => c.messages.filter(isState).map((m) => m.state);
    for (const k of [0, 1, 2]) {
      c.send({ type: 'step' });
      await c.until((m) => isState(m) && m.state.state === 'paused' && m.state.t === instants[k]);
    }
    await feed.drain(1000);
    const stepped = ref.events.filter((e) => e.t <= instants[2]!).length;
    expect(c.events().map((e) => [e.seq, e.t])).toEqual(ref.events.slice(0, stepped).map((e, i) => [i + 1, e.t]));
    expect(states().map((s) => [s.state, s.t])).toEqual([['paused', instants[0]], ['paused', instants[1]], ['paused', instants[2]]]);
    expect(instants.slice(0, 3)).toEqual([0, 1000336, 2000672]);
    // A pause when paused changes nothing; play goes on from the same instant.
    c.send({ type: 'pause' });
    c.send({ type: 'play' });
    await c.until(isEnded);
    await feed.drain(1000);
    expect(c.events().map((e) => e.seq)).toEqual(ref.events.map((_, i) => i + 1));
    c.send({ type: 'restart' });
    await c.until((m) => isState(m) && m.state.run === 2);
    c.send({ type: 'step' });
    await c.until((m) => isState(m) && m.state.run === 2 && m.state.state === 'paused');
    await feed.drain(1000);
    const second = c.events().filter((e) => e.run === 2);
    const atZero = ref.events.filter((e) => e.t === 0);
    expect(second.map((e) => [e.seq, e.t, e.node, e.dir])).toEqual(atZero.map((e, i) => [213 + i, 0, e.node, e.dir]));
    expect(states().slice(3).map((s) => [s.run, s.state, s.t])).toEqual([
      [1, 'playing', instants[2]],
      [1, 'ended', ref.summary.endedAt],
      [2, 'ready', 0],
      [2, 'paused', 0],
    ]);
  });

  it('paces virtual time at the chosen speed: a millionth of real time keeps the clock inside the first millisecond', async () => {
    const ref = await reference(vxlan);
    const feed = await served();
    const c = await connect(feedUrl(feed.server.port));
    c.send({ type: 'play', speed: 1e-6 });
    await c.until((m) => isState(m) && m.state.state === 'playing');
    // Whatever the wall clock did meanwhile, under 1000 s of it cannot reach the second instant (1.000336 ms).
    await new Promise((resolve) => setTimeout(resolve, 50));
    c.send({ type: 'pause' });
    const paused = (await c.until((m) => isState(m) && m.state.state === 'paused')) as StateMessage;
    expect(paused.state.speed).toBe(1e-6);
    expect(paused.state.t).toBeLessThan(1000336);
    await feed.drain(1000);
    expect(c.events().map((e) => e.t)).toEqual(ref.events.filter((e) => e.t === 0).map(() => 0));
    c.send({ type: 'play', speed: null });
    await c.until(isEnded);
    await feed.drain(1000);
    expect(c.events().map((e) => e.seq)).toEqual(ref.events.map((_, i) => i + 1));
  });

  it('refuses control messages when the feed only follows a run', async () => {
    const feed = await startFeed(vxlan, { speed: null });
    feeds.push(feed);
    const c = await connect(feedUrl(feed.server.port));
    c.send({ type: 'pause' });
    expect(await c.until((m) => m.type === 'error')).toEqual({
      type: 'error',
      code: 'NETLOOM_FEED_CONTROL',
      message: 'this feed follows netloom run and cannot pause it; netloom serve lets a browser control the run',
    });
    await feed.ended;
  });

  it('follows the wall clock, uncontrolled, when switches meet peers outside the process', async () => {
    const text = readFileSync(join(root, 'topologies/lan.yaml'), 'utf8').replace('s1: { kind: switch, ports: [p1, p2, p3] }', 's1: { kind: switch, ports: [p1, p2, p3], listen: 0 }');
    const listening = loadTopology(text, 'lan-listen.yaml');
    await expect(startFeed(listening, { control: true })).rejects.toThrow(
      expect.objectContaining({ code: 'NETLOOM_FEED_PEERS', message: 'lan meets peers outside the process (s1 listens on 127.0.0.1:0): its clock follows the wall clock and cannot be paused, stepped or sped up' }),
    );
    await expect(startFeed(listening, { speed: 2 })).rejects.toThrow(expect.objectContaining({ code: 'NETLOOM_FEED_PEERS' }));
    const switches: string[] = [];
    const feed = await startFeed(listening, { until: 300e6, onListening: (node) => switches.push(node) });
    feeds.push(feed);
    expect(feed.player).toBeUndefined();
    const c = await connect(feedUrl(feed.server.port));
    const summary = await feed.ended;
    expect([summary.endedAt, switches, feed.hub.state]).toEqual([300e6, ['s1'], { run: 1, state: 'ended', t: 300e6, speed: 1, control: false }]);
    await c.until(isEnded);
    expect(feed.hub.seq).toBeGreaterThan(50);
    expect(c.events().at(-1)?.seq).toBe(feed.hub.seq);
  });

  it('records nothing while nobody watches: the run builds no events until a client comes', async () => {
    const feed = await startFeed(vxlan, { control: true, speed: null });
    feeds.push(feed);
    await feed.player!.step();
    await feed.player!.step();
    // Two instants ran, and nothing was numbered: no client, no capture stream.
    expect([feed.hub.seq, feed.hub.state.t]).toEqual([0, 1000336]);
    const c = await connect(feedUrl(feed.server.port));
    c.send({ type: 'step' });
    const stepped = await c.until((m) => m.type === 'state' && m.state.t > 1000336);
    // The step ran to the next traced instant, and its events are seq 1, 2, …
    expect(c.events().map((e) => [e.seq, e.t])).toEqual([[1, 2000672], [2, 2000672]]);
    expect(stepped).toMatchObject({ state: { state: 'paused', t: 2000672 } });
  });
});

/** Collects an HTTP response's bytes; `onData` sees each chunk as it comes. */
function fetchStream(url: string, onResponse?: (res: import('node:http').IncomingMessage) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      onResponse?.(res);
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('the live pcapng stream', () => {
  it('is, for a whole run, byte for byte the file --pcap writes for the same seed', async () => {
    for (const [topology, seed] of [[vxlan, undefined], [tenants, 7]] as const) {
      const ref = await reference(topology, seed);
      const feed = await served(topology, seed === undefined ? {} : { seed });
      let started!: () => void;
      const streaming = new Promise<void>((resolve) => (started = resolve));
      const body = fetchStream(`http://127.0.0.1:${feed.server.port}/capture.pcapng`, () => started());
      await streaming;
      const c = await connect(feedUrl(feed.server.port));
      c.send({ type: 'play' });
      await c.until(isEnded);
      await feed.close();
      const bytes = await body;
      expect(bytes.length).toBe(ref.pcapng.length);
      expect(Buffer.compare(bytes, Buffer.from(ref.pcapng))).toBe(0);
    }
  });

  it.skipIf(!haveTshark)('opens in tshark while the run is paused halfway', async () => {
    const ref = readCapture((await reference(vxlan)).pcapng);
    const feed = await served();
    const tshark = spawn('tshark', ['-i', '-', '-c', '5', '-Q', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'frame.len', '-e', '_ws.malformed'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let errors = '';
    tshark.stdout.on('data', (d: Buffer) => (out += String(d)));
    tshark.stderr.on('data', (d: Buffer) => (errors += String(d)));
    const exited = new Promise<number | null>((resolve) => tshark.on('close', resolve));
    tshark.stdin.on('error', () => {});
    void fetchStream(`http://127.0.0.1:${feed.server.port}/capture.pcapng`, (res) => res.pipe(tshark.stdin)).catch(() => undefined);
    const c = await connect(feedUrl(feed.server.port));
    // Steps until at least five frames are out, then stays paused: the run is not over.
    while (feed.hub.seq < 12) {
      const before = c.messages.length;
      c.send({ type: 'step' });
      await c.until((m) => isState(m) && m.state.state === 'paused' && c.messages.indexOf(m) >= before);
    }
    expect(await exited).toBe(0);
    expect(errors).not.toMatch(/malformed|cut short|damaged|appears to be/i);
    expect(feed.player!.runState.state).toBe('paused');
    expect(out.trim().split('\n')).toEqual(ref.packets.slice(0, 5).map((p) => `${ref.interfaces[p.interfaceId]!.name}|${p.data.length}|`));
  });
});
