/** The run summary's text and figures for runs far larger than a lesson's: no step spreads a list into one call. */
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../../src/topology/summary.js';
import { loadTopology } from '../../src/topology/load.js';
import { runTopology } from '../../src/topology/run.js';
import type { RunSummary } from '../../src/topology/run.js';

describe('run summaries of large runs', () => {
  it('formats 130,000 traffic items, one line each, the names in one column', () => {
    const traffic = Array.from({ length: 130_000 }, (_, i) => ({ name: `udp ${i}`, kind: 'udp' as const, sent: 1, delivered: 1, lost: 0 }));
    const summary: RunSummary = { topology: 'many', seed: 1, endedAt: 0, events: 0, packetHops: 0, traffic, drops: [], expectations: [], passed: true };
    const lines = formatRunSummary(summary).split('\n');
    expect(lines).toHaveLength(130_003);
    expect(lines[3]).toBe('  udp 0       sent 1  delivered 1  lost 0');
    expect(lines[130_002]).toBe('  udp 129999  sent 1  delivered 1  lost 0');
  });

  it('gives the round-trip figures of a ping with more replies than a call takes arguments', async () => {
    const topology = loadTopology(`nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
links:
  - { endpoints: [h1:eth0, h2:eth0], latency: 1us }
traffic:
  - { ping: { from: h1, to: h2, count: 140000, interval: 10us, size: 0 } }
`, 'pings.yaml');
    const summary = await runTopology(topology);
    expect(summary.traffic[0]).toMatchObject({ sent: 140_000, delivered: 140_000, lost: 0 });
    // 1 µs each way plus a 42-byte frame's 336 ns at the default 1 Gbit/s, each way.
    expect(summary.traffic[0]!.rtt!.min).toBe(0.002672);
    expect(summary.traffic[0]!.rtt!.max).toBeGreaterThanOrEqual(0.002672);
  });
});
