/**
 * GRE (RFC 2784) with the key and sequence number extensions (RFC 2890); NVGRE (RFC 7637)
 * reads the key as a 24-bit VSID and an 8-bit FlowID when the payload is Ethernet (0x6558), which
 * decoding shows only when asked (`nvgre`): an OVS GRE port's key is a key, not a VSID.
 */
import { u16, u32 } from './read.js';
import type { FieldPlaces, LayerCodec } from './codec.js';
import type { Gre } from './layers.js';
import { finish, sumWords } from './checksum.js';
import { WireError, inRange } from './errors.js';
import { ETHERTYPE } from './registry.js';
import { nextEtherType } from './ethernet.js';

const FLAGS_VERSION = 0;
const PROTOCOL = 2;
const C_BIT = 0x8000;
const K_BIT = 0x2000;
const S_BIT = 0x1000;
/** Reserved0 without C, K, S: bit 1 and bits 4-12 of the flags word. */
const RESERVED0_MASK = 0x4ff8;
/** The `reserved0` field is those bits shifted down by 3, where the version sat: 0x800 is bit 1 (R), 0x1ff bits 4-12. */
const RESERVED0_FIELD_MASK = RESERVED0_MASK >>> 3;
export const GRE_MIN_HEADER_LENGTH = 4;

export const gre: LayerCodec<'gre'> = {
  decode(c) {
    c.need(GRE_MIN_HEADER_LENGTH, 'gre');
    const o = c.offset;
    const flags = u16(c.bytes, o + FLAGS_VERSION);
    const checksumPresent = (flags & C_BIT) !== 0;
    const keyPresent = (flags & K_BIT) !== 0;
    const seqPresent = (flags & S_BIT) !== 0;
    const length = GRE_MIN_HEADER_LENGTH + (checksumPresent ? 4 : 0) + (keyPresent ? 4 : 0) + (seqPresent ? 4 : 0);
    c.need(length, 'gre');
    const protocol = u16(c.bytes, o + PROTOCOL);
    const layer: Gre = {
      layer: 'gre',
      checksumPresent,
      keyPresent,
      seqPresent,
      reserved0: (flags & RESERVED0_MASK) >>> 3,
      version: flags & 7,
      protocol,
    };
    let p = o + GRE_MIN_HEADER_LENGTH;
    if (checksumPresent) {
      layer.checksum = u16(c.bytes, p);
      layer.reserved1 = u16(c.bytes, p + 2);
      p += 4;
    }
    if (keyPresent) {
      const key = u32(c.bytes, p);
      layer.key = key;
      if (protocol === ETHERTYPE.TEB && c.nvgre) {
        layer.vsid = key >>> 8;
        layer.flowId = key & 0xff;
      }
      p += 4;
    }
    if (seqPresent) layer.seq = u32(c.bytes, p);
    c.offset = o + length;
    // A GRE header with nothing after it carries nothing, whatever its protocol says.
    if (c.offset >= c.end) c.setNext(undefined);
    else c.setNextByEtherType(protocol);
    return layer;
  },
  fields(layer) {
    const places: FieldPlaces = {
      checksumPresent: [FLAGS_VERSION, 1], keyPresent: [FLAGS_VERSION, 1], seqPresent: [FLAGS_VERSION, 1],
      reserved0: [FLAGS_VERSION, 2], version: [FLAGS_VERSION + 1, 1], protocol: [PROTOCOL, 2],
    };
    let p = GRE_MIN_HEADER_LENGTH;
    if (layer.checksumPresent) {
      places['checksum'] = [p, 2];
      places['reserved1'] = [p + 2, 2];
      p += 4;
    }
    if (layer.keyPresent) {
      places['key'] = [p, 4];
      if (layer.vsid !== undefined) {
        places['vsid'] = [p, 3];
        places['flowId'] = [p + 3, 1];
      }
      p += 4;
    }
    if (layer.seqPresent) places['seq'] = [p, 4];
    return places;
  },
  headerLength(spec, f, i) {
    const o = f.starts[i]!;
    return GRE_MIN_HEADER_LENGTH + (checksumPresent(spec, o) ? 4 : 0) + (keyOf(spec, o) !== undefined ? 4 : 0) + (seqPresent(spec, o) ? 4 : 0);
  },
  write(f, i, spec) {
    const o = f.starts[i]!;
    const v = f.view;
    const key = keyOf(spec, o);
    const reserved0 = spec.reserved0 ?? 0;
    if (!Number.isInteger(reserved0) || reserved0 < 0 || reserved0 > RESERVED0_FIELD_MASK || (reserved0 & ~RESERVED0_FIELD_MASK) !== 0) {
      throw new WireError(
        'NETLOOM_BAD_FIELD',
        `reserved0 ${Number.isInteger(reserved0) && reserved0 >= 0 ? `0x${reserved0.toString(16)}` : String(reserved0)} is not made of 0x800 (bit 1) ` +
          'and 0x1ff (bits 4-12); 0x400 and 0x200 would be K and S: set keyPresent, seqPresent',
        'gre',
        o,
      );
    }
    const flags =
      (checksumPresent(spec, o) ? C_BIT : 0) |
      (key !== undefined ? K_BIT : 0) |
      (seqPresent(spec, o) ? S_BIT : 0) |
      (reserved0 << 3) |
      inRange(spec.version ?? 0, 7, 'gre', 'version', o);
    v.setUint16(o + FLAGS_VERSION, flags & 0xffff);
    v.setUint16(o + PROTOCOL, inRange(spec.protocol ?? nextEtherType(f, i), 0xffff, 'gre', 'protocol', o));
    let p = o + GRE_MIN_HEADER_LENGTH;
    if (checksumPresent(spec, o)) {
      v.setUint16(p, 0);
      v.setUint16(p + 2, inRange(spec.reserved1 ?? 0, 0xffff, 'gre', 'reserved1', o));
      p += 4;
    }
    if (key !== undefined) {
      v.setUint32(p, key);
      p += 4;
    }
    if (seqPresent(spec, o)) v.setUint32(p, inRange(spec.seq ?? 0, 0xffffffff, 'gre', 'seq', o));
  },
  seal(f, i, spec) {
    const o = f.starts[i]!;
    if (!checksumPresent(spec, o)) return;
    const checksum = spec.checksum ?? finish(sumWords(f.buf, o, f.payloadEnds[i]!));
    f.view.setUint16(o + GRE_MIN_HEADER_LENGTH, inRange(checksum, 0xffff, 'gre', 'checksum', o));
  },
};

