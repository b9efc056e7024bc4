/**
 * The IPv4 stack hosts and routers share: interfaces with MAC and addresses, ARP (RFC 826) with
 * a cache, timeouts, retries and a queue of packets waiting for an answer, a routing table,
 * ICMP errors (RFC 792, RFC 1812 §4.3.2.7 on when not to send them), and fragmentation
 * (RFC 791). What happens to a datagram not addressed to the node is the subclass's business.
 *
 * Beside it, what a node needs to send and receive its own IPv6 datagrams on a link: Neighbor
 * Discovery's address resolution (RFC 4861 §7.2: solicitations to the solicited-node multicast
 * group, advertisements with the target's link-layer address) sharing ARP's cache, retries and
 * queue, connected IPv6 routes and a default route. It does not forward IPv6.
 *
 * Outgoing datagrams travel as "packets": a buffer with 14 bytes of room for the Ethernet
 * header in front of the IPv4 or IPv6 datagram, so sending writes the header in place and never copies.
 */
import { Node, type Frame, type Network, type Port } from '../sim/network.js';
import { encode } from '../wire/encode.js';
import { finish, internetChecksum, sumWords } from '../wire/checksum.js';
import { ipv6Bytes, macToText, numberToIpv6, writeMac } from '../wire/addresses.js';
import { u16, u32 } from '../wire/read.js';
import { RouteTable, addressText, inPrefix6, ipv4ToNumber, ipv6ToBigint, numberToIpv4, prefixMask, readIpv6 } from './addressing.js';

export interface InterfaceSpec {
  name: string;
  /** MAC text; generated from the node and port names (02:4e:4c:xx:xx:xx) when not given. */
  mac: string;
  /** Addresses with prefix length, e.g. 10.0.1.10/24. */
  ipv4: { address: string; prefixLength: number }[];
  ipv6: { address: string; prefixLength: number }[];
}

export const ETH_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
const BROADCAST = new Uint8Array([255, 255, 255, 255, 255, 255]);
/** ARP requests (or neighbour solicitations) sent for one address before its queued packets are dropped (as Linux's mcast_solicit; RFC 4861's MAX_MULTICAST_SOLICIT is 3 too). */
const ARP_ATTEMPTS = 3;
/** Between two tries: Linux's retrans_time, RFC 4861's RETRANS_TIMER. */
const ARP_RETRY_NS = 1_000_000_000;
/** Packets queued per unresolved neighbour (Linux's unres_qlen_bytes, in packets). */
const ARP_QUEUE = 64;

const IPV6_HEADER = 40;
const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;
/** ND options (RFC 4861 §4.6.1): the sender's and the target's link-layer address. */
const ND_OPT_SOURCE_LL = 1;
const ND_OPT_TARGET_LL = 2;
/** An advertisement's flags (RFC 4861 §4.4): it answers a solicitation (S), it replaces what the cache had (O); R stays clear, this node does not route IPv6. */
const NA_SOLICITED = 0x40000000;
const NA_OVERRIDE = 0x20000000;
/** ff02::1:ff00:0/104 (RFC 4291 §2.7.1): a node joins the group of each of its addresses' low 24 bits. */
const SOLICITED_NODE = 0xff0200000000000000000001ff000000n;
const ALL_NODES = 0xff020000000000000000000000000001n;

const TIMER_ARP_RETRY = 1;
const TIMER_REASSEMBLY = 2;
/** The first timer kind subclasses may use for their own events. */
export const FIRST_FREE_TIMER = 3;
/** RFC 791's suggested reassembly timeout upper bound is 15 s; Linux uses 30 s. */
const REASSEMBLY_TIMEOUT_NS = 30_000_000_000;

interface Reassembly {
  header: Uint8Array | undefined;
  parts: { offset: number; data: Uint8Array }[];
  total: number | undefined;
  from: Frame;
  iface: Interface;
}

export interface Interface {
  port: Port;
  mac: Uint8Array;
  addresses: { address: number; length: number }[];
  ipv6: { address: bigint; length: number }[];
}

