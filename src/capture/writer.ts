/** What every capture writer takes: interfaces (ports), then packets on them. */
import { CaptureError } from './errors.js';

export const LINKTYPE_ETHERNET = 1;

/**
 * Where a run's captures start: virtual time 0 is 2025-01-01T00:00:00Z (in seconds since 1970),
 * so Wireshark shows a plausible date, and a seed still gives the same bytes. `--epoch` changes it.
 */
export const CAPTURE_EPOCH = 1_735_689_600;
/** The last second a classic pcap header can hold (2106-02-07T06:28:15Z). */
export const MAX_EPOCH = 0xffffffff;

/** `epoch`, when it is whole seconds from 1970 to MAX_EPOCH; else a CaptureError. */
export function checkEpoch(epoch: number): number {
  if (Number.isInteger(epoch) && epoch >= 0 && epoch <= MAX_EPOCH) return epoch;
  throw new CaptureError('NETLOOM_CAPTURE_EPOCH', `epoch ${String(epoch)} is not whole seconds from 1970 to 2106 (0 to ${MAX_EPOCH})`);
}

/** What every writer takes besides its sink. */
export interface WriterOptions {
  /** Seconds since 1970 that timestamp 0 stands for (default 0: timestamps are Unix time). */
  epoch?: number;
}

export interface CaptureInterface {
  /** `node:port`, e.g. `s1:p2`. */
  name: string;
  /** What the port is, e.g. "VXLAN tunnel to 192.168.2.1, VNI 5000". */
  description?: string;
  linkType?: number;
}

export interface PacketMeta {
  direction?: 'inbound' | 'outbound';
  /** Why the packet is there: the rule that sent it, "VXLAN encap", "dropped: MTU 1500 < 1550". */
  comment?: string;
  /** The length on the wire, when the captured bytes are cut short. */
  originalLength?: number;
}

/** An ESP SA as Wireshark's esp_sa table describes it. */
export interface EspSaRecord {
  protocol: 'IPv4' | 'IPv6';
  /** Addresses, or "*" for any. */
  src: string;
  dst: string;
  spi: number;
  alg: 'aes-gcm-128' | 'aes-gcm-192' | 'aes-gcm-256' | 'null-hmac-sha256-128';
  key: Uint8Array;
}

export interface CaptureWriter {
  /** Declares a port; returns the id packets on it are written with. */
  addInterface(info: CaptureInterface): number;
  /** `timestampNs`: integer nanoseconds after the writer's epoch (exact below 2^53, about 104 days). */
  writePacket(interfaceId: number, timestampNs: number, data: Uint8Array, meta?: PacketMeta): void;
  /** Records ESP keys so a reader can decrypt (pcapng's Decryption Secrets Block); others ignore it. */
  addEspSecrets(records: readonly EspSaRecord[]): void;
  close(): void;
}
