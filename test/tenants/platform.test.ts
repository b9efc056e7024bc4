/**
 * The platform end to end: two tenants with the same addresses on shared switches, each with its
 * own controller; what each controller sees (its switches, its ports, its flows, its addresses);
 * physical addresses on the shared link and the tenant's at its hosts; and a tenant app that
 * tries every escape, refused each time with the OpenFlow error a controller expects, while the
 * other tenant's traffic goes on untouched.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode, loadTopology, loadTopologyFile, runTopology, tracePath, MemorySink, PcapngWriter, readCapture } from '../../src/index.js';
import { build } from '../../src/topology/build.js';
import { loadApps } from '../../src/topology/apps.js';
import type { ControllerNode } from '../../src/controller/node.js';
import { macToText } from '../../src/wire/addresses.js';
import { answers } from './fixtures/attacker-app.js';
import { heard as lldpHeard } from './fixtures/lldp-app.js';
import { results as quotaResults } from './fixtures/quota-app.js';
import { seen as monitorSaw, writes as monitorWrites } from './fixtures/spy-app.js';

const root = join(import.meta.dirname, '../..');
const lesson = (name: string) => loadTopologyFile(join(root, 'topologies', `${name}.yaml`));

describe('the tenant platform', () => {
  it("shows each tenant's controller only its own switches, ports and flows, in its own addresses", async () => {
    const built = build(lesson('tenants-two-switches'));
    await built.net.run(2e9);
    const blue = (built.net.nodes.get('c-blue') as ControllerNode).controller;
    expect([...blue.datapaths.keys()].map((id) => id.toString(16))).toEqual(['1000000000001', '1000000000002']);
    const left = blue.datapaths.get(0x0001000000000001n)!;
    expect([...left.ports.values()].map((p) => `${p.portNo}:${p.name}`)).toEqual(['1:b1', '2:core']);
    const [reply] = await Promise.all([left.multipart({ kind: 'flow', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: [] }), built.net.run(2.1e9)]);
    const flows = reply.flatMap((b) => (b.kind === 'flow' ? b.flows : []));
    // Its table-miss flow and what learning installed, as the tenant wrote them: its ports, table 0, no platform tag.
    expect(flows.map((f) => `${f.tableId} ${f.priority} ${f.match.map((o) => o.field).join(',')}`).sort()).toEqual(['0 0 ', '0 1 in_port,eth_dst,eth_src', '0 1 in_port,eth_dst,eth_src']);
    expect(flows.every((f) => f.match.every((o) => o.field !== 'metadata'))).toBe(true);
    // Their counters are the physical switch's, summed over each rule's expansions (fetched when asked): three packets
    // missed, one went b1 -> core, and 22 (pings, the UDP stream, an ARP) core -> b1.
    expect(flows.map((f) => `${f.priority} ${f.packetCount}/${f.byteCount}`).sort()).toEqual(['0 3/182', '1 1/98', '1 22/3036']);
    const s1 = built.net.nodes.get('s1') as import('../../src/switch/node.js').SwitchNode;
    const physical = s1.bridge.pipeline.allRules().filter((r) => r.cookie >> 56n === 1n);
    expect(physical.reduce((n, r) => n + r.packets, 0)).toBe(26);
    // While the platform fetches them, later messages wait: a barrier's reply never overtakes the statistics.
    const order: string[] = [];
    await Promise.all([
      left.multipart({ kind: 'aggregate', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: [] }).then(() => order.push('stats')),
      left.barrier().then(() => order.push('barrier')),
      built.net.run(2.2e9),
    ]);
    expect(order).toEqual(['stats', 'barrier']);
  });

  it('carries physical addresses on the shared link and the tenant addresses at its hosts', async () => {
    const sink = new MemorySink();
    const summary = await runTopology(lesson('tenants-two-switches'), { capture: new PcapngWriter(sink) });
    expect(summary.passed).toBe(true);
    const read = readCapture(sink.bytes());
    const addresses = (iface: string) =>
      new Set(read.packets.filter((p) => read.interfaces[p.interfaceId]?.name === iface).flatMap((p) => decode(p.data).flatMap((l) => (l.layer === 'ipv4' ? [l.src, l.dst] : l.layer === 'arp' ? [l.senderIp, l.targetIp] : []))));
    expect(addresses('s1:core')).toEqual(new Set(['1.0.0.1', '1.0.0.2', '2.0.0.1', '2.0.0.2']));
    // Each tenant's frames say whose they are in their comments, on the shared link as at the hosts.
    const owners = (iface: string) =>
      new Set(read.packets.filter((p) => read.interfaces[p.interfaceId]?.name === iface).map((p) => {
        const ip = decode(p.data).find((l) => l.layer === 'ipv4' || l.layer === 'arp')!;
        const src = ip.layer === 'ipv4' ? ip.src : ip.layer === 'arp' ? ip.senderIp : '';
        return `${src} ${p.comments?.[0]?.match(/^tenant \w+/)?.[0]}`;
      }));
    expect(owners('s1:core')).toEqual(new Set(['1.0.0.1 tenant blue', '1.0.0.2 tenant blue', '2.0.0.1 tenant red', '2.0.0.2 tenant red']));
    expect(owners('r2:eth0')).toEqual(new Set(['10.0.0.1 tenant red', '10.0.0.2 tenant red']));
    expect(addresses('b1:eth0')).toEqual(new Set(['10.0.0.1', '10.0.0.2']));
    expect(addresses('r2:eth0')).toEqual(new Set(['10.0.0.1', '10.0.0.2']));
  });

  it('names the tenant at every hop of a trace, and each address translation at the edges', async () => {
    const path = await tracePath(lesson('tenants-two-switches'), 'r1', 'r2', { at: 2e9 });
    expect(path.disposition).toBe('DELIVERED');
    expect(path.hops.map((h) => `${h.node} ${h.tenant}`)).toEqual(['r1 red', 's1 red', 's2 red', 'r2 red']);
    expect(path.hops.flatMap((h) => h.actions.filter((a) => a.startsWith('tenant ')))).toEqual([
      'tenant red: 10.0.0.1 → 2.0.0.1, 10.0.0.2 → 2.0.0.2 (r1 → core)',
      'tenant red: 2.0.0.1 → 10.0.0.1, 2.0.0.2 → 10.0.0.2 (core → r2)',
    ]);
  });

  it('lets no frame of one tenant reach another tenant\'s host, though they share addresses and switches', async () => {
    const topology = lesson('tenants-two-switches');
    const macs = new Map<string, string>();
    for (const n of topology.nodes) if (n.kind === 'host') macs.set(n.interfaces[0]!.mac, n.name.startsWith('b') ? 'blue' : 'red');
    const crossings: string[] = [];
    let received = 0;
    await runTopology(topology, {
      sinks: [{
        event: (e) => {
          if (e.dir !== 'rx' || e.bytes === undefined || !/^[br][12]$/.test(e.node)) return;
          received++;
          const src = [...e.bytes.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
          const from = macs.get(src);
          if (from !== undefined && from !== (e.node.startsWith('b') ? 'blue' : 'red')) crossings.push(`${src} (${from}) reached ${e.node}`);
        },
      }],
    });
    expect(received).toBeGreaterThan(30);
    expect(crossings).toEqual([]);
  });

  // With a slow platform the tenant's flows come before s1 has connected to it: they are counted
  // against the quota all the same (on s1, where they will go), and red's flows still go on s1.
  it.each(['1ms', '50ms'])('counts a quota on the physical table: past it TABLE_FULL, MODIFY never adds, a delete makes room (platform latency %s)', async (latency) => {
    const text = `
name: quota
nodes:
  c-blue: { kind: controller, app: ./fixtures/quota-app.ts }
  c-red: { kind: controller, app: learning }
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [b1, r1, r2] }
links:
  - endpoints: [b1:eth0, s1:b1]
  - endpoints: [r1:eth0, s1:r1]
  - endpoints: [r2:eth0, s1:r2]
platform: { latency: ${latency} }
tenants:
  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [b1] } }, quota: { flows: 10 } }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [r1, r2] } } }
traffic:
  - ping: { name: red, from: r1, to: r2, count: 2, interval: 100ms, start: 500ms }
`;
    const topology = loadTopology(text, join(import.meta.dirname, 'quota.yaml'));
    quotaResults.length = 0;
    const summary = await runTopology(topology, { apps: await loadApps(topology, import.meta.dirname), until: 1e9 });
    expect(quotaResults).toEqual([
      'table-miss: ok',
      ...Array.from({ length: 9 }, (_, i) => `add ${i + 1}: ok`),
      ...Array.from({ length: 9 }, (_, i) => `add ${i + 10}: 5/1`),
      'modify 1: ok',
      'delete 2: ok',
      'add 19: ok',
      'add 20: 5/1',
    ]);
    expect(summary.tenants!.map((t) => [t.name, t.flows, t.refused])).toEqual([['blue', 10, { 'FLOW_MOD_FAILED/TABLE_FULL': 10 }], ['red', 5, {}]]);
    expect(summary.traffic).toMatchObject([{ name: 'red', sent: 2, delivered: 2 }]);
  });

  it("gives a read-only slice copies of another tenant's PACKET_INs in its region, in that tenant's addresses, and no write", async () => {
    const text = readFileSync(join(root, 'topologies', 'tenants-monitor.yaml'), 'utf8').replace('c-ops: { kind: controller, app: learning }', 'c-ops: { kind: controller, app: ./fixtures/spy-app.ts }');
    const topology = loadTopology(text, join(import.meta.dirname, 'monitor.yaml'));
    monitorSaw.length = 0;
    monitorWrites.length = 0;
    const summary = await runTopology(topology, { apps: await loadApps(topology, import.meta.dirname) });
    expect(summary.passed).toBe(true);
    // blue's first echo request missed blue's tables (its learning app knew no MAC yet): ops sees it on its own port 1, in blue's
    // addresses — once in the run, once in the run of the path expectation; blue's ARP and red's traffic never.
    expect(monitorSaw).toEqual(['0003000000000001 port 1 icmp 10.0.0.1 > 10.0.0.2', '0003000000000001 port 1 icmp 10.0.0.1 > 10.0.0.2']);
    expect(monitorWrites).toEqual(['table-miss: 5/4', 'packet-out: 1/5', 'table-miss: 5/4', 'packet-out: 1/5']);
    expect(summary.tenants).toEqual([
      { name: 'blue', flows: 5, packetIns: 3, packetInsDropped: 0, refused: {}, rateLimited: 0 },
      { name: 'red', flows: 5, packetIns: 3, packetInsDropped: 0, refused: {}, rateLimited: 0 },
      { name: 'ops', flows: 0, packetIns: 1, packetInsDropped: 0, refused: { 'FLOW_MOD_FAILED/EPERM': 1, 'BAD_REQUEST/EPERM': 1 }, rateLimited: 0 },
    ]);
    // blue's UDP lies outside its flowspace: dropped at s1's door.
    expect(summary.drops).toEqual([{ node: 's1', reason: 'FLOW_DROP', count: 5 }]);
  });

  it("shows a read-only slice the flows of the tenant it reads in its region, with their counters and without their actions", async () => {
    // ops watches blue's ports in the other order: its port 1 is b2, its port 2 is b1.
    const text = readFileSync(join(root, 'topologies', 'tenants-monitor.yaml'), 'utf8').replace('watch: { switch: s1, ports: [b1, b2] }', 'watch: { switch: s1, ports: [b2, b1] }');
    const built = build(loadTopology(text, join(root, 'topologies', 'tenants-monitor.yaml')));
    await built.net.run(3e9);
    const datapath = (controller: string, id: bigint) => (built.net.nodes.get(controller) as ControllerNode).controller.datapaths.get(id)!;
    let clock = 3e9;
    const flowStats = async (controller: string, id: bigint) => {
      const [reply] = await Promise.all([datapath(controller, id).multipart({ kind: 'flow', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: [] }), built.net.run((clock += 0.1e9))]);
      return reply.flatMap((b) => (b.kind === 'flow' ? b.flows : [])).map((f) => ({ table: f.tableId, priority: f.priority, cookie: f.cookie, match: f.match, packets: f.packetCount, bytes: f.byteCount, actions: f.instructions.length }));
    };
    const blue = await flowStats('c-blue', 0x0001000000000001n);
    const ops = await flowStats('c-ops', 0x0003000000000001n);
    // blue's table-miss flow and the two its learning app installed, all of which can match ICMP, on ops's ports (blue's
    // in_port 1 is ops's 2), with the physical switch's counters, as blue's are.
    expect(blue.map((f) => f.actions)).toEqual([1, 1, 1]);
    const onOpsPorts = (f: (typeof blue)[number]) => ({ ...f, actions: 0, match: f.match.map((o) => (o.field === 'in_port' ? { ...o, value: 3n - (o as { value: bigint }).value } : o)) });
    expect(blue.filter((f) => f.match.some((o) => o.field === 'in_port')).length).toBe(2);
    expect(ops).toEqual(blue.map(onOpsPorts));
    expect(ops.map((f) => `${f.priority} ${f.packets}`).sort()).toEqual(['0 3', '1 2', '1 3']);
    // red's flows are not in its region: ops reads only blue.
    expect(ops.every((f) => f.cookie === 0n)).toBe(true);
  });

  it('runs a big switch: one virtual switch over three physical ones, VLAN-tagged and in physical addresses across the core', async () => {
    const built = build(lesson('tenants-big-switch'));
    await built.net.run(1e9);
    const blue = (built.net.nodes.get('c-blue') as ControllerNode).controller;
    expect([...blue.datapaths.keys()]).toEqual([0x0001000000000001n]);
    expect([...blue.datapaths.get(0x0001000000000001n)!.ports.values()].map((p) => `${p.portNo}:${p.name}`)).toEqual(['1:s1:b1', '2:s2:b2', '3:s3:b3']);

    const sink = new MemorySink();
    const summary = await runTopology(lesson('tenants-big-switch'), { capture: new PcapngWriter(sink) });
    expect(summary.passed).toBe(true);
    const read = readCapture(sink.bytes());
    const seen = (iface: string) =>
      new Set(read.packets.filter((p) => read.interfaces[p.interfaceId]?.name === iface).map((p) => {
        const layers = decode(p.data);
        const vlan = layers.find((l) => l.layer === 'vlan');
        const ip = layers.find((l) => l.layer === 'ipv4' || l.layer === 'arp')!;
        const [src, dst] = ip.layer === 'ipv4' ? [ip.src, ip.dst] : ip.layer === 'arp' ? [ip.senderIp, ip.targetIp] : [];
        return `${vlan?.layer === 'vlan' ? `vlan ${vlan.vid} ` : ''}${ip.layer} ${src} > ${dst}`;
      }));
    // blue's packets cross s2 in the VLAN of the port they are for: 3 to s3:b3, 2 to s2:b2, 1 to s1:b1 (a flooded ARP request
    // once per port: b1's for b3 also in VLAN 2, b3's for b2 also in VLAN 1); red's untagged; all in physical addresses.
    expect(seen('s2:s1')).toEqual(new Set([
      'vlan 3 arp 1.0.0.1 > 1.0.0.3', 'vlan 2 arp 1.0.0.1 > 1.0.0.3', 'vlan 1 arp 1.0.0.3 > 1.0.0.1', 'vlan 3 ipv4 1.0.0.1 > 1.0.0.3', 'vlan 1 ipv4 1.0.0.3 > 1.0.0.1',
      'vlan 2 arp 1.0.0.1 > 1.0.0.2', 'vlan 1 arp 1.0.0.2 > 1.0.0.1', 'vlan 1 ipv4 1.0.0.2 > 1.0.0.1', 'vlan 2 ipv4 1.0.0.1 > 1.0.0.2', 'vlan 1 arp 1.0.0.3 > 1.0.0.2',
      'arp 2.0.0.1 > 2.0.0.3', 'arp 2.0.0.3 > 2.0.0.1', 'ipv4 2.0.0.1 > 2.0.0.3', 'ipv4 2.0.0.3 > 2.0.0.1',
    ]));
    expect([...seen('b3:eth0')].every((x) => /^(arp|ipv4) 10\.0\.0\.\d > 10\.0\.0\.\d$/.test(x))).toBe(true);
  });

  it('reroutes a big switch around a failed core link and back, changing its rules in place, unseen by its tenant', async () => {
    const built = build(lesson('tenants-big-switch-failover'));
    const s1 = built.net.nodes.get('s1') as import('../../src/switch/node.js').SwitchNode;
    const blue = (built.net.nodes.get('c-blue') as ControllerNode).controller.datapaths;
    const portEvents: string[] = [];
    // blue's rule on s1 that sends to b3 (its virtual port 3, on s3): its output and its packets so far.
    const toB3 = () => {
      const rule = s1.bridge.pipeline.allRules().find((r) => r.cookie >> 56n === 1n && r.matchText.includes('dl_dst=') && r.actionsText.includes('set_field:4099->vlan_vid'));
      return rule && `${rule.actionsText.match(/output:\d+/)![0]} ${rule.packets}`;
    };
    await built.net.run(1.95e9);
    for (const dp of blue.values()) dp.ports.forEach((p) => portEvents.push(`${p.name} ${p.state}`));
    // s1's ports: 1 b1, 2 s2, 3 s3. Before the failure b1 → b3 goes straight to s3; nine echo requests so far.
    expect(toB3()).toBe('output:3 9');
    await built.net.run(3e9);
    // Across s2 now, the same rule (MODIFY_STRICT kept its counters): five more.
    expect(toB3()).toBe('output:2 14');
    await built.net.run(6e9);
    expect(toB3()).toBe('output:3 29');
    // blue's switch kept its three ports, all up, and blue heard of no change.
    expect([...blue.values()].flatMap((dp) => [...dp.ports.values()].map((p) => `${p.name} ${p.state}`))).toEqual(portEvents);
    expect(portEvents).toEqual(['s1:b1 4', 's2:b2 4', 's3:b3 4']);
  });

  it("drops a host's VLAN-tagged frame at the door: no tag of a host's passes for a big switch's", async () => {
    const built = build(lesson('tenants-big-switch'));
    await built.net.run(2e9);
    const b3 = macToText((built.net.nodes.get('b3') as import('../../src/hosts/host.js').Host).interfaces[0]!.mac, 0);
    const forged = (vid: number) =>
      encode([{ layer: 'ethernet', src: '02:00:00:00:00:66', dst: b3 }, { layer: 'vlan', vid }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.3' }, { layer: 'icmp', type: 8, code: 0, id: 1, seq: 1 }, { layer: 'payload', data: new Uint8Array(8) }]);
    let reached = 0;
    built.net.recorder.add({ event: (e) => void (e.node === 'b3' && e.dir === 'rx' && e.bytes !== undefined && e.bytes[11] === 0x66 && reached++) });
    for (const [host, vid] of [['r1', 3], ['b1', 3], ['b1', 2]] as const) built.net.nodes.get(host)!.port('eth0')!.send(built.net.frame(forged(vid)));
    await built.net.run(2.1e9);
    expect(reached).toBe(0);
    expect(built.net.drops.get('s1 FLOW_DROP')).toBe(3);
  });

  it("drops a host's forged sources at the door, and a source it may use reaches only its own tenant", async () => {
    const built = build(lesson('tenants-two-switches'));
    await built.net.run(2e9);
    const macOf = (h: string) => macToText((built.net.nodes.get(h) as import('../../src/hosts/host.js').Host).interfaces[0]!.mac, 0);
    const ping = (src: string, dst: string) => encode([{ layer: 'ethernet', src: macOf('b1'), dst: macOf('r2') }, { layer: 'ipv4', src, dst }, { layer: 'icmp', type: 8, code: 0, id: 7, seq: 1 }, { layer: 'payload', data: new Uint8Array(8) }]);
    const arp = (spa: string, tpa: string) => encode([{ layer: 'ethernet', src: macOf('b1'), dst: 'ff:ff:ff:ff:ff:ff' }, { layer: 'arp', op: 1, senderMac: macOf('b1'), senderIp: spa, targetIp: tpa }]);
    const received: string[] = [];
    built.net.recorder.add({ event: (e) => void (e.dir === 'rx' && /^[br][12]$/.test(e.node) && e.bytes !== undefined && macToText(e.bytes, 6) === macOf('b1') && received.push(e.node)) });
    const b1 = built.net.nodes.get('b1')!.port('eth0')!;
    // red's physical addresses, a source outside blue's space, an ARP naming red's physical address: each dropped at s1.
    for (const frame of [ping('2.0.0.1', '2.0.0.2'), ping('10.0.0.1', '2.0.0.2'), ping('10.9.9.9', '10.0.0.2'), arp('2.0.0.1', '10.0.0.2')]) b1.send(built.net.frame(frame));
    await built.net.run(2.1e9);
    expect(built.net.drops.get('s1 FLOW_DROP')).toBe(4);
    // A source blue may use, aimed at red's host's MAC: it is blue's packet, to blue's 10.0.0.2 if anyone.
    b1.send(built.net.frame(ping('10.0.0.2', '10.0.0.1')));
    await built.net.run(2.2e9);
    expect(received.filter((n) => n.startsWith('r'))).toEqual([]);
  });

  it("returns a tenant's LLDP to that tenant alone, and a forged tenant TLV speaks for the tenant that sent it", async () => {
    const text = readFileSync(join(root, 'topologies', 'tenants-two-switches.yaml'), 'utf8')
      .replace('c-blue: { kind: controller, app: learning }', 'c-blue: { kind: controller, app: ./fixtures/lldp-app.ts, options: { name: blue } }')
      .replace('c-red: { kind: controller, app: learning }', 'c-red: { kind: controller, app: ./fixtures/lldp-app.ts, options: { name: red, spoof: true } }')
      .replace(/\ntraffic:[\s\S]*/, '\n');
    const topology = loadTopology(text, join(import.meta.dirname, 'lldp.yaml'));
    lldpHeard.length = 0;
    const built = build(topology, { apps: await loadApps(topology, import.meta.dirname) });
    await built.net.run(1e9);
    // Each tenant hears its own two switches across the core link (virtual port 2), and nothing of the other's. blue's 48-byte
    // frames come back as sent; red's 55 bytes with a forged blue TLV come back 48: the forgery replaced by red's own, then stripped.
    expect(lldpHeard.sort()).toEqual([
      'blue: 0001000000000001 port 2 heard dpid:0001000000000002 (48 bytes)',
      'blue: 0001000000000002 port 2 heard dpid:0001000000000001 (48 bytes)',
      'red: 0002000000000001 port 2 heard dpid:0002000000000002 (48 bytes)',
      'red: 0002000000000002 port 2 heard dpid:0002000000000001 (48 bytes)',
    ]);
    expect(built.platform!.unclaimedLldp).toBe(0);
  });

  it('shares a link between tenants by weight: 3:1 for two that flood it, nothing lost for one under its share', async () => {
    const built = build(lesson('tenants-bandwidth'));
    await built.net.run(7e9);
    const summary = await runTopology(lesson('tenants-bandwidth'));
    const delivered = Object.fromEntries(summary.traffic.map((t) => [t.name, `${t.delivered}/${t.sent}`]));
    expect(delivered).toMatchObject({ 'blue flood': '3438/9600', 'red flood': '1159/9600', 'green trickle': '240/240' });
    expect(Math.abs(3438 / 1159 / 3 - 1)).toBeLessThan(0.05);
    // The platform's queues on s1's side of the shared link: one per tenant, by its id (its controller's PACKET_OUTs included); queue 0 is left idle.
    const s1 = built.net.nodes.get('s1') as import('../../src/switch/node.js').SwitchNode;
    expect(s1.queues(4).map((q) => `${q.id} weight ${q.weight}: ${q.txPackets} sent, ${q.drops} dropped`)).toEqual([
      '0 weight 1: 0 sent, 0 dropped',
      '1 weight 3: 3440 sent, 6162 dropped',
      '2 weight 1: 1161 sent, 8441 dropped',
      '3 weight 1: 242 sent, 0 dropped',
    ]);
  });

  it("refuses every escape a tenant's app tries, and the other tenant's traffic is untouched", async () => {
    const text = `
name: attack
nodes:
  c-blue: { kind: controller, app: ./fixtures/attacker-app.ts }
  c-red: { kind: controller, app: learning }
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [b1, r1, r2] }
links:
  - endpoints: [b1:eth0, s1:b1]
  - endpoints: [r1:eth0, s1:r1]
  - endpoints: [r2:eth0, s1:r2]
tenants:
  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [b1] } } }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [r1, r2] } } }
traffic:
  - ping: { name: red, from: r1, to: r2, count: 3, start: 100ms }
  - ping: { name: blue, from: b1, to: 10.0.0.2, count: 3, start: 100ms }
`;
    const topology = loadTopology(text, join(import.meta.dirname, 'attack.yaml'));
    answers.clear();
    const summary = await runTopology(topology, { apps: await loadApps(topology, import.meta.dirname) });
    expect(Object.fromEntries(answers)).toEqual({
      'broad drop at the highest priority': 'accepted',
      'rewrite to an address outside its space': '2/6',
      'match outside its space': '4/11',
      'output to a port it does not own': '2/4',
      'output to NORMAL': '2/4',
      'a 10-byte PACKET_OUT': '1/12',
      'a PACKET_OUT with addresses outside its space': '1/5',
    });
    expect(summary.traffic.map((t) => `${t.name} ${t.delivered}/${t.sent}`)).toEqual(['red 3/3', 'blue 0/3']);
  });
});