export interface NextHop {
  iface: Interface;
  /** Undefined: the destination itself is on the link. */
  via: number | undefined;
}

export interface NextHop6 {
  iface: Interface;
  /** Undefined: the destination itself is on the link. */
  via: bigint | undefined;
}

/** A neighbour to resolve: an IPv4 address (by ARP) or an IPv6 one (by Neighbor Discovery). */
type NeighbourAddress = number | bigint;

interface PendingNeighbour {
  iface: Interface;
  attempts: number;
  queue: { packet: Uint8Array; from: Frame | undefined }[];
}

export abstract class IpNode extends Node {
  readonly interfaces: Interface[] = [];
  private readonly byPort = new Map<Port, Interface>();
  readonly routes = new RouteTable<NextHop>();
  /** IPv6 routes, longest prefix first: the connected ones and a default route at most. */
  private readonly routes6: { network: bigint; length: number; hop: NextHop6 }[] = [];
  /** ARP's and Neighbor Discovery's answers, keyed by IPv4 number or IPv6 bigint. */
  private readonly neighbours = new Map<NeighbourAddress, { mac: Uint8Array; expires: number }>();
  private readonly pending = new Map<NeighbourAddress, PendingNeighbour>();
  /** This node's addresses and its subnets' broadcast addresses. */
  private readonly localAddresses = new Set<number>([0xffffffff]);
  /** Subnet-directed broadcast addresses of this node's subnets (sent to ff:ff:ff:ff:ff:ff). */
  private readonly broadcasts = new Set<number>([0xffffffff]);
  private readonly reassembly = new Map<string, Reassembly>();
  private nextId = 1;

  constructor(net: Network, name: string, kind: string, specs: InterfaceSpec[], private readonly arpTimeout: number) {
    super(net, name, kind);
    for (const spec of specs) {
      const mac = new Uint8Array(6);
      writeMac(spec.mac, mac, 0);
      const iface: Interface = {
        port: this.addPort(spec.name),
        mac,
        addresses: spec.ipv4.map((a) => ({ address: ipv4ToNumber(a.address), length: a.prefixLength })),
        ipv6: spec.ipv6.map((a) => ({ address: ipv6ToBigint(a.address), length: a.prefixLength })),
      };
      this.interfaces.push(iface);
      this.byPort.set(iface.port, iface);
      // Connected routes.
      for (const a of iface.addresses) {
        this.routes.add(a.address, a.length, { iface, via: undefined });
        this.localAddresses.add(a.address);
        if (a.length < 31) {
          this.localAddresses.add((a.address | ~prefixMask(a.length)) >>> 0);
          this.broadcasts.add((a.address | ~prefixMask(a.length)) >>> 0);
        }
      }
      for (const a of iface.ipv6) this.addRoute6({ network: a.address, length: a.length, hop: { iface, via: undefined } });
    }
  }

  private addRoute6(route: { network: bigint; length: number; hop: NextHop6 }): void {
    this.routes6.push(route);
    this.routes6.sort((a, b) => b.length - a.length);
  }

  /** The node's first IPv4 address (traffic "to: node" goes there). */
  get primaryAddress(): number | undefined {
    for (const i of this.interfaces) if (i.addresses[0]) return i.addresses[0].address;
    return undefined;
  }

  protected isLocal(address: number): boolean {
    return this.localAddresses.has(address);
  }

  /** The IP interface on `port`, if the port has one (a switch's OpenFlow ports do not). */
  interfaceOf(port: Port): Interface | undefined {
    return this.byPort.get(port);
  }

  /** Adds a default route via `gateway`, out of the interface whose subnet holds it. */
  protected addDefaultRoute(gateway: number): void {
    const onLink = this.routes.lookup(gateway);
    if (onLink) this.routes.add(0, 0, { iface: onLink.target.iface, via: gateway });
  }

