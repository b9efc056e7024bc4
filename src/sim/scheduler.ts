/**
 * The discrete-event scheduler: virtual time in integer nanoseconds, events ordered by time and
 * then by the order they were scheduled, so simultaneous events always run in the same order.
 * Events are (handler, kind, payload) triples, not closures: per-packet paths allocate nothing
 * but the event record, which is pooled.
 */

/** Anything that receives scheduled events: a link delivering a frame, a host's timer, … */
export interface EventHandler {
  onEvent(kind: number, payload: unknown, aux: number): void;
}

interface Entry {
  time: number;
  seq: number;
  handler: EventHandler;
  kind: number;
  payload: unknown;
  aux: number;
}

export class Scheduler {
  /** The current virtual time, ns. */
  now = 0;
  /** Events run so far. */
  processed = 0;
  private seq = 0;
  private yieldRequested = false;
  private heap: Entry[] = [];
  private pool: Entry[] = [];

  /** Runs `handler.onEvent(kind, payload, aux)` at `time` (ns, not before now). */
  at(time: number, handler: EventHandler, kind: number, payload: unknown = undefined, aux = 0): void {
    if (!(time >= this.now)) throw new RangeError(`cannot schedule at ${time} ns, before now (${this.now} ns)`);
    const e = this.pool.pop() ?? ({} as Entry);
    e.time = Math.round(time);
    e.seq = this.seq++;
    e.handler = handler;
    e.kind = kind;
    e.payload = payload;
    e.aux = aux;
    this.push(e);
  }

  /** Runs `handler.onEvent(kind, payload, aux)` after `delay` ns. */
  after(delay: number, handler: EventHandler, kind: number, payload: unknown = undefined, aux = 0): void {
    this.at(this.now + delay, handler, kind, payload, aux);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** When the next event runs, ns; undefined when none is left (a stepping view runs to it). */
  get nextTime(): number | undefined {
    return this.heap[0]?.time;
  }

  /**
   * Asks `run` to return after the event running now, so that promise continuations it set off
   * (a controller app awaiting a reply) run before the next event. Network.run then goes on.
   */
  yieldSoon(): void {
    this.yieldRequested = true;
  }

  /**
   * Runs events in order until none is left or the next is after `until` (ns); time ends at
   * `until`. Returns true, with time left where it was, when an event asked to yield (yieldSoon).
   */
  run(until = Infinity, onProgress?: (now: number) => void): boolean {
    const heap = this.heap;
    let sinceProgress = 0;
    while (heap.length > 0 && heap[0]!.time <= until) {
      if (this.yieldRequested) {
        this.yieldRequested = false;
        return true;
      }
      const e = this.pop();
      this.now = e.time;
      const { handler, kind, payload, aux } = e;
      e.handler = NOBODY;
      e.payload = undefined;
      this.pool.push(e);
      this.processed++;
      handler.onEvent(kind, payload, aux);
      if (onProgress !== undefined && ++sinceProgress === 65536) {
        sinceProgress = 0;
        onProgress(this.now);
      }
    }
    if (this.yieldRequested) {
      this.yieldRequested = false;
      return true;
    }
    if (until !== Infinity && until > this.now) this.now = until;
    return false;
  }

  private less(a: Entry, b: Entry): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(heap[r]!, heap[l]!) ? r : l;
        if (!this.less(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

const NOBODY: EventHandler = { onEvent() {} };
