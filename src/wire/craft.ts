/**
 * The craft spec language, Scapy-like: `ethernet(src=02:00:00:00:00:01)/ipv4(dst=10.0.0.2)/udp`.
 * Layer and field names are the JSON ones; unset fields are defaulted or computed by encode.
 * Owns parsing spec text into layer specs; errors name the column.
 */
import type { LayerName, LayerSpec } from './layers.js';
import { LAYER_NAMES, isLayerName } from './layers.js';
import { FIELDS, fieldKind } from './fields.js';
import { ESP_ALGORITHMS } from './esp-sa.js';
import { fromHex, writeIpv4, writeIpv6, writeMac } from './addresses.js';
import { pointAt } from './errors.js';

/** payload's ways to give its bytes; one per payload. */
const PAYLOAD_SOURCES = ['data', 'text', 'size'];

/** TCP flag letters as tcpdump and Scapy write them (`flags=SA`). */
const TCP_FLAGS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };

/** A spec that cannot be read; `column` is 1-based in `spec`. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly code = 'NETLOOM_BAD_SPEC';
  constructor(
    readonly spec: string,
    readonly column: number,
    readonly reason: string,
  ) {
    super(pointAt(spec, column, reason));
  }
}

/** Parses one spec into layer specs for `encode`. */
export function parseSpec(spec: string): LayerSpec[] {
  const layers: LayerSpec[] = [];
  let pos = 0;
  const fail = (reason: string, at = pos): never => {
    throw new SpecError(spec, at + 1, reason);
  };
  const skipSpace = () => {
    while (pos < spec.length && /\s/.test(spec[pos]!)) pos++;
  };
  const word = (): string => {
    const m = /^[A-Za-z][A-Za-z0-9]*/.exec(spec.slice(pos));
    return m === null ? '' : m[0];
  };
  skipSpace();
  if (pos >= spec.length) fail('empty spec; expected a layer name such as ethernet');
  for (;;) {
    skipSpace();
    const nameAt = pos;
    const name = word();
    if (name === '') fail(`expected a layer name (${LAYER_NAMES.join(', ')})`);
    if (!isLayerName(name)) fail(`unknown layer "${name}"; ${layerHint(name)}layers are ${LAYER_NAMES.join(', ')}`, nameAt);
    pos += name.length;
    const layerName = name as LayerName;
    const layer: Record<string, unknown> = { layer: layerName };
    const given = new Set<string>();
    skipSpace();
    if (spec[pos] === '(') {
      pos++;
      skipSpace();
      while (spec[pos] !== ')') {
        skipSpace();
        const fieldAt = pos;
        const field = word();
        if (field === '') fail('expected a field name');
        pos += field.length;
        skipSpace();
        if (spec[pos] !== '=') fail(`expected "=" after ${field}`);
        pos++;
        skipSpace();
        const valueAt = pos;
        const value = readValue(spec, pos, fail);
        pos = value.end;
        if (given.has(field)) fail(`${field} is set twice`, fieldAt);
        if (layerName === 'payload' && PAYLOAD_SOURCES.includes(field)) {
          const other = PAYLOAD_SOURCES.find((f) => given.has(f));
          if (other !== undefined) fail(`${other} and ${field} both give the payload; use one of data, text, size`, fieldAt);
        }
        given.add(field);
        Object.assign(layer, fieldValue(layerName, field, value.text, value.quoted, (reason, at) => fail(reason, at ?? valueAt), fieldAt));
        skipSpace();
        if (spec[pos] === ',') {
          pos++;
          skipSpace();
          if (spec[pos] === ')') fail('expected a field after ","');
        } else if (spec[pos] !== ')') {
          fail(pos >= spec.length ? 'missing ")"' : `expected "," or ")"`);
        }
      }
      pos++;
    }
    layers.push(layer as LayerSpec);
    skipSpace();
    if (pos >= spec.length) return layers;
    if (spec[pos] !== '/') fail('expected "/" between layers');
    pos++;
  }
}

function readValue(spec: string, pos: number, fail: (reason: string, at?: number) => never): { text: string; quoted: boolean; end: number } {
  if (spec[pos] === '"') {
    let text = '';
    let i = pos + 1;
    for (; i < spec.length && spec[i] !== '"'; i++) {
      if (spec[i] === '\\' && i + 1 < spec.length) i++;
      text += spec[i];
    }
    if (i >= spec.length) fail('unterminated string', pos);
    return { text, quoted: true, end: i + 1 };
  }
  let i = pos;
  while (i < spec.length && spec[i] !== ',' && spec[i] !== ')') i++;
  const text = spec.slice(pos, i).trim();
  if (text === '') fail('expected a value');
  return { text, quoted: false, end: i };
}

