/**
 * `netloom serve`: a topology behind the live feed, waiting for a client to play, pause, step
 * and restart it; runs until interrupted. Also what `netloom run --feed` shares with it: the
 * options (address, speed) and the lines that tell the user where the feed is.
 */
import { dirname, resolve } from 'node:path';
import { loadTopologyFile } from '../topology/load.js';
import { loadApps } from '../topology/apps.js';
import { startFeed, type Feed } from '../feed/feed.js';
import { parseSeed, parseTime } from './run.js';
import { formatRunSummary } from '../topology/summary.js';
import { parseListen } from './listen.js';
import { UsageError } from './errors.js';

export interface ServeCommandOptions {
  listen: string;
  token?: string;
  speed?: string;
  seed?: string;
  until?: string;
}

/** `--speed`: virtual seconds per real second (0.01 slows a run a hundredfold), or `max`. */
export function parseSpeed(text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'max') return null;
  const speed = Number(text);
  if (!/^\d*\.?\d+(e[-+]?\d+)?$/i.test(text) || !(speed > 0) || speed > 1e9) throw new UsageError(`--speed "${text}" is not a positive number of virtual seconds per real second (e.g. 1, 0.01) or max`);
  return speed;
}

export function parseToken(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[A-Za-z0-9._~-]{16,256}$/.test(text)) throw new UsageError('--token must be 16 to 256 characters of letters, digits, . _ ~ -');
  return text;
}

/** Where the feed is, on standard error (standard output keeps the summary). */
export function announce(feed: Feed): void {
  const { url, token } = feed.server;
  const base = url.replace(/\?.*$/, '');
  const query = token === undefined ? '' : `?token=${token}`;
  process.stderr.write(
    `feed: ${url}\n` +
      `  WebSocket ${base.replace(/^http/, 'ws')}feed${query}\n` +
      `  live capture: curl -sN '${base}capture.pcapng${query}' | wireshark -k -i -\n`,
  );
}

export async function serveCommand(file: string, options: ServeCommandOptions): Promise<void> {
  const topology = loadTopologyFile(file);
  const { host, port } = parseListen(options.listen, '--listen', '127.0.0.1:7681');
  const token = parseToken(options.token);
  const speed = parseSpeed(options.speed);
  const seed = parseSeed(options.seed);
  const until = parseTime(options.until, '--until');
  const apps = await loadApps(topology, dirname(resolve(file)));
  const feed = await startFeed(topology, {
    host,
    port,
    control: true,
    apps,
    ...(token !== undefined && { token }),
    ...(speed !== undefined && { speed }),
    ...(seed !== undefined && { seed }),
    ...(until !== undefined && { until }),
    onEnd: (summary, run) => process.stdout.write(`${run > 1 ? `run ${run}: ` : ''}${formatRunSummary(summary)}\n`),
  });
  announce(feed);
  process.stderr.write('waiting for a client to play ({"type":"play"} on the WebSocket); Ctrl-C stops\n');
  // Ctrl-C ends it; so does the simulation failing (an internal error, exit 3).
  const interrupted = new Promise<void>((done) => process.once('SIGINT', () => done()));
  try {
    await Promise.race([interrupted, feed.ended.then(() => interrupted)]);
  } finally {
    await feed.close();
  }
}
