/**
 * 802.1Q VLAN tags and 802.1ad (QinQ) stacks of any depth. A tag's TPID is the type field in
 * front of it, so it is written by the layer before (Ethernet or the outer tag).
 */
import { u16 } from './read.js';
import type { LayerCodec } from './codec.js';
import type { LayerSpec } from './layers.js';
import { ETHERTYPE } from './registry.js';
import { WireError } from './errors.js';
import { nextEtherType } from './ethernet.js';

const TCI = 0;
const ETHERTYPE_FIELD = 2;
export const VLAN_TAG_LENGTH = 4;

export const vlan: LayerCodec<'vlan'> = {
  decode(c) {
    c.need(VLAN_TAG_LENGTH, 'vlan');
    const o = c.offset;
    // The TPID is the two bytes in front of the tag, already read by the layer before.
    const tpid = u16(c.bytes, o - 2);
    const tci = u16(c.bytes, o + TCI);
    const etherType = u16(c.bytes, o + ETHERTYPE_FIELD);
    c.offset = o + VLAN_TAG_LENGTH;
    c.setNext(etherType >= 0x0600 ? (c.registry.layerForEtherType(etherType) ?? 'payload') : 'payload');
    return { layer: 'vlan', tpid, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff, etherType };
  },
  // The TPID sits in front of the tag.
  fields: () => ({ tpid: [-2, 2], pcp: [TCI, 1], dei: [TCI, 1], vid: [TCI, 2], etherType: [ETHERTYPE_FIELD, 2] }),
  headerLength: () => VLAN_TAG_LENGTH,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const pcp = spec.pcp ?? 0;
    const vid = spec.vid ?? 1;
    if (pcp > 7 || pcp < 0) throw new WireError('NETLOOM_BAD_FIELD', `pcp ${pcp} is not 0-7`, 'vlan', o);
    if (vid > 0xfff || vid < 0) throw new WireError('NETLOOM_BAD_FIELD', `vid ${vid} is not 0-4095`, 'vlan', o);
    // The type field in front of this tag was written by the layer before; it must agree.
    const written = o >= 2 ? f.view.getUint16(o - 2) : undefined;
    if (spec.tpid !== undefined && written !== spec.tpid) {
      throw new WireError(
        'NETLOOM_FIELD_CONFLICT',
        `tpid 0x${spec.tpid.toString(16)} differs from the type field before the tag (0x${(written ?? 0).toString(16)})`,
        'vlan',
        o,
      );
    }
    f.view.setUint16(o + TCI, (pcp << 13) | (spec.dei === true ? 0x1000 : 0) | vid);
    f.view.setUint16(o + ETHERTYPE_FIELD, spec.etherType ?? nextEtherType(f, i));
  },
};

/** The TPID for the tag at index j: as set, else 802.1ad's S-tag when another tag follows. */
export function vlanTpid(layers: readonly LayerSpec[], j: number): number {
  const tag = layers[j];
  if (tag?.layer === 'vlan' && tag.tpid !== undefined) return tag.tpid;
  return layers[j + 1]?.layer === 'vlan' ? ETHERTYPE.QINQ : ETHERTYPE.VLAN;
}
