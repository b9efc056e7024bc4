/**
 * A full-duplex link between two ports, with its impairments: propagation latency, jitter,
 * bandwidth (serialization delay and a bounded FIFO with tail drop), MTU, random loss and a
 * schedule of down/up changes. Each direction is a LinkEnd with its own queue; a port that
 * declares egress queues sends through those instead, served by deficit round robin
 * (egress.ts), each queue bounded by the link's queue length.
 */
import type { EventHandler } from './scheduler.js';
import { MAX_HOPS, type Frame, type Network, type Port } from './network.js';
import { DeficitRoundRobin } from './egress.js';

export interface LinkImpairments {
  /** One-way propagation delay, ns. */
  latency: number;
  /** Uniform jitter added to each frame's delay: ±jitter ns (frames never reorder). */
  jitter: number;
  /** Bits per second; 0 means unlimited (no serialization delay, no queue). */
  bandwidth: number;
  /** Frames waiting for the wire before tail drop. */
  queue: number;
  /** Largest L2 payload (the IP packet), bytes. */
  mtu: number;
  /** Probability a frame is lost on the wire, 0-1. */
  loss: number;
}

const DELIVER = 1;
const STATE = 2;
/** The transmitter is free: the egress queues' next frame goes on the wire. */
const SENT = 3;

/** One direction of a link: frames sent by `from` arrive at `to`. */
export class LinkEnd implements EventHandler {
  /** When the transmitter is free again, ns. */
  private busyUntil = 0;
  /** When the last frame sent arrives: later frames never overtake it. */
  private lastArrival = 0;
  /** Serialization end times of frames still waiting for or on the wire. */
  private readonly inQueue: number[] = [];
  private queueHead = 0;
  /** The port's egress queues, when it declares any; frames wait in them for real, not as times. */
  readonly egress: DeficitRoundRobin | undefined;
  /** A SENT event is due: the transmitter is busy, and frames arriving wait in the queues. */
  private sending = false;

  constructor(
    readonly link: Link,
    readonly from: Port,
    readonly to: Port,
  ) {
    if (from.queues !== undefined) this.egress = new DeficitRoundRobin(from.queues, DeficitRoundRobin.quantumUnit(link.mtu));
  }

