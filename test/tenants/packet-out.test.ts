/**
 * A tenant's PACKET_OUT to TABLE (OFPP_TABLE) runs the frame through the tenant's own tables, as
 * a switch runs it through its own: from its table 0, under its tag, in physical addresses, so its
 * rules decide where it goes and no other tenant's can. Its header as the actions leave it must lie
 * in the tenant's flowspace, and a resubmit to anywhere else is refused.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { encode, loadTopology } from '../../src/index.js';
import { build, type Built } from '../../src/topology/build.js';
import { loadApps } from '../../src/topology/apps.js';
import type { ControllerNode } from '../../src/controller/node.js';
import type { Datapath } from '../../src/controller/datapath.js';
import { OpenFlowRequestError } from '../../src/controller/datapath.js';
import type { SwitchNode } from '../../src/switch/node.js';
import type { Host } from '../../src/hosts/host.js';
import { macToText } from '../../src/wire/addresses.js';
import { ofpErrorName } from '../../src/openflow/errors.js';
import type { OfAction } from '../../src/openflow/actions.js';

const TOPOLOGY = `
name: tenant-packet-out
nodes:
  c-blue: { kind: controller, app: ./fixtures/quiet-app.ts }
  c-red: { kind: controller, app: ./fixtures/quiet-app.ts }
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  b2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  r1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [b1, b2, r1, r2] }
links:
  - endpoints: [b1:eth0, s1:b1]
  - endpoints: [b2:eth0, s1:b2]
  - endpoints: [r1:eth0, s1:r1]
  - endpoints: [r2:eth0, s1:r2]
tenants:
  blue:
    controller: c-blue
    addresses: 10.0.0.0/24
    switches: { vs: { switch: s1, ports: [b1, b2] } }
    flowspace: [{ match: icmp, permission: write }, { match: arp, permission: write }, { match: "udp,tp_dst=53", permission: write }]
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs: { switch: s1, ports: [r1, r2] } } }
`;

const OFPP_TABLE = 0xfffffff9;
const toTable: OfAction = { type: 'output', port: OFPP_TABLE, maxLen: 0 };

describe("a tenant's PACKET_OUT to TABLE", () => {
  let built: Built;
  let clock: number;
  const dp = (controller: string, tenant: number): Datapath => (built.net.nodes.get(controller) as ControllerNode).controller.datapaths.get((BigInt(tenant) << 48n) | 1n)!;
  const host = (name: string) => built.net.nodes.get(name) as Host;
  const mac = (name: string) => macToText(host(name).interfaces[0]!.mac, 0);
  /** b1's echo request to 10.0.0.2, as blue's controller would send it. */
  const echo = () => encode([{ layer: 'ethernet', src: mac('b1'), dst: mac('b2') }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'icmp', type: 8, code: 0, id: 7, seq: 1 }]);
  /** Frames each of s1's ports has sent to its host. */
  const sent = () => Object.fromEntries((built.net.nodes.get('s1') as SwitchNode).portInfo().map((p) => [p.name, p.counters.txPackets]));
  const answer = async (d: Datapath, inPort: number, actions: OfAction[], data: Uint8Array): Promise<string> => {
    const [result] = await Promise.all([
      d.apply({ type: 'packet_out', xid: 0, bufferId: 0xffffffff, inPort, actions, data }).then(() => 'ok', (e: unknown) => (e instanceof OpenFlowRequestError ? ofpErrorName({ type: e.errorType, code: e.errorCode }) : String(e))),
      built.net.run((clock += 0.2e9)),
    ]);
    return result;
  };

  beforeEach(async () => {
    const topology = loadTopology(TOPOLOGY, join(import.meta.dirname, 'packet-out.yaml'));
    built = build(topology, { apps: await loadApps(topology, import.meta.dirname) });
    clock = 0.5e9;
    await built.net.run(clock);
  });

  it("goes where the tenant's own rules send it", async () => {
    const blue = dp('c-blue', 1);
    blue.addFlow('priority=10,in_port=1,actions=output:2');
    const before = sent();
    expect(await answer(blue, 1, [toTable], echo())).toBe('ok');
    // Out of b2 alone: blue's rule took it there, red's ports saw nothing.
    expect(sent()).toEqual({ ...before, b2: before['b2']! + 1 });
    // The physical rule that carried it counted it: blue's table 0 is physical table 1, under blue's tag.
    const rules = (built.net.nodes.get('s1') as SwitchNode).bridge.pipeline.allRules().filter((r) => r.table === 1 && r.cookie >> 56n === 1n);
    expect(rules.map((r) => `${r.matchText} ${r.packets}`).sort()).toEqual(['arp,in_port=1,metadata=0x1/0xff 0', 'ip,in_port=1,metadata=0x1/0xff 1']);
  });

  it('with no rule of the tenant for it, is the tenant’s own table miss: nowhere else', async () => {
    const before = sent();
    expect(await answer(dp('c-blue', 1), 1, [toTable], echo())).toBe('ok');
    expect(sent()).toEqual(before);
  });

  it('refuses a rewrite out of its flowspace before TABLE, and a resubmit anywhere but table 0', async () => {
    const blue = dp('c-blue', 1);
    blue.addFlow('priority=10,in_port=1,actions=output:2');
    const dns = encode([{ layer: 'ethernet', src: mac('b1'), dst: mac('b2') }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 5353, dstPort: 53 }]);
    const udpDst = (port: number): OfAction => ({ type: 'set_field', field: { field: 'udp_dst', value: BigInt(port) } });
    // Its tables would see a header outside its flowspace (udp port 54); rewritten and back again, they see its own.
    expect(await answer(blue, 1, [udpDst(54), toTable], dns)).toBe('BAD_ACTION/EPERM');
    const before = sent();
    expect(await answer(blue, 1, [udpDst(54), udpDst(53), toTable], dns)).toBe('ok');
    expect(sent()).toEqual({ ...before, b2: before['b2']! + 1 });
    // Nicira's resubmit(,1) (NXAST_RESUBMIT_TABLE: subtype 14, in_port OFPP_IN_PORT, table 1): not the TABLE a switch runs a PACKET_OUT through.
    const resubmit: OfAction = { type: 'experimenter', experimenter: 0x2320, body: new Uint8Array([0x00, 0x0e, 0xff, 0xf8, 0x01, 0, 0, 0]) };
    expect(await answer(blue, 1, [resubmit], echo())).toBe('BAD_ACTION/BAD_TYPE');
  });
});
