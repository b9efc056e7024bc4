/**
 * Witness frames for the isolation verifier: a concrete Ethernet frame (IPv4 with UDP, ICMP or
 * TCP, ARP, or another EtherType) whose header lies in a header set, built with the wire
 * encoders and checked by parsing it back into flow words as a switch does. Owns the choice of
 * concrete values only; which set to draw from is verify.ts's business.
 */
import { FLOW_WORDS, W } from '../switch/fields.js';
import { SwitchPacket } from '../switch/packet.js';
import { encode } from '../wire/encode.js';
import { numberToMac, toHex } from '../wire/addresses.js';
import type { LayerSpec } from '../wire/layers.js';
import { numberToIpv4 } from '../hosts/addressing.js';
import { cube, headerWidths, type Cube, type HeaderSet } from './headerspace.js';

export interface ConcreteWitness {
  /** The frame as the sending host puts it on its link. */
  bytes: Uint8Array;
  /** The same frame as a `netloom craft` spec. */
  spec: string;
}

/** The sending host, for the values a witness is free to choose: its MAC and address. */
export interface WitnessSender {
  mac: string;
  address: number | undefined;
}

/** Words of the packet's headers: every word but the pipeline's. */
const HEADER_WORDS = [...Array.from({ length: W.TUN_ID }, (_, i) => i), W.IPV6_LABEL];
const PAYLOAD = 'netloom verify witness';

interface Template {
  /** What a frame of this kind has in its words (zeros where it has no field, widths). */
  shape: Cube;
  /** Values for bits the header set leaves free. */
  defaults: readonly [number, number][];
  layers: (w: Uint32Array) => LayerSpec[];
}

function shape(fixed: readonly [number, number, number][]): Cube {
  const c = headerWidths();
  // No IPv6 fields: none of these frames is IPv6.
  for (let w = W.IPV6_SRC; w < W.IPV6_SRC + 8; w++) c.m[w] = 0xffffffff;
  c.m[W.IPV6_LABEL] = 0xffffffff;
  for (const [w, v, m] of fixed) {
    c.v[w] = ((c.v[w]! & ~m) | (v & m)) >>> 0;
    c.m[w] = (c.m[w]! | m) >>> 0;
  }
  return c;
}

const mac = (w: Uint32Array, i: number) => numberToMac(w[i]! * 0x100000000 + w[i + 1]!);
const ip = (w: Uint32Array, i: number) => numberToIpv4(w[i]!);

function link(w: Uint32Array, etherType?: number): LayerSpec[] {
  const tci = w[W.VLAN_TCI]!;
  const ethernet: LayerSpec = { layer: 'ethernet', dst: mac(w, W.DL_DST), src: mac(w, W.DL_SRC), ...(etherType !== undefined && tci === 0 && { etherType }) };
  if (tci === 0) return [ethernet];
  return [ethernet, { layer: 'vlan', vid: tci & 0xfff, pcp: tci >>> 13, ...(etherType !== undefined && { etherType }) }];
}

function ipv4(w: Uint32Array): LayerSpec {
  return { layer: 'ipv4', src: ip(w, W.NW_SRC), dst: ip(w, W.NW_DST), ttl: w[W.NW_TTL]!, dscp: w[W.NW_TOS]! >>> 2, ecn: w[W.NW_TOS]! & 3, protocol: w[W.NW_PROTO]! };
}

const payload: LayerSpec = { layer: 'payload', data: new TextEncoder().encode(PAYLOAD) };
const NO_ARP: [number, number, number][] = [[W.ARP_SHA, 0, 0xffffffff], [W.ARP_SHA + 1, 0, 0xffffffff], [W.ARP_THA, 0, 0xffffffff], [W.ARP_THA + 1, 0, 0xffffffff]];
const IPV4 = (proto: number, tp: number): [number, number, number][] => [[W.DL_TYPE, 0x0800, 0xffffffff], [W.NW_PROTO, proto, 0xffffffff], [W.TP_SRC, 0, tp], [W.TP_DST, 0, tp], ...NO_ARP];
const IP_DEFAULTS: [number, number][] = [[W.NW_TTL, 64]];

