/** `netloom run`: runs a topology's traffic and checks its expectations; exit 1 when one fails. */
import { createWriteStream, openSync } from 'node:fs';
import { loadTopologyFile } from '../topology/load.js';
import { dirname, resolve } from 'node:path';
import { espSecretsOf, runTopology, runTopologyRealtime, wallClockPeers, type RunSummary } from '../topology/run.js';
import { formatRunSummary } from '../topology/summary.js';
import { loadApps } from '../topology/apps.js';
import { tsharkEspOptions } from '../capture/esp-secrets.js';
import { parseDuration } from '../topology/units.js';
import { openCapture } from '../capture/open.js';
import { parseCapturePorts, parseEpoch } from './capture-options.js';
import { toHex } from '../wire/addresses.js';
import type { TraceSink } from '../sim/recorder.js';
import { UsageError } from './errors.js';
import { printable } from './output.js';
import { parseListen } from './listen.js';
import { announce, parseSpeed, parseToken } from './serve.js';
import { startFeed } from '../feed/feed.js';

export interface RunCommandOptions {
  until?: string;
  seed?: string;
  pcap?: string;
  capture?: string;
  epoch?: string;
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
  const capturePorts = parseCapturePorts(topology, options.capture);
  const epoch = parseEpoch(options.epoch);
  if (options.pcap === undefined && feedAt === undefined && (capturePorts !== undefined || options.epoch !== undefined)) {
    throw new UsageError(`${capturePorts !== undefined ? '--capture' : '--epoch'} goes with --pcap or --feed`);
  }
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
    ...(options.pcap !== undefined && { capture: openCapture(options.pcap, { force: options.force === true, epoch }) }),
    ...(capturePorts !== undefined && { capturePorts }),
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
      ...(capturePorts !== undefined && { capturePorts }),
      epoch,
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
  const text = options.json ? JSON.stringify(summary, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v)) : printable(formatRunSummary(summary));
  (toStdout ? process.stderr : process.stdout).write(`${text}\n`);
  if (!summary.passed) process.exitCode = 1;
}

function printListening(node: string, host: string, port: number): void {
  process.stderr.write(`${node}: OpenFlow on tcp:${host.includes(':') ? `[${host}]` : host}:${port} (ovs-ofctl -O OpenFlow13 show tcp:${host}:${port})\n`);
}
