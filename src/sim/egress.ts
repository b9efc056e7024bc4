/**
 * The egress queues of one port: weighted queues served by deficit round robin (Shreedhar and
 * Varghese, "Efficient Fair Queueing using Deficit Round Robin", SIGCOMM 1995), as Linux's
 * sch_drr runs it. Each queue has a quantum of `weight` × the quantum unit in bytes; a queue
 * that turns non-empty joins the end of the round with one quantum of credit; the queue at the
 * head sends its head frame while its credit covers the frame, and otherwise gets another
 * quantum and goes to the end of the round; a queue that empties leaves the round. Over any
 * stretch in which they stay backlogged, queues get the link in proportion to their weights, and
 * a queue with nothing to send leaves its share to the others (work-conserving).
 *
 * Owns the frames waiting, each queue's bound (tail drop) and counters; knows nothing of time or
 * of the wire: the link end asks for the next frame when its transmitter is free.
 */
import type { Frame } from './network.js';

/** One queue a port declares: its id (what set_queue names) and its share. */
export interface EgressQueueSpec {
  id: number;
  weight: number;
}

/** Bytes of an Ethernet header: one quantum unit is the link's MTU plus this (Linux's psched_mtu, sch_drr's default quantum). */
const ETH_HEADER = 14;

/** One queue: its frames (a FIFO with a moving head), credit and counters. */
export class EgressQueue {
  readonly quantum: number;
  /** Bytes it may still send in this turn of the round. */
  deficit = 0;
  /** Frames sent onto the wire, and their bytes; frames refused because the queue was full. */
  txPackets = 0;
  txBytes = 0;
  drops = 0;
  private readonly frames: Frame[] = [];
  private head = 0;

  constructor(
    readonly id: number,
    readonly weight: number,
    quantumUnit: number,
  ) {
    this.quantum = weight * quantumUnit;
  }

  get length(): number {
    return this.frames.length - this.head;
  }

  push(frame: Frame): void {
    this.frames.push(frame);
  }

  peek(): Frame {
    return this.frames[this.head]!;
  }

  shift(): Frame {
    const frame = this.frames[this.head]!;
    this.frames[this.head++] = undefined as unknown as Frame;
    // Drop the sent part now and then, so a long backlog does not keep its whole history.
    if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames.splice(0, this.head);
      this.head = 0;
    }
    return frame;
  }
}

export class DeficitRoundRobin {
  /** In id order; queue 0, the default, is always there. */
  readonly queues: readonly EgressQueue[];
  private readonly byId = new Map<number, EgressQueue>();
  private readonly fallback: EgressQueue;
  /** The round: the non-empty queues, each once, in the order they are served (a ring). */
  private readonly round: EgressQueue[];
  private roundHead = 0;
  private roundSize = 0;
  /** The queue of the frame dequeued last: while that frame is on the wire it still counts against the queue's bound. */
  current: EgressQueue | undefined;

  /** `quantumUnit`: bytes of quantum per unit of weight. Queue 0 has weight 1 unless declared. */
  constructor(specs: readonly EgressQueueSpec[], quantumUnit: number) {
    const all = specs.some((q) => q.id === 0) ? specs : [{ id: 0, weight: 1 }, ...specs];
    this.queues = [...all].sort((a, b) => a.id - b.id).map((q) => new EgressQueue(q.id, q.weight, quantumUnit));
    for (const q of this.queues) this.byId.set(q.id, q);
    this.fallback = this.byId.get(0)!;
    this.round = new Array<EgressQueue>(this.queues.length);
  }

  /** The quantum unit for a link of this MTU. */
  static quantumUnit(mtu: number): number {
    return mtu + ETH_HEADER;
  }

  /** The queue a frame asking for `id` goes into: that one, or queue 0 when the port has none of that id. */
  queueFor(id: number): EgressQueue {
    return this.byId.get(id) ?? this.fallback;
  }

  /** Appends a frame to `queue` (the caller has checked its bound). */
  enqueue(queue: EgressQueue, frame: Frame): void {
    if (queue.length === 0) {
      queue.deficit = queue.quantum;
      this.round[(this.roundHead + this.roundSize++) % this.round.length] = queue;
    }
    queue.push(frame);
  }

  /** The next frame to send, taken out of its queue (`current` says which), or undefined when every queue is empty. */
  dequeue(): Frame | undefined {
    if (this.roundSize === 0) return undefined;
    const ring = this.round;
    for (;;) {
      const q = ring[this.roundHead]!;
      const size = q.peek().bytes.length;
      if (size <= q.deficit) {
        q.deficit -= size;
        if (q.length === 1) {
          // It empties: out of the round, its credit gone (it starts afresh when it has frames again).
          q.deficit = 0;
          this.roundHead = (this.roundHead + 1) % ring.length;
          this.roundSize--;
        }
        this.current = q;
        return q.shift();
      }
      q.deficit += q.quantum;
      ring[(this.roundHead + this.roundSize) % ring.length] = q;
      this.roundHead = (this.roundHead + 1) % ring.length;
    }
  }
}
