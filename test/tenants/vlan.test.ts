/**
 * Hosts bound by VLAN: a tenant's port may be one VLAN of a trunk to hosts, and tenants share the
 * trunk by VLAN id. The platform takes only frames in the tenant's VLAN there, pops the tag (the
 * tenant sees an ordinary untagged port), and tags what it sends back; nothing of one tenant
 * leaves in another's VLAN, and `netloom verify` follows the trunk by VLAN.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { decode, encode, loadTopology, loadTopologyFile, MemorySink, PcapngWriter, readCapture, replayWitness, runTopology, verifyIsolation } from '../../src/index.js';
import { build, type Built } from '../../src/topology/build.js';
import type { ControllerNode } from '../../src/controller/node.js';
import type { SwitchNode } from '../../src/switch/node.js';
import { platformFlows, physicalActions, WHOLE_FLOWSPACE, type PortMap, type TenantSpace } from '../../src/tenants/compile.js';
import { formatActions, parseFlow } from '../../src/switch/ofctl.js';
import { problems } from './problems.js';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '../..');
const FILE = join(root, 'topologies', 'tenants-vlan-trunk.yaml');
const TEXT = readFileSync(FILE, 'utf8');


describe('hosts bound by VLAN', () => {
  it('compile to a table 0 that takes only the tenant VLAN on the trunk and pops it, and outputs that tag it again', () => {
    const blue: TenantSpace = { id: 1, prefix: 0x0a000000, length: 24 };
    const ports: PortMap = { toPhysical: new Map([[1, 1], [2, 2]]), edges: new Set([1, 2]), vids: new Map([[1, 10]]) };
    expect(platformFlows([{ space: blue, edges: [1], vids: ports.vids, write: WHOLE_FLOWSPACE }])).toEqual([
      'table=0,priority=200,ip,in_port=1,dl_vlan=10,nw_src=10.0.0.0/24,nw_dst=10.0.0.0/24,actions=pop_vlan,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23],write_metadata:0x1/0xff,goto_table:1',
      'table=0,priority=200,arp,in_port=1,dl_vlan=10,arp_spa=10.0.0.0/24,arp_tpa=10.0.0.0/24,actions=pop_vlan,load:0x1->NXM_OF_ARP_SPA[24..31],load:0->NXM_OF_ARP_SPA[8..23],load:0x1->NXM_OF_ARP_TPA[24..31],load:0->NXM_OF_ARP_TPA[8..23],write_metadata:0x1/0xff,goto_table:1',
      'table=0,priority=100,in_port=1,actions=drop',
      'table=0,priority=50,ip,nw_dst=1.0.0.0/8,actions=write_metadata:0x1/0xff,goto_table:1',
      'table=0,priority=50,arp,arp_tpa=1.0.0.0/8,actions=write_metadata:0x1/0xff,goto_table:1',
    ]);
    // Out of the trunk: tagged, in the tenant's addresses; in an action list the packet goes on untagged and physical.
    expect(formatActions(physicalActions(blue, ports, parseFlow('actions=output:1,output:2').actions, 'ip', false))).toBe(
      'push_vlan:0x8100,mod_vlan_vid:10,load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:1,pop_vlan,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23],'
        + 'load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:2,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23]',
    );
    // Back where it came in (in_port): tagged if that is the trunk; without a matched in_port the platform cannot tell.
    expect(formatActions(physicalActions(blue, ports, parseFlow('actions=in_port').actions, 'arp', true, 1))).toBe('push_vlan:0x8100,mod_vlan_vid:10,load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],IN_PORT');
    expect(() => physicalActions(blue, ports, parseFlow('actions=in_port').actions, 'ip', false)).toThrow(expect.objectContaining({ ofp: { type: 2, code: 4 } }));
  });

  it('run the lesson: both tenants share the trunk and the addresses, each delivered, isolated, tagged on the trunk only', async () => {
    const sink = new MemorySink();
    const summary = await runTopology(loadTopologyFile(FILE), { capture: new PcapngWriter(sink) });
    expect(summary.passed).toBe(true);
    const read = readCapture(sink.bytes());
    const seen = (iface: string) =>
      new Set(read.packets.filter((p) => read.interfaces[p.interfaceId]?.name === iface).map((p) => {
        const layers = decode(p.data);
        const vlan = layers.find((l) => l.layer === 'vlan');
        const ip = layers.find((l) => l.layer === 'ipv4' || l.layer === 'arp')!;
        const src = ip.layer === 'ipv4' ? ip.src : ip.layer === 'arp' ? ip.senderIp : '';
        return `${p.comments?.[0]?.match(/^tenant \w+/)?.[0] ?? 'no tenant'} ${vlan?.layer === 'vlan' ? `vlan ${vlan.vid}` : 'untagged'} ${ip.layer} ${src}`;
      }));
    // On the trunk each tenant's frames are in its VLAN, in its own addresses, and named by it; at b2 untagged.
    expect(seen('s1:trunk')).toEqual(new Set([
      'tenant blue vlan 10 arp 10.0.0.1', 'tenant blue vlan 10 ipv4 10.0.0.1', 'tenant blue vlan 10 arp 10.0.0.2', 'tenant blue vlan 10 ipv4 10.0.0.2',
      'tenant red vlan 20 arp 10.0.0.1', 'tenant red vlan 20 ipv4 10.0.0.1', 'tenant red vlan 20 arp 10.0.0.2', 'tenant red vlan 20 ipv4 10.0.0.2',
    ]));
    expect(seen('s1:b2')).toEqual(new Set(['tenant blue untagged arp 10.0.0.1', 'tenant blue untagged ipv4 10.0.0.1', 'tenant blue untagged arp 10.0.0.2', 'tenant blue untagged ipv4 10.0.0.2']));
  });

  it("show each tenant's controller its VLAN of the trunk as an ordinary port, and its PACKET_INs untagged", async () => {
    const built = build(loadTopologyFile(FILE));
    await built.net.run(2e9);
    const ports = (c: string, id: bigint) => [...(built.net.nodes.get(c) as ControllerNode).controller.datapaths.get(id)!.ports.values()].map((p) => `${p.portNo}:${p.name}`);
    expect(ports('c-blue', 0x0001000000000001n)).toEqual(['1:trunk.10', '2:b2']);
    expect(ports('c-red', 0x0002000000000001n)).toEqual(['1:trunk.20', '2:r2']);
    // Its learning app learned b1 behind its port 1 from untagged PACKET_INs: its flows match in_port 1 with no VLAN.
    const s1 = built.net.nodes.get('s1') as SwitchNode;
    // Each learned rule is split for IPv4 and ARP (the rewrite back differs); out of the trunk it tags.
    expect(s1.bridge.pipeline.allRules().filter((r) => r.table === 1 && r.priority === 1 && r.cookie >> 56n === 1n).map((r) => r.actionsText).sort()).toEqual([
      'load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:2,load:0x1->NXM_OF_ARP_SPA[24..31],load:0->NXM_OF_ARP_SPA[8..23],load:0x1->NXM_OF_ARP_TPA[24..31],load:0->NXM_OF_ARP_TPA[8..23]',
      'load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:2,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23]',
      'push_vlan:0x8100,set_field:4106->vlan_vid,load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:1,pop_vlan,load:0x1->NXM_OF_ARP_SPA[24..31],load:0->NXM_OF_ARP_SPA[8..23],load:0x1->NXM_OF_ARP_TPA[24..31],load:0->NXM_OF_ARP_TPA[8..23]',
      'push_vlan:0x8100,set_field:4106->vlan_vid,load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:1,pop_vlan,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23]',
    ]);
  });

  it('drop at the door what comes up the trunk untagged or in a VLAN no tenant has', async () => {
    const built = build(loadTopologyFile(FILE));
    await built.net.run(2e9);
    const frame = (vid: number | undefined) =>
      encode([{ layer: 'ethernet', dst: 'ff:ff:ff:ff:ff:ff' }, ...(vid === undefined ? [] : [{ layer: 'vlan' as const, vid }]), { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
    let reached = 0;
    built.net.recorder.add({ event: (e) => void (/^[br]2$/.test(e.node) && e.dir === 'rx' && reached++) });
    const acc = built.net.nodes.get('acc')!;
    for (const vid of [undefined, 30, 4094]) acc.port('up')!.send(built.net.frame(frame(vid)));
    await built.net.run(2.1e9);
    expect(reached).toBe(0);
    expect(built.net.drops.get('s1 FLOW_DROP')).toBe(3);
  });

  it("are followed by netloom verify: a rule that sends blue's packets out in red's VLAN is a leak to red's hosts, and its witness reaches r1", async () => {
    const topology = loadTopologyFile(FILE);
    const alter = (b: Built) => (b.net.nodes.get('s1') as SwitchNode).bridge.addFlow('table=1,priority=60000,ip,in_port=2,metadata=0x1/0xff,actions=mod_vlan_vid:20,output:1', b.net.scheduler.now);
    const report = await verifyIsolation(topology, { at: 2e9, alter });
    expect(report.leaks.map((l) => `${l.kind} ${l.tenant} -> ${l.receiver} at ${l.to}: ${l.detail}`)).toEqual([
      "host blue -> red at acc:up VLAN 20: reaches red's hosts behind s1:trunk in VLAN 20",
    ]);
    const replay = await replayWitness(topology, report.leaks[0]!, { at: 2e9, alter });
    expect(replay.reached).toEqual(['r1:eth0']);
    expect((await verifyIsolation(topology, { at: 2e9 })).isolated).toBe(true);
  });

  it("replay a leak from behind the trunk with a witness tagged in the sender's VLAN, sent from the trunk's far end", async () => {
    const topology = loadTopologyFile(FILE);
    const alter = (b: Built) => (b.net.nodes.get('s1') as SwitchNode).bridge.addFlow('table=1,priority=60000,in_port=1,metadata=0x2/0xff,actions=output:2', b.net.scheduler.now);
    const report = await verifyIsolation(topology, { at: 2e9, alter });
    expect(report.leaks.map((l) => `${l.kind} ${l.tenant} -> ${l.receiver} at ${l.to}`)).toEqual(['host red -> blue at b2:eth0']);
    const witness = report.leaks[0]!.witness!;
    expect([witness.host, witness.switchPort, decode(witness.bytes).find((l) => l.layer === 'vlan')]).toEqual(['acc:up', 's1:trunk', expect.objectContaining({ layer: 'vlan', vid: 20 })]);
    expect((await replayWitness(topology, report.leaks[0]!, { at: 2e9, alter })).reached).toEqual(['b2:eth0']);
  });

  it('name every mistake in a binding at its place', () => {
    const red = '{ port: trunk, vlan: 20 }';
    const cases: [string, string][] = [
      ['{ port: trunk, vlan: 0 }', 'bad.yaml:39:54 tenants.red.switches.vs.ports[0].vlan: a VLAN id is 1-4094'],
      ['{ port: trunk, vlan: 4095 }', 'bad.yaml:39:54 tenants.red.switches.vs.ports[0].vlan: a VLAN id is 1-4094'],
      ['{ port: trunk, vlan: 10 }', 'bad.yaml:39:54 tenants.red.switches.vs.ports[0].vlan: s1:trunk VLAN 10 already belongs to tenant blue; a VLAN of a port has one tenant'],
      ['{ port: trnk, vlan: 20 }', 'bad.yaml:39:41 tenants.red.switches.vs.ports[0].port: unknown port "trnk" on s1; did you mean "trunk"? (s1 has trunk, b2, r2)'],
      ['trunk', "bad.yaml:39:33 tenants.red.switches.vs.ports[0]: s1:trunk is shared by VLAN (tenant blue's); bind one of its VLANs, { port: trunk, vlan: N }"],
    ];
    for (const [port, problem] of cases) expect(problems(TEXT.replace(red, port))).toEqual([problem]);
    expect(problems(TEXT.replace(red, '{ port: trunk, vln: 20 }'))).toEqual([
      'bad.yaml:39:33 tenants.red.switches.vs.ports[0]: missing required key "vlan"',
      'bad.yaml:39:48 tenants.red.switches.vs.ports[0]: unknown key "vln"; did you mean "vlan"?',
    ]);
    // One tenant, two VLANs of one port; and a VLAN of a port between two switches the platform runs.
    expect(problems(TEXT.replace(`${red}, r2`, `${red}, { port: trunk, vlan: 21 }`))).toEqual(['bad.yaml:39:81 tenants.red.switches.vs.ports[1].vlan: red already has s1:trunk by VLAN 20; a tenant has one VLAN of a port']);
    const twoRun = TEXT.replace('      vs: { switch: s1, ports: [{ port: trunk, vlan: 20 }, r2] }', '      vs: { switch: acc, ports: [{ port: up, vlan: 20 }] }')
      .replace('  acc:\n    kind: switch\n    ports:\n      b1: { tag: 10 }\n      r1: { tag: 20 }\n      up: { trunks: [10, 20] }', '  acc: { kind: switch, ports: [b1, r1, up] }');
    // Both ends are named; and with acc tagging no one, b1 and r1 are no tenant's and their shared address is a mistake again.
    expect(problems(twoRun)).toEqual([
      'bad.yaml:13:49 nodes.r1.interfaces.eth0.ipv4: 10.0.0.1 is also on b1:eth0',
      'bad.yaml:29:33 tenants.blue.switches.vs.ports[0]: s1:trunk links to acc, a switch the platform runs: a port between its switches carries every tenant and is bound by no VLAN',
      'bad.yaml:34:34 tenants.red.switches.vs.ports[0]: acc:up links to s1, a switch the platform runs: a port between its switches carries every tenant and is bound by no VLAN',
    ]);
  });

  it('load any two distinct VLAN ids in 1-4094 (the access switch tagging its hosts with them), and say why for any other', () => {
    fc.assert(fc.property(fc.integer({ min: -5, max: 4100 }), fc.integer({ min: -5, max: 4100 }), (a, b) => {
      const text = TEXT.replace('{ port: trunk, vlan: 10 }', `{ port: trunk, vlan: ${a} }`).replace('{ port: trunk, vlan: 20 }', `{ port: trunk, vlan: ${b} }`)
        .replace('b1: { tag: 10 }', `b1: { tag: ${a} }`).replace('r1: { tag: 20 }', `r1: { tag: ${b} }`).replace('trunks: [10, 20]', `trunks: [${a}, ${b}]`);
      const found = problems(text);
      const inRange = (v: number) => v >= 1 && v <= 4094;
      if (inRange(a) && inRange(b) && a !== b) {
        expect(found).toEqual([]);
        expect(loadTopology(text, 't.yaml').tenants!.map((t) => t.switches[0]!.ports[0]!.vlan)).toEqual([a, b]);
      } else {
        const why = !inRange(a) || !inRange(b) ? 'a VLAN id is 1-4094' : `s1:trunk VLAN ${a} already belongs to tenant blue`;
        expect(found.some((p) => p.includes(why))).toBe(true);
      }
    }), { numRuns: 80 });
  });

  it('are printed by netloom tenants as the VLAN of the trunk behind each virtual port', () => {
    const r = spawnSync(process.execPath, [CLI, 'tenants', 'topologies/tenants-vlan-trunk.yaml'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      'blue: tenant 1, controller c-blue, addresses 10.0.0.0/24 -> physical 1.0.0.0/24',
      '  vs: datapath 0001000000000001 on s1',
      '    port 1 trunk.10: s1:trunk VLAN 10 (edge by VLAN, to acc:up)',
      '    port 2 b2: s1:b2 (edge, to b2:eth0)',
    ]);
  });
});
