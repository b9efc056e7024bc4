/**
 * The switch as a node of the simulation: frames arriving on a port go through the bridge's
 * OpenFlow pipeline, and the packets it outputs leave on the ports it names. Tunnel ports
 * (VXLAN, GRE, and GRE protected by ESP as Open vSwitch's IPsec tunnels are) have no link:
 * output to one encapsulates the frame and sends it through the switch's underlay interface,
 * with its own IPv4 or IPv6 address, ARP or Neighbor Discovery and routes; tunnel packets
 * arriving there are decapsulated and enter the pipeline on the tunnel port with tun_id and
 * tun_src and tun_dst (over IPv4) or tun_ipv6_src and tun_ipv6_dst (over IPv6) set. When something records
 * traces, each packet's table lookups become its 'match' event. Each port carries the OpenFlow
 * config a PORT_MOD sets (down, no receive, no forward), honoured where Open vSwitch honours it,
 * and may declare egress queues: each output goes into the queue its actions chose.
 */
import type { Frame, Network, Port } from '../sim/network.js';
import type { EgressQueue } from '../sim/egress.js';
import type { SwitchSpec, TunnelSpec } from './spec.js';
import { IpNode, type Interface, type NextHop, type NextHop6, ETH_HEADER, FIRST_FREE_TIMER } from '../hosts/ip-node.js';
import { addressText, ipv4ToNumber, ipv6ToBigint, readIpv6 } from '../hosts/addressing.js';
import { encode } from '../wire/encode.js';
import { fromHex, isIpv4, toHex } from '../wire/addresses.js';
import { u16, u32 } from '../wire/read.js';
import { finish, internetChecksum, sumWords } from '../wire/checksum.js';
import { espOpen, ReplayWindow } from '../wire/esp-sa.js';
import type { LayerSpec } from '../wire/layers.js';
import { Bridge } from './bridge.js';
import { W, fieldByName } from './fields.js';
import { SwitchPacket } from './packet.js';
import type { Output, PacketInCause } from './pipeline.js';
import type { Action, Rule } from './flow.js';
import { OFPP_CONTROLLER, OFPP_LOCAL } from './ofctl.js';
import { MAX_METERS } from './meter.js';

const ETHERTYPE_TEB = 0x6558;
const TIMER_EXPIRE = FIRST_FREE_TIMER;
const TIMER_LINK_FOLLOWS = FIRST_FREE_TIMER + 1;

/** OpenFlow 1.3's port config bits (OFPPC_*): what a PORT_MOD sets, and the switch honours as Open vSwitch does. */
export const OFPPC = {
  /** The port neither sends nor receives; its link reads as down. */
  PORT_DOWN: 1,
  /** Frames arriving on the port are dropped before any table sees them. */
  NO_RECV: 4,
  /** Nothing is output to the port: output, flood, all, NORMAL, in_port and group buckets skip it. */
  NO_FWD: 32,
  /** Reported only: OVS consults it only for a table miss an OpenFlow 1.1/1.2 TABLE_MOD sends to the controller; a CONTROLLER action ignores it. */
  NO_PACKET_IN: 64,
} as const;
/** OVS keeps only these bits of a 1.1+ PORT_MOD (OFPPC11_ALL): 1.0's NO_STP, NO_RECV_STP and NO_FLOOD are dropped. */
const OFPPC_ALL = OFPPC.PORT_DOWN | OFPPC.NO_RECV | OFPPC.NO_FWD | OFPPC.NO_PACKET_IN;

/** Per-port counters, as OpenFlow's port statistics report them. */
export interface PortCounters {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
}

/** An OpenFlow port of the switch as its controller sees it. */
export interface SwitchPortInfo {
  number: number;
  name: string;
  mac: string;
  /** The OFPPC_* bits set by PORT_MOD. */
  config: number;
  /** OFPPS_LINK_DOWN: no carrier, or the port is set down (a tunnel port and LOCAL always have carrier; a port with no link has none). */
  linkDown: boolean;
  /** OFPPS_LIVE: not set down, and its link up as last read. */
  live: boolean;
  counters: PortCounters;
}

/**
 * What the switch tells whoever controls it (the OpenFlow agent): packets sent to the
 * controller, flows removed, ports going up or down.
 */
