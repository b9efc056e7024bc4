/**
 * The live feed's HTTP server (node:http) with the WebSocket on the same port (ws, noServer):
 * `/` the viewer (or, where it was never built, a page listing the endpoints), `/feed` the WebSocket, `/capture.pcapng` the live
 * capture, `/topology.json`, `/metrics`. Guards every request before anything else sees it: a
 * token when one is set (required off loopback), the Host header when none is (DNS rebinding),
 * the Origin of WebSocket upgrades (same origin or none: no cross-site WebSocket hijacking),
 * client counts, message sizes, methods. Every refusal is answered with a status and counted.
 * Owns sockets and timers; the hub, the capture stream and the player own the rest.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { ListenError } from '../openflow/tcp.js';
import { loadViewer, type Asset } from './assets.js';
import type { CaptureStream, CaptureClientMetrics } from './capture-stream.js';
import type { ClientMetrics } from './client.js';
import type { FeedHub, HubCounters } from './hub.js';
import type { RunState } from './messages.js';

export interface FeedServerOptions {
  /** Default 127.0.0.1. Any other address requires a token (one is generated when none is given). */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  token?: string;
  /** WebSocket clients at once. */
  maxClients?: number;
  /** /capture.pcapng responses at once. */
  maxCaptureClients?: number;
  /** W7: ping interval, ms; a client that missed the last ping is terminated. */
  heartbeatMs?: number;
  /** W4: how often queued events are sent, ms. */
  flushMs?: number;
  /** The viewer's files by path (default: dist/viewer/ as built; none: the endpoint page). */
  viewer?: Map<string, Asset> | undefined;
}

export interface Refusals {
  token: number;
  origin: number;
  host: number;
  clients: number;
  path: number;
  method: number;
}

export interface FeedMetrics {
  seq: number;
  state: RunState;
  clients: ClientMetrics[];
  capture: CaptureClientMetrics[];
  refused: Refusals & Pick<HubCounters, 'malformed' | 'oversized'>;
  evicted: { overflow: number; slow: number; heartbeat: number; capture: number };
  /** Decode and error replies not sent because the client's socket was backed up. */
  repliesRefused: number;
}

export interface FeedServer {
  readonly host: string;
  readonly port: number;
  /** The token requests must carry, if any. */
  readonly token: string | undefined;
  /** `http://host:port/` with `?token=` when there is one. */
  readonly url: string;
  metrics(): FeedMetrics;
  close(): Promise<void>;
}

