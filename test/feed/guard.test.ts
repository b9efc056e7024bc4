/**
 * What a client cannot do to the feed: reach it without the token, from another origin or
 * through a rebinding Host name, send oversized, malformed or binary messages, open more than
 * the cap, stop answering pings — each refused and counted — and, with 200 clients coming and
 * dropping abruptly and one that never reads, stall the run or grow a queue past its bounds.
 * Asserts counts and bounds, never wall time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { loadTopologyFile } from '../../src/topology/load.js';
import { startFeed, type Feed, type FeedOptions } from '../../src/feed/feed.js';
import type { FeedMetrics } from '../../src/feed/server.js';
import { connect, feedUrl, floodTopology, isEnded, reference } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const vxlan = loadTopologyFile(join(root, 'topologies/vxlan.yaml'));
const TOKEN = 'abcdefghijklmnop1234';

const feeds: Feed[] = [];
afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.close()));
});

async function served(options: FeedOptions = {}, topology = vxlan): Promise<Feed> {
  const feed = await startFeed(topology, { control: true, speed: null, ...options });
  feeds.push(feed);
  return feed;
}

function http(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The HTTP status a WebSocket upgrade is refused with (0: it was accepted). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(0);
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

/** Waits until the server has read everything `c` sent (it answers in order) and the player has run what that queued. */
const barrierAfterWork = async (feed: Feed, c: Awaited<ReturnType<typeof connect>>): Promise<void> => {
  c.send({ type: 'decode', seq: 1e9 });
  await c.until((m) => m.type === 'error' && m.code === 'NETLOOM_FEED_GONE');
  await feed.player!.pause();
};

const metrics = async (feed: Feed, query = ''): Promise<FeedMetrics> => JSON.parse((await http(feed.server.port, `/metrics${query}`)).body) as FeedMetrics;

