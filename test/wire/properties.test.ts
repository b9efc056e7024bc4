/**
 * Property tests: generated layer stacks survive encode -> decode -> encode; random and
 * mutated bytes never raise anything but WireError and never read past the packet.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, decodeTolerant, encode, encodeInto, fromHex, toHex, WireError } from '../../src/index.js';
import type { DecodeOptions, LayerName, LayerSpec, SecurityAssociation } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';

const sa: SecurityAssociation = { spi: 0x1234, alg: 'aes-gcm-128', key: fromHex('000102030405060708090a0b0c0d0e0fdeadbeef') };
const options: DecodeOptions = { espSAs: [sa] };

const byte = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
const ipv4 = fc.ipV4();
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Array.from({ length: 8 }, (_, k) => ((b[2 * k]! << 8) | b[2 * k + 1]!).toString(16)).join(':'));
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const payload = bytes(64).map((data): LayerSpec[] => (data.length > 0 ? [{ layer: 'payload', data }] : []));

/** What an IP packet carries, short of ICMP errors (which quote one of these). */
const upper = (ip: 'ipv4' | 'ipv6'): fc.Arbitrary<LayerSpec[]> =>
  fc.oneof(
    fc.record({ srcPort: u16, dstPort: u16.filter((p) => p !== 4789) }).chain((u) => payload.map((p): LayerSpec[] => [{ layer: 'udp', ...u }, ...p])),
    // An empty datagram to a registered port is no VXLAN header.
    u16.map((srcPort): LayerSpec[] => [{ layer: 'udp', srcPort, dstPort: 4789 }]),
    fc
      .record({ srcPort: u16, dstPort: u16, seq: u32, ack: u32, flags: byte, window: u16, urgentPointer: u16, options: fc.constantFrom(new Uint8Array(0), fromHex('020405b4'), fromHex('0101080a0000000100000002')) })
      .chain((t) => payload.map((p): LayerSpec[] => [{ layer: 'tcp', ...t }, ...p])),
    ip === 'ipv4'
      ? fc.record({ id: u16, seq: u16 }).chain((e) => payload.map((p): LayerSpec[] => [{ layer: 'icmp', type: 8, ...e }, ...p]))
      : fc.record({ id: u16, seq: u16 }).chain((e) => payload.map((p): LayerSpec[] => [{ layer: 'icmpv6', type: 128, ...e }, ...p])),
  );

const ipv4Fields = {
  src: ipv4, dst: ipv4, dscp: fc.integer({ min: 0, max: 63 }), ecn: fc.integer({ min: 0, max: 3 }), id: u16, df: fc.boolean(),
  ttl: byte, options: fc.constantFrom(new Uint8Array(0), fromHex('01010100'), fromHex('070b040101010102020202' + '00')),
};
/** Any IPv4 header, a first fragment (MF) included. */
const ipv4Layer = fc.record({ ...ipv4Fields, mf: fc.boolean() }).map((f): LayerSpec => ({ layer: 'ipv4', ...f }));
/** A whole datagram: what an ESP tunnel carries (ESP in a fragment is not opened). */
const ipv4Whole = fc.record(ipv4Fields).map((f): LayerSpec => ({ layer: 'ipv4', ...f }));

const extension = fc.oneof(
  bytes(12).map((options) => ({ header: 'hopByHop' as const, options })),
  bytes(12).map((options) => ({ header: 'destinationOptions' as const, options })),
  fc.record({ identification: u32, m: fc.boolean() }).map((f) => ({ header: 'fragment' as const, reserved: 0, fragmentOffset: 0, res: 0, ...f })),
  // Types 0 and 2 with segments left make the pseudo-header use the last address (RFC 8200 §8.1).
  fc.record({ routingType: fc.constantFrom(0, 2, 4, 253), segmentsLeft: fc.integer({ min: 0, max: 3 }), typeData: bytes(36) })
    .map((f) => ({ header: 'routing' as const, ...f })),
);
const ipv6Layer = fc.record({ src: ipv6, dst: ipv6, trafficClass: byte, flowLabel: fc.integer({ min: 0, max: 0xfffff }), hopLimit: byte, extensionHeaders: fc.array(extension, { maxLength: 3 }) })
  .map((f): LayerSpec => ({ layer: 'ipv6', ...f }));