/** The request's URL, or undefined when it does not parse (the request is answered 400, never thrown). */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://x');
  } catch {
    return undefined;
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Starts the server; rejects with a ListenError (NETLOOM_LISTEN) when the address cannot be used. */
export async function startFeedServer(hub: FeedHub, capture: CaptureStream, options: FeedServerOptions = {}): Promise<FeedServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? (isLoopback(host) ? undefined : randomBytes(16).toString('base64url'));
  const maxClients = options.maxClients ?? 64;
  const maxCaptureClients = options.maxCaptureClients ?? 8;
  const refused: Refusals = { token: 0, origin: 0, host: 0, clients: 0, path: 0, method: 0 };
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: hub.limits.maxMessageBytes, clientTracking: false });
  let port = options.port ?? 0;
  let upgrading = 0;
  const viewer = 'viewer' in options ? options.viewer : loadViewer();

  /** The token, the Host header: what every request must pass. Returns the refusal, or undefined. */
  const guard = (req: IncomingMessage): [number, string] | undefined => {
    const url = requestUrl(req);
    if (url === undefined) {
      refused.path++;
      return [400, 'Bad Request'];
    }
    if (token !== undefined) {
      if (!hasToken(url, req, token)) {
        refused.token++;
        return [401, 'a token is required: add ?token=… (as printed when the server started) or an Authorization: Bearer header'];
      }
    } else if (!loopbackHost(req.headers.host, port)) {
      // Without a token only loopback names may reach it: a rebinding DNS name is refused.
      refused.host++;
      return [403, 'the Host header must name a loopback address'];
    }
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    const refusal = guard(req);
    if (refusal) return plain(res, refusal[0], refusal[1]);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refused.method++;
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'only GET and HEAD');
    }
    const path = requestUrl(req)!.pathname;
    const asset = viewer?.get(path);
    if (asset !== undefined) return send(res, 200, asset.type, asset.body, VIEWER_HEADERS);
    switch (path) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', indexPage(hub.view.name, token));
      case '/topology.json':
        return send(res, 200, 'application/json', JSON.stringify(hub.view));
      case '/metrics':
        return send(res, 200, 'application/json', JSON.stringify(metrics()));
      case '/feed':
        return plain(res, 426, '/feed is a WebSocket');
      case '/capture.pcapng':
        if (capture.count >= maxCaptureClients) {
          refused.clients++;
          return plain(res, 503, `at most ${maxCaptureClients} capture streams at once`);
        }
        res.writeHead(200, { 'Content-Type': 'application/vnd.tcpdump.pcap', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
        if (req.method === 'HEAD') return res.end();
        res.socket?.setNoDelay(true);
        return capture.add(res);
      default:
        refused.path++;
        return plain(res, 404, `no ${path} here; see /`);
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = maxClients + maxCaptureClients + 64;
  server.on('clientError', (_error, socket) => socket.destroy());

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = guard(req) ?? upgradeRefusal(req);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal[0]} ${refusal[1]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
      return;
    }
    upgrading++;
    let pending = true;
    const settled = () => {
      if (pending) upgrading--;
      pending = false;
    };
    // A handshake that fails ends in a closed socket; one that succeeds in a client.
    socket.once('close', settled);
    wss.handleUpgrade(req, socket, head, (ws) => {
      settled();
      hub.attach(ws);
    });
  });

  const upgradeRefusal = (req: IncomingMessage): [number, string] | undefined => {
    if (requestUrl(req)!.pathname !== '/feed') {
      refused.path++;
      return [404, 'Not Found'];
    }
    if (!sameOrigin(req)) {
      refused.origin++;
      return [403, 'Forbidden'];
    }
    // Upgrades under way count: a burst of them cannot slip past the cap.
    if (hub.clientCount + upgrading >= maxClients) {
      refused.clients++;
      return [503, 'Service Unavailable'];
    }
    return undefined;
  };

  const metrics = (): FeedMetrics => ({
    seq: hub.seq,
    state: hub.state,
    clients: hub.metrics(),
    capture: capture.metrics(),
    refused: { ...refused, malformed: hub.counters.malformed, oversized: hub.counters.oversized },
    evicted: { overflow: hub.counters.evictedOverflow, slow: hub.counters.evictedSlow, heartbeat: hub.counters.evictedHeartbeat, capture: capture.evicted },
    repliesRefused: hub.counters.repliesRefused,
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) =>
      reject(new ListenError(`cannot listen on ${host}:${port}: ${e.code ?? e.message}${e.code === 'EADDRINUSE' ? ' (the port is in use)' : e.code === 'EADDRNOTAVAIL' ? ' (no interface has this address)' : ''}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : port;
  const flush = setInterval(() => hub.flush(), options.flushMs ?? 25);
  const heartbeat = setInterval(() => hub.heartbeat(), options.heartbeatMs ?? 30_000);
  flush.unref();
  heartbeat.unref();
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    token,
    url: `http://${shown}:${port}/${token === undefined ? '' : `?token=${token}`}`,
    metrics,
    close: () =>
      new Promise<void>((done) => {
        clearInterval(flush);
        clearInterval(heartbeat);
        hub.shutdown();
        capture.end();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function hasToken(url: URL, req: IncomingMessage, token: string): boolean {
  const given = url.searchParams.get('token') ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (given === undefined || given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT` (or no Host at all, HTTP/1.0). */
function loopbackHost(header: string | undefined, port: number): boolean {
  if (header === undefined) return true;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (m === null) return false;
  const name = m[1]!.replace(/^\[|\]$/g, '');
  return isLoopback(name) && (m[2] === undefined || Number(m[2]) === port);
}

/** A WebSocket request from a page is same-origin (the Origin names this Host); one from no page has no Origin. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === req.headers.host;
  } catch {
    return false;
  }
}

/** The viewer loads nothing but its own files and its own feed; no page may frame it. */
const VIEWER_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page where the viewer was never built (a checkout without `npm run build`): the endpoints there are. */
function indexPage(topology: string, token: string | undefined): string {
  const q = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>netloom feed: ${escapeHtml(topology)}</title></head>
<body>
<h1>netloom live feed: ${escapeHtml(topology)}</h1>
<p>The browser viewer is not built in this checkout (<code>npm run build</code> builds it). This server streams the run:</p>
<ul>
<li><code>/feed</code>: WebSocket, JSON messages (hello, events, state, decode, error); schema in the README, section "Live feed"</li>
<li><a href="/capture.pcapng${q}"><code>/capture.pcapng</code></a>: the run as a live pcapng stream (<code>curl -sN URL | wireshark -k -i -</code>)</li>
<li><a href="/topology.json${q}"><code>/topology.json</code></a>: nodes, ports, links, tenants</li>
<li><a href="/metrics${q}"><code>/metrics</code></a>: clients, queues, drops, refusals</li>
</ul>
</body></html>
`;
}
