/**
 * ICMP for IPv4 (RFC 792, RFC 1191) and ICMPv6 (RFC 4443). Error messages are followed by the
 * quoted original datagram, decoded as layers whose lengths may promise more than is there.
 */
import { u16, u32 } from './read.js';
import type { DecodeCursor, EncodeFrame, FieldPlaces, LayerCodec } from './codec.js';
import type { Icmp, Icmpv6 } from './layers.js';
import { finish, pseudoHeaderSum, sumWords } from './checksum.js';
import { inRange } from './errors.js';
import { IPPROTO } from './registry.js';

const TYPE = 0;
const CODE = 1;
const CHECKSUM = 2;
const REST = 4;
export const ICMP_HEADER_LENGTH = 8;

export const ICMP_TYPE = {
  ECHO_REPLY: 0, DEST_UNREACHABLE: 3, SOURCE_QUENCH: 4, REDIRECT: 5, ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11, PARAMETER_PROBLEM: 12,
} as const;
export const ICMPV6_TYPE = {
  DEST_UNREACHABLE: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128, ECHO_REPLY: 129,
} as const;

/** What ICMPv4 types and codes mean, as Wireshark names them (RFC 792, RFC 1191, RFC 1812). */
export const ICMP_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'echo reply', 3: 'destination unreachable', 4: 'source quench', 5: 'redirect', 8: 'echo request', 9: 'router advertisement',
  10: 'router solicitation', 11: 'time exceeded', 12: 'parameter problem', 13: 'timestamp', 14: 'timestamp reply',
};
export const ICMP_CODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  3: {
    0: 'net unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable', 4: 'fragmentation needed',
    5: 'source route failed', 6: 'destination network unknown', 7: 'destination host unknown', 9: 'network administratively prohibited',
    10: 'host administratively prohibited', 13: 'communication administratively prohibited',
  },
  5: { 0: 'for the network', 1: 'for the host', 2: 'for the type of service and network', 3: 'for the type of service and host' },
  11: { 0: 'TTL exceeded in transit', 1: 'fragment reassembly time exceeded' },
};
/** ICMPv6 (RFC 4443, RFC 4861). */
export const ICMPV6_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 4: 'parameter problem', 128: 'echo request', 129: 'echo reply',
  133: 'router solicitation', 134: 'router advertisement', 135: 'neighbor solicitation', 136: 'neighbor advertisement', 137: 'redirect',
};
export const ICMPV6_CODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  1: { 0: 'no route to destination', 1: 'administratively prohibited', 3: 'address unreachable', 4: 'port unreachable' },
  3: { 0: 'hop limit exceeded in transit', 1: 'fragment reassembly time exceeded' },
};

/** ICMPv4 types that quote the invoking datagram. */
export const ICMP_ERRORS: ReadonlySet<number> = new Set<number>([3, 4, 5, 11, 12]);

export const icmp: LayerCodec<'icmp'> = {
  decode(c) {
    c.need(ICMP_HEADER_LENGTH, 'icmp');
    const o = c.offset;
    const type = c.bytes[o + TYPE]!;
    const rest = u32(c.bytes, o + REST);
    c.offset = o + ICMP_HEADER_LENGTH;
    const layer: Icmp = { layer: 'icmp', type, code: c.bytes[o + CODE]!, checksum: u16(c.bytes, o + CHECKSUM) };
    if (type === ICMP_TYPE.ECHO_REQUEST || type === ICMP_TYPE.ECHO_REPLY) {
      layer.id = rest >>> 16;
      layer.seq = rest & 0xffff;
    } else if (type === ICMP_TYPE.DEST_UNREACHABLE) {
      layer.unused = rest >>> 16;
      layer.nextHopMtu = rest & 0xffff;
    } else if (type === ICMP_TYPE.TIME_EXCEEDED) {
      layer.unused = rest;
    } else {
      layer.rest = rest;
    }
    quoteOrPayload(c, ICMP_ERRORS.has(type), 'ipv4');
    return layer;
  },
  fields: (layer) => ({ ...HEADER_PLACES, ...restPlaces(layer) }),
  headerLength: () => ICMP_HEADER_LENGTH,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const type = spec.type ?? ICMP_TYPE.ECHO_REQUEST;
    let rest: number;
    if (type === ICMP_TYPE.ECHO_REQUEST || type === ICMP_TYPE.ECHO_REPLY) {
      rest = echoWord(spec.id, spec.seq, 'icmp', o);
    } else if (type === ICMP_TYPE.DEST_UNREACHABLE) {
      rest = ((inRange(spec.unused ?? 0, 0xffff, 'icmp', 'unused', o) << 16) | inRange(spec.nextHopMtu ?? 0, 0xffff, 'icmp', 'nextHopMtu', o)) >>> 0;
    } else if (spec.unused !== undefined) {
      rest = inRange(spec.unused, 0xffffffff, 'icmp', 'unused', o);
    } else {
      rest = inRange(spec.rest ?? 0, 0xffffffff, 'icmp', 'rest', o);
    }
    writeHeader(f, i, 'icmp', type, spec.code ?? 0, rest);
  },
  seal(f, i, spec) {
    sealChecksum(f, i, 'icmp', spec.checksum, 0);
  },
};

