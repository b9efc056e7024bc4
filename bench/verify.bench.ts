/**
 * The isolation verifier on a platform-sized network: 4 tenants on 20 switches in a line, one
 * host of each tenant on each switch, exactly 10,000 installed rules — the platform's table 0
 * (platformFlows), and in table 1 each tenant's forwarding to each of its 20 hosts from each
 * in_port (rewritten back, for IPv4 and ARP, towards its own host), its table-miss and an ACL.
 * Baseline, in the same run: one classifier lookup per installed rule (a packet with that rule's
 * match values), over the same switches — the cost of touching every rule once, concretely.
 */
import { Bridge } from '../src/switch/bridge.js';
import { WHOLE_FLOWSPACE, platformFlows, rewriteAddresses, type TenantSpace } from '../src/tenants/compile.js';
import { formatActions } from '../src/switch/ofctl.js';
import { verifyModel, type VerifyModel, type VerifyPort, type VerifySwitch } from '../src/tenants/verify.js';
import { measure, report } from './harness.js';

const TENANTS = 4;
const SWITCHES = 20;
const RULES = 10_000;

const mac = (t: number, j: number) => `02:00:00:0${t}:00:${j.toString(16).padStart(2, '0')}`;

/** Ports of switch i: tenant t's host on port t, the link left on 5, the link right on 6. */
export function model(): VerifyModel {
  const spaces: TenantSpace[] = Array.from({ length: TENANTS }, (_, k) => ({ id: k + 1, prefix: 0x0a000000, length: 24 }));
  const bridges: Bridge[] = [];
  const switches: VerifySwitch[] = [];
  const hosts = new Map<string, { node: string; port: string; mac: string; address: number }>();
  for (let i = 0; i < SWITCHES; i++) {
    const name = `s${i + 1}`;
    const ports = new Map<number, VerifyPort>();
    for (let t = 1; t <= TENANTS; t++) {
      ports.set(t, { number: t, name: `h${t}`, tunnel: false, far: { node: `t${t}h${i + 1}`, port: 'eth0', kind: 'host' } });
      hosts.set(`${name}:${t}`, { node: `t${t}h${i + 1}`, port: 'eth0', mac: mac(t, i + 1), address: 0x0a000000 + i + 1 });
    }
    if (i > 0) ports.set(5, { number: 5, name: 'left', tunnel: false, far: { node: `s${i}`, port: 'right', kind: 'switch' } });
    if (i < SWITCHES - 1) ports.set(6, { number: 6, name: 'right', tunnel: false, far: { node: `s${i + 2}`, port: 'left', kind: 'switch' } });
    const bridge = new Bridge(name, [...ports.values()].map((p) => ({ number: p.number, name: p.name })));
    for (const f of platformFlows(spaces.map((space) => ({ space, edges: [space.id], write: WHOLE_FLOWSPACE })))) bridge.addFlow(f, 0);
    bridges.push(bridge);
    switches.push({ name, pipeline: bridge.pipeline, ports });
  }
  let count = bridges.reduce((n, b) => n + b.pipeline.allRules().length, 0);
  const add = (b: Bridge, flow: string) => {
    b.addFlow(flow, 0);
    count++;
  };
  for (let i = 0; i < SWITCHES; i++) {
    for (const space of spaces) {
      const t = space.id;
      const b = bridges[i]!;
      add(b, `table=1,priority=0,metadata=${t}/0xff,actions=CONTROLLER:65535`);
      for (let j = 0; j < SWITCHES; j++) {
        for (const inPort of [t, 5, 6]) {
          if ((inPort === 5 && i === 0) || (inPort === 6 && i === SWITCHES - 1) || (j === i && inPort === t)) continue;
          const match = `table=1,priority=1,in_port=${inPort},dl_dst=${mac(t, j + 1)},metadata=${t}/0xff`;
          if (j !== i) add(b, `${match},actions=output:${j < i ? 5 : 6}`);
          else for (const proto of ['ip', 'arp'] as const) add(b, `${match},${proto},actions=${formatActions(rewriteAddresses(space, proto, 'virtual'))},output:${t}`);
        }
      }
    }
  }
  // An ACL in each tenant's table 1 fills the count to exactly 10,000.
  for (let k = 0; count < RULES; k++) {
    const t = 1 + (k % TENANTS);
    add(bridges[k % SWITCHES]!, `table=1,priority=10,tcp,metadata=${t}/0xff,nw_dst=${t}.0.0.${1 + (k % 250)},tp_dst=${1 + Math.floor(k / SWITCHES)},actions=drop`);
  }
  const tenants = spaces.map((space) => ({ name: `tenant${space.id}`, space, ports: switches.flatMap((s) => [...s.ports.values()].map((p) => ({ switch: s.name, port: p.number, edge: p.number === space.id })).filter((p) => p.edge || p.port >= 5)) }));
  return { switches, tenants, hosts, now: 0 };
}

export async function main(): Promise<void> {
  const m = model();
  const rules = m.switches.reduce((n, s) => n + s.pipeline.allRules().length, 0);
  const once = verifyModel(m);
  if (!once.isolated || rules !== RULES) throw new Error(`the bench network should be isolated with ${RULES} rules: ${once.leaks.length} leaks, ${rules} rules`);
  const probes = m.switches.flatMap((s) => s.pipeline.allRules().map((r) => ({ pipeline: s.pipeline, table: r.table, words: r.match.values })));
  let sink = 0;
  const baseline = `baseline: ${RULES.toLocaleString('en')} classifier lookups, one per rule`;
  const pass = measure(baseline, () => {
    for (const p of probes) if (p.pipeline.table(p.table).lookup(p.words) !== undefined) sink++;
  });
  const check = measure('verify', () => {
    sink += verifyModel(m).checked.headerSets;
  });
  report(`verify (${once.checked.headerSets.toLocaleString('en')} header sets, ${once.checked.lookups.toLocaleString('en')} table lookups, ${once.checked.edgePorts} edge ports)`, [pass]);
  // A whole check takes seconds, not microseconds: in milliseconds per check, and in lookup passes.
  const ms = (r: typeof pass) => 1e3 / r.opsPerSecond;
  console.log(`  verify: ${TENANTS} tenants, ${SWITCHES} switches, ${RULES.toLocaleString('en')} rules`.padEnd(50) + ` ${ms(check).toFixed(0)} ms a check  ${(ms(check) / ms(pass)).toFixed(0)}x one lookup pass (${ms(pass).toFixed(2)} ms)`);
  if (sink < 0) console.log(sink);
}
