import type { EncodeFrame } from './codec.js';
import { finalDestinationOffset as ipv4FinalDestination } from './ipv4.js';
import { finalDestinationOffset as ipv6FinalDestination } from './ipv6.js';

/** The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-header sums (RFC 768, RFC 8200 §8.1). */

/** Adds 16-bit big-endian words of bytes[start, end) to `sum` without folding. */
export function sumWords(bytes: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  const pairsEnd = end - ((end - start) & 1);
  for (; i < pairsEnd; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds a 32-bit-or-larger sum into 16 bits and complements it. */
export function finish(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** CRC32c's table (Castagnoli, reflected polynomial 0x82f63b78), built once. */
const CRC32C = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** SCTP's checksum (RFC 4960 appendix B) over bytes[start, end), as the value whose little-endian bytes the header carries. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC32C[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return finish(sumWords(bytes, start, end));
}


/**
 * The pseudo-header sum for upper layer i, from the IP header that carries it (already
 * written): the layer before, or the one before a transport-mode ESP header.
 * The source address and the final destination: IPv4's source route, IPv6's routing header.
 */
export function pseudoHeaderSum(f: EncodeFrame, i: number, protocol: number, upperLength: number): number {
  let j = i - 1;
  if (f.layers[j]?.layer === 'esp') j--;
  const ip = f.layers[j]?.layer;
  const start = j >= 0 ? f.starts[j]! : 0;
  let sum = protocol + (upperLength >>> 16) + (upperLength & 0xffff);
  if (ip === 'ipv4') {
    const dst = ipv4FinalDestination(f.buf, start, f.starts[j + 1]!);
    sum += sumWords(f.buf, start + 12, start + 16) + sumWords(f.buf, dst, dst + 4);
  } else if (ip === 'ipv6') {
    const dst = ipv6FinalDestination(f.buf, start, f.buf.length);
    sum += sumWords(f.buf, start + 8, start + 24) + sumWords(f.buf, dst, dst + 16);
  }
  return sum;
}
