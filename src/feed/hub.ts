/**
 * The feed's trace sink: numbers every event with a global seq (W2), keeps a replay ring bounded
 * by events and bytes (resume and decode-on-request reach back into it, W7), and offers each
 * event to every client's queue. With no client connected an event costs a seq and a ring slot;
 * serializing (and decoding the stack) happens once per event, only when a client wants it (W8).
 * Owns the clients' lifecycle: hello, inbound messages, heartbeats, eviction. Never blocks or
 * throws into the simulation, and nothing a client sends changes the network: control messages
 * go to the Player only through `control`.
 */
import type { WebSocket } from 'ws';
import type { Topology } from '../topology/types.js';
import { Demand, type TraceEvent, type TraceSink } from '../sim/recorder.js';
import { FeedClient, type ClientLimits, type ClientMetrics, type RingEntry } from './client.js';
import {
  ClientMessageSchema,
  FEED_PROTOCOL,
  jsonPath,
  type ClientMessage,
  type ErrorMessage,
  type FeedMessageErrorCode,
  type HelloMessage,
  type RunState,
  type TopologyView,
} from './messages.js';
import { decodeEvent, feedEvent, linkIds, topologyView } from './view.js';
import { espSecretsOf } from '../topology/run.js';
import type { SecurityAssociation } from '../wire/esp-sa.js';

export interface HubLimits extends ClientLimits {
  /** Events the replay ring keeps. */
  ringEvents: number;
  /** Packet bytes the replay ring keeps. */
  ringBytes: number;
  /** Largest message a client may send, bytes (ws maxPayload, W9). */
  maxMessageBytes: number;
  /** Bad messages a client may send before it is closed. */
  maxBadMessages: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  queueEvents: 10_000,
  queueBytes: 8 << 20,
  highWater: 1 << 20,
  batchBytes: 64 << 10,
  overflowsToEvict: 8,
  slowMs: 10_000,
  // Every event the ring holds outlives the young generation and costs the collector: a feed with
  // no client ran at 0.99x of a traced run with 1 slot, 0.95x with 1024, 0.75x with 8192 (bench/feed.bench.ts).
  ringEvents: 2048,
  ringBytes: 4 << 20,
  maxMessageBytes: 16 << 10,
  maxBadMessages: 16,
};

/** What the hub counts against clients (part of /metrics). */
export interface HubCounters {
  malformed: number;
  /** Messages over maxMessageBytes (ws closes the connection with 1009). */
  oversized: number;
  evictedOverflow: number;
  evictedSlow: number;
  evictedHeartbeat: number;
  repliesRefused: number;
}

/** Control of the run, given by `netloom serve`; undefined for a feed that only watches. Returns false when too much control is already waiting. */
export type Control = (message: Extract<ClientMessage, { type: 'play' | 'pause' | 'step' | 'restart' }>) => boolean;

export class FeedHub implements TraceSink {
  readonly view: TopologyView;
  readonly counters: HubCounters = { malformed: 0, oversized: 0, evictedOverflow: 0, evictedSlow: 0, evictedHeartbeat: 0, repliesRefused: 0 };
  private readonly links: Map<string, number>;
  private readonly espSAs: readonly SecurityAssociation[];
  private readonly ring: (RingEntry | undefined)[];
  /** Packet bytes of each ring slot. */
  private readonly ringSizes: Int32Array;
  private ringPacketBytes = 0;
  /** The seq of the oldest event the ring holds; past `seq` when it is empty. */
  private oldest = 1;
  /** The last seq given out. */
  seq = 0;
  run = 1;
  private readonly clients = new Set<FeedClient>();
  /** Wanted while a client is connected: with none, the run records nothing (and numbers nothing). */
  readonly demand = new Demand();
  private nextClient = 1;
  private badMessages = new WeakMap<FeedClient, number>();
  state: RunState;
  control: Control | undefined;