export interface SwitchEvents {
  /** Returns false when no controller took it (none connected, or none wants this reason). */
  packetIn(bytes: Uint8Array, cause: PacketInCause): boolean;
  flowRemoved(rule: Rule, reason: 'idle_timeout' | 'hard_timeout' | 'delete' | 'group_delete'): void;
  portStatus(port: SwitchPortInfo): void;
}
/** The first word of every VXLAN header OVS accepts: flags 0x08 (I), reserved bits 0. */
const VXLAN_FLAGS_WORD = 0x08000000;
/** GRE's checksum-present bit. */
const GRE_CSUM = 0x8000;
/** GRE checksum, key and sequence-number present bits. */
const GRE_KNOWN_FLAGS = 0xb000;

/** How traces name a tunnel's encapsulation: VXLAN, GRE, ESP-protected GRE or ESP-protected VXLAN. */
function tunnelName(t: TunnelSpec): string {
  const inner = t.type === 'vxlan' ? 'VXLAN' : 'GRE';
  return t.esp === undefined ? inner : `ESP-protected ${inner}`;
}

/** A tunnel endpoint: an IPv4 address as a number, an IPv6 one as a bigint. */
type Endpoint = number | bigint;

/** Parses an address of the topology, IPv4 or IPv6. */
function endpoint(text: string): Endpoint {
  return isIpv4(text) ? ipv4ToNumber(text) : ipv6ToBigint(text);
}

const TUN_IPV6_SRC = fieldByName('tun_ipv6_src')!;
const TUN_IPV6_DST = fieldByName('tun_ipv6_dst')!;
const ALL_128 = (1n << 128n) - 1n;

interface Tunnel extends TunnelSpec {
  ofport: number;
  name: string;
  remote: Endpoint | undefined;
  espKey?: Uint8Array;
  /** ESP sequence number of the last packet sent. */
  espSeq: number;
  /** IPv4 identification of the last outer packet sent without DF (they may be fragmented, so each needs its own). */
  ipId: number;
  replay?: ReplayWindow;
}

export class SwitchNode extends IpNode {
  readonly bridge: Bridge;
  /** The OpenFlow datapath id: the topology's datapathId, else the switch's place among the switches (1, 2, …). */
  readonly datapathId: bigint;
  readonly controlRate: number | undefined;
  readonly failMode: 'secure' | 'standalone';
  /** A meter table as big as Open vSwitch's userspace datapath's (METER_FEATURES). */
  readonly maxMeters = MAX_METERS;
  /** Who gets PACKET_INs, for traces ("c1", "tcp:127.0.0.1:6653"). */
  controllerName = 'the controller';
  /** Packets recently sent to the controller, so a PACKET_OUT of the same bytes continues their trace. */
  private readonly toController: { bytes: Uint8Array; frame: Frame; at: number; installed: string[] }[] = [];
  private readonly counters = new Map<number, PortCounters>();
  /** OFPPC_* bits of the ports that have any set. */
  private readonly portConfig = new Map<number, number>();
  /**
   * Ports set down or up whose link state OpenFlow has not read again yet: until then it reports
   * the old one, as OVS does between a PORT_MOD and its next look at the netdev.
   */
  private readonly linkStale = new Set<number>();
  private listener: SwitchEvents | undefined;
  /** When the timeout check is next scheduled (ns), Infinity when none is. */
  private expiryAt = Infinity;
  private readonly byNumber = new Map<number, Port>();
  private readonly numberOf = new Map<Port, number>();
  private readonly tunnels = new Map<number, Tunnel>();
  /** The same tunnels as a list, and the UDP ports VXLAN listens on, so receiving allocates nothing. */
  private readonly tunnelList: Tunnel[] = [];
  private readonly vxlanPorts = new Set<number>();

