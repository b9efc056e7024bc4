/**
 * A full-duplex link between two ports, with its impairments: propagation latency, jitter,
 * bandwidth (serialization delay and a bounded FIFO with tail drop), MTU, random loss and a
 * schedule of down/up changes. Each direction is a LinkEnd with its own queue.
 */
import type { EventHandler } from './scheduler.js';
import { MAX_HOPS, type Frame, type Network, type Port } from './network.js';
import type { LinkImpairments } from '../topology/types.js';

const DELIVER = 1;
const STATE = 2;

/** One direction of a link: frames sent by `from` arrive at `to`. */
export class LinkEnd implements EventHandler {
  /** When the transmitter is free again, ns. */
  private busyUntil = 0;
  /** When the last frame sent arrives: later frames never overtake it. */
  private lastArrival = 0;
  /** Serialization end times of frames still waiting for or on the wire. */
  private readonly inQueue: number[] = [];
  private queueHead = 0;

  constructor(
    readonly link: Link,
    readonly from: Port,
    readonly to: Port,
  ) {}

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
    let start = now;
    if (link.bandwidth > 0) {
      while (this.queueHead < this.inQueue.length && this.inQueue[this.queueHead]! <= now) this.queueHead++;
      if (this.queueHead > 1024) {
        this.inQueue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (this.inQueue.length - this.queueHead >= link.queue) {
        net.drop(this.from.node, this.from, frame, 'QUEUE_FULL', `${link.queue} frames already queued on ${link.name}`);
        return;
      }
      start = Math.max(now, this.busyUntil);
      this.busyUntil = start + Math.round((frame.bytes.length * 8 * 1e9) / link.bandwidth);
      this.inQueue.push(this.busyUntil);
    }
    if (link.loss > 0 && net.random.next() < link.loss) {
      net.drop(this.from.node, this.from, frame, 'LOSS', `lost on ${link.name}`);
      return;
    }
    let arrival = (link.bandwidth > 0 ? this.busyUntil : start) + link.latency;
    if (link.jitter > 0) arrival += Math.round((net.random.next() * 2 - 1) * link.jitter);
    arrival = Math.max(arrival, this.lastArrival, now);
    this.lastArrival = arrival;
    net.hops++;
    net.scheduler.at(arrival, this, DELIVER, frame);
  }

  onEvent(_kind: number, payload: unknown): void {
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
