/**
 * netloom's controller (the `learning` app, over TCP, as `netloom controller` runs it) drives a
 * real ovs-vswitchd (dummy datapath, test/interop/ovs.ts): the flows it installs appear in
 * `ovs-ofctl dump-flows`, and frames injected with netdev-dummy/receive leave on the ports the
 * app chose — flooded while the destination is unknown, then forwarded by the installed flows
 * without asking the controller again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller/controller.js';
import { listenController } from '../../src/controller/tcp.js';
import { learning } from '../../src/controller/apps/learning.js';
import type { OpenFlowListener } from '../../src/openflow/tcp.js';
import { encode, toHex } from '../../src/index.js';
import { OvsSwitch, haveOvs, ovsMissingMessage, type OvsOutput } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the controller-drives-OVS tests: ${ovsMissingMessage()}`);

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const frame = (src: string, dst: string, id: number) =>
  encode([{ layer: 'ethernet', src, dst }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', id }, { layer: 'udp', srcPort: 1000, dstPort: 2000 }]);

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!haveOvs())("netloom's controller drives a real Open vSwitch", () => {
  let ovs: OvsSwitch;
  let listener: OpenFlowListener;
  const controller = new Controller('c1');
  controller.use(learning);
  /** Frames OVS sent since the last call, as "port:hex". */
  let seen = 0;
  const fresh = (): string[] => {
    const all = ovs.outputs();
    const out = all.slice(seen).map((o: OvsOutput) => `${o.port}:${toHex(o.bytes)}`);
    seen = all.length;
    return out;
  };

  beforeAll(async () => {
    listener = await listenController(controller, '127.0.0.1', 0);
    ovs = OvsSwitch.start({ ports: 3, protocol: 'OpenFlow13' });
    ovs.delFlows();
    ovs.vsctl('set-controller', 'br0', `tcp:127.0.0.1:${listener.port}`, '--', 'set', 'controller', 'br0', 'connection-mode=out-of-band');
    await until('the switch to connect', () => (controller.datapaths.size === 1 ? true : undefined));
    await until('the table-miss flow', () => (ovs.dumpFlows({ stats: false }).includes('priority=0 actions=CONTROLLER:65535') ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    ovs?.stop();
    await listener?.close();
  });

  it('installs the table-miss flow, floods an unknown destination, then forwards on learned flows', async () => {
    expect([...controller.datapaths.keys()].map((id) => id.toString(16))).toEqual(['fedcba9876543210']);
    fresh();
    // A -> B, B unknown: PACKET_IN, the app floods it: out p2, p3 and OVS's LOCAL port, never back to p1.
    const f1 = frame(A, B, 1);
    await ovs.receive(1, f1);
    expect((await until('the flood', () => { const o = fresh(); return o.length >= 3 ? o : undefined; })).sort()).toEqual([`2:${toHex(f1)}`, `3:${toHex(f1)}`, `65534:${toHex(f1)}`]);
    // B -> A on p2: A is known, a flow in_port=2,dl_src=B,dl_dst=A -> output:1 and the packet out p1.
    const f2 = frame(B, A, 2);
    await ovs.receive(2, f2);
    expect(await until('the reply', () => { const o = fresh(); return o.length >= 1 ? o : undefined; })).toEqual([`1:${toHex(f2)}`]);
    await until('the learned flow', () => (ovs.dumpFlows({ stats: false }).includes(`priority=1,in_port=2,dl_src=${B},dl_dst=${A} actions=output:1`) ? true : undefined));
    // A -> B again: now a flow for it too, and the packet goes out p2 alone.
    const f3 = frame(A, B, 3);
    await ovs.receive(1, f3);
    expect(await until('the forward', () => { const o = fresh(); return o.length >= 1 ? o : undefined; })).toEqual([`2:${toHex(f3)}`]);
    await until('the second flow', () => (ovs.dumpFlows({ stats: false }).includes(`priority=1,in_port=1,dl_src=${A},dl_dst=${B} actions=output:2`) ? true : undefined));
    // A fourth frame is forwarded by OVS alone, from the flow the app installed.
    const f4 = frame(A, B, 4);
    const out = await ovs.inject(1, f4);
    expect(out.map((o) => `${o.port}:${toHex(o.bytes)}`)).toEqual([`2:${toHex(f4)}`]);
    expect(ovs.dumpFlows()).toMatch(new RegExp(`n_packets=1, n_bytes=${f4.length}, priority=1,in_port=1,dl_src=${A},dl_dst=${B} actions=output:2`));
    expect(controller.log.filter((l) => l.includes('error'))).toEqual([]);
  });
});
