/** Topology -> network: nodes, ports, links with their impairments and schedules, traffic. */
import { Network, type Node } from '../sim/network.js';
import { Link } from '../sim/link.js';
import { Host, type PingStats, type UdpApp } from '../hosts/host.js';
import { Router } from '../hosts/router.js';
import { IpNode } from '../hosts/ip-node.js';
import { SwitchNode } from '../switch/node.js';
import { parseSelector } from '../switch/ofctl.js';
import { ipv4ToNumber } from '../hosts/addressing.js';
import type { ControllerRef, ControllerSpec, NodeSpec, SwitchSpec, Topology, TrafficSpec } from './types.js';
import { Platform, PLATFORM_NODE } from '../tenants/platform.js';
import { tenantLabeler, type TenantPorts } from '../tenants/labels.js';
import type { EgressQueueSpec } from '../sim/egress.js';
import { ControllerNode } from '../controller/node.js';
import { BUILT_IN_APPS } from '../controller/apps/index.js';
import type { AppFactory } from '../controller/controller.js';
import { SwitchAgent } from '../openflow/agent.js';

export interface TrafficRun {
  spec: TrafficSpec;
  ping?: PingStats;
  udp?: { app: UdpApp; receiver: Host | undefined; key: string };
}

export interface Built {
  net: Network;
  topology: Topology;
  traffic: TrafficRun[];
  /** The OpenFlow agents of switches with a controller or a listener, by switch name. */
  agents: ReadonlyMap<string, SwitchAgent>;
  /** Datapaths (switches, tenants' virtual switches) whose controller is outside the process: a run connects them (runTopologyRealtime). */
  connectsOut: { agent: SwitchAgent; host: string; port: number }[];
  /** The network virtualization platform, when the topology has tenants. */
  platform?: Platform;
}

/** Apps by the name a topology gives them: module paths loaded beforehand (loadApps), built-ins always there. */
export type AppRegistry = ReadonlyMap<string, AppFactory>;

export function build(topology: Topology, options: { seed?: number; traffic?: boolean; apps?: AppRegistry } = {}): Built {
  const net = new Network(options.seed ?? topology.seed);
  const shares = tenantShares(topology);
  let switches = 0;
  for (const spec of topology.nodes) {
    if (spec.kind === 'host') net.add(new Host(net, spec));
    else if (spec.kind === 'router') net.add(new Router(net, spec));
    else if (spec.kind === 'switch') net.add(new SwitchNode(net, withTenantQueues(spec, shares), ++switches));
    else net.add(new ControllerNode(net, spec, appFor(spec, options.apps)));
  }
  // Every switch with a controller, a listener or tenants speaks OpenFlow through one agent.
  const agents = new Map<string, SwitchAgent>();
  const connectsOut: Built['connectsOut'] = [];
  const platformRuns = tenantSwitches(topology);
  for (const spec of topology.nodes) {
    if (spec.kind !== 'switch' || (spec.controller === undefined && spec.listen === undefined && !platformRuns.has(spec.name))) continue;
    const agent = new SwitchAgent(net.nodes.get(spec.name) as SwitchNode);
    agents.set(spec.name, agent);
    if (spec.controller === undefined) continue;
    control(net, agent, spec.controller, connectsOut);
  }
  for (const spec of topology.links) {
    const [a, b] = spec.endpoints.map((e) => portOf(net, e));
    const link = new Link(net, a!, b!, spec);
    for (const change of spec.schedule) link.scheduleState(change.at, change.state === 'up');
  }
  const platform = topology.tenants === undefined ? undefined : runTenants(net, topology, agents, connectsOut);
  const traffic = options.traffic === false ? [] : topology.traffic.map((spec) => startTraffic(net, spec));
  net.start();
  return { net, topology, traffic, agents, connectsOut, ...(platform !== undefined && { platform }) };
}

