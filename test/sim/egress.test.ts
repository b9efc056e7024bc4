import { describe, expect, it } from 'vitest';
import { DeficitRoundRobin } from '../../src/sim/egress.js';
import { Link } from '../../src/sim/link.js';
import { Network, Node, type Frame, type Port } from '../../src/sim/network.js';

const net = new Network(1);
/** A frame of `size` bytes named by its first byte, asking for queue `queue`. */
const frame = (name: string, size: number, queue: number): Frame => {
  const f = net.frame(new Uint8Array(size).fill(name.charCodeAt(0)));
  f.queue = queue;
  (f as Frame & { name: string }).name = name;
  return f;
};
const nameOf = (f: Frame | undefined) => (f as (Frame & { name: string }) | undefined)?.name;

/** Offers the frames in order, then takes every frame out: the order they leave in. */
function departures(drr: DeficitRoundRobin, frames: Frame[]): string[] {
  for (const f of frames) drr.enqueue(drr.queueFor(f.queue), f);
  const out: string[] = [];
  for (let f = drr.dequeue(); f !== undefined; f = drr.dequeue()) out.push(`${nameOf(f)}@${drr.current!.id}`);
  return out;
}

describe('deficit round robin', () => {
  it('serves backlogged queues 3:1 by weight: a hand-worked round', () => {
    // Quantum unit 100 bytes: queue 1 (weight 3) gets 300 bytes of credit a turn, queue 2 (weight 1) 100.
    // q1 joins first with 300: a1 a2 a3 (credit 0); a4 needs 100 → +300, to the back; q2 (100): b1 (0);
    // b2 needs 100 → +100, to the back; q1 (300): a4 a5 a6, empty, leaves; q2 (100): b2; b3 → +100: b3.
    const drr = new DeficitRoundRobin([{ id: 1, weight: 3 }, { id: 2, weight: 1 }], 100);
    const a = [1, 2, 3, 4, 5, 6].map((k) => frame(`a${k}`, 100, 1));
    const b = [1, 2, 3].map((k) => frame(`b${k}`, 100, 2));
    expect(departures(drr, [...a, ...b])).toEqual(['a1@1', 'a2@1', 'a3@1', 'b1@2', 'a4@1', 'a5@1', 'a6@1', 'b2@2', 'b3@2']);
  });

  it('carries credit over: a frame bigger than a quantum waits for enough turns', () => {
    // q2's 250-byte frame needs three turns of 100 bytes (100, 200, 300); q0 (weight 1, 100) sends one 100-byte frame a turn.
    const drr = new DeficitRoundRobin([{ id: 2, weight: 1 }], 100);
    expect(departures(drr, [frame('B', 250, 2), frame('x1', 100, 0), frame('x2', 100, 0), frame('x3', 100, 0), frame('x4', 100, 0)]))
      .toEqual(['x1@0', 'x2@0', 'B@2', 'x3@0', 'x4@0']);
  });

  it('has queue 0 (weight 1) whatever is declared, and sends a queue id the port lacks to queue 0', () => {
    const drr = new DeficitRoundRobin([{ id: 7, weight: 2 }], 1514);
    expect(drr.queues.map((q) => [q.id, q.weight, q.quantum])).toEqual([[0, 1, 1514], [7, 2, 3028]]);
    expect(drr.queueFor(9).id).toBe(0);
    expect(drr.queueFor(7).id).toBe(7);
    expect(new DeficitRoundRobin([{ id: 0, weight: 5 }], 100).queues.map((q) => q.weight)).toEqual([5]);
    expect(DeficitRoundRobin.quantumUnit(1500)).toBe(1514);
  });

  it('takes a queue that empties out of the round: it starts again at the back with one quantum', () => {
    const drr = new DeficitRoundRobin([{ id: 1, weight: 1 }, { id: 2, weight: 1 }], 100);
    expect(departures(drr, [frame('a1', 100, 1)])).toEqual(['a1@1']);
    expect(departures(drr, [frame('b1', 100, 2), frame('a2', 100, 1), frame('b2', 100, 2), frame('a3', 100, 1)])).toEqual(['b1@2', 'a2@1', 'b2@2', 'a3@1']);
  });
});

class Sink extends Node {
  readonly got: [number, string][] = [];
  receive(_port: Port, f: Frame): void {
    this.got.push([this.net.scheduler.now, nameOf(f)!]);
  }
}

describe('a link end with egress queues', () => {
  /** A 1 Mb/s link (a 125-byte frame takes 1 ms), latency 0, 2 frames per queue, from a port with queues 1 (weight 3) and 2. */
  function wired() {
    const n = new Network(1);
    const a = n.add(new Sink(n, 'a', 'sink'));
    const b = n.add(new Sink(n, 'b', 'sink'));
    const from = a.addPort('p');
    from.queues = [{ id: 1, weight: 3 }, { id: 2, weight: 1 }];
    new Link(n, from, b.addPort('p'), { latency: 0, jitter: 0, bandwidth: 1e6, queue: 2, mtu: 1500, loss: 0 });
    return { n, from, b };
  }

  it('sends the first frame at once, then by round robin as the wire frees; a full queue drops at its tail, naming the queue', async () => {
    const { n, from, b } = wired();
    const drops: string[] = [];
    n.recorder.add({ event: (e) => e.dir === 'drop' && drops.push(`${e.reason}: ${e.detail}`) });
    // All at t=0: a1 goes on the wire at once (it still counts in queue 1), so queue 1 holds a2 and refuses a3; queue 2 holds
    // b1 and b2, refuses b3; queue 9 is queue 0's. A turn's credit (1,514 bytes per unit of weight) covers each queue's
    // few frames, so the round sends queue 1's, then queue 2's, then queue 0's.
    for (const [name, q] of [['a1', 1], ['a2', 1], ['a3', 1], ['b1', 2], ['b2', 2], ['b3', 2], ['z', 9]] as const) from.send(frame(name, 125, q));
    await n.run();
    expect(b.got).toEqual([[1e6, 'a1'], [2e6, 'a2'], [3e6, 'b1'], [4e6, 'b2'], [5e6, 'z']]);
    expect([...n.drops]).toEqual([['a QUEUE_FULL', 2]]);
    expect(drops).toEqual(['QUEUE_FULL: 2 frames already in queue 1 of a:p on a:p—b:p', 'QUEUE_FULL: 2 frames already in queue 2 of a:p on a:p—b:p']);
    const queues = from.link!.egress!.queues.map((q) => ({ id: q.id, tx: q.txPackets, bytes: q.txBytes, drops: q.drops }));
    expect(queues).toEqual([{ id: 0, tx: 1, bytes: 125, drops: 0 }, { id: 1, tx: 2, bytes: 250, drops: 1 }, { id: 2, tx: 2, bytes: 250, drops: 1 }]);
  });
});
