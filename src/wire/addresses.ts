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

const MAC_RE = /^([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})$/;

/** Writes the MAC in `text` (aa:bb:cc:dd:ee:ff or with '-') into out[offset..offset+6). */
export function writeMac(text: string, out: Uint8Array, offset: number, field = 'mac'): void {
  const m = MAC_RE.exec(text);
  if (m === null) throw new WireError('NETLOOM_BAD_FIELD', `${field}: "${text}" is not a MAC address`, field, offset);
  for (let i = 0; i < 6; i++) out[offset + i] = parseInt(m[i + 1]!, 16);
}

/** A 48-bit MAC as a number (exact: 2^48 < 2^53), for flow keys. */
export function macToNumber(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 8) | bytes[offset + 1]!) * 0x100000000 +
    (((bytes[offset + 2]! << 24) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!) >>> 0)
  );
}

export function ipv4ToText(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Writes a dotted-quad IPv4 address into out[offset..offset+4). */
export function writeIpv4(text: string, out: Uint8Array, offset: number, field = 'ipv4'): void {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e && digits > 0 && part < 3) {
      out[offset + part++] = value;
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
  if (part !== 3 || digits === 0) {
    throw new WireError('NETLOOM_BAD_FIELD', `${field}: "${text}" is not an IPv4 address`, field, offset);
  }
  out[offset + 3] = value;
}

/** RFC 5952 text, including §5's dotted quad for IPv4-mapped addresses. */
export function ipv6ToText(bytes: Uint8Array, offset: number): string {
  const b = bytes.subarray(offset, offset + 16);
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false;
  if (mapped) return `::ffff:${ipv4ToText(b, 12)}`;
  return Address6.fromUnsignedByteArray(Array.from(b)).correctForm();
}

export function writeIpv6(text: string, out: Uint8Array, offset: number, field = 'ipv6'): void {
  let parsed: Address6;
  try {
    parsed = new Address6(text);
  } catch {
    throw new WireError('NETLOOM_BAD_FIELD', `${field}: "${text}" is not an IPv6 address`, field, offset);
  }
  if (parsed.subnetMask !== 128 || text.includes('/')) {
    throw new WireError('NETLOOM_BAD_FIELD', `${field}: "${text}" is a prefix, not an address`, field, offset);
  }
  out.set(parsed.toUnsignedByteArray(), offset);
}
