/**
 * ESP security associations and their cryptography: AES-GCM with a 16-octet ICV (RFC 4106)
 * and NULL encryption (RFC 2410) with HMAC-SHA-256-128 (RFC 4868), on node:crypto; and the
 * receive-side anti-replay window (RFC 4303 §3.4.3).
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { EspAlgorithm } from './layers.js';
import { WireError } from './errors.js';

export interface SecurityAssociation {
  spi: number;
  alg: EspAlgorithm;
  /** AES-GCM: the key followed by the 4-byte salt (RFC 4106 §8.1); HMAC: the 32-byte key. */
  key: Uint8Array;
  /** When set, decode rejects replayed and too-old sequence numbers and records new ones. */
  replayWindow?: ReplayWindow;
}

interface AlgorithmInfo {
  keyMaterialLength: number;
  ivLength: number;
  icvLength: number;
  cipher?: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';
}

export const ESP_ALGORITHMS: Record<EspAlgorithm, AlgorithmInfo> = {
  'aes-gcm-128': { keyMaterialLength: 20, ivLength: 8, icvLength: 16, cipher: 'aes-128-gcm' },
  'aes-gcm-192': { keyMaterialLength: 28, ivLength: 8, icvLength: 16, cipher: 'aes-192-gcm' },
  'aes-gcm-256': { keyMaterialLength: 36, ivLength: 8, icvLength: 16, cipher: 'aes-256-gcm' },
  'null-hmac-sha256-128': { keyMaterialLength: 32, ivLength: 0, icvLength: 16 },
};

export function algorithmInfo(alg: string, offset: number): AlgorithmInfo {
  // Object.hasOwn: "toString" is no algorithm.
  const info = Object.hasOwn(ESP_ALGORITHMS, alg) ? ESP_ALGORITHMS[alg as EspAlgorithm] : undefined;
  if (info === undefined) {
    throw new WireError('NETLOOM_BAD_FIELD', `alg "${alg}" is not one of ${Object.keys(ESP_ALGORITHMS).join(', ')}`, 'esp', offset);
  }
  return info;
}

function checkKey(alg: EspAlgorithm, info: AlgorithmInfo, key: Uint8Array, offset: number): void {
  if (key.length !== info.keyMaterialLength) {
    const what = info.cipher ? `${info.keyMaterialLength - 4}-byte key + 4-byte salt` : `${info.keyMaterialLength}-byte key`;
    throw new WireError('NETLOOM_BAD_FIELD', `${alg} needs ${info.keyMaterialLength} bytes of key material (${what}), got ${key.length}`, 'esp', offset);
  }
}

/**
 * Encrypts `plaintext` (payload, padding, pad length, next header) for the header `spiSeq`
 * (8 bytes) and returns ciphertext and ICV. AES-GCM's AAD is SPI ‖ sequence number (RFC 4106 §5).
 */
export function espSeal(
  alg: EspAlgorithm,
  key: Uint8Array,
  spiSeq: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  offset: number,
): { ciphertext: Uint8Array; icv: Uint8Array } {
  const info = algorithmInfo(alg, offset);
  checkKey(alg, info, key, offset);
  if (info.cipher === undefined) {
    const icv = createHmac('sha256', key).update(spiSeq).update(plaintext).digest().subarray(0, info.icvLength);
    return { ciphertext: plaintext, icv };
  }
  const split = key.length - 4;
  const nonce = Buffer.concat([key.subarray(split), iv]);
  const cipher = createCipheriv(info.cipher, key.subarray(0, split), nonce, { authTagLength: info.icvLength });
  cipher.setAAD(spiSeq);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, icv: cipher.getAuthTag() };
}

/** Checks the ICV and decrypts; throws NETLOOM_ESP_ICV_FAILURE on a wrong key or a changed byte. */
export function espOpen(
  alg: EspAlgorithm,
  key: Uint8Array,
  spiSeq: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  icv: Uint8Array,
  offset: number,
): Uint8Array {
  const info = algorithmInfo(alg, offset);
  checkKey(alg, info, key, offset);
  const failure = () => new WireError('NETLOOM_ESP_ICV_FAILURE', `ICV check failed (wrong key, or the packet was changed)`, 'esp', offset);
  if (info.cipher === undefined) {
    const expected = createHmac('sha256', key).update(spiSeq).update(ciphertext).digest().subarray(0, info.icvLength);
    if (!timingSafeEqual(expected, icv)) throw failure();
    return ciphertext;
  }
  const split = key.length - 4;
  const nonce = Buffer.concat([key.subarray(split), iv]);
  const decipher = createDecipheriv(info.cipher, key.subarray(0, split), nonce, { authTagLength: info.icvLength });
  decipher.setAAD(spiSeq);
  decipher.setAuthTag(icv);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    throw failure();
  }
}

/**
 * The receive-side anti-replay window (RFC 4303 §3.4.3): a sequence number is accepted once,
 * and only if it is above the window's bottom edge.
 */
export class ReplayWindow {
  private top = 0;
  private readonly seen: Uint8Array;

  constructor(readonly size = 64) {
    this.seen = new Uint8Array(size);
  }

  /** 'new', 'replayed' (already accepted) or 'stale' (left of the window). */
  check(seq: number): 'new' | 'replayed' | 'stale' {
    if (seq === 0) return 'stale';
    if (seq > this.top) return 'new';
    if (seq + this.size <= this.top) return 'stale';
    return this.seen[seq % this.size] === 1 ? 'replayed' : 'new';
  }

  /** Records `seq` (call only after its ICV verified), sliding the window forward if needed. */
  accept(seq: number): void {
    if (seq > this.top) {
      const slide = Math.min(seq - this.top, this.size);
      for (let k = 1; k <= slide; k++) this.seen[(this.top + k) % this.size] = 0;
      this.top = seq;
    }
    this.seen[seq % this.size] = 1;
  }
}
