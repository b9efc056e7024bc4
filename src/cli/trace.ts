/** `netloom trace`: sends one packet through a topology and prints its path hop by hop; exit 1 when it is not delivered. */
import { loadTopologyFile } from '../topology/load.js';
import { tracePath } from '../topology/run.js';
import { checkProbe } from '../topology/probe.js';
import { formatPath } from '../trace/path.js';
import { openCapture } from '../capture/open.js';
import { UsageError } from './errors.js';
import { parseSeed, parseTime } from './run.js';
import { parseCapturePorts, parseEpoch } from './capture-options.js';

export interface TraceCommandOptions {
  from: string;
  to: string;
  proto: string;
  dport?: string;
  at?: string;
  size?: string;
  df?: boolean;
  seed?: string;
  pcap?: string;
  capture?: string;
  epoch?: string;
  force?: boolean;
  json?: boolean;
}

export async function traceCommand(file: string, options: TraceCommandOptions): Promise<void> {
  const topology = loadTopologyFile(file);
  if (options.dport !== undefined && !/^\d+$/.test(options.dport)) throw new UsageError(`--dport "${options.dport}" is not a port number`);
  if (options.size !== undefined && !/^\d+$/.test(options.size)) throw new UsageError(`--size "${options.size}" is not a number of bytes`);
  const at = parseTime(options.at, '--at');
  const seed = parseSeed(options.seed);
  const capturePorts = parseCapturePorts(topology, options.capture);
  const epoch = parseEpoch(options.epoch);
  if (options.pcap === undefined && (capturePorts !== undefined || options.epoch !== undefined)) throw new UsageError(`${capturePorts !== undefined ? '--capture' : '--epoch'} goes with --pcap`);
  // The library's check, before the capture file is created: a bad --from leaves no empty file behind.
  const probe = checkProbe(topology, options.from, options.to, {
    proto: options.proto,
    ...(options.dport !== undefined && { dstPort: Number(options.dport) }),
    ...(at !== undefined && { at }),
    ...(options.size !== undefined && { size: Number(options.size) }),
    ...(options.df === true && { df: true }),
  });
  const path = await tracePath(topology, options.from, options.to, {
    ...probe,
    ...(seed !== undefined && { seed }),
    ...(options.pcap !== undefined && { capture: openCapture(options.pcap, { force: options.force === true, epoch }) }),
    ...(capturePorts !== undefined && { capturePorts }),
  });
  const text = options.json ? JSON.stringify(path) : formatPath(path);
  (options.pcap === '-' ? process.stderr : process.stdout).write(`${text}\n`);
  // As ping does: a packet that was not delivered is a failure a script can test for.
  if (path.disposition !== 'DELIVERED') process.exitCode = 1;
}
