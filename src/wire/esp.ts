/**
 * IPsec ESP (RFC 4303) in tunnel mode (next header 4 or 41) and transport mode. Given a
 * security association the layers after `esp` are encrypted on encode and decrypted on decode;
 * without one the protected bytes stay a payload layer.
 */
import { u32 } from './read.js';
import type { DecodeCursor, EncodeContext, LayerCodec } from './codec.js';
import type { Esp, EspAlgorithm, SpecOf } from './layers.js';
import { WireError, inRange } from './errors.js';
import { algorithmInfo, espOpen, espSeal, type SecurityAssociation } from './esp-sa.js';
import { nextIpProtocol } from './ipv4.js';

const SPI = 0;
const SEQ = 4;
export const ESP_HEADER_LENGTH = 8;
/** RFC 4303 §2.4: the ciphertext (payload, padding, pad length, next header) ends 4-byte aligned. */
const ALIGN = 4;

interface ResolvedSa {
  alg: EspAlgorithm;
  key: Uint8Array;
}

/**
 * The algorithm and key for an esp spec: its own key, else the SA for its SPI (a decoded esp
 * layer names its alg but carries no key); none means the payload is sent as it is.
 */
function resolveSa(spec: SpecOf<'esp'>, ctx: EncodeContext): ResolvedSa | undefined {
  if (spec.key !== undefined) {
    if (spec.alg === undefined) throw new WireError('NETLOOM_BAD_FIELD', 'a key needs an alg', 'esp', 0);
    return { alg: spec.alg, key: spec.key };
  }
  const sa = ctx.espSAs.find((s) => s.spi === (spec.spi ?? 0));
  if (sa === undefined && spec.alg !== undefined) {
    throw new WireError('NETLOOM_ESP_NO_SA', `alg ${spec.alg} but no key and no SA for spi ${spec.spi ?? 0}`, 'esp', 0);
  }
  if (sa !== undefined && spec.alg !== undefined && spec.alg !== sa.alg) {
    throw new WireError('NETLOOM_FIELD_CONFLICT', `alg ${spec.alg} differs from the SA's ${sa.alg}`, 'esp', 0);
  }
  return sa;
}

function padLengthFor(spec: SpecOf<'esp'>, payloadLength: number): number {
  return spec.padLength ?? (ALIGN - ((payloadLength + 2) % ALIGN)) % ALIGN;
}

export const esp: LayerCodec<'esp'> = {
  decode(c: DecodeCursor) {
    c.need(ESP_HEADER_LENGTH, 'esp');
    const o = c.offset;
    const spi = u32(c.bytes, o + SPI);
    const seq = u32(c.bytes, o + SEQ);
    const sa = c.espSAs.find((s) => s.spi === spi);
    c.offset = o + ESP_HEADER_LENGTH;
    if (sa === undefined) {
      c.setNext('payload');
      return { layer: 'esp', spi, seq };
    }
    return decrypt(c, sa, o, spi, seq);
  },
  fields(layer, carried) {
    const iv = layer.iv?.length ?? 0;
    // The trailer follows what ESP carries: padding, pad length, next header, then the ICV.
    const trailer = ESP_HEADER_LENGTH + iv + carried + (layer.padLength ?? 0);
    return {
      spi: [SPI, 4], seq: [SEQ, 4], iv: [ESP_HEADER_LENGTH, iv],
      padLength: [trailer, 1], nextHeader: [trailer + 1, 1], icv: [trailer + 2, layer.icv?.length ?? 0],
    };
  },
  headerLength(spec, ctx) {
    const sa = resolveSa(spec, ctx);
    return ESP_HEADER_LENGTH + (sa ? algorithmInfo(sa.alg, 0).ivLength : 0);
  },
  trailerLength(spec, payloadLength, ctx) {
    const sa = resolveSa(spec, ctx);
    if (sa === undefined) return 0;
    return padLengthFor(spec, payloadLength) + 2 + algorithmInfo(sa.alg, 0).icvLength;
  },
  write(f, i, spec) {
    const o = f.starts[i]!;
    f.view.setUint32(o + SPI, inRange(spec.spi ?? 0, 0xffffffff, 'esp', 'spi', o));
    f.view.setUint32(o + SEQ, inRange(spec.seq ?? 1, 0xffffffff, 'esp', 'seq', o));
  },
  seal(f, i, spec) {
    const sa = resolveSa(spec, f);
    if (sa === undefined) return;
    const o = f.starts[i]!;
    const info = algorithmInfo(sa.alg, o);
    const start = f.starts[i + 1]!;
    const payloadEnd = f.payloadEnds[i]!;
    const padLength = inRange(padLengthFor(spec, payloadEnd - start), 255, 'esp', 'padLength', o);
    const trailerEnd = payloadEnd + padLength + 2;
    // RFC 4303 §2.4: padding bytes are 1, 2, 3, ...
    for (let k = 0; k < padLength; k++) f.buf[payloadEnd + k] = k + 1;
    f.buf[payloadEnd + padLength] = padLength;
    f.buf[payloadEnd + padLength + 1] = inRange(spec.nextHeader ?? nextIpProtocol(f, i), 255, 'esp', 'nextHeader', o);
    // The explicit IV defaults to the sequence number, unique per packet under one key (RFC 4106 §3.1).
    const iv = spec.iv ?? defaultIv(f.view.getUint32(o + SEQ), info.ivLength);
    if (iv.length !== info.ivLength) throw new WireError('NETLOOM_BAD_FIELD', `iv is ${iv.length} bytes, ${sa.alg} takes ${info.ivLength}`, 'esp', o);
    f.buf.set(iv, o + ESP_HEADER_LENGTH);
    const sealed = espSeal(sa.alg, sa.key, f.buf.subarray(o, o + ESP_HEADER_LENGTH), iv, f.buf.subarray(start, trailerEnd), o);
    f.buf.set(sealed.ciphertext, start);
    f.buf.set(spec.icv ?? sealed.icv, trailerEnd);
  },
};

