/** `netloom verify`: proves the tenants isolated in the installed physical tables, or shows a leak with its witness replayed; exit 1 when isolation fails. */
import { dirname, resolve } from 'node:path';
import { loadTopologyFile } from '../topology/load.js';
import { loadApps } from '../topology/apps.js';
import { formatIsolationReport, replayLeaks, verifyIsolation } from '../topology/verify.js';
import { toHex } from '../wire/addresses.js';
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
  const replays = await replayLeaks(topology, report, { apps });
  const text = options.json
    ? JSON.stringify({ topology: topology.name, ...report, leaks: report.leaks.map((l, i) => ({ ...l, ...(replays[i] !== undefined && { replay: replays[i] }) })) }, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))
    : formatIsolationReport(topology.name, report, replays);
  process.stdout.write(`${text}\n`);
  if (!report.isolated) process.exitCode = 1;
}
