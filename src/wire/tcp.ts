/** TCP headers (RFC 9293) with options kept as bytes and the pseudo-header checksum. */
import { NO_BYTES, u16, u32 } from './read.js';
import type { LayerCodec } from './codec.js';
import { finish, pseudoHeaderSum, sumWords } from './checksum.js';
import { WireError, inRange } from './errors.js';
import { IPPROTO } from './registry.js';

const SRC_PORT = 0;
const DST_PORT = 2;
const SEQ = 4;
const ACK = 8;
const OFFSET_RESERVED = 12;
const FLAGS = 13;
const WINDOW = 14;
const CHECKSUM = 16;
const URGENT = 18;
export const TCP_MIN_HEADER_LENGTH = 20;
const MAX_OPTIONS = 40;

export const tcp: LayerCodec<'tcp'> = {
  decode(c) {
    const o = c.offset;
    c.need(TCP_MIN_HEADER_LENGTH, 'tcp');
    const b = c.bytes;
    const dataOffset = b[o + OFFSET_RESERVED]! >>> 4;
    const headerLength = dataOffset * 4;
    if (headerLength < TCP_MIN_HEADER_LENGTH) {
      throw new WireError('NETLOOM_BAD_LENGTH', `dataOffset ${dataOffset} is below the minimum of 5`, 'tcp', c.at(o));
    }
    c.need(headerLength, 'tcp');
    c.offset = o + headerLength;
    c.setNext('payload');
    return {
      layer: 'tcp',
      srcPort: u16(b, o + SRC_PORT),
      dstPort: u16(b, o + DST_PORT),
      seq: u32(b, o + SEQ),
      ack: u32(b, o + ACK),
      dataOffset,
      reserved: b[o + OFFSET_RESERVED]! & 0x0f,
      flags: b[o + FLAGS]!,
      window: u16(b, o + WINDOW),
      checksum: u16(b, o + CHECKSUM),
      urgentPointer: u16(b, o + URGENT),
      options: headerLength > TCP_MIN_HEADER_LENGTH ? b.subarray(o + TCP_MIN_HEADER_LENGTH, o + headerLength) : NO_BYTES,
    };
  },
  fields: (layer) => ({
    srcPort: [SRC_PORT, 2], dstPort: [DST_PORT, 2], seq: [SEQ, 4], ack: [ACK, 4], dataOffset: [OFFSET_RESERVED, 1],
    reserved: [OFFSET_RESERVED, 1], flags: [FLAGS, 1], window: [WINDOW, 2], checksum: [CHECKSUM, 2], urgentPointer: [URGENT, 2],
    options: [TCP_MIN_HEADER_LENGTH, layer.options.length],
  }),
  headerLength(spec, f, i) {
    const options = spec.options?.length ?? 0;
    if (options > MAX_OPTIONS) throw new WireError('NETLOOM_BAD_FIELD', `${options} option bytes, at most ${MAX_OPTIONS}`, 'tcp', f.starts[i]!);
    return TCP_MIN_HEADER_LENGTH + ((options + 3) & ~3);
  },
  write(f, i, spec) {
    const o = f.starts[i]!;
    const v = f.view;
    const headerLength = f.starts[i + 1]! - o;
    v.setUint16(o + SRC_PORT, inRange(spec.srcPort ?? 20, 0xffff, 'tcp', 'srcPort', o));
    v.setUint16(o + DST_PORT, inRange(spec.dstPort ?? 80, 0xffff, 'tcp', 'dstPort', o));
    v.setUint32(o + SEQ, inRange(spec.seq ?? 0, 0xffffffff, 'tcp', 'seq', o));
    v.setUint32(o + ACK, inRange(spec.ack ?? 0, 0xffffffff, 'tcp', 'ack', o));
    const dataOffset = inRange(spec.dataOffset ?? headerLength / 4, 15, 'tcp', 'dataOffset', o);
    v.setUint8(o + OFFSET_RESERVED, (dataOffset << 4) | inRange(spec.reserved ?? 0, 15, 'tcp', 'reserved', o));
    v.setUint8(o + FLAGS, inRange(spec.flags ?? 0x02, 255, 'tcp', 'flags', o));
    v.setUint16(o + WINDOW, inRange(spec.window ?? 8192, 0xffff, 'tcp', 'window', o));
    v.setUint16(o + URGENT, inRange(spec.urgentPointer ?? 0, 0xffff, 'tcp', 'urgentPointer', o));
    if (headerLength > TCP_MIN_HEADER_LENGTH) {
      f.buf.fill(0, o + TCP_MIN_HEADER_LENGTH, o + headerLength);
      if (spec.options) f.buf.set(spec.options, o + TCP_MIN_HEADER_LENGTH);
    }
  },
  seal(f, i, spec) {
    const o = f.starts[i]!;
    if (spec.checksum !== undefined) {
      f.view.setUint16(o + CHECKSUM, inRange(spec.checksum, 0xffff, 'tcp', 'checksum', o));
      return;
    }
    f.view.setUint16(o + CHECKSUM, 0);
    const end = f.payloadEnds[i]!;
    const sum = pseudoHeaderSum(f, i, IPPROTO.TCP, end - o);
    f.view.setUint16(o + CHECKSUM, finish(sumWords(f.buf, o, end, sum)));
  },
};
