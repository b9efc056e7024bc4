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

export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return finish(sumWords(bytes, start, end));
}


/**
 * The sum of the pseudo-header for an upper layer whose IP header starts at `ipStart` in `b`
 * (already written): IPv4 src/dst at 12/16, IPv6 at 8/24. `ipLayer` says which.
 */
export function ipPseudoHeaderSum(b: Uint8Array, ipLayer: string | undefined, ipStart: number, protocol: number, upperLength: number): number {
  let sum = protocol + (upperLength >>> 16) + (upperLength & 0xffff);
  if (ipLayer === 'ipv4') sum += sumWords(b, ipStart + 12, ipStart + 20);
  else if (ipLayer === 'ipv6') sum += sumWords(b, ipStart + 8, ipStart + 40);
  return sum;
}
