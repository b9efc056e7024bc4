/**
 * The verifier against the simulation, on random tenant networks: tenants with overlapping
 * address spaces on two shared switches, ports in random order, pings inside each tenant. After
 * the run no frame crossed tenants and verify says isolated; with one random broken rule
 * injected, verify finds the leak and its witness, replayed, goes where the verifier says.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTopology, replayWitness, runTopology, verifyIsolation } from '../../src/index.js';
import type { Built } from '../../src/topology/build.js';
import type { SwitchNode } from '../../src/switch/node.js';

interface Net {
  tenants: { name: string; id: number; prefix: string }[];
  /** Per switch, its ports in order (ofport = place + 1): host ports are `<tenant>-<n>`, and `core`. */
  ports: Record<'s1' | 's2', string[]>;
  starts: number[];
}

const NAMES = ['blue', 'red', 'green'];

const network: fc.Arbitrary<Net> = fc
  .record({
    count: fc.integer({ min: 2, max: 3 }),
    prefixes: fc.array(fc.constantFrom('10.0.0.0', '10.0.1.0', '192.168.7.0'), { minLength: 3, maxLength: 3 }),
    order1: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    order2: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    starts: fc.array(fc.integer({ min: 100, max: 500 }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ count, prefixes, order1, order2, starts }) => {
    const tenants = NAMES.slice(0, count).map((name, i) => ({ name, id: i + 1, prefix: prefixes[i]! }));
    // Each tenant has one host on each switch; the ports come in a random order, the core link among them.
    const place = (n: number, order: number[]) => {
      const names = [...tenants.map((t) => `${t.name}-${n}`), 'core'];
      return names.map((p, i) => ({ p, k: order[i]! * 10 + i })).sort((a, b) => a.k - b.k).map((x) => x.p);
    };
    return { tenants, ports: { s1: place(1, order1), s2: place(2, order2) }, starts };
  });

function yaml(net: Net): string {
  const lines = ['name: random-tenants', 'nodes:'];
  for (const t of net.tenants) {
    lines.push(`  c-${t.name}: { kind: controller, app: learning }`);
    for (const n of [1, 2]) lines.push(`  ${t.name}-${n}: { kind: host, interfaces: { eth0: { ipv4: ${t.prefix.replace(/0$/, String(n))}/24 } } }`);
  }
  lines.push(`  s1: { kind: switch, ports: [${net.ports.s1.join(', ')}] }`, `  s2: { kind: switch, ports: [${net.ports.s2.join(', ')}] }`, 'links:', '  - endpoints: [s1:core, s2:core]');
  for (const t of net.tenants) for (const n of [1, 2]) lines.push(`  - endpoints: [${t.name}-${n}:eth0, s${n}:${t.name}-${n}]`);
  lines.push('tenants:');
  for (const t of net.tenants) {
    lines.push(`  ${t.name}: { controller: c-${t.name}, addresses: ${t.prefix}/24, switches: { left: { switch: s1, ports: [${t.name}-1, core] }, right: { switch: s2, ports: [${t.name}-2, core] } } }`);
  }
  lines.push('traffic:');
  net.tenants.forEach((t, i) => lines.push(`  - ping: { from: ${t.name}-1, to: ${t.name}-2, count: 2, start: ${net.starts[i]}ms }`));
  return `${lines.join('\n')}\n`;
}

/** A broken rule on switch `sw` taking tenant a's packets to tenant b: the leak kind it must cause. */
type Breakage = { kind: 'host' | 'flowspace'; flow: string };
function breakage(net: Net, which: number, sw: 's1' | 's2', a: number, b: number): Breakage {
  const n = sw === 's1' ? 1 : 2;
  const port = (tenant: number) => net.ports[sw].indexOf(`${NAMES[tenant]}-${n}`) + 1;
  const ta = net.tenants[a]!;
  const tb = net.tenants[b]!;
  if (which === 0) return { kind: 'host', flow: `table=1,priority=400,metadata=${ta.id}/0xff,actions=output:${port(b)}` };
  if (which === 1) return { kind: 'host', flow: `table=0,priority=300,in_port=${port(a)},actions=output:${port(b)}` };
  return { kind: 'flowspace', flow: `table=0,priority=300,in_port=${port(a)},ip,actions=write_metadata:${tb.id}/0xff,goto_table:1` };
}

describe('verify on random tenant networks', () => {
  it('agrees with the simulation: no crossing and isolated; one broken rule, a leak whose witness replays', async () => {
    await fc.assert(
      fc.asyncProperty(network, fc.nat(2), fc.constantFrom<'s1' | 's2'>('s1', 's2'), fc.nat(5), async (net, which, sw, pair) => {
        const topology = loadTopology(yaml(net), 'random.yaml');
        const tenantOfMac = new Map<string, string>();
        for (const node of topology.nodes) if (node.kind === 'host') tenantOfMac.set(node.interfaces[0]!.mac, node.name.split('-')[0]!);
        const crossings: string[] = [];
        const summary = await runTopology(topology, {
          sinks: [{
            event: (e) => {
              if (e.dir !== 'rx' || e.bytes === undefined || !/-\d$/.test(e.node)) return;
              const src = [...e.bytes.subarray(6, 12)].map((x) => x.toString(16).padStart(2, '0')).join(':');
              const from = tenantOfMac.get(src);
              if (from !== undefined && from !== e.node.split('-')[0]) crossings.push(`${src} (${from}) reached ${e.node}`);
            },
          }],
        });
        expect(summary.traffic.every((t) => t.delivered === 2)).toBe(true);
        expect(crossings).toEqual([]);
        const clean = await verifyIsolation(topology);
        expect([clean.isolated, clean.leaks.length]).toEqual([true, 0]);

        const a = pair % net.tenants.length;
        const b = (a + 1 + (pair >> 2)) % net.tenants.length === a ? (a + 1) % net.tenants.length : (a + 1 + (pair >> 2)) % net.tenants.length;
        const broken = breakage(net, which, sw, a, b);
        const alter = (built: Built) => (built.net.nodes.get(sw) as SwitchNode).bridge.addFlow(broken.flow, built.net.scheduler.now);
        const report = await verifyIsolation(topology, { at: clean.at, alter });
        expect(report.isolated).toBe(false);
        const victim = `${NAMES[b]}-${sw === 's1' ? 1 : 2}:eth0`;
        const leak = report.leaks.find((l) => l.kind === broken.kind && l.tenant === NAMES[a] && (broken.kind === 'flowspace' || l.to === victim) && l.responsible.switch === sw && l.responsible.priority === (which === 0 ? 400 : 300));
        expect(leak, `${broken.flow}: ${JSON.stringify(report.leaks.map((l) => [l.kind, l.tenant, l.to, l.responsible.text]))}`).toBeDefined();
        expect(leak!.witness).toBeDefined();
        const replay = await replayWitness(topology, leak!, { at: clean.at, alter });
        if (broken.kind === 'host') expect(replay.reached).toContain(victim);
        else expect(replay.steps.some((s) => s.startsWith(`${sw}:`) && s.includes('priority 300; write_metadata:'))).toBe(true);
      }),
      { numRuns: 5 },
    );
  });
});
