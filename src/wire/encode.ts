/**
 * Layers -> bytes, in one buffer: lengths are laid out innermost first, headers written
 * outermost first (pass 1), then checksums and encryption sealed innermost first (pass 2).
 * Every field the caller left unset is defaulted or computed; every field set is kept.
 */
import type { EncodeContext, EncodeFrame, EncodeOptions } from './codec.js';
import type { LayerSpec } from './layers.js';
import type { LayerCodec } from './codec.js';
import { CODECS } from './codecs.js';
import { defaultRegistry } from './registry.js';
import { WireError } from './errors.js';

type AnyCodec = LayerCodec<LayerSpec['layer']> & {
  headerLength(spec: LayerSpec, ctx: unknown): number;
  trailerLength?(spec: LayerSpec, payloadLength: number, ctx: unknown): number;
  write(f: EncodeFrame, i: number, spec: LayerSpec): void;
  seal?(f: EncodeFrame, i: number, spec: LayerSpec): void;
};

export function encode(layers: readonly LayerSpec[], options: EncodeOptions = {}): Uint8Array {
  const plan = layout(layers, options);
  const buf = new Uint8Array(plan.length);
  emit(plan, buf);
  return buf;
}

/**
 * Encodes into `out` (from byte 0) without allocating the packet; returns its length.
 * Throws NETLOOM_BAD_LENGTH if `out` is too small.
 */
export function encodeInto(layers: readonly LayerSpec[], out: Uint8Array, options: EncodeOptions = {}): number {
  const plan = layout(layers, options);
  if (plan.length > out.length) {
    throw new WireError('NETLOOM_BAD_LENGTH', `packet needs ${plan.length} bytes, the buffer has ${out.length}`, layers[0]?.layer ?? 'packet', 0);
  }
  emit(plan, out);
  return plan.length;
}

interface Layout {
  ctx: EncodeContext;
  codecs: AnyCodec[];
  starts: Int32Array;
  payloadEnds: Int32Array;
  length: number;
}

function layout(layers: readonly LayerSpec[], options: EncodeOptions): Layout {
  const n = layers.length;
  const ctx: EncodeContext = { layers, registry: options.registry ?? defaultRegistry, espSAs: options.espSAs ?? [] };
  const codecs: AnyCodec[] = new Array(n);
  const headerLengths = new Int32Array(n);
  // totals[i]: bytes of layer i with everything inside it and its trailer.
  const totals = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const spec = layers[i]!;
    const codec = CODECS[spec.layer] as AnyCodec | undefined;
    if (codec === undefined) throw new WireError('NETLOOM_BAD_FIELD', `unknown layer "${String(spec.layer)}"`, `layers[${i}]`, 0);
    codecs[i] = codec;
    headerLengths[i] = codec.headerLength(spec, ctx);
  }
  for (let i = n - 1; i >= 0; i--) {
    const inner = totals[i + 1]!;
    totals[i] = headerLengths[i]! + inner + (codecs[i]!.trailerLength?.(layers[i]!, inner, ctx) ?? 0);
  }
  const starts = new Int32Array(n + 1);
  const payloadEnds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    starts[i + 1] = starts[i]! + headerLengths[i]!;
    payloadEnds[i] = starts[i + 1]! + totals[i + 1]!;
  }
  return { ctx, codecs, starts, payloadEnds, length: totals[0]! };
}

function emit(plan: Layout, buf: Uint8Array): void {
  const { ctx, codecs, starts, payloadEnds } = plan;
  const layers = ctx.layers;
  const f: EncodeFrame = { ...ctx, buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength), starts, payloadEnds };
  for (let i = 0; i < layers.length; i++) codecs[i]!.write(f, i, layers[i]!);
  for (let i = layers.length - 1; i >= 0; i--) codecs[i]!.seal?.(f, i, layers[i]!);
}
