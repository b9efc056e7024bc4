/**
 * A run summary as text: what `netloom run` prints, what a failed `toPassExpectations` shows, and
 * the detail of one failed expectation (what was expected, what was found and, for a path, its
 * hops) that `netloom test` puts in its JUnit report. Reads summaries; runs nothing.
 */
import { formatPath } from '../trace/path.js';
import type { ExpectationResult, RunSummary } from './run.js';

/** The whole summary: the run, its traffic, drops, tenants and expectations, with the hops of each failed path. */
export function formatRunSummary(s: RunSummary): string {
  const out: string[] = [];
  out.push(`${s.topology} (seed ${s.seed}): ${(s.endedAt / 1e9).toFixed(3)} s of virtual time, ${s.events.toLocaleString('en')} events, ${s.packetHops.toLocaleString('en')} packet-hops`);
  if (s.traffic.length > 0) {
    out.push('', 'traffic');
    const width = s.traffic.reduce((w, t) => Math.max(w, t.name.length), 0);
    for (const t of s.traffic) {
      let line = `  ${t.name.padEnd(width)}  sent ${t.sent}  delivered ${t.delivered}  lost ${t.lost}${t.inFlight ? `  in flight ${t.inFlight}` : ''}`;
      if (t.rtt) line += `  rtt min/avg/max/mdev ${[t.rtt.min, t.rtt.avg, t.rtt.max, t.rtt.mdev].map((v) => v.toFixed(3)).join('/')} ms`;
      out.push(line);
      for (const [what, count] of Object.entries(t.errors ?? {})) out.push(`    ${count} × ${what}`);
    }
  }
  if (s.drops.length > 0) {
    out.push('', 'drops');
    for (const d of s.drops) out.push(`  ${d.node}  ${d.reason}  ${d.count}`);
  }
  if (s.tenants !== undefined) {
    out.push('', 'tenants');
    const width = s.tenants.reduce((w, t) => Math.max(w, t.name.length), 0);
    for (const t of s.tenants) {
      const refused = Object.entries(t.refused);
      let line = `  ${t.name.padEnd(width)}  flows ${t.flows}  packet-ins ${t.packetIns}`;
      if (t.packetInsDropped > 0) line += ` (${t.packetInsDropped} dropped past its rate)`;
      line += `  refused ${refused.reduce((n, [, c]) => n + c, 0)}`;
      if (refused.length > 0) line += ` (${refused.map(([what, c]) => `${what} ${c}`).join(', ')}${t.rateLimited > 0 ? `; ${t.rateLimited} past its message rate` : ''})`;
      out.push(line);
    }
  }
  if (s.expectations.length > 0) out.push('', ...formatExpectations(s));
  return out.join('\n');
}

/**
 * The expectations block: a line per expectation, under a failed path the hops it took, then
 * `N of M expectations passed`.
 */
export function formatExpectations(s: RunSummary): string[] {
  const out = ['expectations'];
  for (const e of s.expectations) {
    out.push(`  ${formatExpectation(e)}`);
    if (!e.passed && e.path !== undefined) out.push(...formatPath(e.path).split('\n').map((line) => `      ${line}`));
  }
  const passed = s.expectations.filter((e) => e.passed).length;
  out.push('', `${passed} of ${s.expectations.length} expectations passed`);
  return out;
}

/** `ok   ping h1 to h2: at least 5 delivered  (5 of 5 delivered)`, or `FAIL …`: as run and test print each expectation. */
export function formatExpectation(e: ExpectationResult): string {
  return `${e.passed ? 'ok  ' : 'FAIL'} ${e.expectation}  (${e.actual})`;
}

/** A failed expectation in full: `expected: …`, `found: …`, and for a path the hops it took. */
export function formatFailure(e: ExpectationResult): string {
  return [`expected: ${e.expectation}`, `found: ${e.actual}`, ...(e.path ? ['', formatPath(e.path)] : [])].join('\n');
}