/** A datapath's controller: a node of the topology manages it now, one outside connects when the run starts. */
function control(net: Network, agent: SwitchAgent, controller: ControllerRef, connectsOut: Built['connectsOut']): void {
  if ('node' in controller) (net.nodes.get(controller.node) as ControllerNode).manage(agent);
  else {
    agent.expectController();
    connectsOut.push({ agent, ...controller });
  }
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
  const named = net.nodes.get(spec.to);
  const receiver = named instanceof Host ? named : receiverOf(net, dst);
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

function appFor(spec: ControllerSpec, apps: AppRegistry | undefined): AppFactory {
  const app = BUILT_IN_APPS[spec.app] ?? apps?.get(spec.app);
  if (app === undefined) throw new Error(`${spec.name}: app "${spec.app}" is a module that was not loaded: load it with loadApps(topology) and pass { apps }`);
  return app;
}

/**
 * The platform runs every switch its tenants use (over simulated channels, as a controller
 * node named `platform`), and each tenant's controller runs the tenant's virtual switches.
 */
function runTenants(net: Network, topology: Topology, agents: ReadonlyMap<string, SwitchAgent>, connectsOut: Built['connectsOut']): Platform {
  const specs = new Map(topology.nodes.filter((n): n is SwitchSpec => n.kind === 'switch').map((n) => [n.name, n]));
  const far = farEnds(topology);
  const runs = tenantSwitches(topology);
  const physicalPort = (sw: string, port: string) => ({ switch: net.nodes.get(sw) as SwitchNode, physical: specs.get(sw)!.ports.find((q) => q.name === port)!.ofport });
  const platform = new Platform(
    topology.tenants!.map((t) => ({
      name: t.name, id: t.id,
      ...(t.prefix !== undefined && { prefix: t.prefix, prefixLength: t.prefixLength! }),
      ...(t.flowspace !== undefined && { flowspace: t.flowspace.map((e) => ({ match: parseSelector(e.match).rule.match, permission: e.permission, ...(e.of !== undefined && { of: e.of }), ...(e.switches !== undefined && { switches: e.switches }) })) }),
      ...(t.maxFlows !== undefined && { maxFlows: t.maxFlows }),
      ...(t.maxGroups !== undefined && { maxGroups: t.maxGroups }),
      ...(t.maxMeters !== undefined && { maxMeters: t.maxMeters }),
      ...(t.messageRate !== undefined && { messageRate: t.messageRate }),
      ...(t.packetInRate !== undefined && { packetInRate: t.packetInRate }),
      ...(t.bandwidthWeight !== undefined && { queued: true }),
      switches: t.switches.map((s) => {
        const big = new Set(s.ports.map((p) => p.switch)).size > 1;
        // A port bound by VLAN has hosts behind it (an access switch of theirs, or a host that tags), and is named as Linux names a VLAN interface.
        return {
          name: s.name,
          ports: s.ports.map((p) => ({
            name: `${big ? `${p.switch}:` : ''}${p.port}${p.vlan === undefined ? '' : `.${p.vlan}`}`, ...physicalPort(p.switch, p.port),
            edge: p.vlan !== undefined || far.get(`${p.switch}:${p.port}`)?.kind !== 'switch', ...(p.vlan !== undefined && { vlan: p.vlan }),
          })),
        };
      }),
    })),
    // Links between the switches it runs: it routes big switches over them, and takes LLDP from them (a switch it does not run is hosts' side).
    topology.links.flatMap((l) => {
      const [a, b] = l.endpoints.map((e) => e.split(':') as [string, string]);
      return runs.has(a![0]) && runs.has(b![0]) ? [{ a: physicalPort(...a!), b: physicalPort(...b!) }] : [];
    }),
  );
  const node = net.add(new ControllerNode(net, { kind: 'controller', name: PLATFORM_NODE, app: 'platform', options: {}, ...(topology.platform ?? { latency: 1e6, schedule: [] }) }, platform.app));
  for (const name of runs) node.manage(agents.get(name)!);
  for (const vs of platform.virtualSwitches) control(net, new SwitchAgent(vs), topology.tenants![vs.tenant.id - 1]!.controller, connectsOut);
  net.recorder.annotate(tenantLabeler(tenantPorts(topology, far)));
  return platform;
}

/**
 * Tenants' bandwidth shares: on every link between two switches the platform runs, an egress
 * queue per tenant with a weight (its id is the tenant's, which the platform's table 0 sets).
 */
function tenantShares(topology: Topology): { ports: Set<string>; queues: EgressQueueSpec[] } {
  const queues = (topology.tenants ?? []).flatMap((t) => (t.bandwidthWeight === undefined ? [] : [{ id: t.id, weight: t.bandwidthWeight }]));
  const runs = tenantSwitches(topology);
  const ports = new Set(topology.links.flatMap((l) => (l.endpoints.every((e) => runs.has(e.slice(0, e.indexOf(':')))) ? l.endpoints : [])));
  return { ports, queues };
}

function withTenantQueues(spec: SwitchSpec, shares: ReturnType<typeof tenantShares>): SwitchSpec {
  if (shares.queues.length === 0) return spec;
  return { ...spec, ports: spec.ports.map((p) => (shares.ports.has(`${spec.name}:${p.name}`) ? { ...p, queues: shares.queues } : p)) };
}

/** Tenants' edge ports (both ends of the link to a host, or of a trunk by VLAN) and the links between the platform's switches, for trace labels. */
function tenantPorts(topology: Topology, far: ReturnType<typeof farEnds>): TenantPorts {
  const edges = new Map<string, string>();
  const vlans = new Map<string, Map<number, string>>();
  for (const t of topology.tenants ?? []) {
    // A read-only tenant's ports are the hosts' own tenant's.
    if (t.prefix === undefined) continue;
    for (const p of t.switches.flatMap((s) => s.ports)) {
      const end = far.get(`${p.switch}:${p.port}`);
      if (end === undefined) continue;
      if (p.vlan !== undefined) {
        for (const port of [`${p.switch}:${p.port}`, end.port]) vlans.set(port, (vlans.get(port) ?? new Map<number, string>()).set(p.vlan, t.name));
        continue;
      }
      if (end.kind === 'switch') continue;
      edges.set(`${p.switch}:${p.port}`, t.name);
      edges.set(end.port, t.name);
    }
  }
  return { edges, vlans, core: tenantShares(topology).ports, names: new Map((topology.tenants ?? []).map((t) => [t.id, t.name])) };
}

/** The physical switches tenants use: the platform runs them. */
function tenantSwitches(topology: Topology): Set<string> {
  return new Set((topology.tenants ?? []).flatMap((t) => t.switches.flatMap((s) => s.ports.map((p) => p.switch))));
}

/** For each linked port (node:port), the port at the other end of its link and that node's kind. */
export function farEnds(topology: Topology): Map<string, { port: string; kind: NodeSpec['kind'] | undefined }> {
  const kinds = new Map(topology.nodes.map((n) => [n.name, n.kind]));
  const out = new Map<string, { port: string; kind: NodeSpec['kind'] | undefined }>();
  for (const [a, b] of topology.links.map((l) => l.endpoints)) {
    out.set(a, { port: b, kind: kinds.get(b.slice(0, b.indexOf(':'))) });
    out.set(b, { port: a, kind: kinds.get(a.slice(0, a.indexOf(':'))) });
  }
  return out;
}
