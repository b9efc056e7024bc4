/** Ethernet II (and 802.3 length frames, whose body stays payload). */
import { u16 } from './read.js';
import type { DecodeCursor, EncodeFrame, LayerCodec } from './codec.js';
import { macToText, writeMac } from './addresses.js';
import { WireError, inRange } from './errors.js';
import { vlanTpid } from './vlan.js';

const DST = 0;
const SRC = 6;
const ETHERTYPE = 12;
export const ETHERNET_HEADER_LENGTH = 14;
/** IEEE 802 Local Experimental EtherType, used when nothing says what follows. */
export const ETHERTYPE_EXPERIMENTAL = 0x88b5;

export const ethernet: LayerCodec<'ethernet'> = {
  decode(c: DecodeCursor) {
    c.need(ETHERNET_HEADER_LENGTH, 'ethernet');
    const o = c.offset;
    const etherType = u16(c.bytes, o + ETHERTYPE);
    c.offset = o + ETHERNET_HEADER_LENGTH;
    if (etherType >= 0x0600) c.setNextByEtherType(etherType);
    else c.setNext('payload');
    return { layer: 'ethernet', dst: macToText(c.bytes, o + DST), src: macToText(c.bytes, o + SRC), etherType };
  },
  fields: () => ({ dst: [DST, 6], src: [SRC, 6], etherType: [ETHERTYPE, 2] }),
  headerLength: () => ETHERNET_HEADER_LENGTH,
  write(f, i, spec) {
    const o = f.starts[i]!;
    writeMac(spec.dst ?? 'ff:ff:ff:ff:ff:ff', f.buf, o + DST, 'ethernet.dst');
    writeMac(spec.src ?? '00:00:00:00:00:00', f.buf, o + SRC, 'ethernet.src');
    f.view.setUint16(o + ETHERTYPE, inRange(spec.etherType ?? nextEtherType(f, i), 0xffff, 'ethernet', 'etherType', o));
  },
};

/**
 * The EtherType announcing layer i+1, for the type fields of Ethernet, VLAN tags and GRE:
 * a VLAN tag's TPID, or the registry's EtherType for the next layer.
 */
export function nextEtherType(f: EncodeFrame, i: number): number {
  const next = f.layers[i + 1];
  if (next === undefined || next.layer === 'payload') return ETHERTYPE_EXPERIMENTAL;
  if (next.layer === 'vlan') return vlanTpid(f, i + 1);
  const etherType = f.registry.etherTypeFor(next.layer);
  if (etherType === undefined) {
    const self = f.layers[i]!.layer;
    throw new WireError('NETLOOM_BAD_FIELD', `no EtherType is registered for ${next.layer}; set it`, self, f.starts[i]!);
  }
  return etherType;
}
