/**
 * Classic pcap writing, and reading of both classic pcap and pcapng (either byte order, any
 * timestamp resolution). Owns capture file bytes only; knows nothing of packets' contents.
 */

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
const PCAP_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;
const DEFAULT_SNAPLEN = 262144;

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_IF_TSRESOL = 9;

export type CaptureErrorCode = 'NETLOOM_CAPTURE_FORMAT' | 'NETLOOM_CAPTURE_TRUNCATED' | 'NETLOOM_CAPTURE_CORRUPT';

/** Bad capture file bytes; `offset` is where in the file. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(`capture at byte ${offset}: ${message}`);
  }
}

export interface CapturedPacket {
  /** Nanoseconds since the epoch (or since the run started, for emulated time). */
  timestampNs: bigint;
  data: Uint8Array;
  originalLength: number;
  interfaceId: number;
  linkType: number;
}

export interface CaptureRead {
  format: 'pcap' | 'pcapng';
  packets: CapturedPacket[];
  /** The first damage found; the packets before it are in `packets`. */
  error?: CaptureError;
}

/** A classic pcap file holding `packets`, with microsecond or nanosecond timestamps. */
export function writePcap(
  packets: readonly { timestampNs: bigint; data: Uint8Array }[],
  options: { nanosecond?: boolean; linkType?: number } = {},
): Uint8Array {
  const nano = options.nanosecond ?? false;
  let size = PCAP_HEADER_LENGTH;
  for (const p of packets) size += RECORD_HEADER_LENGTH + p.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, nano ? MAGIC_NANO : MAGIC_MICRO, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, DEFAULT_SNAPLEN, true);
  v.setUint32(20, options.linkType ?? LINKTYPE_ETHERNET, true);
  let o = PCAP_HEADER_LENGTH;
  const unit = nano ? 1n : 1000n;
  for (const p of packets) {
    v.setUint32(o, Number(p.timestampNs / 1_000_000_000n), true);
    v.setUint32(o + 4, Number((p.timestampNs % 1_000_000_000n) / unit), true);
    v.setUint32(o + 8, p.data.length, true);
    v.setUint32(o + 12, p.data.length, true);
    out.set(p.data, o + RECORD_HEADER_LENGTH);
    o += RECORD_HEADER_LENGTH + p.data.length;
  }
  return out;
}

/** Reads a pcap or pcapng file; damage stops reading and is reported with the packets before it. */
export function readCapture(bytes: Uint8Array): CaptureRead {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) return { format: 'pcap', packets: [], error: new CaptureError('NETLOOM_CAPTURE_TRUNCATED', 'file is shorter than a magic number', 0) };
  if (v.getUint32(0, true) === BLOCK_SHB) return readPcapng(bytes, v);
  return readPcap(bytes, v);
}

function readPcap(bytes: Uint8Array, v: DataView): CaptureRead {
  const packets: CapturedPacket[] = [];
  const magic = v.getUint32(0, true);
  let little: boolean;
  if (magic === MAGIC_MICRO || magic === MAGIC_NANO) little = true;
  else if (v.getUint32(0, false) === MAGIC_MICRO || v.getUint32(0, false) === MAGIC_NANO) little = false;
  else {
    const shown = v.getUint32(0, false).toString(16).padStart(8, '0');
    return { format: 'pcap', packets, error: new CaptureError('NETLOOM_CAPTURE_FORMAT', `magic 0x${shown} is neither pcap nor pcapng`, 0) };
  }
  const nano = v.getUint32(0, little) === MAGIC_NANO;
  if (bytes.length < PCAP_HEADER_LENGTH) {
    return { format: 'pcap', packets, error: new CaptureError('NETLOOM_CAPTURE_TRUNCATED', 'file header is cut short', 0) };
  }
  const linkType = v.getUint32(20, little) & 0x0fffffff;
  let o = PCAP_HEADER_LENGTH;
  while (o < bytes.length) {
    if (bytes.length - o < RECORD_HEADER_LENGTH) {
      return { format: 'pcap', packets, error: new CaptureError('NETLOOM_CAPTURE_TRUNCATED', 'record header is cut short', o) };
    }
    const seconds = BigInt(v.getUint32(o, little));
    const fraction = BigInt(v.getUint32(o + 4, little));
    const included = v.getUint32(o + 8, little);
    const original = v.getUint32(o + 12, little);
    if (included > bytes.length - o - RECORD_HEADER_LENGTH) {
      return { format: 'pcap', packets, error: new CaptureError('NETLOOM_CAPTURE_TRUNCATED', `record of ${included} bytes is cut short`, o) };
    }
    const data = bytes.subarray(o + RECORD_HEADER_LENGTH, o + RECORD_HEADER_LENGTH + included);
    packets.push({ timestampNs: seconds * 1_000_000_000n + fraction * (nano ? 1n : 1000n), data, originalLength: original, interfaceId: 0, linkType });
    o += RECORD_HEADER_LENGTH + included;
  }
  return { format: 'pcap', packets };
}

