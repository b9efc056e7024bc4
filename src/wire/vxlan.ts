/** VXLAN (RFC 7348): 8 bytes, the I flag (0x08) and a 24-bit VNI; an Ethernet frame follows. */
import { u32 } from './read.js';
import type { LayerCodec } from './codec.js';
import { inRange } from './errors.js';

const FLAGS = 0;
const VNI = 4;
const RESERVED2 = 7;
export const VXLAN_HEADER_LENGTH = 8;
export const VXLAN_FLAG_I = 0x08;

export const vxlan: LayerCodec<'vxlan'> = {
  decode(c) {
    c.need(VXLAN_HEADER_LENGTH, 'vxlan');
    const o = c.offset;
    c.offset = o + VXLAN_HEADER_LENGTH;
    c.setNext('ethernet');
    return {
      layer: 'vxlan',
      flags: c.bytes[o + FLAGS]!,
      reserved1: u32(c.bytes, o + FLAGS) & 0xffffff,
      vni: u32(c.bytes, o + VNI) >>> 8,
      reserved2: c.bytes[o + RESERVED2]!,
    };
  },
  fields: () => ({ flags: [FLAGS, 1], reserved1: [FLAGS + 1, 3], vni: [VNI, 3], reserved2: [RESERVED2, 1] }),
  headerLength: () => VXLAN_HEADER_LENGTH,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const v = f.view;
    v.setUint32(o + FLAGS, inRange(spec.reserved1 ?? 0, 0xffffff, 'vxlan', 'reserved1', o));
    v.setUint8(o + FLAGS, inRange(spec.flags ?? VXLAN_FLAG_I, 255, 'vxlan', 'flags', o));
    v.setUint32(o + VNI, (inRange(spec.vni ?? 0, 0xffffff, 'vxlan', 'vni', o) << 8) >>> 0);
    v.setUint8(o + RESERVED2, inRange(spec.reserved2 ?? 0, 255, 'vxlan', 'reserved2', o));
  },
};
