/**
 * An IPv4 router (RFC 1812): static routes with longest-prefix match, ARP, TTL decrement with
 * ICMP time exceeded, ICMP destination unreachable when there is no route, fragmentation, or
 * fragmentation needed (with the next-hop MTU, RFC 1191) when DF is set. Answers pings to its
 * own addresses.
 */
import type { Frame, Network } from '../sim/network.js';
import { internetChecksum } from '../wire/checksum.js';
import { u32 } from '../wire/read.js';
import { ETH_HEADER, IpNode, type Interface, type InterfaceSpec, packetOf } from './ip-node.js';
import { ipv4ToNumber, numberToIpv4 } from './addressing.js';

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

export class Router extends IpNode {
  constructor(net: Network, spec: RouterSpec) {
    super(net, spec.name, 'router', spec.interfaces, spec.arpTimeout);
    for (const r of spec.routes) {
      const via = r.via === undefined ? undefined : ipv4ToNumber(r.via);
      const iface =
        (r.interface === undefined ? undefined : this.interfaces.find((i) => i.port.name === r.interface)) ??
        (via === undefined ? undefined : this.routes.lookup(via)?.target.iface);
      if (iface === undefined) throw new Error(`router ${spec.name}: route ${r.prefix}/${r.prefixLength} has no interface (the loader should have caught this)`);
      this.routes.add(ipv4ToNumber(r.prefix), r.prefixLength, { iface, via });
    }
  }

  protected local(iface: Interface, frame: Frame, datagram: Uint8Array): void {
    const ihl = (datagram[0]! & 0x0f) * 4;
    // Echo requests to the router itself get answered; anything else addressed to it stops here.
    if (datagram[9] === 1 && datagram[ihl] === 8 && datagram.length >= ihl + 8) {
      const packet = packetOf(datagram);
      const reply = packet.subarray(ETH_HEADER);
      const v = new DataView(packet.buffer, ETH_HEADER);
      const src = u32(datagram, 12);
      v.setUint32(16, src);
      v.setUint32(12, u32(datagram, 16));
      reply[8] = 64;
      reply[ihl] = 0;
      v.setUint16(ihl + 2, 0);
      v.setUint16(ihl + 2, internetChecksum(reply, ihl, reply.length));
      v.setUint16(6, 0);
      v.setUint16(10, 0);
      v.setUint16(10, internetChecksum(reply, 0, ihl));
      if (this.net.recorder.active) this.net.trace(this, iface.port, frame, 'deliver', `ICMP echo request from ${numberToIpv4(src)}: replying`);
      const hop = this.nextHop(src);
      if (hop) this.sendDatagram(hop, packet, undefined);
      return;
    }
    if (this.net.recorder.active) this.net.trace(this, iface.port, frame, 'deliver', `addressed to the router (protocol ${datagram[9]})`);
  }

  protected notLocal(iface: Interface, frame: Frame, datagram: Uint8Array): void {
    const dst = u32(datagram, 16);
    const ttl = datagram[8]!;
    if (ttl <= 1) {
      this.net.drop(this, iface.port, frame, 'TTL_EXCEEDED', `TTL ${ttl} on arrival; ICMP time exceeded to ${numberToIpv4(u32(datagram, 12))}`);
      this.icmpError(iface, datagram, frame, 11, 0);
      return;
    }
    const route = this.routes.lookup(dst);
    if (route === undefined) {
      this.net.drop(this, iface.port, frame, 'NO_ROUTE', `no route to ${numberToIpv4(dst)}; ICMP network unreachable to ${numberToIpv4(u32(datagram, 12))}`);
      this.icmpError(iface, datagram, frame, 3, 0);
      return;
    }
    const hop = route.target;
    if (this.net.recorder.active) {
      const via = hop.via === undefined ? 'directly connected' : `via ${numberToIpv4(hop.via)}`;
      this.net.trace(this, iface.port, frame, 'route', `route ${numberToIpv4(route.network)}/${route.length} ${via} out ${hop.iface.port.name}, TTL ${ttl} → ${ttl - 1}`);
    }
    // Forward a copy (Ethernet room and datagram, as received) with TTL decremented and the header checksum recomputed.
    const packet = frame.bytes.slice(0, ETH_HEADER + datagram.length);
    const o = ETH_HEADER;
    packet[o + 8] = ttl - 1;
    const ihl = (packet[o]! & 0x0f) * 4;
    packet[o + 10] = 0;
    packet[o + 11] = 0;
    const sum = internetChecksum(packet, o, o + ihl);
    packet[o + 10] = sum >>> 8;
    packet[o + 11] = sum & 0xff;
    if (!this.sendDatagram(hop, packet, frame, frame)) this.icmpError(iface, datagram, frame, 3, 4, hop.iface.port.mtu);
  }
}
