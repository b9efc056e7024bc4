/**
 * The layer representations: what `decode` returns and `encode` takes. Field names follow the
 * RFC field names in camelCase; MACs and IP addresses are text, numbers are numbers, raw byte
 * fields are Uint8Array (hex in JSON). A decoded layer has every field set, so decode -> encode
 * reproduces the bytes; an encode spec may leave any field unset (see `LayerSpec`).
 */

export interface Ethernet {
  layer: 'ethernet';
  dst: string;
  src: string;
  /** The EtherType, or the first VLAN tag's TPID; values below 0x0600 are an 802.3 length. */
  etherType: number;
}

/** One 802.1Q / 802.1ad tag. `tpid` is the type field in front of the tag (0x8100, 0x88a8). */
export interface Vlan {
  layer: 'vlan';
  tpid: number;
  pcp: number;
  dei: boolean;
  vid: number;
  etherType: number;
}

/** ARP for IPv4 over Ethernet (RFC 826). */
export interface Arp {
  layer: 'arp';
  hardwareType: number;
  protocolType: number;
  hardwareLength: number;
  protocolLength: number;
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
  /** Bytes after the ARP message in the frame (Ethernet padding). */
  padding?: Uint8Array;
}

export interface Ipv4 {
  layer: 'ipv4';
  version: number;
  /** Header length in 32-bit words. */
  ihl: number;
  dscp: number;
  ecn: number;
  totalLength: number;
  id: number;
  /** The reserved flag bit (RFC 791 bit 0; must be zero). */
  reservedFlag: boolean;
  df: boolean;
  mf: boolean;
  /** In 8-octet units, as on the wire. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
  /** Option bytes as on the wire, including end-of-list padding. */
  options: Uint8Array;
  /** Bytes after the datagram (totalLength) in the frame, e.g. Ethernet padding. */
  padding?: Uint8Array;
}

export type Ipv6ExtensionHeader =
  | { header: 'hopByHop' | 'destinationOptions'; nextHeader: number; headerLength: number; options: Uint8Array }
  | {
      header: 'routing';
      nextHeader: number;
      headerLength: number;
      routingType: number;
      segmentsLeft: number;
      /** Type-specific data after Segments Left. */
      typeData: Uint8Array;
    }
  | {
      header: 'fragment';
      nextHeader: number;
      reserved: number;
      /** In 8-octet units. */
      fragmentOffset: number;
      res: number;
      m: boolean;
      identification: number;
    };

export interface Ipv6 {
  layer: 'ipv6';
  version: number;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** The Next Header of the fixed header (the first extension header's type when there is one). */
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
  /** Hop-by-hop, routing, fragment and destination options headers, in wire order. */
  extensionHeaders: Ipv6ExtensionHeader[];
  padding?: Uint8Array;
}

/**
 * ICMPv4 (RFC 792). Echo and echo reply carry `id` and `seq`; destination unreachable carries
 * `unused` and `nextHopMtu` (RFC 1191, code 4); time exceeded carries `unused`; every other
 * type keeps its second word in `rest`.
 * Error messages are followed by the quoted original datagram as layers.
 */
export interface Icmp {
  layer: 'icmp';
  type: number;
  code: number;
  checksum: number;
  id?: number;
  seq?: number;
  /** Destination unreachable: the high 16 bits; time exceeded: all 32 bits. */
  unused?: number;
  nextHopMtu?: number;
  rest?: number;
}

/** ICMPv6 (RFC 4443): echo (128/129) carries id and seq, packet too big carries `mtu`. */
export interface Icmpv6 {
  layer: 'icmpv6';
  type: number;
  code: number;
  checksum: number;
  id?: number;
  seq?: number;
  mtu?: number;
  rest?: number;
}

export interface Udp {
  layer: 'udp';
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
  /** Bytes after the datagram (length) inside the IP payload. */
  padding?: Uint8Array;
}

export interface Tcp {
  layer: 'tcp';
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Header length in 32-bit words. */
  dataOffset: number;
  reserved: number;
  /** CWR ECE URG ACK PSH RST SYN FIN, high bit first (RFC 9293). */
  flags: number;
  window: number;
  checksum: number;
  urgentPointer: number;
  options: Uint8Array;
}

/** VXLAN (RFC 7348). flags 0x08 is the I flag (VNI valid). */
export interface Vxlan {
  layer: 'vxlan';
  flags: number;
  reserved1: number;
  vni: number;
  reserved2: number;
}

/**
 * GRE (RFC 2784 with RFC 2890 key and sequence number). When the key is present and the
 * protocol is transparent Ethernet bridging, `vsid` and `flowId` are the NVGRE view of the key
 * (RFC 7637).
 */
export interface Gre {
  layer: 'gre';
  checksumPresent: boolean;
  keyPresent: boolean;
  seqPresent: boolean;
  /** The remaining Reserved0 bits (bits 1 and 4-12). */
  reserved0: number;
  version: number;
  protocol: number;
  checksum?: number;
  reserved1?: number;
  key?: number;
  seq?: number;
  vsid?: number;
  flowId?: number;
}

export type EspAlgorithm = 'aes-gcm-128' | 'aes-gcm-192' | 'aes-gcm-256' | 'null-hmac-sha256-128';

/**
 * IPsec ESP (RFC 4303). Without a security association the encrypted bytes follow as a
 * payload layer; with one, the decrypted inner layers follow and the trailer fields are set.
 */
export interface Esp {
  layer: 'esp';
  spi: number;
  seq: number;
  alg?: EspAlgorithm;
  /** The key material (AES-GCM: key then 4-byte salt); set on encode, never by decode. */
  key?: Uint8Array;
  /** Explicit IV (8 bytes for AES-GCM). */
  iv?: Uint8Array;
  padLength?: number;
  nextHeader?: number;
  icv?: Uint8Array;
}

export interface Payload {
  layer: 'payload';
  data: Uint8Array;
}

export type Layer = Ethernet | Vlan | Arp | Ipv4 | Ipv6 | Icmp | Icmpv6 | Udp | Tcp | Vxlan | Gre | Esp | Payload;
export type LayerName = Layer['layer'];

type Spec<L> = { [K in keyof L]?: L[K] | undefined };

/** An extension header for `encode`: nextHeader and headerLength are computed when unset. */
export type Ipv6ExtensionHeaderSpec = Ipv6ExtensionHeader extends infer H
  ? H extends { header: string }
    ? Omit<H, 'nextHeader' | 'headerLength'> & Spec<Pick<H, Extract<keyof H, 'nextHeader' | 'headerLength'>>>
    : never
  : never;

type SpecFor<L extends Layer> = { layer: L['layer'] } & (L extends Ipv6
  ? Spec<Omit<Ipv6, 'layer' | 'extensionHeaders'>> & { extensionHeaders?: Ipv6ExtensionHeaderSpec[] | undefined }
  : Spec<Omit<L, 'layer'>>);

/** A layer for `encode`: any field left unset is defaulted or computed. */
export type LayerSpec = { [N in LayerName]: SpecFor<Extract<Layer, { layer: N }>> }[LayerName];
export type SpecOf<N extends LayerName> = SpecFor<Extract<Layer, { layer: N }>>;

export const LAYER_NAMES: readonly LayerName[] = [
  'ethernet', 'vlan', 'arp', 'ipv4', 'ipv6', 'icmp', 'icmpv6', 'udp', 'tcp', 'vxlan', 'gre', 'esp', 'payload',
];

export function isLayerName(name: string): name is LayerName {
  return (LAYER_NAMES as readonly string[]).includes(name);
}
