/**
 * IPv6 (RFC 8200) with the hop-by-hop, routing, fragment and destination options extension
 * headers walked to the upper layer. Extension headers live inside the ipv6 layer.
 */
import { u16, u32 } from './read.js';
import type { DecodeCursor, LayerCodec } from './codec.js';
import type { Ipv6, Ipv6ExtensionHeader, Ipv6ExtensionHeaderSpec } from './layers.js';
import { ipv6ToText, writeIpv6 } from './addresses.js';
import { WireError, inRange } from './errors.js';
import { IPPROTO } from './registry.js';
import { nextIpProtocol } from './ipv4.js';

const VERSION_CLASS_FLOW = 0;
const PAYLOAD_LENGTH = 4;
const NEXT_HEADER = 6;
const HOP_LIMIT = 7;
const SRC = 8;
const DST = 24;
export const IPV6_HEADER_LENGTH = 40;
const FRAGMENT_HEADER_LENGTH = 8;
/** Shared, never written to: no array per packet for a spec without extension headers. */
const NO_HEADERS: readonly Ipv6ExtensionHeaderSpec[] = [];

const EXTENSION_TYPES: Record<Ipv6ExtensionHeader['header'], number> = {
  hopByHop: IPPROTO.HOPOPTS,
  routing: IPPROTO.ROUTING,
  fragment: IPPROTO.FRAGMENT,
  destinationOptions: IPPROTO.DSTOPTS,
};

export const ipv6: LayerCodec<'ipv6'> = {
  decode(c: DecodeCursor) {
    c.need(IPV6_HEADER_LENGTH, 'ipv6');
    const o = c.offset;
    const b = c.bytes;
    const first = u32(c.bytes, o + VERSION_CLASS_FLOW);
    const version = first >>> 28;
    if (version !== 6) throw new WireError('NETLOOM_BAD_VERSION', `version ${version}, expected 6`, 'ipv6', c.at(o));
    const payloadLength = u16(c.bytes, o + PAYLOAD_LENGTH);
    if (!c.partial && payloadLength > c.end - o - IPV6_HEADER_LENGTH) {
      throw new WireError('NETLOOM_TRUNCATED', `payloadLength ${payloadLength} but only ${c.end - o - IPV6_HEADER_LENGTH} bytes left`, 'ipv6', c.at(o));
    }
    const padding = c.narrow(IPV6_HEADER_LENGTH + payloadLength);
    const nextHeader = b[o + NEXT_HEADER]!;
    c.offset = o + IPV6_HEADER_LENGTH;
    const extensionHeaders: Ipv6ExtensionHeader[] = [];
    let upper: number = nextHeader;
    let laterFragment = false;
    for (;;) {
      const e = c.offset;
      if (upper === IPPROTO.FRAGMENT) {
        c.need(FRAGMENT_HEADER_LENGTH, 'ipv6');
        const offsetFlags = u16(c.bytes, e + 2);
        const header = {
          header: 'fragment' as const,
          nextHeader: b[e]!,
          reserved: b[e + 1]!,
          fragmentOffset: offsetFlags >>> 3,
          res: (offsetFlags >>> 1) & 3,
          m: (offsetFlags & 1) !== 0,
          identification: u32(c.bytes, e + 4),
        };
        extensionHeaders.push(header);
        if (header.m) c.partial = true;
        laterFragment = header.fragmentOffset !== 0;
        c.offset = e + FRAGMENT_HEADER_LENGTH;
        upper = header.nextHeader;
        if (laterFragment) break;
      } else if (upper === IPPROTO.HOPOPTS || upper === IPPROTO.DSTOPTS || upper === IPPROTO.ROUTING) {
        c.need(2, 'ipv6');
        const headerLength = b[e + 1]!;
        const length = (headerLength + 1) * 8;
        c.need(length, 'ipv6');
        if (upper === IPPROTO.ROUTING) {
          extensionHeaders.push({
            header: 'routing',
            nextHeader: b[e]!,
            headerLength,
            routingType: b[e + 2]!,
            segmentsLeft: b[e + 3]!,
            typeData: b.subarray(e + 4, e + length),
          });
        } else {
          extensionHeaders.push({
            header: upper === IPPROTO.HOPOPTS ? 'hopByHop' : 'destinationOptions',
            nextHeader: b[e]!,
            headerLength,
            options: b.subarray(e + 2, e + length),
          });
        }
        upper = b[e]!;
        c.offset = e + length;
      } else {
        break;
      }
    }
    c.setNext(laterFragment ? 'payload' : (c.registry.layerForIpProtocol(upper) ?? 'payload'));
    const layer: Ipv6 = {
      layer: 'ipv6',
      version,
      trafficClass: (first >>> 20) & 0xff,
      flowLabel: first & 0xfffff,
      payloadLength,
      nextHeader,
      hopLimit: b[o + HOP_LIMIT]!,
      src: ipv6ToText(b, o + SRC),
      dst: ipv6ToText(b, o + DST),
      extensionHeaders,
    };
    if (padding) layer.padding = padding;
    return layer;
  },
  fields(layer, carried) {
    let extensions = 0;
    for (const h of layer.extensionHeaders) extensions += extensionLength(h);
    return {
      version: [VERSION_CLASS_FLOW, 1], trafficClass: [VERSION_CLASS_FLOW, 2], flowLabel: [VERSION_CLASS_FLOW + 1, 3],
      payloadLength: [PAYLOAD_LENGTH, 2], nextHeader: [NEXT_HEADER, 1], hopLimit: [HOP_LIMIT, 1], src: [SRC, 16], dst: [DST, 16],
      extensionHeaders: [IPV6_HEADER_LENGTH, extensions],
      ...(layer.padding && { padding: [IPV6_HEADER_LENGTH + extensions + carried, layer.padding.length] }),
    };
  },
  headerLength(spec) {
    const headers = spec.extensionHeaders;
    let length = IPV6_HEADER_LENGTH;
    if (headers !== undefined) for (let h = 0; h < headers.length; h++) length += extensionLength(headers[h]!);
    return length;
  },
  trailerLength: (spec) => spec.padding?.length ?? 0,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const v = f.view;
    const b = f.buf;
    const headers = spec.extensionHeaders ?? NO_HEADERS;
    const trafficClass = inRange(spec.trafficClass ?? 0, 255, 'ipv6', 'trafficClass', o);
    const flowLabel = inRange(spec.flowLabel ?? 0, 0xfffff, 'ipv6', 'flowLabel', o);
    v.setUint32(o + VERSION_CLASS_FLOW, ((inRange(spec.version ?? 6, 15, 'ipv6', 'version', o) << 28) | (trafficClass << 20) | flowLabel) >>> 0);
    const payloadLength = spec.payloadLength ?? f.payloadEnds[i]! - o - IPV6_HEADER_LENGTH;
    v.setUint16(o + PAYLOAD_LENGTH, inRange(payloadLength, 0xffff, 'ipv6', 'payloadLength', o));
    const firstType = headers[0] === undefined ? nextIpProtocol(f, i) : EXTENSION_TYPES[headers[0].header];
    v.setUint8(o + NEXT_HEADER, inRange(spec.nextHeader ?? firstType, 255, 'ipv6', 'nextHeader', o));
    v.setUint8(o + HOP_LIMIT, inRange(spec.hopLimit ?? 64, 255, 'ipv6', 'hopLimit', o));
    writeIpv6(spec.src ?? '::1', b, o + SRC, 'ipv6.src');
    writeIpv6(spec.dst ?? '::1', b, o + DST, 'ipv6.dst');
    let e = o + IPV6_HEADER_LENGTH;
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]!;
      const following = headers[h + 1];
      const next = header.nextHeader ?? (following === undefined ? nextIpProtocol(f, i) : EXTENSION_TYPES[following.header]);
      e = writeExtension(f.buf, v, e, header, inRange(next, 255, 'ipv6', 'nextHeader', e));
    }
    if (spec.padding) b.set(spec.padding, f.payloadEnds[i]!);
  },
};

