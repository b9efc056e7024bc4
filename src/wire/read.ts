/** Big-endian reads for decoders; callers check bounds first (DecodeCursor.need). */

export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** A zero-length array to stand for "no option bytes" without allocating a view. */
export const NO_BYTES = new Uint8Array(0);