  constructor(
    topology: Topology,
    readonly limits: HubLimits = DEFAULT_HUB_LIMITS,
  ) {
    this.view = topologyView(topology);
    this.links = linkIds(topology);
    // The run's own keys, as its capture carries them in a Decryption Secrets Block.
    this.espSAs = espSecretsOf(topology).map(({ spi, alg, key }) => ({ spi, alg, key }));
    this.ring = new Array<RingEntry | undefined>(limits.ringEvents);
    this.ringSizes = new Int32Array(limits.ringEvents);
    this.state = { run: 1, state: 'ready', t: 0, speed: 1, control: false };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  event(e: TraceEvent): void {
    const seq = ++this.seq;
    const size = this.limits.ringEvents;
    if (seq - this.oldest >= size) this.forget();
    const slot = seq % size;
    const entry: RingEntry = { kind: 'entry', seq, run: this.run, event: e, link: e.port === undefined ? undefined : this.links.get(`${e.node}:${e.port}`) };
    const bytes = e.bytes?.length ?? 0;
    this.ring[slot] = entry;
    this.ringSizes[slot] = bytes;
    this.ringPacketBytes += bytes;
    while (this.ringPacketBytes > this.limits.ringBytes && this.oldest < seq) this.forget();
    if (this.clients.size > 0) for (const c of this.clients) c.offer(entry);
  }

  /** Lets the oldest event go; its size is kept beside the ring so that an old entry is never touched again (no cache miss). */
  private forget(): void {
    const slot = this.oldest % this.limits.ringEvents;
    this.ring[slot] = undefined;
    this.ringPacketBytes -= this.ringSizes[slot]!;
    this.oldest++;
  }

  /** The event `seq` if the ring still holds it. */
  entry(seq: number): RingEntry | undefined {
    if (seq < this.oldest || seq > this.seq) return undefined;
    return this.ring[seq % this.limits.ringEvents];
  }

  private readonly serialize = (entry: RingEntry): string => {
    if (entry.json === undefined) {
      const view = feedEvent(entry.event, entry.seq, entry.run, this.links);
      entry.layers = view.stack?.map((s) => s.layer) ?? [];
      entry.json = JSON.stringify(view);
    }
    return entry.json;
  };

  /** The run's state changed (play, pause, step, restart, end): every client hears it, in order with the events. */
  setState(state: RunState): void {
    this.state = state;
    this.run = state.run;
    const json = JSON.stringify({ type: 'state', state });
    for (const c of this.clients) {
      c.offerState(json);
      c.pump();
    }
  }

  /** Sends what is queued, to every client that can take it (on a timer and after each run slice). */
  flush(): void {
    const now = performance.now();
    for (const c of this.clients) {
      c.pump();
      if (c.slowSince !== undefined && now - c.slowSince > this.limits.slowMs) this.evict(c, 'slow');
    }
  }

  /** W7: terminates clients that did not answer the last ping, pings the rest. */
  heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        this.counters.evictedHeartbeat++;
        this.drop(c);
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }

  private readonly evict = (c: FeedClient, why: 'overflow' | 'slow'): void => {
    if (why === 'overflow') this.counters.evictedOverflow++;
    else this.counters.evictedSlow++;
    this.drop(c);
  };

  private drop(c: FeedClient): void {
    if (this.clients.delete(c)) this.demand.down();
    c.close();
  }

