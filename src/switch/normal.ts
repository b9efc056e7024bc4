/**
 * The NORMAL action: a MAC-learning L2 switch with VLANs, as Open vSwitch's NORMAL does it.
 * Ports are access ports (`tag`: untagged frames belong to that VLAN) or trunks (`trunks`: the
 * VLANs carried, all when absent). Learning is per VLAN; unknown and group destinations flood
 * to the ports carrying the VLAN; IEEE reserved group addresses (01:80:c2:00:00:00-0f) are
 * dropped; a destination learned on the input port is dropped.
 */
import { W } from './fields.js';
import type { SwitchPacket } from './packet.js';

export interface PortConfig {
  number: number;
  /** Access port for this VLAN. */
  tag?: number;
  /** Trunk port carrying these VLANs (all when absent and no tag). */
  trunks?: number[];
}

const VLAN_CFI = 0x1000;

export class NormalSwitching {
  /** "vlan mac" -> port number. */
  private readonly table = new Map<string, { port: number; learned: number }>();

  constructor(private readonly ports: readonly PortConfig[]) {}

  /** The frames NORMAL sends for this packet, per output port, with tags as each port needs. */
  forward(pk: SwitchPacket, now: number, note: ((text: string) => void) | undefined): { port: number; bytes: Uint8Array }[] {
    const w = pk.words;
    const inPort = this.ports.find((p) => p.number === w[W.IN_PORT]);
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
    const src = macKey(b, 6);
    if ((b[6]! & 1) === 0) {
      const key = `${vlan} ${src}`;
      const old = this.table.get(key);
      if (old?.port !== inPort.number) note?.(`learned that ${src} is on port ${inPort.number} in VLAN ${vlan}`);
      this.table.set(key, { port: inPort.number, learned: now });
    }
    // The frame as it would leave untagged, and as it would leave tagged with this VLAN.
    const untagged = tagged ? stripOuterTag(b) : b;
    const retagged = vlan === 0 && !tagged ? b : withTag(untagged, vlan, pcp);
    const sendTo = (port: PortConfig) => {
      const bytes = port.tag !== undefined ? untagged : vlan === 0 && !(tagged && pcp !== 0) ? untagged : retagged;
      return { port: port.number, bytes };
    };
    const carries = (port: PortConfig) => (port.tag !== undefined ? port.tag === vlan : !port.trunks || port.trunks.includes(vlan));
    if (!dstGroup) {
      const learned = this.table.get(`${vlan} ${macKey(b, 0)}`);
      if (learned !== undefined) {
        if (learned.port === inPort.number) {
          note?.(`>> learned destination is on the input port ${inPort.number}: dropping`);
          return [];
        }
        const port = this.ports.find((p) => p.number === learned.port);
        if (port && carries(port)) {
          note?.(`forwarding to learned port ${port.number}`);
          return [sendTo(port)];
        }
      }
    }
    note?.(dstGroup ? 'multicast or broadcast destination: flooding' : 'no learned MAC for destination: flooding');
    return this.ports.filter((p) => p.number !== inPort.number && carries(p)).map(sendTo);
  }

  /** The learned table, as fdb/show lists it: port, VLAN, MAC. */
  entries(): { port: number; vlan: number; mac: string }[] {
    return [...this.table].map(([k, v]) => {
      const [vlan, mac] = k.split(' ') as [string, string];
      return { port: v.port, vlan: Number(vlan), mac };
    });
  }
}

function macKey(b: Uint8Array, o: number): string {
  return Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
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
