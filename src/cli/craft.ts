/** `netloom craft`: specs -> packets, shown as the teaching view, hex, JSON Lines or a pcap. */
import { parseSpec } from '../wire/craft.js';
import { encode } from '../wire/encode.js';
import { decode } from '../wire/decode.js';
import { explain } from '../wire/explain.js';
import { toHex } from '../wire/addresses.js';
import { layerToJson } from '../wire/json.js';
import type { SecurityAssociation } from '../wire/esp-sa.js';
import type { LayerSpec } from '../wire/layers.js';
import { writePcap } from '../capture/pcap.js';
import { UsageError } from './errors.js';
import { readInput, writeOutput } from './io.js';

export interface CraftOptions {
  file?: string;
  hex?: boolean;
  json?: boolean;
  pcap?: string;
  force?: boolean;
}

export function craft(specs: string[], options: CraftOptions): void {
  const lines = [...specs];
  if (options.file !== undefined) {
    const text = new TextDecoder().decode(readInput(options.file, '--file'));
    for (const line of text.split('\n')) if (line.trim() !== '' && !line.trim().startsWith('#')) lines.push(line.trim());
  }
  if (lines.length === 0) throw new UsageError('give at least one spec, or --file');
  const packets = lines.map((spec) => {
    const layers = parseSpec(spec);
    return { layers, bytes: encode(layers), sas: keyedSas(layers) };
  });
  if (options.pcap !== undefined) {
    const file = writePcap(packets.map((p, i) => ({ timestampNs: BigInt(i) * 1_000_000n, data: p.bytes })));
    writeOutput(options.pcap, file, options.force === true);
    process.stderr.write(`wrote ${packets.length} packet${packets.length === 1 ? '' : 's'} to ${options.pcap}\n`);
    if (!options.hex && !options.json) return;
  }
  const out: string[] = [];
  for (const p of packets) {
    if (options.hex) out.push(toHex(p.bytes));
    else if (options.json) out.push(JSON.stringify({ layers: decode(p.bytes, { espSAs: p.sas }).map(layerToJson) }));
    else out.push(explain(p.bytes, { espSAs: p.sas }));
  }
  process.stdout.write(out.join('\n') + '\n');
}

/** The SAs the spec itself keys, so the crafted packet can be shown decrypted. */
function keyedSas(layers: LayerSpec[]): SecurityAssociation[] {
  const sas: SecurityAssociation[] = [];
  for (const l of layers) if (l.layer === 'esp' && l.alg !== undefined && l.key !== undefined) sas.push({ spi: l.spi ?? 0, alg: l.alg, key: l.key });
  return sas;
}