describe('the feed guards its door', () => {
  it('asks for the token on every HTTP request and WebSocket upgrade when one is set', async () => {
    const feed = await served({ token: TOKEN });
    const port = feed.server.port;
    expect((await http(port, '/topology.json')).status).toBe(401);
    expect((await http(port, '/capture.pcapng?token=wrong')).status).toBe(401);
    expect((await http(port, '/topology.json', { Authorization: 'Bearer abcdefghijklmnop1235' })).status).toBe(401);
    expect(await upgradeStatus(feedUrl(port))).toBe(401);
    expect(await upgradeStatus(feedUrl(port, '?token=abc'))).toBe(401);
    const topology = await http(port, `/topology.json?token=${TOKEN}`);
    expect([topology.status, (JSON.parse(topology.body) as { name: string }).name]).toEqual([200, 'vxlan']);
    expect((await http(port, '/', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(await upgradeStatus(feedUrl(port, `?token=${TOKEN}`))).toBe(0);
    expect(feed.server.url).toBe(`http://127.0.0.1:${port}/?token=${TOKEN}`);
    expect((await metrics(feed, `?token=${TOKEN}`)).refused).toEqual({ token: 5, origin: 0, host: 0, clients: 0, path: 0, method: 0, malformed: 0, oversized: 0 });
  });

  it('makes up a token when it listens on an address other than loopback', async () => {
    const feed = await served({ host: '0.0.0.0' });
    expect(feed.server.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(feed.server.url).toBe(`http://0.0.0.0:${feed.server.port}/?token=${feed.server.token}`);
    expect((await http(feed.server.port, '/topology.json')).status).toBe(401);
    expect((await http(feed.server.port, `/topology.json?token=${feed.server.token}`)).status).toBe(200);
  });

  it('refuses cross-site WebSocket upgrades and rebinding Host names; same-origin pages and non-browser clients pass', async () => {
    const feed = await served();
    const port = feed.server.port;
    expect(await upgradeStatus(feedUrl(port), { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(feedUrl(port), { Origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    expect(await upgradeStatus(feedUrl(port), { Origin: 'null' })).toBe(403);
    expect(await upgradeStatus(feedUrl(port), { Origin: `http://127.0.0.1:${port}` })).toBe(0);
    expect(await upgradeStatus(feedUrl(port))).toBe(0);
    // A DNS name rebound to 127.0.0.1 is same-origin to the page that rebound it: the Host header gives it away.
    expect(await upgradeStatus(feedUrl(port), { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` })).toBe(403);
    expect((await http(port, '/topology.json', { Host: `evil.example:${port}` })).status).toBe(403);
    expect((await http(port, '/topology.json', { Host: `localhost:${port}` })).status).toBe(200);
    expect((await metrics(feed)).refused).toMatchObject({ origin: 3, host: 2 });
  });

  it('answers other methods, paths and plain GETs of /feed with a status, counted', async () => {
    const feed = await served();
    const port = feed.server.port;
    expect((await http(port, '/topology.json', {}, 'POST')).status).toBe(405);
    expect((await http(port, '/etc/passwd')).status).toBe(404);
    expect((await http(port, '/feed')).status).toBe(426);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/other`)).toBe(404);
    expect((await metrics(feed)).refused).toMatchObject({ method: 1, path: 2 });
  });

  it('serves the viewer at / with its script and stylesheet, under a policy that lets it load nothing else', async () => {
    const port = (await served()).server.port;
    const page = await http(port, '/');
    expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(page.body).toContain('<script type="module" src="viewer.js"></script>');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    for (const [path, type] of [['/viewer.js', 'text/javascript; charset=utf-8'], ['/viewer.css', 'text/css; charset=utf-8'], ['/licenses.txt', 'text/plain; charset=utf-8']]) {
      const asset = await http(port, path!);
      expect([asset.status, asset.headers['content-type'], asset.body.length > 100]).toEqual([200, type, true]);
    }
    expect((await http(port, '/licenses.txt')).body).toMatch(/^The viewer bundles these npm packages:\n\nd3-color \d/);
  });

  it('serves a page naming the endpoints where the viewer was never built', async () => {
    const port = (await served({ viewer: undefined })).server.port;
    const page = await http(port, '/');
    expect(page.body).toContain('The browser viewer is not built in this checkout (<code>npm run build</code> builds it).');
    expect(page.body).toContain('/capture.pcapng');
    expect((await http(port, '/viewer.js')).status).toBe(404);
  });

  it('answers a request line whose URL does not parse with 400, and goes on serving', async () => {
    const feed = await served();
    const port = feed.server.port;
    const reply = await new Promise<string>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += String(d);
        if (text.includes('\r\n\r\n')) {
          resolve(text);
          socket.destroy();
        }
      });
    });
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect((await http(port, '/topology.json')).status).toBe(200);
  });

  it('refuses clients past the cap', async () => {
    const feed = await served({ maxClients: 2 });
    const a = await connect(feedUrl(feed.server.port));
    const b = await connect(feedUrl(feed.server.port));
    expect(await upgradeStatus(feedUrl(feed.server.port))).toBe(503);
    a.ws.close();
    await a.closed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await upgradeStatus(feedUrl(feed.server.port))).toBe(0);
    expect((await metrics(feed)).refused.clients).toBe(1);
    b.ws.close();
  });

  it('answers malformed messages with an error naming the JSON path, closes oversized ones with 1009, and counts both', async () => {
    const feed = await served({ limits: { maxBadMessages: 6 } });
    const c = await connect(feedUrl(feed.server.port));
    const errors = () => c.messages.filter((m) => m.type === 'error');
    const sent = [
      'not json',
      JSON.stringify({ type: 'filter', filter: { nodes: ['s1', 5] } }),
      JSON.stringify({ type: 'jump' }),
      JSON.stringify({ type: 'decode', seq: -1 }),
      JSON.stringify({ type: 'play', speed: 1, extra: true }),
    ];
    for (const text of sent) c.ws.send(text);
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const closed = await c.closed;
    expect(errors().map((e) => e.type === 'error' && [e.code, e.path])).toEqual([
      ['NETLOOM_FEED_MESSAGE', undefined],
      ['NETLOOM_FEED_MESSAGE', 'filter.nodes[1]'],
      ['NETLOOM_FEED_MESSAGE', 'type'],
      ['NETLOOM_FEED_MESSAGE', 'seq'],
      ['NETLOOM_FEED_MESSAGE', '(message)'],
      ['NETLOOM_FEED_MESSAGE', undefined],
    ]);
    expect(errors()[0]).toEqual({ type: 'error', code: 'NETLOOM_FEED_MESSAGE', message: 'a message is one JSON object in a text frame' });
    // The sixth bad message closes the client.
    expect(closed).toBe(1006);

    const big = await connect(feedUrl(feed.server.port));
    big.ws.send(JSON.stringify({ type: 'filter', filter: { nodes: ['x'.repeat(20_000)] } }));
    expect(await big.closed).toBe(1009);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const m = await metrics(feed);
    expect([m.refused.malformed, m.refused.oversized, m.clients.length]).toEqual([6, 1, 0]);
    // The server took none of it to heart: the run plays as ever.
    const after = await connect(feedUrl(feed.server.port));
    after.send({ type: 'play' });
    await after.until(isEnded);
    expect(feed.hub.seq).toBe(212);
  });

  it('refuses control past what is waiting to run (NETLOOM_FEED_BUSY), and steps exactly as many times as it took', async () => {
    const ref = await reference(vxlan);
    const instants = [...new Set(ref.events.map((e) => e.t))];
    const feed = await served();
    const c = await connect(feedUrl(feed.server.port));
    await c.until((m) => m.type === 'hello');
    for (let k = 0; k < 100; k++) c.send({ type: 'step' });
    await barrierAfterWork(feed, c);
    const busy = c.messages.filter((m) => m.type === 'error' && m.code === 'NETLOOM_FEED_BUSY').length;
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(100 - 32);
    expect(feed.player!.runState).toEqual({ run: 1, state: 'paused', t: instants[100 - busy - 1], speed: null, control: true });
  });

  it('terminates a client that stops answering pings (W7)', async () => {
    const feed = await served({ heartbeatMs: 30 });
    const deaf = await connect(feedUrl(feed.server.port), { autoPong: false });
    const alive = await connect(feedUrl(feed.server.port));
    expect(await deaf.closed).toBe(1006);
    const m = await metrics(feed);
    expect([m.evicted.heartbeat, m.clients.length]).toEqual([1, 1]);
    alive.ws.close();
  });
});

describe('clients cannot stall the run', () => {
  // 20 000 datagrams of 1000 bytes: about 120 000 events, tens of MB of JSON, more than socket buffers hold.
  const flood = floodTopology(1000, 10_000, 20_000);

  it('200 clients dropping abruptly and one that never reads leave the run whole and every queue bounded', async () => {
    const ref = await reference(flood);
    const total = ref.events.length;
    const limits = { queueEvents: 1000, queueBytes: 1 << 20, highWater: 256 << 10 };
    const feed = await served({ maxClients: 256, limits }, flood);
    const port = feed.server.port;
    const reader = await connect(feedUrl(port));
    const stuck = await connect(feedUrl(port));
    await stuck.until((m) => m.type === 'hello');
    // Never reads again: the kernel buffers fill, then bufferedAmount, then its queue.
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let peak = { queued: 0, queuedBytes: 0 };
    const sample = setInterval(() => {
      for (const c of feed.hub.metrics()) peak = { queued: Math.max(peak.queued, c.peakQueued), queuedBytes: Math.max(peak.queuedBytes, c.queuedBytes) };
    }, 5);
    reader.send({ type: 'play' });
    // 200 clients come while the run goes and leave without a close handshake, some at once, some after a message.
    const drops: Promise<void>[] = [];
    for (let k = 0; k < 200; k++) {
      drops.push(
        new Promise<void>((resolve) => {
          const ws = new WebSocket(feedUrl(port));
          ws.on('error', () => resolve());
          ws.on('close', () => resolve());
          if (k % 2 === 0) ws.on('open', () => ws.terminate());
          else ws.once('message', () => (ws as unknown as { _socket: { destroy(): void } })._socket.destroy());
        }),
      );
      if (k % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(drops);
    const summary = await feed.ended;
    await reader.until(isEnded);
    await feed.drain(5000);
    clearInterval(sample);

    // The run is the run without clients.
    expect(summary.traffic[0]).toMatchObject({ sent: 20000, delivered: 20000 });
    expect(feed.hub.seq).toBe(total);
    // Every seq reached the reader once, as an event or inside a gap that counts it.
    let next = 1;
    for (const item of reader.items()) {
      if (item.kind === 'event') {
        expect(item.seq).toBe(next);
        next++;
      } else {
        expect([item.from, item.dropped]).toEqual([next, item.to - item.from + 1]);
        next = item.to + 1;
      }
    }
    expect(next).toBe(total + 1);
    // Queues stayed within their bounds; the client that never read was dropped for it.
    expect(peak.queued).toBeLessThanOrEqual(limits.queueEvents);
    expect(peak.queuedBytes).toBeLessThanOrEqual(limits.queueBytes);
    const m = await metrics(feed);
    expect(m.evicted.overflow).toBeGreaterThanOrEqual(1);
    expect(m.clients.map((c) => c.id)).toEqual([1]);
    expect(m.clients[0]!.bufferedAmount).toBe(0);
  });
});