type GreSpec = Parameters<typeof gre.write>[2];

/** C: as set, else whether a checksum or reserved1 (the rest of that word) is given; never both off and given. */
function checksumPresent(spec: GreSpec, o: number): boolean {
  const given = spec.checksum !== undefined || spec.reserved1 !== undefined;
  if (spec.checksumPresent === false && given) {
    throw new WireError('NETLOOM_FIELD_CONFLICT', `${spec.checksum !== undefined ? 'a checksum' : 'reserved1'} is set but checksumPresent is false`, 'gre', o);
  }
  return spec.checksumPresent ?? given;
}
function seqPresent(spec: GreSpec, o: number): boolean {
  if (spec.seqPresent === false && spec.seq !== undefined) throw new WireError('NETLOOM_FIELD_CONFLICT', 'a seq is set but seqPresent is false', 'gre', o);
  return spec.seqPresent ?? spec.seq !== undefined;
}

/** The key to send: `key`, or the NVGRE VSID and FlowID; undefined when no key is present. */
function keyOf(spec: GreSpec, o: number): number | undefined {
  let key = spec.key;
  if (spec.vsid !== undefined || spec.flowId !== undefined) {
    const nvgre = ((inRange(spec.vsid ?? 0, 0xffffff, 'gre', 'vsid', o) << 8) | inRange(spec.flowId ?? 0, 255, 'gre', 'flowId', o)) >>> 0;
    if (key !== undefined && key !== nvgre) {
      throw new WireError('NETLOOM_FIELD_CONFLICT', `key 0x${key.toString(16)} differs from vsid/flowId (0x${nvgre.toString(16)})`, 'gre', o);
    }
    key = nvgre;
  }
  if (key === undefined) return spec.keyPresent === true ? 0 : undefined;
  if (spec.keyPresent === false) throw new WireError('NETLOOM_FIELD_CONFLICT', 'a key is set but keyPresent is false', 'gre', o);
  return inRange(key, 0xffffffff, 'gre', 'key', o);
}
