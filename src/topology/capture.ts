/**
 * Which ports a run's capture holds, as a topology's `capture:`, the run option `capturePorts`
 * and `--capture` name them: `NODE:PORT` one port (`NODE:openflow` a switch's control channel),
 * `NODE:*` every port of a node, `*` every port (what a run captures when nothing is named).
 * One matcher for all three, checked against the topology's names before anything is built.
 */
import { CONTROL_PORT } from '../openflow/channel.js';
import { RunOptionError, didYouMean, listNames } from './errors.js';
import type { Topology } from './types.js';

/** Each node's port names; undefined where they cannot be known (a node with problems of its own). */
export type PortNames = ReadonlyMap<string, readonly string[] | undefined>;

const PATTERN = /^([^:]+):([^:]+)$/;

/** Why `pattern` names no port of `nodes`, or undefined when it is good. */
export function capturePatternProblem(pattern: string, nodes: PortNames): string | undefined {
  if (pattern === '*') return undefined;
  const match = PATTERN.exec(pattern);
  if (match === null) return `"${pattern}" is not NODE:PORT, NODE:* or *`;
  const [, node, port] = match as unknown as [string, string, string];
  if (!nodes.has(node)) {
    const names = [...nodes.keys()];
    return `unknown node "${node}"${didYouMean(node, names)} (nodes are ${listNames(names)})`;
  }
  const ports = nodes.get(node);
  if (port === '*' || ports === undefined || ports.includes(port)) return undefined;
  return `unknown port "${port}" on ${node}${didYouMean(port, ports)} (${node} has ${listNames(ports)}; or ${node}:* for all)`;
}

/** What can be captured on a switch: its ports but its tunnel ports (no link: what they send is captured on the underlay port), and its control channel. */
export function switchCapturePoints(ports: readonly string[], tunnels: readonly string[]): string[] {
  return [...ports.filter((p) => !tunnels.includes(p)), CONTROL_PORT];
}

/** The names patterns can use: every port or interface of each node, and a switch's control channel. */
export function portNamesOf(topology: Topology): PortNames {
  const names = new Map<string, readonly string[]>();
  for (const node of topology.nodes) {
    if (node.kind === 'switch') {
      const ports = [...node.ports.map((p) => p.name), ...(node.underlay ? [node.underlay.interface.name] : [])];
      names.set(node.name, switchCapturePoints(ports, node.ports.filter((p) => p.tunnel !== undefined).map((p) => p.name)));
    } else if (node.kind === 'controller') names.set(node.name, []);
    else names.set(node.name, node.interfaces.map((i) => i.name));
  }
  return names;
}

/** Why one of `patterns` names no port of `topology` (the first such), or undefined when all are good. */
export function capturePortsProblem(topology: Topology, patterns: readonly unknown[]): string | undefined {
  const names = portNamesOf(topology);
  for (const pattern of patterns) {
    const problem = typeof pattern === 'string' ? capturePatternProblem(pattern, names) : `expected NODE:PORT, NODE:* or *, got ${String(pattern)}`;
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** What a run captures: the ports `capturePorts` names (checked here), else the topology's `capture:`, else every port. */
export function runCaptureSelector(topology: Topology, capturePorts: readonly string[] | undefined): (node: string, port: string) => boolean {
  if (capturePorts !== undefined && !Array.isArray(capturePorts)) throw new RunOptionError('capturePorts', `expected a list of NODE:PORT, NODE:* or *, got ${String(capturePorts)}`);
  const problem = capturePorts === undefined ? undefined : capturePortsProblem(topology, capturePorts);
  if (problem !== undefined) throw new RunOptionError('capturePorts', problem);
  return captureSelector(capturePorts ?? topology.capture ?? ['*']);
}

/** Whether a capture named by `patterns` (checked) holds `node:port`. */
function captureSelector(patterns: readonly string[]): (node: string, port: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const ports = new Set(patterns);
  return (node, port) => ports.has(`${node}:${port}`) || ports.has(`${node}:*`);
}
