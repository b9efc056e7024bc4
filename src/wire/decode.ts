/** Bytes -> layers. The checked path for untrusted input: every read is bounds-checked first. */
import { DecodeCursor, type DecodeOptions } from './codec.js';
import type { Layer } from './layers.js';
import { CODECS } from './codecs.js';
import { WireError } from './errors.js';

/** Where a decoded layer sits in the original packet. */
export interface LayerSpan {
  start: number;
  /** Where the layer's header ends and what it carries begins. */
  headerEnd: number;
  /** Where what it carries ends (before any padding or ESP trailer). */
  end: number;
}

export interface TolerantDecode {
  layers: Layer[];
  /** The first problem, if any; the bytes from where it was found on are a payload layer. */
  error?: WireError;
}

/** Decodes a packet into its layer stack; throws WireError on bad bytes. */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): Layer[] {
  const c = new DecodeCursor(bytes, options);
  const layers: Layer[] = [];
  while (c.next !== undefined) layers.push(step(c));
  return layers;
}

/**
 * Decodes the next layer. Where lengths may promise more than is there (an ICMP quote, a first
 * fragment), a header cut short is kept as payload rather than failing the packet.
 */
function step(c: DecodeCursor): Layer {
  const codec = CODECS[c.next!];
  if (!c.partial) return codec.decode(c);
  const start = c.offset;
  const end = c.end;
  try {
    return codec.decode(c);
  } catch (error) {
    if (!(error instanceof WireError) || error.code !== 'NETLOOM_TRUNCATED') throw error;
    c.offset = start;
    c.end = end;
    return CODECS.payload.decode(c);
  }
}

/**
 * Decodes as far as the bytes allow: the layers before a problem, the problem, and the rest as
 * payload. The rest is what the failed layer had to work with (inside its datagram, before any
 * padding; inside the ESP plaintext), so encode(layers) gives back the original bytes.
 */
export function decodeTolerant(bytes: Uint8Array, options: DecodeOptions = {}, spans?: LayerSpan[]): TolerantDecode {
  const c = new DecodeCursor(bytes, options);
  const layers: Layer[] = [];
  while (c.next !== undefined) {
    const before = c.bytes;
    const base = c.base;
    const offset = c.offset;
    const end = c.end;
    try {
      layers.push(step(c));
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      if (offset < end) {
        layers.push({ layer: 'payload', data: before.subarray(offset, end) });
        spans?.push({ start: base + offset, headerEnd: base + end, end: base + end });
      }
      return { layers, error };
    }
    spans?.push({ start: base + offset, headerEnd: c.at(), end: c.at(c.end) });
  }
  return { layers };
}
