/**
 * pcapng writing (the IETF draft "PCAP Next Generation Dump File Format"): a Section Header
 * Block naming netloom, an Interface Description Block per port with if_name, if_description
 * and nanosecond if_tsresol, Enhanced Packet Blocks with direction flags and comments, and a
 * Decryption Secrets Block with ESP SAs. Little-endian; every block is built whole in a reused
 * scratch buffer and handed to the sink at once.
 */
import type { ByteSink } from './sinks.js';
import type { CaptureInterface, CaptureWriter, EspSaRecord, PacketMeta, WriterOptions } from './writer.js';
import { LINKTYPE_ETHERNET, checkEpoch } from './writer.js';
import { espSaUatLine } from './esp-secrets.js';
import { CaptureError } from './errors.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;
export const BLOCK_DSB = 0x0000000a;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const OPT_SHB_USERAPPL = 4;
export const OPT_IF_NAME = 2;
export const OPT_IF_DESCRIPTION = 3;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;
export const OPT_EPB_FLAGS = 2;
/** Decryption Secrets Block type for ESP SAs ("ESPS"). */
export const SECRETS_ESP = 0x45535053;
const TSRESOL_NANOSECONDS = 9;
const SNAPLEN = 262144;
/** Interface id, timestamp (2 words), captured and original length. */
const EPB_FIXED = 20;
const TWO_32 = 4294967296;

const encoder = new TextEncoder();
/** An option's length field is 16 bits; longer text is cut at a character boundary. */
const MAX_OPTION = 65532;

function optionText(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length <= MAX_OPTION) return bytes;
  let end = MAX_OPTION;
  // Back up to the start of a UTF-8 character (not a continuation byte 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

export interface PcapngOptions extends WriterOptions {
  /** The writing application named in the section header (default netloom). */
  application?: string;
}

export class PcapngWriter implements CaptureWriter {
  private scratch = new Uint8Array(2048);
  private view = new DataView(this.scratch.buffer);
  private interfaces = 0;
  /** The epoch in nanoseconds as two 32-bit words (it is above 2^53, so never one number). */
  private readonly epochHigh: number;
  private readonly epochLow: number;

  constructor(
    private readonly sink: ByteSink,
    options: PcapngOptions = {},
  ) {
    const epochNs = BigInt(checkEpoch(options.epoch ?? 0)) * 1_000_000_000n;
    this.epochHigh = Number(epochNs >> 32n);
    this.epochLow = Number(epochNs & 0xffffffffn);
    const appl = optionText(options.application ?? 'netloom');
    let o = this.begin(BLOCK_SHB, 8 + 16 + optionLength(appl.length) + 4 + 4);
    this.view.setUint32(o, BYTE_ORDER_MAGIC, true);
    this.view.setUint16(o + 4, 1, true);
    this.view.setUint16(o + 6, 0, true);
    // Section length unknown (-1): the file is written as a stream.
    this.view.setInt32(o + 8, -1, true);
    this.view.setInt32(o + 12, -1, true);
    o = this.option(o + 16, OPT_SHB_USERAPPL, appl);
    this.end(this.option(o, OPT_ENDOFOPT, undefined), false);
  }

  addInterface(info: CaptureInterface): number {
    const name = optionText(info.name);
    const description = info.description === undefined ? undefined : optionText(info.description);
    const total = 8 + 8 + optionLength(name.length) + (description ? optionLength(description.length) : 0) + optionLength(1) + 4 + 4;
    let o = this.begin(BLOCK_IDB, total);
    this.view.setUint16(o, info.linkType ?? LINKTYPE_ETHERNET, true);
    this.view.setUint16(o + 2, 0, true);
    this.view.setUint32(o + 4, SNAPLEN, true);
    o = this.option(o + 8, OPT_IF_NAME, name);
    if (description) o = this.option(o, OPT_IF_DESCRIPTION, description);
    o = this.option(o, OPT_IF_TSRESOL, TSRESOL);
    this.end(this.option(o, OPT_ENDOFOPT, undefined), false);
    return this.interfaces++;
  }

