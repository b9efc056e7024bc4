/**
 * One WebSocket client of the feed, after the research notes' rules W3-W6: a queue bounded by
 * events and bytes; batches sent only while the socket's bufferedAmount stays under a high-water
 * mark, one batch in flight; on overflow the oldest low-value events become gap markers with
 * counts, and state changes (link up/down, run state) are kept; a client that overflows again
 * and again, or stays above the mark too long, is terminated. Owns the socket's sends; never
 * throws into the simulation (the hub offers events; what cannot be sent is dropped and counted).
 */
import type { WebSocket } from 'ws';
import type { TraceEvent } from '../sim/recorder.js';
import type { FeedFilter, GapMarker } from './messages.js';

/** An event in the hub's replay ring: serialized once, lazily, shared by every client that sends it. */
export interface RingEntry {
  kind: 'entry';
  seq: number;
  run: number;
  event: TraceEvent;
  link: number | undefined;
  /** The FeedEvent as JSON, made when a client first needs it. */
  json?: string;
  /** Layer names of the stack, made with json (the layer filter reads them). */
  layers?: readonly string[];
}

/** A state message (run state changes) placed in order among the events; never dropped. */
interface StateItem {
  kind: 'state';
  json: string;
}

type Item = RingEntry | GapMarker | StateItem;

export interface ClientLimits {
  /** Events queued per client before the oldest are dropped (W3). */
  queueEvents: number;
  /** Bytes of JSON queued per client before the oldest are dropped (W3). */
  queueBytes: number;
  /** Send only while the socket holds at most this many bytes (W4). */
  highWater: number;
  /** Bytes of JSON per batch message. */
  batchBytes: number;
  /** Overflows in a row, with nothing sent between them, that evict the client (W6). */
  overflowsToEvict: number;
  /** Milliseconds above highWater that evict the client (W6). */
  slowMs: number;
}

export interface ClientMetrics {
  id: number;
  queued: number;
  queuedBytes: number;
  /** The most events the queue ever held (bounded by queueEvents). */
  peakQueued: number;
  sent: number;
  dropped: number;
  gaps: number;
  bufferedAmount: number;
  filter: FeedFilter;
}

/** Serializes an entry for the wire (the hub's job: it knows links and decoding). */
export type Serialize = (entry: RingEntry) => string;

