/**
 * The controller in a topology: the handshake, apps by name and by module path, replies as
 * promises (and refusals as OpenFlowRequestError), determinism of runs with a controller, traces
 * that show the detour through the controller, app errors contained, app options checked.
 */
import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { join } from 'node:path';
import { loadTopology, loadTopologyFile, runTopology, tracePath, formatPath, MemorySink, PcapngWriter } from '../../src/index.js';
import { build } from '../../src/topology/build.js';
import { loadApps } from '../../src/topology/apps.js';
import { ControllerNode } from '../../src/controller/node.js';
import { OpenFlowRequestError } from '../../src/controller/datapath.js';
import { AppOptionError } from '../../src/controller/apps/firewall.js';
import type { SwitchNode } from '../../src/switch/node.js';
import { seen } from './fixtures/counting-app.js';

const root = join(import.meta.dirname, '../..');
const lesson = (name: string) => loadTopologyFile(join(root, 'topologies', `${name}.yaml`));

const TWO_HOSTS = (controller: string) => `
name: one-switch
nodes:
  c1: ${controller}
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [p1, p2], controller: c1 }
links:
  - endpoints: [h1:eth0, s1:p1]
  - endpoints: [h2:eth0, s1:p2]
traffic:
  - ping: { name: ping, from: h1, to: h2, count: 3, start: 100ms }
`;

