/** `netloom flows trace`, `flows dump` and `flows dump-meters`: a flow file (and the meters it uses) on a stand-alone bridge, as ofproto/trace, dump-flows and dump-meters show it. */
import { Bridge } from '../switch/bridge.js';
import { PROTOCOLS, type Protocols } from '../switch/ofctl.js';
import { formatFlow, formatTrace, packetFromFlow } from '../switch/trace.js';
import { readCapture } from '../capture/read.js';
import { toHex } from '../wire/addresses.js';
import { UsageError } from './errors.js';
import { CAPTURE_FILE_LIMIT, hexArgument, readInput, TEXT_FILE_LIMIT } from './io.js';
import { printable } from './output.js';

export interface FlowsOptions {
  flows: string;
  meters?: string;
  ports: string;
  protocols?: string;
  inPort?: string;
  packet?: string;
  pcap?: string;
  json?: boolean;
}

/** "1-8" or "1,2,5" -> ports p1..p8 with those numbers. */
function parsePorts(text: string): { number: number; name: string }[] {
  const numbers = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(`--ports "${text}": "${part}" is not a port number or range (e.g. 1-8 or 1,2,5)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 0xfeff || to < from) throw new UsageError(`--ports "${text}": ${part} is not a range of port numbers from 1 to 65279`);
    for (let n = from; n <= to; n++) numbers.add(n);
  }
  return [...numbers].sort((a, b) => a - b).map((number) => ({ number, name: `p${number}` }));
}

function bridgeFrom(options: FlowsOptions): Bridge {
  const protocols = options.protocols ?? 'OpenFlow10';
  if (!(PROTOCOLS as readonly string[]).includes(protocols)) throw new UsageError(`--protocols "${protocols}": give ${PROTOCOLS.join(' or ')}`);
  const bridge = new Bridge('br0', parsePorts(options.ports), { protocols: protocols as Protocols });
  if (options.meters !== undefined) bridge.addMeters(new TextDecoder().decode(readInput(options.meters, '--meters', TEXT_FILE_LIMIT)), options.meters);
  bridge.addFlows(new TextDecoder().decode(readInput(options.flows, '--flows', TEXT_FILE_LIMIT)), options.flows);
  return bridge;
}

export function flowsTrace(flow: string | undefined, options: FlowsOptions): void {
  const given = [flow !== undefined, options.packet !== undefined, options.pcap !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give exactly one of: a FLOW (in_port=1,tcp,nw_dst=…), --packet HEX, --pcap FILE');
  const bridge = bridgeFrom(options);
  const inPortOption = options.inPort === undefined ? undefined : Number(options.inPort);
  if (inPortOption !== undefined && !(Number.isInteger(inPortOption) && inPortOption >= 1)) throw new UsageError(`--in-port "${options.inPort}" is not a port number`);
  let inputs: { inPort: number; bytes: Uint8Array }[];
  if (flow !== undefined) {
    const p = packetFromFlow(flow, bridge.ports);
    inputs = [{ inPort: inPortOption ?? p.inPort, bytes: p.bytes }];
  } else if (options.packet !== undefined) {
    const bytes = hexArgument(options.packet, '--packet: ');
    if (bytes.length < 14) throw new UsageError(`--packet: ${bytes.length} bytes is shorter than an Ethernet header (14 bytes)`);
    inputs = [{ inPort: inPortOption ?? 1, bytes }];
  } else {
    const capture = readCapture(readInput(options.pcap!, '--pcap', CAPTURE_FILE_LIMIT));
    if (capture.error) throw capture.error;
    inputs = capture.packets.map((p) => ({ inPort: inPortOption ?? 1, bytes: p.data }));
  }
  const out: string[] = [];
  inputs.forEach((input, i) => {
    let before = '';
    // Each packet runs at its own time, so counters and learning carry over from one to the next.
    const result = bridge.process(input.inPort, input.bytes, i, true, (packet) => (before = formatFlow(packet.words)));
    if (options.json) {
      out.push(JSON.stringify({ flow: before, outputs: result.outputs.map((o) => ({ port: o.port, packet: toHex(o.bytes) })), steps: result.trace.map((l) => l.trim()) }));
    } else {
      out.push((inputs.length > 1 ? `# packet ${i + 1}\n` : '') + formatTrace(bridge, before, result));
    }
  });
  process.stdout.write(`${printable(out.join(options.json ? '\n' : '\n\n'))}\n`);
}

export function flowsDump(options: FlowsOptions): void {
  process.stdout.write(`${bridgeFrom(options).dumpFlows()}\n`);
}

export function flowsDumpMeters(options: FlowsOptions): void {
  const meters = bridgeFrom(options).dumpMeters();
  process.stdout.write(meters === '' ? '' : `${meters}\n`);
}
