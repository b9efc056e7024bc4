/** IPv4 addresses as 32-bit numbers, prefixes, and longest-prefix match, for hosts and routers. */
import { writeIpv4 } from '../wire/addresses.js';
import { u32 } from '../wire/read.js';

const scratch = new Uint8Array(4);

/** A dotted quad as a 32-bit number; NETLOOM_BAD_FIELD if it is not one. */
export function ipv4ToNumber(text: string): number {
  writeIpv4(text, scratch, 0);
  return u32(scratch, 0);
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
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
