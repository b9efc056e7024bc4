/**
 * A switch's OpenFlow listener against hostile peers, on real sockets on 127.0.0.1: garbage,
 * a peer stalled mid-message, a silent peer, a peer that floods without reading, too many
 * connections. Each is answered or cut off on its own; a well-behaved connection opened beside
 * it is served all along.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, type Socket } from 'node:net';
import { loadTopology } from '../../src/index.js';
import { build } from '../../src/topology/build.js';
import { listenOpenFlow, type OpenFlowListener } from '../../src/openflow/tcp.js';
import { MessageFramer } from '../../src/openflow/framing.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../../src/openflow/messages.js';

const TOPOLOGY = `
name: listener
nodes:
  s1: { kind: switch, ports: [p1, p2], listen: 0 }
`;

interface Peer {
  socket: Socket;
  messages: OfMessage[];
  closed: Promise<void>;
  send(m: OfMessage | Uint8Array): void;
  /** The first message of `type`, waiting up to 10 s (a bound for a loaded machine, not a timing assertion). */
  next(type: OfMessage['type']): Promise<OfMessage>;
}

/** A peer; a `quiet` one never answers the switch's ECHO_REQUEST. */
function peer(port: number, quiet = false): Promise<Peer> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const framer = new MessageFramer();
    const messages: OfMessage[] = [];
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const bytes of framer.push(chunk)) {
        const m = decodeMessage(bytes);
        // Answer probes, as every controller and ovs-ofctl does.
        if (m.type === 'echo_request' && !quiet) socket.write(encodeMessage({ type: 'echo_reply', xid: m.xid, data: m.data }));
        messages.push(m);
      }
    });
    const p: Peer = {
      socket, messages, closed,
      send: (m) => socket.write(m instanceof Uint8Array ? m : encodeMessage(m)),
      next: async (type) => {
        const end = Date.now() + 10_000;
        for (;;) {
          const i = messages.findIndex((m) => m.type === type);
          if (i >= 0) return messages.splice(i, 1)[0]!;
          if (Date.now() > end) throw new Error(`no ${type} within 10 s (got ${messages.map((m) => m.type).join(', ')})`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
    };
    socket.once('connect', () => {
      p.send({ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [0x10] }] });
      resolve(p);
    });
  });
}

describe('the OpenFlow listener and hostile peers', () => {
  let listener: OpenFlowListener;
  let healthy: Peer;
  const served = async () => {
    healthy.send({ type: 'features_request', xid: 77 });
    const reply = await healthy.next('features_reply');
    expect(reply.xid).toBe(77);
  };

  beforeAll(async () => {
    const built = build(loadTopology(TOPOLOGY, 'listener.yaml'));
    listener = await listenOpenFlow(built.agents.get('s1')!, '127.0.0.1', 0, { probeMs: 300, maxConnections: 8, highWater: 64 << 10, hardLimit: 1 << 20 });
    healthy = await peer(listener.port);
    await healthy.next('hello');
  });

  afterAll(async () => {
    healthy.socket.destroy();
    await listener.close();
  });

  it('answers a well-framed message it cannot read with an ERROR and keeps the connection', async () => {
    const p = await peer(listener.port);
    p.send(Uint8Array.from([4, 14, 0, 12, 0, 0, 0, 9, 0xde, 0xad, 0xbe, 0xef]));
    const error = await p.next('error');
    expect(error).toMatchObject({ xid: 9, errorType: 1, code: 6 });
    p.send({ type: 'echo_request', xid: 10, data: Uint8Array.from([1, 2]) });
    expect(await p.next('echo_reply')).toEqual({ type: 'echo_reply', xid: 10, data: Uint8Array.from([1, 2]) });
    p.socket.destroy();
    await served();
  });

  it('closes a connection whose header length can never be resynchronised, with an ERROR first', async () => {
    const p = await peer(listener.port);
    p.send(Uint8Array.from([4, 0, 0, 4, 0, 0, 0, 0]));
    await p.closed;
    expect(p.messages.some((m) => m.type === 'error' && m.errorType === 1 && m.code === 6)).toBe(true);
    await served();
  });

  it('refuses a peer whose first message is not HELLO, and one that speaks no OpenFlow 1.3', async () => {
    const raw = createConnection({ host: '127.0.0.1', port: listener.port });
    raw.on('error', () => {});
    raw.resume();
    raw.write(encodeMessage({ type: 'features_request', xid: 3 }));
    await new Promise((done) => raw.on('close', done));
    const old = createConnection({ host: '127.0.0.1', port: listener.port });
    const framer = new MessageFramer();
    const got: OfMessage[] = [];
    old.on('data', (c: Buffer) => framer.push(c).forEach((b) => got.push(decodeMessage(b))));
    old.write(Uint8Array.from([1, 0, 0, 8, 0, 0, 0, 4]));
    await new Promise((done) => old.on('close', done));
    expect(got.map((m) => m.type)).toEqual(['hello', 'error']);
    expect(got[1]).toMatchObject({ errorType: 0, code: 0 });
    await served();
  });

  it('probes a silent peer with ECHO_REQUEST and drops it when it stays silent; drops one stalled mid-message', async () => {
    const silent = await peer(listener.port, true);
    expect((await silent.next('echo_request')).type).toBe('echo_request');
    await silent.closed;
    const stalled = await peer(listener.port, true);
    stalled.send(encodeMessage({ type: 'features_request', xid: 5 }).subarray(0, 4));
    await stalled.closed;
    expect(stalled.messages.some((m) => m.type === 'features_reply')).toBe(false);
    await served();
  });

  it('throttles a peer that floods without reading, and serves the others meanwhile', async () => {
    const flood = await peer(listener.port);
    flood.socket.pause();
    const burst = Buffer.concat(Array.from({ length: 20_000 }, (_, k) => encodeMessage({ type: 'multipart_request', xid: k + 1, flags: 0, body: { kind: 'port_desc' } })));
    flood.socket.write(burst);
    await new Promise((r) => setTimeout(r, 200));
    await served();
    flood.socket.destroy();
  });

  it('closes connections past its limit at once', async () => {
    const extra = await Promise.all(Array.from({ length: 9 }, () => peer(listener.port)));
    const results = await Promise.race([Promise.any(extra.map((p) => p.closed.then(() => 'closed'))), new Promise((r) => setTimeout(() => r('none closed'), 10_000))]);
    expect(results).toBe('closed');
    for (const p of extra) p.socket.destroy();
    await served();
  });
});
