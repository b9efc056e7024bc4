/**
 * A validated topology: what the loader produces from YAML or JSON and the builder turns into a
 * network. Units are resolved: times in integer nanoseconds, bandwidth in bits per second,
 * rates in packets per second. Names keep their order from the file (stable iteration).
 */
import type { EgressQueueSpec } from '../sim/egress.js';
import type { Protocols } from '../switch/ofctl.js';

export interface Topology {
  name: string;
  /** Seed for the run's one random source (losses, jitter); `--seed` overrides it. */
  seed: number;
  nodes: NodeSpec[];
  links: LinkSpec[];
  traffic: TrafficSpec[];
  expect: Expectation[];
  /** The network virtualization platform's tenants, when the file declares any. */
  tenants?: TenantSpec[];
  /** The platform's control channels to the switches it runs (when the file declares tenants). */
  platform?: PlatformSpec;
  /** The ports a run's capture holds (`NODE:PORT`, `NODE:*`, `*`; see capture.ts); every port when absent. */
  capture?: string[];
}

export interface PlatformSpec {
  /** One-way latency, ns. */
  latency: number;
  /** Their failures and recoveries, in time order. */
  schedule: ControllerSpec['schedule'];
}

/** A tenant: its id (1-255, in file order), controller, IPv4 space and virtual switches. */
export interface TenantSpec {
  name: string;
  id: number;
  controller: ControllerRef;
  /** Its IPv4 space; only a read-only tenant (every flowspace entry reads another's) has none. */
  prefix?: string;
  prefixLength?: number;
  /** Its flowspace, when the file narrows it (default: all of its hosts' traffic, write). */
  flowspace?: FlowspaceSpec[];
  /** Its virtual switches: each port a physical switch's port; a big switch's ports are on several switches. */
  switches: { name: string; ports: TenantPortSpec[] }[];
  /** The most flows (as installed) the tenant may have on one switch. */
  maxFlows?: number;
  /** The most groups each of its virtual switches may have. */
  maxGroups?: number;
  /** The most meters each of its virtual switches may have. */
  maxMeters?: number;
  /** Its weight on the links between switches (an egress queue of its own there). */
  bandwidthWeight?: number;
  /** Messages a second (and burst) its controller may send each virtual switch. */
  messageRate?: { rate: number; burst: number };
  /** PACKET_INs a second (and burst) each virtual switch sends its controller. */
  packetInRate?: { rate: number; burst: number };
}

/** A tenant's port: a physical switch's port, or one VLAN of it (a trunk to hosts that tenants may share). */
export interface TenantPortSpec {
  switch: string;
  port: string;
  vlan?: number;
}

/** A flowspace entry: an ovs-ofctl match (checked), the permission, and for `read` whose traffic. */
export interface FlowspaceSpec {
  match: string;
  permission: 'read' | 'write';
  of?: string;
  /** The tenant's virtual switches it holds on; all when absent. */
  switches?: string[];
}

/** A controller node of the topology, or one outside it that datapaths connect to over TCP. */
export type ControllerRef = { node: string } | { host: string; port: number };

export type NodeSpec = HostSpec | RouterSpec | SwitchSpec | ControllerSpec;

export interface InterfaceSpec {
  name: string;
  /** MAC text; generated from the node and port names (02:4e:4c:xx:xx:xx) when not given. */
  mac: string;
  /** Addresses with prefix length, e.g. 10.0.1.10/24. */
  ipv4: { address: string; prefixLength: number }[];
  ipv6: { address: string; prefixLength: number }[];
}

export interface HostSpec {
  kind: 'host';
  name: string;
  interfaces: InterfaceSpec[];
  /** Default gateway (IPv4). */
  gateway?: string;
  /** ARP cache entry lifetime, ns (default 60 s). */
  arpTimeout: number;
}

export interface RouteSpec {
  /** Destination prefix, e.g. 10.0.3.0/24 or 0.0.0.0/0. */
  prefix: string;
  prefixLength: number;
  /** Next hop address; absent for a route out of an interface directly. */
  via?: string;
  /** Outgoing interface; found from `via` when absent. */
  interface?: string;
}

export interface RouterSpec {
  kind: 'router';
  name: string;
  interfaces: InterfaceSpec[];
  routes: RouteSpec[];
  arpTimeout: number;
}

export interface TunnelSpec {
  /** esp: GRE protected by ESP in transport mode, as Open vSwitch's IPsec tunnels do. */
  type: 'vxlan' | 'gre' | 'esp';
  /** The far endpoint, or 'flow' (taken from tun_dst). */
  remoteIp: string | 'flow';
  /** VNI or GRE key, or 'flow' (taken from tun_id). */
  key: number | 'flow';
  dstPort: number;
  /** DF on the outer IPv4 header (Open vSwitch's options:df_default; true when absent): false lets the underlay fragment a tunnel packet too big for it. */
  dfDefault?: boolean;
  esp?: { alg: 'aes-gcm-128' | 'aes-gcm-192' | 'aes-gcm-256' | 'null-hmac-sha256-128'; key: string; spiOut: number; spiIn: number };
}

export interface SwitchPortSpec {
  name: string;
  /** OpenFlow port number (default: 1, 2, … in file order). */
  ofport: number;
  /** Access port of this VLAN, for NORMAL. */
  tag?: number;
  /** Trunk port carrying these VLANs (all when absent), for NORMAL. */
  trunks?: number[];
  /** A tunnel port has no link: it encapsulates through the underlay. */
  tunnel?: TunnelSpec;
  /** Egress queues by id with their weights (queue 0, the default, has weight 1 unless listed), served by deficit round robin. */
  queues?: EgressQueueSpec[];
}

