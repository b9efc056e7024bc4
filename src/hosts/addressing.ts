/** IPv4 addresses as 32-bit numbers, prefixes, and longest-prefix match, for hosts and routers. */
import { WireError } from '../wire/errors.js';

export function ipv4ToNumber(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new WireError('NETLOOM_BAD_FIELD', `"${text}" is not an IPv4 address`, 'ipv4', 0);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new WireError('NETLOOM_BAD_FIELD', `"${text}" is not an IPv4 address`, 'ipv4', 0);
    n = n * 256 + v;
  }
  return n;
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function prefixMask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function inPrefix(address: number, network: number, length: number): boolean {
  const mask = prefixMask(length);
  return ((address & mask) >>> 0) === ((network & mask) >>> 0);
}

export interface Route<T> {
  network: number;
  length: number;
  target: T;
}

/** A routing table: longest prefix wins; among equals, the first added. */
export class RouteTable<T> {
  private readonly routes: Route<T>[] = [];

  add(network: number, length: number, target: T): void {
    const route = { network: (network & prefixMask(length)) >>> 0, length, target };
    let i = this.routes.length;
    while (i > 0 && this.routes[i - 1]!.length < length) i--;
    this.routes.splice(i, 0, route);
  }

  lookup(address: number): Route<T> | undefined {
    for (const r of this.routes) if (inPrefix(address, r.network, r.length)) return r;
    return undefined;
  }

  get all(): readonly Route<T>[] {
    return this.routes;
  }
}
