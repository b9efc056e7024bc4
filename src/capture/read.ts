/**
 * Reading captures: classic pcap and pcapng, either byte order, any timestamp resolution,
 * several sections and interfaces. Damage stops reading and is reported as a CaptureError with
 * the file offset, together with every packet before it.
 */
import { CaptureError, type CaptureErrorCode } from './errors.js';
import { MAGIC_MICRO, MAGIC_NANO, PCAP_HEADER_LENGTH, RECORD_HEADER_LENGTH } from './pcap.js';
import {
  BLOCK_DSB, BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, BLOCK_SPB, BYTE_ORDER_MAGIC, OPT_COMMENT, OPT_ENDOFOPT, OPT_EPB_FLAGS,
  OPT_IF_DESCRIPTION, OPT_IF_NAME, OPT_IF_TSOFFSET, OPT_IF_TSRESOL, SECRETS_ESP,
} from './pcapng.js';
import { parseEspSaUatLine } from './esp-secrets.js';
import type { EspSaRecord } from './writer.js';

export interface CapturedInterface {
  linkType: number;
  /** Bytes kept of each packet (0: no limit). */
  snaplen: number;
  name?: string;
  description?: string;
  /** Timestamp units per second (1e6 for microseconds, 1e9 for nanoseconds). */
  unitsPerSecond: bigint;
  /** if_tsoffset: added to every timestamp, ns. */
  offsetNs?: bigint;
}

export interface CapturedPacket {
  /** Nanoseconds since the epoch (or since the run started, for emulated time). */
  timestampNs: bigint;
  data: Uint8Array;
  originalLength: number;
  /** Index into `interfaces` (pcapng numbers interfaces across sections in file order). */
  interfaceId: number;
  linkType: number;
  direction?: 'inbound' | 'outbound';
  comments?: string[];
}

export interface CaptureRead {
  format: 'pcap' | 'pcapng';
  interfaces: CapturedInterface[];
  packets: CapturedPacket[];
  /** ESP SAs from the file's Decryption Secrets Blocks (pcapng), those netloom can open. */
  espSecrets: EspSaRecord[];
  /** The first damage found; the packets before it are in `packets`. */
  error?: CaptureError;
}

const decoder = new TextDecoder();

export function readCapture(bytes: Uint8Array): CaptureRead {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) {
    return { format: 'pcap', interfaces: [], packets: [], espSecrets: [], error: new CaptureError('NETLOOM_CAPTURE_TRUNCATED', 'file is shorter than a magic number', 0) };
  }
  if (v.getUint32(0, true) === BLOCK_SHB) return readPcapng(bytes, v);
  return readPcap(bytes, v);
}

function readPcap(bytes: Uint8Array, v: DataView): CaptureRead {
  const result: CaptureRead = { format: 'pcap', interfaces: [], packets: [], espSecrets: [] };
  const fail = (code: CaptureErrorCode, message: string, at: number) => ({ ...result, error: new CaptureError(code, message, at) });
  let little: boolean;
  if (v.getUint32(0, true) === MAGIC_MICRO || v.getUint32(0, true) === MAGIC_NANO) little = true;
  else if (v.getUint32(0, false) === MAGIC_MICRO || v.getUint32(0, false) === MAGIC_NANO) little = false;
  else return fail('NETLOOM_CAPTURE_FORMAT', `magic 0x${v.getUint32(0, false).toString(16).padStart(8, '0')} is neither pcap nor pcapng`, 0);
  const nano = v.getUint32(0, little) === MAGIC_NANO;
  if (bytes.length < PCAP_HEADER_LENGTH) return fail('NETLOOM_CAPTURE_TRUNCATED', 'file header is cut short', 0);
  // The top bits of the link-type word carry FCS information (pcap-savefile(5), libpcap's LT_LINKTYPE).
  const linkType = v.getUint32(20, little) & 0x03ffffff;
  result.interfaces.push({ linkType, snaplen: v.getUint32(16, little), unitsPerSecond: nano ? 1_000_000_000n : 1_000_000n });
  const unit = nano ? 1n : 1000n;
  let o = PCAP_HEADER_LENGTH;
  while (o < bytes.length) {
    if (bytes.length - o < RECORD_HEADER_LENGTH) return fail('NETLOOM_CAPTURE_TRUNCATED', 'record header is cut short', o);
    const included = v.getUint32(o + 8, little);
    if (included > bytes.length - o - RECORD_HEADER_LENGTH) return fail('NETLOOM_CAPTURE_TRUNCATED', `record of ${included} bytes is cut short`, o);
    const fraction = v.getUint32(o + 4, little);
    if (fraction >= (nano ? 1e9 : 1e6)) return fail('NETLOOM_CAPTURE_CORRUPT', `timestamp fraction ${fraction} is a second or more`, o + 4);
    result.packets.push({
      timestampNs: BigInt(v.getUint32(o, little)) * 1_000_000_000n + BigInt(fraction) * unit,
      data: bytes.subarray(o + RECORD_HEADER_LENGTH, o + RECORD_HEADER_LENGTH + included),
      originalLength: v.getUint32(o + 12, little),
      interfaceId: 0,
      linkType,
    });
    o += RECORD_HEADER_LENGTH + included;
  }
  return result;
}