  transmit(frame: Frame): void {
    const link = this.link;
    const net = link.net;
    const now = net.scheduler.now;
    if (!link.up) {
      net.drop(this.from.node, this.from, frame, 'LINK_DOWN', `link ${link.name} is down`);
      return;
    }
    if (frame.hops >= MAX_HOPS) {
      net.drop(this.from.node, this.from, frame, 'LOOP', `crossed ${MAX_HOPS} links: a forwarding loop`);
      return;
    }
    frame.hops++;
    const payload = frame.bytes.length - l2HeaderLength(frame.bytes);
    if (payload > link.mtu) {
      net.drop(this.from.node, this.from, frame, 'MTU_EXCEEDED', `MTU ${link.mtu} < ${payload}`);
      return;
    }
    if (link.bandwidth > 0) {
      if (this.egress !== undefined) {
        this.enqueue(this.egress, frame);
        return;
      }
      while (this.queueHead < this.inQueue.length && this.inQueue[this.queueHead]! <= now) this.queueHead++;
      if (this.queueHead > 1024) {
        this.inQueue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (this.inQueue.length - this.queueHead >= link.queue) {
        net.drop(this.from.node, this.from, frame, 'QUEUE_FULL', `${link.queue} frames already queued on ${link.name}`);
        return;
      }
      this.busyUntil = Math.max(now, this.busyUntil) + Math.round((frame.bytes.length * 8 * 1e9) / link.bandwidth);
      this.inQueue.push(this.busyUntil);
    }
    this.propagate(frame, link.bandwidth > 0 ? this.busyUntil : now);
  }

  /** A frame whose last bit leaves at `sent` (ns): lost, or delivered a latency (and jitter) later, never before the frame ahead of it. */
  private propagate(frame: Frame, sent: number): void {
    const link = this.link;
    const net = link.net;
    if (link.loss > 0 && net.random.next() < link.loss) {
      net.drop(this.from.node, this.from, frame, 'LOSS', `lost on ${link.name}`);
      return;
    }
    let arrival = sent + link.latency;
    if (link.jitter > 0) arrival += Math.round((net.random.next() * 2 - 1) * link.jitter);
    arrival = Math.max(arrival, this.lastArrival, net.scheduler.now);
    this.lastArrival = arrival;
    net.hops++;
    net.scheduler.at(arrival, this, DELIVER, frame);
  }

  /** Into the egress queue the frame names (queue 0 when the port has no such queue), or tail-dropped when that queue is full. */
  private enqueue(egress: DeficitRoundRobin, frame: Frame): void {
    const link = this.link;
    const q = egress.queueFor(frame.queue);
    // As the FIFO counts it: the frame on the wire is still its queue's.
    const held = q.length + (this.sending && egress.current === q ? 1 : 0);
    if (held >= link.queue) {
      q.drops++;
      link.net.drop(this.from.node, this.from, frame, 'QUEUE_FULL', `${link.queue} frames already in queue ${q.id} of ${this.from.id} on ${link.name}`);
      return;
    }
    egress.enqueue(q, frame);
    if (!this.sending) this.sendNext(egress);
  }

  /** The transmitter is free: the frame deficit round robin picks goes on the wire, and the next is picked when it is sent. */
  private sendNext(egress: DeficitRoundRobin): void {
    const link = this.link;
    const net = link.net;
    let frame = egress.dequeue();
    // Frames that waited while the link went down go nowhere.
    while (frame !== undefined && !link.up) {
      egress.current!.drops++;
      net.drop(this.from.node, this.from, frame, 'LINK_DOWN', `link ${link.name} went down with the frame in queue ${egress.current!.id}`);
      frame = egress.dequeue();
    }
    this.sending = frame !== undefined;
    if (frame === undefined) return;
    const q = egress.current!;
    q.txPackets++;
    q.txBytes += frame.bytes.length;
    this.busyUntil = net.scheduler.now + Math.round((frame.bytes.length * 8 * 1e9) / link.bandwidth);
    net.scheduler.at(this.busyUntil, this, SENT);
    this.propagate(frame, this.busyUntil);
  }

  onEvent(kind: number, payload: unknown): void {
    if (kind === SENT) {
      this.sendNext(this.egress!);
      return;
    }
    const frame = payload as Frame;
    const net = this.link.net;
    if (!this.link.up) {
      net.drop(this.to.node, this.to, frame, 'LINK_DOWN', `link ${this.link.name} went down with the frame on it`);
      return;
    }
    net.trace(this.to.node, this.to, frame, 'rx');
    this.to.node.receive(this.to, frame);
  }
}

export class Link implements LinkImpairments, EventHandler {
  latency: number;
  jitter: number;
  bandwidth: number;
  queue: number;
  mtu: number;
  loss: number;
  up = true;
  readonly ab: LinkEnd;
  readonly ba: LinkEnd;

  constructor(
    readonly net: Network,
    readonly a: Port,
    readonly b: Port,
    impairments: LinkImpairments,
  ) {
    this.latency = impairments.latency;
    this.jitter = impairments.jitter;
    this.bandwidth = impairments.bandwidth;
    this.queue = impairments.queue;
    this.mtu = impairments.mtu;
    this.loss = impairments.loss;
    this.ab = new LinkEnd(this, a, b);
    this.ba = new LinkEnd(this, b, a);
    a.link = this.ab;
    b.link = this.ba;
  }

  get name(): string {
    return `${this.a.id}—${this.b.id}`;
  }

  /** Schedules a state change: down at `at` ns, or up. */
  scheduleState(at: number, up: boolean): void {
    this.net.scheduler.at(at, this, STATE, undefined, up ? 1 : 0);
  }

  onEvent(_kind: number, _payload: unknown, aux: number): void {
    const up = aux === 1;
    if (up === this.up) return;
    this.up = up;
    const rec = this.net.recorder;
    if (rec.active) {
      rec.record({ t: this.net.scheduler.now, node: this.a.node.name, port: this.a.name, dir: 'link', packet: 0, trace: 0, parent: 0, detail: `link ${this.name} ${this.up ? 'up' : 'down'}` });
    }
    this.a.node.linkChanged(this.a, up);
    this.b.node.linkChanged(this.b, up);
  }
}

/** Ethernet header plus any 802.1Q/802.1ad tags: what the MTU does not count. */
function l2HeaderLength(b: Uint8Array): number {
  let o = 12;
  while (o + 4 <= b.length) {
    const type = (b[o]! << 8) | b[o + 1]!;
    if (type !== 0x8100 && type !== 0x88a8) break;
    o += 4;
  }
  return o + 2;
}