/** An Open vSwitch-like switch: OpenFlow tables in ovs-ofctl syntax; one NORMAL flow when none are given. */
export interface SwitchSpec {
  kind: 'switch';
  name: string;
  ports: SwitchPortSpec[];
  /** Flows in `ovs-ofctl add-flow` syntax, already checked by the loader. */
  flows: string[];
  /** Meters in `ovs-ofctl add-meter` syntax, checked by the loader; installed before the flows. */
  meters?: string[];
  /** Whose action checks `flows` get (ovs-ofctl's plain OpenFlow 1.0 + NXM by default, or -O OpenFlow13's). */
  protocols?: Protocols;
  /** The interface tunnel ports send through: a port of its own with an address. */
  underlay?: { interface: InterfaceSpec; gateway?: string };
  /** The OpenFlow datapath id (default: the switch's place among the topology's switches, from 1). */
  datapathId?: bigint;
  /** Passive OpenFlow for tools such as ovs-ofctl (`ptcp:`): the address and TCP port to listen on. */
  listen?: { host: string; port: number };
  /** The switch's controller: a controller node of the topology, or one outside it that the switch connects to over TCP. */
  controller?: ControllerRef;
  /** With no controller connected: `secure` keeps the flows as they are; `standalone` (OVS's default) falls back to NORMAL after 3 inactivity probes (15 s). */
  failMode?: 'secure' | 'standalone';
  /** OpenFlow messages a second the switch handles on simulated channels (its control-plane CPU). */
  controlRate?: number;
}

/** An SDN controller in the topology: an app (built-in name or module path) driving the switches that name it, over simulated control channels. */
export interface ControllerSpec {
  kind: 'controller';
  name: string;
  /** A built-in app (`learning`, …) or a module path, resolved against the topology file's folder. */
  app: string;
  options: Record<string, unknown>;
  /** One-way latency of its control channels, ns. */
  latency: number;
  /** Controller failures and restarts, in time order. */
  schedule: { at: number; state: 'down' | 'up' }[];
}

export interface LinkImpairments {
  /** One-way propagation delay, ns. */
  latency: number;
  /** Uniform jitter added to each frame's delay: ±jitter ns (frames never reorder). */
  jitter: number;
  /** Bits per second; 0 means unlimited (no serialization delay, no queue). */
  bandwidth: number;
  /** Frames waiting for the wire before tail drop. */
  queue: number;
  /** Largest L2 payload (the IP packet), bytes. */
  mtu: number;
  /** Probability a frame is lost on the wire, 0-1. */
  loss: number;
}

export interface LinkSpec extends LinkImpairments {
  /** Endpoints as node:port. */
  endpoints: [string, string];
  /** Link state changes, in time order. */
  schedule: { at: number; state: 'down' | 'up' }[];
}

export type TrafficSpec = PingTraffic | UdpTraffic;

export interface PingTraffic {
  kind: 'ping';
  /** As given in the file, else "ping h1 → h2". */
  name: string;
  from: string;
  /** A node name (its first address) or an IP address. */
  to: string;
  count: number;
  interval: number;
  start: number;
  /** ICMP payload bytes (ping's -s). */
  size: number;
  ttl: number;
  df: boolean;
  /** How long to wait for each reply, ns. */
  timeout: number;
}

export interface UdpTraffic {
  kind: 'udp';
  name: string;
  from: string;
  to: string;
  srcPort: number;
  dstPort: number;
  /** Payload bytes per datagram. */
  size: number;
  /** Datagrams per second. */
  rate: number;
  count: number;
  start: number;
  df: boolean;
}

export type DropReason =
  | 'MTU_EXCEEDED'
  | 'QUEUE_FULL'
  | 'LOSS'
  | 'LINK_DOWN'
  | 'NO_LINK'
  | 'TTL_EXCEEDED'
  | 'NO_ROUTE'
  | 'ARP_FAILED'
  | 'NOT_FOR_US'
  | 'PORT_UNREACHABLE'
  | 'REASSEMBLY_TIMEOUT'
  | 'FLOW_DROP'
  | 'LOOP'
  | 'BAD_PACKET';

export type Expectation =
  /** Traffic item `traffic` (index in `traffic`) delivers at least `min` / at most `max` packets (pings: replies). */
  | { kind: 'delivered'; traffic: number; min?: number; max?: number }
  /** At least `min` (default 1) packets are dropped at `node` for `reason`. */
  | { kind: 'dropped'; node: string; reason: DropReason; min: number }
  /** A probe from `from` to `to` takes this path: it crosses `via` in order and ends with `disposition`. */
  | { kind: 'path'; from: string; to: string; proto: 'icmp' | 'udp'; dstPort?: number; via: string[]; disposition: Disposition; at: number }
  /** No packet of one of these tenants reaches another's host or controller, or leaves its flowspace, in the tables installed at the end of the run (or at `at`, ns): the isolation verifier's answer. */
  | { kind: 'isolated'; tenants: string[]; at?: number };

export type Disposition = 'DELIVERED' | 'DROPPED' | 'LOOP' | 'NO_ROUTE' | 'TTL_EXCEEDED' | 'MTU_EXCEEDED' | 'ISOLATED';
