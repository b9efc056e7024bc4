/**
 * The teaching model of one frame: its layers as nested boxes (each header around what it
 * carries; a tunnel header around its inner frame), what each encapsulation adds and what that
 * leaves of a link's MTU, and how a frame changed from the one it was made from at the hop
 * before (a VLAN pushed, a VXLAN header added, addresses rewritten by the tenant platform).
 * Pure: the page renders these; tests read them.
 */
import type { EncapEntry, StackEntry } from '../../messages.js';
import type { JsonLayer } from '../../../wire/json.js';

/** Layers that carry a frame or packet of their own: what follows them is the inner packet. */
const TUNNELS: Record<string, string> = { vxlan: 'VXLAN', gre: 'GRE', esp: 'ESP' };

/** The fields that say what a layer is, for one-line summaries. */
const KEY_FIELDS: Record<string, string[]> = {
  ethernet: ['src', 'dst'], vlan: ['vid', 'pcp'], arp: ['op', 'senderIp', 'targetIp'], ipv4: ['src', 'dst', 'ttl'], ipv6: ['src', 'dst', 'hopLimit'],
  icmp: ['type', 'code', 'seq'], icmpv6: ['type', 'code'], udp: ['srcPort', 'dstPort'], tcp: ['srcPort', 'dstPort'], vxlan: ['vni'],
  gre: ['protocol', 'key'], esp: ['spi', 'seq'],
};

export interface LayerBox {
  layer: string;
  /** Header bytes (from the event's stack), when known. */
  bytes: number | undefined;
  fields: [string, string][];
  /** For a tunnel header: its name (VXLAN, GRE, ESP); the inner box is its inner packet. */
  tunnel?: string;
  /** ESP without the key: what follows is ciphertext, not layers. */
  encrypted?: boolean;
  /** Inside ESP opened with the run's key: on the wire this box was ciphertext. */
  decrypted?: boolean;
  inner?: LayerBox;
}

/** Fields read as hex, as Wireshark and `netloom decode` show them. */
const HEX_FIELDS = new Set(['etherType', 'protocolType', 'checksum', 'tpid', 'flags']);

export function fieldText(value: unknown, field = ''): string {
  if (typeof value === 'number' && HEX_FIELDS.has(field)) return `0x${value.toString(16).padStart(field === 'flags' ? 2 : 4, '0')}`;
  if (typeof value === 'string') return value === '' ? '(none)' : value.length > 48 && /^[0-9a-f]+$/.test(value) ? `${value.slice(0, 48)}… (${value.length / 2} bytes)` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The layers as boxes, outermost first; `stack` gives each header's size. */
export function nestLayers(layers: readonly JsonLayer[], stack: readonly StackEntry[] = []): LayerBox | undefined {
  let outer: LayerBox | undefined;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    const box: LayerBox = {
      layer: l.layer,
      bytes: stack[i]?.layer === l.layer ? stack[i]!.bytes : undefined,
      fields: Object.entries(l).filter(([k]) => k !== 'layer').map(([k, v]) => [k, fieldText(v, k)]),
    };
    const tunnel = TUNNELS[l.layer];
    if (tunnel !== undefined) box.tunnel = tunnel;
    // A decoded ESP names no alg when it had no key: the rest is opaque ciphertext.
    if (l.layer === 'esp' && l['alg'] === undefined) box.encrypted = true;
    if (outer !== undefined) box.inner = outer;
    outer = box;
  }
  // Everything inside an opened ESP travelled encrypted.
  for (let b = outer; b !== undefined; b = b.inner) if (b.layer === 'esp' && !b.encrypted) for (let d = b.inner; d !== undefined; d = d.inner) d.decrypted = true;
  return outer;
}

/** One line per layer: "vxlan vni=5000". */
export function layerSummary(l: JsonLayer): string {
  const keys = KEY_FIELDS[l.layer] ?? [];
  const parts = keys.filter((k) => l[k] !== undefined).map((k) => `${k}=${fieldText(l[k])}`);
  return parts.length === 0 ? l.layer : `${l.layer} ${parts.join(' ')}`;
}

