/** `netloom decode`: hex or a capture -> the teaching view, or JSON Lines with --json. */
import { decodeTolerant } from '../wire/decode.js';
import { explain } from '../wire/explain.js';
import { decodedToJson } from '../wire/json.js';
import { LAYER_NAMES, isLayerName, type LayerName } from '../wire/layers.js';
import type { DecodeOptions } from '../wire/codec.js';
import { CaptureReader } from '../capture/read.js';
import { MiB, fileChunks } from '../capture/files.js';
import { LINKTYPE_ETHERNET } from '../capture/writer.js';
import { UsageError } from './errors.js';
import { TEXT_FILE_LIMIT, hexArgument, parseEspSa, registryWithVxlanPorts } from './io.js';
import { StreamedOutput, printable } from './output.js';

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

export async function decodeCommand(hex: string[], options: DecodeCommandOptions): Promise<void> {
  if (!isLayerName(options.first)) {
    throw new UsageError(`--first "${options.first}" is not a layer (${LAYER_NAMES.join(', ')})`);
  }
  const registry = registryWithVxlanPorts(options.vxlanPort);
  const base: DecodeOptions = { registry, espSAs: options.espSa.map(parseEspSa), first: options.first as LayerName, nvgre: options.nvgre === true };
  // Each packet is printed as it is decoded: memory stays flat however big the capture.
  const out = new StreamedOutput();
  let failures = 0;
  const show = async (bytes: Uint8Array, decodeOptions: DecodeOptions, label: string, frame?: Record<string, unknown>) => {
    let text: string;
    if (options.json) {
      const decoded = decodeTolerant(bytes, decodeOptions);
      if (decoded.error) failures++;
      text = JSON.stringify({ ...(frame && { frame }), ...decodedToJson(decoded) });
    } else {
      text = explain(bytes, decodeOptions);
      if (/^! NETLOOM_/m.test(text)) failures++;
      if (label !== '') text = `${label}\n${text}`;
    }
    await out.write(`${printable(text)}\n`);
  };
  if (options.pcap !== undefined) {
    const chunks = fileChunks(options.pcap);
    if (typeof chunks === 'string') throw new UsageError(`--pcap ${options.pcap}: ${chunks}`);
    const capture = new CaptureReader();
    let number = 0;
    let secrets = -1;
    let withSecrets = base;
    for (const chunk of chunks) {
      capture.push(chunk);
      for (let p = capture.next(); p !== undefined; p = capture.next()) {
        // The file's own keys (its Decryption Secrets Blocks, each before the packets it opens), after those given with --esp-sa.
        if (capture.espSecrets.length !== secrets) {
          secrets = capture.espSecrets.length;
          withSecrets = { ...base, espSAs: [...base.espSAs!, ...capture.espSecrets.map(({ spi, alg, key }) => ({ spi, alg, key }))] };
        }
        number++;
        const first = firstLayerFor(p.linkType, p.data);
        const iface = capture.interfaces[p.interfaceId]?.name;
        const frame = {
          number,
          // Nanoseconds as a string: epoch timestamps exceed what a JSON number holds exactly.
          timestampNs: p.timestampNs.toString(),
          ...(iface !== undefined && { interface: iface }),
          ...(p.direction && { direction: p.direction }),
          ...(p.comments && { comments: p.comments }),
        };
        const label = [`# packet ${number}, ${p.data.length} bytes`, iface && `on ${iface}`, p.direction, ...(p.comments ?? []).map((c) => `"${c}"`)].filter(Boolean).join(', ');
        await show(p.data, first ? { ...withSecrets, first } : { ...withSecrets, first: 'payload' }, label, frame);
      }
      if (capture.error) break;
    }
    capture.end();
    await out.flush();
    if (capture.error) throw capture.error;
  } else if (hex.length === 0 || (hex.length === 1 && hex[0] === '-')) {
    let lines = 0;
    for (const line of stdinLines()) {
      if (line.trim() === '') continue;
      lines++;
      await show(hexArgument(line.trim(), ''), base, '');
    }
    if (lines === 0) throw new UsageError('give packet hex, - for stdin, or --pcap FILE');
    await out.flush();
  } else {
    await show(hexArgument(hex.join(''), ''), base, '');
    await out.flush();
  }
  if (failures > 0) process.exitCode = 2;
}

/** Standard input's lines as they arrive; a line longer than a text file may be is refused at that length. */
function* stdinLines(): Generator<string> {
  const chunks = fileChunks('-');
  if (typeof chunks === 'string') throw new UsageError(`standard input: ${chunks}`);
  const decoder = new TextDecoder();
  // The line so far, in pieces: joined once when it ends, so a long line costs its length, not its square.
  let pieces: string[] = [];
  let length = 0;
  let number = 1;
  for (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      pieces.push(text.slice(start, end));
      yield pieces.join('');
      pieces = [];
      length = 0;
      number++;
      start = end + 1;
    }
    pieces.push(text.slice(start));
    length += text.length - start;
    if (length > TEXT_FILE_LIMIT) throw new UsageError(`standard input: line ${number} is longer than ${TEXT_FILE_LIMIT / MiB} MiB`);
  }
  pieces.push(decoder.decode());
  yield pieces.join('');
}