  /** Adds an IPv6 default route via `gateway`, out of the interface whose prefix holds it. */
  protected addDefaultRoute6(gateway: bigint): void {
    const onLink = this.nextHop6(gateway);
    if (onLink) this.addRoute6({ network: 0n, length: 0, hop: { iface: onLink.iface, via: gateway } });
  }

  /** The interface and next hop for an IPv6 destination, or undefined when there is no route. */
  protected nextHop6(dst: bigint): NextHop6 | undefined {
    return this.routes6.find((r) => inPrefix6(dst, r.network, r.length))?.hop;
  }

  /** The IPv6 source address to use on `iface` (its first IPv6 address). */
  protected sourceFor6(iface: Interface): bigint {
    return iface.ipv6[0]?.address ?? 0n;
  }

  receive(port: Port, frame: Frame): void {
    const b = frame.bytes;
    const iface = this.byPort.get(port);
    if (iface === undefined) return;
    if (b.length < ETH_HEADER) {
      this.net.drop(this, port, frame, 'BAD_PACKET', `a ${b.length}-byte frame is shorter than an Ethernet header`);
      return;
    }
    // A NIC takes frames to its own MAC, to broadcast and, once it has IPv6 addresses, to IPv6 multicast (33:33:…); others are not its business.
    const multicast6 = b[0] === 0x33 && b[1] === 0x33 && iface.ipv6.length > 0;
    if (!sameMac(b, 0, iface.mac) && !sameMac(b, 0, BROADCAST) && !multicast6) return;
    const type = u16(b, 12);
    if (type === ETHERTYPE_ARP) this.receiveArp(iface, frame);
    else if (type === ETHERTYPE_IPV4) this.receiveIpv4(iface, frame);
    else if (type === ETHERTYPE_IPV6 && iface.ipv6.length > 0) this.receiveIpv6(iface, frame);
  }

  private receiveIpv6(iface: Interface, frame: Frame): void {
    const b = frame.bytes;
    const o = ETH_HEADER;
    const payloadLength = b.length >= o + 6 ? u16(b, o + 4) : 0;
    if (b.length < o + IPV6_HEADER || (b[o]! >>> 4) !== 6 || payloadLength > b.length - o - IPV6_HEADER) {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', 'not a well-formed IPv6 header');
      return;
    }
    const datagram = b.subarray(o, o + IPV6_HEADER + payloadLength);
    const dst = readIpv6(datagram, 24);
    const own = iface.ipv6.some((a) => a.address === dst);
    // Neighbor Discovery comes to the node's addresses or its solicited-node groups; RFC 4861 §7.1 takes only hop limit 255 (never routed) and a good checksum.
    if (datagram[6] === IPPROTO_ICMPV6 && datagram[7] === 255 && payloadLength >= 24 && icmpv6Checksum(datagram) === 0) {
      const type = datagram[IPV6_HEADER]!;
      if (type === ND_NEIGHBOR_SOLICIT && (own || iface.ipv6.some((a) => solicitedNode(a.address) === dst))) return this.receiveSolicit(iface, datagram);
      if (type === ND_NEIGHBOR_ADVERT && (own || dst === ALL_NODES)) return this.receiveAdvert(datagram);
    }
    if (own) this.local6(iface, frame, datagram);
  }

  /** An IPv6 datagram addressed to this node (other than Neighbor Discovery): nothing here takes it unless a subclass does. */
  protected local6(iface: Interface, frame: Frame, _datagram: Uint8Array): void {
    this.net.drop(this, iface.port, frame, 'NOT_FOR_US', `${this.name} runs no IPv6 service`);
  }

