/** What a topology says of a switch (the loader builds these; the switch node runs them). */
import type { EgressQueueSpec } from '../sim/egress.js';
import type { InterfaceSpec } from '../hosts/ip-node.js';
import type { Protocols } from './ofctl.js';

/** A switch's controller: a controller node of the topology, or one outside it reached over TCP. */
export type ControllerRef = { node: string } | { host: string; port: number };

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
