/** IPv4 (RFC 791): options kept as bytes, header checksum, DF/MF and fragment offset. */
import type { Ipv4 } from './layers.js';
import { NO_BYTES, u16 } from './read.js';
import type { DecodeCursor, EncodeFrame, LayerCodec } from './codec.js';
import { ipv4ToText, writeIpv4 } from './addresses.js';
import { internetChecksum } from './checksum.js';
import { WireError, inRange } from './errors.js';
import { IPPROTO } from './registry.js';

const VERSION_IHL = 0;
const TOS = 1;
const TOTAL_LENGTH = 2;
const ID = 4;
const FLAGS_FRAGMENT = 6;
const TTL = 8;
const PROTOCOL = 9;
const CHECKSUM = 10;
const SRC = 12;
const DST = 16;
export const IPV4_MIN_HEADER_LENGTH = 20;
const MAX_OPTIONS = 40;
const OPTION_EOL = 0;
const OPTION_NOP = 1;
/** Loose and strict source and record route (RFC 791), copied flag set. */
const OPTION_LSRR = 131;
const OPTION_SSRR = 137;
/** RFC 3692 experimental protocol number, used for an unknown payload. */
export const IPPROTO_EXPERIMENTAL = 253;

export const ipv4: LayerCodec<'ipv4'> = {
  decode(c: DecodeCursor) {
    c.need(IPV4_MIN_HEADER_LENGTH, 'ipv4');
    const o = c.offset;
    const b = c.bytes;
    const versionIhl = b[o + VERSION_IHL]!;
    const version = versionIhl >>> 4;
    if (version !== 4) throw new WireError('NETLOOM_BAD_VERSION', `version ${version}, expected 4`, 'ipv4', c.at(o));
    const ihl = versionIhl & 0x0f;
    const headerLength = ihl * 4;
    if (headerLength < IPV4_MIN_HEADER_LENGTH) {
      throw new WireError('NETLOOM_BAD_LENGTH', `ihl ${ihl} is below the minimum of 5`, 'ipv4', c.at(o));
    }
    c.need(headerLength, 'ipv4');
    const totalLength = u16(c.bytes, o + TOTAL_LENGTH);
    if (totalLength < headerLength) {
      throw new WireError('NETLOOM_BAD_LENGTH', `totalLength ${totalLength} is less than the header (${headerLength})`, 'ipv4', c.at(o));
    }
    if (!c.partial && totalLength > c.end - o) {
      throw new WireError('NETLOOM_TRUNCATED', `totalLength ${totalLength} but only ${c.end - o} bytes left`, 'ipv4', c.at(o));
    }
    const padding = c.narrow(totalLength);
    const flagsFragment = u16(c.bytes, o + FLAGS_FRAGMENT);
    const protocol = b[o + PROTOCOL]!;
    const fragmentOffset = flagsFragment & 0x1fff;
    const mf = (flagsFragment & 0x2000) !== 0;
    c.offset = o + headerLength;
    if (mf) c.partial = true;
    // A later fragment starts mid-datagram: its bytes are no header.
    c.setNext(fragmentOffset === 0 ? (c.registry.layerForIpProtocol(protocol) ?? 'payload') : 'payload');
    const tos = b[o + TOS]!;
    const layer: Ipv4 = {
      layer: 'ipv4',
      version,
      ihl,
      dscp: tos >>> 2,
      ecn: tos & 3,
      totalLength,
      id: u16(c.bytes, o + ID),
      reservedFlag: (flagsFragment & 0x8000) !== 0,
      df: (flagsFragment & 0x4000) !== 0,
      mf,
      fragmentOffset,
      ttl: b[o + TTL]!,
      protocol,
      checksum: u16(c.bytes, o + CHECKSUM),
      src: ipv4ToText(b, o + SRC),
      dst: ipv4ToText(b, o + DST),
      options: headerLength > IPV4_MIN_HEADER_LENGTH ? b.subarray(o + IPV4_MIN_HEADER_LENGTH, o + headerLength) : NO_BYTES,
    };
    if (padding) layer.padding = padding;
    return layer;
  },
  fields: (layer) => ({
    version: [VERSION_IHL, 1], ihl: [VERSION_IHL, 1], dscp: [TOS, 1], ecn: [TOS, 1], totalLength: [TOTAL_LENGTH, 2], id: [ID, 2],
    reservedFlag: [FLAGS_FRAGMENT, 1], df: [FLAGS_FRAGMENT, 1], mf: [FLAGS_FRAGMENT, 1], fragmentOffset: [FLAGS_FRAGMENT, 2],
    ttl: [TTL, 1], protocol: [PROTOCOL, 1], checksum: [CHECKSUM, 2], src: [SRC, 4], dst: [DST, 4],
    options: [IPV4_MIN_HEADER_LENGTH, layer.options.length],
    ...(layer.padding && { padding: [layer.totalLength, layer.padding.length] }),
  }),
  headerLength(spec, f, i) {
    const options = spec.options?.length ?? 0;
    if (options > MAX_OPTIONS) throw new WireError('NETLOOM_BAD_FIELD', `${options} option bytes, at most ${MAX_OPTIONS}`, 'ipv4', f.starts[i]!);
    return IPV4_MIN_HEADER_LENGTH + ((options + 3) & ~3);
  },
  trailerLength: (spec) => spec.padding?.length ?? 0,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const v = f.view;
    const b = f.buf;
    const headerLength = f.starts[i + 1]! - o;
    const ihl = spec.ihl ?? headerLength / 4;
    v.setUint8(o + VERSION_IHL, (inRange(spec.version ?? 4, 15, 'ipv4', 'version', o) << 4) | inRange(ihl, 15, 'ipv4', 'ihl', o));
    v.setUint8(o + TOS, (inRange(spec.dscp ?? 0, 63, 'ipv4', 'dscp', o) << 2) | inRange(spec.ecn ?? 0, 3, 'ipv4', 'ecn', o));
    v.setUint16(o + TOTAL_LENGTH, inRange(spec.totalLength ?? f.payloadEnds[i]! - o, 0xffff, 'ipv4', 'totalLength', o));
    v.setUint16(o + ID, inRange(spec.id ?? 1, 0xffff, 'ipv4', 'id', o));
    v.setUint16(
      o + FLAGS_FRAGMENT,
      (spec.reservedFlag === true ? 0x8000 : 0) |
        (spec.df === true ? 0x4000 : 0) |
        (spec.mf === true ? 0x2000 : 0) |
        inRange(spec.fragmentOffset ?? 0, 0x1fff, 'ipv4', 'fragmentOffset', o),
    );
    v.setUint8(o + TTL, inRange(spec.ttl ?? 64, 255, 'ipv4', 'ttl', o));
    v.setUint8(o + PROTOCOL, inRange(spec.protocol ?? nextIpProtocol(f, i), 255, 'ipv4', 'protocol', o));
    writeIpv4(spec.src ?? '127.0.0.1', b, o + SRC, 'ipv4.src');
    writeIpv4(spec.dst ?? '127.0.0.1', b, o + DST, 'ipv4.dst');
    if (headerLength > IPV4_MIN_HEADER_LENGTH) {
      b.fill(0, o + IPV4_MIN_HEADER_LENGTH, o + headerLength);
      if (spec.options) b.set(spec.options, o + IPV4_MIN_HEADER_LENGTH);
    }
    v.setUint16(o + CHECKSUM, 0);
    v.setUint16(o + CHECKSUM, spec.checksum === undefined ? internetChecksum(b, o, o + headerLength) : inRange(spec.checksum, 0xffff, 'ipv4', 'checksum', o));
    if (spec.padding) b.set(spec.padding, f.payloadEnds[i]!);
  },
};

