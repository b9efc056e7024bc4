/**
 * Bandwidth shares on a shared port, end to end: the qos-shares lesson (a 10 Mb/s link, queues
 * 1, 2 and 3 with weights 3, 1 and 1, two senders each offering twice the link's rate into
 * queues 1 and 2, a third offering 5 % into queue 3), run with its seed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { loadTopologyFile, runTopology } from '../../src/index.js';
import { build } from '../../src/topology/build.js';
import { SwitchNode } from '../../src/switch/node.js';

const lesson = loadTopologyFile(join(import.meta.dirname, '../../topologies/qos-shares.yaml'));

describe('weighted egress queues share a link', () => {
  it('goodput of the two overloading senders is 3:1 within 5 %, and the light sender loses nothing', async () => {
    const summary = await runTopology(lesson);
    const delivered = summary.traffic.map((t) => [t.sent, t.delivered]);
    expect(delivered).toEqual([[9600, 3436], [9600, 1157], [240, 240]]);
    const ratio = delivered[0]![1]! / delivered[1]![1]!;
    expect(Math.abs(ratio / 3 - 1)).toBeLessThan(0.05);
    expect(ratio.toFixed(3)).toBe('2.970');
    expect(summary.drops).toEqual([{ node: 's1', reason: 'QUEUE_FULL', count: 14607 }]);
    expect(summary).toPassExpectations();
  });

  it('counts per queue what went out and what its tail dropped; ARP took queue 0', async () => {
    const built = build(lesson);
    await built.net.run();
    const s1 = built.net.nodes.get('s1') as SwitchNode;
    expect(s1.queues(4).map((q) => ({ id: q.id, weight: q.weight, tx: q.txPackets, bytes: q.txBytes, drops: q.drops }))).toEqual([
      { id: 0, weight: 1, tx: 3, bytes: 126, drops: 0 },
      { id: 1, weight: 3, tx: 3436, bytes: 3436 * 1042, drops: 6164 },
      { id: 2, weight: 1, tx: 1157, bytes: 1157 * 1042, drops: 8443 },
      { id: 3, weight: 1, tx: 240, bytes: 240 * 1042, drops: 0 },
    ]);
    // A port that declares none has none.
    expect(s1.queues(1)).toEqual([]);
  });
});