  /** Takes a new WebSocket: hello first, then every event from now on. */
  attach(socket: WebSocket): FeedClient {
    const client = new FeedClient(this.nextClient++, socket, this.limits, this.serialize, this.evict);
    this.clients.add(client);
    this.demand.up();
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data, isBinary) => this.receive(client, data, isBinary));
    // Errors on the socket (a reset, an oversized frame: ws closes it) end the client, never the server.
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.counters.oversized++;
      this.drop(client);
    });
    socket.on('close', () => this.drop(client));
    const hello: HelloMessage = {
      type: 'hello',
      protocol: FEED_PROTOCOL,
      topology: this.view,
      state: this.state,
      seq: this.seq,
      oldest: Math.min(this.oldest, this.seq + 1),
      limits: { maxMessageBytes: this.limits.maxMessageBytes, queueEvents: this.limits.queueEvents, queueBytes: this.limits.queueBytes },
    };
    socket.send(JSON.stringify(hello));
    return client;
  }

  private receive(client: FeedClient, data: unknown, isBinary: boolean): void {
    if (client.closed) return;
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary');
      parsed = JSON.parse(String(data));
    } catch {
      this.refuse(client, 'NETLOOM_FEED_MESSAGE', 'a message is one JSON object in a text frame', undefined);
      return;
    }
    const result = ClientMessageSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      this.refuse(client, 'NETLOOM_FEED_MESSAGE', issue.message, jsonPath(issue.path));
      return;
    }
    const message = result.data;
    switch (message.type) {
      case 'filter':
        client.filter = message.filter;
        return;
      case 'resume':
        return this.resume(client, message.from);
      case 'decode':
        return this.decode(client, message.seq);
      default:
        if (this.control === undefined) {
          this.answer(client, { type: 'error', code: 'NETLOOM_FEED_CONTROL', message: `this feed follows netloom run and cannot ${message.type} it; netloom serve lets a browser control the run` });
          return;
        }
        if (!this.control(message)) this.answer(client, { type: 'error', code: 'NETLOOM_FEED_BUSY', message: `the run has too many control messages waiting; ${message.type} was not taken (wait for a state message)` });
    }
  }

  /** Starts the client over after `from`: the ring's events, or a gap for those it no longer holds. */
  private resume(client: FeedClient, from: number): void {
    if (from > this.seq) {
      this.refuse(client, 'NETLOOM_FEED_MESSAGE', `seq ${from} is past the last event (${this.seq})`, 'from');
      return;
    }
    const start = Math.max(from + 1, this.oldest);
    const gap = start > from + 1 ? { kind: 'gap' as const, from: from + 1, to: start - 1, dropped: start - 1 - from } : undefined;
    const ring = this.ring;
    const size = this.limits.ringEvents;
    const last = this.seq;
    client.replace(
      gap,
      (function* () {
        for (let s = start; s <= last; s++) yield ring[s % size]!;
      })(),
    );
    client.pump();
  }

  private decode(client: FeedClient, seq: number): void {
    const entry = this.entry(seq);
    if (entry === undefined) {
      this.answer(client, { type: 'error', code: 'NETLOOM_FEED_GONE', path: 'seq', message: `event ${seq} is not in the replay ring (it holds ${this.oldest} to ${this.seq})` });
      return;
    }
    const decoded = decodeEvent(entry.event, seq, this.espSAs);
    if (decoded === undefined) this.refuse(client, 'NETLOOM_FEED_MESSAGE', `event ${seq} (${entry.event.dir} at ${entry.event.node}) carries no frame`, 'seq');
    else this.answer(client, decoded);
  }

  /** A bad message: an error naming its path, counted; a client that keeps sending them is closed. */
  private refuse(client: FeedClient, code: FeedMessageErrorCode, message: string, path: string | undefined): void {
    this.counters.malformed++;
    const bad = (this.badMessages.get(client) ?? 0) + 1;
    this.badMessages.set(client, bad);
    this.answer(client, { type: 'error', code, ...(path !== undefined && { path }), message });
    if (bad >= this.limits.maxBadMessages) this.drop(client);
  }

  private answer(client: FeedClient, message: ErrorMessage | NonNullable<ReturnType<typeof decodeEvent>>): void {
    if (client.reply(JSON.stringify(message))) return;
    this.counters.repliesRefused++;
  }

  /** Resolves when every client has been sent what was queued for it, or after `ms`. */
  async drain(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    for (;;) {
      this.flush();
      if ([...this.clients].every((c) => c.idle) || performance.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  metrics(): ClientMetrics[] {
    return [...this.clients].map((c) => c.metrics());
  }

  /** Closes every client (the server closes). Not TraceSink.close: a run's end is a state, not the end of the feed. */
  shutdown(): void {
    for (const c of this.clients) this.drop(c);
  }
}
