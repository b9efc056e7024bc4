/**
 * An end host: answers ARP and ICMP echo, reassembles fragments, runs ping and UDP traffic
 * generators, and counts UDP datagrams its listeners receive. It does not forward.
 */
import type { Frame, Network } from '../sim/network.js';
import { encode } from '../wire/encode.js';
import { finish, internetChecksum, sumWords } from '../wire/checksum.js';
import { u16, u32 } from '../wire/read.js';
import { ICMP_CODE_NAMES, ICMP_TYPE_NAMES } from '../wire/icmp.js';
import { ETH_HEADER, IpNode, type Interface, type InterfaceSpec, type NextHop, FIRST_FREE_TIMER, packetOf } from './ip-node.js';
import { ipv4ToNumber, numberToIpv4 } from './addressing.js';

export interface HostSpec {
  kind: 'host';
  name: string;
  interfaces: InterfaceSpec[];
  /** Default gateway (IPv4). */
  gateway?: string;
  /** ARP cache entry lifetime, ns (default 60 s). */
  arpTimeout: number;
}

const TIMER_PING = FIRST_FREE_TIMER;
const TIMER_UDP = FIRST_FREE_TIMER + 1;
const PROTO_ICMP = 1;
/** Room for the Ethernet header, written when the packet is sent. */
const ROOM = { layer: 'ethernet' } as const;
const PROTO_UDP = 17;

export interface PingStats {
  sent: number;
  received: number;
  /** Round-trip times of the replies, ns: how many, least, most, mean and the sum of squared differences from it (Welford's running form: memory stays flat however long the ping). */
  rtt: { count: number; min: number; max: number; mean: number; m2: number };
  /** ICMP errors received instead of replies, e.g. "time exceeded from 10.0.0.254": count. */
  errors: Record<string, number>;
  /** Echo requests neither answered nor refused yet: sequence number -> when sent, ns. */
  outstanding: ReadonlyMap<number, number>;
  /** How long a reply may take, ns: an outstanding request younger than this is still in flight. */
  timeout: number;
}

export interface PingApp {
  kind: 'ping';
  id: number;
  dst: number;
  count: number;
  /** When the first probe goes, and the gap to each next one, ns. */
  start: number;
  interval: number;
  size: number;
  ttl: number;
  df: boolean;
  timeout: number;
  outstanding: Map<number, number>;
  stats: PingStats;
}

export interface UdpApp {
  kind: 'udp';
  dst: number;
  srcPort: number;
  dstPort: number;
  size: number;
  gap: number;
  count: number;
  df: boolean;
  sent: number;
}

export class Host extends IpNode {
  readonly gateway: number | undefined;
  private readonly pings: PingApp[] = [];
  private readonly udps: UdpApp[] = [];
  /** Datagrams received per "src:srcPort>dstPort" on listening ports. */
  readonly udpReceived = new Map<string, number>();
  private readonly listening = new Set<number>();

  constructor(net: Network, spec: HostSpec) {
    super(net, spec.name, 'host', spec.interfaces, spec.arpTimeout);
    this.gateway = spec.gateway === undefined ? undefined : ipv4ToNumber(spec.gateway);
    if (this.gateway !== undefined) this.addDefaultRoute(this.gateway);
  }

  /** Starts pinging `dst` at `start` ns; returns the statistics it fills in. */
  ping(dst: number, options: { count: number; interval: number; start: number; size: number; ttl: number; df: boolean; timeout: number }): PingStats {
    const outstanding = new Map<number, number>();
    const app: PingApp = { kind: 'ping', id: (this.pings.length + 1) & 0xffff, dst, ...options, outstanding, stats: { sent: 0, received: 0, rtt: { count: 0, min: Infinity, max: -Infinity, mean: 0, m2: 0 }, errors: {}, outstanding, timeout: options.timeout } };
    this.pings.push(app);
    // One probe is scheduled at a time, each by the one before: memory stays flat for any count.
    if (options.count > 0) this.net.scheduler.at(options.start, this, TIMER_PING, app, 1);
    return app.stats;
  }

  /** Starts sending UDP datagrams; returns the generator, whose `sent` counts them. */
  udp(dst: number, options: { srcPort: number; dstPort: number; size: number; rate: number; count: number; start: number; df: boolean }): UdpApp {
    const app: UdpApp = { kind: 'udp', dst, srcPort: options.srcPort, dstPort: options.dstPort, size: options.size, gap: Math.round(1e9 / options.rate), count: options.count, df: options.df, sent: 0 };
    this.udps.push(app);
    this.net.scheduler.at(options.start, this, TIMER_UDP, app);
    return app;
  }

  listen(port: number): void {
    this.listening.add(port);
  }

