/**
 * multipath and bundle selections per second: each hash-fields choice and algorithm on 256
 * different packets, beside the select group's hash of the same packets (flow_hash_symmetric_l3l4,
 * what every select-group packet costs) measured in the same run; and packets per second through
 * a pipeline whose one flow runs a multipath, beside the same flow loading a constant instead.
 */
import { Bridge } from '../src/switch/bridge.js';
import { SwitchPacket } from '../src/switch/packet.js';
import { symmetricL3L4 } from '../src/switch/hash.js';
import { bundleMember, flowHashFields, multipathLink } from '../src/switch/multipath.js';
import { HASH_FIELDS } from '../src/switch/flow.js';
import { encode } from '../src/index.js';
import { measure, report, type Result } from './harness.js';

const frames = Array.from({ length: 256 }, (_, k) =>
  encode([
    { layer: 'ethernet', src: `02:00:00:00:${(k >> 8).toString(16).padStart(2, '0')}:${(k & 255).toString(16).padStart(2, '0')}`, dst: '02:00:00:00:ff:01' },
    { layer: 'ipv4', src: `10.0.${k >> 4}.${k & 15}`, dst: '10.1.0.1' },
    { layer: 'tcp', srcPort: 1024 + k * 7, dstPort: 443 },
    { layer: 'payload', data: new Uint8Array(50) },
  ]),
);

export async function main(): Promise<void> {
  const packets = frames.map((bytes) => new SwitchPacket(bytes, 1));
  let sink = 0;
  let i = 0;
  const baseline = 'baseline: select group hash (symmetric_l3l4)';
  const results: Result[] = [measure(baseline, () => {
    sink += symmetricL3L4(packets[i++ & 255]!, 0);
  })];
  for (const fields of HASH_FIELDS) {
    results.push(measure(`multipath ${fields}, modulo_n, 8 links`, () => {
      sink += multipathLink(flowHashFields(packets[i++ & 255]!, fields, 50), 'modulo_n', 8, 0);
    }, baseline));
  }
  results.push(measure('multipath symmetric_l4, hrw, 16 links', () => {
    sink += multipathLink(flowHashFields(packets[i++ & 255]!, 'symmetric_l4', 50), 'hrw', 16, 0);
  }, baseline));
  results.push(measure('multipath symmetric_l4, iter_hash, 100 links', () => {
    sink += multipathLink(flowHashFields(packets[i++ & 255]!, 'symmetric_l4', 50), 'iter_hash', 100, 0);
  }, baseline));
  const members = [1, 2, 3, 4];
  const live = (port: number) => port !== 3;
  results.push(measure('bundle symmetric_l4, hrw, 4 members (one down)', () => {
    sink += bundleMember(packets[i++ & 255]!, 'symmetric_l4', 0, 'hrw', members, live);
  }, baseline));
  report('multipath and bundle: selections over 256 TCP packets', results);

  const ports = Array.from({ length: 8 }, (_, k) => ({ number: k + 1, name: `p${k + 1}` }));
  const pipeline = (action: string) => {
    const b = new Bridge('br0', ports);
    b.addFlows([`table=0,in_port=1,actions=${action},resubmit(,1)`, ...Array.from({ length: 4 }, (_, k) => `table=1,reg0=${k},actions=output:${k + 2}`)].join('\n'));
    return b;
  };
  const constant = pipeline('load:0x2->NXM_NX_REG0[0..1]');
  const hashed = pipeline('multipath(symmetric_l4,50,hrw,4,0,NXM_NX_REG0[0..1])');
  const loads = 'baseline: the same flow loading a constant';
  report('multipath in the pipeline: packets through two tables', [
    measure(loads, () => {
      sink += constant.process(1, frames[i++ & 255]!).outputs.length;
    }),
    measure('multipath(symmetric_l4,50,hrw,4,…) chooses the table-1 flow', () => {
      sink += hashed.process(1, frames[i++ & 255]!).outputs.length;
    }, loads),
  ]);
  if (sink < 0) throw new Error('unreachable');
}