  /** A solicitation for one of our addresses (RFC 4861 §7.2.3): learn the asker, advertise ourselves back to it. */
  private receiveSolicit(iface: Interface, datagram: Uint8Array): void {
    const target = readIpv6(datagram, IPV6_HEADER + 8);
    if (!iface.ipv6.some((a) => a.address === target)) return;
    const src = readIpv6(datagram, 8);
    // From the unspecified address it is duplicate address detection: there is nobody to answer but all nodes.
    const asker = ndOption(datagram, ND_OPT_SOURCE_LL);
    if (src !== 0n && asker !== undefined) this.learn(src, asker);
    const to = src === 0n ? ALL_NODES : src;
    const mac = src === 0n ? multicastMac(ALL_NODES) : asker ?? this.neighbours.get(src)?.mac;
    if (mac === undefined) return;
    iface.port.send(this.net.frame(this.ndPacket(iface, mac, target, to, ND_NEIGHBOR_ADVERT, src === 0n ? NA_OVERRIDE : NA_SOLICITED | NA_OVERRIDE, target, ND_OPT_TARGET_LL)));
  }

  /** An advertisement (RFC 4861 §7.2.5): it answers a solicitation of ours, or refreshes what the cache holds. */
  private receiveAdvert(datagram: Uint8Array): void {
    const target = readIpv6(datagram, IPV6_HEADER + 8);
    const mac = ndOption(datagram, ND_OPT_TARGET_LL);
    if (mac !== undefined && (this.pending.has(target) || this.neighbours.has(target))) this.learn(target, mac);
  }

  /** A Neighbor Discovery message from `src` to `dst` (hop limit 255, as §7.1 requires), with one link-layer address option: ours. */
  private ndPacket(iface: Interface, dstMac: Uint8Array, src: bigint, dst: bigint, type: number, flags: number, target: bigint, option: number): Uint8Array {
    return encode([
      { layer: 'ethernet', dst: macToText(dstMac, 0), src: macToText(iface.mac, 0) },
      { layer: 'ipv6', src: numberToIpv6(src), dst: numberToIpv6(dst), hopLimit: 255 },
      { layer: 'icmpv6', type, code: 0, rest: flags },
      { layer: 'payload', data: new Uint8Array([...ipv6Bytes(target), option, 1, ...iface.mac]) },
    ]);
  }

  private receiveIpv4(iface: Interface, frame: Frame): void {
    const b = frame.bytes;
    const o = ETH_HEADER;
    const ihl = ((b[o] ?? 0) & 0x0f) * 4;
    const totalLength = b.length >= o + 4 ? u16(b, o + 2) : 0;
    if ((b[o] ?? 0) >>> 4 !== 4 || ihl < 20 || b.length < o + ihl || totalLength < ihl || totalLength > b.length - o) {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', 'not a well-formed IPv4 header');
      return;
    }
    if (internetChecksum(b, o, o + ihl) !== 0) {
      this.net.drop(this, iface.port, frame, 'BAD_PACKET', 'IPv4 header checksum is wrong');
      return;
    }
    let datagram = b.subarray(o, o + totalLength);
    const dst = u32(b, o + 16);
    if (!this.isLocal(dst)) {
      this.notLocal(iface, frame, datagram);
      return;
    }
    // Fragments addressed here are put back together first (RFC 1122 §3.3.2), for hosts and routers alike.
    if ((u16(datagram, 6) & 0x3fff) !== 0) {
      const whole = this.reassemble(iface, frame, datagram);
      if (whole === undefined) return;
      datagram = whole;
    }
    this.local(iface, frame, datagram);
  }