/** Tried in this order: the first that fits the set gives the witness. */
const TEMPLATES: Template[] = [
  { shape: shape(IPV4(17, 0xffff0000)), defaults: [...IP_DEFAULTS, [W.TP_SRC, 49152], [W.TP_DST, 9]], layers: (w) => [...link(w), ipv4(w), { layer: 'udp', srcPort: w[W.TP_SRC]!, dstPort: w[W.TP_DST]! }, payload] },
  { shape: shape(IPV4(1, 0xffffff00)), defaults: [...IP_DEFAULTS, [W.TP_SRC, 8]], layers: (w) => [...link(w), ipv4(w), { layer: 'icmp', type: w[W.TP_SRC]!, code: w[W.TP_DST]!, ...(w[W.TP_SRC] === 8 && { id: 1, seq: 1 }) }, payload] },
  { shape: shape(IPV4(6, 0xffff0000)), defaults: [...IP_DEFAULTS, [W.TP_SRC, 49152], [W.TP_DST, 80]], layers: (w) => [...link(w), ipv4(w), { layer: 'tcp', srcPort: w[W.TP_SRC]!, dstPort: w[W.TP_DST]!, flags: 0x02 }] },
  {
    shape: shape([[W.DL_TYPE, 0x0806, 0xffffffff], [W.NW_PROTO, 0, 0xffffff00], [W.NW_TOS, 0, 0xffffffff], [W.NW_TTL, 0, 0xffffffff], [W.TP_SRC, 0, 0xffffffff], [W.TP_DST, 0, 0xffffffff]]),
    defaults: [[W.NW_PROTO, 1]],
    layers: (w) => [...link(w), { layer: 'arp', op: w[W.NW_PROTO]!, senderMac: mac(w, W.ARP_SHA), senderIp: ip(w, W.NW_SRC), targetMac: mac(w, W.ARP_THA), targetIp: ip(w, W.NW_DST) }],
  },
  // IPv4 of another protocol: no ports.
  { shape: shape([[W.DL_TYPE, 0x0800, 0xffffffff], [W.TP_SRC, 0, 0xffffffff], [W.TP_DST, 0, 0xffffffff], ...NO_ARP]), defaults: [...IP_DEFAULTS, [W.NW_PROTO, 253]], layers: (w) => [...link(w), ipv4(w), payload] },
  // Another EtherType: no L3 fields at all.
  {
    shape: shape([...Array.from({ length: W.TUN_ID - W.NW_SRC }, (_, i): [number, number, number] => [W.NW_SRC + i, 0, 0xffffffff])]),
    defaults: [[W.DL_TYPE, 0x88b5]],
    layers: (w) => [...link(w, w[W.DL_TYPE]!), payload],
  },
];

/**
 * A frame whose header (as a switch reads it on `inPort`) is in the set, or undefined when no
 * template fits: each template's shape narrows the set before a member is drawn, free bits take
 * the template's and the sender's values, and the bytes are parsed back to prove it.
 */
export function concretize(set: HeaderSet, inPort: number, sender: WitnessSender | undefined): ConcreteWitness | undefined {
  const src = sender === undefined ? 0x020000000001 : Number.parseInt(sender.mac.replaceAll(':', ''), 16);
  const address = sender?.address ?? 0x0a000001;
  for (const t of TEMPLATES) {
    for (const tagged of [false, true]) {
      const within = cube(t.shape.v.slice(), t.shape.m.slice());
      within.v[W.VLAN_TCI] = tagged ? 0x1000 : 0;
      within.m[W.VLAN_TCI] = tagged ? 0xffff1000 : 0xffffffff;
      const member = set.member(4096, within);
      if (member === undefined || member === 'budget') continue;
      const defaults = new Uint32Array(FLOW_WORDS);
      defaults[W.DL_DST] = 0xffff;
      defaults[W.DL_DST + 1] = 0xffffffff;
      defaults[W.DL_SRC] = Math.floor(src / 0x100000000);
      defaults[W.DL_SRC + 1] = src % 0x100000000;
      defaults[W.ARP_SHA] = defaults[W.DL_SRC]!;
      defaults[W.ARP_SHA + 1] = defaults[W.DL_SRC + 1]!;
      defaults[W.NW_SRC] = address;
      defaults[W.NW_DST] = (address ^ 3) >>> 0;
      for (const [w, v] of t.defaults) defaults[w] = v;
      const words = new Uint32Array(FLOW_WORDS);
      for (let i = 0; i < FLOW_WORDS; i++) words[i] = ((member.v[i]! & member.m[i]!) | (defaults[i]! & ~member.m[i]!)) >>> 0;
      let bytes: Uint8Array;
      try {
        bytes = encode(t.layers(words));
      } catch {
        continue;
      }
      const read = new SwitchPacket(bytes, inPort).words;
      if (HEADER_WORDS.every((i) => ((read[i]! ^ member.v[i]!) & member.m[i]!) === 0)) return { bytes, spec: specText(t.layers(words)) };
    }
  }
  return undefined;
}

/** Layers as a `netloom craft` spec: `ethernet(src=…,dst=…)/ipv4(…)/udp(…)/payload(data=0x…)`. */
export function specText(layers: readonly LayerSpec[]): string {
  return layers
    .map((l) => {
      const fields = Object.entries(l)
        .filter(([k, v]) => k !== 'layer' && v !== undefined)
        .map(([k, v]) => `${k}=${v instanceof Uint8Array ? `0x${toHex(v)}` : typeof v === 'number' && (k === 'etherType' || k === 'flags') ? `0x${v.toString(16)}` : String(v)}`);
      return fields.length === 0 ? l.layer : `${l.layer}(${fields.join(',')})`;
    })
    .join('/');
}