function extensionLength(h: Ipv6ExtensionHeaderSpec): number {
  switch (h.header) {
    case 'fragment':
      return FRAGMENT_HEADER_LENGTH;
    case 'routing':
      return (4 + h.typeData.length + 7) & ~7;
    default:
      return (2 + h.options.length + 7) & ~7;
  }
}

/** Writes one extension header at e; returns where the next one starts. */
function writeExtension(b: Uint8Array, v: DataView, e: number, h: Ipv6ExtensionHeaderSpec, nextHeader: number): number {
  const length = extensionLength(h);
  b[e] = nextHeader;
  if (h.header === 'fragment') {
    b[e + 1] = inRange(h.reserved, 255, 'ipv6', 'fragment.reserved', e);
    const offset = inRange(h.fragmentOffset, 0x1fff, 'ipv6', 'fragment.fragmentOffset', e);
    v.setUint16(e + 2, (offset << 3) | (inRange(h.res, 3, 'ipv6', 'fragment.res', e) << 1) | (h.m ? 1 : 0));
    v.setUint32(e + 4, inRange(h.identification, 0xffffffff, 'ipv6', 'fragment.identification', e));
    return e + length;
  }
  b[e + 1] = inRange(h.headerLength ?? length / 8 - 1, 255, 'ipv6', `${h.header}.headerLength`, e);
  if (h.header === 'routing') {
    b[e + 2] = inRange(h.routingType, 255, 'ipv6', 'routing.routingType', e);
    b[e + 3] = inRange(h.segmentsLeft, 255, 'ipv6', 'routing.segmentsLeft', e);
    b.set(h.typeData, e + 4);
    b.fill(0, e + 4 + h.typeData.length, e + length);
  } else {
    b.set(h.options, e + 2);
    padOptions(b, e + 2 + h.options.length, e + length);
  }
  return e + length;
}

/** Fills [from, to) with Pad1 or PadN options (RFC 8200 §4.2). */
function padOptions(b: Uint8Array, from: number, to: number): void {
  const n = to - from;
  if (n === 0) return;
  if (n === 1) {
    b[from] = 0;
    return;
  }
  b[from] = 1;
  b[from + 1] = n - 2;
  b.fill(0, from + 2, to);
}

/**
 * Where the address for an upper-layer pseudo-header sits in the written IPv6 header at
 * `start`: the final destination of a routing header with segments left (RFC 8200 §8.1),
 * else the Destination Address.
 */
export function finalDestinationOffset(b: Uint8Array, start: number, end: number): number {
  let next = b[start + NEXT_HEADER]!;
  let e = start + IPV6_HEADER_LENGTH;
  while (e + 8 <= end && (next === IPPROTO.HOPOPTS || next === IPPROTO.DSTOPTS || next === IPPROTO.ROUTING || next === IPPROTO.FRAGMENT)) {
    const length = next === IPPROTO.FRAGMENT ? FRAGMENT_HEADER_LENGTH : (b[e + 1]! + 1) * 8;
    if (e + length > end) break;
    if (next === IPPROTO.ROUTING && b[e + 3]! > 0) {
      const routingType = b[e + 2]!;
      // Type 0 and 2 list addresses to the end, the final one last; SRv6 (type 4) lists it first.
      if ((routingType === 0 || routingType === 2) && length >= 24) return e + length - 16;
      if (routingType === 4 && length >= 24) return e + 8;
    }
    next = b[e]!;
    e += length;
  }
  return start + DST;
}
