/**
 * ESP SAs in Wireshark's terms: esp_sa table lines (for the Decryption Secrets Block and the
 * `uat:esp_sa` preference), read back from a capture's block, and the tshark command-line
 * options that decrypt a capture.
 */
import type { EspSaRecord } from './writer.js';
import { fromHex, toHex } from '../wire/addresses.js';

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

const GCM_BY_KEY_BYTES: Record<number, EspSaRecord['alg']> = { 20: 'aes-gcm-128', 28: 'aes-gcm-192', 36: 'aes-gcm-256' };

/**
 * One esp_sa line read back (eight or ten quoted, comma-separated columns, as Wireshark writes
 * them and espSaUatLine does), or undefined for an SA netloom cannot open (another algorithm,
 * a key of the wrong length) or a line that is not a record.
 */
export function parseEspSaUatLine(line: string): EspSaRecord | undefined {
  const fields = [...line.matchAll(/"((?:[^"\\]|\\.)*)"(?:,|$)/g)].map((m) => m[1]!);
  if (fields.length < 8) return undefined;
  const [protocol, src, dst, spiText, encryption, encryptionKey, authentication, authenticationKey] = fields as [string, string, string, string, string, string, string, string];
  if (protocol !== 'IPv4' && protocol !== 'IPv6') return undefined;
  const spi = /^0x[0-9a-f]{1,8}$/i.test(spiText) ? parseInt(spiText, 16) : undefined;
  const keyOf = (text: string) => (/^0x([0-9a-f]{2})*$/i.test(text) ? fromHex(text.slice(2)) : undefined);
  if (spi === undefined) return undefined;
  if (encryption === ENCRYPTION['aes-gcm-128'] && authentication === 'NULL') {
    const key = keyOf(encryptionKey);
    const alg = key === undefined ? undefined : GCM_BY_KEY_BYTES[key.length];
    return alg === undefined ? undefined : { protocol, src, dst, spi, alg, key: key! };
  }
  if (encryption === 'NULL' && authentication === 'HMAC-SHA-256-128 [RFC4868]') {
    const key = keyOf(authenticationKey);
    return key?.length === 32 ? { protocol, src, dst, spi, alg: 'null-hmac-sha256-128', key } : undefined;
  }
  return undefined;
}