  constructor(net: Network, spec: SwitchSpec, ordinal = 1) {
    super(net, spec.name, 'switch', spec.underlay ? [spec.underlay.interface] : [], 60e9);
    this.datapathId = spec.datapathId ?? BigInt(ordinal);
    this.controlRate = spec.controlRate;
    this.failMode = spec.failMode ?? 'standalone';
    const gateway = spec.underlay?.gateway;
    if (gateway !== undefined) {
      const via = endpoint(gateway);
      if (typeof via === 'bigint') this.addDefaultRoute6(via);
      else this.addDefaultRoute(via);
    }
    for (const p of spec.ports) {
      if (p.tunnel) {
        const t = p.tunnel;
        const tunnel: Tunnel = { ...t, ofport: p.ofport, name: p.name, remote: t.remoteIp === 'flow' ? undefined : endpoint(t.remoteIp), espSeq: 0, ipId: 0 };
        if (t.esp) {
          tunnel.espKey = fromHex(t.esp.key);
          tunnel.replay = new ReplayWindow(64);
        }
        this.tunnels.set(p.ofport, tunnel);
        this.tunnelList.push(tunnel);
        if (t.type === 'vxlan') this.vxlanPorts.add(t.dstPort);
        continue;
      }
      const port = this.addPort(p.name);
      port.queues = p.queues;
      this.byNumber.set(p.ofport, port);
      this.numberOf.set(port, p.ofport);
    }
    for (const ofport of [...spec.ports.map((p) => p.ofport), OFPP_LOCAL]) this.counters.set(ofport, { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0 });
    const ports = spec.ports.map((p) => ({ number: p.ofport, name: p.name, ...(p.tag !== undefined && { tag: p.tag }), ...(p.trunks !== undefined && { trunks: p.trunks }) }));
    this.bridge = new Bridge(spec.name, ports, spec.protocols === undefined ? {} : { protocols: spec.protocols });
    // A bridge with no flows and no controller behaves as a standalone Open vSwitch bridge: NORMAL.
    for (const m of spec.meters ?? []) this.bridge.addMeter(m);
    const flows = spec.flows.length > 0 || spec.controller !== undefined ? spec.flows : ['priority=0,actions=NORMAL'];
    flows.forEach((f, i) => this.bridge.addFlow(f, 0, `${spec.name} flows[${i}]`));
    // Fast-failover groups watch ports: a port is live while it has carrier and is not set down, CONTROLLER while a controller listens.
    this.bridge.pipeline.random = net.random;
    this.bridge.pipeline.portLive = (port) => (port === OFPP_CONTROLLER ? this.listener !== undefined : this.up(port));
  }

  override receive(port: Port, frame: Frame): void {
    const ofport = this.numberOf.get(port);
    if (ofport === undefined) super.receive(port, frame);
    else if (((this.portConfig.get(ofport) ?? 0) & OFPPC.PORT_DOWN) !== 0) this.net.drop(this, port, frame, 'LINK_DOWN', `${port.name} is set down (OFPPC_PORT_DOWN): it receives nothing`);
    else {
      this.count(ofport, 'rx', frame.bytes.length);
      this.pipeline(ofport, port, frame, frame.bytes);
    }
  }

  private carrier(number: number): boolean {
    return this.tunnels.has(number) || number === OFPP_LOCAL || (this.byNumber.get(number)?.link?.link.up ?? false);
  }

  private up(number: number): boolean {
    return this.carrier(number) && ((this.portConfig.get(number) ?? 0) & OFPPC.PORT_DOWN) === 0;
  }

  /** NO_RECV: OVS runs none of the actions for a packet from this port, a PACKET_OUT's included. */
  private refusesInput(ofport: number, port: Port | undefined, frame: Frame): boolean {
    if (((this.portConfig.get(ofport) ?? 0) & OFPPC.NO_RECV) === 0) return false;
    this.net.drop(this, port, frame, 'FLOW_DROP', `${this.bridge.pipeline.port(ofport)?.name ?? ofport} is set not to receive (OFPPC_NO_RECV)`);
    return true;
  }

  private count(ofport: number, dir: 'rx' | 'tx', bytes: number): void {
    const c = this.counters.get(ofport);
    if (c === undefined) return;
    if (dir === 'rx') {
      c.rxPackets++;
      c.rxBytes += bytes;
    } else {
      c.txPackets++;
      c.txBytes += bytes;
    }
  }

  /**
   * Attaches what hears the switch's packet-ins, flow removals and port changes (one listener:
   * the OpenFlow agent). While one is attached, each flow timeout is checked when it falls due,
   * so a removal is reported even when no packet arrives (and a run with no timed flows ends).
   */
  listen(listener: SwitchEvents | undefined): void {
    this.listener = listener;
    this.flowsChanged();
  }

  /** Flows were added or changed: the next timeout may be sooner. */
  flowsChanged(): void {
    if (this.listener === undefined) return;
    const next = this.bridge.pipeline.nextDeadline();
    if (next === undefined || next >= this.expiryAt) return;
    this.expiryAt = next;
    this.net.scheduler.at(Math.max(next, this.net.scheduler.now), this, TIMER_EXPIRE);
  }

