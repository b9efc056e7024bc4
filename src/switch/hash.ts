/**
 * Open vSwitch's hash functions, bit for bit, so a select group picks the bucket OVS picks for
 * the same packet: lib/hash.h as OVS builds it without SSE 4.2 (the Murmur3-based hash_add —
 * Debian's and Ubuntu's generic x86-64 packages; a build with -msse4.2 uses CRC32 instead and
 * picks other buckets), lib/jhash.c, and the symmetric flow hashes of lib/flow.c. OVS hashes
 * structs in memory on a little-endian host: where it reads big-endian fields as words, the
 * bytes are swapped here.
 *
 * Reads the flow words and the packet's VLAN headers; writes nothing.
 */
import { W } from './fields.js';
import type { SwitchPacket } from './packet.js';

const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
const swap32 = (x: number): number => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
const swap16 = (x: number): number => ((x & 0xff) << 8) | (x >>> 8);

/** hash_add (mhash_add): one 32-bit word into the hash; a zero word only stirs. */
export function hashAdd(hash: number, data: number): number {
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51);
    d = rot(d >>> 0, 15);
    d = Math.imul(d, 0x1b873593);
    hash = (hash ^ d) >>> 0;
  }
  return (Math.imul(rot(hash, 13), 5) + 0xe6546b64) >>> 0;
}

