/**
 * IPsec ESP (RFC 4303) in tunnel mode (next header 4 or 41) and transport mode. Given a
 * security association the layers after `esp` are encrypted on encode and decrypted on decode;
 * without one the protected bytes stay a payload layer.
 */
import { u32 } from './read.js';
import type { DecodeCursor, EncodeFrame, EspKeying, LayerCodec } from './codec.js';
import type { Esp, LayerSpec, SpecOf } from './layers.js';
import { WireError, inRange } from './errors.js';
import { algorithmInfo, espOpen, espSeal, type SecurityAssociation } from './esp-sa.js';
import { nextIpProtocol } from './ipv4.js';
import { ICMP_ERRORS, ICMP_TYPE, ICMPV6_TYPE } from './icmp.js';

const SPI = 0;
const SEQ = 4;
export const ESP_HEADER_LENGTH = 8;
/** RFC 4303 §2.4: the ciphertext (payload, padding, pad length, next header) ends 4-byte aligned. */
const ALIGN = 4;

/** The SA for `spi`: a loop, not a closure per packet. */
function saFor(sas: readonly SecurityAssociation[], spi: number): SecurityAssociation | undefined {
  for (let k = 0; k < sas.length; k++) if (sas[k]!.spi === spi) return sas[k];
  return undefined;
}

/**
 * The algorithm and key for esp spec i at byte `at`: its own key, else the SA for its SPI (a
 * decoded esp layer names its alg but carries no key); none means the bytes after the header
 * are sent as they are.
 */
function resolveSa(spec: SpecOf<'esp'>, f: EncodeFrame, i: number, at: number): EspKeying | undefined {
  if (spec.key !== undefined) {
    if (spec.alg === undefined) throw new WireError('NETLOOM_BAD_FIELD', 'a key needs an alg', 'esp', at);
    return spec as EspKeying; // it has both: no object per packet
  }
  const spi = spec.spi ?? 0;
  // Without an alg, an SA is used only where decode would open the packet, so the opaque esp
  // layer decode returns in a quote or a fragment encodes back to the same bytes.
  const sa = spec.alg === undefined && inPacketCutShort(f.layers, i) ? undefined : saFor(f.espSAs, spi);
  if (sa === undefined && spec.alg !== undefined) {
    throw new WireError('NETLOOM_ESP_NO_SA', `alg ${spec.alg} but no key and no SA for spi ${spi}`, 'esp', at);
  }
  if (sa !== undefined && spec.alg !== undefined && spec.alg !== sa.alg) {
    throw new WireError('NETLOOM_FIELD_CONFLICT', `alg ${spec.alg} differs from the SA's ${sa.alg}`, 'esp', at);
  }
  // Unkeyed, ESP carries its bytes as they are: ciphertext given as payload, never layers in plaintext.
  const after = f.layers.length - i - 1;
  if (sa === undefined && !inPacketCutShort(f.layers, i) && (after > 1 || (after === 1 && f.layers[i + 1]!.layer !== 'payload'))) {
    const names = f.layers.slice(i + 1).map((l) => l.layer).join('/');
    throw new WireError('NETLOOM_ESP_NO_SA', `no alg and key, and no SA for spi ${spi}: ${names} would go out unencrypted; give alg and key (or an SA), or follow esp with payload (its ciphertext)`, 'esp', at);
  }
  return sa;
}

/** Whether layer i follows an ICMP error header or an IP fragment's header, as DecodeCursor.partial. */
function inPacketCutShort(layers: readonly LayerSpec[], i: number): boolean {
  for (let k = 0; k < i; k++) {
    const l = layers[k]!;
    if (l.layer === 'icmp' && ICMP_ERRORS.has(l.type ?? ICMP_TYPE.ECHO_REQUEST)) return true;
    if (l.layer === 'icmpv6' && (l.type ?? ICMPV6_TYPE.ECHO_REQUEST) < 128) return true;
    if (l.layer === 'ipv4' && (l.mf === true || (l.fragmentOffset ?? 0) !== 0)) return true;
    const headers = l.layer === 'ipv6' ? l.extensionHeaders : undefined;
    if (headers !== undefined) {
      for (let h = 0; h < headers.length; h++) {
        const header = headers[h]!;
        if (header.header === 'fragment' && (header.m || header.fragmentOffset !== 0)) return true;
      }
    }
  }
  return false;
}