function defaultIv(seq: number, length: number): Uint8Array {
  const iv = new Uint8Array(length);
  if (length >= 4) new DataView(iv.buffer).setUint32(length - 4, seq);
  return iv;
}

function decrypt(c: DecodeCursor, sa: SecurityAssociation, o: number, spi: number, seq: number): Esp {
  const info = algorithmInfo(sa.alg, c.at(o));
  c.need(info.ivLength + 2 + info.icvLength, 'esp');
  if (sa.replayWindow) {
    const verdict = sa.replayWindow.check(seq);
    if (verdict !== 'new') throw new WireError('NETLOOM_ESP_REPLAY', `sequence number ${seq} is ${verdict}`, 'esp', c.at(o + SEQ));
  }
  const b = c.bytes;
  const ivStart = o + ESP_HEADER_LENGTH;
  const start = ivStart + info.ivLength;
  const icvStart = c.end - info.icvLength;
  const iv = b.slice(ivStart, start);
  const icv = b.slice(icvStart, c.end);
  const plaintext = espOpen(sa.alg, sa.key, b.subarray(o, ivStart), iv, b.subarray(start, icvStart), icv, c.at(o));
  sa.replayWindow?.accept(seq);
  const padLength = plaintext[plaintext.length - 2]!;
  const nextHeader = plaintext[plaintext.length - 1]!;
  const innerEnd = plaintext.length - 2 - padLength;
  if (innerEnd < 0) {
    throw new WireError('NETLOOM_ESP_BAD_PADDING', `padLength ${padLength} exceeds the ${plaintext.length - 2} bytes before it`, 'esp', c.at(icvStart - 2));
  }
  for (let k = 0; k < padLength; k++) {
    if (plaintext[innerEnd + k] !== k + 1) {
      throw new WireError('NETLOOM_ESP_BAD_PADDING', `padding byte ${k} is ${plaintext[innerEnd + k]}, expected ${k + 1} (RFC 4303 §2.4)`, 'esp', c.at(start + innerEnd + k));
    }
  }
  // Continue in the plaintext; AES-GCM and NULL keep positions, so error offsets stay true.
  c.bytes = plaintext;
  c.base += start;
  c.offset = 0;
  c.end = innerEnd;
  c.setNext(c.registry.layerForIpProtocol(nextHeader) ?? 'payload');
  return { layer: 'esp', spi, seq, alg: sa.alg, iv, padLength, nextHeader, icv };
}
