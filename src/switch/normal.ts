/**
 * The NORMAL action: a MAC-learning L2 switch with VLANs, as Open vSwitch's NORMAL
 * (ofproto-dpif-xlate.c xlate_normal, lib/mac-learning.c) does it. Ports are access ports
 * (`tag`: untagged frames belong to that VLAN) or trunks (`trunks`: the VLANs carried, all when
 * absent). Learning is per VLAN; a learned MAC not seen again as a source for 300 s is forgotten
 * (OVS's default mac-aging-time), and the table holds 2,048 MACs (OVS 3.1's mac-table-size): a
 * new one past that evicts the least recently learned or refreshed MAC of the port holding the
 * most. Unknown and group destinations flood to the ports carrying the VLAN; reserved
 * destinations (eth_addr_is_reserved: 802.1D, Cisco, Extreme) are dropped; a frame whose flow has
 * a VLAN EtherType but no VLAN header (a partial tag) is dropped; a destination learned on the
 * input port is dropped. A frame leaves with its own tag when the tag it needs is the one it has
 * (its TPID and DEI kept), else the tag is popped and/or pushed (TPID as it arrived, DEI 0).
 */
import { W } from './fields.js';
import { numberToMac } from '../wire/addresses.js';
import { VLAN_CFI } from '../wire/flowkey.js';
import type { SwitchPacket } from './packet.js';

export interface PortConfig {
  number: number;
  /** The port's name, as OVS's NORMAL names it in a trace (its bundle). */
  name?: string;
  /** Access port for this VLAN. */
  tag?: number;
  /** Trunk port carrying these VLANs (all when absent and no tag). */
  trunks?: number[];
}

/** How long a learned MAC lasts without being seen as a source again: OVS's default mac-aging-time, 300 s. */
export const MAC_AGING_NS = 300e9;
/** How many MACs the table holds: OVS 3.1's default mac-table-size (MAC_DEFAULT_MAX; 8,192 from OVS 3.3). */
export const MAC_TABLE_SIZE = 2048;

/** One learned MAC, as fdb/show lists it; `seen` is when it was last seen as a source (ns). */
export interface LearnedMac {
  port: number;
  vlan: number;
  mac: string;
  seen: number;
}

interface Learned {
  port: number;
  vlan: number;
  mac: number;
  /** When it was last seen as a source (ns). */
  seen: number;
}

/** ofproto/trace's words for what NORMAL decided: `->` a detail, `>>` a warning, `>>>> … <<<<` an error. */
export type NormalNote = (text: string) => void;

/** The reserved destinations OVS's NORMAL never forwards (lib/packets.c eth_addr_is_reserved), as 48-bit numbers. */
const RESERVED = new Set<number>([
  ...Array.from({ length: 16 }, (_, i) => 0x0180c2000000 + i),
  0x00e02b000000, 0x00e02b000004, 0x00e02b000006,
  0x01000c000000, 0x01000ccccccc, 0x01000ccccccd, 0x01000ccdcdcd,
  ...Array.from({ length: 8 }, (_, i) => 0x01000cccccc0 + i),
]);

export function isReservedMac(mac: number): boolean {
  return RESERVED.has(mac);
}

/** One frame NORMAL sends: its port and outer VLAN header (TCI with CFI marking it present; 0: no header at all, as OVS's xvlan_put leaves an inner one uncounted). */
export interface NormalOutput {
  port: number;
  tpid: number;
  tci: number;
}

export class NormalSwitching {
  /**
   * VLAN -> MAC (as a 48-bit number) -> where it was learned. Two levels, because one number
   * key (VLAN * 2^48 + MAC) would need 60 bits, past the 53 a double holds exactly.
   */
  private readonly table = new Map<number, Map<number, Learned>>();
  /** Per port, its learned MACs least recently used first (OVS's port_lrus), to evict fairly. */
  private readonly byPort = new Map<number, Set<Learned>>();
  private size = 0;
  private readonly byNumber = new Map<number, PortConfig>();

  constructor(
    private readonly ports: readonly PortConfig[],
    private readonly capacity = MAC_TABLE_SIZE,
  ) {
    for (const p of ports) this.byNumber.set(p.number, p);
  }