  override onEvent(kind: number, payload: unknown, aux: number): void {
    if (kind === TIMER_LINK_FOLLOWS) {
      if (this.linkStale.delete(aux)) this.listener?.portStatus(this.describe(aux, payload as string));
      return;
    }
    if (kind !== TIMER_EXPIRE) {
      super.onEvent(kind, payload, aux);
      return;
    }
    this.expiryAt = Infinity;
    this.expire();
    this.flowsChanged();
  }

  /** Removes flows whose timeout has passed, telling the listener why each went. */
  private expire(): void {
    const now = this.net.scheduler.now;
    for (const rule of this.bridge.pipeline.expire(now)) {
      const hardDue = rule.hardTimeout > 0 && rule.modified + rule.hardTimeout * 1e9 <= now;
      this.listener?.flowRemoved(rule, hardDue ? 'hard_timeout' : 'idle_timeout');
    }
  }

  /** The switch's ports as OpenFlow describes them, in port-number order, LOCAL last (as Open vSwitch has it, with nothing behind it). */
  portInfo(): SwitchPortInfo[] {
    const out: SwitchPortInfo[] = [];
    for (const p of this.bridge.ports) out.push(this.describe(p.number, p.name));
    return out.sort((a, b) => a.number - b.number);
  }

  /** The egress queues of a port, in id order: none when it declares none or has no link. */
  queues(number: number): readonly EgressQueue[] {
    return this.byNumber.get(number)?.link?.egress?.queues ?? [];
  }

  private describe(number: number, name: string): SwitchPortInfo {
    const config = this.portConfig.get(number) ?? 0;
    const down = (config & OFPPC.PORT_DOWN) !== 0;
    // A stale link state is the one from before the port went down (or up).
    const linkDown = !this.carrier(number) || down !== this.linkStale.has(number);
    const hex = (n: number | bigint, bytes: number) => n.toString(16).padStart(2 * bytes, '0').slice(-2 * bytes);
    const id = hex(this.datapathId, 3) + hex(number, 2);
    const mac = `02:${id.match(/../g)!.join(':')}`;
    return { number, name, mac, config, linkDown, live: !linkDown && !down, counters: this.counters.get(number) ?? { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0 } };
  }

  override linkChanged(port: Port, _up: boolean): void {
    const number = this.numberOf.get(port);
    if (number === undefined) return;
    // A port set down reads LINK_DOWN whatever its link does: nothing to report.
    if (((this.portConfig.get(number) ?? 0) & OFPPC.PORT_DOWN) !== 0 && !this.linkStale.has(number)) return;
    this.listener?.portStatus(this.describe(number, port.name));
  }

  /**
   * A PORT_MOD, as OVS's update_port_config: the OFPPC_* bits under `mask` take their values
   * from `config`. Bits OpenFlow 1.3 lacks are ignored, and a tunnel port cannot be set down (OVS's
   * tunnel netdevs refuse, silently). Returns the port as OpenFlow describes it now, or undefined
   * when nothing changed or there is no such port. A port set down or up has its link state read
   * again at the same instant, after this returns, and the listener hears of that change.
   */
  modPort(number: number, config: number, mask: number): SwitchPortInfo | undefined {
    const name = this.bridge.pipeline.port(number)?.name;
    if (name === undefined) return undefined;
    const old = this.portConfig.get(number) ?? 0;
    let toggle = (config ^ old) & mask & OFPPC_ALL;
    if (this.tunnels.has(number)) toggle &= ~OFPPC.PORT_DOWN;
    if (toggle === 0) return undefined;
    this.portConfig.set(number, old ^ toggle);
    if ((toggle & OFPPC.PORT_DOWN) !== 0) {
      // Set down and up again before the link was read: it never looked stale.
      if (!this.linkStale.delete(number)) this.linkStale.add(number);
      this.net.scheduler.at(this.net.scheduler.now, this, TIMER_LINK_FOLLOWS, name, number);
    }
    return this.describe(number, name);
  }

