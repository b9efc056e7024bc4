/**
 * A validated topology: what the loader produces from YAML or JSON and the builder turns into a
 * network. Units are resolved: times in integer nanoseconds, bandwidth in bits per second,
 * rates in packets per second. Names keep their order from the file (stable iteration).
 */
import type { DropReason, Disposition } from '../sim/vocabulary.js';
import type { LinkImpairments } from '../sim/link.js';
import type { InterfaceSpec } from '../hosts/ip-node.js';
import type { HostSpec } from '../hosts/host.js';
import type { RouteSpec, RouterSpec } from '../hosts/router.js';
import type { ControllerRef, SwitchPortSpec, SwitchSpec, TunnelSpec } from '../switch/spec.js';
import type { ControllerSpec } from '../controller/node.js';

// Each node kind's spec lives beside the node (a lower layer never imports from topology/); here they are re-exported for the loader and users.
export type { DropReason, Disposition, LinkImpairments, InterfaceSpec, HostSpec, RouteSpec, RouterSpec, ControllerRef, SwitchPortSpec, SwitchSpec, TunnelSpec, ControllerSpec };

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

export type NodeSpec = HostSpec | RouterSpec | SwitchSpec | ControllerSpec;

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

export type Expectation =
  /** Traffic item `traffic` (index in `traffic`) delivers at least `min` / at most `max` packets (pings: replies). */
  | { kind: 'delivered'; traffic: number; min?: number; max?: number }
  /** At least `min` (default 1) packets are dropped at `node` for `reason`. */
  | { kind: 'dropped'; node: string; reason: DropReason; min: number }
  /** A probe from `from` to `to` takes this path: it crosses `via` in order and ends with `disposition`. */
  | { kind: 'path'; from: string; to: string; proto: 'icmp' | 'udp'; dstPort?: number; via: string[]; disposition: Disposition; at: number }
  /** No packet of one of these tenants reaches another's host or controller, or leaves its flowspace, in the tables installed at the end of the run (or at `at`, ns): the isolation verifier's answer. */
  | { kind: 'isolated'; tenants: string[]; at?: number };