  /** Collects fragments (RFC 791 §3.2); returns the whole datagram once every piece is in. */
  private reassemble(iface: Interface, frame: Frame, piece: Uint8Array): Uint8Array | undefined {
    const ihl = (piece[0]! & 0x0f) * 4;
    const flags = u16(piece, 6);
    const offset = (flags & 0x1fff) * 8;
    const key = `${u32(piece, 12)}-${u32(piece, 16)}-${u16(piece, 4)}-${piece[9]}`;
    let r = this.reassembly.get(key);
    if (r === undefined) {
      r = { header: undefined, parts: [], total: undefined, from: frame, iface };
      this.reassembly.set(key, r);
      this.net.scheduler.after(REASSEMBLY_TIMEOUT_NS, this, TIMER_REASSEMBLY, key);
    }
    if (offset === 0) r.header = piece.slice(0, ihl);
    const data = piece.slice(ihl);
    r.parts.push({ offset, data });
    if ((flags & 0x2000) === 0) r.total = offset + data.length;
    if (r.header === undefined || r.total === undefined) return undefined;
    r.parts.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of r.parts) {
      if (p.offset > covered) return undefined;
      covered = Math.max(covered, p.offset + p.data.length);
    }
    if (covered < r.total) return undefined;
    this.reassembly.delete(key);
    const whole = new Uint8Array(r.header.length + r.total);
    whole.set(r.header, 0);
    for (const p of r.parts) whole.set(p.data.subarray(0, Math.max(0, Math.min(p.data.length, r.total - p.offset))), r.header.length + p.offset);
    const v = new DataView(whole.buffer);
    v.setUint16(2, whole.length);
    v.setUint16(6, u16(whole, 6) & 0x4000);
    v.setUint16(10, 0);
    v.setUint16(10, internetChecksum(whole, 0, r.header.length));
    return whole;
  }

  /** A datagram addressed to this node. */
  protected abstract local(iface: Interface, frame: Frame, datagram: Uint8Array): void;
  /** A datagram addressed elsewhere: a router forwards it, a host ignores it. */
  protected abstract notLocal(iface: Interface, frame: Frame, datagram: Uint8Array): void;

  /** The interface and next hop for `dst`, or undefined when there is no route. */
  protected nextHop(dst: number): NextHop | undefined {
    return this.routes.lookup(dst)?.target;
  }

  /** The source address to use on `iface` (its first address). */
  protected sourceFor(iface: Interface): number {
    return iface.addresses[0]?.address ?? 0;
  }

  /** A fresh IPv4 identification. */
  protected ipId(): number {
    const id = this.nextId;
    this.nextId = (this.nextId + 1) & 0xffff || 1;
    return id;
  }

  /**
   * Sends a packet (14 bytes of room, then the IPv4 datagram; the caller hands it over) toward
   * `hop`: fragments it when it is larger than the link's MTU and DF is clear, reports
   * fragmentation needed when DF is set. Returns false when it was dropped for its size.
   */
  protected sendDatagram(hop: NextHop, packet: Uint8Array, from: Frame | undefined, frame?: Frame): boolean {
    const mtu = hop.iface.port.mtu;
    const length = packet.length - ETH_HEADER;
    if (length > mtu) {
      if ((packet[ETH_HEADER + 6]! & 0x40) !== 0) {
        this.net.drop(this, hop.iface.port, frame ?? this.net.frame(packet, from), 'MTU_EXCEEDED', `MTU ${mtu} < ${length} and DF is set`);
        return false;
      }
      for (const piece of fragment(packet, mtu)) this.resolveAndSend(hop, piece, from);
      return true;
    }
    this.resolveAndSend(hop, packet, from);
    return true;
  }

  /**
   * Sends a packet (14 bytes of room, then the IPv6 datagram; the caller hands it over) toward
   * `hop`. Nothing on the way fragments IPv6 (RFC 8200 §5): one larger than the link's MTU is
   * dropped.
   */
  protected sendDatagram6(hop: NextHop6, packet: Uint8Array, from: Frame | undefined): void {
    const mtu = hop.iface.port.mtu;
    const length = packet.length - ETH_HEADER;
    if (length > mtu) {
      this.net.drop(this, hop.iface.port, this.net.frame(packet, from), 'MTU_EXCEEDED', `MTU ${mtu} < ${length}, and IPv6 is not fragmented on the way`);
      return;
    }
    this.resolve(hop.iface, hop.via ?? readIpv6(packet, ETH_HEADER + 24), packet, from);
  }

  private resolveAndSend(hop: NextHop, packet: Uint8Array, from: Frame | undefined): void {
    const neighbour = hop.via ?? u32(packet, ETH_HEADER + 16);
    if (this.broadcasts.has(neighbour)) this.transmit(hop.iface, BROADCAST, packet, from);
    else this.resolve(hop.iface, neighbour, packet, from);
  }

  /** Sends the packet to the neighbour's MAC once known; until ARP or ND answers, queues it. */
  private resolve(iface: Interface, neighbour: NeighbourAddress, packet: Uint8Array, from: Frame | undefined): void {
    const entry = this.neighbours.get(neighbour);
    if (entry !== undefined && entry.expires > this.net.scheduler.now) {
      this.transmit(iface, entry.mac, packet, from);
      return;
    }
    let waiting = this.pending.get(neighbour);
    if (waiting === undefined) {
      waiting = { iface, attempts: 0, queue: [] };
      this.pending.set(neighbour, waiting);
      this.solicit(neighbour);
    }
    if (waiting.queue.length >= ARP_QUEUE) {
      // As Linux's neighbour queue: the oldest waiting packet makes room for the newest.
      const oldest = waiting.queue.shift()!;
      this.net.drop(this, iface.port, this.net.frame(oldest.packet, oldest.from), 'QUEUE_FULL', `${ARP_QUEUE} packets already wait for ${protocolOf(neighbour)} to answer for ${addressText(neighbour)}`);
    }
    waiting.queue.push({ packet, from });
  }

  /** Writes the Ethernet header (IPv4 or IPv6, from the datagram's version) into the packet's room and puts it on the wire. */
  private transmit(iface: Interface, dstMac: Uint8Array, packet: Uint8Array, from: Frame | undefined): void {
    for (let i = 0; i < 6; i++) {
      packet[i] = dstMac[i]!;
      packet[6 + i] = iface.mac[i]!;
    }
    const type = packet[ETH_HEADER]! >>> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    packet[12] = type >>> 8;
    packet[13] = type & 0xff;
    iface.port.send(this.net.frame(packet, from));
  }

  /** One more ARP request, or neighbour solicitation to the target's solicited-node group (RFC 4861 §7.2.2), and the timer for the next. */
  private solicit(target: NeighbourAddress): void {
    const waiting = this.pending.get(target)!;
    waiting.attempts++;
    const iface = waiting.iface;
    const bytes =
      typeof target === 'bigint'
        ? this.ndPacket(iface, multicastMac(solicitedNode(target)), this.sourceFor6(iface), solicitedNode(target), ND_NEIGHBOR_SOLICIT, 0, target, ND_OPT_SOURCE_LL)
        : encode([
            { layer: 'ethernet', dst: 'ff:ff:ff:ff:ff:ff', src: macToText(iface.mac, 0) },
            { layer: 'arp', op: 1, senderMac: macToText(iface.mac, 0), senderIp: numberToIpv4(this.sourceFor(iface)), targetIp: numberToIpv4(target) },
          ]);
    iface.port.send(this.net.frame(bytes));
    this.net.scheduler.after(ARP_RETRY_NS, this, TIMER_ARP_RETRY, target);
  }

  override onEvent(kind: number, payload: unknown, _aux: number): void {
    if (kind === TIMER_REASSEMBLY) {
      const r = this.reassembly.get(payload as string);
      if (r === undefined) return;
      this.reassembly.delete(payload as string);
      this.net.drop(this, r.iface.port, r.from, 'REASSEMBLY_TIMEOUT', `fragments still missing after ${REASSEMBLY_TIMEOUT_NS / 1e9} s`);
      return;
    }
    if (kind !== TIMER_ARP_RETRY) return;
    const target = payload as NeighbourAddress;
    const waiting = this.pending.get(target);
    if (waiting === undefined) return;
    if (waiting.attempts < ARP_ATTEMPTS) {
      this.solicit(target);
      return;
    }
    this.pending.delete(target);
    const why = typeof target === 'bigint' ? `no neighbour advertisement from ${addressText(target)} after ${ARP_ATTEMPTS} solicitations` : `no ARP reply from ${addressText(target)} after ${ARP_ATTEMPTS} requests`;
    for (const q of waiting.queue) this.net.drop(this, waiting.iface.port, this.net.frame(q.packet, q.from), 'ARP_FAILED', why);
  }

  private receiveArp(iface: Interface, frame: Frame): void {
    const b = frame.bytes;
    const o = ETH_HEADER;
    if (b.length < o + 28 || u16(b, o) !== 1 || u16(b, o + 2) !== ETHERTYPE_IPV4 || b[o + 4] !== 6 || b[o + 5] !== 4) return;
    const op = u16(b, o + 6);
    const senderMac = b.slice(o + 8, o + 14);
    const senderIp = u32(b, o + 14);
    const targetIp = u32(b, o + 24);
    const forUs = iface.addresses.some((a) => a.address === targetIp);
    // RFC 826's merge: refresh a known sender; learn it when the request is for us.
    if (this.neighbours.has(senderIp) || forUs || this.pending.has(senderIp)) this.learn(senderIp, senderMac);
    if (op === 1 && forUs) {
      const reply = encode([
        { layer: 'ethernet', dst: macToText(senderMac, 0), src: macToText(iface.mac, 0) },
        { layer: 'arp', op: 2, senderMac: macToText(iface.mac, 0), senderIp: numberToIpv4(targetIp), targetMac: macToText(senderMac, 0), targetIp: numberToIpv4(senderIp) },
      ]);
      iface.port.send(this.net.frame(reply));
    }
  }

  private learn(ip: NeighbourAddress, mac: Uint8Array): void {
    this.neighbours.set(ip, { mac, expires: this.net.scheduler.now + this.arpTimeout });
    const waiting = this.pending.get(ip);
    if (waiting === undefined) return;
    this.pending.delete(ip);
    for (const q of waiting.queue) this.transmit(waiting.iface, mac, q.packet, q.from);
  }

  /**
   * Sends an ICMP error about `original` (its IP header and first 8 bytes quoted, RFC 792)
   * back to its source, unless RFC 1812 §4.3.2.7 says not to.
   */
  protected icmpError(iface: Interface, original: Uint8Array, from: Frame, type: number, code: number, nextHopMtu = 0): void {
    const ihl = (original[0]! & 0x0f) * 4;
    const src = u32(original, 12);
    const dst = u32(original, 16);
    const protocol = original[9]!;
    const laterFragment = (u16(original, 6) & 0x1fff) !== 0;
    const aboutIcmpError = protocol === 1 && original.length > ihl && ![0, 8, 13, 14, 15, 16, 17, 18].includes(original[ihl]!);
    // Not about broadcasts or multicasts, link-layer or IP; not to a source that names no single host.
    const linkBroadcast = sameMac(from.bytes, 0, BROADCAST);
    const groupDst = dst === 0xffffffff || this.broadcasts.has(dst) || dst >>> 28 >= 14;
    const badSrc = src === 0 || src >>> 24 === 127 || src >>> 28 >= 14 || this.broadcasts.has(src);
    if (laterFragment || aboutIcmpError || linkBroadcast || groupDst || badSrc) return;
    const quote = original.subarray(0, Math.min(original.length, ihl + 8));
    const packet = encode([
      { layer: 'ethernet' },
      { layer: 'ipv4', src: numberToIpv4(this.sourceFor(iface)), dst: numberToIpv4(src), id: this.ipId(), ttl: 64 },
      type === 3 ? { layer: 'icmp', type, code, unused: 0, nextHopMtu } : { layer: 'icmp', type, code, unused: 0 },
      { layer: 'payload', data: quote },
    ]);
    const hop = this.nextHop(src);
    if (hop) this.sendDatagram(hop, packet, undefined, from);
  }
}

