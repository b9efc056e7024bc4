/**
 * Meters are the tenant's own: each tenant's meter ids are its own (two tenants' meter 1 are two
 * physical meters, `(t << 24) | m`), its rules' meter instructions name its physical meter, its
 * METER statistics are its own in its own ids with the physical switch's counters, a meter
 * limits its traffic on the wire, and what it may not do is refused with the error a controller
 * expects.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Host } from '../../src/hosts/host.js';
import type { OfMessage } from '../../src/openflow/messages.js';
import { SHARED_SWITCH, TenantRig } from './rig.js';

const TOPOLOGY = `
name: tenant-meters
nodes:
  c-blue: { kind: controller, app: ./fixtures/quiet-app.ts }
  c-red: { kind: controller, app: ./fixtures/quiet-app.ts }
  c-ops: { kind: controller, app: ./fixtures/quiet-app.ts }
${SHARED_SWITCH}
tenants:
  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs: { switch: s1, ports: [b1, b2] } }, quota: { meters: 2 } }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs: { switch: s1, ports: [r1, r2] } } }
  ops: { controller: c-ops, switches: { watch: { switch: s1, ports: [b1] } }, flowspace: [{ match: icmp, permission: read, of: blue }] }
`;

const KBPS = 1;
const STATS = 8;
const BURST = 4;
const OFPM_ALL = 0xffffffff;
const OFPM_CONTROLLER = 0xfffffffe;
const ADD = 0;
const DELETE = 2;
const meterMod = (command: number, meterId: number, rate = 1000): OfMessage => ({ type: 'meter_mod', xid: 0, command, flags: KBPS | STATS, meterId, bands: [{ type: 'drop', rate, burstSize: 0 }] });

describe('tenant meters', () => {
  let rig: TenantRig;
  const physicalMeters = () => rig.s1.bridge.dumpMeters().split('\n').filter(Boolean);

  beforeEach(async () => {
    rig = await TenantRig.start(TOPOLOGY, 'meters.yaml');
  });

  it("installs each tenant's meter 1 as a physical meter of its own, and its rules name it", async () => {
    const blue = rig.dp('c-blue', 1);
    const red = rig.dp('c-red', 2);
    expect(await rig.answer(blue, meterMod(ADD, 1, 1000))).toBe('ok');
    expect(await rig.answer(red, meterMod(ADD, 1, 5000))).toBe('ok');
    // (t << 24) | m: blue's (tenant 1) is 0x1000001, red's (tenant 2) 0x2000001, with the bands each tenant gave.
    expect(physicalMeters()).toEqual(['meter=16777217 kbps stats bands=', 'type=drop rate=1000', 'meter=33554433 kbps stats bands=', 'type=drop rate=5000']);
    blue.addFlow('priority=10,in_port=1,actions=meter:1,output:2');
    await rig.drive(blue.barrier());
    const rules = rig.s1.bridge.pipeline.allRules().filter((r) => r.table === 1 && r.cookie >> 56n === 1n);
    expect(rules.map((r) => `${r.matchText} ${r.actionsText}`).sort()).toEqual([
      'arp,metadata=0x1/0xff,in_port=1 meter:16777217,load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:2,load:0x1->NXM_OF_ARP_SPA[24..31],load:0->NXM_OF_ARP_SPA[8..23],load:0x1->NXM_OF_ARP_TPA[24..31],load:0->NXM_OF_ARP_TPA[8..23]',
      'ip,metadata=0x1/0xff,in_port=1 meter:16777217,load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:2,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23]',
    ]);

    // 500 datagrams of 1,014 bytes on the wire at 250 a second (2.03 Mb/s) through a 1,000 kb/s meter with a 100 kbit
    // burst: a little under half get through; blue's METER statistics, in its own ids, count every packet that came to
    // the meter and every one its band dropped, with the physical meter's counters.
    blue.addFlow('priority=10,in_port=2,actions=output:1');
    await rig.drive(blue.barrier());
    expect(await rig.answer(blue, { ...meterMod(1, 1, 1000), flags: KBPS | STATS | BURST, bands: [{ type: 'drop', rate: 1000, burstSize: 100 }] } as OfMessage)).toBe('ok');
    const b2 = rig.node<Host>('b2');
    b2.listen(9000);
    const flood = rig.node<Host>('b1').udp(0x0a000002, { srcPort: 5000, dstPort: 9000, size: 972, rate: 250, count: 500, start: rig.built.net.scheduler.now + 1e6, df: false });
    await rig.run(2.5e9);
    const received = [...b2.udpReceived.values()].reduce((a, b) => a + b, 0);
    const [stats] = await rig.drive(blue.multipart({ kind: 'meter', meterId: OFPM_ALL }));
    const meter = stats?.kind === 'meter' ? stats.meters[0]! : undefined;
    // Every datagram sent (and b1's ARP request) came to meter 1; what its band did not drop reached b2.
    expect([flood.sent, meter?.meterId, meter?.flowCount, meter?.packetInCount]).toEqual([500, 1, 1, 501n]);
    expect(received + Number(meter!.bands[0]!.packetBandCount)).toBe(500);
    // 100 kbit at first, then 1,000 kbit a second for 2 s: about 258 frames of 8,112 bits.
    expect(received).toBeGreaterThanOrEqual(250);
    expect(received).toBeLessThanOrEqual(262);
    const [config] = await rig.drive(red.multipart({ kind: 'meter_config', meterId: OFPM_ALL }));
    expect(config).toEqual({ kind: 'meter_config', meters: [{ flags: KBPS | STATS, meterId: 1, bands: [{ type: 'drop', rate: 5000, burstSize: 5000 }] }] });
  });

  it('refuses ids past its range, the special meters, its quota, and any meter from a read-only slice', async () => {
    const blue = rig.dp('c-blue', 1);
    expect(await rig.answer(blue, meterMod(ADD, 0x1000000))).toBe('METER_MOD_FAILED/INVALID_METER');
    expect(await rig.answer(blue, meterMod(ADD, OFPM_CONTROLLER))).toBe('METER_MOD_FAILED/INVALID_METER');
    expect(await rig.answer(blue, meterMod(ADD, 1))).toBe('ok');
    expect(await rig.answer(blue, meterMod(ADD, 2))).toBe('ok');
    expect(await rig.answer(blue, meterMod(ADD, 3))).toBe('METER_MOD_FAILED/OUT_OF_METERS');
    expect(await rig.answer(rig.dp('c-ops', 3), meterMod(ADD, 1))).toBe('BAD_REQUEST/EPERM');
    // What was refused is in no table: blue's has 1 and 2, s1 has their two physical meters.
    const [config] = await rig.drive(blue.multipart({ kind: 'meter_config', meterId: OFPM_ALL }));
    expect(config?.kind === 'meter_config' && config.meters.map((m) => m.meterId)).toEqual([1, 2]);
    expect(physicalMeters().filter((l) => l.startsWith('meter=')).map((l) => l.split(' ')[0])).toEqual(['meter=16777217', 'meter=16777218']);
    const [features] = await rig.drive(blue.multipart({ kind: 'meter_features' }));
    expect(features?.kind === 'meter_features' && features.features.maxMeter).toBe(2);
  });

  it("refuses a dscp_remark band to a tenant whose flowspace matches DSCP: remarking would take its packets out of it", async () => {
    const text = TOPOLOGY.replace('quota: { meters: 2 } }', 'quota: { meters: 2 }, flowspace: [{ match: "ip,ip_dscp=10", permission: write }, { match: arp, permission: write }] }');
    rig = await TenantRig.start(text, 'meters.yaml');
    const blue = rig.dp('c-blue', 1);
    const remark: OfMessage = { type: 'meter_mod', xid: 0, command: ADD, flags: KBPS, meterId: 1, bands: [{ type: 'dscp_remark', rate: 1000, burstSize: 0, precLevel: 1 }] };
    expect(await rig.answer(blue, remark)).toBe('METER_MOD_FAILED/BAD_BAND');
    expect(await rig.answer(blue, meterMod(ADD, 1))).toBe('ok');
    // red's flowspace is all its traffic: its dscp_remark band changes nothing it is checked on.
    expect(await rig.answer(rig.dp('c-red', 2), remark)).toBe('ok');
  });

  it('deletes a meter, and the rules that use it, on the tenant and on the physical switch', async () => {
    const blue = rig.dp('c-blue', 1);
    expect(await rig.answer(blue, meterMod(ADD, 1))).toBe('ok');
    blue.addFlow('priority=10,in_port=1,actions=meter:1,output:2');
    blue.addFlow('priority=10,in_port=2,actions=output:1');
    await rig.drive(blue.barrier());
    expect(await rig.answer(blue, meterMod(DELETE, 1))).toBe('ok');
    expect(physicalMeters()).toEqual([]);
    const physical = rig.s1.bridge.pipeline.allRules().filter((r) => r.table === 1 && r.cookie >> 56n === 1n).map((r) => r.matchText).sort();
    expect(physical).toEqual(['arp,metadata=0x1/0xff,in_port=2', 'ip,metadata=0x1/0xff,in_port=2']);
    expect(blue.ports.size).toBe(2);
  });
});
