/**
 * UDP (RFC 768) with the checksum over the IPv4 or IPv6 pseudo-header. On IPv4 a checksum of
 * 0 means none; a computed 0 is sent as 0xffff. A datagram to a VXLAN port gets a source port
 * from a hash of the inner flow (RFC 7348 §5).
 */
import type { Udp } from './layers.js';
import { u16 } from './read.js';
import type { EncodeFrame, LayerCodec } from './codec.js';
import { finish, pseudoHeaderSum, sumWords } from './checksum.js';
import { WireError, inRange } from './errors.js';
import { IPPROTO } from './registry.js';
import { flowHash } from './flowkey.js';

const SRC_PORT = 0;
const DST_PORT = 2;
const LENGTH = 4;
const CHECKSUM = 6;
export const UDP_HEADER_LENGTH = 8;
const DEFAULT_PORT = 53;
/** RFC 7348 §5: the source port comes from the dynamic/private range 49152-65535. */
const TUNNEL_PORT_BASE = 49152;
const TUNNEL_PORT_SPAN = 16384;

export const udp: LayerCodec<'udp'> = {
  decode(c) {
    c.need(UDP_HEADER_LENGTH, 'udp');
    const o = c.offset;
    const length = u16(c.bytes, o + LENGTH);
    if (length < UDP_HEADER_LENGTH) throw new WireError('NETLOOM_BAD_LENGTH', `length ${length} is below the header's 8`, 'udp', c.at(o));
    if (!c.partial && length > c.end - o) {
      throw new WireError('NETLOOM_BAD_LENGTH', `length ${length} but only ${c.end - o} bytes left`, 'udp', c.at(o));
    }
    const padding = c.narrow(length);
    const dstPort = u16(c.bytes, o + DST_PORT);
    c.offset = o + UDP_HEADER_LENGTH;
    // An empty datagram carries nothing, even to a registered port (encode makes them; tshark reads them).
    c.setNext(c.offset >= c.end ? undefined : (c.registry.layerForUdpPort(dstPort) ?? 'payload'));
    const layer: Udp = {
      layer: 'udp',
      srcPort: u16(c.bytes, o + SRC_PORT),
      dstPort,
      length,
      checksum: u16(c.bytes, o + CHECKSUM),
    };
    if (padding) layer.padding = padding;
    return layer;
  },
  fields: (layer) => ({
    srcPort: [SRC_PORT, 2], dstPort: [DST_PORT, 2], length: [LENGTH, 2], checksum: [CHECKSUM, 2],
    ...(layer.padding && { padding: [layer.length, layer.padding.length] }),
  }),
  headerLength: () => UDP_HEADER_LENGTH,
  trailerLength: (spec) => spec.padding?.length ?? 0,
  write(f, i, spec) {
    const o = f.starts[i]!;
    const next = f.layers[i + 1];
    const dstPort = spec.dstPort ?? (next && f.registry.udpPortFor(next.layer)) ?? DEFAULT_PORT;
    f.view.setUint16(o + DST_PORT, inRange(dstPort, 0xffff, 'udp', 'dstPort', o));
    f.view.setUint16(o + LENGTH, inRange(spec.length ?? f.payloadEnds[i]! - o, 0xffff, 'udp', 'length', o));
    if (spec.padding) f.buf.set(spec.padding, f.payloadEnds[i]!);
  },
  seal(f, i, spec) {
    const o = f.starts[i]!;
    const v = f.view;
    // The source port may hash the inner frame, so it is written once the inner bytes are.
    v.setUint16(o + SRC_PORT, inRange(spec.srcPort ?? defaultSourcePort(f, i), 0xffff, 'udp', 'srcPort', o));
    if (spec.checksum !== undefined) {
      v.setUint16(o + CHECKSUM, inRange(spec.checksum, 0xffff, 'udp', 'checksum', o));
      return;
    }
    v.setUint16(o + CHECKSUM, 0);
    const length = v.getUint16(o + LENGTH);
    const sum = pseudoHeaderSum(f, i, IPPROTO.UDP, length);
    const checksum = finish(sumWords(f.buf, o, f.payloadEnds[i]!, sum));
    v.setUint16(o + CHECKSUM, checksum === 0 ? 0xffff : checksum);
  },
};

function defaultSourcePort(f: EncodeFrame, i: number): number {
  const next = f.layers[i + 1];
  if (next?.layer !== 'vxlan') return DEFAULT_PORT;
  if (i + 2 >= f.layers.length) return TUNNEL_PORT_BASE;
  return TUNNEL_PORT_BASE + (flowHash(f.buf, f.starts[i + 2]!, f.payloadEnds[i + 1]!) % TUNNEL_PORT_SPAN);
}