/**
 * Splits a packet's datagram into fragment packets that fit `mtu` (RFC 791 §3.2): the first
 * keeps every option, later ones only those with the copied flag, padded to 32 bits.
 */
function fragment(packet: Uint8Array, mtu: number): Uint8Array[] {
  const datagram = packet.subarray(ETH_HEADER);
  const ihl = (datagram[0]! & 0x0f) * 4;
  const data = datagram.subarray(ihl);
  const laterHeader = copiedOptionsHeader(datagram.subarray(0, ihl));
  const flags = u16(datagram, 6);
  const baseOffset = flags & 0x1fff;
  const pieces: Uint8Array[] = [];
  for (let off = 0; off < data.length; ) {
    const header = off === 0 ? datagram.subarray(0, ihl) : laterHeader;
    const h = header.length;
    const step = Math.floor((mtu - h) / 8) * 8;
    const chunk = data.subarray(off, Math.min(off + step, data.length));
    const piece = new Uint8Array(ETH_HEADER + h + chunk.length);
    piece.set(header, ETH_HEADER);
    piece.set(chunk, ETH_HEADER + h);
    const more = off + chunk.length < data.length || (flags & 0x2000) !== 0;
    const v = new DataView(piece.buffer, ETH_HEADER);
    v.setUint8(0, 0x40 | (h / 4));
    v.setUint16(2, h + chunk.length);
    v.setUint16(6, (flags & 0x4000) | (more ? 0x2000 : 0) | (baseOffset + off / 8));
    v.setUint16(10, 0);
    v.setUint16(10, internetChecksum(piece, ETH_HEADER, ETH_HEADER + h));
    pieces.push(piece);
    off += chunk.length;
  }
  return pieces;
}

