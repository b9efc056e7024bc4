/** ARP for IPv4 over Ethernet (RFC 826). Other hardware/protocol pairs stay payload. */
import type { Arp } from './layers.js';
import { u16 } from './read.js';
import type { LayerCodec } from './codec.js';
import { payload } from './payload.js';
import { ipv4ToText, macToText, writeIpv4, writeMac } from './addresses.js';
import { inRange } from './errors.js';

const HTYPE = 0;
const PTYPE = 2;
const HLEN = 4;
const PLEN = 5;
const OPER = 6;
const SHA = 8;
const SPA = 14;
const THA = 18;
const TPA = 24;
export const ARP_LENGTH = 28;

export const arp: LayerCodec<'arp'> = {
  decode(c) {
    const o = c.offset;
    c.need(OPER, 'arp');
    if (u16(c.bytes, o + HTYPE) !== 1 || u16(c.bytes, o + PTYPE) !== 0x0800 || c.bytes[o + HLEN]! !== 6 || c.bytes[o + PLEN]! !== 4) {
      return payload.decode(c);
    }
    c.need(ARP_LENGTH, 'arp');
    c.offset = o + ARP_LENGTH;
    const padding = c.narrow(0);
    c.setNext(undefined);
    const b = c.bytes;
    const layer: Arp = {
      layer: 'arp',
      hardwareType: 1,
      protocolType: 0x0800,
      hardwareLength: 6,
      protocolLength: 4,
      op: u16(c.bytes, o + OPER),
      senderMac: macToText(b, o + SHA),
      senderIp: ipv4ToText(b, o + SPA),
      targetMac: macToText(b, o + THA),
      targetIp: ipv4ToText(b, o + TPA),
    };
    if (padding) layer.padding = padding;
    return layer;
  },
  fields: (layer) => ({
    hardwareType: [HTYPE, 2], protocolType: [PTYPE, 2], hardwareLength: [HLEN, 1], protocolLength: [PLEN, 1], op: [OPER, 2],
    senderMac: [SHA, 6], senderIp: [SPA, 4], targetMac: [THA, 6], targetIp: [TPA, 4],
    ...(layer.padding && { padding: [ARP_LENGTH, layer.padding.length] }),
  }),
  headerLength: () => ARP_LENGTH,
  trailerLength: (spec) => spec.padding?.length ?? 0,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const v = f.view;
    v.setUint16(o + HTYPE, inRange(spec.hardwareType ?? 1, 0xffff, 'arp', 'hardwareType', o));
    v.setUint16(o + PTYPE, inRange(spec.protocolType ?? 0x0800, 0xffff, 'arp', 'protocolType', o));
    v.setUint8(o + HLEN, inRange(spec.hardwareLength ?? 6, 255, 'arp', 'hardwareLength', o));
    v.setUint8(o + PLEN, inRange(spec.protocolLength ?? 4, 255, 'arp', 'protocolLength', o));
    v.setUint16(o + OPER, inRange(spec.op ?? 1, 0xffff, 'arp', 'op', o));
    writeMac(spec.senderMac ?? '00:00:00:00:00:00', f.buf, o + SHA, 'arp.senderMac');
    writeIpv4(spec.senderIp ?? '0.0.0.0', f.buf, o + SPA, 'arp.senderIp');
    writeMac(spec.targetMac ?? '00:00:00:00:00:00', f.buf, o + THA, 'arp.targetMac');
    writeIpv4(spec.targetIp ?? '0.0.0.0', f.buf, o + TPA, 'arp.targetIp');
    if (spec.padding) f.buf.set(spec.padding, f.payloadEnds[i]!);
  },
};