/** hash_finish (mhash_finish of hash ^ final). */
export function hashFinish(hash: number, final: number): number {
  let h = (hash ^ final) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** hash_int (hash_2words). */
export function hashInt(x: number, basis: number): number {
  return hashFinish(hashAdd(hashAdd(x, 0), basis), 8);
}

/** lookup3's state, one for every call: hashing allocates nothing. */
const jv = new Uint32Array(3);

function jhashMix(v: Uint32Array): void {
  v[0] = (v[0]! - v[2]!) ^ rot(v[2]!, 4); v[2] = v[2]! + v[1]!;
  v[1] = (v[1]! - v[0]!) ^ rot(v[0]!, 6); v[0] = v[0]! + v[2]!;
  v[2] = (v[2]! - v[1]!) ^ rot(v[1]!, 8); v[1] = v[1]! + v[0]!;
  v[0] = (v[0]! - v[2]!) ^ rot(v[2]!, 16); v[2] = v[2]! + v[1]!;
  v[1] = (v[1]! - v[0]!) ^ rot(v[0]!, 19); v[0] = v[0]! + v[2]!;
  v[2] = (v[2]! - v[1]!) ^ rot(v[1]!, 4); v[1] = v[1]! + v[0]!;
}

function jhashFinal(v: Uint32Array): void {
  v[2] = (v[2]! ^ v[1]!) - rot(v[1]!, 14);
  v[0] = (v[0]! ^ v[2]!) - rot(v[2]!, 11);
  v[1] = (v[1]! ^ v[0]!) - rot(v[0]!, 25);
  v[2] = (v[2]! ^ v[1]!) - rot(v[1]!, 16);
  v[0] = (v[0]! ^ v[2]!) - rot(v[2]!, 4);
  v[1] = (v[1]! ^ v[0]!) - rot(v[0]!, 14);
  v[2] = (v[2]! ^ v[1]!) - rot(v[1]!, 24);
}

/** Bytes `at .. at+3` of the first `n` as a little-endian word; bytes past `n` read as 0. */
function leWord(bytes: Uint8Array, at: number, n: number): number {
  if (at + 4 <= n) return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  let w = 0;
  for (let k = 3; k >= 0; k--) w = (w << 8) | (at + k < n ? bytes[at + k]! : 0);
  return w >>> 0;
}

/** jhash_bytes: Bob Jenkins' lookup3 over the first `n` bytes (all by default), read as little-endian words. */
export function jhashBytes(bytes: Uint8Array, basis: number, n = bytes.length): number {
  const v = jv;
  v.fill((0xdeadbeef + n + basis) >>> 0);
  let at = 0;
  let left = n;
  while (left >= 12) {
    v[0] = v[0]! + leWord(bytes, at, n);
    v[1] = v[1]! + leWord(bytes, at + 4, n);
    v[2] = v[2]! + leWord(bytes, at + 8, n);
    jhashMix(v);
    left -= 12;
    at += 12;
  }
  if (left > 0) {
    // The tail, zero-padded to three words.
    v[0] = v[0]! + leWord(bytes, at, n);
    v[1] = v[1]! + leWord(bytes, at + 4, n);
    v[2] = v[2]! + leWord(bytes, at + 8, n);
    jhashFinal(v);
  }
  return v[2]!;
}

/** The VIDs of the packet's VLAN headers (as the flow has them), XORed (OVS hashes both slots). */
function vidXor(pk: SwitchPacket): number {
  return (pk.vlanTci(0) ^ pk.vlanTci(1)) & 0x0fff;
}

const IP = 0x0800;
const IPV6 = 0x86dd;
const TCP = 6;
const UDP = 17;
const SCTP = 132;

/** Where the hashes lay out the structs OVS hashes (hashing allocates nothing). */
const scratch = new Uint8Array(32);

const put16 = (out: Uint8Array, at: number, v: number): void => {
  out[at] = v >>> 8;
  out[at + 1] = v & 0xff;
};
const put32 = (out: Uint8Array, at: number, v: number): void => {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
};

/** The MAC addresses XORed, as six bytes in wire order. */
function macXor(w: Uint32Array, out: Uint8Array, at: number): void {
  const hi = (w[W.DL_SRC]! ^ w[W.DL_DST]!) & 0xffff;
  const lo = (w[W.DL_SRC + 1]! ^ w[W.DL_DST + 1]!) >>> 0;
  out[at] = hi >>> 8;
  out[at + 1] = hi & 0xff;
  out[at + 2] = lo >>> 24;
  out[at + 3] = (lo >>> 16) & 0xff;
  out[at + 4] = (lo >>> 8) & 0xff;
  out[at + 5] = lo & 0xff;
}

/** flow_hash_symmetric_l2: EtherType, VIDs and the MACs XORed, for frames that are not IP. */
export function symmetricL2(pk: SwitchPacket, basis: number): number {
  const eth = scratch;
  macXor(pk.words, eth, 0);
  let hash = hashAdd(basis, swap32(((pk.words[W.DL_TYPE]! << 16) | vidXor(pk)) >>> 0));
  hash = hashAdd(hash, (eth[0]! | (eth[1]! << 8) | (eth[2]! << 16) | (eth[3]! << 24)) >>> 0);
  hash = hashAdd(hash, eth[4]! | (eth[5]! << 8));
  return hashFinish(hash, basis);
}

/**
 * flow_hash_symmetric_l3l4: addresses XORed, protocol, and TCP/SCTP ports XORed (UDP's too with
 * `udp`) unless the packet is a fragment; L2 for anything but IP. Without UDP it is the hash the
 * datapath computes for a select group's dp_hash (OVS_HASH_ALG_SYM_L4).
 */
export function symmetricL3L4(pk: SwitchPacket, basis: number, udp = false): number {
  const w = pk.words;
  const type = w[W.DL_TYPE]!;
  let hash = basis;
  if (type === IP) hash = hashAdd(hash, swap32((w[W.NW_SRC]! ^ w[W.NW_DST]!) >>> 0));
  else if (type === IPV6) {
    for (let i = 0; i < 4; i++) hash = hashAdd(hash, swap32((w[W.IPV6_SRC + i]! ^ w[W.IPV6_DST + i]!) >>> 0));
  } else return symmetricL2(pk, basis);
  const proto = w[W.NW_PROTO]!;
  hash = hashAdd(hash, proto);
  if (pk.nwFrag === 0 && (proto === TCP || proto === SCTP || (udp && proto === UDP))) hash = hashAdd(hash, swap16((w[W.TP_SRC]! ^ w[W.TP_DST]!) & 0xffff));
  return hashFinish(hash, basis);
}

/**
 * flow_hash_symmetric_l4: jhash of OVS's 32-byte struct of the addresses XORed (IPv4 or IPv6),
 * EtherType, VIDs XORed, TCP/SCTP ports XORed, MACs XORed and the IP protocol.
 */
export function symmetricL4(pk: SwitchPacket, basis: number): number {
  const w = pk.words;
  const fields = scratch;
  fields.fill(0);
  const type = w[W.DL_TYPE]!;
  put16(fields, 16, type);
  put16(fields, 18, vidXor(pk));
  macXor(w, fields, 22);
  if (type === IP || type === IPV6) {
    if (type === IP) put32(fields, 0, (w[W.NW_SRC]! ^ w[W.NW_DST]!) >>> 0);
    else for (let i = 0; i < 4; i++) put32(fields, 4 * i, (w[W.IPV6_SRC + i]! ^ w[W.IPV6_DST + i]!) >>> 0);
    const proto = w[W.NW_PROTO]!;
    fields[28] = proto;
    if (proto === TCP || proto === SCTP) put16(fields, 20, (w[W.TP_SRC]! ^ w[W.TP_DST]!) & 0xffff);
  }
  return jhashBytes(fields, basis, 32);
}

/** flow_hash_symmetric_l3: jhash of OVS's 20-byte struct of the addresses XORed (IPv4 or IPv6) and the EtherType. */
export function symmetricL3(pk: SwitchPacket, basis: number): number {
  const w = pk.words;
  const fields = scratch;
  fields.fill(0, 0, 20);
  const type = w[W.DL_TYPE]!;
  put16(fields, 16, type);
  if (type === IP) put32(fields, 0, (w[W.NW_SRC]! ^ w[W.NW_DST]!) >>> 0);
  else if (type === IPV6) for (let i = 0; i < 4; i++) put32(fields, 4 * i, (w[W.IPV6_SRC + i]! ^ w[W.IPV6_DST + i]!) >>> 0);
  return jhashBytes(fields, basis, 20);
}

/**
 * jhash of one address of the packet, `first` word of the flow (nw_src, nw_dst) for IPv4 or
 * `first6` (ipv6_src, ipv6_dst) for IPv6, as multipath's nw_src and nw_dst hash it; the basis
 * itself for anything else.
 */
export function addressHash(pk: SwitchPacket, basis: number, first: number, first6: number): number {
  const w = pk.words;
  const type = w[W.DL_TYPE]!;
  if (type === IP) {
    put32(scratch, 0, w[first]!);
    return jhashBytes(scratch, basis, 4);
  }
  if (type !== IPV6) return basis;
  for (let i = 0; i < 4; i++) put32(scratch, 4 * i, w[first6 + i]!);
  return jhashBytes(scratch, basis, 16);
}

/** jhash of the Ethernet source address's six bytes (multipath's and bundle's eth_src). */
export function ethSrcHash(pk: SwitchPacket, basis: number): number {
  const w = pk.words;
  put16(scratch, 0, w[W.DL_SRC]! & 0xffff);
  put32(scratch, 2, w[W.DL_SRC + 1]!);
  return jhashBytes(scratch, basis, 6);
}
