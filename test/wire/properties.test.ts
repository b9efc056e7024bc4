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

const transport = (ip: 'ipv4' | 'ipv6'): fc.Arbitrary<LayerSpec[]> =>
  fc.oneof(
    fc.record({ srcPort: u16, dstPort: u16.filter((p) => p !== 4789) }).chain((u) => payload.map((p): LayerSpec[] => [{ layer: 'udp', ...u }, ...p])),
    fc
      .record({ srcPort: u16, dstPort: u16, seq: u32, ack: u32, flags: byte, window: u16, urgentPointer: u16, options: fc.constantFrom(new Uint8Array(0), fromHex('020405b4'), fromHex('0101080a0000000100000002')) })
      .chain((t) => payload.map((p): LayerSpec[] => [{ layer: 'tcp', ...t }, ...p])),
    ip === 'ipv4'
      ? fc.record({ id: u16, seq: u16 }).chain((e) => payload.map((p): LayerSpec[] => [{ layer: 'icmp', type: 8, ...e }, ...p]))
      : fc.record({ id: u16, seq: u16 }).chain((e) => payload.map((p): LayerSpec[] => [{ layer: 'icmpv6', type: 128, ...e }, ...p])),
  );

const ipv4Layer = fc.record({
  src: ipv4, dst: ipv4, dscp: fc.integer({ min: 0, max: 63 }), ecn: fc.integer({ min: 0, max: 3 }), id: u16, df: fc.boolean(),
  ttl: byte, options: fc.constantFrom(new Uint8Array(0), fromHex('01010100'), fromHex('070b040101010102020202' + '00')),
}).map((f): LayerSpec => ({ layer: 'ipv4', ...f }));

const extension = fc.oneof(
  bytes(12).map((options) => ({ header: 'hopByHop' as const, options })),
  bytes(12).map((options) => ({ header: 'destinationOptions' as const, options })),
  fc.record({ identification: u32 }).map((f) => ({ header: 'fragment' as const, reserved: 0, fragmentOffset: 0, res: 0, m: false, ...f })),
);
const ipv6Layer = fc.record({ src: ipv6, dst: ipv6, trafficClass: byte, flowLabel: fc.integer({ min: 0, max: 0xfffff }), hopLimit: byte, extensionHeaders: fc.array(extension, { maxLength: 3 }) })
  .map((f): LayerSpec => ({ layer: 'ipv6', ...f }));

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
  fc.tuple(ipv4Layer, u32.filter((s) => s > 0), ipv4Layer, transport('ipv4')).map(([outer, seq, inner, rest]): LayerSpec[] => [
    outer, { layer: 'esp', spi: sa.spi, seq, alg: sa.alg, key: sa.key }, inner, ...rest,
  ]),
);
const packet: fc.Arbitrary<LayerSpec[]> = fc.oneof(frame, fc.tuple(mac, mac, tunnel).map(([dst, src, t]): LayerSpec[] => [{ layer: 'ethernet', dst, src }, ...t]));

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
    const seeds = [...Object.values(FIXTURES).map((h) => fromHex(h))];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 7 }), fc.constantFrom(0x00, 0xff).map((v) => 100 + v))), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (seed, mutations, cut) => {
          const b = Uint8Array.from(seed);
          for (const [position, kind] of mutations) {
            const k = position % b.length;
            if (kind === -1) b[k] = 0xff; // an absurd length or type byte
            else if (kind < 8) b[k]! ^= 1 << kind; // a bit flip
            else b[k] = kind - 100;
          }
          decodeBounded(cut === undefined ? b : b.subarray(0, cut % (b.length + 1)));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
