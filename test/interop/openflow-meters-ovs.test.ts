/**
 * Meters against a real Open vSwitch 3.1 (dummy datapath, test/interop/ovs.ts): ovs-ofctl -O
 * OpenFlow13 add-meter, mod-meter, del-meters, dump-meters, meter-stats, meter-features and
 * add-flow with meter:N, run against a netloom switch (`listen:`) and against ovs-vswitchd: the
 * same output, the same errors (durations aside, and meters listed in id order where OVS lists
 * them in hash order). Where netloom goes further on purpose (dscp_remark bands, which OVS's
 * userspace datapath refuses) the test says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/index.js';
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
