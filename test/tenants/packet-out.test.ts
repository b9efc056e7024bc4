/**
 * A tenant's PACKET_OUT to TABLE (OFPP_TABLE) runs the frame through the tenant's own tables, as
 * a switch runs it through its own: from its table 0, under its tag, in physical addresses, so its
 * rules decide where it goes and no other tenant's can. Its header as the actions leave it must lie
 * in the tenant's flowspace, and a resubmit to anywhere else is refused.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { encode } from '../../src/index.js';
import type { Datapath } from '../../src/controller/datapath.js';
import type { Host } from '../../src/hosts/host.js';
import { macToText } from '../../src/wire/addresses.js';
import type { OfAction } from '../../src/openflow/actions.js';
import { SHARED_SWITCH, TenantRig } from './rig.js';

const TOPOLOGY = `
name: tenant-packet-out
nodes:
  c-blue: { kind: controller, app: ./fixtures/quiet-app.ts }
  c-red: { kind: controller, app: ./fixtures/quiet-app.ts }
${SHARED_SWITCH}
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
  let rig: TenantRig;
  const mac = (name: string) => macToText(rig.node<Host>(name).interfaces[0]!.mac, 0);
  /** b1's echo request to 10.0.0.2, as blue's controller would send it. */
  const echo = () => encode([{ layer: 'ethernet', src: mac('b1'), dst: mac('b2') }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'icmp', type: 8, code: 0, id: 7, seq: 1 }]);
  /** Frames each of s1's ports has sent to its host. */
  const sent = () => Object.fromEntries(rig.s1.portInfo().map((p) => [p.name, p.counters.txPackets]));
  const answer = (d: Datapath, inPort: number, actions: OfAction[], data: Uint8Array): Promise<string> => rig.answer(d, { type: 'packet_out', xid: 0, bufferId: 0xffffffff, inPort, actions, data });

  beforeEach(async () => {
    rig = await TenantRig.start(TOPOLOGY, 'packet-out.yaml');
  });

  it("goes where the tenant's own rules send it", async () => {
    const blue = rig.dp('c-blue', 1);
    blue.addFlow('priority=10,in_port=1,actions=output:2');
    const before = sent();
    expect(await answer(blue, 1, [toTable], echo())).toBe('ok');
    // Out of b2 alone: blue's rule took it there, red's ports saw nothing.
    expect(sent()).toEqual({ ...before, b2: before['b2']! + 1 });
    // The physical rule that carried it counted it: blue's table 0 is physical table 1, under blue's tag.
    const rules = rig.s1.bridge.pipeline.allRules().filter((r) => r.table === 1 && r.cookie >> 56n === 1n);
    expect(rules.map((r) => `${r.matchText} ${r.packets}`).sort()).toEqual(['arp,metadata=0x1/0xff,in_port=1 0', 'ip,metadata=0x1/0xff,in_port=1 1']);
  });

  it('with no rule of the tenant for it, is the tenant’s own table miss: nowhere else', async () => {
    const before = sent();
    expect(await answer(rig.dp('c-blue', 1), 1, [toTable], echo())).toBe('ok');
    expect(sent()).toEqual(before);
  });

  it('refuses a rewrite out of its flowspace before TABLE, and a resubmit anywhere but table 0', async () => {
    const blue = rig.dp('c-blue', 1);
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
