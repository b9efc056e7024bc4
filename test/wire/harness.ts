/** The five tests every codec gets, after smoltcp: deconstruct, construct, parse, emit, truncated. */
import { expect, it } from 'vitest';
import { decode, encode, encodeInto, layerToJson, layersFromJson, toHex, fromHex, WireError } from '../../src/index.js';
import type { DecodeOptions, Layer, LayerSpec } from '../../src/index.js';

/** Fields encode computes when unset: lengths, checksums, next-protocol fields, ESP trailer. */
const COMPUTED: Record<string, string[]> = {
  ethernet: ['etherType'],
  vlan: ['tpid', 'etherType'],
  ipv4: ['version', 'ihl', 'totalLength', 'protocol', 'checksum'],
  ipv6: ['version', 'payloadLength', 'nextHeader'],
  udp: ['length', 'checksum'],
  tcp: ['dataOffset', 'checksum'],
  icmp: ['checksum'],
  icmpv6: ['checksum'],
  gre: ['protocol', 'checksum'],
  esp: ['padLength', 'nextHeader', 'icv'],
};

/** Next-protocol fields: computed from the next layer, unless that is a payload the encoder can't name. */
const NEXT_PROTOCOL = new Set(['etherType', 'protocol', 'nextHeader']);

/**
 * The decoded layers with every computed field removed: what a user would write. An ICMP
 * error's quote keeps its fields, since its lengths describe the original, not the quote.
 */
export function withoutComputed(layers: Layer[]): LayerSpec[] {
  const quoteStart = layers.findIndex((l, i) => (l.layer === 'icmp' || l.layer === 'icmpv6') && layers[i + 1] !== undefined && layers[i + 1]!.layer !== 'payload');
  return layers.map((layer, i) => {
    const spec: Record<string, unknown> = { ...layer };
    if (quoteStart >= 0 && i > quoteStart) return spec as LayerSpec;
    const nextIsPayload = layers[i + 1]?.layer === 'payload';
    for (const field of COMPUTED[layer.layer] ?? []) if (!(nextIsPayload && NEXT_PROTOCOL.has(field))) delete spec[field];
    // A UDP checksum of 0 on IPv4 is a choice (no checksum), not a computed value.
    if (layer.layer === 'udp' && layer.checksum === 0) spec['checksum'] = 0;
    if (layer.layer === 'ipv6') {
      spec['extensionHeaders'] = layer.extensionHeaders.map((h) => {
        const { nextHeader: _n, ...rest } = h;
        if ('headerLength' in rest) delete (rest as { headerLength?: number }).headerLength;
        return rest;
      });
    }
    return spec as LayerSpec;
  });
}

export interface CodecFixture {
  hex: string;
  /** Exact values of the layers, checked field by field. */
  layers: Record<string, unknown>[];
  options?: DecodeOptions;
  /** The shortest prefix that still decodes (Ethernet padding may be cut); default: the whole packet. */
  minLength?: number;
}

export function codecTests(f: CodecFixture): void {
  const bytes = fromHex(f.hex);
  const options = f.options ?? {};

  it('deconstruct', () => {
    const layers = decode(bytes, options);
    expect(layers.map((l) => l.layer)).toEqual(f.layers.map((l) => l['layer']));
    layers.forEach((layer, i) => expect(layer).toMatchObject(f.layers[i]!));
  });

  it('construct', () => {
    // Only what a user would set; lengths, checksums and next-protocol fields are computed.
    expect(toHex(encode(withoutComputed(decode(bytes, options)), options))).toBe(f.hex);
  });

  it('parse', () => {
    // The JSON form is lossless: JSON -> layers -> bytes gives the packet back.
    const json = JSON.parse(JSON.stringify(decode(bytes, options).map(layerToJson))) as unknown;
    expect(toHex(encode(layersFromJson(json), options))).toBe(f.hex);
  });

  it('emit', () => {
    const out = new Uint8Array(bytes.length).fill(0xa5);
    const length = encodeInto(decode(bytes, options), out, options);
    expect(length).toBe(bytes.length);
    expect(toHex(out)).toBe(f.hex);
  });

  it('truncated', () => {
    for (let n = 0; n < (f.minLength ?? bytes.length); n++) {
      let thrown: unknown;
      try {
        decode(bytes.subarray(0, n), options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `prefix of ${n} bytes`).toBeInstanceOf(WireError);
    }
  });
}
