/**
 * OpenFlow over TCP for a switch's agent: a passive listener (Open vSwitch's `ptcp:`) serving
 * many connections at once, and an active connection to a controller (`tcp:`) that reconnects
 * with backoff (1 s doubling to 8 s, as ovs-vswitchd). Each connection is bounded: a peer that
 * stops reading gets its PACKET_INs dropped past a high-water mark and is disconnected past a
 * hard limit; a peer that floods is paused until its replies drain; an idle peer gets an
 * ECHO_REQUEST (OVS's 5 s inactivity probe) and is disconnected if it stays silent or stalls in
 * the middle of a message. Nothing a peer sends can throw out of here.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { SwitchAgent, Transport } from './agent.js';
import { encodeMessage } from './messages.js';

export interface ConnectionLimits {
  /** Inactivity probe interval, ms (OVS: 5000). */
  probeMs?: number;
  /** Bytes queued to a peer past which PACKET_INs are dropped and reading pauses. */
  highWater?: number;
  /** Bytes queued to a peer past which it is disconnected. */
  hardLimit?: number;
}

export interface ListenOptions extends ConnectionLimits {
  /** Connections served at once; more are closed on accept. */
  maxConnections?: number;
}

/** A listener or an outgoing connection, to close at the end of a run. */
export interface OpenFlowListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A port netloom was told to listen on and cannot (in use, no such address, not allowed). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code = 'NETLOOM_LISTEN';
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 8000;

/**
 * A socket as a Transport: droppable messages (PACKET_INs) are dropped while more than
 * `highWater` bytes wait for the peer; past `hardLimit` the peer, not reading, is disconnected.
 */
export function socketTransport(socket: Socket, highWater: number, hardLimit: number): Transport {
  socket.setNoDelay(true);
  return {
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
  };
}

/** Serves one TCP connection as an OpenFlow connection of `agent`'s switch; resolves when it closes. */
function serve(agent: SwitchAgent, socket: Socket, kind: 'service' | 'controller', limits: ConnectionLimits): Promise<void> {
  const probeMs = limits.probeMs ?? 5000;
  const highWater = limits.highWater ?? 1 << 20;
  const hardLimit = limits.hardLimit ?? 16 << 20;
  let probing = false;
  const connection = agent.connect(socketTransport(socket, highWater, hardLimit), kind);
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
  return new Promise((resolve) =>
    socket.on('close', () => {
      connection.close();
      resolve();
    }),
  );
}

/** Listens for OpenFlow 1.3 connections to `agent`'s switch on host:port (port 0 picks a free one). */
export function listenOpenFlow(agent: SwitchAgent, host: string, port: number, options: ListenOptions = {}): Promise<OpenFlowListener> {
  const maxConnections = options.maxConnections ?? 64;
  return listenTcp(host, port, (socket, open) => {
    if (open > maxConnections) {
      socket.destroy();
      return;
    }
    void serve(agent, socket, 'service', options);
  });
}

/**
 * A TCP server on host:port (0: a free one) that hands each connection to `accept` with the
 * number now open; closing it ends every connection it still has.
 */
export function listenTcp(host: string, port: number, accept: (socket: Socket, open: number) => void): Promise<OpenFlowListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    accept(socket, sockets.size);
  });
  return new Promise((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) => reject(new ListenError(`cannot listen on ${host}:${port}: ${e.code ?? e.message}${e.code === 'EADDRINUSE' ? ' (the port is in use)' : ''}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const address = server.address();
      resolve({
        host,
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Connects `agent`'s switch to a controller at host:port, and again whenever the connection drops, until closed. */
export function connectOpenFlow(agent: SwitchAgent, host: string, port: number, limits: ConnectionLimits = {}): OpenFlowListener {
  let stopped = false;
  let socket: Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff = MIN_BACKOFF_MS;
  const attempt = () => {
    if (stopped) return;
    const s = createConnection({ host, port });
    socket = s;
    let connected = false;
    s.once('connect', () => {
      connected = true;
      backoff = MIN_BACKOFF_MS;
      void serve(agent, s, 'controller', limits);
    });
    s.on('error', () => s.destroy());
    s.once('close', () => {
      if (stopped) return;
      timer = setTimeout(attempt, connected ? MIN_BACKOFF_MS : backoff);
      if (!connected) backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    });
  };
  attempt();
  return {
    host,
    port,
    close: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      socket?.destroy();
    },
  };
}
