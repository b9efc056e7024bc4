/**
 * Layers -> bytes, in one buffer: lengths are laid out innermost first, headers written
 * outermost first (pass 1), then checksums and encryption sealed innermost first (pass 2).
 * Every field the caller left unset is defaulted or computed; every field set is kept.
 */
import type { EncodeFrame, EncodeOptions, EspKeying } from './codec.js';
import type { LayerRegistry } from './registry.js';
import type { SecurityAssociation } from './esp-sa.js';
import type { LayerSpec } from './layers.js';
import type { LayerCodec } from './codec.js';
import { CODECS } from './codecs.js';
import { defaultRegistry } from './registry.js';
import { WireError } from './errors.js';

type AnyCodec = LayerCodec<LayerSpec['layer']> & {
  headerLength(spec: LayerSpec, f: EncodeFrame, i: number): number;
  trailerLength?(spec: LayerSpec, payloadLength: number, f: EncodeFrame, i: number): number;
  write(f: EncodeFrame, i: number, spec: LayerSpec): void;
  seal?(f: EncodeFrame, i: number, spec: LayerSpec): void;
};

/**
 * Encodes `layers` into a new packet. The result is a view into a shared 8 KiB slab (as Node's
 * Buffer pool): its bytes are the packet's alone, but `result.buffer` holds other packets too.
 * Copy it (`result.slice()`) before transferring its ArrayBuffer (postMessage) or using
 * `result.buffer` as if it were the packet.
 */
export function encode(layers: readonly LayerSpec[], options: EncodeOptions = {}): Uint8Array {
  const f = layout(layers, options);
  const buf = allocate(f.length);
  emit(f, buf);
  return buf;
}

/**
 * Packet buffers are carved from 8 KiB slabs, as Node's Buffer pool does: one ArrayBuffer
 * allocation serves many packets. A region is handed out once and never reused.
 */
const SLAB_SIZE = 8192;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

function allocate(length: number): Uint8Array {
  if (length > SLAB_SIZE / 4) return new Uint8Array(length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const buf = new Uint8Array(slab, slabUsed, length);
  slabUsed = (slabUsed + length + 7) & ~7;
  return buf;
}

/**
 * Encodes into `out` (from byte 0) without allocating the packet; returns its length.
 * Throws NETLOOM_BAD_LENGTH if `out` is too small.
 */
export function encodeInto(layers: readonly LayerSpec[], out: Uint8Array, options: EncodeOptions = {}): number {
  const f = layout(layers, options);
  if (f.length > out.length) {
    throw new WireError('NETLOOM_BAD_LENGTH', `packet needs ${f.length} bytes, the buffer has ${out.length}`, layers[0]?.layer ?? 'packet', 0);
  }
  emit(f, out);
  return f.length;
}

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);
const NO_SAS: readonly SecurityAssociation[] = [];
const NO_LAYERS: readonly LayerSpec[] = [];

/**
 * One packet's layout and, once emitted, its bytes. Encoding never re-enters itself, so one
 * frame is reused for every packet: no per-packet arrays on the hot path.
 */
class Frame implements EncodeFrame {
  buf: Uint8Array = EMPTY;
  view: DataView = EMPTY_VIEW;
  layers: readonly LayerSpec[] = NO_LAYERS;
  registry: LayerRegistry = defaultRegistry;
  espSAs: readonly SecurityAssociation[] = [];
  starts = new Int32Array(16);
  payloadEnds = new Int32Array(16);
  espKeying: (EspKeying | undefined)[] = [];
  codecs: AnyCodec[] = [];
  length = 0;
}

const frame = new Frame();

function layout(layers: readonly LayerSpec[], options: EncodeOptions): Frame {
  const n = layers.length;
  const f = frame;
  f.layers = layers;
  f.registry = options.registry ?? defaultRegistry;
  f.espSAs = options.espSAs ?? NO_SAS;
  f.buf = EMPTY;
  f.view = EMPTY_VIEW;
  if (f.starts.length <= n) {
    f.starts = new Int32Array(2 * n + 1);
    f.payloadEnds = new Int32Array(2 * n + 1);
  }
  const { starts, payloadEnds, codecs } = f;
  // First pass, outermost first: every outer header precedes layer i, so starts[i] is final here.
  // Header lengths wait in payloadEnds[i] for the second pass.
  let at = 0;
  for (let i = 0; i < n; i++) {
    const spec = layers[i]!;
    const codec = CODECS[spec.layer] as AnyCodec | undefined;
    if (codec === undefined) throw new WireError('NETLOOM_BAD_FIELD', `unknown layer "${String(spec.layer)}"`, `layers[${i}]`, at);
    codecs[i] = codec;
    starts[i] = at;
    const header = codec.headerLength(spec, f, i);
    payloadEnds[i] = header;
    at += header;
  }
  starts[n] = at;
  // Innermost first: each layer's total (header, everything inside, trailer) needs its inner total.
  let inner = 0;
  for (let i = n - 1; i >= 0; i--) {
    const header = payloadEnds[i]!;
    payloadEnds[i] = starts[i]! + header + inner;
    const trailer = codecs[i]!.trailerLength;
    inner = header + inner + (trailer === undefined ? 0 : trailer(layers[i]!, inner, f, i));
  }
  f.length = inner;
  return f;
}


// encodeInto callers reuse one buffer: keep its DataView rather than make one per packet.
let lastBuf: Uint8Array = EMPTY;
let lastView: DataView = EMPTY_VIEW;

function viewOf(buf: Uint8Array): DataView {
  if (buf !== lastBuf) {
    lastBuf = buf;
    lastView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return lastView;
}

function emit(f: Frame, buf: Uint8Array): void {
  f.buf = buf;
  f.view = viewOf(buf);
  const { layers, codecs } = f;
  for (let i = 0; i < layers.length; i++) codecs[i]!.write(f, i, layers[i]!);
  for (let i = layers.length - 1; i >= 0; i--) {
    const seal = codecs[i]!.seal;
    if (seal !== undefined) seal(f, i, layers[i]!);
  }
  // Drop references to the caller's objects so the reused frame holds nothing alive.
  f.layers = NO_LAYERS;
  f.buf = EMPTY;
  f.view = EMPTY_VIEW;
}