function readPcapng(bytes: Uint8Array, v: DataView): CaptureRead {
  const result: CaptureRead = { format: 'pcapng', interfaces: [], packets: [], espSecrets: [] };
  const fail = (code: CaptureErrorCode, message: string, at: number) => ({ ...result, error: new CaptureError(code, message, at) });
  // Interface ids are per section; `sectionBase` maps them to indexes in result.interfaces.
  let sectionBase = 0;
  let little = true;
  let o = 0;
  while (o < bytes.length) {
    if (bytes.length - o < 12) return fail('NETLOOM_CAPTURE_TRUNCATED', 'block header is cut short', o);
    const type = v.getUint32(o, little);
    if (type === BLOCK_SHB) {
      if (v.getUint32(o + 8, true) === BYTE_ORDER_MAGIC) little = true;
      else if (v.getUint32(o + 8, false) === BYTE_ORDER_MAGIC) little = false;
      else return fail('NETLOOM_CAPTURE_CORRUPT', 'section header has no byte-order magic', o + 8);
      sectionBase = result.interfaces.length;
    }
    const length = v.getUint32(o + 4, little);
    if (length < 12 || length % 4 !== 0) return fail('NETLOOM_CAPTURE_CORRUPT', `block length ${length} is not a multiple of 4 of at least 12`, o + 4);
    if (length > bytes.length - o) return fail('NETLOOM_CAPTURE_TRUNCATED', `block of ${length} bytes is cut short`, o);
    if (v.getUint32(o + length - 4, little) !== length) return fail('NETLOOM_CAPTURE_CORRUPT', 'trailing block length differs from the leading one', o + length - 4);
    const body = o + 8;
    const bodyEnd = o + length - 4;
    if (type === BLOCK_IDB) {
      if (bodyEnd - body < 8) return fail('NETLOOM_CAPTURE_CORRUPT', 'interface description is too short', o);
      const iface: CapturedInterface = { linkType: v.getUint16(body, little), snaplen: v.getUint32(body + 4, little), unitsPerSecond: 1_000_000n };
      for (const [code, value] of options(bytes, v, body + 8, bodyEnd, little)) {
        if (code === OPT_IF_NAME) iface.name = decoder.decode(value);
        else if (code === OPT_IF_TSOFFSET && value.length >= 8) {
          iface.offsetNs = new DataView(value.buffer, value.byteOffset, 8).getBigInt64(0, little) * 1_000_000_000n;
        }
        else if (code === OPT_IF_DESCRIPTION) iface.description = decoder.decode(value);
        else if (code === OPT_IF_TSRESOL && value.length >= 1) {
          const r = value[0]!;
          iface.unitsPerSecond = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
        }
      }
      result.interfaces.push(iface);
    } else if (type === BLOCK_EPB || type === BLOCK_SPB) {
      const epb = type === BLOCK_EPB;
      const fixed = epb ? 20 : 4;
      if (bodyEnd - body < fixed) return fail('NETLOOM_CAPTURE_CORRUPT', 'packet block is too short', o);
      const localId = epb ? v.getUint32(body, little) : 0;
      const interfaceId = sectionBase + localId;
      const iface = result.interfaces[interfaceId];
      if (iface === undefined) {
        return fail('NETLOOM_CAPTURE_CORRUPT', `packet names interface ${localId}, which is not described`, body);
      }
      const original = v.getUint32(body + (epb ? 16 : 0), little);
      // A simple packet block's data is padded: the packet is the original length, cut to the snap length.
      const captured = epb ? v.getUint32(body + 12, little) : Math.min(original, iface.snaplen || original, bodyEnd - body - 4);
      if (captured > bodyEnd - body - fixed) return fail('NETLOOM_CAPTURE_CORRUPT', `packet of ${captured} bytes overruns its block`, o);
      const packet: CapturedPacket = {
        timestampNs: 0n,
        data: bytes.subarray(body + fixed, body + fixed + captured),
        originalLength: original,
        interfaceId,
        linkType: iface.linkType,
      };
      if (epb) {
        const units = (BigInt(v.getUint32(body + 4, little)) << 32n) | BigInt(v.getUint32(body + 8, little));
        packet.timestampNs = (units * 1_000_000_000n) / iface.unitsPerSecond + (iface.offsetNs ?? 0n);
        for (const [code, value] of options(bytes, v, body + fixed + ((captured + 3) & ~3), bodyEnd, little)) {
          if (code === OPT_COMMENT) (packet.comments ??= []).push(decoder.decode(value));
          else if (code === OPT_EPB_FLAGS && value.length >= 4) {
            const direction = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, little) & 3;
            if (direction === 1) packet.direction = 'inbound';
            else if (direction === 2) packet.direction = 'outbound';
          }
        }
      }
      result.packets.push(packet);
    } else if (type === BLOCK_DSB && bodyEnd - body >= 8 && v.getUint32(body, little) === SECRETS_ESP) {
      const size = v.getUint32(body + 4, little);
      if (size > bodyEnd - body - 8) return fail('NETLOOM_CAPTURE_CORRUPT', `ESP secrets of ${size} bytes overrun their block`, body + 4);
      for (const line of decoder.decode(bytes.subarray(body + 8, body + 8 + size)).split('\n')) {
        const sa = parseEspSaUatLine(line);
        if (sa !== undefined) result.espSecrets.push(sa);
      }
    }
    o += length;
  }
  return result;
}

/** The options in [o, end): code and value; stops at end-of-options or at anything malformed. */
function options(bytes: Uint8Array, v: DataView, o: number, end: number, little: boolean): [number, Uint8Array][] {
  const found: [number, Uint8Array][] = [];
  while (end - o >= 4) {
    const code = v.getUint16(o, little);
    const length = v.getUint16(o + 2, little);
    if (code === OPT_ENDOFOPT || o + 4 + length > end) break;
    found.push([code, bytes.subarray(o + 4, o + 4 + length)]);
    o += 4 + ((length + 3) & ~3);
  }
  return found;
}
