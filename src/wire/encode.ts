/**
 * Layers -> bytes, in one buffer: lengths are laid out innermost first, headers written
 * outermost first (pass 1), then checksums and encryption sealed innermost first (pass 2).
 * Every field the caller left unset is defaulted or computed; every field set is kept.
 */
import type { EncodeFrame, EncodeOptions } from './codec.js';
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
  const n = layers.length;
  const ctx = { layers, registry: options.registry ?? defaultRegistry, espSAs: options.espSAs ?? [] };
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
  const buf = new Uint8Array(totals[0]!);
  const f: EncodeFrame = { ...ctx, buf, view: new DataView(buf.buffer), starts, payloadEnds };
  for (let i = 0; i < n; i++) codecs[i]!.write(f, i, layers[i]!);
  for (let i = n - 1; i >= 0; i--) codecs[i]!.seal?.(f, i, layers[i]!);
  return buf;
}