  override onEvent(kind: number, payload: unknown, aux: number): void {
    if (kind === TIMER_PING) this.sendPing(payload as PingApp, aux);
    else if (kind === TIMER_UDP) this.sendUdp(payload as UdpApp);
    else super.onEvent(kind, payload, aux);
  }

  /** Sends a packet (Ethernet room + datagram) from this host; `from` is the packet as created, when it is traced. */
  private send(dst: number, packet: Uint8Array, from?: Frame): void {
    const hop: NextHop | undefined = this.nextHop(dst);
    if (hop === undefined) {
      this.net.drop(this, undefined, from ?? this.net.frame(packet), 'NO_ROUTE', `no route to ${numberToIpv4(dst)} (no default gateway)`);
      return;
    }
    this.sendDatagram(hop, packet, from, from);
  }

  /** The source address this host uses toward `dst`. */
  sourceTo(dst: number): string {
    const hop = this.nextHop(dst);
    return numberToIpv4(hop ? this.sourceFor(hop.iface) : this.primaryAddress ?? 0);
  }

  /**
   * Sends one probe now, an ICMP echo request or a UDP datagram, and returns its trace id:
   * every frame made from it carries that id, so its path can be followed.
   */
  probe(dst: number, proto: 'icmp' | 'udp', options: { dstPort?: number; size?: number; df?: boolean } = {}): number {
    const ip = { layer: 'ipv4' as const, src: this.sourceTo(dst), dst: numberToIpv4(dst), id: this.ipId(), ttl: 64, df: options.df === true };
    const packet =
      proto === 'icmp'
        ? encode([ROOM, ip, { layer: 'icmp', type: 8, id: 0xffff, seq: 1 }, { layer: 'payload', data: new Uint8Array(options.size ?? 56) }])
        : encode([ROOM, ip, { layer: 'udp', srcPort: 33433, dstPort: options.dstPort ?? 33434 }, { layer: 'payload', data: new Uint8Array(options.size ?? 32) }]);
    const root = this.net.frame(packet);
    this.send(dst, packet, root);
    return root.trace;
  }

  private sendPing(app: PingApp, seq: number): void {
    app.stats.sent++;
    app.outstanding.set(seq & 0xffff, this.net.scheduler.now);
    const data = new Uint8Array(app.size);
    for (let k = 0; k < data.length; k++) data[k] = k & 0xff;
    const packet = encode([
      ROOM,
      { layer: 'ipv4', src: this.sourceTo(app.dst), dst: numberToIpv4(app.dst), id: this.ipId(), ttl: app.ttl, df: app.df },
      // The sequence number wraps at 65,536, as ping's does.
      { layer: 'icmp', type: 8, id: app.id, seq: seq & 0xffff },
      { layer: 'payload', data },
    ]);
    this.send(app.dst, packet);
    if (seq < app.count) this.net.scheduler.at(app.start + seq * app.interval, this, TIMER_PING, app, seq + 1);
  }

  private sendUdp(app: UdpApp): void {
    app.sent++;
    const data = new Uint8Array(app.size);
    const packet = encode([
      ROOM,
      { layer: 'ipv4', src: this.sourceTo(app.dst), dst: numberToIpv4(app.dst), id: this.ipId(), df: app.df },
      { layer: 'udp', srcPort: app.srcPort, dstPort: app.dstPort },
      { layer: 'payload', data },
    ]);
    this.send(app.dst, packet);
    if (app.sent < app.count) this.net.scheduler.after(app.gap, this, TIMER_UDP, app);
  }

  protected notLocal(): void {
    // A host does not forward (it would be a router); the frame was for its MAC, so say why.
  }

  protected local(iface: Interface, frame: Frame, datagram: Uint8Array): void {
    const ihl = (datagram[0]! & 0x0f) * 4;
    const protocol = datagram[9]!;
    if (protocol === PROTO_ICMP) this.receiveIcmp(iface, frame, datagram, ihl);
    else if (protocol === PROTO_UDP) this.receiveUdp(iface, frame, datagram, ihl);
    else this.icmpError(iface, datagram, frame, 3, 2);
  }

