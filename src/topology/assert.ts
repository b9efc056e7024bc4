/**
 * netloom's matchers, for any test runner: each takes what is asserted on (a topology, or a run
 * summary) and what is expected, does what it takes to know (a probe in a fresh network, the
 * isolation verifier) and returns { pass, message }. `netloom/vitest` hands them to
 * expect.extend; another runner calls them and fails the test with the message when pass is
 * false. Bad input (an unknown host, an unknown tenant) throws the library's own errors.
 */
import { assertDelivered, assertDropped, assertHops, type AssertionResult, type DropExpectation } from '../trace/assert.js';
import { tracePath, type RunSummary, type TraceOptions } from './run.js';
import { formatExpectations } from './summary.js';
import { formatIsolationReport, replayLeaks, verifyIsolation } from './verify.js';
import type { Topology } from './types.js';

/** One probe: tracePath's arguments in one object. */
export interface PathProbe extends Omit<TraceOptions, 'capture'> {
  /** A host with an IPv4 address. */
  from: string;
  /** A node with an IPv4 address, or an IPv4 address. */
  to: string;
}

export const netloomMatchers = {
  /** The probe is delivered. */
  async toDeliver(network: Topology, probe: PathProbe): Promise<AssertionResult> {
    return assertDelivered(await trace(network, probe, 'toDeliver'), describeProbe(probe));
  },

  /** The probe is not delivered; it stops at `expected.at` for `expected.reason`, when given. */
  async toDrop(network: Topology, probe: PathProbe, expected: DropExpectation = {}): Promise<AssertionResult> {
    return assertDropped(await trace(network, probe, 'toDrop'), describeProbe(probe), expected);
  },

  /** The probe's hops are exactly these nodes, in order. */
  async toTraverse(network: Topology, probe: PathProbe, nodes: readonly string[]): Promise<AssertionResult> {
    if (!Array.isArray(nodes)) throw new TypeError(`toTraverse: expected the nodes as an array (['h1', 's1', 'h2']), got ${whatIs(nodes)}`);
    return assertHops(await trace(network, probe, 'toTraverse'), describeProbe(probe), nodes);
  },

  /** The tenants named (every tenant, with none named) are isolated at the end of a run, as `netloom verify` proves it. */
  async toBeIsolated(network: Topology, ...tenants: string[]): Promise<AssertionResult> {
    const topology = topologyOf(network, 'toBeIsolated');
    const report = await verifyIsolation(topology, tenants.length > 0 ? { tenants } : {});
    const replays = await replayLeaks(topology, report);
    const pass = report.isolated;
    return { pass, message: `expected ${tenants.length > 0 ? tenants.join(', ') : 'the tenants'} ${pass ? 'not ' : ''}to be isolated\n${formatIsolationReport(topology.name, report, replays)}` };
  },

  /** Every expectation of the run passed; the message lists them, with the hops of a failed path. */
  toPassExpectations(summary: RunSummary): AssertionResult {
    if (typeof summary !== 'object' || summary === null || !Array.isArray((summary as Partial<RunSummary>).expectations)) {
      throw new TypeError(`toPassExpectations: expected a run summary (await runTopology(…)), got ${whatIs(summary)}`);
    }
    const pass = summary.passed;
    return { pass, message: `expected the expectations of ${summary.topology} ${pass ? 'not ' : ''}to pass\n${formatExpectations(summary).join('\n')}` };
  },
};

/** `udp h1 → h2 port 53`, `icmp h1 → 10.0.2.20 sent at 6 s`. */
function describeProbe(probe: PathProbe): string {
  const { proto = 'icmp', from, to, dstPort, at, size, df } = probe;
  const details = [dstPort !== undefined && ` port ${dstPort}`, size !== undefined && `, ${size} bytes`, df === true && ', DF', at !== undefined && at > 0 && ` sent at ${at / 1e9} s`];
  return `${proto} ${from} → ${to}${details.filter(Boolean).join('')}`;
}

function trace(network: Topology, probe: PathProbe, matcher: string) {
  const topology = topologyOf(network, matcher);
  if (typeof probe !== 'object' || probe === null) throw new TypeError(`${matcher}: expected a probe ({ from, to, … }), got ${whatIs(probe)}`);
  const { from, to, ...options } = probe;
  return tracePath(topology, from, to, options);
}

/** What the matchers assert on must be a loaded topology: anything else is a mistake in the test, never a failure. */
function topologyOf(network: Topology, matcher: string): Topology {
  const t = network as Partial<Topology> | null;
  if (typeof t === 'object' && t !== null && Array.isArray(t.nodes) && Array.isArray(t.links)) return network;
  throw new TypeError(`${matcher}: expected a topology (loadTopologyFile, loadTopology or topology(…).build()), got ${whatIs(network)}`);
}

function whatIs(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object with keys ${Object.keys(value).join(', ') || '(none)'}` : `${typeof value} ${JSON.stringify(value)}`;
}