/** An IP packet's contents, or an ICMP error quoting a datagram (RFC 792, RFC 4443 §2.1). */
const transport = (ip: 'ipv4' | 'ipv6'): fc.Arbitrary<LayerSpec[]> =>
  fc.oneof(
    { arbitrary: upper(ip), weight: 4 },
    ip === 'ipv4'
      ? fc
          .tuple(fc.constantFrom({ type: 3, code: 4, nextHopMtu: 1400 }, { type: 3, code: 3 }, { type: 11, code: 0 }), ipv4Layer, upper('ipv4'))
          .map(([error, quoted, rest]): LayerSpec[] => [{ layer: 'icmp', ...error }, quoted, ...rest])
      : fc
          .tuple(fc.constantFrom({ type: 1, code: 4 }, { type: 2, code: 0, mtu: 1280 }, { type: 3, code: 0 }), ipv6Layer, upper('ipv6'))
          .map(([error, quoted, rest]): LayerSpec[] => [{ layer: 'icmpv6', ...error }, quoted, ...rest]),
  );

const l3: fc.Arbitrary<LayerSpec[]> = fc.oneof(
  ipv4Layer.chain((ip) => transport('ipv4').map((t) => [ip, ...t])),
  ipv6Layer.chain((ip) => transport('ipv6').map((t) => [ip, ...t])),
  fc.record({ op: fc.constantFrom(1, 2), senderMac: mac, senderIp: ipv4, targetMac: mac, targetIp: ipv4 }).map((a): LayerSpec[] => [{ layer: 'arp', ...a }]),
);

const vlans = fc.array(fc.record({ vid: fc.integer({ min: 0, max: 4095 }), pcp: fc.integer({ min: 0, max: 7 }), dei: fc.boolean() }), { maxLength: 3 })
  .map((tags) => tags.map((t): LayerSpec => ({ layer: 'vlan', ...t })));
const frame: fc.Arbitrary<LayerSpec[]> = fc.tuple(mac, mac, vlans, l3).map(([dst, src, tags, rest]) => [{ layer: 'ethernet', dst, src }, ...tags, ...rest]);

const tunnel: fc.Arbitrary<LayerSpec[]> = fc.oneof(
  fc.tuple(ipv4Layer, fc.integer({ min: 0, max: 0xffffff }), frame).map(([ip, vni, inner]): LayerSpec[] => [ip, { layer: 'udp' }, { layer: 'vxlan', vni }, ...inner]),
  fc.tuple(ipv4Layer, fc.boolean(), fc.option(u32, { nil: undefined }), fc.option(u32, { nil: undefined }), frame).map(([ip, checksumPresent, key, seq, inner]): LayerSpec[] => [
    ip, { layer: 'gre', checksumPresent, key, seq }, ...inner,
  ]),
  // A GRE header with nothing after it, whatever its protocol announces.
  fc.tuple(ipv4Layer, fc.boolean(), fc.option(u32, { nil: undefined }), fc.constantFrom(0x6558, 0x0800, 0x86dd, 0x88b5)).map(([ip, checksumPresent, key, protocol]): LayerSpec[] => [
    ip, { layer: 'gre', checksumPresent, key, protocol },
  ]),
  fc.tuple(ipv4Whole, u32.filter((s) => s > 0), ipv4Layer, transport('ipv4')).map(([outer, seq, inner, rest]): LayerSpec[] => [
    outer, { layer: 'esp', spi: sa.spi, seq, alg: sa.alg, key: sa.key }, inner, ...rest,
  ]),
);
const packet: fc.Arbitrary<LayerSpec[]> = fc.oneof(frame, fc.tuple(mac, mac, tunnel).map(([dst, src, t]): LayerSpec[] => [{ layer: 'ethernet', dst, src }, ...t]));

