/** `netloom flows trace`, `flows dump` and `flows dump-meters`: a flow file (and the meters it uses) on a stand-alone bridge, as ofproto/trace, dump-flows and dump-meters show it. */
import { existsSync, writeFileSync } from 'node:fs';
import { Bridge } from '../switch/bridge.js';
import { FRAGS_MODES, type FragsMode } from '../switch/pipeline.js';
import { PROTOCOLS, type Protocols } from '../switch/ofctl.js';
import { formatFlow, formatTrace, packetFromFlow, type DescribedPacket } from '../switch/trace.js';
import { parseCtNext } from '../switch/ct-syntax.js';
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
  /** ofproto/trace's -generate: learning, learn actions, counters and meters take effect. */
  generate?: boolean;
  /** A file keeping the bridge across commands: read when it exists, written after a --generate run. */
  state?: string;
  frags?: string;
  /** ofproto/trace's --ct-next, once per ct(table=…) clone in order: the ct_state it resumes with. */
  ctNext?: string[];
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
  const frags = options.frags ?? 'normal';
  if (!(FRAGS_MODES as readonly string[]).includes(frags)) {
    throw new UsageError(`--frags "${frags}": give ${FRAGS_MODES.join(', ')}${frags === 'reassemble' ? " (OVS's userspace datapath has no reassemble: it keeps the mode it had)" : ''}`);
  }
  const bridge = new Bridge('br0', parsePorts(options.ports), { protocols: protocols as Protocols, frags: frags as FragsMode });
  if (options.meters !== undefined) bridge.addMeters(new TextDecoder().decode(readInput(options.meters, '--meters', TEXT_FILE_LIMIT)), options.meters);
  bridge.addFlows(new TextDecoder().decode(readInput(options.flows, '--flows', TEXT_FILE_LIMIT)), options.flows);
  return bridge;
}

export function flowsTrace(flows: string[], options: FlowsOptions): void {
  const given = [flows.length > 0, options.packet !== undefined, options.pcap !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give exactly one of: FLOWs (in_port=1,tcp,nw_dst=…, each a packet, in order), --packet HEX, --pcap FILE');
  const bridge = bridgeFrom(options);
  let start = 0;
  if (options.state !== undefined && existsSync(options.state)) {
    const text = new TextDecoder().decode(readInput(options.state, '--state', TEXT_FILE_LIMIT));
    let saved: unknown;
    try {
      saved = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--state ${options.state}: not JSON (${(error as Error).message})`);
    }
    start = bridge.loadState(saved, options.state);
  }
  const ctNext = (options.ctNext ?? []).map((text) => {
    const state = parseCtNext(text);
    if (typeof state === 'string') throw new UsageError(`--ct-next "${text}": ${state}`);
    return state;
  });
  const inPortOption = options.inPort === undefined ? undefined : Number(options.inPort);
  if (inPortOption !== undefined && !(Number.isInteger(inPortOption) && inPortOption >= 1)) throw new UsageError(`--in-port "${options.inPort}" is not a port number`);
  let inputs: DescribedPacket[];
  if (flows.length > 0) {
    inputs = flows.map((flow) => {
      const p = packetFromFlow(flow, bridge.ports);
      return { ...p, inPort: inPortOption ?? p.inPort };
    });
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
  // As ofproto/trace, whose side effects are on whenever there is a packet: one given as bytes, or one -generate composes.
  const effects = options.generate === true || flows.length === 0;
  inputs.forEach((input, i) => {
    let before = '';
    // Each packet runs at its own time; with --generate what it learned and counted is there for the next.
    const result = bridge.process(input.inPort, input.bytes, start + i, true, (packet) => {
      packet.describe(input.vlanTci, input.dlType);
      before = formatFlow(packet.words, packet.nwFrag);
    }, effects, ctNext);
    if (options.json) {
      out.push(JSON.stringify({ flow: before, outputs: result.outputs.map((o) => ({ port: o.port, packet: toHex(o.bytes) })), steps: result.trace.map((l) => l.trim()) }));
    } else {
      out.push((inputs.length > 1 ? `# packet ${i + 1}\n` : '') + formatTrace(bridge, before, result));
    }
  });
  process.stdout.write(`${printable(out.join(options.json ? '\n' : '\n\n'))}\n`);
  if (options.state !== undefined && effects) writeFileSync(options.state, `${JSON.stringify(bridge.saveState(start + inputs.length))}\n`);
}

export function flowsDump(options: FlowsOptions): void {
  process.stdout.write(`${bridgeFrom(options).dumpFlows()}\n`);
}

export function flowsDumpMeters(options: FlowsOptions): void {
  const meters = bridgeFrom(options).dumpMeters();
  process.stdout.write(meters === '' ? '' : `${meters}\n`);
}
