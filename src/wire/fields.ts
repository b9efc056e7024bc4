/**
 * Each layer's fields declared as data, as Scapy declares its layers: the field names and their
 * kinds. The spec language (craft.ts) and the JSON reader (json.ts) check values against it.
 */
import type { Ipv6ExtensionHeader, LayerName } from './layers.js';

/**
 * int: a number; bool: true or false; mac, ipv4, ipv6, alg: text; bytes: Uint8Array (hex in
 * JSON and specs); extensions: IPv6 extension header objects (JSON and the library only).
 */
export type FieldKind = 'int' | 'bool' | 'mac' | 'ipv4' | 'ipv6' | 'bytes' | 'alg' | 'extensions';

export const FIELDS: { readonly [N in LayerName]: Readonly<Record<string, FieldKind>> } = {
  ethernet: { dst: 'mac', src: 'mac', etherType: 'int' },
  vlan: { tpid: 'int', pcp: 'int', dei: 'bool', vid: 'int', etherType: 'int' },
  arp: {
    hardwareType: 'int', protocolType: 'int', hardwareLength: 'int', protocolLength: 'int', op: 'int',
    senderMac: 'mac', senderIp: 'ipv4', targetMac: 'mac', targetIp: 'ipv4', padding: 'bytes',
  },
  ipv4: {
    version: 'int', ihl: 'int', dscp: 'int', ecn: 'int', totalLength: 'int', id: 'int', reservedFlag: 'bool',
    df: 'bool', mf: 'bool', fragmentOffset: 'int', ttl: 'int', protocol: 'int', checksum: 'int', src: 'ipv4',
    dst: 'ipv4', options: 'bytes', padding: 'bytes',
  },
  ipv6: {
    version: 'int', trafficClass: 'int', flowLabel: 'int', payloadLength: 'int', nextHeader: 'int', hopLimit: 'int',
    src: 'ipv6', dst: 'ipv6', extensionHeaders: 'extensions', padding: 'bytes',
  },
  icmp: { type: 'int', code: 'int', checksum: 'int', id: 'int', seq: 'int', unused: 'int', nextHopMtu: 'int', rest: 'int' },
  icmpv6: { type: 'int', code: 'int', checksum: 'int', id: 'int', seq: 'int', mtu: 'int', rest: 'int' },
  udp: { srcPort: 'int', dstPort: 'int', length: 'int', checksum: 'int', padding: 'bytes' },
  tcp: {
    srcPort: 'int', dstPort: 'int', seq: 'int', ack: 'int', dataOffset: 'int', reserved: 'int', flags: 'int',
    window: 'int', checksum: 'int', urgentPointer: 'int', options: 'bytes',
  },
  vxlan: { flags: 'int', reserved1: 'int', vni: 'int', reserved2: 'int' },
  gre: {
    checksumPresent: 'bool', keyPresent: 'bool', seqPresent: 'bool', reserved0: 'int', version: 'int', protocol: 'int',
    checksum: 'int', reserved1: 'int', key: 'int', seq: 'int', vsid: 'int', flowId: 'int',
  },
  esp: { spi: 'int', seq: 'int', alg: 'alg', key: 'bytes', iv: 'bytes', padLength: 'int', nextHeader: 'int', icv: 'bytes' },
  payload: { data: 'bytes' },
};

/** An IPv6 extension header's fields by its `header` kind; `required` ones have no default. */
export const EXTENSION_FIELDS: {
  readonly [H in Ipv6ExtensionHeader['header']]: { readonly fields: Readonly<Record<string, FieldKind>>; readonly required: readonly string[] };
} = {
  hopByHop: { fields: { nextHeader: 'int', headerLength: 'int', options: 'bytes' }, required: ['options'] },
  destinationOptions: { fields: { nextHeader: 'int', headerLength: 'int', options: 'bytes' }, required: ['options'] },
  routing: {
    fields: { nextHeader: 'int', headerLength: 'int', routingType: 'int', segmentsLeft: 'int', typeData: 'bytes' },
    required: ['routingType', 'segmentsLeft', 'typeData'],
  },
  fragment: {
    fields: { nextHeader: 'int', reserved: 'int', fragmentOffset: 'int', res: 'int', m: 'bool', identification: 'int' },
    required: ['reserved', 'fragmentOffset', 'res', 'm', 'identification'],
  },
};

/** The kind of `field` in `layer`, or undefined; own properties only ("toString" is no field). */
export function fieldKind(layer: LayerName, field: string): FieldKind | undefined {
  const fields = FIELDS[layer];
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}
