/**
 * Meters against a real Open vSwitch 3.1 (dummy datapath, test/interop/ovs.ts): ovs-ofctl -O
 * OpenFlow13 add-meter, mod-meter, del-meters, dump-meters, meter-stats, meter-features and
 * add-flow with meter:N, run against a netloom switch (`listen:`) and against ovs-vswitchd: the
 * same output, the same errors (durations aside, and meters listed in id order where OVS lists
 * them in hash order). Where netloom goes further on purpose (dscp_remark bands, which OVS's
 * userspace datapath refuses) the test says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, loadTopology, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { Bridge } from '../../src/switch/bridge.js';
import { runTopologyRealtime } from '../../src/topology/run.js';
import { ofctlNetloom, ofctlOvs, normalize, sorted } from './ofctl-compare.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the meter interop tests: ${ovsMissingMessage()}`);

const TOPOLOGY = `
name: meters-interop
nodes:
  br0: { kind: switch, ports: [p1, p2, p3], listen: 0, flows: ["priority=0,actions=drop"] }
`;

const METERS = [
  'meter=1 kbps bands=type=drop rate=1000',
  'meter=2 kbps burst stats bands=type=drop rate=2000 burst_size=300',
  'meter=3 pktps burst bands=type=drop rate=100 burst_size=10 type=drop rate=500 burst_size=50',
  'meter=4,pktps,stats,bands=type=drop,rate=7',
  'meter=controller pktps burst bands=type=drop rate=50 burst_size=5',
  'meter=4294901760 kbps stats bands=type=drop rate=1',
];

/** Meter mods and flows both must refuse, with the same error (or the same ovs-ofctl complaint). */
const REFUSED: string[][] = [
  ['add-meter', 'meter=1 kbps bands=type=drop rate=5'],
  ['mod-meter', 'meter=99 kbps bands=type=drop rate=5'],
  ['add-meter', 'meter=all kbps bands=type=drop rate=5'],
  ['add-meter', `meter=20 kbps bands=${'type=drop rate=1 '.repeat(9)}`],
  ['add-meter', 'meter=20 kbps,pktps bands=type=drop rate=1'],
  ['add-meter', 'meter=20 kbps bands=type=drop'],
  ['add-flow', 'priority=9,actions=meter:99,output:1'],
  ['add-flow', 'priority=9,actions=output:1,meter:1'],
];

const FLOWS = ['priority=10,in_port=1,actions=meter:1,output:2', 'priority=11,in_port=2,actions=meter:3,output:1', 'table=1,priority=12,ip,actions=meter:1,goto_table:2'];

/** ovs-ofctl meter output with durations left out and meters in id order (OVS lists them in hash order). */
function meters(text: string): string {
  const [head = '', ...rest] = normalize(text).replace(/duration:[\d.]+s/g, 'duration:?').split('\n').filter((l) => l !== '');
  const blocks: string[][] = [];
  for (const line of rest) {
    if (line.startsWith('meter') || blocks.length === 0) blocks.push([line]);
    else blocks[blocks.length - 1]!.push(line);
  }
  const id = (b: string[]) => {
    const n = /^meter[=:](\w+)/.exec(b[0]!)?.[1] ?? '';
    return /^\d+$/.test(n) ? Number(n) : Infinity;
  };
  return [head, ...blocks.sort((a, b) => id(a) - id(b)).flat()].join('\n');
}

