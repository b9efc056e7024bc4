/**
 * The network under simulation: nodes, their ports, the links between them, the scheduler, the
 * random source and the trace recorder. Owns the node and port contract every node kind
 * (host, router, switch) implements; knows nothing of what a node does with a frame.
 */
import type { EventHandler } from './scheduler.js';
import { Scheduler } from './scheduler.js';
import { Random } from './random.js';
import { Recorder, type TraceDirection } from './recorder.js';
import type { DropReason } from './vocabulary.js';
import type { LinkEnd } from './link.js';
import type { EgressQueueSpec } from './egress.js';

/** Bytes on a link, with the ids that let traces follow them. */
export interface Frame {
  bytes: Uint8Array;
  /** Unique per transmission. */
  id: number;
  /** Kept by forwarded copies: the id of the packet first sent. */
  trace: number;
  /** The frame this one was made from (0 for a new packet). */
  parent: number;
  /** Links this packet and the frames made from it have crossed. */
  hops: number;
  /** The egress queue of the sending port it goes into (a switch's set_queue); 0, the default, otherwise. */
  queue: number;
}

/**
 * Links one packet may cross. Without spanning tree an Ethernet loop would carry a flooded
 * frame forever (it has no TTL); past this it is dropped as a loop, so a run always ends.
 */
export const MAX_HOPS = 255;

export class Port {
  /** The link end this port transmits into, if connected. */
  link: LinkEnd | undefined;
  /** Egress queues with weights, set before the port is linked; without them, one FIFO. */
  queues: readonly EgressQueueSpec[] | undefined;

  constructor(
    readonly node: Node,
    readonly name: string,
    readonly index: number,
  ) {}

  get id(): string {
    return `${this.node.name}:${this.name}`;
  }

  /** The largest L2 payload this port can send (its link's MTU). */
  get mtu(): number {
    return this.link?.link.mtu ?? Infinity;
  }

  /** Hands a frame to the link; a port with no link drops it. */
  send(frame: Frame): void {
    const net = this.node.net;
    if (this.link === undefined) {
      net.drop(this.node, this, frame, 'NO_LINK', 'the port is not connected');
      return;
    }
    net.trace(this.node, this, frame, 'tx');
    this.link.transmit(frame);
  }
}

export abstract class Node implements EventHandler {
  readonly ports: Port[] = [];
  private readonly byName = new Map<string, Port>();

  constructor(
    readonly net: Network,
    readonly name: string,
    readonly kind: string,
  ) {}

  addPort(name: string): Port {
    const port = new Port(this, name, this.ports.length);
    this.ports.push(port);
    this.byName.set(name, port);
    return port;
  }

  port(name: string): Port | undefined {
    return this.byName.get(name);
  }

  /** A frame arrived on `port`. */
  abstract receive(port: Port, frame: Frame): void;

  /** Called once, at time 0, before the run. */
  start(): void {}

  /** Timers the node scheduled on itself. */
  onEvent(_kind: number, _payload: unknown, _aux: number): void {}

  /** The link on `port` went down or came up. */
  linkChanged(_port: Port, _up: boolean): void {}
}

export class Network {
  readonly scheduler = new Scheduler();
  readonly recorder = new Recorder();
  readonly random: Random;
  readonly nodes = new Map<string, Node>();
  /** Drops counted by "node reason", whether or not anything records events. */
  readonly drops = new Map<string, number>();
  /** Frames that crossed a link (packet-hops). */
  hops = 0;
  private nextPacket = 1;

  constructor(seed: number) {
    this.random = new Random(seed);
  }

  add<N extends Node>(node: N): N {
    this.nodes.set(node.name, node);
    return node;
  }

  /** A new frame; `from` carries the trace id forward (a forwarded or encapsulated copy). */
  frame(bytes: Uint8Array, from?: Frame): Frame {
    const id = this.nextPacket++;
    return { bytes, id, trace: from?.trace ?? id, parent: from?.id ?? 0, hops: from?.hops ?? 0, queue: 0 };
  }

  trace(node: Node, port: Port | undefined, frame: Frame, dir: TraceDirection, detail?: string): void {
    if (!this.recorder.active) return;
    this.recorder.record({
      t: this.scheduler.now,
      node: node.name,
      ...(port && { port: port.name }),
      dir,
      packet: frame.id,
      trace: frame.trace,
      parent: frame.parent,
      bytes: frame.bytes,
      ...(detail !== undefined && { detail }),
    });
  }

  drop(node: Node, port: Port | undefined, frame: Frame, reason: DropReason, detail?: string): void {
    const key = `${node.name} ${reason}`;
    this.drops.set(key, (this.drops.get(key) ?? 0) + 1);
    if (!this.recorder.active) return;
    this.recorder.record({
      t: this.scheduler.now,
      node: node.name,
      ...(port && { port: port.name }),
      dir: 'drop',
      packet: frame.id,
      trace: frame.trace,
      parent: frame.parent,
      bytes: frame.bytes,
      reason,
      ...(detail !== undefined && { detail }),
    });
  }

  start(): void {
    for (const node of this.nodes.values()) node.start();
  }

  /**
   * Runs the scheduler to `until`. Whenever an event asks to yield (a controller app's handler
   * may await replies), the promise continuations it set off run before the next event: the
   * order stays the scheduler's, so a run stays deterministic.
   */
  async run(until = Infinity, onProgress?: (now: number) => void): Promise<void> {
    while (this.scheduler.run(until, onProgress)) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
