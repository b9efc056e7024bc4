/**
 * Reading captures: classic pcap and pcapng, either byte order, any timestamp resolution,
 * several sections and interfaces, whole (readCapture) or as the bytes arrive (CaptureReader).
 * Damage stops reading and is reported as a CaptureError with the file offset, together with
 * every packet before it.
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

/** A whole capture in memory: every packet up to the first damage (their bytes are views of `bytes`). */
export function readCapture(bytes: Uint8Array): CaptureRead {
  const reader = new CaptureReader();
  reader.push(bytes);
  const packets: CapturedPacket[] = [];
  for (let p = reader.next(); p !== undefined; p = reader.next()) packets.push(p);
  reader.end();
  const { interfaces, espSecrets, error } = reader;
  return { format: reader.format ?? 'pcap', interfaces, packets, espSecrets, ...(error !== undefined && { error }) };
}

/**
 * A capture read as its bytes arrive (a file read a chunk at a time, a pipe): `push` bytes,
 * take packets with `next` until it says there are none yet, and call `end` when the bytes end.
 * It holds at most the one record or block not yet complete, so memory stays flat however big
 * the capture. Interfaces and ESP secrets are known by the time a packet that needs them comes.
 * Damage stops reading: `error` says what and where (the file offset).
 */
export class CaptureReader {
  format: 'pcap' | 'pcapng' | undefined;
  readonly interfaces: CapturedInterface[] = [];
  readonly espSecrets: EspSaRecord[] = [];
  error: CaptureError | undefined;
  private bytes: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.bytes.buffer);
  /** Where in `bytes` the next record or block starts. */
  private o = 0;
  /** The file offset of bytes[0]. */
  private base = 0;
  private little = true;
  /** pcap: nanosecond timestamps, the link type, and whether the file header was read. */
  private nano = false;
  private linkType = 0;
  private headerRead = false;
  /** pcapng: interface ids are per section; this maps them to indexes in `interfaces`. */
  private sectionBase = 0;

  /** More of the capture. The bytes are kept as given (packets are views of them): do not reuse the buffer. */
  push(chunk: Uint8Array): void {
    if (this.error !== undefined || chunk.length === 0) return;
    const left = this.bytes.length - this.o;
    if (left === 0) {
      this.base += this.bytes.length;
      this.bytes = chunk;
    } else {
      // A new buffer, never the old one rewritten: packets already given out keep their bytes.
      const joined = new Uint8Array(left + chunk.length);
      joined.set(this.bytes.subarray(this.o));
      joined.set(chunk, left);
      this.base += this.o;
      this.bytes = joined;
    }
    this.o = 0;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** The next packet whose bytes have all arrived; undefined when more bytes are needed (or after damage). */
  next(): CapturedPacket | undefined {
    if (this.error !== undefined) return undefined;
    if (this.format === undefined) {
      if (this.bytes.length - this.o < 4) return undefined;
      this.format = this.view.getUint32(this.o, true) === BLOCK_SHB ? 'pcapng' : 'pcap';
    }
    return this.format === 'pcap' ? this.nextPcap() : this.nextPcapng();
  }

  /** The bytes ended: what is left is a record or block cut short. */
  end(): void {
    if (this.error !== undefined) return;
    const left = this.bytes.length - this.o;
    if (this.format === undefined) {
      if (this.base + left < 4) this.fail('NETLOOM_CAPTURE_TRUNCATED', 'file is shorter than a magic number', 0);
      return;
    }
    if (left === 0) return;
    if (this.format === 'pcap') {
      if (!this.headerRead) this.fail('NETLOOM_CAPTURE_TRUNCATED', 'file header is cut short', 0);
      else if (left < RECORD_HEADER_LENGTH) this.fail('NETLOOM_CAPTURE_TRUNCATED', 'record header is cut short', this.o);
      else this.fail('NETLOOM_CAPTURE_TRUNCATED', `record of ${this.view.getUint32(this.o + 8, this.little)} bytes is cut short`, this.o);
    } else if (left < 12) this.fail('NETLOOM_CAPTURE_TRUNCATED', 'block header is cut short', this.o);
    else this.fail('NETLOOM_CAPTURE_TRUNCATED', `block of ${this.view.getUint32(this.o + 4, this.little)} bytes is cut short`, this.o);
  }

  /** Records damage at `at` (an offset in `bytes`); reading stops. */
  private fail(code: CaptureErrorCode, message: string, at: number): undefined {
    this.error = new CaptureError(code, message, this.base + at);
    return undefined;
  }

  private nextPcap(): CapturedPacket | undefined {
    const v = this.view;
    if (!this.headerRead) {
      if (v.getUint32(0, true) === MAGIC_MICRO || v.getUint32(0, true) === MAGIC_NANO) this.little = true;
      else if (v.getUint32(0, false) === MAGIC_MICRO || v.getUint32(0, false) === MAGIC_NANO) this.little = false;
      else return this.fail('NETLOOM_CAPTURE_FORMAT', `magic 0x${v.getUint32(0, false).toString(16).padStart(8, '0')} is neither pcap nor pcapng`, 0);
      if (this.bytes.length < PCAP_HEADER_LENGTH) return undefined;
      this.nano = v.getUint32(0, this.little) === MAGIC_NANO;
      // The top bits of the link-type word carry FCS information (pcap-savefile(5), libpcap's LT_LINKTYPE).
      this.linkType = v.getUint32(20, this.little) & 0x03ffffff;
      this.interfaces.push({ linkType: this.linkType, snaplen: v.getUint32(16, this.little), unitsPerSecond: this.nano ? 1_000_000_000n : 1_000_000n });
      this.headerRead = true;
      this.o = PCAP_HEADER_LENGTH;
    }
    const o = this.o;
    const little = this.little;
    if (this.bytes.length - o < RECORD_HEADER_LENGTH) return undefined;
    const included = v.getUint32(o + 8, little);
    if (included > this.bytes.length - o - RECORD_HEADER_LENGTH) return undefined;
    const fraction = v.getUint32(o + 4, little);
    if (fraction >= (this.nano ? 1e9 : 1e6)) return this.fail('NETLOOM_CAPTURE_CORRUPT', `timestamp fraction ${fraction} is a second or more`, o + 4);
    this.o = o + RECORD_HEADER_LENGTH + included;
    return {
      timestampNs: BigInt(v.getUint32(o, little)) * 1_000_000_000n + BigInt(fraction) * (this.nano ? 1n : 1000n),
      data: this.bytes.subarray(o + RECORD_HEADER_LENGTH, o + RECORD_HEADER_LENGTH + included),
      originalLength: v.getUint32(o + 12, little),
      interfaceId: 0,
      linkType: this.linkType,
    };
  }

  private nextPcapng(): CapturedPacket | undefined {
    const bytes = this.bytes;
    const v = this.view;
    for (;;) {
      const o = this.o;
      if (bytes.length - o < 12) return undefined;
      let little = this.little;
      const type = v.getUint32(o, little);
      if (type === BLOCK_SHB) {
        if (v.getUint32(o + 8, true) === BYTE_ORDER_MAGIC) little = true;
        else if (v.getUint32(o + 8, false) === BYTE_ORDER_MAGIC) little = false;
        else return this.fail('NETLOOM_CAPTURE_CORRUPT', 'section header has no byte-order magic', o + 8);
        this.little = little;
        this.sectionBase = this.interfaces.length;
      }
      const length = v.getUint32(o + 4, little);
      if (length < 12 || length % 4 !== 0) return this.fail('NETLOOM_CAPTURE_CORRUPT', `block length ${length} is not a multiple of 4 of at least 12`, o + 4);
      if (length > bytes.length - o) return undefined;
      if (v.getUint32(o + length - 4, little) !== length) return this.fail('NETLOOM_CAPTURE_CORRUPT', 'trailing block length differs from the leading one', o + length - 4);
      this.o = o + length;
      const body = o + 8;
      const bodyEnd = o + length - 4;
      if (type === BLOCK_IDB) {
        if (bodyEnd - body < 8) return this.fail('NETLOOM_CAPTURE_CORRUPT', 'interface description is too short', o);
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
        this.interfaces.push(iface);
      } else if (type === BLOCK_EPB || type === BLOCK_SPB) {
        const epb = type === BLOCK_EPB;
        const fixed = epb ? 20 : 4;
        if (bodyEnd - body < fixed) return this.fail('NETLOOM_CAPTURE_CORRUPT', 'packet block is too short', o);
        const localId = epb ? v.getUint32(body, little) : 0;
        const interfaceId = this.sectionBase + localId;
        const iface = this.interfaces[interfaceId];
        if (iface === undefined) return this.fail('NETLOOM_CAPTURE_CORRUPT', `packet names interface ${localId}, which is not described`, body);
        const original = v.getUint32(body + (epb ? 16 : 0), little);
        // A simple packet block's data is padded: the packet is the original length, cut to the snap length.
        const captured = epb ? v.getUint32(body + 12, little) : Math.min(original, iface.snaplen || original, bodyEnd - body - 4);
        if (captured > bodyEnd - body - fixed) return this.fail('NETLOOM_CAPTURE_CORRUPT', `packet of ${captured} bytes overruns its block`, o);
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
        return packet;
      } else if (type === BLOCK_DSB && bodyEnd - body >= 8 && v.getUint32(body, little) === SECRETS_ESP) {
        const size = v.getUint32(body + 4, little);
        if (size > bodyEnd - body - 8) return this.fail('NETLOOM_CAPTURE_CORRUPT', `ESP secrets of ${size} bytes overrun their block`, body + 4);
        for (const line of decoder.decode(bytes.subarray(body + 8, body + 8 + size)).split('\n')) {
          const sa = parseEspSaUatLine(line);
          if (sa !== undefined) this.espSecrets.push(sa);
        }
      }
    }
  }
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
