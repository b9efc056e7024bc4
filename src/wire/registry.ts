/**
 * The layer registry: which layer follows which (EtherType, IP protocol, UDP destination port
 * -> next layer), as gopacket's layer registrations and Scapy's bind_layers. Encoders read it
 * backwards to fill next-protocol fields the caller left unset.
 */
import type { LayerName } from './layers.js';

export const ETHERTYPE = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8, IPV6: 0x86dd, TEB: 0x6558, MPLS: 0x8847, MPLS_MCAST: 0x8848 } as const;
/** MPLS, unicast or multicast (RFC 5332). */
export const isMplsEtherType = (type: number | undefined): boolean => type === ETHERTYPE.MPLS || type === ETHERTYPE.MPLS_MCAST;
export const IPPROTO = {
  HOPOPTS: 0, ICMP: 1, IPIP: 4, TCP: 6, UDP: 17, IPV6: 41, ROUTING: 43, FRAGMENT: 44,
  GRE: 47, ESP: 50, ICMPV6: 58, NONE: 59, DSTOPTS: 60,
} as const;
export const VXLAN_PORT = 4789;

export class LayerRegistry {
  private readonly etherTypes = new Map<number, LayerName>();
  private readonly ipProtocols = new Map<number, LayerName>();
  private readonly udpPorts = new Map<number, LayerName>();
  // The first number bound to each layer, for encoders filling next-protocol fields.
  private readonly etherTypeOf = new Map<LayerName, number>();
  private readonly ipProtocolOf = new Map<LayerName, number>();
  private readonly udpPortOf = new Map<LayerName, number>();
  private frozen = false;

  /** A copy to extend without touching the original (e.g. the default registry). */
  clone(): LayerRegistry {
    const copy = new LayerRegistry();
    for (const [k, v] of this.etherTypes) copy.bindEtherType(k, v);
    for (const [k, v] of this.ipProtocols) copy.bindIpProtocol(k, v);
    for (const [k, v] of this.udpPorts) copy.bindUdpPort(k, v);
    return copy;
  }

  /** Makes every later bind* throw; for registries shared by everyone, such as defaultRegistry. */
  freeze(): this {
    this.frozen = true;
    return this;
  }

  /** Also used for GRE's protocol type field, which holds EtherTypes. */
  bindEtherType(etherType: number, layer: LayerName): this {
    this.checkNotFrozen();
    this.etherTypes.set(etherType, layer);
    if (!this.etherTypeOf.has(layer)) this.etherTypeOf.set(layer, etherType);
    return this;
  }
  bindIpProtocol(protocol: number, layer: LayerName): this {
    this.checkNotFrozen();
    this.ipProtocols.set(protocol, layer);
    if (!this.ipProtocolOf.has(layer)) this.ipProtocolOf.set(layer, protocol);
    return this;
  }
  /** Datagrams to this UDP destination port carry `layer` (e.g. VXLAN on 8472). */
  bindUdpPort(port: number, layer: LayerName): this {
    this.checkNotFrozen();
    this.udpPorts.set(port, layer);
    if (!this.udpPortOf.has(layer)) this.udpPortOf.set(layer, port);
    return this;
  }

  layerForEtherType(etherType: number): LayerName | undefined {
    return this.etherTypes.get(etherType);
  }
  layerForIpProtocol(protocol: number): LayerName | undefined {
    return this.ipProtocols.get(protocol);
  }
  layerForUdpPort(port: number): LayerName | undefined {
    return this.udpPorts.get(port);
  }

  /** The first EtherType bound to `layer`. */
  etherTypeFor(layer: LayerName): number | undefined {
    return this.etherTypeOf.get(layer);
  }
  ipProtocolFor(layer: LayerName): number | undefined {
    return this.ipProtocolOf.get(layer);
  }
  udpPortFor(layer: LayerName): number | undefined {
    return this.udpPortOf.get(layer);
  }

  // A programming mistake rather than bad input, so a TypeError (as writing to a frozen object).
  private checkNotFrozen(): void {
    if (this.frozen) throw new TypeError('this registry is frozen (defaultRegistry is shared by every decode and encode); bind on registry.clone() instead');
  }
}

/** The bindings every decode and encode uses unless given another registry; frozen: extend a clone(). */
export const defaultRegistry: LayerRegistry = new LayerRegistry()
  .bindEtherType(ETHERTYPE.IPV4, 'ipv4')
  .bindEtherType(ETHERTYPE.ARP, 'arp')
  .bindEtherType(ETHERTYPE.VLAN, 'vlan')
  .bindEtherType(ETHERTYPE.QINQ, 'vlan')
  .bindEtherType(ETHERTYPE.IPV6, 'ipv6')
  .bindEtherType(ETHERTYPE.TEB, 'ethernet')
  .bindIpProtocol(IPPROTO.ICMP, 'icmp')
  .bindIpProtocol(IPPROTO.IPIP, 'ipv4')
  .bindIpProtocol(IPPROTO.TCP, 'tcp')
  .bindIpProtocol(IPPROTO.UDP, 'udp')
  .bindIpProtocol(IPPROTO.IPV6, 'ipv6')
  .bindIpProtocol(IPPROTO.GRE, 'gre')
  .bindIpProtocol(IPPROTO.ESP, 'esp')
  .bindIpProtocol(IPPROTO.ICMPV6, 'icmpv6')
  .bindUdpPort(VXLAN_PORT, 'vxlan')
  .freeze();
