/**
 * Meter messages and metered packets as the references read them: tshark dissects netloom's
 * METER_MOD, METER_CONFIG, METER and METER_FEATURES bytes and a FLOW_MOD's meter instruction (as
 * TCP to port 6653 in a pcap) to the values netloom meant; Open vSwitch's `ovs-ofctl ofp-print`
 * reads the METER_MOD as ovs-ofctl's own meter text; and a run whose meter has a dscp_remark
 * band captures packets whose DSCP tshark reads remarked, their IPv4 checksums good.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode, loadTopology, runTopology, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { openCapture } from '../../src/capture/open.js';
import { writePcap } from '../../src/capture/pcap.js';
import { encodeMessage, OFPMC, type OfMessage } from '../../src/openflow/messages.js';

const have = (tool: string, arg: string) => spawnSync(tool, [arg], { stdio: 'ignore' }).status === 0;
const haveTshark = have('tshark', '-v');
const haveOfctl = have('ovs-ofctl', '--version');
if (!haveTshark) console.warn('skipping the meter tshark tests: tshark is missing. Install it with: apt-get install tshark');
if (!haveOfctl) console.warn('skipping the meter ofp-print test: ovs-ofctl is missing. Install it with: apt-get install openvswitch-switch');

const MESSAGES: OfMessage[] = [
  { type: 'meter_mod', xid: 1, command: OFPMC.ADD, flags: 0b1101, meterId: 2, bands: [{ type: 'drop', rate: 2000, burstSize: 300 }] },
  { type: 'meter_mod', xid: 2, command: OFPMC.MODIFY, flags: 0b0010, meterId: 7, bands: [{ type: 'dscp_remark', rate: 50, burstSize: 0, precLevel: 2 }, { type: 'drop', rate: 80, burstSize: 0 }] },
  { type: 'multipart_reply', xid: 3, flags: 0, body: { kind: 'meter_config', meters: [{ flags: 0b1001, meterId: 9, bands: [{ type: 'drop', rate: 123, burstSize: 123 }] }] } },
  {
    type: 'multipart_reply', xid: 4, flags: 0,
    body: { kind: 'meter', meters: [{ meterId: 9, flowCount: 2, packetInCount: 1000n, byteInCount: 64000n, durationSec: 5, durationNsec: 250e6, bands: [{ packetBandCount: 400n, byteBandCount: 25600n }] }] },
  },
  { type: 'multipart_reply', xid: 5, flags: 0, body: { kind: 'meter_features', features: { maxMeter: 262144, bandTypes: 6, capabilities: 15, maxBands: 8, maxColor: 0 } } },
  {
    type: 'flow_mod', xid: 6, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 9, bufferId: 0xffffffff, outPort: 0, outGroup: 0, flags: 0,
    match: [], instructions: [{ type: 'meter', meterId: 9 }, { type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0 }] }],
  },
];

/** Each message in its own TCP segment of one stream from a controller to a switch's port 6653. */
function pcapOf(messages: readonly OfMessage[]): Uint8Array {
  let seq = 1000;
  return writePcap(
    messages.map((m, i) => {
      const data = encodeMessage(m);
      const segment = encode([
        { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
        { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' } as LayerSpec,
        { layer: 'tcp', srcPort: 40000, dstPort: 6653, seq, flags: 0x18 } as LayerSpec,
        { layer: 'payload', data },
      ]);
      seq += data.length;
      return { timestampNs: i * 1e6, data: segment };
    }),
  );
}

const FIELDS = [
  'openflow_v4.type', 'openflow_v4.xid', 'openflow_v4.metermod.command', 'openflow_v4.metermod.flags', 'openflow_v4.metermod.meter_id', 'openflow_v4.meter_config.meter_id',
  'openflow_v4.meter_config.flags', 'openflow_v4.meter_band.type', 'openflow_v4.meter_band.rate', 'openflow_v4.meter_band.burst_size', 'openflow_v4.meter_band.dscp_remark.prec_level',
  'openflow_v4.meter_stats.meter_id', 'openflow_v4.meter_stats.flow_count', 'openflow_v4.meter_stats.packet_in_count', 'openflow_v4.meter_stats.byte_in_count',
  'openflow_v4.meter_band_stats.packet_band_count', 'openflow_v4.meter_band_stats.byte_band_count', 'openflow_v4.meter_features.max_meter', 'openflow_v4.meter_features.band_types.drop',
  'openflow_v4.meter_features.band_types.dscp_remark', 'openflow_v4.meter_features.capabilities', 'openflow_v4.meter_features.max_bands', 'openflow_v4.instruction.meter.meter_id',
];

describe.skipIf(!haveTshark)('meter messages in tshark', () => {
  it('tshark reads every field as netloom wrote it, with no malformed packet or expert warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-meters-'));
    try {
      const file = join(dir, 'meters.pcap');
      writeFileSync(file, pcapOf(MESSAGES));
      const expert = spawnSync('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= warning', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'], { encoding: 'utf8' });
      expect(expert.status, expert.stderr).toBe(0);
      expect(expert.stdout).toBe('');
      const fields = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
      expect(fields.status, fields.stderr).toBe(0);
      const rows = fields.stdout.trimEnd().split('\n').map((l) => Object.fromEntries(l.split('|').map((v, i) => [FIELDS[i]!.replace('openflow_v4.', ''), v]).filter(([, v]) => v !== '')));
      expect(rows).toEqual([
        { type: '29', xid: '1', 'metermod.command': '0', 'metermod.flags': '0x0000000d', 'metermod.meter_id': '2', 'meter_band.type': '1', 'meter_band.rate': '2000', 'meter_band.burst_size': '300' },
        { type: '29', xid: '2', 'metermod.command': '1', 'metermod.flags': '0x00000002', 'metermod.meter_id': '7', 'meter_band.type': '2,1', 'meter_band.rate': '50,80', 'meter_band.burst_size': '0,0', 'meter_band.dscp_remark.prec_level': '2' },
        { type: '19', xid: '3', 'meter_config.meter_id': '9', 'meter_config.flags': '0x00000009', 'meter_band.type': '1', 'meter_band.rate': '123', 'meter_band.burst_size': '123' },
        { type: '19', xid: '4', 'meter_stats.meter_id': '9', 'meter_stats.flow_count': '2', 'meter_stats.packet_in_count': '1000', 'meter_stats.byte_in_count': '64000', 'meter_band_stats.packet_band_count': '400', 'meter_band_stats.byte_band_count': '25600' },
        { type: '19', xid: '5', 'meter_features.max_meter': '262144', 'meter_features.band_types.drop': '1', 'meter_features.band_types.dscp_remark': '1', 'meter_features.capabilities': '0x0000000f', 'meter_features.max_bands': '8' },
        { type: '14', xid: '6', 'instruction.meter.meter_id': '9' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a dscp_remark band in a run: the packets over its rate reach h2 as AF12 instead of AF11, every IPv4 checksum good', async () => {
    const topology = loadTopology(
      `
name: meter-remark
seed: 1
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1:
    kind: switch
    ports: [p1, p2]
    meters: ["meter=1 pktps burst bands=type=dscp_remark rate=100 burst_size=5 prec_level=1"]
    flows:
      - priority=10,udp,in_port=p1,actions=set_field:10->ip_dscp,goto_table:1
      - table=1,priority=10,udp,actions=meter:1,output:p2
      - priority=0,actions=NORMAL
links:
  - endpoints: [h1:eth0, s1:p1]
  - endpoints: [s1:p2, h2:eth0]
traffic:
  - udp: { name: twice the meter, from: h1, to: h2, dstPort: 5001, size: 100, rate: 200pps, count: 100 }
`,
      'meter-remark.yaml',
    );
    const dir = mkdtempSync(join(tmpdir(), 'netloom-remark-'));
    try {
      const file = join(dir, 'remark.pcapng');
      const summary = await runTopology(topology, { capture: openCapture(file) });
      expect(summary.traffic.map((t) => [t.sent, t.delivered])).toEqual([[100, 100]]);
      const read = spawnSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-Y', 'udp.dstport == 5001 && frame.interface_name == "h2:eth0"', '-T', 'fields', '-e', 'ip.dsfield.dscp', '-e', 'ip.checksum.status'], { encoding: 'utf8' });
      expect(read.status, read.stderr).toBe(0);
      const counts = new Map<string, number>();
      for (const line of read.stdout.trimEnd().split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
      // 200 packets a second for 0.495 s into 100 a second with a burst of 5: 5 + 49.5 stay AF11 (DSCP 10); the rest become AF12 (12). Checksum status 1: good.
      expect(Object.fromEntries(counts)).toEqual({ '10\t1': 54, '12\t1': 46 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveOfctl)('meter messages in Open vSwitch\'s parser', () => {
  it('ovs-ofctl ofp-print reads netloom\'s METER_MODs as its own meter text', () => {
    const printed = MESSAGES.slice(0, 2).map((m) => spawnSync('ovs-ofctl', ['ofp-print', toHex(encodeMessage(m))], { encoding: 'utf8' }).stdout.trimEnd());
    expect(printed).toEqual([
      'OFPT_METER_MOD (OF1.3) (xid=0x1): ADD meter=2 kbps burst stats bands=\ntype=drop rate=2000 burst_size=300',
      'OFPT_METER_MOD (OF1.3) (xid=0x2): MOD meter=7 pktps bands=\ntype=dscp_remark rate=50 prec_level=2\ntype=drop rate=80',
    ]);
  });
});
