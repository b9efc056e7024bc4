/** Bytes -> layers. The checked path for untrusted input: every read is bounds-checked first. */
import { DecodeCursor, type DecodeOptions } from './codec.js';
import type { Layer } from './layers.js';
import { CODECS } from './codecs.js';
import { WireError } from './errors.js';

/** Decodes a packet into its layer stack; throws WireError on bad bytes. */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): Layer[] {
  const c = new DecodeCursor(bytes, options);
  const layers: Layer[] = [];
  while (c.next !== undefined) layers.push(CODECS[c.next].decode(c));
  return layers;
}

export interface TolerantDecode {
  layers: Layer[];
  /** The first problem, if any; the bytes from where it was found on are a payload layer. */
  error?: WireError;
}

/** Decodes as far as the bytes allow: the layers before a problem, the problem, and the rest as payload. */
export function decodeTolerant(bytes: Uint8Array, options: DecodeOptions = {}): TolerantDecode {
  const c = new DecodeCursor(bytes, options);
  const layers: Layer[] = [];
  while (c.next !== undefined) {
    const start = c.offset;
    const startBytes = c.bytes;
    try {
      layers.push(CODECS[c.next].decode(c));
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      // Inside decrypted ESP the rest is plaintext; report the original bytes from the failure on.
      const rest = startBytes === bytes ? bytes.subarray(start) : bytes.subarray(Math.min(bytes.length, c.base + start));
      if (rest.length > 0) layers.push({ layer: 'payload', data: rest });
      return { layers, error };
    }
  }
  return { layers };
}