interface Interface {
  linkType: number;
  /** Timestamp units per second. */
  unitsPerSecond: bigint;
}

function readPcapng(bytes: Uint8Array, v: DataView): CaptureRead {
  const packets: CapturedPacket[] = [];
  let interfaces: Interface[] = [];
  let little = true;
  let o = 0;
  const fail = (code: CaptureErrorCode, message: string, at: number): CaptureRead => ({
    format: 'pcapng',
    packets,
    error: new CaptureError(code, message, at),
  });
  while (o < bytes.length) {
    if (bytes.length - o < 12) return fail('NETLOOM_CAPTURE_TRUNCATED', 'block header is cut short', o);
    const type = v.getUint32(o, little);
    if (type === BLOCK_SHB) {
      const magic = v.getUint32(o + 8, true);
      if (magic === BYTE_ORDER_MAGIC) little = true;
      else if (v.getUint32(o + 8, false) === BYTE_ORDER_MAGIC) little = false;
      else return fail('NETLOOM_CAPTURE_CORRUPT', 'section header has no byte-order magic', o + 8);
      interfaces = [];
    }
    const length = v.getUint32(o + 4, little);
    if (length < 12 || length % 4 !== 0) return fail('NETLOOM_CAPTURE_CORRUPT', `block length ${length} is not a multiple of 4 of at least 12`, o + 4);
    if (length > bytes.length - o) return fail('NETLOOM_CAPTURE_TRUNCATED', `block of ${length} bytes is cut short`, o);
    if (v.getUint32(o + length - 4, little) !== length) return fail('NETLOOM_CAPTURE_CORRUPT', 'trailing block length differs from the leading one', o + length - 4);
    const body = o + 8;
    const bodyEnd = o + length - 4;
    if (type === BLOCK_IDB) {
      if (bodyEnd - body < 8) return fail('NETLOOM_CAPTURE_CORRUPT', 'interface description is too short', o);
      interfaces.push({ linkType: v.getUint16(body, little), unitsPerSecond: tsresol(bytes, v, body + 8, bodyEnd, little) });
    } else if (type === BLOCK_EPB || type === BLOCK_SPB) {
      const epb = type === BLOCK_EPB;
      const fixed = epb ? 20 : 4;
      if (bodyEnd - body < fixed) return fail('NETLOOM_CAPTURE_CORRUPT', 'packet block is too short', o);
      const interfaceId = epb ? v.getUint32(body, little) : 0;
      const iface = interfaces[interfaceId];
      if (iface === undefined) return fail('NETLOOM_CAPTURE_CORRUPT', `packet names interface ${interfaceId}, which is not described`, body);
      const original = v.getUint32(body + (epb ? 16 : 0), little);
      const captured = epb ? v.getUint32(body + 12, little) : Math.min(original, bodyEnd - body - 4);
      if (captured > bodyEnd - body - fixed) return fail('NETLOOM_CAPTURE_CORRUPT', `packet of ${captured} bytes overruns its block`, o);
      let timestampNs = 0n;
      if (epb) {
        const units = (BigInt(v.getUint32(body + 4, little)) << 32n) | BigInt(v.getUint32(body + 8, little));
        timestampNs = (units * 1_000_000_000n) / iface.unitsPerSecond;
      }
      packets.push({ timestampNs, data: bytes.subarray(body + fixed, body + fixed + captured), originalLength: original, interfaceId, linkType: iface.linkType });
    }
    o += length;
  }
  return { format: 'pcapng', packets };
}

/** if_tsresol from an IDB's options: 10^-n or 2^-n seconds; microseconds by default. */
function tsresol(bytes: Uint8Array, v: DataView, o: number, end: number, little: boolean): bigint {
  while (end - o >= 4) {
    const code = v.getUint16(o, little);
    const length = v.getUint16(o + 2, little);
    if (code === 0) break;
    if (code === OPT_IF_TSRESOL && length >= 1 && o + 4 < end) {
      const value = bytes[o + 4]!;
      return value & 0x80 ? 1n << BigInt(value & 0x7f) : 10n ** BigInt(value);
    }
    o += 4 + ((length + 3) & ~3);
  }
  return 1_000_000n;
}