/**
 * What one encapsulation costs on a link of MTU `mtu` (the IP packet size the link carries):
 * the outer packet is the inner frame plus `before` (less the outer Ethernet header, which the
 * MTU does not count) plus `after`; the inner IP packet loses its own Ethernet header too.
 */
export function encapCost(e: EncapEntry, mtu: number): { added: number; outer: number; innerMtu: number; text: string } {
  const added = e.before + e.after;
  const innerEthernet = e.inner === 'ethernet' ? 14 : 0;
  const innerMtu = mtu - (e.before - 14) - e.after - innerEthernet;
  const outer = e.innerBytes + added;
  const where = e.after > 0 ? `${e.before} in front, ${e.after} behind` : `${e.before} in front`;
  const text = `${e.tunnel} adds ${added} bytes (${where}): the ${e.innerBytes}-byte inner ${e.inner} goes out as ${outer} bytes; on a link with MTU ${mtu} the inner IP packet can be at most ${innerMtu} bytes`;
  return { added, outer, innerMtu, text };
}

/**
 * How `after` differs from `before` (the frame it was made from): layers added in front
 * (encapsulation) or taken off (decapsulation), pushed or popped in between, and fields changed.
 * Checksums that changed are said once per layer as recomputed.
 */
export function hopChanges(before: readonly JsonLayer[], after: readonly JsonLayer[]): string[] {
  const names = (ls: readonly JsonLayer[]) => ls.map((l) => l.layer);
  const a = names(before);
  const b = names(after);
  const out: string[] = [];
  const pairs: [JsonLayer, JsonLayer][] = [];
  if (b.length > a.length && endsWith(b, a)) {
    const added = after.slice(0, b.length - a.length);
    out.push(`encapsulated: added ${added.map(layerSummary).join(' / ')} in front`);
    before.forEach((l, i) => pairs.push([l, after[b.length - a.length + i]!]));
  } else if (a.length > b.length && endsWith(a, b)) {
    const removed = before.slice(0, a.length - b.length);
    out.push(`decapsulated: took off ${removed.map(layerSummary).join(' / ')}`);
    after.forEach((l, i) => pairs.push([before[a.length - b.length + i]!, l]));
  } else {
    // Otherwise align the two stacks on their longest common run of layer names.
    const matched = lcs(a, b);
    let i = 0;
    let j = 0;
    for (const [mi, mj] of [...matched, [a.length, b.length] as const]) {
      for (; i < mi; i++) out.push(`removed ${layerSummary(before[i]!)}`);
      for (; j < mj; j++) out.push(`added ${layerSummary(after[j]!)}`);
      if (mi < a.length) pairs.push([before[mi]!, after[mj]!]);
      i = mi + 1;
      j = mj + 1;
    }
  }
  for (const [x, y] of pairs) {
    let checksum = false;
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (key === 'layer' || JSON.stringify(x[key]) === JSON.stringify(y[key])) continue;
      if (key === 'checksum') checksum = true;
      else out.push(`${x.layer}.${key} ${fieldText(x[key])} → ${fieldText(y[key])}`);
    }
    if (checksum) out.push(`${x.layer} checksum recomputed`);
  }
  return out;
}

function endsWith(longer: readonly string[], tail: readonly string[]): boolean {
  const d = longer.length - tail.length;
  return tail.every((name, i) => longer[d + i] === name);
}

/** Index pairs of a longest common subsequence of two short name lists. */
function lcs(a: readonly string[], b: readonly string[]): [number, number][] {
  const m = a.length;
  const n = b.length;
  const len: number[][] = Array.from({ length: m + 1 }, () => new Array<number>(n + 1).fill(0));
  for (let i = m - 1; i >= 0; i--) for (let j = n - 1; j >= 0; j--) len[i]![j] = a[i] === b[j] ? len[i + 1]![j + 1]! + 1 : Math.max(len[i + 1]![j]!, len[i]![j + 1]!);
  const out: [number, number][] = [];
  for (let i = 0, j = 0; i < m && j < n; ) {
    if (a[i] === b[j]) out.push([i++, j++]);
    else if (len[i + 1]![j]! >= len[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}