function padLengthFor(spec: SpecOf<'esp'>, payloadLength: number, at: number): number {
  return spec.padLength === undefined ? (ALIGN - ((payloadLength + 2) % ALIGN)) % ALIGN : inRange(spec.padLength, 255, 'esp', 'padLength', at);
}

export const esp: LayerCodec<'esp'> = {
  decode(c: DecodeCursor) {
    c.need(ESP_HEADER_LENGTH, 'esp');
    const o = c.offset;
    const spi = u32(c.bytes, o + SPI);
    const seq = u32(c.bytes, o + SEQ);
    c.offset = o + ESP_HEADER_LENGTH;
    // Inside an ICMP quote or a first fragment the packet is cut short: there is no ICV to check,
    // nothing to decrypt, and the replay window must not see a sequence number it cannot verify.
    const sa = c.partial ? undefined : saFor(c.espSAs, spi);
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
  headerLength(spec, f, i) {
    // Resolved once per packet here (layout runs first), then reused by trailerLength and seal.
    const at = f.starts[i]!;
    const keying = resolveSa(spec, f, i, at);
    f.espKeying[i] = keying;
    return ESP_HEADER_LENGTH + (keying ? algorithmInfo(keying.alg, at).ivLength : 0);
  },
  trailerLength(spec, payloadLength, f, i) {
    const keying = f.espKeying[i];
    if (keying === undefined) return 0;
    const at = f.starts[i]!;
    return padLengthFor(spec, payloadLength, at) + 2 + algorithmInfo(keying.alg, at).icvLength;
  },
  write(f, i, spec) {
    const o = f.starts[i]!;
    f.view.setUint32(o + SPI, inRange(spec.spi ?? 0, 0xffffffff, 'esp', 'spi', o));
    f.view.setUint32(o + SEQ, inRange(spec.seq ?? 1, 0xffffffff, 'esp', 'seq', o));
  },
  seal(f, i, spec) {
    const keying = f.espKeying[i];
    if (keying === undefined) return;
    f.espKeying[i] = undefined; // the frame is reused: hold no key past this packet
    const o = f.starts[i]!;
    const info = algorithmInfo(keying.alg, o);
    // The explicit IV defaults to the sequence number, unique per packet under one key (RFC 4106 §3.1).
    const iv = spec.iv ?? defaultIv(f.view.getUint32(o + SEQ), info.ivLength);
    if (iv.length !== info.ivLength) throw new WireError('NETLOOM_BAD_FIELD', `iv is ${iv.length} bytes, ${keying.alg} takes ${info.ivLength}`, 'esp', o);
    if (spec.icv !== undefined && spec.icv.length !== info.icvLength) {
      throw new WireError('NETLOOM_BAD_FIELD', `icv is ${spec.icv.length} bytes, ${keying.alg} takes ${info.icvLength}`, 'esp', o);
    }
    const start = f.starts[i + 1]!;
    const payloadEnd = f.payloadEnds[i]!;
    const padLength = padLengthFor(spec, payloadEnd - start, o);
    const trailerEnd = payloadEnd + padLength + 2;
    // RFC 4303 §2.4: padding bytes are 1, 2, 3, ...
    for (let k = 0; k < padLength; k++) f.buf[payloadEnd + k] = k + 1;
    f.buf[payloadEnd + padLength] = padLength;
    f.buf[payloadEnd + padLength + 1] = inRange(spec.nextHeader ?? nextIpProtocol(f, i), 255, 'esp', 'nextHeader', o);
    f.buf.set(iv, o + ESP_HEADER_LENGTH);
    const sealed = espSeal(keying.alg, keying.key, f.buf.subarray(o, o + ESP_HEADER_LENGTH), iv, f.buf.subarray(start, trailerEnd), o);
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
