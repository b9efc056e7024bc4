/**
 * What a path probe may be asked, checked against the topology before anything is built: the
 * one check behind `tracePath` and `netloom trace`. Each refusal is a ProbeError that names the
 * argument and the names that would do; the builder's own checks stay internal invariants.
 * Also the check of the options every run shares (its end, its seed): a RunOptionError.
 */
import { isIpv4 } from '../wire/addresses.js';
import { ProbeError, RunOptionError, didYouMean, listNames, seedProblem, timeProblem } from './errors.js';
import type { NodeSpec, Topology } from './types.js';

/** A probe as asked: `proto` is text here because callers without types (the CLI, JavaScript) pass any. */
export interface ProbeRequest {
  proto?: string;
  dstPort?: number;
  /** Virtual time to send at, ns. */
  at?: number;
  /** Payload bytes: ICMP echo data (default 56) or UDP payload (default 32). */
  size?: number;
  /** Sets IPv4 don't-fragment, so a link with a smaller MTU drops it and answers (path MTU discovery). */
  df?: boolean;
  /** The fresh network's random source (default: the topology's seed). */
  seed?: number;
}

/** A probe that can be sent, defaults applied. */
export interface Probe {
  proto: 'icmp' | 'udp';
  dstPort?: number;
  at: number;
  size?: number;
  df?: boolean;
}

/** The most payload an IPv4 packet holds behind an 8-byte ICMP or UDP header. */
const MAX_PAYLOAD = 65535 - 20 - 8;

/**
 * `from` must be a host with an IPv4 address; `to` a node with one, or an IPv4 address; `dstPort`
 * a port number; `at` whole nanoseconds from 0; `seed` 32 bits. Throws a ProbeError for the first that is not.
 */
export function checkProbe(topology: Topology, from: string, to: string, request: ProbeRequest = {}): Probe {
  const senders = topology.nodes.filter((n) => n.kind === 'host' && hasIpv4(n)).map((n) => n.name);
  const targets = topology.nodes.filter(hasIpv4).map((n) => n.name);
  // Callers without types (JavaScript) may pass anything as a name.
  if (typeof from !== 'string') throw new ProbeError('from', `expected a host's name, got ${String(from)}`, senders);
  if (typeof to !== 'string') throw new ProbeError('to', `expected a node's name or an IPv4 address, got ${String(to)}`, targets);
  const sendersAre = `hosts with an IPv4 address are ${listNames(senders)}`;
  const sender = topology.nodes.find((n) => n.name === from);
  if (sender === undefined) throw new ProbeError('from', `unknown host "${from}"${didYouMean(from, senders)} (${sendersAre})`, senders);
  if (sender.kind !== 'host') throw new ProbeError('from', `${from} is a ${sender.kind}; a probe starts at a host (${sendersAre})`, senders);
  if (!hasIpv4(sender)) throw new ProbeError('from', `${from} has no IPv4 address to send from (${sendersAre})`, senders);

  const targetsAre = `nodes with an IPv4 address are ${listNames(targets)}; or give an IPv4 address`;
  const target = topology.nodes.find((n) => n.name === to);
  if (target === undefined && !isIpv4(to)) throw new ProbeError('to', `"${to}" is neither a node nor an IPv4 address${didYouMean(to, targets)} (${targetsAre})`, targets);
  if (target !== undefined && !hasIpv4(target)) throw new ProbeError('to', `${to} is a ${target.kind} with no IPv4 address (${targetsAre})`, targets);

  const proto = request.proto ?? 'icmp';
  if (proto !== 'icmp' && proto !== 'udp') throw new ProbeError('proto', `"${proto}" is not icmp or udp`, ['icmp', 'udp']);
  const { dstPort, at = 0 } = request;
  if (dstPort !== undefined && !(Number.isInteger(dstPort) && dstPort >= 1 && dstPort <= 65535)) throw new ProbeError('dstPort', `${dstPort} is not a port number (1 to 65535)`);
  const timeWrong = timeProblem(at);
  if (timeWrong !== undefined) throw new ProbeError('at', timeWrong);
  const { size, df } = request;
  if (size !== undefined && !(Number.isInteger(size) && size >= 0 && size <= MAX_PAYLOAD)) throw new ProbeError('size', `${size} is not a payload size (0 to ${MAX_PAYLOAD} bytes)`);
  const seedWrong = request.seed === undefined ? undefined : seedProblem(request.seed);
  if (seedWrong !== undefined) throw new ProbeError('seed', seedWrong);
  return { proto, at, ...(dstPort !== undefined && { dstPort }), ...(size !== undefined && { size }), ...(df === true && { df }) };
}

/** A run's options: `until` and `at` virtual times (until may be Infinity), `seed` 32 bits. Throws a RunOptionError for the first that is not. */
export function checkRunOptions(options: { until?: number; at?: number; seed?: number }): void {
  for (const option of ['until', 'at', 'seed'] as const) {
    const value = options[option];
    if (value === undefined) continue;
    const problem = option === 'seed' ? seedProblem(value) : timeProblem(value, option === 'until');
    if (problem !== undefined) throw new RunOptionError(option, problem);
  }
}


/** Whether a node has an IPv4 address to send from or be sent to (a switch: on its underlay). */
function hasIpv4(node: NodeSpec): boolean {
  if (node.kind === 'controller') return false;
  const interfaces = node.kind === 'switch' ? (node.underlay ? [node.underlay.interface] : []) : node.interfaces;
  return interfaces.some((i) => i.ipv4.length > 0);
}