  writePacket(interfaceId: number, timestampNs: number, data: Uint8Array, meta?: PacketMeta): void {
    if (interfaceId < 0 || interfaceId >= this.interfaces) {
      throw new CaptureError('NETLOOM_CAPTURE_WRITE', `interface ${interfaceId} was never added (there are ${this.interfaces})`);
    }
    const comment = meta?.comment === undefined ? undefined : optionText(meta.comment);
    const flags = meta?.direction === undefined ? 0 : meta.direction === 'inbound' ? 1 : 2;
    const padded = (data.length + 3) & ~3;
    const options = (flags ? optionLength(4) : 0) + (comment ? optionLength(comment.length) : 0);
    const total = 8 + EPB_FIXED + padded + (options > 0 ? options + 4 : 0) + 4;
    let o = this.begin(BLOCK_EPB, total);
    const v = this.view;
    // The epoch plus the timestamp, word by word with a carry: every step is exact in a double.
    const high = Math.floor(timestampNs / TWO_32);
    let low = this.epochLow + (timestampNs - high * TWO_32);
    const carry = low >= TWO_32 ? 1 : 0;
    low -= carry * TWO_32;
    v.setUint32(o, interfaceId, true);
    v.setUint32(o + 4, this.epochHigh + high + carry, true);
    v.setUint32(o + 8, low, true);
    v.setUint32(o + 12, data.length, true);
    v.setUint32(o + 16, meta?.originalLength ?? data.length, true);
    this.scratch.set(data, o + 20);
    this.scratch.fill(0, o + 20 + data.length, o + 20 + padded);
    o += 20 + padded;
    if (options > 0) {
      if (flags) {
        v.setUint32(o, OPT_EPB_FLAGS | (4 << 16), true);
        v.setUint32(o + 4, flags, true);
        o += 8;
      }
      if (comment) o = this.option(o, OPT_COMMENT, comment);
      o = this.option(o, OPT_ENDOFOPT, undefined);
    }
    this.end(o, true);
  }

  /** One block holding every SA as an esp_sa line (newer Wireshark decrypts from it by itself). */
  addEspSecrets(records: readonly EspSaRecord[]): void {
    if (records.length === 0) return;
    const secrets = encoder.encode(records.map((r) => `${espSaUatLine(r, true)}\n`).join(''));
    const padded = (secrets.length + 3) & ~3;
    let o = this.begin(BLOCK_DSB, 8 + 8 + padded + 4);
    this.view.setUint32(o, SECRETS_ESP, true);
    this.view.setUint32(o + 4, secrets.length, true);
    this.scratch.set(secrets, o + 8);
    this.scratch.fill(0, o + 8 + secrets.length, o + 8 + padded);
    o += 8 + padded;
    this.end(o, false);
  }

  close(): void {
    this.sink.close();
  }

  /** Starts a block of `total` bytes (type, length, body, trailing length); returns where the body starts. */
  private begin(type: number, total: number): number {
    if (total > this.scratch.length) {
      this.scratch = new Uint8Array(Math.max(total, this.scratch.length * 2));
      this.view = new DataView(this.scratch.buffer);
    }
    this.view.setUint32(0, type, true);
    this.view.setUint32(4, total, true);
    return 8;
  }

  /** Writes the trailing length at `o` and hands the block to the sink. */
  private end(o: number, packet: boolean): void {
    const total = o + 4;
    this.view.setUint32(o, total, true);
    this.sink.write(this.scratch.subarray(0, total), packet);
  }

  /** Writes one option (code, length, value padded to 4); the end-of-options option has no value. */
  private option(o: number, code: number, value: Uint8Array | undefined): number {
    const length = value?.length ?? 0;
    this.view.setUint16(o, code, true);
    this.view.setUint16(o + 2, length, true);
    if (value) {
      this.scratch.set(value, o + 4);
      this.scratch.fill(0, o + 4 + length, o + 4 + ((length + 3) & ~3));
    }
    return o + 4 + ((length + 3) & ~3);
  }
}

const TSRESOL = Uint8Array.from([TSRESOL_NANOSECONDS]);

function optionLength(valueLength: number): number {
  return 4 + ((valueLength + 3) & ~3);
}