/** Real packets, and ones with Ethernet or UDP padding, cut short, flipped and given absurd bytes. */
const seeds = [
  ...Object.values(FIXTURES).map((h) => fromHex(h)),
  fromHex(FIXTURES.icmpecho + '00000000'),
  encode([{ layer: 'ethernet' }, { layer: 'ipv4', padding: fromHex('eeeeeeee') }, { layer: 'udp', srcPort: 1, dstPort: 2, padding: fromHex('dddd') }, { layer: 'payload', data: fromHex('0102') }]),
  encode([{ layer: 'ethernet' }, { layer: 'ipv6', padding: fromHex('eeee') }, { layer: 'tcp', options: fromHex('020405b4') }]),
  // ESP with an SA in a packet cut short: a first fragment, and a quote in an ICMP error.
  fromHex(FIXTURES.espgcm.slice(0, 40) + '20' + FIXTURES.espgcm.slice(42)),
  encode([{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'icmp', type: 3, code: 4, nextHopMtu: 1400 }, { layer: 'payload', data: fromHex(FIXTURES.espgcm).subarray(14, 70) }]),
].map((b) => Uint8Array.from(b));
const mutated: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 7 }), fc.constantFrom(0x00, 0xff).map((v) => 100 + v))), { minLength: 1, maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([seed, mutations, cut]) => {
    const b = Uint8Array.from(seed);
    for (const [position, kind] of mutations) {
      const k = position % b.length;
      if (kind === -1) b[k] = 0xff; // an absurd length or type byte
      else if (kind < 8) b[k]! ^= 1 << kind; // a bit flip
      else b[k] = kind - 100;
    }
    return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
  });
/** Every fixture's SA, so the ESP ones are opened (and the rest of their plaintext kept). */
const tolerantOptions: DecodeOptions = {
  espSAs: [
    sa,
    { spi: 0x5678, alg: 'null-hmac-sha256-128', key: fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f') },
    { spi: 0x9abc, alg: 'aes-gcm-256', key: fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f01020304') },
  ],
};

/** Decodes at the end of an exact-size buffer, and again inside a larger one full of 0xee: same result or the same error. */
function decodeBounded(b: Uint8Array): unknown {
  const exact = new Uint8Array(b);
  const big = new Uint8Array(b.length + 64).fill(0xee);
  big.set(b, 16);
  const inside = big.subarray(16, 16 + b.length);
  const run = (input: Uint8Array) => {
    try {
      return { layers: JSON.stringify(decode(input, options), (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v)) };
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      return { code: error.code, layer: error.layer, offset: error.offset };
    }
  };
  const a = run(exact);
  expect(run(inside)).toEqual(a);
  return a;
}

describe('properties', () => {
  it('encode -> decode -> encode gives the same bytes, and decode reads back every field set', () => {
    fc.assert(
      fc.property(packet, (specs) => {
        const bytes = encode(specs, options);
        // Emitting writes every byte: a buffer full of 0xa5 comes out the same.
        const filled = new Uint8Array(bytes.length + 3).fill(0xa5);
        expect(encodeInto(specs, filled, options)).toBe(bytes.length);
        expect(toHex(filled.subarray(0, bytes.length))).toBe(toHex(bytes));
        const layers = decode(bytes, options);
        expect(toHex(encode(layers, options))).toBe(toHex(bytes));
        expect(layers.map((l) => l.layer)).toEqual(specs.map((s) => s.layer));
        specs.forEach((spec, i) => {
          for (const [field, value] of Object.entries(spec)) {
            if (value === undefined || field === 'key' || field === 'extensionHeaders' || (spec.layer === 'ipv6' && (field === 'src' || field === 'dst'))) continue;
            expect((layers[i] as unknown as Record<string, unknown>)[field], `${spec.layer}.${field}`).toEqual(value);
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('decode -> encode gives back any bytes that decode', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 14, maxLength: 200 }), (b) => {
        const result = decodeTolerant(b, options);
        if (result.error === undefined) expect(toHex(encode(result.layers, options))).toBe(toHex(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes raise nothing but WireError and never read past the packet', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom<LayerName>('ethernet', 'ipv4', 'ipv6', 'udp', 'gre', 'esp'), (b, first) => {
      options.first = first;
      try {
        decodeBounded(b);
      } finally {
        delete options.first;
      }
    }), { numRuns: 3000 });
  });

  it('mutated real packets (truncations, bit flips, absurd lengths) raise nothing but WireError', () => {
    fc.assert(fc.property(mutated, (b) => void decodeBounded(b)), { numRuns: 3000 });
  });

  it('decodeTolerant -> encode gives back mutated real packets byte for byte (padding, ESP plaintext included)', () => {
    fc.assert(
      fc.property(mutated, (b) => {
        const { layers } = decodeTolerant(b, tolerantOptions);
        expect(toHex(encode(layers, tolerantOptions))).toBe(toHex(b));
      }),
      { numRuns: 3000 },
    );
  });
});