  /**
   * The ports NORMAL sends this packet to, in OVS's order, each with the outer VLAN header it
   * needs there (the caller commits each against what the previous output left, as OVS does).
   * `learn` false is ofproto/trace of a flow without -generate (no packet, no side effects): the MAC table is read, never written.
   */
  forward(pk: SwitchPacket, now: number, note: NormalNote | undefined, learn = true): NormalOutput[] {
    const w = pk.words;
    const inPort = this.byNumber.get(w[W.IN_PORT]!);
    if (inPort === undefined) {
      note?.('>> no input bundle, dropping');
      return [];
    }
    const tci = w[W.VLAN_TCI]!;
    const tagged = (tci & VLAN_CFI) !== 0;
    const type = w[W.DL_TYPE]!;
    if (!tagged && (type === 0x8100 || type === 0x88a8)) {
      // OVS says it twice when there is a packet (side effects on), once for a flow alone.
      if (learn) note?.(`>>>> dropping packet with partial VLAN tag received on port ${inPort.name ?? inPort.number} <<<<`);
      note?.('>> partial VLAN tag, dropping');
      return [];
    }
    const vid = tagged ? tci & 0xfff : 0;
    const pcp = tagged ? tci >>> 13 : 0;
    const inName = inPort.name ?? String(inPort.number);
    let vlan: number;
    if (inPort.tag !== undefined) {
      if (vid !== 0) {
        note?.(`>>>> dropping VLAN ${vid} tagged packet received on port ${inName} configured as VLAN ${inPort.tag} access port <<<<`);
        note?.('>> disallowed VLAN VID for this input port, dropping');
        return [];
      }
      vlan = inPort.tag;
    } else {
      vlan = vid;
      if (inPort.trunks && !inPort.trunks.includes(vlan)) {
        note?.(`>>>> dropping VLAN ${vlan} packet received on port ${inName} not configured for trunking VLAN ${vlan} <<<<`);
        note?.('>> disallowed VLAN VID for this input port, dropping');
        return [];
      }
    }
    const dst = w[W.DL_DST]! * 0x100000000 + w[W.DL_DST + 1]!;
    if (RESERVED.has(dst)) {
      note?.('-> packet has reserved destination MAC, dropping');
      return [];
    }
    const src = w[W.DL_SRC]! * 0x100000000 + w[W.DL_SRC + 1]!;
    // OVS never learns a group source address.
    if (learn && (w[W.DL_SRC]! & 0x100) === 0 && this.learn(src, vlan, inPort.number, now)) {
      note?.(`-> learned that ${numberToMac(src)} is on port ${inName} in VLAN ${vlan}`);
    }
    // The tag a trunk needs (TPID and priority as they came; none for VLAN 0 without a priority), CFI marking it present.
    const trunkTci = vlan === 0 && pcp === 0 ? 0 : vlan | (pcp << 13) | VLAN_CFI;
    const tpid = tagged ? pk.vlanTpid(0) : 0x8100;
    // A group destination is never learned (mac_learning_lookup).
    const learned = (w[W.DL_DST]! & 0x100) !== 0 ? undefined : this.table.get(vlan)?.get(dst);
    if (learned !== undefined && now - learned.seen < MAC_AGING_NS) {
      if (learned.port === inPort.number) {
        note?.('-> learned port is input port, dropping');
        return [];
      }
      const port = this.byNumber.get(learned.port);
      if (port === undefined) {
        note?.('>> learned port is unknown, dropping');
        return [];
      }
      note?.('-> forwarding to learned port');
      return carries(port, vlan) ? [{ port: port.number, tpid, tci: port.tag !== undefined ? 0 : trunkTci }] : [];
    }
    note?.('-> no learned MAC for destination, flooding');
    // OVS floods port by port in its bundle list's order (highest port first as seen).
    const out: NormalOutput[] = [];
    for (let i = this.ports.length - 1; i >= 0; i--) {
      const p = this.ports[i]!;
      if (p.number !== inPort.number && carries(p, vlan)) out.push({ port: p.number, tpid, tci: p.tag !== undefined ? 0 : trunkTci });
    }
    return out;
  }

  /** OVS's mac_learning_update: true when the MAC is new here or moved from another port. */
  private learn(mac: number, vlan: number, port: number, now: number): boolean {
    let macs = this.table.get(vlan);
    if (macs === undefined) {
      macs = new Map();
      this.table.set(vlan, macs);
    }
    let e = macs.get(mac);
    if (e !== undefined && now - e.seen >= MAC_AGING_NS) {
      this.forget(e);
      e = undefined;
    }
    if (e === undefined) {
      if (this.size >= this.capacity) this.evict();
      e = { port, vlan, mac, seen: now };
      macs.set(mac, e);
      this.portLru(port).add(e);
      this.size++;
      return true;
    }
    e.seen = now;
    const lru = this.portLru(e.port);
    lru.delete(e);
    if (e.port === port) {
      lru.add(e);
      return false;
    }
    e.port = port;
    this.portLru(port).add(e);
    return true;
  }

  private portLru(port: number): Set<Learned> {
    let lru = this.byPort.get(port);
    if (lru === undefined) {
      lru = new Set();
      this.byPort.set(port, lru);
    }
    return lru;
  }

  /** OVS's evict_mac_entry_fairly: the least recently used MAC of a port with the most (the lowest-numbered such port). */
  private evict(): void {
    let most: Set<Learned> | undefined;
    for (const port of [...this.byPort.keys()].sort((a, b) => a - b)) {
      const lru = this.byPort.get(port)!;
      if (most === undefined || lru.size > most.size) most = lru;
    }
    const oldest = most?.values().next().value;
    if (oldest !== undefined) this.forget(oldest);
  }

  private forget(e: Learned): void {
    this.table.get(e.vlan)?.delete(e.mac);
    this.byPort.get(e.port)?.delete(e);
    this.size--;
  }

  /** The learned table, as fdb/show lists it: port, VLAN, MAC (entries aged out by `now` left out). */
  entries(now = 0): { port: number; vlan: number; mac: string }[] {
    return this.learnedMacs(now).map(({ port, vlan, mac }) => ({ port, vlan, mac }));
  }

  /** The learned table with when each MAC was last seen, for a bridge kept across commands. */
  learnedMacs(now = 0): LearnedMac[] {
    const out: LearnedMac[] = [];
    for (const [vlan, macs] of this.table) {
      for (const [mac, e] of macs) if (now - e.seen < MAC_AGING_NS) out.push({ port: e.port, vlan, mac: numberToMac(mac), seen: e.seen });
    }
    return out;
  }

  /** Learns MACs as a saved table has them (learnedMacs' output), oldest first so the LRU order is theirs. */
  restore(macs: readonly { port: number; vlan: number; mac: number; seen: number }[]): void {
    for (const m of [...macs].sort((a, b) => a.seen - b.seen)) this.learn(m.mac, m.vlan, m.port, m.seen);
  }
}

function carries(port: PortConfig, vlan: number): boolean {
  return port.tag !== undefined ? port.tag === vlan : !port.trunks || port.trunks.includes(vlan);
}
