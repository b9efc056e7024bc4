/**
 * Checked reads and range-checked writes for OpenFlow structures, and fixed layouts declared once
 * as data (each structure's fields in wire order, its size derived from them), after Scapy's
 * fields_desc: one declaration gives the decoder, the encoder and the size.
 *
 * A Reader covers one region of a message (the message, a match, an action); every read checks
 * the region first, so nothing past it is ever read, and a short region is an OpenFlowError
 * carrying the OpenFlow error that fits where it happened (a short action is BAD_ACTION/BAD_LEN).
 */
import { OpenFlowError, type OfpErrorCode } from './errors.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public offset: number,
    readonly end: number,
    readonly structure: string,
    /** The error a region too short for its contents is answered with. */
    readonly short: OfpErrorCode,
  ) {}

  get left(): number {
    return this.end - this.offset;
  }

  need(n: number, what = 'its fields'): void {
    if (this.offset + n > this.end) {
      throw new OpenFlowError('NETLOOM_OF_TRUNCATED', `${what} need ${n} bytes, only ${this.end - this.offset} left`, this.structure, this.offset, this.short);
    }
  }

  fail(message: string, ofp: OfpErrorCode, at = this.offset, code: OpenFlowError['code'] = 'NETLOOM_OF_BAD_VALUE'): never {
    throw new OpenFlowError(code, message, this.structure, at, ofp);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const o = this.offset;
    this.offset = o + 2;
    return (b[o]! << 8) | b[o + 1]!;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const o = this.offset;
    this.offset = o + 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  u64(): bigint {
    const hi = this.u32();
    return (BigInt(hi) << 32n) | BigInt(this.u32());
  }

  /** A copy of the next n bytes. */
  bytesOf(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Everything left in the region, copied. */
  rest(): Uint8Array {
    return this.bytesOf(this.end - this.offset);
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  /** A NUL-padded string of n bytes. */
  str(n: number): string {
    this.need(n);
    let end = this.offset;
    const stop = this.offset + n;
    while (end < stop && this.bytes[end] !== 0) end++;
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, end - this.offset).toString('latin1');
    this.offset = stop;
    return text;
  }

  mac(): string {
    this.need(6);
    const b = this.bytes;
    const o = this.offset;
    this.offset = o + 6;
    return `${HEX[b[o]!]}:${HEX[b[o + 1]!]}:${HEX[b[o + 2]!]}:${HEX[b[o + 3]!]}:${HEX[b[o + 4]!]}:${HEX[b[o + 5]!]}`;
  }

  /** A reader over the next `length` bytes (which must be there), advancing past them. */
  child(length: number, structure: string, short: OfpErrorCode = this.short): Reader {
    if (this.offset + length > this.end) {
      throw new OpenFlowError('NETLOOM_OF_TRUNCATED', `${structure} needs ${length} bytes, only ${this.end - this.offset} left`, structure, this.offset, short);
    }
    const r = new Reader(this.bytes, this.offset, this.offset + length, structure, short);
    this.offset += length;
    return r;
  }
}

export class Writer {
  buf: Uint8Array;
  view: DataView;
  offset = 0;

  constructor(
    public structure: string,
    size = 256,
  ) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.offset + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.offset + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.offset));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  fail(path: string, message: string, ofp: OfpErrorCode = { type: 1, code: 6 }): never {
    throw new OpenFlowError('NETLOOM_OF_BAD_FIELD', message, this.structure, this.offset, ofp, path);
  }

  /** `field`, when given, is joined to `path` only if the value is bad (no string building per field). */
  private check(value: number, max: number, path: string, field?: string): number {
    if (!Number.isInteger(value) || value < 0 || value > max) this.fail(join(path, field), `${String(value)} is not an integer in 0-${max}`);
    return value;
  }

  u8(value: number, path: string, field?: string): void {
    this.room(1);
    this.buf[this.offset++] = this.check(value, 0xff, path, field);
  }

  u16(value: number, path: string, field?: string): void {
    this.room(2);
    this.view.setUint16(this.offset, this.check(value, 0xffff, path, field));
    this.offset += 2;
  }

  u32(value: number, path: string, field?: string): void {
    this.room(4);
    this.view.setUint32(this.offset, this.check(value, 0xffffffff, path, field));
    this.offset += 4;
  }

  u64(value: bigint, path: string, field?: string): void {
    if (typeof value !== 'bigint' || value < 0n || value > 0xffffffffffffffffn) this.fail(join(path, field), `${String(value)} is not a 64-bit unsigned bigint`);
    this.room(8);
    this.view.setBigUint64(this.offset, value);
    this.offset += 8;
  }

  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.buf.set(data, this.offset);
    this.offset += data.length;
  }

  zeros(n: number): void {
    this.room(n);
    this.buf.fill(0, this.offset, this.offset + n);
    this.offset += n;
  }

  /** Zero bytes up to the next multiple of 8 counted from `from`. */
  align8(from: number): void {
    this.zeros((8 - ((this.offset - from) % 8)) % 8);
  }

  str(text: string, n: number, path: string): void {
    const encoded = Buffer.from(text, 'latin1');
    // A NUL-terminated string: at most n - 1 characters.
    if (encoded.length >= n || encoded.toString('latin1') !== text) this.fail(path, `"${text}" does not fit ${n - 1} Latin-1 characters`);
    this.bytes(encoded);
    this.zeros(n - encoded.length);
  }

  mac(text: string, path: string): void {
    const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(text);
    if (m === null) this.fail(path, `"${text}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
    for (let i = 1; i <= 6; i++) this.u8(parseInt(m[i]!, 16), path);
  }

  /** Writes a 16-bit length at `at` (a place reserved earlier). */
  patch16(at: number, value: number, path: string): void {
    if (value > 0xffff) this.fail(path, `length ${value} does not fit 16 bits (an OpenFlow message is at most 65,535 bytes)`, { type: 1, code: 6 });
    this.view.setUint16(at, value);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.offset);
  }
}

/** One field of a fixed layout: a name (or '' for padding) and its wire kind. */
type Kind = 'u8' | 'u16' | 'u32' | 'u64' | 'mac' | { str: number } | { pad: number };
type Value<K> = K extends 'u64' ? bigint : K extends 'mac' | { str: number } ? string : number;

const SIZE = (k: Kind): number => (typeof k === 'object' ? ('str' in k ? k.str : k.pad) : k === 'u8' ? 1 : k === 'u16' ? 2 : k === 'u32' ? 4 : k === 'u64' ? 8 : 6);

/**
 * A fixed structure declared once, in wire order: `read` and `write` walk the same list, and
 * `size` is the sum of its fields.
 */
export class Layout<T> {
  readonly size: number;
  constructor(
    readonly name: string,
    private readonly fields: readonly (readonly [string, Kind])[],
  ) {
    this.size = fields.reduce((n, [, k]) => n + SIZE(k), 0);
  }

  read(r: Reader): T {
    r.need(this.size, this.name);
    const out: Record<string, unknown> = {};
    for (const [name, kind] of this.fields) {
      if (typeof kind === 'object') {
        if ('pad' in kind) r.offset += kind.pad;
        else out[name] = r.str(kind.str);
        continue;
      }
      out[name] = kind === 'u8' ? r.u8() : kind === 'u16' ? r.u16() : kind === 'u32' ? r.u32() : kind === 'u64' ? r.u64() : r.mac();
    }
    return out as T;
  }

  write(w: Writer, value: T, path = ''): void {
    const v = value as Record<string, unknown>;
    for (const [name, kind] of this.fields) {
      if (typeof kind === 'object') {
        if ('pad' in kind) w.zeros(kind.pad);
        else w.str(text(w, v[name], join(path, name)), kind.str, join(path, name));
        continue;
      }
      switch (kind) {
        case 'u8':
          w.u8(v[name] as number, path, name);
          break;
        case 'u16':
          w.u16(v[name] as number, path, name);
          break;
        case 'u32':
          w.u32(v[name] as number, path, name);
          break;
        case 'u64':
          w.u64(v[name] as bigint, path, name);
          break;
        case 'mac':
          w.mac(text(w, v[name], join(path, name)), join(path, name));
          break;
      }
    }
  }
}

function join(path: string, field: string | undefined): string {
  return field === undefined ? path : path === '' ? field : `${path}.${field}`;
}

function text(w: Writer, value: unknown, path: string): string {
  if (typeof value !== 'string') w.fail(path, `${String(value)} is not a string`);
  return value;
}

/** Declares a layout; the field list's names become T's keys. */
export function layout<const F extends readonly (readonly [string, Kind])[]>(name: string, fields: F): Layout<LayoutValue<F>> {
  return new Layout(name, fields);
}

/** The object a layout reads: every named field with its value type ('' names padding). */
export type LayoutValue<F extends readonly (readonly [string, Kind])[]> = {
  [E in F[number] as E[0] extends '' ? never : E[0]]: Value<E[1]>;
};
