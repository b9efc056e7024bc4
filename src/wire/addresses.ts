/**
 * Text forms of link and network addresses, and hex. Parsing text is for specs and display;
 * decoders call the byte -> text functions only when materializing a layer.
 */
import { Address6 } from 'ip-address';
import { WireError } from './errors.js';

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses hex with an optional 0x prefix; whitespace and ':' separators are allowed. */
export function fromHex(text: string, what = 'hex'): Uint8Array {
  const clean = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new WireError('NETLOOM_BAD_FIELD', `"${text}" is not an even number of hex digits`, what, 0);
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function macToText(bytes: Uint8Array, offset: number): string {
  return `${HEX2[bytes[offset]!]}:${HEX2[bytes[offset + 1]!]}:${HEX2[bytes[offset + 2]!]}:${HEX2[bytes[offset + 3]!]}:${HEX2[bytes[offset + 4]!]}:${HEX2[bytes[offset + 5]!]}`;
}

/**
 * Parsed addresses by their text: a packet generator writes the same few addresses over and
 * over, and a Map lookup is far cheaper than parsing. Bounded: cleared when full.
 */
class AddressCache {
  private readonly entries = new Map<string, Uint8Array>();
  constructor(
    private readonly length: number,
    /** Parses `text` into out[0..length); returns why it is not an address, or undefined. */
    private readonly parse: (text: string, out: Uint8Array) => string | undefined,
  ) {}

  write(text: string, out: Uint8Array, offset: number, field: string): void {
    let bytes = this.entries.get(text);
    if (bytes === undefined) {
      bytes = new Uint8Array(this.length);
      const problem = typeof text === 'string' ? this.parse(text, bytes) : 'is not text';
      if (problem !== undefined) throw addressError(field, text, problem, offset);
      if (this.entries.size >= 4096) this.entries.clear();
      this.entries.set(text, bytes);
    }
    for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i]!;
  }
}

/** `field` is "layer.name" (e.g. "ipv4.src"): the error names the layer, the byte and the field once. */
function addressError(field: string, text: unknown, problem: string, offset: number): WireError {
  const dot = field.indexOf('.');
  const layer = dot < 0 ? field : field.slice(0, dot);
  const name = dot < 0 ? '' : `${field.slice(dot + 1)} `;
  return new WireError('NETLOOM_BAD_FIELD', `${name}${JSON.stringify(text) ?? String(text)} ${problem}`, layer, offset);
}

const macs = new AddressCache(6, parseMac);
const ipv4s = new AddressCache(4, parseIpv4);
const ipv6s = new AddressCache(16, parseIpv6);

/** Writes the MAC in `text` (aa:bb:cc:dd:ee:ff, or with '-') into out[offset..offset+6). */
export function writeMac(text: string, out: Uint8Array, offset: number, field = 'mac'): void {
  macs.write(text, out, offset, field);
}

/** Writes a dotted-quad IPv4 address into out[offset..offset+4). */
export function writeIpv4(text: string, out: Uint8Array, offset: number, field = 'ipv4'): void {
  ipv4s.write(text, out, offset, field);
}

/** Writes an IPv6 address in any RFC 4291 text form into out[offset..offset+16). */
export function writeIpv6(text: string, out: Uint8Array, offset: number, field = 'ipv6'): void {
  ipv6s.write(text, out, offset, field);
}

function parseMac(text: string, out: Uint8Array): string | undefined {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const nibble = hexNibble(c);
    if (nibble >= 0 && digits < 2) {
      value = (value << 4) | nibble;
      digits++;
    } else if ((c === 0x3a || c === 0x2d) && digits > 0 && part < 5) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else {
      part = -1;
      break;
    }
  }
  if (part !== 5 || digits === 0) return 'is not a MAC address';
  out[5] = value;
  return undefined;
}

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** A 48-bit MAC as a number (exact: 2^48 < 2^53), for flow keys. */
export function macToNumber(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 8) | bytes[offset + 1]!) * 0x100000000 +
    (((bytes[offset + 2]! << 24) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!) >>> 0)
  );
}

/** The text form of a MAC held as a 48-bit number (as flow keys and NORMAL's table keep it). */
export function numberToMac(n: number | bigint): string {
  return n.toString(16).padStart(12, '0').match(/../g)!.join(':');
}

export function ipv4ToText(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Whether `text` is a dotted-quad IPv4 address, as writeIpv4 reads one. */
export function isIpv4(text: string): boolean {
  return parseIpv4(text, new Uint8Array(4)) === undefined;
}

function parseIpv4(text: string, out: Uint8Array): string | undefined {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e && digits > 0 && part < 3) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3 && value * 10 + c - 0x30 <= 255) {
      value = value * 10 + c - 0x30;
      digits++;
    } else {
      part = -1;
      break;
    }
  }
  if (part !== 3 || digits === 0) return 'is not an IPv4 address';
  out[3] = value;
  return undefined;
}

/** RFC 5952 text, including §5's dotted quad for IPv4-mapped addresses. */
/** The text form of an IPv6 address held as a 128-bit number (as flow fields keep it). */
export function numberToIpv6(n: bigint): string {
  return ipv6ToText(ipv6Bytes(n), 0);
}

/** The 16 bytes of an IPv6 address held as a 128-bit number. */
export function ipv6Bytes(n: bigint): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 15; i >= 0; i--, n >>= 8n) b[i] = Number(n & 0xffn);
  return b;
}

export function ipv6ToText(bytes: Uint8Array, offset: number): string {
  const b = bytes.subarray(offset, offset + 16);
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false;
  if (mapped) return `::ffff:${ipv4ToText(b, 12)}`;
  return Address6.fromUnsignedByteArray(Array.from(b)).correctForm();
}

function parseIpv6(text: string, out: Uint8Array): string | undefined {
  let parsed: Address6;
  try {
    parsed = new Address6(text);
  } catch {
    return 'is not an IPv6 address';
  }
  if (parsed.subnetMask !== 128 || text.includes('/')) return 'is a prefix, not an address';
  out.set(parsed.toUnsignedByteArray(), 0);
  return undefined;
}
