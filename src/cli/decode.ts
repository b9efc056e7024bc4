/** `netloom decode`: hex or a capture -> the teaching view, or JSON Lines with --json. */
import { decodeTolerant } from '../wire/decode.js';
import { explain } from '../wire/explain.js';
import { decodedToJson } from '../wire/json.js';
import { LAYER_NAMES, isLayerName, type LayerName } from '../wire/layers.js';
import type { DecodeOptions } from '../wire/codec.js';
import { readCapture } from '../capture/read.js';
import { LINKTYPE_ETHERNET } from '../capture/writer.js';
import { UsageError } from './errors.js';
import { CAPTURE_FILE_LIMIT, hexArgument, parseEspSa, readInput, readStdinText, registryWithVxlanPorts } from './io.js';
import { printable } from './output.js';

export interface DecodeCommandOptions {
  pcap?: string;
  json?: boolean;
  first: string;
  espSa: string[];
  vxlanPort: string[];
  nvgre?: boolean;
}

/** Link types whose first layer netloom knows (LINKTYPE_RAW, IPV4, IPV6 by version nibble). */
function firstLayerFor(linkType: number, bytes: Uint8Array): LayerName | undefined {
  if (linkType === LINKTYPE_ETHERNET) return 'ethernet';
  if (linkType === 101 || linkType === 228 || linkType === 229) return (bytes[0]! >>> 4) === 6 ? 'ipv6' : 'ipv4';
  return undefined;
}

export function decodeCommand(hex: string[], options: DecodeCommandOptions): void {
  if (!isLayerName(options.first)) {
    throw new UsageError(`--first "${options.first}" is not a layer (${LAYER_NAMES.join(', ')})`);
  }
  const registry = registryWithVxlanPorts(options.vxlanPort);
  const base: DecodeOptions = { registry, espSAs: options.espSa.map(parseEspSa), first: options.first as LayerName, nvgre: options.nvgre === true };
  const out: string[] = [];
  let failures = 0;
  const show = (bytes: Uint8Array, decodeOptions: DecodeOptions, label: string, frame?: Record<string, unknown>) => {
    if (options.json) {
      const decoded = decodeTolerant(bytes, decodeOptions);
      if (decoded.error) failures++;
      out.push(JSON.stringify({ ...(frame && { frame }), ...decodedToJson(decoded) }));
    } else {
      const text = explain(bytes, decodeOptions);
      if (/^! NETLOOM_/m.test(text)) failures++;
      out.push(label === '' ? text : `${label}\n${text}`);
    }
  };
  if (options.pcap !== undefined) {
    const capture = readCapture(readInput(options.pcap, '--pcap', CAPTURE_FILE_LIMIT));
    // The file's own keys (its Decryption Secrets Blocks), after those given with --esp-sa.
    const withSecrets: DecodeOptions = { ...base, espSAs: [...base.espSAs!, ...capture.espSecrets.map(({ spi, alg, key }) => ({ spi, alg, key }))] };
    capture.packets.forEach((p, i) => {
      const first = firstLayerFor(p.linkType, p.data);
      const iface = capture.interfaces[p.interfaceId]?.name;
      const frame = {
        number: i + 1,
        // Nanoseconds as a string: epoch timestamps exceed what a JSON number holds exactly.
        timestampNs: p.timestampNs.toString(),
        ...(iface !== undefined && { interface: iface }),
        ...(p.direction && { direction: p.direction }),
        ...(p.comments && { comments: p.comments }),
      };
      const label = [`# packet ${i + 1}, ${p.data.length} bytes`, iface && `on ${iface}`, p.direction, ...(p.comments ?? []).map((c) => `"${c}"`)].filter(Boolean).join(', ');
      show(p.data, first ? { ...withSecrets, first } : { ...withSecrets, first: 'payload' }, label, frame);
    });
    process.stdout.write(printable(out.join('\n')) + (out.length > 0 ? '\n' : ''));
    if (capture.error) throw capture.error;
  } else {
    const inputs = hex.length === 0 || (hex.length === 1 && hex[0] === '-') ? readStdinText().split('\n').filter((l) => l.trim() !== '') : [hex.join('')];
    if (inputs.length === 0) throw new UsageError('give packet hex, - for stdin, or --pcap FILE');
    for (const line of inputs) {
      show(hexArgument(line.trim(), ''), base, '');
    }
    process.stdout.write(printable(out.join('\n')) + '\n');
  }
  if (failures > 0) process.exitCode = 2;
}
