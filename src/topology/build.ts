/** Topology -> network: nodes, ports, links with their impairments and schedules, traffic. */
import { Network, type Node } from '../sim/network.js';
import { Link } from '../sim/link.js';
import { Host, type PingStats, type UdpApp } from '../hosts/host.js';
import { Router } from '../hosts/router.js';
import { IpNode } from '../hosts/ip-node.js';
import { SwitchNode } from '../switch/node.js';
import { ipv4ToNumber } from '../hosts/addressing.js';
import type { Topology, TrafficSpec } from './types.js';

export interface TrafficRun {
  spec: TrafficSpec;
  ping?: PingStats;
  udp?: { app: UdpApp; receiver: Host | undefined; key: string };
}

export interface Built {
  net: Network;
  topology: Topology;
  traffic: TrafficRun[];
}

export function build(topology: Topology, options: { seed?: number; traffic?: boolean } = {}): Built {
  const net = new Network(options.seed ?? topology.seed);
  let switches = 0;
  for (const spec of topology.nodes) {
    if (spec.kind === 'host') net.add(new Host(net, spec));
    else if (spec.kind === 'router') net.add(new Router(net, spec));
    else net.add(new SwitchNode(net, spec, ++switches));
  }
  for (const spec of topology.links) {
    const [a, b] = spec.endpoints.map((e) => portOf(net, e));
    const link = new Link(net, a!, b!, spec);
    for (const change of spec.schedule) link.scheduleState(change.at, change.state === 'up');
  }
  const traffic = options.traffic === false ? [] : topology.traffic.map((spec) => startTraffic(net, spec));
  net.start();
  return { net, topology, traffic };
}

/** The IPv4 address `to` names: a node's first address, or the address itself. */
export function resolveAddress(net: Network, to: string): number {
  const node = net.nodes.get(to);
  if (node !== undefined) {
    const address = node instanceof IpNode ? node.primaryAddress : undefined;
    if (address === undefined) throw new Error(`${to} has no IPv4 address (the loader should have caught this)`);
    return address;
  }
  return ipv4ToNumber(to);
}

export function hostOf(net: Network, name: string): Host {
  const node = net.nodes.get(name);
  if (!(node instanceof Host)) throw new Error(`${name} is not a host (the loader should have caught this)`);
  return node;
}

function startTraffic(net: Network, spec: TrafficSpec): TrafficRun {
  const host = hostOf(net, spec.from);
  const dst = resolveAddress(net, spec.to);
  if (spec.kind === 'ping') return { spec, ping: host.ping(dst, spec) };
  const receiver = receiverOf(net, dst);
  receiver?.listen(spec.dstPort);
  const app = host.udp(dst, spec);
  return { spec, udp: { app, receiver, key: `${host.sourceTo(dst)}:${spec.srcPort}>${spec.dstPort}` } };
}

/** The host that owns `address`, if any. */
export function receiverOf(net: Network, address: number): Host | undefined {
  for (const node of net.nodes.values()) {
    if (node instanceof Host && node.interfaces.some((i) => i.addresses.some((a) => a.address === address))) return node;
  }
  return undefined;
}

function portOf(net: Network, endpoint: string) {
  const [nodeName, portName] = endpoint.split(':') as [string, string];
  const node: Node | undefined = net.nodes.get(nodeName);
  const port = node?.port(portName);
  if (port === undefined) throw new Error(`no port ${endpoint} (the loader should have caught this)`);
  return port;
}