export class FeedClient {
  private items: Item[] = [];
  private head = 0;
  private queuedEvents = 0;
  private queuedBytes = 0;
  private peakQueued = 0;
  private inFlight = false;
  private overflowsInARow = 0;
  /** performance.now() when bufferedAmount was first seen above highWater, or undefined. */
  slowSince: number | undefined;
  sent = 0;
  dropped = 0;
  gaps = 0;
  filter: FeedFilter = {};
  /** Answered a ping since the last heartbeat (W7). */
  alive = true;
  closed = false;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    private readonly limits: ClientLimits,
    private readonly serialize: Serialize,
    /** Told when the client must go: chronically slow (W6). */
    private readonly evict: (client: FeedClient, why: 'overflow' | 'slow') => void,
  ) {}

  matches(entry: RingEntry): boolean {
    const f = this.filter;
    const e = entry.event;
    if (f.nodes !== undefined && !f.nodes.includes(e.node)) return false;
    if (f.dirs !== undefined && !f.dirs.includes(e.dir)) return false;
    if (f.traces !== undefined && !f.traces.includes(e.trace)) return false;
    if (f.tenants !== undefined && (e.tenant === undefined || !f.tenants.includes(e.tenant))) return false;
    if (f.links !== undefined && (entry.link === undefined || !f.links.includes(entry.link))) return false;
    if (f.layers !== undefined) {
      this.serialize(entry);
      const layers = entry.layers ?? [];
      if (!f.layers.some((l) => layers.includes(l))) return false;
    }
    return true;
  }

  /** Queues an event if the filter wants it; sheds the oldest low-value events past the bounds. */
  offer(entry: RingEntry): void {
    if (this.closed || !this.matches(entry)) return;
    const json = this.serialize(entry);
    this.items.push(entry);
    this.queuedEvents++;
    this.queuedBytes += json.length;
    if (this.queuedEvents > this.limits.queueEvents || this.queuedBytes > this.limits.queueBytes) this.shed();
    if (this.queuedEvents > this.peakQueued) this.peakQueued = this.queuedEvents;
  }

  /** Queues a run-state message in order with the events; one still waiting with no event after it is replaced (the newer state says it all). */
  offerState(json: string): void {
    if (this.closed) return;
    const last = this.items[this.items.length - 1];
    if (last !== undefined && last.kind === 'state' && this.items.length - 1 >= this.head) last.json = json;
    else this.items.push({ kind: 'state', json });
  }

  /** Starts over from `entries` (a resume), after a gap for what the ring no longer holds. */
  replace(gap: GapMarker | undefined, entries: Iterable<RingEntry>): void {
    this.items = [];
    this.head = 0;
    this.queuedEvents = 0;
    this.queuedBytes = 0;
    if (gap) this.addGap(gap.from, gap.to, gap.dropped);
    for (const entry of entries) this.offer(entry);
  }

  /**
   * Drops the oldest low-value events until the queue is at half its bounds, in one pass
   * (amortized O(1) per event): runs of them become one gap marker each; link changes and
   * state messages stay, in order (W5).
   */
  private shed(): void {
    const kept: Item[] = [];
    let gap: GapMarker | undefined;
    const targetEvents = this.limits.queueEvents >> 1;
    const targetBytes = this.limits.queueBytes >> 1;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      const shedding = this.queuedEvents > targetEvents || this.queuedBytes > targetBytes;
      if (shedding && item.kind === 'entry' && item.event.dir !== 'link') {
        this.queuedEvents--;
        this.queuedBytes -= item.json!.length;
        this.dropped++;
        if (gap === undefined) {
          const last = kept[kept.length - 1];
          if (last !== undefined && last.kind === 'gap') gap = last;
          else {
            gap = { kind: 'gap', from: item.seq, to: item.seq, dropped: 0 };
            kept.push(gap);
            this.gaps++;
          }
        }
        gap.to = item.seq;
        gap.dropped++;
        continue;
      }
      if (shedding && item.kind === 'gap') {
        gap = item;
      } else gap = undefined;
      kept.push(item);
    }
    this.items = kept;
    this.head = 0;
    if (++this.overflowsInARow >= this.limits.overflowsToEvict) this.evict(this, 'overflow');
  }

  private addGap(from: number, to: number, dropped: number): void {
    this.items.push({ kind: 'gap', from, to, dropped });
    this.dropped += dropped;
    this.gaps++;
  }

  /** Sends the next batch if nothing is in flight and the socket is under the high-water mark (W4). */
  pump(): void {
    if (this.closed || this.inFlight || this.head >= this.items.length) return;
    if (this.socket.bufferedAmount > this.limits.highWater) {
      this.slowSince ??= performance.now();
      return;
    }
    this.slowSince = undefined;
    const first = this.items[this.head]!;
    let message: string;
    if (first.kind === 'state') {
      this.head++;
      message = first.json;
    } else {
      const parts: string[] = [];
      let bytes = 0;
      while (this.head < this.items.length && bytes < this.limits.batchBytes) {
        const item = this.items[this.head]!;
        if (item.kind === 'state') break;
        this.head++;
        let json: string;
        if (item.kind === 'gap') json = JSON.stringify(item);
        else {
          json = item.json!;
          this.queuedEvents--;
          this.queuedBytes -= json.length;
          this.sent++;
        }
        parts.push(json);
        bytes += json.length;
      }
      message = `{"type":"events","events":[${parts.join(',')}]}`;
    }
    // Let the array go once it is drained, so a long run keeps no dead prefix.
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    }
    this.overflowsInARow = 0;
    this.inFlight = true;
    this.socket.send(message, (error) => {
      this.inFlight = false;
      if (error) this.close();
      else this.pump();
    });
  }

  /** Sends a reply (decode, error) out of band, unless the socket is backed up: then it is refused and counted. */
  reply(json: string): boolean {
    if (this.closed) return false;
    if (this.socket.bufferedAmount > this.limits.highWater) return false;
    this.socket.send(json);
    return true;
  }

  /** Everything queued has been handed to the socket and written. */
  get idle(): boolean {
    return this.closed || (this.head >= this.items.length && !this.inFlight);
  }

  metrics(): ClientMetrics {
    return {
      id: this.id,
      queued: this.queuedEvents,
      queuedBytes: this.queuedBytes,
      peakQueued: this.peakQueued,
      sent: this.sent,
      dropped: this.dropped,
      gaps: this.gaps,
      bufferedAmount: this.socket.bufferedAmount,
      filter: this.filter,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.socket.terminate();
  }
}