  /**
   * A PACKET_OUT: runs `actions` on the frame as if it arrived on `inPort`, and sends what they
   * output. When the bytes are those of a packet sent to the controller lately, the packet's
   * trace goes on through the controller (with the flows installed meanwhile).
   */
  packetOut(inPort: number, actions: readonly Action[], bytes: Uint8Array): void {
    const net = this.net;
    const now = net.scheduler.now;
    const i = this.toController.findIndex((p) => sameBytes(p.bytes, bytes));
    const earlier = i < 0 ? undefined : this.toController.splice(i, 1)[0];
    const frame = net.frame(bytes, earlier?.frame);
    if (this.refusesInput(inPort, undefined, frame)) return;
    const packet = new SwitchPacket(bytes, inPort);
    const result = this.bridge.pipeline.execute(packet, actions, now, net.recorder.active);
    if (net.recorder.active) {
      const after = earlier === undefined ? '' : ` ${((now - earlier.at) / 1e6).toFixed(3)} ms after the PACKET_IN`;
      for (const flow of earlier?.installed ?? []) net.trace(this, undefined, frame, 'control', `${this.controllerName} installed ${flow}`);
      net.trace(this, undefined, frame, 'control', `PACKET_OUT from ${this.controllerName}${after}: ${oneLine(result.trace)}`);
    }
    for (const out of result.outputs) this.output(out, frame);
  }

  /** A flow the controller installed: traces show it with the packets waiting on the controller now. */
  noteInstalled(flow: string): void {
    for (const p of this.toController) p.installed.push(flow);
  }

  /** Runs a frame through the tables and sends what they output. */
  private pipeline(ofport: number, port: Port | undefined, frame: Frame, bytes: Uint8Array, tunnel?: { id: number; src: Endpoint; dst: Endpoint }): void {
    const net = this.net;
    const now = net.scheduler.now;
    // Flows added later (learn) may time out too; this costs one comparison when nothing is due.
    this.expire();
    if (this.refusesInput(ofport, port, frame)) return;
    const tracing = net.recorder.active;
    const packet = new SwitchPacket(bytes, ofport);
    if (tunnel !== undefined) {
      packet.words[W.TUN_ID + 1] = tunnel.id;
      if (typeof tunnel.src === 'bigint') {
        packet.setField(TUN_IPV6_SRC, tunnel.src, ALL_128);
        packet.setField(TUN_IPV6_DST, tunnel.dst as bigint, ALL_128);
      } else {
        packet.words[W.TUN_SRC] = tunnel.src;
        packet.words[W.TUN_DST] = tunnel.dst as number;
      }
    }
    const result = this.bridge.pipeline.process(packet, now, tracing);
    if (tracing) net.trace(this, port, frame, 'match', oneLine(result.trace));
    if (result.outputs.length === 0) {
      const metered = result.meterDrop;
      net.drop(this, port, frame, 'FLOW_DROP', metered === undefined ? 'the flow tables sent it nowhere' : `meter ${metered.meter} dropped it (band ${metered.band} exceeded its rate)`);
      return;
    }
    for (const out of result.outputs) this.output(out, frame);
  }

  private output(out: Output, frame: Frame): void {
    const net = this.net;
    if (out.port === 'controller') {
      if (this.listener === undefined) {
        net.drop(this, undefined, net.frame(out.bytes, frame), 'FLOW_DROP', 'sent to the controller, and none is attached');
        return;
      }
      const cause = out.packetIn!;
      if (net.recorder.active) {
        net.trace(this, undefined, frame, 'control', `PACKET_IN to ${this.controllerName} (${cause.reason === 'no_match' ? 'table-miss' : 'action'}, table ${cause.table}, cookie 0x${cause.cookie.toString(16)})`);
      }
      if (!this.listener.packetIn(out.bytes, cause)) {
        net.drop(this, undefined, frame, 'FLOW_DROP', `sent to ${this.controllerName}, which is not connected`);
        return;
      }
      this.toController.push({ bytes: out.bytes, frame, at: net.scheduler.now, installed: [] });
      if (this.toController.length > RECENT_PACKET_INS) this.toController.shift();
      return;
    }
    const config = this.portConfig.get(out.port) ?? 0;
    if ((config & (OFPPC.PORT_DOWN | OFPPC.NO_FWD)) !== 0) {
      const down = (config & OFPPC.PORT_DOWN) !== 0;
      const why = down ? 'is set down (OFPPC_PORT_DOWN): it sends nothing' : 'is set not to forward (OFPPC_NO_FWD): output to it is skipped';
      net.drop(this, this.byNumber.get(out.port), net.frame(out.bytes, frame), down ? 'LINK_DOWN' : 'FLOW_DROP', `${this.bridge.pipeline.port(out.port)?.name ?? out.port} ${why}`);
      return;
    }
    const tunnel = this.tunnels.get(out.port);
    if (tunnel !== undefined) {
      this.count(out.port, 'tx', out.bytes.length);
      this.encapsulate(tunnel, out, frame);
      return;
    }
    if (out.port === OFPP_LOCAL) {
      // The bridge's own port, as in Open vSwitch, with nothing behind it here: counted, and the hop's trace names it.
      this.count(out.port, 'tx', out.bytes.length);
      return;
    }
    const to = this.byNumber.get(out.port);
    if (to === undefined) net.drop(this, undefined, net.frame(out.bytes, frame), 'FLOW_DROP', `no port ${out.port}`);
    else {
      this.count(out.port, 'tx', out.bytes.length);
      const sent = net.frame(out.bytes, frame);
      sent.queue = out.queue;
      to.send(sent);
    }
  }

