/**
 * The teaching view of one packet, after Scapy's show() and hexdump(): an indented field tree
 * with each layer's byte range, checksums marked correct or not, a hexdump marking where each
 * layer starts, and how many bytes each encapsulation adds. Display only; never on a hot path.
 */
import type { DecodeOptions } from './codec.js';
import type { LayerCodec } from './codec.js';
import type { Layer, LayerName, LayerSpec } from './layers.js';
import { CODECS } from './codecs.js';
import { decodeTolerant, type LayerSpan } from './decode.js';
import { encode } from './encode.js';
import { decode } from './decode.js';
import { toHex } from './addresses.js';
import { ICMP_CODE_NAMES, ICMP_TYPE_NAMES, ICMPV6_CODE_NAMES, ICMPV6_TYPE_NAMES } from './icmp.js';

const ETHERTYPE_NAMES: Record<number, string> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q VLAN', 0x88a8: '802.1ad QinQ', 0x86dd: 'IPv6',
  0x6558: 'Transparent Ethernet Bridging', 0x88b5: 'local experimental',
};
const IP_PROTOCOL_NAMES: Record<number, string> = {
  0: 'IPv6 hop-by-hop', 1: 'ICMP', 4: 'IPv4', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 43: 'IPv6 routing',
  44: 'IPv6 fragment', 47: 'GRE', 50: 'ESP', 58: 'ICMPv6', 59: 'no next header', 60: 'IPv6 destination options',
  253: 'experimental',
};
const TYPE_FIELDS: Record<string, Record<number, string>> = {
  etherType: ETHERTYPE_NAMES, tpid: ETHERTYPE_NAMES, protocol: IP_PROTOCOL_NAMES, nextHeader: IP_PROTOCOL_NAMES,
};
const TUNNELS: Record<string, string> = { vxlan: 'VXLAN', gre: 'GRE', esp: 'ESP' };
const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'NS'];

/** What a field's value means where its layer says: TCP flags, ICMP and ICMPv6 types and codes. */
function meaning(layer: Layer, field: string): string | undefined {
  if (layer.layer === 'tcp' && field === 'flags') {
    const set = TCP_FLAG_NAMES.filter((_, bit) => layer.flags & (1 << bit));
    return set.length === 0 ? 'none' : set.join(', ');
  }
  if (layer.layer === 'icmp' || layer.layer === 'icmpv6') {
    const [types, codes] = layer.layer === 'icmp' ? [ICMP_TYPE_NAMES, ICMP_CODE_NAMES] : [ICMPV6_TYPE_NAMES, ICMPV6_CODE_NAMES];
    if (field === 'type') return types[layer.type];
    if (field === 'code') return codes[layer.type]?.[layer.code];
  }
  return undefined;
}
const CHECKSUMMED = new Set(['ipv4', 'udp', 'tcp', 'icmp', 'icmpv6', 'gre']);

/** ESP that an SA did not open: the wrong key, bad padding, a replay. */
const ESP_NOT_OPENED = new Set(['NETLOOM_ESP_ICV_FAILURE', 'NETLOOM_ESP_BAD_PADDING', 'NETLOOM_ESP_REPLAY']);

/** Nesting deeper than this keeps this indent and says its depth: the text stays linear in the depth, not its square. */
const MAX_INDENT = 8;
/** Outer layers listed in one encapsulation line; the middle of a longer list is counted, not listed. */
const MAX_OUTER_LISTED = 8;

