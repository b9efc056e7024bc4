/**
 * Assertions on one path result, for any test runner: each says whether the path is what was
 * expected, and the message a runner shows when the assertion fails (or, negated, when it
 * holds): what was expected, then the hops that happened. Knows paths only; sending the probe
 * is topology/assert.ts's.
 */
import { formatHop, formatPath, type PathResult } from './path.js';
import type { DropReason } from '../sim/vocabulary.js';

/** An assertion's outcome: `message` says why it failed, or, when it passed, why `.not` would fail. */
export interface AssertionResult {
  pass: boolean;
  message: string;
}

/** Where a probe should stop short of delivery: the node and the reason, either or both. */
export interface DropExpectation {
  at?: string;
  reason?: DropReason;
}

/** `probe` names the probe in the message, e.g. `udp h1 → h2 port 53`. */
export function assertDelivered(path: PathResult, probe: string): AssertionResult {
  const pass = path.disposition === 'DELIVERED';
  return { pass, message: `expected ${probe} ${pass ? 'not ' : ''}to be delivered\n${found(path)}` };
}

/** Not delivered (dropped, or stopped as NO_ROUTE, TTL_EXCEEDED, …), at `at` and for `reason` when given. */
export function assertDropped(path: PathResult, probe: string, expected: DropExpectation = {}): AssertionResult {
  const pass = path.disposition !== 'DELIVERED' && (expected.at === undefined || path.node === expected.at) && (expected.reason === undefined || path.reason === expected.reason);
  const where = `${expected.at === undefined ? '' : ` at ${expected.at}`}${expected.reason === undefined ? '' : ` (${expected.reason})`}`;
  return { pass, message: `expected ${probe} ${pass ? 'not ' : ''}to be dropped${where}\n${found(path)}` };
}

/** The path's hops are exactly `nodes`, in order (whatever its disposition). */
export function assertHops(path: PathResult, probe: string, nodes: readonly string[]): AssertionResult {
  const pass = path.hops.length === nodes.length && path.hops.every((h, i) => h.node === nodes[i]);
  const message = `expected ${probe} ${pass ? 'not ' : ''}to cross ${nodes.join(' → ')}`;
  return { pass, message: pass ? `${message}\n${found(path)}` : `${message}\n${beside(path, nodes)}\n${found(path)}` };
}

/** The path as `netloom trace` prints it, indented under `found:`. */
function found(path: PathResult): string {
  return `found:\n${formatPath(path).split('\n').map((line) => `  ${line}`).join('\n')}`;
}

/** Hop by hop, the node expected beside the hop that happened; ✗ where they differ. */
function beside(path: PathResult, nodes: readonly string[]): string {
  const rows = Math.max(nodes.length, path.hops.length);
  const digits = String(rows).length;
  const width = Math.max('expected'.length, ...nodes.map((n) => n.length));
  const lines = [`${' '.repeat(digits + 4)}${'expected'.padEnd(width)}  found`];
  for (let i = 0; i < rows; i++) {
    const hop = path.hops[i];
    const same = hop !== undefined && hop.node === nodes[i];
    lines.push(`${same ? '  ' : '✗ '}${String(i + 1).padStart(digits)}  ${(nodes[i] ?? '-').padEnd(width)}  ${hop === undefined ? '-' : formatHop(hop)}`);
  }
  return lines.join('\n');
}