export const icmpv6: LayerCodec<'icmpv6'> = {
  decode(c) {
    c.need(ICMP_HEADER_LENGTH, 'icmpv6');
    const o = c.offset;
    const type = c.bytes[o + TYPE]!;
    const rest = u32(c.bytes, o + REST);
    c.offset = o + ICMP_HEADER_LENGTH;
    const layer: Icmpv6 = { layer: 'icmpv6', type, code: c.bytes[o + CODE]!, checksum: u16(c.bytes, o + CHECKSUM) };
    if (type === ICMPV6_TYPE.ECHO_REQUEST || type === ICMPV6_TYPE.ECHO_REPLY) {
      layer.id = rest >>> 16;
      layer.seq = rest & 0xffff;
    } else if (type === ICMPV6_TYPE.PACKET_TOO_BIG) {
      layer.mtu = rest;
    } else {
      layer.rest = rest;
    }
    // Types below 128 are errors quoting the invoking packet (RFC 4443 §2.1).
    quoteOrPayload(c, type < 128, 'ipv6');
    return layer;
  },
  fields: (layer) => ({ ...HEADER_PLACES, ...restPlaces(layer) }),
  headerLength: () => ICMP_HEADER_LENGTH,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const type = spec.type ?? ICMPV6_TYPE.ECHO_REQUEST;
    let rest: number;
    if (type === ICMPV6_TYPE.ECHO_REQUEST || type === ICMPV6_TYPE.ECHO_REPLY) rest = echoWord(spec.id, spec.seq, 'icmpv6', o);
    else if (type === ICMPV6_TYPE.PACKET_TOO_BIG) rest = inRange(spec.mtu ?? 0, 0xffffffff, 'icmpv6', 'mtu', o);
    else rest = inRange(spec.rest ?? 0, 0xffffffff, 'icmpv6', 'rest', o);
    writeHeader(f, i, 'icmpv6', type, spec.code ?? 0, rest);
  },
  seal(f, i, spec) {
    sealChecksum(f, i, 'icmpv6', spec.checksum, IPPROTO.ICMPV6);
  },
};

const HEADER_PLACES: FieldPlaces = { type: [TYPE, 1], code: [CODE, 1], checksum: [CHECKSUM, 2] };

/** The second word's fields: id and seq, unused and next-hop MTU, mtu, or rest. */
function restPlaces(layer: Icmp | Icmpv6): FieldPlaces {
  if (layer.id !== undefined) return { id: [REST, 2], seq: [REST + 2, 2] };
  if (layer.layer === 'icmp' && layer.nextHopMtu !== undefined) return { unused: [REST, 2], nextHopMtu: [REST + 2, 2] };
  return { unused: [REST, 4], mtu: [REST, 4], rest: [REST, 4] };
}

function quoteOrPayload(c: DecodeCursor, isError: boolean, quoted: 'ipv4' | 'ipv6'): void {
  if (isError) c.partial = true;
  c.setNext(isError && c.offset < c.end ? quoted : 'payload');
}

function echoWord(id: number | undefined, seq: number | undefined, layer: string, o: number): number {
  return ((inRange(id ?? 0, 0xffff, layer, 'id', o) << 16) | inRange(seq ?? 0, 0xffff, layer, 'seq', o)) >>> 0;
}

function writeHeader(f: EncodeFrame, i: number, layer: string, type: number, code: number, rest: number): void {
  const o = f.starts[i]!;
  f.view.setUint8(o + TYPE, inRange(type, 255, layer, 'type', o));
  f.view.setUint8(o + CODE, inRange(code, 255, layer, 'code', o));
  f.view.setUint32(o + REST, rest);
}

/** ICMPv4 sums the message alone; ICMPv6 adds the IPv6 pseudo-header (`protocol` 58). */
function sealChecksum(f: EncodeFrame, i: number, layer: string, pinned: number | undefined, protocol: number): void {
  const o = f.starts[i]!;
  if (pinned !== undefined) {
    f.view.setUint16(o + CHECKSUM, inRange(pinned, 0xffff, layer, 'checksum', o));
    return;
  }
  f.view.setUint16(o + CHECKSUM, 0);
  const end = f.payloadEnds[i]!;
  const sum = protocol === 0 ? 0 : pseudoHeaderSum(f, i, protocol, end - o);
  f.view.setUint16(o + CHECKSUM, finish(sumWords(f.buf, o, end, sum)));
}