export function explain(bytes: Uint8Array, options: DecodeOptions = {}): string {
  const spans: LayerSpan[] = [];
  let { layers, error } = decodeTolerant(bytes, options, spans);
  if (error !== undefined && ESP_NOT_OPENED.has(error.code) && error.offset + 8 <= bytes.length) {
    // What did not open is shown as the wire has it (SPI, sequence number, ciphertext), and why.
    const spi = new DataView(bytes.buffer, bytes.byteOffset + error.offset, 4).getUint32(0);
    spans.length = 0;
    ({ layers } = decodeTolerant(bytes, { ...options, espSAs: (options.espSAs ?? []).filter((sa) => sa.spi !== spi) }, spans));
  }
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  // Inside a fragment a checksum covers bytes that are not all here: no verdict either way.
  let fragment = false;
  let checksummed = 0;
  layers.forEach((layer, i) => {
    const span = spans[i]!;
    const indent = '  '.repeat(Math.min(depth, MAX_INDENT));
    const headerLength = span.headerEnd - span.start;
    const range = headerLength === 0 ? 'no bytes' : `bytes ${byteRange(span.start, headerLength)} (${headerLength})`;
    out.push(`${indent}${layer.layer}  ${range}${quoted ? '  (quoted)' : ''}${depth > MAX_INDENT ? `  (depth ${depth})` : ''}`);
    const checked = !quoted && CHECKSUMMED.has(layer.layer);
    if (checked) checksummed++;
    const verdict = !checked
      ? undefined
      : fragment
        ? '[not checked: fragment]'
        : checksummed > MAX_CHECKSUM_VERDICTS
          ? `[not checked: past the first ${MAX_CHECKSUM_VERDICTS} checksummed layers]`
          : checksumVerdict(layers, i, options);
    const places = (CODECS[layer.layer] as LayerCodec<LayerName>).fields(layer as never, span.end - span.headerEnd);
    for (const [field, value] of Object.entries(layer)) {
      if (field === 'layer' || value === undefined) continue;
      let shown = formatValue(layer.layer === 'gre' && field === 'protocol' ? 'etherType' : field, value);
      const means = meaning(layer, field);
      if (means !== undefined) shown += ` (${means})`;
      if (field === 'checksum' && verdict !== undefined) shown += ` ${verdict}`;
      const place = places[field];
      const at = place === undefined || place[1] === 0 ? '' : byteRange(span.start + place[0], place[1]);
      out.push(`${indent}  ${at.padEnd(9)} ${field.padEnd(15)} ${shown}`);
    }
    if (isFragment(layer)) fragment = true;
    if (layer.layer in TUNNELS || (isIp(layer) && i > 0 && isIp(layers[i - 1]!))) depth++;
    if ((layer.layer === 'icmp' || layer.layer === 'icmpv6') && i + 1 < layers.length && layers[i + 1]!.layer !== 'payload') {
      quoted = true;
      depth++;
    }
  });
  if (error) out.push(`! ${error.code}: ${error.message}`);
  // Concatenated, not spread into push: a 2 MiB packet's hexdump has more lines than a call takes arguments.
  return [...out, '', ...hexdump(bytes, spans, layers), '', ...encapsulation(bytes.length, layers, spans)].join('\n').trimEnd() + '\n';
}

function byteRange(start: number, length: number): string {
  return length === 1 ? String(start) : `${start}-${start + length - 1}`;
}

function isIp(layer: Layer): boolean {
  return layer.layer === 'ipv4' || layer.layer === 'ipv6';
}

/** An IPv4 datagram or IPv6 packet that is one fragment (MF/M set, or an offset): what it carries is partial. */
function isFragment(layer: Layer): boolean {
  if (layer.layer === 'ipv4') return layer.mf || layer.fragmentOffset !== 0;
  if (layer.layer !== 'ipv6') return false;
  return layer.extensionHeaders.some((h) => h.header === 'fragment' && (h.m || h.fragmentOffset !== 0));
}

