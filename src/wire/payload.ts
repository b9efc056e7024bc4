/** Bytes no registered layer claims. Decoded payload shares the input buffer (no copy). */
import type { LayerCodec } from './codec.js';

export const payload: LayerCodec<'payload'> = {
  decode(c) {
    const data = c.bytes.subarray(c.offset, c.end);
    c.offset = c.end;
    c.next = undefined;
    return { layer: 'payload', data };
  },
  fields: (layer) => ({ data: [0, layer.data.length] }),
  headerLength: (spec) => spec.data?.length ?? 0,
  write(f, i, spec) {
    if (spec.data) f.buf.set(spec.data, f.starts[i]!);
  },
};