  /**
   * Wraps the inner frame for the tunnel and routes it through the underlay, as OVS's native
   * tunnelling writes it. Outer IPv4: DF set unless dfDefault is false, TTL 64, id 0. Outer IPv6:
   * traffic class and flow label 0, hop limit 64, and VXLAN's UDP checksum computed (OVS's csum
   * default is on for UDP tunnels over IPv6, where RFC 8200 §8.1 wants one; off over IPv4).
   * remote_ip=flow takes tun_dst when it is set, else tun_ipv6_dst (OVS's flow_tnl_dst).
   */
  private encapsulate(t: Tunnel, out: Output, frame: Frame): void {
    const net = this.net;
    const remote = t.remote ?? (out.tunDst !== 0 ? out.tunDst : out.tunIpv6Dst);
    const key = t.key === 'flow' ? out.tunId : t.key;
    const ipv6 = typeof remote === 'bigint';
    const hop = remote === 0 || remote === 0n ? undefined : ipv6 ? this.nextHop6(remote) : this.nextHop(remote);
    if (hop === undefined) {
      net.drop(this, undefined, net.frame(out.bytes, frame), 'NO_ROUTE', `no route to tunnel endpoint ${addressText(remote)}`);
      return;
    }
    const iface = hop.iface;
    // Routes come from the interface's addresses: one of the endpoint's family is there to send from.
    const src = addressText(ipv6 ? this.sourceFor6(iface) : this.sourceFor(iface));
    const outer: LayerSpec[] = [
      { layer: 'ethernet' },
      ipv6
        ? { layer: 'ipv6', src, dst: addressText(remote), hopLimit: 64 }
        : { layer: 'ipv4', src, dst: addressText(remote), ttl: 64, ...(t.dfDefault === false ? { df: false, id: (t.ipId = (t.ipId + 1) & 0xffff) } : { df: true, id: 0 }) },
    ];
    // ESP in transport mode: right after the outer IP header, around the GRE or the UDP + VXLAN.
    if (t.esp !== undefined) outer.push({ layer: 'esp', spi: t.esp.spiOut, seq: ++t.espSeq, alg: t.esp.alg, key: t.espKey! });
    if (t.type === 'vxlan') outer.push({ layer: 'udp', dstPort: t.dstPort, ...(!ipv6 && { checksum: 0 }) }, { layer: 'vxlan', vni: key & 0xffffff });
    else outer.push({ layer: 'gre', key, protocol: ETHERTYPE_TEB });
    outer.push({ layer: 'payload', data: out.bytes });
    const packet = encode(outer);
    const encapsulated = net.frame(packet, frame);
    if (net.recorder.active) {
      net.trace(this, iface.port, encapsulated, 'encap', `${tunnelName(t)} encap to ${addressText(remote)}, ${t.type === 'vxlan' ? 'VNI' : 'key'} ${key}`);
    }
    // The hop came from the IPv6 routes exactly when the endpoint is IPv6.
    if (ipv6) this.sendDatagram6(hop as NextHop6, packet, encapsulated);
    else this.sendDatagram(hop as NextHop, packet, encapsulated);
  }

  protected local(iface: Interface, frame: Frame, datagram: Uint8Array): void {
    const ihl = (datagram[0]! & 0x0f) * 4;
    this.decapsulate(iface, frame, datagram[9]!, datagram.subarray(ihl), u32(datagram, 12), u32(datagram, 16), sumWords(datagram, 12, 20));
  }

  protected override local6(iface: Interface, frame: Frame, datagram: Uint8Array): void {
    this.decapsulate(iface, frame, datagram[6]!, datagram.subarray(40), readIpv6(datagram, 8), readIpv6(datagram, 24), sumWords(datagram, 8, 40));
  }

