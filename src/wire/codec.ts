/**
 * The contract between decode/encode and the per-protocol files: a decode cursor that each
 * protocol advances over the packet, and an encode frame each protocol writes its header into.
 */
import type { EspAlgorithm, Layer, LayerName, LayerSpec, SpecOf } from './layers.js';
import { defaultRegistry, type LayerRegistry } from './registry.js';
import type { SecurityAssociation } from './esp-sa.js';
import { need } from './errors.js';

export interface DecodeOptions {
  /** The first layer in the bytes (default 'ethernet'). */
  first?: LayerName;
  registry?: LayerRegistry;
  /** ESP security associations, matched by SPI; packets for them are decrypted. */
  espSAs?: readonly SecurityAssociation[];
  /** Read a GRE key in front of Ethernet as NVGRE's VSID and FlowID too (RFC 7637); Wireshark and OVS's GRE ports do not. */
  nvgre?: boolean;
}

export class DecodeCursor {
  bytes: Uint8Array;
  offset = 0;
  end: number;
  /** The layer to decode next, or undefined when done. */
  next: LayerName | undefined;
  /** Added to offsets in errors: where `bytes` starts in the original packet (ESP plaintext). */
  base = 0;
  /**
   * Upper-layer lengths may promise more bytes than are there: inside an ICMP error's quoted
   * datagram (RFC 792 quotes only 8 bytes past the IP header) or a first fragment.
   */
  partial = false;
  /**
   * The value of the type field (Ethernet, VLAN or GRE EtherType) that chose the next layer, or
   * -1 when no such field did: a VLAN tag's TPID is this field, in front of the tag.
   */
  etherType = -1;
  readonly registry: LayerRegistry;
  readonly espSAs: readonly SecurityAssociation[];
  readonly nvgre: boolean;

  constructor(bytes: Uint8Array, options: DecodeOptions) {
    this.bytes = bytes;
    this.end = bytes.length;
    this.next = options.first ?? 'ethernet';
    this.registry = options.registry ?? defaultRegistry;
    this.espSAs = options.espSAs ?? [];
    this.nvgre = options.nvgre === true;
  }

  /** Throws NETLOOM_TRUNCATED unless n bytes remain. */
  need(n: number, layer: LayerName): void {
    if (this.offset + n > this.end) need(this.bytes, this.offset, this.end, n, layer, this.base);
  }

  /** The offset in the original packet, for error messages. */
  at(offset = this.offset): number {
    return this.base + offset;
  }

  /** Sets the next layer; an empty payload is no layer at all, nor is a header cut off in a quote. */
  setNext(layer: LayerName | undefined): void {
    this.next = this.offset >= this.end && (layer === 'payload' || this.partial) ? undefined : layer;
    this.etherType = -1;
  }

  /** Sets the next layer from an EtherType (the registry's layer, else payload) and remembers it. */
  setNextByEtherType(etherType: number): void {
    this.setNext(this.registry.layerForEtherType(etherType) ?? 'payload');
    this.etherType = etherType;
  }

  /** Limits the rest of the packet to `length` bytes; returns the bytes cut off (or undefined). */
  narrow(length: number): Uint8Array | undefined {
    const newEnd = this.offset + length;
    if (newEnd >= this.end) return undefined;
    const cut = this.bytes.subarray(newEnd, this.end);
    this.end = newEnd;
    return cut;
  }
}

export interface EncodeOptions {
  registry?: LayerRegistry;
  /** ESP security associations for esp layers that carry no key of their own. */
  espSAs?: readonly SecurityAssociation[];
}

export interface EncodeContext {
  readonly layers: readonly LayerSpec[];
  readonly registry: LayerRegistry;
  readonly espSAs: readonly SecurityAssociation[];
}

/** An ESP layer's algorithm and key: its own, or its SA's. */
export interface EspKeying {
  readonly alg: EspAlgorithm;
  readonly key: Uint8Array;
}

/**
 * One packet being encoded. Layer i's header starts at starts[i]; its payload (layers i+1..)
 * spans `starts[i+1]` to `payloadEnds[i]`; its trailer (padding, ESP trailer) follows.
 * During layout (headerLength, trailerLength) `buf` is empty and only starts[0..i] are final.
 */
export interface EncodeFrame extends EncodeContext {
  readonly buf: Uint8Array;
  readonly view: DataView;
  /** Indexed by layer; entries past the last layer are stale. */
  readonly starts: Int32Array;
  readonly payloadEnds: Int32Array;
  /** Per layer: ESP's keying, resolved once in headerLength and reused by the later steps. */
  readonly espKeying: (EspKeying | undefined)[];
}

/** Where each field of a layer sits: [byte offset from the layer's start, bytes], for display. */
export type FieldPlaces = Record<string, readonly [offset: number, length: number]>;

/** What each protocol file provides: a decoder, a two-pass encoder and its field layout. */
export interface LayerCodec<N extends LayerName> {
  /** Usually returns layer N; may fall back to a payload layer for forms it does not model. */
  decode(c: DecodeCursor): Layer;
  /** Where the decoded layer's fields sit; `carried` is the length of what the layer carries. */
  fields(layer: Extract<Layer, { layer: N }>, carried: number): FieldPlaces;
  /** Header bytes in front of the payload; layer i starts at f.starts[i]. */
  headerLength(spec: SpecOf<N>, f: EncodeFrame, i: number): number;
  /** Bytes after the payload (padding, ESP trailer and ICV). */
  trailerLength?(spec: SpecOf<N>, payloadLength: number, f: EncodeFrame, i: number): number;
  /** Pass 1, outermost first: every field that does not depend on the payload's bytes. */
  write(f: EncodeFrame, i: number, spec: SpecOf<N>): void;
  /** Pass 2, innermost first: checksums and encryption over the finished payload. */
  seal?(f: EncodeFrame, i: number, spec: SpecOf<N>): void;
}
