/**
 * Conjunctive matches (conjunction(id, k/n) and conj_id) against a real Open vSwitch (dummy
 * datapath, test/interop/ovs.ts): hand-written tables for each rule of OVS's classifier (a hard
 * match above or below the conjunction, a clause missing, several ids sharing flows, a complete
 * conjunction without its conj_id flow, a lower-priority flow with the same match), and seeded
 * random tables over a few addresses and ports; every packet must leave by the same ports with
 * the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/switch/bridge.js';
import { encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the conjunction differential tests: ${ovsMissingMessage()}`);

const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));
const SOURCES = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
const DESTINATIONS = ['10.0.1.1', '10.0.1.2'];
const DPORTS = [22, 80, 443];

const frame = (src: string, dst: string, dport: number, proto: 'tcp' | 'udp') =>
  encode([
    { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    { layer: 'ipv4', src, dst } as LayerSpec,
    { layer: proto, srcPort: 1000, dstPort: dport } as LayerSpec,
  ]);
/** Every source, destination, port and protocol. */
const ALL = SOURCES.flatMap((s) => DESTINATIONS.flatMap((d) => DPORTS.flatMap((p) => [frame(s, d, p, 'tcp'), frame(s, d, p, 'udp')])));

interface Case {
  name: string;
  flows: string[];
}

const CASES: Case[] = [
  {
    name: 'two clauses (ovs-fields(7)\'s example)',
    flows: [
      'conj_id=1234,actions=output:2',
      'ip,nw_src=10.0.0.1,actions=conjunction(1234,1/2)', 'ip,nw_src=10.0.0.4,actions=conjunction(1234,1/2)',
      'tcp,tp_dst=80,actions=conjunction(1234,2/2)', 'tcp,tp_dst=443,actions=conjunction(1234,2/2)',
      'priority=0,actions=output:4',
    ],
  },
  {
    name: 'a hard match above the conjunction wins; one below loses',
    flows: [
      'priority=200,ip,nw_dst=10.0.1.2,actions=output:3',
      'priority=100,ip,nw_src=10.0.0.1,actions=conjunction(7,1/2)', 'priority=100,tcp,tp_dst=80,actions=conjunction(7,2/2)',
      'priority=50,udp,actions=output:4', 'priority=50,tcp,tp_dst=80,actions=output:4',
      'conj_id=7,ip,actions=output:2',
    ],
  },
  {
    name: 'three clauses, and a clause missing for some packets',
    flows: [
      'ip,nw_src=10.0.0.2,actions=conjunction(3,1/3)', 'ip,nw_dst=10.0.1.1,actions=conjunction(3,2/3)', 'tcp,tp_dst=22,actions=conjunction(3,3/3)',
      'udp,tp_dst=22,actions=conjunction(3,3/3)', 'conj_id=3,actions=output:2', 'priority=1,ip,actions=output:3',
    ],
  },
  {
    name: 'flows in several conjunctions at once, and conj_id flows that match more',
    flows: [
      'ip,nw_src=10.0.0.1,actions=conjunction(1,1/2),conjunction(2,1/2)', 'ip,nw_src=10.0.0.3,actions=conjunction(2,1/2)',
      'tcp,tp_dst=80,actions=conjunction(1,2/2)', 'ip,nw_dst=10.0.1.2,actions=conjunction(2,2/2)',
      'conj_id=1,actions=output:2', 'conj_id=2,tcp,actions=output:3', 'conj_id=2,udp,actions=output:4',
    ],
  },
  {
    name: 'a complete conjunction with no conj_id flow falls back to the hard match',
    flows: ['priority=10,ip,nw_src=10.0.0.1,actions=conjunction(5,1/2)', 'priority=10,tcp,tp_dst=443,actions=conjunction(5,2/2)', 'priority=5,ip,actions=output:2', 'conj_id=6,actions=output:3'],
  },
  {
    name: 'an incomplete conjunction gives way to a lower-priority flow with the same match',
    flows: [
      'priority=100,ip,nw_src=10.0.0.2,actions=conjunction(9,1/2)', 'priority=100,tcp,tp_dst=22,actions=conjunction(9,2/2)',
      'priority=50,ip,nw_src=10.0.0.2,actions=output:3', 'priority=40,tcp,tp_dst=22,actions=conjunction(10,1/2)', 'priority=40,ip,nw_dst=10.0.1.1,actions=conjunction(10,2/2)',
      'conj_id=9,actions=output:2', 'conj_id=10,actions=output:4',
    ],
  },
  {
    name: 'conjunctions at two priorities, and one flow giving both clauses',
    flows: [
      'priority=90,ip,nw_src=10.0.0.1,actions=conjunction(1,1/2),conjunction(1,2/2)', 'priority=80,ip,nw_dst=10.0.1.1,actions=conjunction(2,1/2)',
      'priority=80,udp,actions=conjunction(2,2/2)', 'conj_id=1,actions=output:2', 'conj_id=2,actions=output:3', 'priority=1,actions=output:4',
    ],
  },
  {
    name: 'in a later table, after a resubmit',
    flows: [
      'table=0,actions=resubmit(,1),output:4',
      'table=1,ip,nw_src=10.0.0.4,actions=conjunction(11,1/2)', 'table=1,udp,tp_dst=443,actions=conjunction(11,2/2)', 'table=1,conj_id=11,actions=output:2',
    ],
  },
];

