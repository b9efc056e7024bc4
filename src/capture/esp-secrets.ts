/**
 * ESP SAs in Wireshark's terms: esp_sa table lines (for the Decryption Secrets Block and the
 * `uat:esp_sa` preference) and the tshark command-line options that decrypt a capture.
 */
import type { EspSaRecord } from './writer.js';
import { toHex } from '../wire/addresses.js';

const ENCRYPTION: Record<EspSaRecord['alg'], string> = {
  'aes-gcm-128': 'AES-GCM with 16 octet ICV [RFC4106]',
  'aes-gcm-192': 'AES-GCM with 16 octet ICV [RFC4106]',
  'aes-gcm-256': 'AES-GCM with 16 octet ICV [RFC4106]',
  'null-hmac-sha256-128': 'NULL',
};

const hex = (bytes: Uint8Array) => `0x${toHex(bytes)}`;

/**
 * One esp_sa record: protocol, source, destination, SPI, encryption, key, authentication,
 * key; `withSequenceColumns` adds the SN and ESN-high-bits columns newer Wireshark reads
 * from a Decryption Secrets Block (older versions read only the first eight).
 */
export function espSaUatLine(sa: EspSaRecord, withSequenceColumns = false): string {
  const gcm = sa.alg !== 'null-hmac-sha256-128';
  const fields = [
    sa.protocol,
    sa.src,
    sa.dst,
    `0x${sa.spi.toString(16).padStart(8, '0')}`,
    ENCRYPTION[sa.alg],
    gcm ? hex(sa.key) : '',
    gcm ? 'NULL' : 'HMAC-SHA-256-128 [RFC4868]',
    gcm ? '' : hex(sa.key),
  ];
  if (withSequenceColumns) fields.push('32-bit', '0');
  return fields.map((f) => `"${f}"`).join(',');
}

/**
 * The tshark/Wireshark options that decrypt (and check the ICV of) these SAs, shell-quoted.
 * Sequence analysis is off: a capture of several ports holds each ESP packet once per port,
 * which it would flag as repeated sequence numbers.
 */
export function tsharkEspOptions(records: readonly EspSaRecord[]): string {
  const options = ['-o esp.enable_encryption_decode:TRUE', '-o esp.enable_authentication_check:TRUE', '-o esp.do_esp_sequence_analysis:FALSE'];
  for (const r of records) options.push(`-o 'uat:esp_sa:${espSaUatLine(r)}'`);
  return options.join(' ');
}