describe('a controller in a topology', () => {
  it('connects each switch through the handshake and programs it (learning)', async () => {
    const built = build(lesson('controller-learning'));
    await built.net.run(50e6);
    const c1 = (built.net.nodes.get('c1') as ControllerNode).controller;
    expect([...c1.datapaths.keys()]).toEqual([1n, 2n, 3n]);
    expect(c1.datapaths.get(2n)!.ports.size).toBe(4);
    expect(c1.log.slice(0, 3)).toEqual(['c1: switch 0000000000000001 connected (3 ports)', 'c1: switch 0000000000000002 connected (4 ports)', 'c1: switch 0000000000000003 connected (3 ports)']);
    const s2 = built.net.nodes.get('s2') as SwitchNode;
    expect(s2.bridge.dumpFlows(50e6)).toBe(' cookie=0x0, duration=0.038s, table=0, n_packets=0, n_bytes=0, priority=0 actions=CONTROLLER:65535');
  });

  it('is deterministic: the same seed gives byte-identical captures, control delays included', async () => {
    const capture = async () => {
      const sink = new MemorySink();
      const summary = await runTopology(lesson('controller-learning'), { capture: new PcapngWriter(sink) });
      return { bytes: Buffer.from(sink.bytes()), summary };
    };
    const a = await capture();
    const b = await capture();
    expect(a.summary).toPassExpectations();
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.summary).toEqual(b.summary);
  });

  it('trace shows the PACKET_IN, the flow installed and the PACKET_OUT, with the control-channel delay', async () => {
    const text = formatPath(await tracePath(lesson('controller-learning'), 'h1', 'h3', { at: 50e6 }));
    expect(text).toContain('PACKET_IN to c1 (table-miss, table 0, cookie 0x0)');
    expect(text).toMatch(/c1 installed priority=1,in_port=1,dl_src=[0-9a-f:]{17},dl_dst=[0-9a-f:]{17} actions=output:2/);
    expect(text).toContain('PACKET_OUT from c1 4.000 ms after the PACKET_IN: output:2');
    expect(text.split('\n').at(-1)).toBe('DELIVERED at h3');
  });

  it('loads an app by module path; an app that throws is logged and the run goes on', async () => {
    const topology = loadTopology(TWO_HOSTS('{ kind: controller, app: ./fixtures/counting-app.ts, options: { failOn: 3 } }'), join(import.meta.dirname, 'one-switch.yaml'));
    const apps = await loadApps(topology, import.meta.dirname);
    seen.length = 0;
    const built = build(topology, { apps });
    await built.net.run();
    const c1 = (built.net.nodes.get('c1') as ControllerNode).controller;
    expect(seen[0]).toBe('connected 1');
    expect(seen.filter((s) => s.startsWith('packet_in')).length).toBeGreaterThan(3);
    expect(c1.log).toContain('c1: app error in packetIn for switch 0000000000000001: the app tripped on purpose');
  });

  it("the README's app runs: awaited barrier and DESC reply, then flooding", async () => {
    const topology = loadTopology(TWO_HOSTS('{ kind: controller, app: ./fixtures/readme-app.ts, options: { greeting: hi } }'), join(import.meta.dirname, 'one-switch.yaml'));
    const summary = await runTopology(topology, { apps: await loadApps(topology, import.meta.dirname) });
    expect(summary.traffic[0]).toMatchObject({ sent: 3, delivered: 3 });
    const built = build(topology, { apps: await loadApps(topology, import.meta.dirname) });
    await built.net.run(10e6);
    expect((built.net.nodes.get('c1') as ControllerNode).controller.log).toContain('s1 is ready (hi)');
  });

  it('a module app that is not loaded is a clear error', () => {
    const topology = loadTopology(TWO_HOSTS('{ kind: controller, app: ./nowhere.js }'), 'one-switch.yaml');
    expect(() => build(topology)).toThrow('c1: app "./nowhere.js" is a module that was not loaded: load it with loadApps(topology) and pass { apps }');
  });

  it('replies are promises: barrier and stats resolve, a refused request rejects with the OpenFlow error', async () => {
    const built = build(loadTopology(TWO_HOSTS('{ kind: controller, app: learning }'), 'one-switch.yaml'));
    await built.net.run(10e6);
    const dp = (built.net.nodes.get('c1') as ControllerNode).controller.datapaths.get(1n)!;
    const results: unknown[] = [];
    void dp.barrier().then(() => results.push('barrier'));
    void dp.multipart({ kind: 'desc' }).then((bodies) => results.push(bodies[0]!.kind === 'desc' && bodies[0]!.desc.dpDesc));
    void dp.request({ type: 'flow_mod', xid: 0, command: 0, tableId: 0, priority: 1, cookie: 0n, cookieMask: 0n, idleTimeout: 0, hardTimeout: 0, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match: [], instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId: 7 }] }] })
      .catch((e: unknown) => results.push(e instanceof OpenFlowRequestError ? `${e.errorType}/${e.errorCode}` : String(e)));
    await built.net.run(20e6);
    expect(results).toEqual(['barrier', 's1', '2/9']);
  });

  it('firewall options are checked, naming the rule and the column', () => {
    const topology = loadTopology(TWO_HOSTS('{ kind: controller, app: firewall, options: { rules: [ { match: "udp,tp_dst=99999", action: deny } ] } }'), 'one-switch.yaml');
    expect(() => build(topology)).toThrow(AppOptionError);
    expect(() => build(topology)).toThrow('c1 options.rules[0].match: column 12: tp_dst value 99999 is wider than its 16 bits\n  udp,tp_dst=99999,actions=drop\n             ^');
  });

  it('the topology loader names unknown controllers and apps', () => {
    expect(() => loadTopology(TWO_HOSTS('{ kind: controller, app: learnin }'), 'bad.yaml')).toThrow('bad.yaml:4:32 nodes.c1.app: unknown app "learnin"; did you mean "learning"? (built-in apps are learning, proactive, firewall; a module path starts with ./, ../ or /)');
    expect(() => loadTopology(TWO_HOSTS('{ kind: controller, app: learning }').replace('controller: c1', 'controller: c2'), 'bad.yaml')).toThrow('nodes.s1.controller: unknown controller "c2"; did you mean "c1"? (controllers are c1; or write tcp:HOST:PORT)');
    expect(() => loadTopology(TWO_HOSTS('{ kind: controller, app: learning }').replace('traffic:', '  - endpoints: [c1:eth0, h2:eth1]\ntraffic:'), 'bad.yaml')).toThrow('links[2].endpoints[0]: c1 is a controller: it has no ports to link');
  });
});