/** Random conjunctive tables over the packets' few values: up to 3 ids, 2 or 3 clauses, hard flows between. */
const term = fc.oneof(
  fc.constantFrom(...SOURCES).map((a) => `ip,nw_src=${a}`),
  fc.constantFrom(...DESTINATIONS).map((a) => `ip,nw_dst=${a}`),
  fc.tuple(fc.constantFrom('tcp', 'udp'), fc.constantFrom(...DPORTS)).map(([p, d]) => `${p},tp_dst=${d}`),
);
const randomTable = fc
  .record({
    conjunctions: fc.array(fc.record({ clauses: fc.integer({ min: 2, max: 3 }), priority: fc.constantFrom(10, 20, 30), terms: fc.array(term, { minLength: 1, maxLength: 6 }) }), { minLength: 1, maxLength: 3 }),
    hard: fc.array(fc.tuple(fc.constantFrom(5, 15, 20, 25, 35), term, fc.integer({ min: 1, max: PORTS })), { maxLength: 3 }),
    withConjId: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  })
  .map(({ conjunctions, hard, withConjId }) => {
    const byMatch = new Map<string, string[]>();
    conjunctions.forEach((c, id) => {
      c.terms.forEach((t, k) => {
        const key = `priority=${c.priority},${t}`;
        byMatch.set(key, [...(byMatch.get(key) ?? []), `conjunction(${id + 1},${(k % c.clauses) + 1}/${c.clauses})`]);
      });
    });
    const flows = [...byMatch].map(([m, actions]) => `${m},actions=${actions.join(',')}`);
    const taken = new Set(byMatch.keys());
    for (const [p, t, out] of hard) if (!taken.has(`priority=${p},${t}`)) flows.push(`priority=${p},${t},actions=output:${out}`), taken.add(`priority=${p},${t}`);
    conjunctions.forEach((_, id) => withConjId[id] && flows.push(`conj_id=${id + 1},actions=output:${1 + ((id + 1) % PORTS)}`));
    return flows;
  });

const RANDOM: Case[] = fc.sample(randomTable, { seed: 5150, numRuns: 40 }).map((flows, i) => ({ name: `random table ${i + 1}`, flows }));

describe.skipIf(!haveOvs())('conjunctive matches classify as Open vSwitch does', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  it.each([...CASES, ...RANDOM])('$name', async (c) => {
    ovs.delFlows();
    ovs.addFlows(c.flows, 'OpenFlow10');
    const bridge = new Bridge('br0', ports);
    for (const f of c.flows) bridge.addFlow(f);
    for (const bytes of ALL) {
      const theirs = (await ovs.inject(1, bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      const ours = bridge.process(1, bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(ours.sort(), `${toHex(bytes)}\n${c.flows.join('\n')}`).toEqual(theirs.sort());
    }
  });
});
