/**
 * Trace events (DESIGN.md contract): every transmit, receive, forwarding decision,
 * encapsulation and drop. One recorder fans events out to sinks; nodes build an event only
 * when some sink is listening. They live in sim/ because every node kind records them (hosts/ and
 * switch/ sit on sim/); trace/ holds what reads them.
 */
import type { DropReason } from './vocabulary.js';

export type TraceDirection = 'tx' | 'rx' | 'drop' | 'route' | 'deliver' | 'match' | 'encap' | 'decap' | 'link' | 'control';

export interface TraceEvent {
  /** Virtual time, ns. */
  t: number;
  node: string;
  port?: string;
  dir: TraceDirection;
  /** The frame instance (one per transmission on a link). */
  packet: number;
  /** The id of the packet this one descends from (forwarded or encapsulated copies keep it). */
  trace: number;
  /** The frame this one was made from at the previous hop (0 for a new packet). */
  parent: number;
  bytes?: Uint8Array;
  /** Layer names, e.g. "ethernet/ipv4/icmp". */
  layers?: string;
  rule?: { table: number; priority: number; text: string };
  reason?: DropReason;
  /** Why, in words: "route 10.0.2.0/24 via 10.0.1.2 out eth1", "MTU 1500 < 1550". */
  detail?: string;
  /** The tenant whose packet this is, where the network has tenants. */
  tenant?: string;
}

export interface TraceSink {
  event(e: TraceEvent): void;
  /** Called once when the run ends. */
  close?(): void;
  /** For a sink that wants events only at times (a live feed while someone watches); absent: always. */
  readonly demand?: Demand;
}

/**
 * Whether a sink wants events now: a live feed wants them only while it has clients. Recorders
 * with such a sink turn on and off with it, so a feed nobody watches costs the run next to
 * nothing (nodes build no events at all).
 */
export class Demand {
  private watchers = 0;
  private readonly recorders = new Set<Recorder>();

  get wanted(): boolean {
    return this.watchers > 0;
  }

  /** Someone started watching. */
  up(): void {
    if (this.watchers++ === 0) this.changed();
  }

  /** Someone stopped watching. */
  down(): void {
    if (--this.watchers === 0) this.changed();
  }

  bind(recorder: Recorder): void {
    this.recorders.add(recorder);
  }

  unbind(recorder: Recorder): void {
    this.recorders.delete(recorder);
  }

  private changed(): void {
    for (const r of this.recorders) r.refresh();
  }
}

export class Recorder {
  private readonly sinks: TraceSink[] = [];
  private readonly annotators: ((e: TraceEvent) => void)[] = [];
  private always = false;
  /** True when some sink listens: nodes skip building events otherwise. */
  active = false;

  add(sink: TraceSink): void {
    this.sinks.push(sink);
    if (sink.demand === undefined) this.always = true;
    else sink.demand.bind(this);
    this.refresh();
  }

  /** Some sink's demand changed: the recorder is active while any sink wants events. */
  refresh(): void {
    this.active = this.always || this.sinks.some((s) => s.demand?.wanted === true);
  }

  /** Adds what a layer above knows to every event before the sinks see it (the tenant platform names tenants); does not make the recorder active. */
  annotate(annotator: (e: TraceEvent) => void): void {
    this.annotators.push(annotator);
  }

  record(e: TraceEvent): void {
    for (const a of this.annotators) a(e);
    for (const s of this.sinks) if (s.demand === undefined || s.demand.wanted) s.event(e);
  }

  close(): void {
    for (const s of this.sinks) s.close?.();
    this.detach();
  }

  /** Stops following its sinks' demands (the run ended, or was abandoned for a new one): a demand holds no old run. */
  detach(): void {
    for (const s of this.sinks) s.demand?.unbind(this);
  }
}