  /**
   * A datagram to the underlay address (its IP header left off; `addresses`, the sum of its source
   * and destination for the pseudo-header): a tunnel packet for one of the tunnel ports, or dropped.
   */
  private decapsulate(iface: Interface, frame: Frame, protocol: number, payload: Uint8Array, src: Endpoint, dst: Endpoint, addresses: number): void {
    let inner: Uint8Array | undefined;
    let key = 0;
    let type: TunnelSpec['type'] | undefined;
    let esp: Tunnel | undefined;
    /** UDP + VXLAN at `at` of `bytes` (the datagram, or what ESP protected): its VNI and the frame it carries; false when the VXLAN header is one OVS drops. */
    const vxlan = (bytes: Uint8Array, at: number): boolean => {
      type = 'vxlan';
      // OVS takes only flags 0x08 (I) with every reserved bit 0, and drops anything else.
      if (u32(bytes, at + 8) !== VXLAN_FLAGS_WORD || bytes[at + 15] !== 0) {
        this.net.drop(this, iface.port, frame, 'BAD_PACKET', `invalid VXLAN header ${toHex(bytes.subarray(at + 8, at + 16))}: flags must be 08 and the reserved bits 0`);
        return false;
      }
      key = u32(bytes, at + 12) >>> 8;
      inner = bytes.subarray(at + 16);
      return true;
    };
    if (protocol === 17 && payload.length >= 16) {
      if (this.vxlanPorts.has(u16(payload, 2))) {
        // OVS's udp_extract_tnl_md: a UDP checksum that is there must be right.
        if (u16(payload, 6) !== 0 && finish(sumWords(payload, 0, payload.length, addresses + 17 + payload.length)) !== 0) {
          this.net.drop(this, iface.port, frame, 'BAD_PACKET', `VXLAN from ${addressText(src)}: UDP checksum 0x${u16(payload, 6).toString(16).padStart(4, '0')} is wrong`);
          return;
        }
        if (!vxlan(payload, 0)) return;
      }
    } else if (protocol === 47) {
      if (payload.length >= 2 && (u16(payload, 0) & ~GRE_KNOWN_FLAGS) !== 0) {
        this.net.drop(this, iface.port, frame, 'BAD_PACKET', `GRE flags and version 0x${u16(payload, 0).toString(16).padStart(4, '0')}: OVS takes only the C, K and S flags, version 0`);
        return;
      }
      // OVS's parse_gre_header: with the C bit, the checksum over the GRE header and payload must be right.
      if (payload.length >= 4 && (u16(payload, 0) & GRE_CSUM) !== 0 && internetChecksum(payload) !== 0) {
        this.net.drop(this, iface.port, frame, 'BAD_PACKET', `GRE from ${addressText(src)}: checksum 0x${u16(payload, 4).toString(16).padStart(4, '0')} is wrong`);
        return;
      }
      const gre = greInner(payload);
      if (gre) ({ inner, key } = gre);
      type = 'gre';
    } else if (protocol === 50 && payload.length >= 8) {
      const spi = u32(payload, 0);
      esp = this.espTunnel(spi, src);
      if (esp !== undefined) {
        const plain = this.openEsp(esp, payload, iface, frame);
        if (plain === undefined) return;
        if (esp.type === 'vxlan') {
          // What the SA protects is this tunnel's: UDP to its port, then VXLAN.
          if (plain.length < 16 || u16(plain, 2) !== esp.dstPort) {
            this.net.drop(this, iface.port, frame, 'BAD_PACKET', `ESP from ${addressText(src)} (SPI 0x${spi.toString(16)}) carries no VXLAN to port ${esp.dstPort}`);
            return;
          }
          if (!vxlan(plain, 0)) return;
        } else {
          const gre = greInner(plain);
          if (gre) ({ inner, key } = gre);
        }
        type = esp.type;
      }
    }
    const tunnel = type === undefined ? undefined : (esp ?? this.receivingTunnel(type, src, key));
    if (inner === undefined || tunnel === undefined) {
      this.net.drop(this, iface.port, frame, 'NOT_FOR_US', type === undefined ? `no tunnel port for this packet from ${addressText(src)}` : this.noTunnel(type, src, key));
      return;
    }
    if (this.net.recorder.active) {
      this.net.trace(this, iface.port, frame, 'decap', `${tunnel.name}: ${tunnelName(tunnel)} from ${addressText(src)}, ${type === 'vxlan' ? 'VNI' : 'key'} ${key}`);
    }
    this.count(tunnel.ofport, 'rx', inner.length);
    this.pipeline(tunnel.ofport, undefined, frame, inner, { id: key, src, dst });
  }