/**
 * The IP protocol number announcing layer i+1 (IPv4 protocol, IPv6 next header, ESP next
 * header): the registry's number, 59 (No Next Header) when nothing follows, 253 (RFC 3692
 * experimental) for an unknown payload.
 */
export function nextIpProtocol(f: EncodeFrame, i: number): number {
  const next = f.layers[i + 1];
  if (next === undefined) return IPPROTO.NONE;
  if (next.layer === 'payload') return IPPROTO_EXPERIMENTAL;
  const protocol = f.registry.ipProtocolFor(next.layer);
  if (protocol === undefined) {
    throw new WireError('NETLOOM_BAD_FIELD', `no IP protocol number is registered for ${next.layer}; set it`, f.layers[i]!.layer, f.starts[i]!);
  }
  return protocol;
}

/**
 * Where the address for an upper-layer pseudo-header sits in the written IPv4 header at
 * `start` (options end at `headerEnd`): the last address of a loose or strict source route with
 * hops to go, which is the final destination, else the Destination Address. Wireshark checks
 * UDP/TCP checksums this way; Scapy computes them so.
 */
export function finalDestinationOffset(b: Uint8Array, start: number, headerEnd: number): number {
  let p = start + IPV4_MIN_HEADER_LENGTH;
  while (p < headerEnd && b[p] !== OPTION_EOL) {
    if (b[p] === OPTION_NOP) {
      p++;
      continue;
    }
    const length = b[p + 1] ?? 0;
    if (length < 2 || p + length > headerEnd) break;
    const addresses = Math.floor((length - 3) / 4);
    // A pointer (1-based in the option) past the last address: the route is used up and the
    // Destination Address is already the final one.
    if ((b[p] === OPTION_LSRR || b[p] === OPTION_SSRR) && addresses > 0 && b[p + 2]! <= length) return p + 3 + (addresses - 1) * 4;
    p += length;
  }
  return start + DST;
}
