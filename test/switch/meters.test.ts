/**
 * Meters (OpenFlow 1.3.5 §5.7) with Open vSwitch 3.1's semantics (dp_netdev_run_meter), exact
 * values: the token buckets in virtual time, the band that fires, dscp_remark's rewrite, the
 * meter table's refusals, ovs-ofctl's meter text, and a metered flow in a running network.
 * test/interop/openflow-meters-ovs.test.ts runs the same meters against a real ovs-vswitchd.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/switch/bridge.js';
import { MeterTable, remarkedTos, OFPM_CONTROLLER, MAX_BANDS } from '../../src/switch/meter.js';
import { FlowSyntaxError, formatMeter, parseMeter } from '../../src/switch/ofctl.js';
import { encode, loadTopology, runTopology, toHex } from '../../src/index.js';
import { internetChecksum } from '../../src/wire/checksum.js';
import type { LayerSpec } from '../../src/index.js';

const ports = [1, 2, 3].map((n) => ({ number: n, name: `p${n}` }));
const MS = 1e6;
/** An IPv4/UDP frame of `size` bytes in all, DSCP `dscp`. */
const frame = (size: number, dscp = 0) =>
  encode([
    { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', dscp } as LayerSpec,
    { layer: 'udp', srcPort: 1000, dstPort: 53 },
    { layer: 'payload', data: new Uint8Array(size - 42) },
  ]);
const bridge = (meters: string[], flows: string[]) => {
  const b = new Bridge('br0', ports);
  for (const m of meters) b.addMeter(m);
  for (const f of flows) b.addFlow(f);
  return b;
};
/** Whether each packet (bytes, at ms) left the bridge. */
const passes = (b: Bridge, packets: [number, number][]) => packets.map(([size, at]) => b.process(1, frame(size), at * MS).outputs.length === 1);

describe('token buckets in virtual time, as dp_netdev_run_meter', () => {
  it('kbps: the bucket starts full (burst_size kbits), refills rate bits a millisecond, counted in whole milliseconds', () => {
    // 10 kbits of burst; 1000 kbps = 1000 bits a millisecond; a 1000-byte packet is 8000 bits.
    const b = bridge(['meter=1 kbps burst stats bands=type=drop rate=1000 burst_size=10'], ['in_port=1,actions=meter:1,output:2']);
    expect(passes(b, [[1000, 0], [1000, 0], [1000, 5.9], [1000, 6.0], [1000, 6.9], [1000, 14.0]])).toEqual([true, false, false, true, false, true]);
    // 0 ms: 10000 -> 2000; 5.9 ms is still millisecond 5: 2000 + 5000 = 7000 < 8000; 6.0: 8000 -> 0; 6.9: +0; 14.0: +8000 -> 0.
    expect(b.dumpMeterStats(20 * MS)).toBe('meter:1 flow_count:1 packet_in_count:6 byte_in_count:6000 duration:0.020s bands:\n0: packet_count:3 byte_count:3000');
  });

  it('Open vSwitch\'s own meter test (tests/dpif-netdev.at, "dpif-netdev - meters"), step by step, with its numbers', () => {
    const b = bridge(
      ['meter=1 pktps burst stats bands=type=drop rate=1 burst_size=1', 'meter=2 kbps burst stats bands=type=drop rate=1 burst_size=2'],
      ['in_port=1,actions=meter:1,output:2', 'in_port=3,actions=meter:2,output:1'],
    );
    const send = (inPort: number, count: number, at: number) => {
      for (let i = 0; i < count; i++) b.process(inPort, frame(60), at * MS);
    };
    // time/warp 5000, then 7 packets of 60 bytes through meter 2 and 5 through meter 1.
    send(3, 7, 5000);
    send(1, 5, 5000);
    const stats = () => b.dumpMeterStats(5870 * MS).replaceAll(/duration:[\d.]+s/g, 'duration:?');
    expect(stats()).toBe(
      'meter:1 flow_count:1 packet_in_count:5 byte_in_count:300 duration:? bands:\n0: packet_count:4 byte_count:240\n' +
        'meter:2 flow_count:1 packet_in_count:7 byte_in_count:420 duration:? bands:\n0: packet_count:3 byte_count:180',
    );
    // time/warp 870: 5 more each; meter 2 has 80 + 870 bits for one more packet.
    for (let i = 0; i < 5; i++) {
      send(3, 1, 5870);
      send(1, 1, 5870);
    }
    expect(stats()).toBe(
      'meter:1 flow_count:1 packet_in_count:10 byte_in_count:600 duration:? bands:\n0: packet_count:9 byte_count:540\n' +
        'meter:2 flow_count:1 packet_in_count:12 byte_in_count:720 duration:? bands:\n0: packet_count:7 byte_count:420',
    );
    expect(b.pipeline.meters.get(2)!.bands[0]!.bucket).toBe(470);
  });

  it('pktps: thousandths of a packet; burst_size packets at once', () => {
    const b = bridge(['meter=1 pktps burst bands=type=drop rate=10 burst_size=2'], ['actions=meter:1,output:2']);
    // 10 packets a second: one each 100 ms.
    expect(passes(b, [[64, 0], [64, 0], [64, 0], [64, 99], [64, 100], [64, 100], [64, 400], [64, 400], [64, 400]])).toEqual([true, true, false, false, true, false, true, true, false]);
  });

  it('without burst a band\'s bucket is its rate (OVS), and dump-meters does not print it', () => {
    const b = bridge(['meter=7 kbps bands=type=drop rate=16'], ['actions=meter:7,output:2']);
    // 16 kbits: two 1000-byte packets.
    expect(passes(b, [[1000, 0], [1000, 0], [1000, 0]])).toEqual([true, true, false]);
    expect(b.dumpMeters()).toBe('meter=7 kbps bands=\ntype=drop rate=16');
    expect(b.pipeline.meters.get(7)!.bands[0]!.burstSize).toBe(16);
  });

  it('after a long idle time a bucket refills only max_delta_t milliseconds\' worth (rate × floor(size / rate))', () => {
    const table = new MeterTable();
    table.add(parseMeter('meter=1 pktps burst bands=type=drop rate=3 burst_size=1'), 0);
    // A 1000-thousandths bucket, 3 a millisecond: max_delta_t = 333 ms, which refills 999.
    expect(table.run(1, 64, 0)).toBeUndefined();
    expect(table.run(1, 64, 10_000 * MS)?.type).toBe('drop');
    expect(table.get(1)!.bands[0]!.bucket).toBe(999);
  });

  it('of the bands a packet exceeds, the one with the highest rate fires; the others keep their credit', () => {
    const b = bridge(['meter=1 kbps burst bands=type=dscp_remark rate=100 burst_size=8 prec_level=1 type=drop rate=200 burst_size=16'], ['actions=meter:1,output:2']);
    // 8000 bits each: the first passes both, the second exceeds the 8-kbit remark band only, the third both.
    const results = [0, 0, 0].map(() => b.process(1, frame(1000, 10), 0));
    expect(results.map((r) => r.outputs.map((o) => o.bytes[15]!.toString(16)))).toEqual([['28'], ['30'], []]);
    expect(results[2]!.meterDrop).toEqual({ meter: 1, band: 1 });
    expect(b.dumpMeterStats(0)).toBe('meter:1 flow_count:1 packet_in_count:3 byte_in_count:3000 duration:0s bands:\n0: packet_count:1 byte_count:1000\n1: packet_count:1 byte_count:1000');
  });
});

describe('dscp_remark', () => {
  it('raises an AF drop precedence by prec_level while it stays one (ofsoftswitch13); other DSCPs are left alone', () => {
    // AF11 (tos 0x28) +1 -> AF12 (0x30), +2 -> AF13 (0x38), +3 -> unchanged; AF12 +1 -> AF13, +2 unchanged; AF13, BE and EF unchanged; ECN kept.
    expect([remarkedTos(0x28, 1), remarkedTos(0x28, 2), remarkedTos(0x28, 3), remarkedTos(0x30, 1), remarkedTos(0x30, 2), remarkedTos(0x38, 1), remarkedTos(0, 1), remarkedTos(0xb8, 1), remarkedTos(0x2b, 1)].map((t) => t.toString(16)))
      .toEqual(['30', '38', '28', '38', '30', '38', '0', 'b8', '33']);
  });

  it('rewrites the DSCP of an exceeding IPv4 packet and adjusts its header checksum, exact bytes', () => {
    const b = bridge(['meter=2 pktps burst bands=type=dscp_remark rate=1 burst_size=1 prec_level=2'], ['ip,actions=meter:2,output:2']);
    const first = b.process(1, frame(64, 10), 0).outputs[0]!.bytes;
    const second = b.process(1, frame(64, 10), 0).outputs[0]!.bytes;
    expect(toHex(first)).toBe(toHex(frame(64, 10)));
    // DSCP 10 (AF11) -> 14 (AF13): tos 0x28 -> 0x38, checksum 0x6690 -> 0x6680.
    expect(toHex(first.subarray(14, 34))).toBe('4528003200010000401166900a0000010a000002');
    expect(toHex(second.subarray(14, 34))).toBe('4538003200010000401166800a0000010a000002');
    expect(toHex(second.subarray(14, 34))).toBe(toHex(frame(64, 14).subarray(14, 34)));
    expect(internetChecksum(second, 14, 34)).toBe(0);
  });

  it('IPv6: the traffic class changes (no header checksum); ARP passes untouched', () => {
    const b = bridge(['meter=2 pktps burst bands=type=dscp_remark rate=1 burst_size=1 prec_level=1'], ['actions=meter:2,output:2']);
    const v6 = encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', trafficClass: 0x28 } as LayerSpec, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
    b.process(1, v6, 0);
    const out = b.process(1, v6, 0).outputs[0]!.bytes;
    expect(toHex(out.subarray(14, 16))).toBe('6300');
    expect(toHex(out.subarray(16))).toBe(toHex(v6.subarray(16)));
  });
});

describe('the meter table and flows', () => {
  it('refuses as OVS does, in OVS\'s order', () => {
    const table = new MeterTable();
    const refusal = (text: string, mutate: (m: ReturnType<typeof parseMeter>) => void = () => undefined) => {
      const m = parseMeter(text);
      mutate(m);
      try {
        table.add(m, 0);
        return 'added';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(refusal('meter=1 kbps bands=type=drop rate=1')).toBe('added');
    expect(refusal('meter=1 pktps bands=type=drop rate=5', (m) => (m.bands[0]!.rate = 0))).toBe('meter 1 exists (OFPMMFC_METER_EXISTS)');
    expect(refusal('meter=2 kbps bands=type=drop rate=1', (m) => (m.flags = 3))).toBe('meter 2 is both kbps and pktps (OFPMMFC_BAD_FLAGS)');
    expect(refusal('meter=2 kbps bands=type=drop rate=1', (m) => (m.flags = 0x11))).toBe('meter 2 has flags 0x11; only kbps, pktps, burst and stats are known (OFPMMFC_BAD_FLAGS)');
    expect(refusal('meter=2 kbps bands=type=drop rate=1', (m) => (m.id = 0xffff0001))).toBe('meter id 4294901761 is not 1 to 4294901760, slowpath or controller (OFPMMFC_INVALID_METER)');
    expect(refusal('meter=2 kbps bands=type=drop rate=1', (m) => (m.bands[0]!.rate = 0))).toBe('band 0 of meter 2 has rate 0 (OFPMMFC_BAD_RATE)');
    expect(refusal(`meter=2 kbps bands=${'type=drop rate=1 '.repeat(MAX_BANDS + 1)}`)).toBe('meter 2 has 9 bands; at most 8 (OFPMMFC_OUT_OF_BANDS)');
    expect(refusal('meter=controller pktps bands=type=drop rate=5')).toBe('added');
    expect(() => table.modify(parseMeter('meter=3 kbps bands=type=drop rate=1'), 0)).toThrow('meter 3 does not exist (OFPMMFC_UNKNOWN_METER)');
  });

  it('a flow with a meter that does not exist is refused (INVALID_METER); deleting a meter deletes its flows', () => {
    const b = new Bridge('br0', ports);
    expect(() => b.addFlow('actions=meter:1,output:2')).toThrow('the flow uses meter 1, which does not exist (OFPMMFC_INVALID_METER)');
    b.addMeter('meter=1 kbps bands=type=drop rate=100');
    b.addMeter('meter=2 kbps bands=type=drop rate=100');
    b.addFlow('priority=5,in_port=1,actions=meter:1,output:2');
    b.addFlow('priority=6,in_port=2,actions=meter:1');
    b.addFlow('priority=7,in_port=3,actions=meter:2,output:1');
    expect(b.dumpFlows()).toBe([
      ' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=7,in_port=3 actions=meter:2,output:1',
      ' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=6,in_port=2 actions=meter:1',
      ' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=5,in_port=1 actions=meter:1,output:2',
    ].join('\n'));
    expect(b.dumpMeterStats(0).split('\n').filter((l) => l.startsWith('meter'))).toEqual([
      'meter:1 flow_count:2 packet_in_count:0 byte_in_count:0 duration:0s bands:',
      'meter:2 flow_count:1 packet_in_count:0 byte_in_count:0 duration:0s bands:',
    ]);
    expect(b.delMeters('meter=1')).toBe(1);
    expect(b.dumpFlows()).toBe(' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=7,in_port=3 actions=meter:2,output:1');
    expect(b.modFlows('in_port=3,actions=output:2')).toBe(1);
    expect(b.dumpFlows()).toBe(' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=7,in_port=3 actions=output:2');
    expect(b.delMeters()).toBe(1);
    expect(b.dumpMeters()).toBe('');
  });

  it('mod-meter starts its counters and buckets again, not its duration', () => {
    const b = bridge(['meter=1 kbps burst stats bands=type=drop rate=8 burst_size=8'], ['actions=meter:1,output:2']);
    expect(passes(b, [[1000, 0], [1000, 0]])).toEqual([true, false]);
    b.modMeter('meter=1 kbps burst stats bands=type=drop rate=8 burst_size=16', 1500 * MS);
    expect(passes(b, [[1000, 1500], [1000, 1500], [1000, 1500]])).toEqual([true, true, false]);
    expect(b.dumpMeterStats(2000 * MS)).toBe('meter:1 flow_count:1 packet_in_count:3 byte_in_count:3000 duration:2s bands:\n0: packet_count:1 byte_count:1000');
  });

  it('the controller meter limits packets to the controller', () => {
    const b = bridge(['meter=controller pktps burst bands=type=drop rate=1 burst_size=2'], ['actions=CONTROLLER:128,output:2']);
    const toController = [0, 0, 0].map(() => b.process(1, frame(64), 0).outputs.map((o) => o.port));
    expect(toController).toEqual([['controller', 2], ['controller', 2], [2]]);
    expect(b.dumpMeters()).toBe('meter=controller pktps burst bands=\ntype=drop rate=1 burst_size=2');
  });
});

describe('ovs-ofctl meter text', () => {
  it('reads what ovs-ofctl reads: flags, bands opened by type, the special meter names', () => {
    const m = parseMeter('meter=12,kbps,burst,stats,bands=type=drop,rate=1000,burst_size=100 type=dscp_remark rate=500 burst_size=50 prec_level=1');
    expect(m).toMatchObject({ id: 12, flags: 0b1101, bands: [{ type: 'drop', rate: 1000, burstSize: 100, precLevel: 0 }, { type: 'dscp_remark', rate: 500, burstSize: 50, precLevel: 1 }] });
    expect(parseMeter('meter=slowpath pktps bands=type=drop rate=1').id).toBe(0xfffffffd);
    expect(parseMeter('meter=controller pktps bands=type=drop rate=1').id).toBe(OFPM_CONTROLLER);
  });

  it.each([
    ['meter=1 kbps', 13, 'must specify bands'],
    ['kbps bands=type=drop rate=1', 1, "must specify 'meter'"],
    ['meter=1 bands=type=drop rate=1', 1, "meter must specify either 'kbps' or 'pktps'"],
    ['meter=0 kbps bands=type=drop rate=1', 7, 'invalid value for meter: 0 (1 to 4294901760, or all, controller, slowpath)'],
    ['meter=1 kbps color=1 bands=type=drop rate=1', 14, 'unknown keyword color'],
    ['meter=1 kbps bands=rate=1', 20, "band must start with the 'type' keyword"],
    ['meter=1 kbps bands=type=mark rate=1', 25, 'field type unknown value mark (drop or dscp_remark)'],
    ['meter=1 kbps bands=type=drop', 20, "band must have 'rate'"],
    ['meter=1 kbps bands=type=drop rate', 30, 'field rate missing value'],
    ['meter=1 kbps bands=type=drop rate=1 burst_size=5', 20, "band may have 'burst_size' only when 'burst' flag is set"],
    ['meter=1 kbps burst bands=type=drop rate=1', 26, "band must have 'burst_size' when 'burst' flag is set"],
    ['meter=1 kbps bands=type=dscp_remark rate=1', 20, "'dscp_remark' band must have 'prec_level'"],
    ['meter=1 kbps bands=type=drop rate=1 prec_level=1', 20, "Only 'dscp_remark' band may have 'prec_level'"],
  ])('%s: column %i, %s', (text, column, reason) => {
    const error = (() => {
      try {
        parseMeter(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FlowSyntaxError);
    expect({ column: (error as FlowSyntaxError).column, reason: (error as FlowSyntaxError).reason }).toEqual({ column, reason });
  });

  it.each([
    ['actions=output:2,meter:1', 18, 'invalid instruction ordering: meter must appear before apply_actions'],
    ['actions=meter:1,meter:2', 17, 'instruction meter may be specified only once'],
    ['actions=write_actions(meter:1)', 23, 'meter instruction not allowed here (a meter belongs to a flow, before its actions)'],
    ['actions=meter:0', 15, "meter:0: a flow's meter is 1 to 4294901760 (OVS refuses: OFPMMFC_INVALID_METER)"],
  ])('flow %s: column %i, %s', (flow, column, reason) => {
    expect(() => new Bridge('br0', ports).addFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });
});

describe('meter text, property-tested', () => {
  const u32 = fc.integer({ min: 1, max: 0xffffffff });
  const meterArb = fc
    .record({
      id: fc.oneof(fc.integer({ min: 1, max: 0xffff0000 }), fc.constantFrom(0xfffffffd, 0xfffffffe)),
      unit: fc.constantFrom('kbps', 'pktps'),
      burst: fc.boolean(),
      stats: fc.boolean(),
      bands: fc.array(fc.record({ remark: fc.boolean(), rate: u32, burst: u32, prec: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 8 }),
    })
    .map((m) => ({
      ...m,
      text: `meter=${m.id === 0xfffffffd ? 'slowpath' : m.id === 0xfffffffe ? 'controller' : m.id} ${m.unit}${m.burst ? ' burst' : ''}${m.stats ? ' stats' : ''} bands=${m.bands
        .map((b) => `type=${b.remark ? 'dscp_remark' : 'drop'} rate=${b.rate}${m.burst ? ` burst_size=${b.burst}` : ''}${b.remark ? ` prec_level=${b.prec}` : ''}`)
        .join(' ')}`,
    }));

  it('what ovs-ofctl would write reads back to the meter it describes, and dump-meters\' text reads back to the same meter', () => {
    fc.assert(
      fc.property(meterArb, (m) => {
        const meter = parseMeter(m.text);
        expect(meter.id).toBe(m.id);
        expect(meter.flags).toBe((m.unit === 'kbps' ? 1 : 2) | (m.burst ? 4 : 0) | (m.stats ? 8 : 0));
        expect(meter.bands.map((b) => [b.type, b.rate, b.burstSize, b.precLevel])).toEqual(m.bands.map((b) => [b.remark ? 'dscp_remark' : 'drop', b.rate, m.burst ? b.burst : b.rate, b.remark ? b.prec : 0]));
        expect(parseMeter(formatMeter(meter))).toEqual(meter);
      }),
      { seed: 9, numRuns: 300 },
    );
  });

  it('any text is a meter or a FlowSyntaxError with a column inside it, never another error', () => {
    const word = fc.constantFrom('meter', '=', ' ', ',', 'kbps', 'pktps', 'burst', 'stats', 'bands', 'type', 'drop', 'dscp_remark', 'rate', 'burst_size', 'prec_level', '1', '0', '99999999999', 'all', 'x', '\t');
    fc.assert(
      fc.property(fc.oneof(fc.array(word, { maxLength: 24 }).map((w) => w.join('')), fc.string({ maxLength: 60 })), (text) => {
        try {
          parseMeter(text);
        } catch (e) {
          expect(e).toBeInstanceOf(FlowSyntaxError);
          expect((e as FlowSyntaxError).column).toBeGreaterThanOrEqual(1);
          expect((e as FlowSyntaxError).column).toBeLessThanOrEqual(text.length + 1);
        }
      }),
      { seed: 10, numRuns: 2000 },
    );
  });
});

describe('a metered flow in a running network', () => {
  // h1 offers twice R (8,000 kb/s in 1,042-byte frames: 960 a second for 2 s) through a meter of R = 4,000 kbps with a 100-kbit burst.
  const TOPOLOGY = (band: string) => `
name: meter-rate
seed: 1
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1:
    kind: switch
    ports: [p1, p2]
    meters: ["meter=1 kbps burst stats bands=${band}"]
    flows:
      - priority=10,udp,in_port=p1,actions=set_field:10->ip_dscp,goto_table:1
      - table=1,priority=10,udp,actions=meter:1,output:p2
      - priority=0,actions=NORMAL
links:
  - endpoints: [h1:eth0, s1:p1]
  - endpoints: [s1:p2, h2:eth0]
traffic:
  - udp: { name: twice the meter, from: h1, to: h2, dstPort: 5001, size: 1000, rate: 960pps, count: 1920 }
`;

  it('a drop band of R kbps passes R within the burst: what arrives is R × duration plus at most the burst', async () => {
    const summary = await runTopology(loadTopology(TOPOLOGY('type=drop rate=4000 burst_size=100'), 'meter-rate.yaml'));
    const [t] = summary.traffic;
    expect([t!.sent, t!.delivered]).toEqual([1920, 968]);
    // The offered load spans (1920 - 1) / 960 s; the meter lets through R over that, plus its burst.
    const seconds = 1919 / 960;
    const bits = t!.delivered * 1042 * 8;
    expect(bits).toBeGreaterThanOrEqual(4000e3 * seconds - 1042 * 8);
    expect(bits).toBeLessThanOrEqual(4000e3 * seconds + 100e3);
    expect(summary.drops).toEqual([{ node: 's1', reason: 'FLOW_DROP', count: 952 }]);
  });
});
