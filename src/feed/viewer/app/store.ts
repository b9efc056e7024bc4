/**
 * What the viewer knows of a run: the events it was sent (bounded), each frame's flight across
 * its link (from its tx to its rx, or estimated from the link's latency and bandwidth until the
 * rx comes), drops, and traces. Pure: no DOM, no socket; the page and the tests drive it.
 */
import type { FeedEvent, GapMarker, TopologyView } from '../../messages.js';

/** One frame crossing one link, from `from` to `to`, between virtual times t0 and t1. */
export interface Flight {
  packet: number;
  /** The seq of its tx event (what a click on it decodes). */
  seq: number;
  trace: number;
  link: number;
  from: string;
  to: string;
  t0: number;
  t1: number;
  /** Whether t1 is the rx's time (true) or an estimate. */
  arrived: boolean;
  event: FeedEvent;
}

/** Events kept for the timeline, the log and the traces; the oldest go first. */
export const MAX_EVENTS = 20_000;

export class EventStore {
  readonly events: FeedEvent[] = [];
  /** Events this viewer missed (gap markers), as the server counted them for its filter. */
  missed = 0;
  /** The run the events are from: a restart starts over. */
  run = 0;
  private readonly flights = new Map<number, Flight>();
  private readonly endpoints = new Map<string, { link: number; peer: string }>();
  private readonly links: TopologyView['links'];

  constructor(topology: TopologyView) {
    this.links = topology.links;
    for (const l of topology.links) {
      this.endpoints.set(l.endpoints[0], { link: l.id, peer: l.endpoints[1] });
      this.endpoints.set(l.endpoints[1], { link: l.id, peer: l.endpoints[0] });
    }
  }

  /** The virtual time of the last event, ns (0 before any). */
  get latest(): number {
    return this.events.length === 0 ? 0 : this.events[this.events.length - 1]!.t;
  }

  add(item: FeedEvent | GapMarker): void {
    if (item.kind === 'gap') {
      this.missed += item.dropped;
      return;
    }
    if (item.run !== this.run) {
      this.clear();
      this.run = item.run;
    }
    this.events.push(item);
    if (this.events.length > MAX_EVENTS) this.forget(this.events.splice(0, this.events.length - MAX_EVENTS));
    if (item.port === undefined) return;
    if (item.dir === 'tx') {
      const end = this.endpoints.get(`${item.node}:${item.port}`);
      if (end === undefined) return;
      const link = this.links[end.link]!;
      const serialization = link.bandwidth > 0 ? Math.round(((item.length ?? 0) * 8 * 1e9) / link.bandwidth) : 0;
      this.flights.set(item.packet, {
        packet: item.packet, seq: item.seq, trace: item.trace, link: end.link, from: item.node, to: end.peer.slice(0, end.peer.indexOf(':')),
        t0: item.t, t1: item.t + link.latency + serialization, arrived: false, event: item,
      });
    } else if (item.dir === 'rx' || item.dir === 'drop') {
      const flight = this.flights.get(item.packet);
      // A drop where the frame arrives (a full queue, loss) ends its flight there too.
      if (flight !== undefined && !flight.arrived && item.node === flight.to) {
        flight.t1 = item.t;
        flight.arrived = true;
      }
    }
  }

  /** Frames on a link at virtual time `now`, oldest first. */
  inFlight(now: number): Flight[] {
    const out: Flight[] = [];
    for (const f of this.flights.values()) if (f.t0 <= now && now < f.t1) out.push(f);
    return out;
  }

  flight(packet: number): Flight | undefined {
    return this.flights.get(packet);
  }

  /** Drops at or before `now` and within `window` ns of it. */
  dropsNear(now: number, window: number): FeedEvent[] {
    const out: FeedEvent[] = [];
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.t > now) continue;
      if (e.t < now - window) break;
      if (e.dir === 'drop') out.push(e);
    }
    return out.reverse();
  }

  /** Every event of one packet's trace (the packet and the frames made from it), in order. */
  trace(id: number): FeedEvent[] {
    return this.events.filter((e) => e.trace === id);
  }

  bySeq(seq: number): FeedEvent | undefined {
    // Seqs grow along the array: a binary search.
    let lo = 0;
    let hi = this.events.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.events[mid]!.seq;
      if (s === seq) return this.events[mid];
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The first event time after `t`, or undefined. */
  nextTime(t: number): number | undefined {
    const i = this.firstAfter(t);
    return i < this.events.length ? this.events[i]!.t : undefined;
  }

  /** The last event time before `t`, or undefined. */
  previousTime(t: number): number | undefined {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.t < t) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? this.events[lo - 1]!.t : undefined;
  }

  clear(): void {
    this.events.length = 0;
    this.flights.clear();
    this.missed = 0;
  }

  private firstAfter(t: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.t <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private forget(old: FeedEvent[]): void {
    for (const e of old) if (e.dir === 'tx') this.flights.delete(e.packet);
  }
}
