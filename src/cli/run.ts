/** `netloom run`: runs a topology's traffic and checks its expectations; exit 1 when one fails. */
import { createWriteStream, openSync } from 'node:fs';
import { loadTopologyFile } from '../topology/load.js';
import { dirname, resolve } from 'node:path';
import { espSecretsOf, runTopology, runTopologyRealtime, wallClockPeers, type ExpectationResult, type RunSummary } from '../topology/run.js';
import { loadApps } from '../topology/apps.js';
import { tsharkEspOptions } from '../capture/esp-secrets.js';
import { parseDuration } from '../topology/units.js';
import { openCapture } from '../capture/open.js';
import { toHex } from '../wire/addresses.js';
import type { TraceSink } from '../trace/events.js';
import { UsageError } from './errors.js';
import { printable } from './output.js';
import { parseListen } from './listen.js';
import { announce, parseSpeed, parseToken } from './serve.js';
import { startFeed } from '../feed/feed.js';

export interface RunCommandOptions {
  until?: string;
  seed?: string;
  pcap?: string;
  force?: boolean;
  json?: boolean;
  events?: string;
  realtime?: boolean;
  feed?: string;
  speed?: string;
  token?: string;
}

export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new UsageError(`--seed "${text}" is not a whole number from 0 to 4294967295`);
  return Number(text);
}

/** A virtual time given on the command line, e.g. `--until 10s`; `option` names it in errors. */
export function parseTime(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`${option} "${text}": ${(error as Error).message}`);
  }
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<void> {
  const topology = loadTopologyFile(file);
  const until = parseTime(options.until, '--until');
  const seed = parseSeed(options.seed);
  const feedAt = options.feed === undefined ? undefined : parseListen(options.feed, '--feed', '127.0.0.1:7681');
  const speed = parseSpeed(options.speed);
  const token = parseToken(options.token);
  if (feedAt === undefined && (speed !== undefined || token !== undefined)) throw new UsageError(`${speed !== undefined ? '--speed' : '--token'} goes with --feed`);
  if (feedAt !== undefined && options.pcap !== undefined) {
    throw new UsageError('--pcap and --feed: the feed streams the same capture at /capture.pcapng (curl -sN URL/capture.pcapng > FILE.pcapng)');
  }
  if (feedAt !== undefined && options.realtime && speed !== undefined && speed !== 1) throw new UsageError(`--realtime and --speed ${options.speed}: real time is speed 1`);
  const toStdout = options.pcap === '-';
  const sinks: TraceSink[] = [];
  let events: ReturnType<typeof createWriteStream> | undefined;
  if (options.events !== undefined) {
    let fd: number;
    try {
      fd = openSync(options.events, options.force ? 'w' : 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'EEXIST' ? `${options.events} exists; pass --force to overwrite it` : `--events ${options.events}: cannot create it (${code})`);
    }
    events = createWriteStream('', { fd });
    events.on('error', (error) => process.stderr.write(`netloom: cannot write ${options.events}: ${error.message}\n`));
    const out = events;
    sinks.push({ event: (e) => out.write(`${JSON.stringify(e, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))}\n`) });
  }
  const progress = process.stderr.isTTY && !toStdout && !options.json;
  const apps = await loadApps(topology, dirname(resolve(file)));
  const runOptions = {
    ...(until !== undefined && { until }),
    ...(seed !== undefined && { seed }),
    ...(options.pcap !== undefined && { capture: openCapture(options.pcap, { force: options.force === true }) }),
    sinks,
    apps,
    ...(progress && { onProgress: (now: number) => process.stderr.write(`\r${(now / 1e9).toFixed(3)} s of virtual time…`) }),
  };
  let summary: RunSummary;
  if (feedAt !== undefined) {
    // With a feed the run is paced to the wall clock at --speed (default 1) so a browser can watch it.
    const feed = await startFeed(topology, {
      ...feedAt,
      ...(until !== undefined && { until }),
      ...(seed !== undefined && { seed }),
      ...(token !== undefined && { token }),
      ...(speed !== undefined && { speed }),
      sinks,
      apps,
      onListening: printListening,
    });
    announce(feed);
    const interrupt = () => feed.stop();
    process.once('SIGINT', interrupt);
    try {
      summary = await feed.ended;
      await feed.drain(2000);
    } finally {
      process.off('SIGINT', interrupt);
      await feed.close();
    }
  } else if (options.realtime || wallClockPeers(topology).length > 0) {
    const stop = new AbortController();
    const interrupt = () => stop.abort();
    process.once('SIGINT', interrupt);
    process.stderr.write(`running in real time${until === undefined ? ' until interrupted (Ctrl-C)' : ` for ${(until / 1e9).toFixed(3)} s`}\n`);
    summary = await runTopologyRealtime(topology, {
      ...runOptions,
      signal: stop.signal,
      onListening: printListening,
    });
    process.off('SIGINT', interrupt);
  } else summary = await runTopology(topology, runOptions);
  if (progress) process.stderr.write('\r\x1b[K');
  events?.end();
  const secrets = espSecretsOf(topology);
  if (options.pcap !== undefined && options.pcap !== '-' && secrets.length > 0) {
    process.stderr.write(`decrypt ESP in tshark or Wireshark with: ${tsharkEspOptions(secrets)}\n`);
  }
  const text = options.json ? JSON.stringify(summary, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v)) : printable(formatSummary(summary));
  (toStdout ? process.stderr : process.stdout).write(`${text}\n`);
  if (!summary.passed) process.exitCode = 1;
}

function printListening(node: string, host: string, port: number): void {
  process.stderr.write(`${node}: OpenFlow on tcp:${host.includes(':') ? `[${host}]` : host}:${port} (ovs-ofctl -O OpenFlow13 show tcp:${host}:${port})\n`);
}

export function formatSummary(s: RunSummary): string {
  const out: string[] = [];
  out.push(`${s.topology} (seed ${s.seed}): ${(s.endedAt / 1e9).toFixed(3)} s of virtual time, ${s.events.toLocaleString('en')} events, ${s.packetHops.toLocaleString('en')} packet-hops`);
  if (s.traffic.length > 0) {
    out.push('', 'traffic');
    const width = Math.max(...s.traffic.map((t) => t.name.length));
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
    const width = Math.max(...s.tenants.map((t) => t.name.length));
    for (const t of s.tenants) {
      const refused = Object.entries(t.refused);
      let line = `  ${t.name.padEnd(width)}  flows ${t.flows}  packet-ins ${t.packetIns}`;
      if (t.packetInsDropped > 0) line += ` (${t.packetInsDropped} dropped past its rate)`;
      line += `  refused ${refused.reduce((n, [, c]) => n + c, 0)}`;
      if (refused.length > 0) line += ` (${refused.map(([what, c]) => `${what} ${c}`).join(', ')}${t.rateLimited > 0 ? `; ${t.rateLimited} past its message rate` : ''})`;
      out.push(line);
    }
  }
  if (s.expectations.length > 0) {
    out.push('', 'expectations');
    for (const e of s.expectations) out.push(`  ${formatExpectation(e)}`);
    const passed = s.expectations.filter((e) => e.passed).length;
    out.push('', `${passed} of ${s.expectations.length} expectations passed`);
  }
  return out.join('\n');
}

/** `ok   ping h1 to h2: at least 5 delivered  (5 of 5 delivered)`, or `FAIL …`: as run and test print each expectation. */
export function formatExpectation(e: ExpectationResult): string {
  return `${e.passed ? 'ok  ' : 'FAIL'} ${e.expectation}  (${e.actual})`;
}