  private receiveIcmp(iface: Interface, frame: Frame, datagram: Uint8Array, ihl: number): void {
    if (datagram.length < ihl + 8 || internetChecksum(datagram, ihl, datagram.length) !== 0) {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', 'ICMP checksum is wrong');
      return;
    }
    const type = datagram[ihl]!;
    const src = u32(datagram, 12);
    if (type === 8) {
      // Echo request: answer with the same identifier, sequence number and data.
      const packet = packetOf(datagram);
      const reply = packet.subarray(ETH_HEADER);
      const v = new DataView(packet.buffer, ETH_HEADER);
      const dst = u32(datagram, 16);
      v.setUint32(12, dst !== 0xffffffff && this.isLocal(dst) ? dst : this.sourceFor(iface));
      v.setUint32(16, src);
      reply[8] = 64;
      reply[ihl] = 0;
      setChecksum(reply, ihl, reply.length, ihl + 2);
      v.setUint16(4, this.ipId());
      v.setUint16(6, 0);
      setChecksum(reply, 0, ihl, 10);
      if (this.net.recorder.active) this.net.trace(this, iface.port, frame, 'deliver', `ICMP echo request from ${numberToIpv4(src)}: replying`);
      this.send(src, packet);
      return;
    }
    if (type === 0) {
      const id = u16(datagram, ihl + 4);
      const seq = u16(datagram, ihl + 6);
      const app = this.pings.find((p) => p.id === id);
      const sentAt = app?.outstanding.get(seq);
      if (app === undefined || sentAt === undefined) return;
      app.outstanding.delete(seq);
      const rtt = this.net.scheduler.now - sentAt;
      if (rtt <= app.timeout) {
        app.stats.received++;
        const stats = app.stats.rtt;
        stats.count++;
        stats.min = Math.min(stats.min, rtt);
        stats.max = Math.max(stats.max, rtt);
        const delta = rtt - stats.mean;
        stats.mean += delta / stats.count;
        stats.m2 += delta * (rtt - stats.mean);
      }
      if (this.net.recorder.active) this.net.trace(this, iface.port, frame, 'deliver', `ICMP echo reply from ${numberToIpv4(src)}, seq ${seq}, rtt ${(rtt / 1e6).toFixed(3)} ms`);
      return;
    }
    // An error quoting one of our echo requests: count it against that ping.
    const quoted = ihl + 8;
    if (datagram.length >= quoted + 28 && datagram[quoted + 9] === PROTO_ICMP) {
      const innerIhl = (datagram[quoted]! & 0x0f) * 4;
      const inner = quoted + innerIhl;
      if (datagram.length >= inner + 8 && datagram[inner] === 8) {
        const app = this.pings.find((p) => p.id === u16(datagram, inner + 4));
        const seq = u16(datagram, inner + 6);
        if (app && app.outstanding.delete(seq)) {
          const what = `${icmpErrorName(type, datagram[ihl + 1]!, u16(datagram, ihl + 6))} from ${numberToIpv4(src)}`;
          app.stats.errors[what] = (app.stats.errors[what] ?? 0) + 1;
        }
      }
    }
    if (this.net.recorder.active) this.net.trace(this, iface.port, frame, 'deliver', `ICMP type ${type} code ${datagram[ihl + 1]} from ${numberToIpv4(src)}`);
  }

  private receiveUdp(iface: Interface, frame: Frame, datagram: Uint8Array, ihl: number): void {
    if (datagram.length < ihl + 8) {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', 'UDP header cut short');
      return;
    }
    // A non-zero checksum must be right (RFC 1122 §4.1.3.4); zero means none was sent.
    const checksum = u16(datagram, ihl + 6);
    const udpLength = u16(datagram, ihl + 4);
    if (checksum !== 0 && (udpLength < 8 || ihl + udpLength > datagram.length || finish(sumWords(datagram, ihl, ihl + udpLength, sumWords(datagram, 12, 20) + 17 + udpLength)) !== 0)) {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', 'UDP checksum is wrong');
      return;
    }
    const srcPort = u16(datagram, ihl);
    const dstPort = u16(datagram, ihl + 2);
    if (!this.listening.has(dstPort)) {
      if (this.net.recorder.active) this.net.trace(this, iface.port, frame, 'deliver', `UDP to port ${dstPort}, where nothing listens`);
      this.net.drop(this, iface.port, frame, 'PORT_UNREACHABLE', `nothing listens on UDP port ${dstPort}; ICMP port unreachable`);
      this.icmpError(iface, datagram, frame, 3, 3);
      return;
    }
    const key = `${numberToIpv4(u32(datagram, 12))}:${srcPort}>${dstPort}`;
    this.udpReceived.set(key, (this.udpReceived.get(key) ?? 0) + 1);
    if (this.net.recorder.active) this.net.trace(this, iface.port, frame, 'deliver', `UDP ${key}`);
  }
}

/** An ICMP error as a person reads it: "fragmentation needed, next-hop MTU 1400" rather than "destination unreachable". */
function icmpErrorName(type: number, code: number, nextHopMtu: number): string {
  if (type === 3 && code === 4) return `fragmentation needed, next-hop MTU ${nextHopMtu}`;
  if (type === 3) return `destination unreachable (${ICMP_CODE_NAMES[3]![code] ?? `code ${code}`})`;
  return ICMP_TYPE_NAMES[type] ?? `ICMP type ${type}`;
}

function setChecksum(b: Uint8Array, start: number, end: number, at: number): void {
  b[at] = 0;
  b[at + 1] = 0;
  const sum = internetChecksum(b, start, end);
  b[at] = sum >>> 8;
  b[at + 1] = sum & 0xff;
}
