/**
 * OpenFlow over TCP for a switch's agent: a passive listener (Open vSwitch's `ptcp:`), many
 * connections at once, each with bounded everything. A peer that stops reading gets its
 * PACKET_INs dropped past a high-water mark and is disconnected past a hard limit; a peer that
 * floods is paused until its replies drain; an idle peer gets an ECHO_REQUEST (OVS's 5 s
 * inactivity probe) and is disconnected if it stays silent or stalls in the middle of a message.
 * Nothing a peer sends can throw out of here.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Connection, SwitchAgent } from './agent.js';
import { encodeMessage } from './messages.js';

export interface ListenOptions {
  /** Inactivity probe interval, ms (OVS: 5000). */
  probeMs?: number;
  /** Connections served at once; more are closed on accept. */
  maxConnections?: number;
  /** Bytes queued to a peer past which PACKET_INs are dropped and reading pauses. */
  highWater?: number;
  /** Bytes queued to a peer past which it is disconnected. */
  hardLimit?: number;
}

export interface OpenFlowListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens for OpenFlow 1.3 connections to `agent`'s switch on host:port (port 0 picks a free one). */
export function listenOpenFlow(agent: SwitchAgent, host: string, port: number, options: ListenOptions = {}): Promise<OpenFlowListener> {
  const probeMs = options.probeMs ?? 5000;
  const maxConnections = options.maxConnections ?? 64;
  const highWater = options.highWater ?? 1 << 20;
  const hardLimit = options.hardLimit ?? 16 << 20;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (sockets.size >= maxConnections) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    let probing = false;
    const connection: Connection = agent.connect({
      label: `tcp ${socket.remoteAddress}:${socket.remotePort}`,
      send(bytes, droppable) {
        if (socket.destroyed) return false;
        if (droppable && socket.writableLength > highWater) return false;
        if (socket.writableLength > hardLimit) {
          socket.destroy();
          return false;
        }
        socket.write(bytes);
        return true;
      },
      close() {
        socket.end();
        socket.destroySoon();
      },
    });
    socket.setTimeout(probeMs);
    socket.on('timeout', () => {
      // Silent through a probe, or stuck halfway through a message: gone.
      if (probing || connection.pending > 0) {
        socket.destroy();
        return;
      }
      probing = true;
      socket.write(encodeMessage({ type: 'echo_request', xid: agent.nextXid(), data: new Uint8Array(0) }));
    });
    socket.on('data', (chunk: Buffer) => {
      probing = false;
      connection.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      if (socket.writableLength > highWater && !socket.isPaused()) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      connection.close();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      resolve({
        host,
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
