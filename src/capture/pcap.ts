/**
 * Classic pcap writing (LINKTYPE_ETHERNET by default), with microsecond (0xa1b2c3d4) or
 * nanosecond (0xa1b23c4d) timestamps. One file holds one link: no interface names, no comments.
 */
import type { ByteSink } from './sinks.js';
import { MemorySink } from './sinks.js';
import { LINKTYPE_ETHERNET, MAX_EPOCH, checkEpoch, type WriterOptions } from './writer.js';
import { CaptureError } from './errors.js';

export interface PcapOptions extends WriterOptions {
  /** Nanosecond timestamps (magic 0xa1b23c4d, the default) or microseconds (0xa1b2c3d4). */
  nanosecond?: boolean;
  linkType?: number;
}

export const MAGIC_MICRO = 0xa1b2c3d4;
export const MAGIC_NANO = 0xa1b23c4d;
export const PCAP_HEADER_LENGTH = 24;
export const RECORD_HEADER_LENGTH = 16;
const SNAPLEN = 262144;

export class PcapWriter {
  private scratch = new Uint8Array(2048);
  private view = new DataView(this.scratch.buffer);
  private readonly nanosecond: boolean;
  private readonly epoch: number;

  constructor(
    private readonly sink: ByteSink,
    options: PcapOptions = {},
  ) {
    this.nanosecond = options.nanosecond ?? true;
    this.epoch = checkEpoch(options.epoch ?? 0);
    const v = this.view;
    v.setUint32(0, this.nanosecond ? MAGIC_NANO : MAGIC_MICRO, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, SNAPLEN, true);
    v.setUint32(20, options.linkType ?? LINKTYPE_ETHERNET, true);
    sink.write(this.scratch.subarray(0, PCAP_HEADER_LENGTH), false);
  }

  /** `timestampNs`: integer nanoseconds (exact below 2^53). */
  writePacket(timestampNs: number, data: Uint8Array, originalLength = data.length): void {
    const total = RECORD_HEADER_LENGTH + data.length;
    if (total > this.scratch.length) {
      this.scratch = new Uint8Array(Math.max(total, this.scratch.length * 2));
      this.view = new DataView(this.scratch.buffer);
    }
    const seconds = Math.floor(timestampNs / 1e9);
    const fraction = timestampNs - seconds * 1e9;
    if (this.epoch + seconds > MAX_EPOCH) throw new CaptureError('NETLOOM_CAPTURE_WRITE', `a classic pcap cannot hold a time past 2106-02-07 (epoch ${this.epoch} + ${seconds} s); write pcapng`);
    const v = this.view;
    v.setUint32(0, this.epoch + seconds, true);
    v.setUint32(4, this.nanosecond ? fraction : Math.floor(fraction / 1000), true);
    v.setUint32(8, data.length, true);
    v.setUint32(12, originalLength, true);
    this.scratch.set(data, RECORD_HEADER_LENGTH);
    this.sink.write(this.scratch.subarray(0, total), true);
  }

  close(): void {
    this.sink.close();
  }
}

/** A whole classic pcap in memory. */
export function writePcap(packets: readonly { timestampNs: number; data: Uint8Array }[], options: PcapOptions = {}): Uint8Array {
  const sink = new MemorySink();
  const writer = new PcapWriter(sink, options);
  for (const p of packets) writer.writePacket(p.timestampNs, p.data);
  return sink.bytes();
}