describe.skipIf(!haveOvs())('ovs-ofctl -O OpenFlow13 meters: a netloom switch prints what Open vSwitch prints', () => {
  let ovs: OvsSwitch;
  const stop = new AbortController();
  let done: Promise<unknown>;
  let port = 0;

  const netloom = (args: string[]) => ofctlNetloom(port, args);
  const real = (args: string[]) => ofctlOvs(ovs, args);
  const both = async (args: string[]) => {
    const ours = await netloom(args);
    const theirs = real(args);
    expect({ failed: ours.failed, stderr: ours.stderr }, args.join(' ')).toEqual({ failed: false, stderr: '' });
    expect({ failed: theirs.failed, stderr: theirs.stderr }, args.join(' ')).toEqual({ failed: false, stderr: '' });
  };
  /** The same output: meters in id order, flows sorted (both switches list them in their own order). */
  const same = async (args: string[]) => {
    const view = args[0] === 'dump-flows' ? sorted : meters;
    expect(view((await netloom(args)).stdout), args.join(' ')).toBe(view(real(args).stdout));
  };

  beforeAll(async () => {
    ovs = OvsSwitch.start({ ports: 3, protocol: 'OpenFlow13' });
    const listening = new Promise<number>((resolve) => {
      done = runTopologyRealtime(loadTopology(TOPOLOGY, 'meters-interop.yaml'), { signal: stop.signal, onListening: (_node, _host, p) => resolve(p) });
    });
    port = await listening;
    ovs.delFlows();
    ovs.addFlows(['priority=0,actions=drop']);
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await done;
    ovs?.stop();
  });

  it.each(METERS)('add-meter %s, then dump-meters', async (meter) => {
    await both(['add-meter', meter]);
    await same(['dump-meters']);
  });

  it.each(REFUSED)('%s %s: the same refusal', async (...args) => {
    const ours = await netloom(args);
    const theirs = real(args);
    expect(ours.failed).toBe(true);
    expect(theirs.failed).toBe(true);
    expect(normalize(ours.stderr)).toBe(normalize(theirs.stderr));
  });

  it('add-flow with meters; dump-flows, meter-stats (flow_count counts them), dump-meters and meter-stats of one meter', async () => {
    for (const flow of FLOWS) await both(['add-flow', flow]);
    for (const args of [['dump-flows'], ['meter-stats'], ['dump-meters', 'meter=3'], ['meter-stats', 'meter=1']]) await same(args);
  });

  it('dump-meters and meter-stats of a meter that does not exist: the same error', async () => {
    for (const args of [['dump-meters', 'meter=77'], ['meter-stats', 'meter=77']]) {
      const ours = await netloom(args);
      const theirs = real(args);
      expect(normalize(theirs.stdout + theirs.stderr)).toContain('OFPMMFC_UNKNOWN_METER');
      expect({ failed: ours.failed, output: normalize(ours.stdout + ours.stderr) }, args.join(' ')).toEqual({ failed: theirs.failed, output: normalize(theirs.stdout + theirs.stderr) });
    }
  });

  it('mod-meter changes flags and bands; dump-meters', async () => {
    await both(['mod-meter', 'meter=1 pktps burst stats bands=type=drop rate=9 burst_size=3']);
    await both(['mod-meter', 'meter=4 kbps bands=type=drop rate=70 type=drop rate=90']);
    await same(['dump-meters']);
  });

  it('meter-features: OVS\'s limits and flags; band types drop and dscp_remark where OVS\'s userspace datapath has drop only', async () => {
    const ours = normalize((await netloom(['meter-features'])).stdout);
    const theirs = normalize(real(['meter-features']).stdout);
    expect(theirs).toContain('band_types: drop\n');
    expect(ours).toBe(theirs.replace('band_types: drop\n', 'band_types: drop dscp_remark\n'));
  });

  it('a dscp_remark band: netloom runs it, OVS\'s userspace datapath refuses it (OFPMMFC_BAD_BAND)', async () => {
    const meter = 'meter=30 kbps bands=type=dscp_remark rate=100 prec_level=1';
    expect((await netloom(['add-meter', meter])).failed).toBe(false);
    const theirs = real(['add-meter', meter]);
    expect(theirs.failed).toBe(true);
    expect(theirs.stderr).toContain('OFPMMFC_BAD_BAND');
    expect(meters((await netloom(['dump-meters', 'meter=30'])).stdout).split('\n').slice(1)).toEqual(['meter=30 kbps bands=', 'type=dscp_remark rate=100 prec_level=1']);
    // The two switches the same again.
    expect((await netloom(['del-meters', 'meter=30'])).failed).toBe(false);
  });

  it('del-meters deletes a meter and the flows that use it; with no argument, every meter', async () => {
    for (const args of [['del-meters', 'meter=1'], ['del-meters', 'meter=77']]) {
      await both(args);
      for (const dump of [['dump-meters'], ['dump-flows']]) await same(dump);
    }
    await both(['del-meters']);
    for (const args of [['dump-meters'], ['meter-stats'], ['dump-flows']]) await same(args);
  });
});

// ---------------------------------------------------------------------------------------------
// Metering packets: the same meters, flows and frames on netloom's Bridge and on ovs-vswitchd with
// its clock stopped (time/stop, time/warp as OVS's own tests drive it), the same frames at the same
// milliseconds: the same frames must leave, and the meters count the same.

