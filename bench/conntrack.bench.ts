/**
 * Connection tracking: packets of 10,000 established UDP connections through a stateful table
 * (ct(table=1), then +est+trk out), and packets that each commit a new connection, beside the
 * same packets through a one-rule stateless table in the same run.
 */
import { Bridge } from '../src/switch/bridge.js';
import { encode } from '../src/index.js';
import { measure, report, type Result } from './harness.js';

const CONNECTIONS = 10_000;
const ports = [1, 2].map((n) => ({ number: n, name: `p${n}` }));

/** Connection k's datagram from inside: its own source address and port. */
function datagram(k: number, reply = false): Uint8Array {
  const inside = `10.${(k >> 8) & 255}.${k & 255}.1`;
  const port = 1024 + (k % 60_000);
  return encode([
    { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    { layer: 'ipv4', src: reply ? '192.0.2.1' : inside, dst: reply ? inside : '192.0.2.1' },
    { layer: 'udp', srcPort: reply ? 53 : port, dstPort: reply ? port : 53 },
    { layer: 'payload', data: new Uint8Array(32) },
  ]);
}

export async function main(): Promise<void> {
  const frames = Array.from({ length: CONNECTIONS }, (_, k) => datagram(k));
  let sink = 0;
  let i = 0;
  const stateless = new Bridge('br0', ports);
  stateless.addFlow('ip,actions=output:2');
  const tracked = new Bridge('br0', ports);
  tracked.addFlows(['table=0,ip,actions=ct(table=1)', 'table=1,ct_state=+est+trk,actions=output:2', 'table=1,ct_state=+new+trk,ip,actions=ct(commit),output:2'].join('\n'));
  // Every connection committed and answered once, so each is established.
  for (const [k, f] of frames.entries()) {
    tracked.process(1, f, 0);
    tracked.process(2, datagram(k, true), 0);
  }
  const commits = new Bridge('br0', ports);
  commits.addFlow('ip,actions=ct(commit),output:2');
  const baseline = 'baseline: the same packets through one stateless rule';
  const results: Result[] = [];
  results.push(measure(baseline, () => {
    sink += stateless.process(1, frames[i++ % CONNECTIONS]!, 0).outputs.length;
  }));
  results.push(measure(`conntrack lookup: ct(table=1) on ${CONNECTIONS.toLocaleString('en')} tracked connections, recirculated`, () => {
    sink += tracked.process(1, frames[i++ % CONNECTIONS]!, 1).outputs.length;
  }, baseline));
  let n = 0;
  results.push(measure('conntrack commit: a new connection each packet (table flushed every 10,000)', () => {
    if (n++ % CONNECTIONS === 0) commits.pipeline.conntrack.flush();
    sink += commits.process(1, frames[n % CONNECTIONS]!, 0).outputs.length;
  }, baseline));
  report(`conntrack: ${tracked.pipeline.conntrack.size.toLocaleString('en')} connections in the table`, results);
  if (sink < 0) throw new Error('unreachable');
}