/** The IPv4 header with only the options whose copied flag (0x80) is set, padded with end-of-list. */
function copiedOptionsHeader(header: Uint8Array): Uint8Array {
  const kept: number[] = [];
  for (let o = 20; o < header.length; ) {
    const type = header[o]!;
    if (type === 0) break;
    const length = type === 1 ? 1 : (header[o + 1] ?? 1);
    if (length < 1 || o + length > header.length) break;
    if (type & 0x80) kept.push(...header.subarray(o, o + length));
    o += length;
  }
  while (kept.length % 4) kept.push(0);
  const out = new Uint8Array(20 + kept.length);
  out.set(header.subarray(0, 20), 0);
  out.set(kept, 20);
  return out;
}

/** A new packet (with Ethernet room) holding a copy of `datagram`. */
export function packetOf(datagram: Uint8Array): Uint8Array {
  const packet = new Uint8Array(ETH_HEADER + datagram.length);
  packet.set(datagram, ETH_HEADER);
  return packet;
}

function protocolOf(neighbour: NeighbourAddress): string {
  return typeof neighbour === 'bigint' ? 'neighbour discovery' : 'ARP';
}

/** The solicited-node multicast group of an IPv6 address (RFC 4291 §2.7.1). */
function solicitedNode(address: bigint): bigint {
  return SOLICITED_NODE | (address & 0xffffffn);
}

/** The Ethernet address an IPv6 multicast group is sent to: 33:33 and its low 32 bits (RFC 2464 §7). */
function multicastMac(group: bigint): Uint8Array {
  return new Uint8Array([0x33, 0x33, ...ipv6Bytes(group).subarray(12)]);
}

/** The ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1): 0 when the message is intact. */
function icmpv6Checksum(datagram: Uint8Array): number {
  const length = datagram.length - IPV6_HEADER;
  return finish(sumWords(datagram, 8, datagram.length, length + IPPROTO_ICMPV6));
}

/** The link-layer address in the first ND option of this type after an NS's or NA's target, if any. */
function ndOption(datagram: Uint8Array, type: number): Uint8Array | undefined {
  for (let o = IPV6_HEADER + 24; o + 8 <= datagram.length; ) {
    const length = datagram[o + 1]! * 8;
    if (length === 0) return undefined;
    if (datagram[o] === type && length >= 8) return datagram.slice(o + 2, o + 8);
    o += length;
  }
  return undefined;
}

function sameMac(b: Uint8Array, o: number, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (b[o + i] !== mac[i]) return false;
  return true;
}