const ports = [1, 2, 3].map((n) => ({ number: n, name: `p${n}` }));
/** An IPv4/UDP frame of `size` bytes. */
const udp = (size: number, src: number) =>
  encode([
    { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    { layer: 'ipv4', src: `10.0.0.${src}`, dst: '10.0.0.200' } as LayerSpec,
    { layer: 'udp', srcPort: 1000 + size, dstPort: 53 },
    { layer: 'payload', data: new Uint8Array(size - 42) },
  ]);

const METERED_METERS = [
  'meter=1 kbps burst stats bands=type=drop rate=300 burst_size=15',
  'meter=2 pktps burst stats bands=type=drop rate=50 burst_size=3 type=drop rate=20 burst_size=1',
  'meter=3 kbps stats bands=type=drop rate=16',
];
const METERED_FLOWS = ['in_port=1,actions=meter:1,output:2', 'in_port=2,actions=meter:2,output:3', 'in_port=3,actions=meter:3,output:1'];

/** When each frame arrives (ms since the meters were made), on which port, how big: bursts, gaps, and sizes that straddle the buckets. */
const SCHEDULE: { at: number; port: number; size: number }[] = [];
for (let i = 0; i < 60; i++) {
  const at = [0, 0, 0, 1, 3, 3, 7, 12, 12, 12, 19, 40, 41, 41, 80, 81, 200, 200, 201, 999][i % 20]! + 1000 * Math.floor(i / 20);
  SCHEDULE.push({ at, port: 1 + (i % 3), size: [64, 1500, 300, 800, 1000][i % 5]! });
}
SCHEDULE.sort((a, b) => a.at - b.at);

describe.skipIf(!haveOvs())('metered forwarding: netloom and ovs-vswitchd with a stopped clock pass and drop the same frames', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: 3, protocol: 'OpenFlow13' });
    ovs.delFlows();
  }, 60_000);
  afterAll(() => ovs?.stop());

  it('the same frames leave, and meter-stats counts the same', async () => {
    ovs.appctl('time/stop');
    for (const m of METERED_METERS) ovs.ofctl(['add-meter', m]);
    ovs.addFlows(METERED_FLOWS);
    const bridge = new Bridge('br0', ports);
    for (const m of METERED_METERS) bridge.addMeter(m, 0);
    for (const f of METERED_FLOWS) bridge.addFlow(f);
    let now = 0;
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const [i, p] of SCHEDULE.entries()) {
      if (p.at > now) {
        ovs.appctl('time/warp', String(p.at - now));
        now = p.at;
      }
      const frame = udp(p.size, i);
      ours.push(...bridge.process(p.port, frame, p.at * 1e6).outputs.map((o) => `${i}: ${String(o.port)} ${toHex(o.bytes)}`));
      theirs.push(...(await ovs.inject(p.port, frame)).map((o) => `${i}: ${String(o.port)} ${toHex(o.bytes)}`));
    }
    expect(ours).toEqual(theirs);
    // Some frames of each meter passed and some were dropped, so the comparison means something.
    for (const port of [1, 2, 3]) {
      const sent = SCHEDULE.filter((p) => p.port === port).length;
      const passed = ours.filter((l) => SCHEDULE[Number(l.split(':')[0])]!.port === port).length;
      expect(passed, `port ${port}`).toBeGreaterThan(0);
      expect(passed, `port ${port}`).toBeLessThan(sent);
    }
    const stats = (text: string) => text.split('\n').filter((l) => /^(meter:|\d+:)/.test(l)).map((l) => l.replace(/ duration:[\d.]+s/, '')).join('\n');
    const theirStats = ovs.ofctl(['meter-stats']).split('\n\n').map((b) => b.trim()).sort().join('\n');
    const ourStats = stats(bridge.dumpMeterStats(now * 1e6));
    expect(ourStats).toBe(stats(theirStats));
    expect(ourStats.split('\n').filter((l) => /^meter:\d flow_count:1 packet_in_count:20 /.test(l))).toHaveLength(3);
    // Meter 2's bands: the higher rate fires on what exceeds both, the lower one on what exceeds it alone.
    expect(ourStats).toMatch(/^meter:2 .*\n0: packet_count:[1-9]\d* byte_count:\d+\n1: packet_count:[1-9]/m);
  });
});
