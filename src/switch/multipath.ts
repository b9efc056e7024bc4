/**
 * multipath and bundle's choices, as Open vSwitch 3.1 makes them (lib/multipath.c,
 * lib/bundle.c, flow_hash_fields in lib/flow.c): the same packet picks the same link or member
 * as OVS, hash for hash. Reads the packet's flow words; writes nothing (the pipeline loads or
 * outputs what these return). Per packet it allocates nothing.
 */
import { W } from './fields.js';
import type { BundleAlgorithm, HashFields, MultipathAlgorithm } from './flow.js';
import { addressHash, ethSrcHash, hashInt, symmetricL3, symmetricL3L4, symmetricL4 } from './hash.js';
import type { SwitchPacket } from './packet.js';

/** flow_hash_fields: the packet's hash under `fields` and a 16-bit basis. */
export function flowHashFields(pk: SwitchPacket, fields: HashFields, basis: number): number {
  switch (fields) {
    case 'eth_src':
      return ethSrcHash(pk, basis);
    case 'symmetric_l4':
      return symmetricL4(pk, basis);
    case 'symmetric_l3l4':
      return symmetricL3L4(pk, basis);
    case 'symmetric_l3l4+udp':
      return symmetricL3L4(pk, basis, true);
    case 'nw_src':
      return addressHash(pk, basis, W.NW_SRC, W.IPV6_SRC);
    case 'nw_dst':
      return addressHash(pk, basis, W.NW_DST, W.IPV6_DST);
    case 'symmetric_l3':
      return symmetricL3(pk, basis);
  }
}

/** Highest random weight: the link whose hash_2words(hash, link) is largest (the first of equals). */
function highestRandomWeight(hash: number, links: number): number {
  let best = 0;
  let bestWeight = hashInt(hash, 0);
  for (let link = 1; link < links; link++) {
    const weight = hashInt(hash, link);
    if (weight > bestWeight) {
      best = link;
      bestWeight = weight;
    }
  }
  return best;
}

/** The power of 2 at or above x (1 .. 65536). */
function roundUpPow2(x: number): number {
  let v = x - 1;
  v |= v >>> 1;
  v |= v >>> 2;
  v |= v >>> 4;
  v |= v >>> 8;
  return v + 1;
}

/** Iterative hash: hash_2words(hash, i) modulo `modulo` for i = 0, 1, … until one is a link. */
function iterativeHash(hash: number, links: number, modulo: number): number {
  const m = modulo < links || Math.floor(modulo / 2) > links ? roundUpPow2(links) : modulo;
  for (let i = 0; ; i++) {
    const link = hashInt(hash, i) % m;
    if (link < links) return link;
  }
}

/** multipath_algorithm: the link (0 .. links-1) for a hash. */
export function multipathLink(hash: number, algorithm: MultipathAlgorithm, links: number, arg: number): number {
  switch (algorithm) {
    case 'modulo_n':
      return hash % links;
    case 'hash_threshold':
      // hash / (UINT32_MAX / n_links + 1), in C's unsigned arithmetic.
      return links === 1 ? 0 : Math.floor(hash / (Math.floor(0xffffffff / links) + 1));
    case 'hrw':
      return links <= 64 ? highestRandomWeight(hash, links) : iterativeHash(hash, links, 0);
    case 'iter_hash':
      return iterativeHash(hash, links, arg);
  }
}

/** OFPP_NONE: what bundle chooses when no member is live (bundle_load loads it; bundle outputs nowhere). */
export const NO_MEMBER = 0xffff;

/**
 * bundle_execute: active_backup's first live member, or hrw's live member with the largest
 * hash_2words(index, hash) (the first of equals); NO_MEMBER when none is live.
 */
export function bundleMember(pk: SwitchPacket, fields: HashFields, basis: number, algorithm: BundleAlgorithm, members: readonly number[], live: (port: number) => boolean): number {
  if (algorithm === 'active_backup') {
    for (const m of members) if (live(m)) return m;
    return NO_MEMBER;
  }
  const hash = flowHashFields(pk, fields, basis);
  let best = -1;
  let bestHash = 0;
  for (let i = 0; i < members.length; i++) {
    if (!live(members[i]!)) continue;
    const h = hashInt(i, hash);
    if (best < 0 || h > bestHash) {
      best = i;
      bestHash = h;
    }
  }
  return best < 0 ? NO_MEMBER : members[best]!;
}