function formatValue(field: string, value: unknown): string {
  if (value instanceof Uint8Array) {
    if (value.length === 0) return '(none)';
    const hex = toHex(value.subarray(0, 32));
    return `${hex}${value.length > 32 ? '…' : ''} (${value.length} bytes)`;
  }
  if (typeof value === 'number') {
    const names = TYPE_FIELDS[field];
    if (names) return `0x${value.toString(16).padStart(field === 'protocol' || field === 'nextHeader' ? 2 : 4, '0')}${names[value] ? ` (${names[value]})` : ''}`;
    if (field === 'spi') return `0x${value.toString(16).padStart(8, '0')} (${value})`;
    if (field === 'checksum' || field === 'flags') return `0x${value.toString(16).padStart(field === 'flags' ? 2 : 4, '0')}`;
    return String(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    return value.map((h: Record<string, unknown>) => `${String(h['header'])}(${Object.entries(h).filter(([k]) => k !== 'header').map(([k, v]) => `${k}=${formatValue(k, v)}`).join(', ')})`).join(' ');
  }
  return String(value);
}

/**
 * Each verdict re-encodes the whole packet: past this many checksummed layers (a packet nested
 * hundreds deep, which no real network makes) the rest are not checked, so explain stays linear.
 */
const MAX_CHECKSUM_VERDICTS = 16;

/** Re-encodes with this layer's checksum unset and compares. */
function checksumVerdict(layers: Layer[], i: number, options: DecodeOptions): string | undefined {
  const layer = layers[i]!;
  if (!('checksum' in layer) || layer.checksum === undefined) return undefined;
  if (layer.layer === 'udp' && layer.checksum === 0 && layers[i - 1]?.layer === 'ipv4') return '[none: zero on IPv4]';
  try {
    const specs: LayerSpec[] = layers.map((l, k) => (k === i ? { ...l, checksum: undefined } : l));
    const recomputed = decode(encode(specs, options), options)[i] as { checksum?: number } | undefined;
    if (recomputed?.checksum === undefined) return undefined;
    return recomputed.checksum === layer.checksum ? '[correct]' : `[incorrect, should be 0x${recomputed.checksum.toString(16).padStart(4, '0')}]`;
  } catch {
    return undefined;
  }
}

/** Offset, hex, ASCII; a row of ^ under each byte where a layer starts, named at the right. */
function hexdump(bytes: Uint8Array, spans: LayerSpan[], layers: Layer[]): string[] {
  const starts = new Map<number, string[]>();
  spans.forEach((span, i) => {
    const names = starts.get(span.start) ?? [];
    names.push(layers[i]!.layer);
    starts.set(span.start, names);
  });
  const out: string[] = [];
  for (let row = 0; row < bytes.length; row += 16) {
    const chunk = bytes.subarray(row, row + 16);
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(`${row.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${ascii}`);
    const marks: string[] = [];
    let line = '';
    for (let k = 0; k < chunk.length; k++) {
      const names = starts.get(row + k);
      if (names) {
        line = line.padEnd(6 + k * 3) + '^';
        marks.push(...names.map((n) => `${n}@${row + k}`));
      }
    }
    if (marks.length > 0) out.push(`${line.padEnd(6 + 47)}  ${marks.join(' ')}`);
  }
  return out;
}

/** What one tunnel wraps around its inner packet: the layers in front of it, and bytes after it (trailer, padding, ICV). */
export interface Encapsulation {
  /** VXLAN, GRE, ESP or IP-in-IP. */
  tunnel: string;
  /** The first inner layer (ethernet for VXLAN, ipv4 for IP-in-IP). */
  inner: LayerName;
  innerLength: number;
  /** How many layers are in front of the inner packet (the first that many of the stack). */
  outerLayers: number;
  before: number;
  after: number;
}

/** For each tunnel layer: the bytes it and everything outside it add around the inner packet. */
export function encapsulations(total: number, layers: Layer[], spans: LayerSpan[]): Encapsulation[] {
  const out: Encapsulation[] = [];
  layers.forEach((layer, i) => {
    const tunnel = TUNNELS[layer.layer] ?? (isIp(layer) && i > 0 && isIp(layers[i - 1]!) ? 'IP-in-IP' : undefined);
    const inner = spans[i + 1];
    if (tunnel === undefined || inner === undefined || layers[i + 1]!.layer === 'payload') return;
    // For IP-in-IP the tunnel header is the outer IP, the layer before.
    const first = tunnel === 'IP-in-IP' ? i : i + 1;
    const innerStart = spans[first]!.start;
    const innerEnd = spans[first]!.end;
    out.push({ tunnel, inner: layers[first]!.layer, innerLength: innerEnd - innerStart, outerLayers: first, before: innerStart, after: total - innerEnd });
  });
  return out;
}

function encapsulation(total: number, layers: Layer[], spans: LayerSpan[]): string[] {
  // Each line names at most MAX_OUTER_LISTED of the layers in front: linear in the depth however deep the nesting.
  const header = (k: number) => `${layers[k]!.layer} ${spans[k]!.headerEnd - spans[k]!.start}`;
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => header(from + k)).join(' + ');
  const outerList = (n: number) => {
    if (n <= MAX_OUTER_LISTED) return range(0, n);
    const half = MAX_OUTER_LISTED / 2;
    return `${range(0, half)} + … ${n - MAX_OUTER_LISTED} more layers … + ${range(n - half, n)}`;
  };
  return encapsulations(total, layers, spans).map(
    (e) =>
      `${e.tunnel} encapsulation adds ${e.before + e.after} bytes around a ${e.innerLength}-byte inner ${e.inner}: ` +
      `${e.before} in front (${outerList(e.outerLayers)})${e.after > 0 ? `, ${e.after} after (trailer, padding, ICV)` : ''}`,
  );
}
