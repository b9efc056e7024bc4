/** `netloom verify`: proves the tenants isolated in the installed physical tables, or shows a leak with its witness replayed; exit 1 when isolation fails. */
import { dirname, resolve } from 'node:path';
import { loadTopologyFile } from '../topology/load.js';
import { loadApps } from '../topology/apps.js';
import { replayWitness, verifyIsolation, type ReplayResult } from '../topology/verify.js';
import type { IsolationReport, Leak, PathStep } from '../tenants/verify.js';
import { toHex } from '../wire/addresses.js';
import { MAX_HOPS } from '../sim/network.js';
import { UsageError } from './errors.js';
import { parseTime } from './run.js';

export interface VerifyCommandOptions {
  at?: string;
  tenants?: string;
  json?: boolean;
}

export async function verifyCommand(file: string, options: VerifyCommandOptions): Promise<void> {
  const topology = loadTopologyFile(file);
  const at = parseTime(options.at, '--at');
  const tenants = options.tenants?.split(',').map((t) => t.trim());
  if (tenants !== undefined && tenants.some((t) => t === '')) throw new UsageError(`--tenants "${options.tenants}" has an empty name`);
  const apps = await loadApps(topology, dirname(resolve(file)));
  const report = await verifyIsolation(topology, { ...(at !== undefined && { at }), ...(tenants !== undefined && { tenants }), apps });
  // Each witness replayed in a fresh run: where the frame really goes.
  const replays = await Promise.all(report.leaks.map((l) => (l.witness === undefined ? undefined : replayWitness(topology, l, { at: report.at, apps }))));
  const text = options.json
    ? JSON.stringify({ topology: topology.name, ...report, leaks: report.leaks.map((l, i) => ({ ...l, ...(replays[i] !== undefined && { replay: replays[i] }) })) }, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))
    : formatReport(topology.name, report, replays);
  process.stdout.write(`${text}\n`);
  if (!report.isolated) process.exitCode = 1;
}

export function formatReport(name: string, r: IsolationReport, replays: readonly (ReplayResult | undefined)[]): string {
  const c = r.checked;
  const out: string[] = [];
  const when = `${(r.at / 1e9).toFixed(3)} s`;
  const what = `${c.tenants.length} tenants (${c.tenants.join(', ')}), ${c.switches} switches, ${c.tables} tables, ${c.rules} rules, ${c.edgePorts} edge ports, ${c.headerSets} header sets, ${c.lookups} table lookups, in ${c.ms} ms`;
  if (r.isolated) out.push(`${name} at ${when}: isolated`, `  checked ${what}`);
  else out.push(`${name} at ${when}: NOT isolated${r.leaks.length > 0 ? `, ${r.leaks.length} leak${r.leaks.length === 1 ? '' : 's'}` : ''}`, `  checked ${what}`);
  if (!r.complete) out.push(`  the exploration stopped at its budget of header sets: isolation is not proved`);
  if (c.loops + c.hopBound > 0) out.push(`  ${c.loops} header sets came back to a state already explored (loops), ${c.hopBound} passed ${MAX_HOPS} links`);
  r.leaks.forEach((l, i) => out.push('', ...formatLeak(l, i + 1, replays[i])));
  for (const o of r.overlaps) out.push('', `flowspace overlap on ${o.a.switch}: ${o.a.tenant} ${o.a.match} and ${o.b.tenant} ${o.b.match}`, `  a header in both: ${o.witness}`);
  if (r.approximations.length > 0) out.push('', 'over-approximated (sound: can only add leaks)', ...r.approximations.map((a) => `  ${a}`));
  if (r.unverifiable.length > 0) out.push('', 'not verified', ...r.unverifiable.map((a) => `  ${a}`));
  return out.join('\n');
}

function formatLeak(l: Leak, n: number, replay: ReplayResult | undefined): string[] {
  const out = [`leak ${n} (${l.kind}): ${l.tenant}'s packet ${l.detail}`, `  responsible: ${l.responsible.switch} ${l.responsible.text}`];
  if (l.witness === undefined) out.push(`  no witness frame: ${l.witnessNote}`);
  else {
    out.push(`  witness, sent by ${l.witness.host} (${l.witness.switchPort}): ${l.witness.spec}`, `    ${toHex(l.witness.bytes)}`);
    out.push(`    netloom craft '${l.witness.spec}' --hex`);
  }
  out.push('  path');
  for (const s of l.path) out.push(`    ${formatStep(s)}`);
  if (replay !== undefined) {
    const where = [...replay.reached, ...replay.controllers.map((t) => `controller of ${t}`)];
    const reached = where.length === 0 ? `reached no host or controller${replay.path === undefined ? '' : ` (${replay.path.disposition}${replay.path.node ? ` at ${replay.path.node}` : ''})`}` : `reached ${where.join(', ')}`;
    // A host or controller leak is confirmed when the frame gets there; else an over-approximation made it.
    const verdict = l.kind === 'flowspace' ? '' : where.includes(l.to) ? ': confirmed' : `: not confirmed (an over-approximation below may have made this leak)`;
    out.push(`  replayed in a fresh run at the same time: ${reached}${verdict}`);
  }
  return out;
}

function formatStep(s: PathStep): string {
  switch (s.step) {
    case 'lookup':
      return `${s.switch} in ${s.inPort}: ${s.rule}`;
    case 'miss':
      return `${s.switch} in ${s.inPort}: table ${s.table}, no match`;
    case 'output':
      return `${s.switch} out ${s.outPort} -> ${s.to}`;
    case 'controller':
      return `${s.switch} in ${s.inPort}: PACKET_IN to the platform`;
  }
}
