/** `netloom trace`: sends one packet through a topology and prints its path hop by hop. */
import { loadTopologyFile } from '../topology/load.js';
import { tracePath } from '../topology/run.js';
import { formatPath } from '../trace/path.js';
import { openCapture } from '../capture/open.js';
import { UsageError } from './errors.js';
import { isIpv4 } from '../wire/addresses.js';
import { parseSeed, parseTime } from './run.js';
import type { NodeSpec } from '../topology/types.js';

export interface TraceCommandOptions {
  from: string;
  to: string;
  proto: string;
  dport?: string;
  at?: string;
  seed?: string;
  pcap?: string;
  force?: boolean;
  json?: boolean;
}

export async function traceCommand(file: string, options: TraceCommandOptions): Promise<void> {
  const topology = loadTopologyFile(file);
  const hosts = topology.nodes.filter((n) => n.kind === 'host').map((n) => n.name);
  if (!hosts.includes(options.from)) throw new UsageError(`--from "${options.from}" is not a host of ${file} (hosts are ${hosts.join(', ')})`);
  const nodes = topology.nodes.map((n) => n.name);
  const target = topology.nodes.find((n) => n.name === options.to);
  if (target === undefined && !isIpv4(options.to)) {
    throw new UsageError(`--to "${options.to}" is neither a node of ${file} (${nodes.join(', ')}) nor an IPv4 address`);
  }
  if (!hasIpv4(topology.nodes.find((n) => n.name === options.from)!)) throw new UsageError(`--from "${options.from}" has no IPv4 address to send from`);
  if (target !== undefined && !hasIpv4(target)) throw new UsageError(`--to "${options.to}" has no IPv4 address`);
  if (options.proto !== 'icmp' && options.proto !== 'udp') throw new UsageError(`--proto "${options.proto}" must be icmp or udp`);
  const dstPort = options.dport === undefined ? undefined : Number(options.dport);
  if (dstPort !== undefined && !(Number.isInteger(dstPort) && dstPort >= 1 && dstPort <= 65535)) throw new UsageError(`--dport "${options.dport}" is not a port number`);
  const at = parseTime(options.at, '--at');
  const seed = parseSeed(options.seed);
  const path = await tracePath(topology, options.from, options.to, {
    proto: options.proto,
    ...(dstPort !== undefined && { dstPort }),
    ...(at !== undefined && { at }),
    ...(seed !== undefined && { seed }),
    ...(options.pcap !== undefined && { capture: openCapture(options.pcap, { force: options.force === true }) }),
  });
  const text = options.json ? JSON.stringify(path) : formatPath(path);
  (options.pcap === '-' ? process.stderr : process.stdout).write(`${text}\n`);
}

function hasIpv4(node: NodeSpec): boolean {
  if (node.kind === 'controller') return false;
  const interfaces = node.kind === 'switch' ? (node.underlay ? [node.underlay.interface] : []) : node.interfaces;
  return interfaces.some((i) => i.ipv4.length > 0);
}