function fieldValue(
  layer: LayerName,
  field: string,
  text: string,
  quoted: boolean,
  fail: (reason: string, at?: number) => never,
  fieldAt: number,
): Record<string, unknown> {
  if (layer === 'payload' && (field === 'text' || field === 'size')) {
    if (field === 'text') return { data: new TextEncoder().encode(text) };
    const size = parseInteger(text);
    if (size === undefined || size > 65535) fail(`size "${text}" is not a byte count of at most 65535`);
    // A recognisable pattern, as ping's default payload: 0x00, 0x01, ...
    return { data: Uint8Array.from({ length: size }, (_, k) => k & 0xff) };
  }
  const kind = fieldKind(layer, field);
  if (kind === undefined || kind === 'extensions') {
    const extra = layer === 'payload' ? ', text, size' : '';
    const fields = Object.keys(FIELDS[layer]).filter((f) => FIELDS[layer][f] !== 'extensions');
    if (kind === 'extensions') fail(`${layer}.${field} cannot be written in a spec; build it with the library or JSON`, fieldAt);
    fail(`${layer} has no field "${field}"; fields are ${fields.join(', ')}${extra}`, fieldAt);
  }
  const bad = (what: string): never => fail(`${layer}.${field}: "${text}" is not ${what}`);
  const probe = new Uint8Array(16);
  switch (kind) {
    case 'int': {
      if (layer === 'tcp' && field === 'flags' && /^[FSRPAUEC]+$/.test(text)) {
        let flags = 0;
        for (const letter of text) flags |= TCP_FLAGS[letter]!;
        return { flags };
      }
      const n = parseInteger(text);
      if (n === undefined) bad('an integer (decimal or 0x hex)');
      return { [field]: n };
    }
    case 'bool':
      if (text === 'true' || text === '1') return { [field]: true };
      if (text === 'false' || text === '0') return { [field]: false };
      return bad('true or false');
    case 'mac':
      try {
        writeMac(text, probe, 0);
      } catch {
        bad('a MAC address');
      }
      return { [field]: text.toLowerCase().replace(/-/g, ':') };
    case 'ipv4':
      try {
        writeIpv4(text, probe, 0);
      } catch {
        bad('an IPv4 address');
      }
      return { [field]: text };
    case 'ipv6':
      try {
        writeIpv6(text, probe, 0);
      } catch {
        bad('an IPv6 address');
      }
      return { [field]: text };
    case 'bytes':
      if (quoted) return { [field]: new TextEncoder().encode(text) };
      try {
        return { [field]: fromHex(text) };
      } catch {
        return bad('hex bytes (0x0102…)');
      }
    case 'alg':
      if (!Object.hasOwn(ESP_ALGORITHMS, text)) bad(`an ESP algorithm (${Object.keys(ESP_ALGORITHMS).join(', ')})`);
      return { [field]: text };
  }
}

function parseInteger(text: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^[0-9]+$/.test(text)) return parseInt(text, 10);
  return undefined;
}

/** Scapy's names for netloom's layers: people arrive with `Ether/IP/UDP` in their fingers. */
const SCAPY_LAYERS: Readonly<Record<string, LayerName>> = {
  Ether: 'ethernet', Dot1Q: 'vlan', Dot1AD: 'vlan', ARP: 'arp', IP: 'ipv4', IPv6: 'ipv6', ICMP: 'icmp', ICMPv6EchoRequest: 'icmpv6',
  ICMPv6EchoReply: 'icmpv6', ICMPv6PacketTooBig: 'icmpv6', ICMPv6DestUnreach: 'icmpv6', UDP: 'udp', TCP: 'tcp', VXLAN: 'vxlan', GRE: 'gre',
  ESP: 'esp', Raw: 'payload', Padding: 'payload',
};

/** `did you mean ethernet (Scapy's Ether)? ` for a Scapy name or another spelling of one of ours; nothing otherwise. */
function layerHint(name: string): string {
  const scapy = Object.hasOwn(SCAPY_LAYERS, name) ? SCAPY_LAYERS[name] : undefined;
  if (scapy !== undefined) return `did you mean ${scapy} (Scapy's ${name})? `;
  const ours = LAYER_NAMES.find((l) => l === name.toLowerCase());
  return ours === undefined ? '' : `did you mean ${ours}? `;
}
