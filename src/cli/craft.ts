/** `netloom craft`: specs -> packets, shown as the teaching view, hex, JSON Lines or a pcap. */
import { parseSpec } from '../wire/craft.js';
import { encode } from '../wire/encode.js';
import { decodeTolerant } from '../wire/decode.js';
import { explain } from '../wire/explain.js';
import { toHex } from '../wire/addresses.js';
import { decodedToJson } from '../wire/json.js';
import type { LayerSpec } from '../wire/layers.js';
import { openCapture } from '../capture/open.js';
import { tsharkEspOptions } from '../capture/esp-secrets.js';
import type { EspSaRecord } from '../capture/writer.js';
import { UsageError, isUserError } from './errors.js';
import { parseEpoch } from './capture-options.js';
import { readInput, registryWithVxlanPorts, TEXT_FILE_LIMIT } from './io.js';
import { printable } from './output.js';

export interface CraftOptions {
  epoch?: string;
  file?: string;
  hex?: boolean;
  json?: boolean;
  pcap?: string;
  force?: boolean;
  /** UDP ports also shown as VXLAN, as decode --vxlan-port. */
  vxlanPort: string[];
}

/** A spec and, for one read from --file, where it is ("specs.txt:3"). */
interface SourcedSpec {
  spec: string;
  where?: string;
}

/** A bad spec or field in a --file line: the original error's code and message, after "file:line: ". */
class SpecLineError extends Error {
  override readonly name = 'SpecLineError';
  constructor(
    readonly code: string,
    where: string,
    cause: Error,
  ) {
    super(`${where}: ${cause.message}`, { cause });
  }
}

export function craft(specs: string[], options: CraftOptions): void {
  const registry = registryWithVxlanPorts(options.vxlanPort);
  const sources: SourcedSpec[] = specs.map((spec) => ({ spec }));
  if (options.file !== undefined) {
    const text = new TextDecoder().decode(readInput(options.file, '--file', TEXT_FILE_LIMIT));
    text.split('\n').forEach((line, k) => {
      const trimmed = line.trim();
      // Untrimmed (but for the line end), so a spec error's column is the file's column.
      if (trimmed !== '' && !trimmed.startsWith('#')) sources.push({ spec: line.trimEnd(), where: `${options.file}:${k + 1}` });
    });
  }
  if (sources.length === 0) throw new UsageError('give at least one spec, or --file');
  const packets = sources.map(({ spec, where }) => {
    try {
      const layers = parseSpec(spec);
      return { layers, bytes: encode(layers), sas: espRecords(layers).map(({ spi, alg, key }) => ({ spi, alg, key })) };
    } catch (error) {
      if (where === undefined || !isUserError(error)) throw error;
      throw new SpecLineError(error.code, where, error);
    }
  });
  if (options.pcap !== undefined) {
    const capture = openCapture(options.pcap, { force: options.force === true, epoch: parseEpoch(options.epoch) });
    const records = packets.flatMap((p) => espRecords(p.layers));
    capture.addEspSecrets(records);
    const port = capture.addInterface({ name: 'craft', description: 'packets built by netloom craft' });
    // One millisecond apart, from the epoch: the same specs always give the same file.
    packets.forEach((p, i) => capture.writePacket(port, i * 1_000_000, p.bytes));
    capture.close();
    if (options.pcap !== '-') {
      process.stderr.write(`wrote ${packets.length} packet${packets.length === 1 ? '' : 's'} to ${options.pcap}\n`);
      if (records.length > 0) process.stderr.write(`decrypt ESP in tshark or Wireshark with: ${tsharkEspOptions(records)}\n`);
    }
    if ((!options.hex && !options.json) || options.pcap === '-') return;
  }
  // The bytes are what the spec asked for, even a packet made malformed on purpose (a pinned
  // length, a type with nothing after it): every view shows them and exits 0; --json and the
  // teaching view report what decode makes of them, from the spec's own first layer.
  const out: string[] = [];
  for (const p of packets) {
    const decodeOptions = { registry, espSAs: p.sas, first: p.layers[0]?.layer ?? 'payload' };
    if (options.hex) out.push(toHex(p.bytes));
    else if (options.json) {
      out.push(JSON.stringify(decodedToJson(decodeTolerant(p.bytes, decodeOptions))));
    } else out.push(explain(p.bytes, decodeOptions));
  }
  process.stdout.write(printable(out.join('\n')) + '\n');
}

/**
 * The ESP SAs the spec itself keys, as esp_sa records with the addresses of the IP header in
 * front; the same SAs show the crafted packet decrypted.
 */
function espRecords(layers: LayerSpec[]): EspSaRecord[] {
  const records: EspSaRecord[] = [];
  layers.forEach((l, i) => {
    if (l.layer !== 'esp' || l.alg === undefined || l.key === undefined) return;
    const ip = layers[i - 1];
    const v6 = ip?.layer === 'ipv6';
    const src = ip?.layer === 'ipv4' || ip?.layer === 'ipv6' ? (ip.src ?? (v6 ? '::1' : '127.0.0.1')) : '*';
    const dst = ip?.layer === 'ipv4' || ip?.layer === 'ipv6' ? (ip.dst ?? (v6 ? '::1' : '127.0.0.1')) : '*';
    records.push({ protocol: v6 ? 'IPv6' : 'IPv4', src, dst, spi: l.spi ?? 0, alg: l.alg, key: l.key });
  });
  return records;
}