  /** Why no tunnel port took a packet: what it carried, and what the ports of its type take. */
  private noTunnel(type: TunnelSpec['type'], src: Endpoint, key: number): string {
    const id = type === 'vxlan' ? 'VNI' : 'key';
    const ports = this.tunnelList.filter((t) => t.type === type).map((t) => `${t.name} takes ${id} ${t.key} from ${t.remote === undefined ? 'any remote' : addressText(t.remote)}`);
    return `no ${type === 'vxlan' ? 'VXLAN' : 'GRE'} port takes ${id} ${key} from ${addressText(src)}${ports.length === 0 ? '' : ` (${ports.join('; ')})`}`;
  }

  /**
   * The tunnel port a packet of this type, from `src`, with this key arrives on, as OVS's
   * tnl_find chooses: a port with this exact key before a key=flow port, and within each, a port
   * with this exact remote_ip before a remote_ip=flow port.
   */
  private receivingTunnel(type: TunnelSpec['type'], src: Endpoint, key: number): Tunnel | undefined {
    let best: Tunnel | undefined;
    let bestRank = 4;
    for (const t of this.tunnelList) {
      if (t.type !== type || (t.remote !== undefined && t.remote !== src) || (t.key !== 'flow' && t.key !== key)) continue;
      const rank = (t.key === 'flow' ? 2 : 0) + (t.remote === undefined ? 1 : 0);
      if (rank < bestRank) {
        best = t;
        bestRank = rank;
      }
    }
    return best;
  }

  private espTunnel(spi: number, src: Endpoint): Tunnel | undefined {
    for (const t of this.tunnelList) if (t.esp !== undefined && t.esp.spiIn === spi && (t.remote === undefined || t.remote === src)) return t;
    return undefined;
  }

  protected notLocal(iface: Interface, frame: Frame): void {
    this.net.drop(this, iface.port, frame, 'NOT_FOR_US', 'the underlay interface does not route');
  }

  /** Checks the ICV, the replay window and the padding; returns the plaintext (GRE onwards). */
  private openEsp(t: Tunnel, esp: Uint8Array, iface: Interface, frame: Frame): Uint8Array | undefined {
    const seq = u32(esp, 4);
    const icvLength = 16;
    const ivLength = t.esp!.alg === 'null-hmac-sha256-128' ? 0 : 8;
    if (esp.length < 8 + ivLength + 2 + icvLength || t.replay!.check(seq) !== 'new') {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', `ESP sequence number ${seq} is ${t.replay!.check(seq)} or the packet is cut short`);
      return undefined;
    }
    let plain: Uint8Array;
    try {
      plain = espOpen(t.esp!.alg, t.espKey!, esp.subarray(0, 8), esp.subarray(8, 8 + ivLength), esp.subarray(8 + ivLength, esp.length - icvLength), esp.subarray(esp.length - icvLength), 0);
    } catch {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', 'ESP ICV check failed');
      return undefined;
    }
    t.replay!.accept(seq);
    const padLength = plain[plain.length - 2]!;
    return plain.subarray(0, Math.max(0, plain.length - 2 - padLength));
  }
}

/** Packets sent to the controller that a PACKET_OUT may still continue. */
const RECENT_PACKET_INS = 64;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The Ethernet frame and key inside a GRE packet carrying transparent Ethernet bridging. */
function greInner(gre: Uint8Array): { inner: Uint8Array; key: number } | undefined {
  if (gre.length < 4 || u16(gre, 2) !== ETHERTYPE_TEB) return undefined;
  const flags = u16(gre, 0);
  // OVS takes only the C, K and S flags, version 0; routing and the rest are dropped.
  if ((flags & ~GRE_KNOWN_FLAGS) !== 0) return undefined;
  let o = 4 + ((flags & 0x8000) !== 0 ? 4 : 0);
  let key = 0;
  if ((flags & 0x2000) !== 0) {
    if (gre.length < o + 4) return undefined;
    key = u32(gre, o);
    o += 4;
  }
  o += (flags & 0x1000) !== 0 ? 4 : 0;
  return gre.length >= o + ETH_HEADER ? { inner: gre.subarray(o), key } : undefined;
}

/** An ofproto/trace as one line for a hop or a capture comment: its lines joined, without the `-> ` and `>> ` marks that indent details and warnings. */
function oneLine(trace: readonly string[]): string {
  return trace.map((l) => l.trim().replace(/^(->|>>) /, '')).join('; ');
}
