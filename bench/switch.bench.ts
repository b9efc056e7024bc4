/**
 * The switch: classifier lookups with 10,000 rules over 20 masks (tuple space search, with and
 * without the exact-match cache) beside a linear scan of the same rules in the same run; and
 * packets per second through a realistic 3-table pipeline.
 */
import { Classifier } from '../src/switch/classifier.js';
import { parseFlow } from '../src/switch/ofctl.js';
import { Bridge } from '../src/switch/bridge.js';
import { SwitchPacket } from '../src/switch/packet.js';
import { FLOW_WORDS } from '../src/switch/fields.js';
import type { Rule } from '../src/switch/flow.js';
import { encode } from '../src/index.js';
import { measure, report, type Result } from './harness.js';

/** 20 masks: combinations of in_port, nw_dst prefixes, nw_proto and tp_dst. */
const MASKS: string[] = [];
for (const prefix of [8, 16, 24, 32]) {
  MASKS.push(`ip,nw_dst=A/${prefix}`, `tcp,nw_dst=A/${prefix},tp_dst=P`, `udp,nw_dst=A/${prefix},tp_dst=P`, `in_port=I,ip,nw_dst=A/${prefix}`, `in_port=I,tcp,nw_dst=A/${prefix}`);
}

function rules(): Rule[] {
  const out: Rule[] = [];
  for (let k = 0; k < 10_000; k++) {
    const template = MASKS[k % MASKS.length]!;
    const a = address(k);
    const flow = template.replace('A', a).replace('P', String(1 + (k % 1000))).replace('I', String(1 + (k % 8)));
    out.push(parseFlow(`priority=${1 + (k % 5000)},${flow},actions=output:${1 + (k % 8)}`));
  }
  return out;
}

/** Rule k's address: spread over the first octet, so a packet matches only a few rules. */
function address(k: number): string {
  return `${1 + (k % 223)}.${(k >> 3) & 255}.${(k * 13) & 255}.${(k * 7) & 255}`;
}

/** Packets aimed at the addresses of rules spread through the table. */
function packets(count: number): Uint32Array[] {
  return Array.from({ length: count }, (_, n) => {
    const k = (n * 2477) % 10_000;
    const bytes = encode([
      { layer: 'ethernet' },
      { layer: 'ipv4', src: '192.168.0.1', dst: address(k) },
      { layer: 'tcp', srcPort: 1000 + n, dstPort: 1 + (k % 1000) },
    ]);
    return new SwitchPacket(bytes, 1 + (k % 8)).words.slice();
  });
}

export async function main(): Promise<void> {
  const all = rules();
  const classifier = new Classifier();
  for (const r of all) classifier.insert(r);
  const flows = packets(4096);
  const sorted = [...all].sort((a, b) => b.priority - a.priority);
  let sink = 0;
  let i = 0;
  const baseline = 'baseline: linear scan, highest priority first';
  const results: Result[] = [];
  results.push(measure(baseline, () => {
    const flow = flows[i++ & 4095]!;
    for (const r of sorted) if (r.match.matches(flow)) {
      sink += r.priority;
      break;
    }
  }));
  results.push(measure(`tuple space search (${classifier.subtableCount} subtables)`, () => {
    sink += classifier.search(flows[i++ & 4095]!)?.priority ?? 0;
  }, baseline));
  results.push(measure('lookup with the exact-match cache (4,096 flows)', () => {
    sink += classifier.lookup(flows[i++ & 4095]!)?.priority ?? 0;
  }, baseline));
  report(`classifier: ${all.length.toLocaleString('en')} rules over ${MASKS.length} masks (flow words: ${FLOW_WORDS})`, results);

  // Loading a table: rules that each bring a mask of their own (and a higher priority) against rules sharing one mask.
  const LOAD = 10_000;
  const oneMask = Array.from({ length: LOAD }, (_, k) => parseFlow(`priority=${k},metadata=${k}/0xffffffff,actions=drop`));
  const ownMasks = Array.from({ length: LOAD }, (_, k) => parseFlow(`priority=${k},metadata=0/${(k + 1) * 2},actions=drop`));
  const load = (table: readonly Rule[]) => () => {
    const c = new Classifier();
    for (const r of table) c.insert(r);
    sink += c.search(flows[0]!)?.priority ?? 0;
  };
  const loadBaseline = `baseline: ${LOAD.toLocaleString('en')} rules, one mask`;
  report(`classifier: loading ${LOAD.toLocaleString('en')} rules, then one lookup`, [
    measure(loadBaseline, load(oneMask)),
    measure(`${LOAD.toLocaleString('en')} rules, a mask each`, load(ownMasks), loadBaseline),
  ]);

  // A realistic pipeline: classification (table 0), ACL (table 1), forwarding with a rewrite (table 2).
  const bridge = new Bridge('br0', Array.from({ length: 8 }, (_, k) => ({ number: k + 1, name: `p${k + 1}` })));
  bridge.addFlows([
    'table=0,priority=100,in_port=1,actions=load:0x1->NXM_NX_REG0[],goto_table:1',
    'table=0,priority=100,in_port=2,actions=load:0x2->NXM_NX_REG0[],goto_table:1',
    'table=0,priority=0,actions=drop',
    'table=1,priority=200,tcp,tp_dst=22,actions=drop',
    'table=1,priority=100,ip,actions=goto_table:2',
    'table=2,priority=100,ip,nw_dst=10.0.1.0/24,actions=dec_ttl,mod_dl_dst:02:00:00:00:01:01,output:3',
    'table=2,priority=100,ip,nw_dst=10.0.2.0/24,actions=dec_ttl,mod_dl_dst:02:00:00:00:02:01,output:4',
    'table=2,priority=0,actions=NORMAL',
  ].join('\n'));
  const frames = Array.from({ length: 256 }, (_, k) =>
    encode([
      { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
      { layer: 'ipv4', src: '10.0.0.1', dst: `10.0.${1 + (k & 1)}.${k}` },
      { layer: 'udp', srcPort: 1000 + k, dstPort: 53 },
      { layer: 'payload', data: new Uint8Array(50) },
    ]),
  );
  const pipeline: Result[] = [];
  pipeline.push(measure('baseline: copy the frame', () => {
    sink += frames[i++ & 255]!.slice().length;
  }));
  pipeline.push(measure('3-table pipeline: match, rewrite, output', () => {
    sink += bridge.process(1 + (i & 1), frames[i++ & 255]!).outputs.length;
  }, 'baseline: copy the frame'));
  report('switch: packets through a 3-table pipeline', pipeline);
  if (sink < 0) throw new Error('unreachable');
}
