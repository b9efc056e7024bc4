/** What every capture writer takes: interfaces (ports), then packets on them. */

export const LINKTYPE_ETHERNET = 1;

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
  /** `timestampNs`: integer nanoseconds of emulated time (exact below 2^53, about 104 days). */
  writePacket(interfaceId: number, timestampNs: number, data: Uint8Array, meta?: PacketMeta): void;
  /** Records ESP keys so a reader can decrypt (pcapng's Decryption Secrets Block); others ignore it. */
  addEspSecrets(records: readonly EspSaRecord[]): void;
  close(): void;
}
