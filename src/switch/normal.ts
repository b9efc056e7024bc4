/**
 * The NORMAL action: a MAC-learning L2 switch with VLANs, as Open vSwitch's NORMAL does it.
 * Ports are access ports (`tag`: untagged frames belong to that VLAN) or trunks (`trunks`: the
 * VLANs carried, all when absent). Learning is per VLAN; a learned MAC not seen again as a
 * source for 300 s is forgotten (OVS's default mac-aging-time); unknown and group destinations
 * flood to the ports carrying the VLAN; IEEE reserved group addresses (01:80:c2:00:00:00-0f)
 * are dropped; a destination learned on the input port is dropped.
 */
import { W } from './fields.js';
import { numberToMac } from '../wire/addresses.js';
import { VLAN_CFI } from '../wire/flowkey.js';
import type { SwitchPacket } from './packet.js';

export interface PortConfig {
  number: number;
  /** Access port for this VLAN. */
  tag?: number;
  /** Trunk port carrying these VLANs (all when absent and no tag). */
  trunks?: number[];
}

/** How long a learned MAC lasts without being seen as a source again: OVS's default mac-aging-time, 300 s. */
export const MAC_AGING_NS = 300e9;

interface Learned {
  port: number;
  /** When it was last seen as a source (ns). */
  seen: number;
}

export class NormalSwitching {
  /**
   * VLAN -> MAC (as a 48-bit number) -> where it was learned. Two levels, because one number
   * key (VLAN * 2^48 + MAC) would need 60 bits, past the 53 a double holds exactly.
   */
  private readonly table = new Map<number, Map<number, Learned>>();
  private readonly byNumber = new Map<number, PortConfig>();

  constructor(private readonly ports: readonly PortConfig[]) {
    for (const p of ports) this.byNumber.set(p.number, p);
  }

  /** The frames NORMAL sends for this packet, per output port, with tags as each port needs. */
  forward(pk: SwitchPacket, now: number, note: ((text: string) => void) | undefined): { port: number; bytes: Uint8Array }[] {
    const w = pk.words;
    const inPort = this.byNumber.get(w[W.IN_PORT]!);
    if (inPort === undefined) return [];
    const tci = w[W.VLAN_TCI]!;
    const tagged = (tci & VLAN_CFI) !== 0;
    const vid = tagged ? tci & 0xfff : 0;
    const pcp = tagged ? tci >>> 13 : 0;
    let vlan: number;
    if (inPort.tag !== undefined) {
      if (tagged && vid !== 0) {
        note?.(`>> dropping VLAN ${vid} tagged packet received on port ${inPort.number} configured as VLAN ${inPort.tag} access port`);
        return [];
      }
      vlan = inPort.tag;
    } else {
      vlan = vid;
      if (inPort.trunks && !inPort.trunks.includes(vlan)) {
        note?.(`>> dropping VLAN ${vlan} packet received on port ${inPort.number} not configured for trunking VLAN ${vlan}`);
        return [];
      }
    }
    const b = pk.bytes;
    const dstGroup = (b[0]! & 1) !== 0;
    if (b[0] === 0x01 && b[1] === 0x80 && b[2] === 0xc2 && b[3] === 0 && b[4] === 0 && (b[5]! & 0xf0) === 0) {
      note?.('>> drop: IEEE reserved group address (802.1D)');
      return [];
    }
    let macs = this.table.get(vlan);
    if (macs === undefined) {
      macs = new Map();
      this.table.set(vlan, macs);
    }
    if ((b[6]! & 1) === 0) {
      const src = w[W.DL_SRC]! * 0x100000000 + w[W.DL_SRC + 1]!;
      const old = macs.get(src);
      if (old === undefined || old.port !== inPort.number || now - old.seen >= MAC_AGING_NS) note?.(`learned that ${numberToMac(src)} is on port ${inPort.number} in VLAN ${vlan}`);
      if (old === undefined) macs.set(src, { port: inPort.number, seen: now });
      else {
        old.port = inPort.number;
        old.seen = now;
      }
    }
    // The frame as it would leave untagged, and as it would leave tagged with this VLAN.
    const untagged = tagged ? stripOuterTag(b) : b;
    const retagged = vlan === 0 && !tagged ? b : withTag(untagged, vlan, pcp);
    // Access ports and VLAN 0 (unless priority-tagged) leave untagged; trunks carry the tag.
    const plain = vlan === 0 && !(tagged && pcp !== 0);
    if (!dstGroup) {
      const dst = w[W.DL_DST]! * 0x100000000 + w[W.DL_DST + 1]!;
      const learned = macs.get(dst);
      if (learned !== undefined && now - learned.seen >= MAC_AGING_NS) macs.delete(dst);
      else if (learned !== undefined) {
        if (learned.port === inPort.number) {
          note?.(`>> learned destination is on the input port ${inPort.number}: dropping`);
          return [];
        }
        const port = this.byNumber.get(learned.port);
        if (port && carries(port, vlan)) {
          note?.(`forwarding to learned port ${port.number}`);
          return [{ port: port.number, bytes: port.tag !== undefined || plain ? untagged : retagged }];
        }
      }
    }
    note?.(dstGroup ? 'multicast or broadcast destination: flooding' : 'no learned MAC for destination: flooding');
    const out: { port: number; bytes: Uint8Array }[] = [];
    for (const p of this.ports) if (p.number !== inPort.number && carries(p, vlan)) out.push({ port: p.number, bytes: p.tag !== undefined || plain ? untagged : retagged });
    return out;
  }

  /** The learned table, as fdb/show lists it: port, VLAN, MAC (entries aged out by `now` left out). */
  entries(now = 0): { port: number; vlan: number; mac: string }[] {
    const out: { port: number; vlan: number; mac: string }[] = [];
    for (const [vlan, macs] of this.table) {
      for (const [mac, e] of macs) if (now - e.seen < MAC_AGING_NS) out.push({ port: e.port, vlan, mac: numberToMac(mac) });
    }
    return out;
  }
}

function carries(port: PortConfig, vlan: number): boolean {
  return port.tag !== undefined ? port.tag === vlan : !port.trunks || port.trunks.includes(vlan);
}

function stripOuterTag(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - 4);
  out.set(b.subarray(0, 12), 0);
  out.set(b.subarray(16), 12);
  return out;
}

/** An 802.1Q tag (0x8100) with this VID and PCP in front of an untagged frame's type. */
function withTag(untagged: Uint8Array, vid: number, pcp: number): Uint8Array {
  const out = new Uint8Array(untagged.length + 4);
  out.set(untagged.subarray(0, 12), 0);
  out[12] = 0x81;
  out[13] = 0x00;
  const tci = (pcp << 13) | vid;
  out[14] = tci >>> 8;
  out[15] = tci & 0xff;
  out.set(untagged.subarray(12), 16);
  return out;
}
