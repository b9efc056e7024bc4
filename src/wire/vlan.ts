/**
 * 802.1Q VLAN tags and 802.1ad (QinQ) stacks of any depth. A tag's TPID is the type field in
 * front of it, so it is written by the layer before (Ethernet, the outer tag, or GRE).
 *
 * A tag is therefore never the first layer, nor one that follows no EtherType field: decode
 * refuses `first: 'vlan'` and encode refuses such a tag, both with NETLOOM_BAD_FIELD, rather
 * than read or invent a TPID that is not in the bytes.
 */
import { u16 } from './read.js';
import type { EncodeFrame, LayerCodec } from './codec.js';
import { ETHERTYPE } from './registry.js';
import { WireError, inRange } from './errors.js';
import { nextEtherType } from './ethernet.js';

const TCI = 0;
const ETHERTYPE_FIELD = 2;
export const VLAN_TAG_LENGTH = 4;
const NO_TYPE_FIELD = 'a VLAN tag must follow ethernet, vlan or gre: its tpid is their type field';

export const vlan: LayerCodec<'vlan'> = {
  decode(c) {
    // The TPID is the type field that chose this layer, already read by the layer before.
    const tpid = c.etherType;
    if (tpid < 0) throw new WireError('NETLOOM_BAD_FIELD', NO_TYPE_FIELD, 'vlan', c.at());
    c.need(VLAN_TAG_LENGTH, 'vlan');
    const o = c.offset;
    const tci = u16(c.bytes, o + TCI);
    const etherType = u16(c.bytes, o + ETHERTYPE_FIELD);
    c.offset = o + VLAN_TAG_LENGTH;
    if (etherType >= 0x0600) c.setNextByEtherType(etherType);
    else c.setNext('payload');
    return { layer: 'vlan', tpid, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff, etherType };
  },
  // Shown in front of the tag; after a GRE header with C, K or S set, its protocol field is further back.
  fields: () => ({ tpid: [-2, 2], pcp: [TCI, 1], dei: [TCI, 1], vid: [TCI, 2], etherType: [ETHERTYPE_FIELD, 2] }),
  headerLength: () => VLAN_TAG_LENGTH,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const pcp = inRange(spec.pcp ?? 0, 7, 'vlan', 'pcp', o);
    const vid = inRange(spec.vid ?? 1, 0xfff, 'vlan', 'vid', o);
    // The type field in front of this tag was written by the layer before; it must agree.
    const typeAt = typeFieldBefore(f, i);
    if (typeAt < 0) throw new WireError('NETLOOM_BAD_FIELD', NO_TYPE_FIELD, 'vlan', o);
    const written = f.view.getUint16(typeAt);
    if (spec.tpid !== undefined && written !== spec.tpid) {
      throw new WireError(
        'NETLOOM_FIELD_CONFLICT',
        `tpid 0x${spec.tpid.toString(16)} differs from the type field before the tag (0x${written.toString(16)})`,
        'vlan',
        o,
      );
    }
    f.view.setUint16(o + TCI, (pcp << 13) | (spec.dei === true ? 0x1000 : 0) | vid);
    f.view.setUint16(o + ETHERTYPE_FIELD, inRange(spec.etherType ?? nextEtherType(f, i), 0xffff, 'vlan', 'etherType', o));
  },
};

/** Where the type field announcing layer i sits (Ethernet's or a tag's EtherType, GRE's protocol), or -1. */
function typeFieldBefore(f: EncodeFrame, i: number): number {
  const before = f.layers[i - 1]?.layer;
  if (before === 'ethernet' || before === 'vlan') return f.starts[i]! - 2;
  if (before === 'gre') return f.starts[i - 1]! + 2; // GRE's protocol type, after its flags
  return -1;
}

/** The TPID for the tag at index j: as set, else 802.1ad's S-tag when another tag follows. */
export function vlanTpid(f: EncodeFrame, j: number): number {
  const tag = f.layers[j];
  if (tag?.layer === 'vlan' && tag.tpid !== undefined) return inRange(tag.tpid, 0xffff, 'vlan', 'tpid', f.starts[j]!);
  return f.layers[j + 1]?.layer === 'vlan' ? ETHERTYPE.QINQ : ETHERTYPE.VLAN;
}
