/** IPv4 addresses as 32-bit numbers, prefixes, and longest-prefix match, for hosts and routers. */
import { numberToIpv6, writeIpv4, writeIpv6 } from '../wire/addresses.js';
import { u32 } from '../wire/read.js';

const scratch = new Uint8Array(16);

/** A dotted quad as a 32-bit number; NETLOOM_BAD_FIELD if it is not one. */
export function ipv4ToNumber(text: string): number {
  writeIpv4(text, scratch, 0);
  return u32(scratch, 0);
}

/** An IPv6 address in text as a 128-bit number; NETLOOM_BAD_FIELD if it is not one. */
export function ipv6ToBigint(text: string): bigint {
  writeIpv6(text, scratch, 0);
  return readIpv6(scratch, 0);
}

/** The IPv6 address at `o` of `b` as a 128-bit number. */
export function readIpv6(b: Uint8Array, o: number): bigint {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(u32(b, o + 4 * i));
  return v;
}

/** Whether `address` is in the IPv6 prefix `network/length`. */
export function inPrefix6(address: bigint, network: bigint, length: number): boolean {
  const shift = BigInt(128 - length);
  return address >> shift === network >> shift;
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** An address kept as a number (IPv4) or a bigint (IPv6), as text. */
export function addressText(address: number | bigint): string {
  return typeof address === 'bigint' ? numberToIpv6(address) : numberToIpv4(address);
}

export function prefixMask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** The first address of the prefix `address/length`. */
export function networkOf(address: number, length: number): number {
  return (address & prefixMask(length)) >>> 0;
}

export function inPrefix(address: number, network: number, length: number): boolean {
  return networkOf(address, length) === networkOf(network, length);
}

export interface Route<T> {
  network: number;
  length: number;
  target: T;
}

/**
 * A routing table: longest prefix wins; among equal prefixes, the first added. One hash map per
 * prefix length in use, tried longest first: a handful of lookups whatever the table's size.
 */
export class RouteTable<T> {
  private readonly byLength = new Map<number, Map<number, Route<T>>>();
  /** Prefix lengths in use, longest first. */
  private lengths: number[] = [];
  private masks: number[] = [];

  add(network: number, length: number, target: T): void {
    const route = { network: (network & prefixMask(length)) >>> 0, length, target };
    let table = this.byLength.get(length);
    if (table === undefined) {
      table = new Map();
      this.byLength.set(length, table);
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
      this.masks = this.lengths.map(prefixMask);
    }
    if (!table.has(route.network)) table.set(route.network, route);
  }

  lookup(address: number): Route<T> | undefined {
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const route = this.byLength.get(lengths[i]!)!.get((address & this.masks[i]!) >>> 0);
      if (route !== undefined) return route;
    }
    return undefined;
  }

  get all(): Route<T>[] {
    return this.lengths.flatMap((l) => [...this.byLength.get(l)!.values()]);
  }
}
