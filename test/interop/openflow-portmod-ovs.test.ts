/**
 * ovs-ofctl -O OpenFlow13 mod-port against a netloom switch (`listen:`) and a real ovs-vswitchd
 * (dummy datapath, test/interop/ovs.ts), set up as openflow-ovs.test.ts does: after each mod-port,
 * show and dump-ports-desc print the same (apart from MACs, counters and the datapath id), and an
 * `ovs-ofctl monitor` on each switch prints the same PORT_STATUS messages. Then the same flows,
 * group and port config forward each probe frame the same on ovs-vswitchd and on netloom, but
 * where netloom's PORT_DOWN differs on purpose (see the last test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encode, loadTopology, toHex } from '../../src/index.js';
import { runTopologyRealtime } from '../../src/topology/run.js';
import { build } from '../../src/topology/build.js';
import type { SwitchNode } from '../../src/switch/node.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../../src/openflow/messages.js';
import { ofctlNetloom, ofctlOvs, normalize } from './ofctl-compare.js';
import { OvsSwitch, haveOvs, ovsMissingMessage, LOCAL_PORT } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the ovs-ofctl mod-port interop tests: ${ovsMissingMessage()}`);

const run = promisify(execFile);

/** The netloom switch is named br0 so that its LOCAL port has OVS's name. */
const TOPOLOGY = `
name: portmod-interop
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  h3: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.3/24 } } }
  br0: { kind: switch, ports: [p1, p2, p3], listen: 0, flows: ["priority=0,actions=drop"] }
links:
  - endpoints: [h1:eth0, br0:p1]
  - endpoints: [h2:eth0, br0:p2]
  - endpoints: [h3:eth0, br0:p3]
`;


/**
 * `ovs-ofctl monitor <switch> 65534`: a second connection, which asks for asynchronous messages
 * (a service connection gets none from OVS with miss_send_len 0) and prints them on stderr.
 * `barrier()` returns once it has printed everything the switch sent before.
 */
class Monitor {
  private printed = '';
  private readonly child: ChildProcess;

  constructor(
    target: string,
    private readonly ctl: string,
    rundir: string,
  ) {
    this.child = spawn('ovs-ofctl', ['-O', 'OpenFlow13', 'monitor', target, '65534', `--unixctl=${ctl}`], { env: { ...process.env, OVS_RUNDIR: rundir } });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.printed += chunk.toString()));
  }

  /** Waits until the monitor is connected and serving its control socket. */
  async ready(): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        return await this.barrier();
      } catch (e) {
        if (i === 100) throw e;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async barrier(): Promise<void> {
    await run('ovs-appctl', ['-t', this.ctl, 'ofctl/barrier'], { timeout: 10_000 });
  }

  /** What it printed, without the barrier replies (their xids are the tool's own). */
  messages(): string {
    return normalize(this.printed.split(/\n(?=\S)/).filter((m) => !m.startsWith('OFPT_BARRIER_REPLY')).join('\n'));
  }

  stop(): void {
    this.child.kill();
  }
}

describe.skipIf(!haveOvs())('ovs-ofctl -O OpenFlow13 mod-port: a netloom switch reports what Open vSwitch reports', () => {
  let ovs: OvsSwitch;
  const stop = new AbortController();
  let done: Promise<unknown>;
  let port = 0;
  const monitors: Monitor[] = [];

  const netloom = (args: string[]) => ofctlNetloom(port, args);
  const real = (args: string[]) => ofctlOvs(ovs, args);
  /**
   * dump-ports-desc once the switch has read the link of a port set down or up again: until then
   * it reports the old link state (state 0 after down, LINK_DOWN after up). Every link here is
   * up, so once read, a port is LINK_DOWN exactly when it is set down.
   */
  const settled = async (dump: () => Promise<string> | string): Promise<string> => {
    for (let i = 0; ; i++) {
      const text = await dump();
      const ports = [...text.matchAll(/config: +(.*)\n +state: +(.*)/g)];
      if (ports.every(([, config, state]) => state === (config!.includes('PORT_DOWN') ? 'LINK_DOWN' : 'LIVE')) || i === 100) return text;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    ovs = OvsSwitch.start({ ports: 3, protocol: 'OpenFlow13' });
    const topology = loadTopology(TOPOLOGY, 'portmod-interop.yaml');
    const listening = new Promise<number>((resolve) => {
      done = runTopologyRealtime(topology, { signal: stop.signal, onListening: (_node, _host, p) => resolve(p) });
    });
    port = await listening;
    ovs.delFlows();
    ovs.addFlows(['priority=0,actions=drop']);
    monitors.push(new Monitor(`tcp:127.0.0.1:${port}`, join(ovs.dir, 'monitor-netloom.ctl'), ovs.dir));
    monitors.push(new Monitor(`unix:${join(ovs.dir, 'br0.mgmt')}`, join(ovs.dir, 'monitor-ovs.ctl'), ovs.dir));
    await Promise.all(monitors.map((m) => m.ready()));
  }, 60_000);

  afterAll(async () => {
    for (const m of monitors) m.stop();
    stop.abort();
    await done;
    ovs?.stop();
  });

  // OpenFlow 1.3 has no NO_FLOOD: ovs-ofctl sends config 0, mask 0 for no-flood, and nothing changes.
  it.each([
    ['p1', 'down'], ['p1', 'up'], ['p1', 'no-receive'], ['p2', 'no-forward'], ['p3', 'no-packet-in'], ['p1', 'no-flood'], ['br0', 'down'],
    ['p1', 'down'], ['p1', 'receive'], ['2', 'forward'], ['p3', 'packet-in'], ['br0', 'up'], ['1', 'up'],
  ])('mod-port %s %s, then show and dump-ports-desc', async (name, command) => {
    const ours = await netloom(['mod-port', name, command]);
    const theirs = real(['mod-port', name, command]);
    expect(ours).toEqual({ stdout: '', stderr: '', failed: false });
    expect(theirs).toEqual(ours);
    const desc = normalize(await settled(async () => (await netloom(['dump-ports-desc'])).stdout));
    expect(desc).toBe(normalize(await settled(() => real(['dump-ports-desc']).stdout)));
    expect(desc).toContain(' config: ');
    expect(normalize((await netloom(['show'])).stdout)).toBe(normalize(real(['show']).stdout));
  });

  it('mod-port of a port the switch lacks: the same complaint from ovs-ofctl', async () => {
    const ours = await netloom(['mod-port', 'p9', 'down']);
    expect(ours.failed).toBe(true);
    expect(normalize(ours.stderr)).toBe(normalize(real(['mod-port', 'p9', 'down']).stderr));
  });

  it('the monitors printed the same PORT_STATUS messages, in the same order (two for each down and up)', async () => {
    await Promise.all(monitors.map((m) => m.barrier()));
    const [ours, theirs] = monitors.map((m) => m.messages());
    expect(ours).toBe(theirs);
    expect(ours!.match(/OFPT_PORT_STATUS/g)).toHaveLength(18);
  });
});

describe.skipIf(!haveOvs())('forwarding under mod-port: netloom as ovs-vswitchd', () => {
  const FLOWS = [
    'priority=10,in_port=1,actions=output:2',
    'priority=10,udp,in_port=2,tp_dst=9,actions=flood',
    'priority=10,udp,in_port=2,tp_dst=7,actions=group:1',
    'priority=10,in_port=3,actions=CONTROLLER:65535',
  ];
  const GROUP = 'group_id=1,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:3,output:3';
  const udp = (dstPort: number) =>
    encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1000, dstPort }]);
  /** p1 -> output:2; p2 tp_dst=9 -> flood; p2 tp_dst=7 -> ff group watching p1, then p3; p3 -> CONTROLLER. */
  const PROBES: [number, Uint8Array][] = [[1, udp(5)], [2, udp(9)], [2, udp(7)]];
  const COMMANDS = { 'no-receive': 'receive', 'no-forward': 'forward', down: 'up', 'no-packet-in': 'packet-in' } as const;
  const BITS = { 'no-receive': 4, 'no-forward': 32, down: 1, 'no-packet-in': 64 } as const;

  let ovs: OvsSwitch;
  let monitor: Monitor;
  let node: SwitchNode;
  let inject: (port: number, bytes: Uint8Array) => string[];
  let packetOut: (inPort: number) => string[];
  let portMod: (port: number, config: number, mask: number) => void;
  let packetIns: () => number;

  beforeAll(async () => {
    ovs = OvsSwitch.start({ ports: 3, protocol: 'OpenFlow13' });
    ovs.ofctl(['add-group', GROUP]);
    ovs.addFlows(FLOWS);
    monitor = new Monitor(`unix:${join(ovs.dir, 'br0.mgmt')}`, join(ovs.dir, 'monitor.ctl'), ovs.dir);
    await monitor.ready();

    // The same switch in a simulated network: frames go in from the hosts, outputs are br0's tx events.
    const built = build(loadTopology(TOPOLOGY, 'portmod-interop.yaml'), { traffic: false });
    const net = built.net;
    node = net.nodes.get('br0') as SwitchNode;
    node.bridge.addGroup(GROUP);
    for (const flow of FLOWS) node.bridge.addFlow(flow);
    const sent: OfMessage[] = [];
    const c = built.agents.get('br0')!.connect({ send: (bytes) => (sent.push(decodeMessage(bytes)), true), close: () => undefined, label: 'test' }, 'controller');
    c.receive(encodeMessage({ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << 4] }] }));
    const outputs: string[] = [];
    net.recorder.add({ event: (e) => void (e.node === 'br0' && e.dir === 'tx' && outputs.push(`${e.port!.slice(1)} ${toHex(e.bytes!)}`)) });
    const drain = () => {
      net.scheduler.run();
      return outputs.splice(0).sort();
    };
    inject = (n, bytes) => {
      net.nodes.get(`h${n}`)!.ports[0]!.send(net.frame(bytes));
      return drain();
    };
    packetOut = (inPort) => {
      c.receive(encodeMessage({ type: 'packet_out', xid: 2, bufferId: 0xffffffff, inPort, actions: [{ type: 'output', port: 2, maxLen: 0 }], data: udp(5) }));
      return drain();
    };
    portMod = (n, config, mask) => {
      const hwAddr = node.portInfo().find((p) => p.number === n)!.mac;
      c.receive(encodeMessage({ type: 'port_mod', xid: 3, portNo: n, hwAddr, config, mask, advertise: 0 }));
      drain();
    };
    packetIns = () => sent.splice(0).filter((m) => m.type === 'packet_in').length;
  }, 60_000);

  afterAll(() => {
    monitor?.stop();
    ovs?.stop();
  });

  /** OVS's outputs of one frame, as netloom lists its own: port and bytes; LOCAL left out (in the simulation nothing is behind it: netloom counts it). */
  const theirs = async (port: number, bytes: Uint8Array) => (await ovs.inject(port, bytes)).filter((o) => o.port !== LOCAL_PORT).map((o) => `${o.port} ${toHex(o.bytes)}`).sort();

  it.each(['no-receive', 'no-forward'] as const)('p1 %s: each probe goes where it goes on OVS, and back again after', async (command) => {
    ovs.ofctl(['mod-port', 'p1', command]);
    portMod(1, BITS[command], BITS[command]);
    for (const [port, bytes] of PROBES) expect(inject(port, bytes), `${command}, into p${port}`).toEqual(await theirs(port, bytes));
    ovs.ofctl(['mod-port', 'p1', COMMANDS[command]]);
    portMod(1, 0, BITS[command]);
    for (const [port, bytes] of PROBES) expect(inject(port, bytes), `${COMMANDS[command]}, into p${port}`).toEqual(await theirs(port, bytes));
  });

  it('p1 no-receive: a PACKET_OUT with in_port 1 outputs nothing on either', async () => {
    ovs.ofctl(['mod-port', 'p1', 'no-receive']);
    portMod(1, 4, 4);
    ovs.outputs();
    ovs.ofctl(['packet-out', '1', 'output:2', toHex(udp(5))]);
    // A frame the flows drop (in_port=2, tp_dst=5) is the harness's barrier: the packet-out's outputs are in by then.
    expect(await theirs(2, udp(5))).toEqual([]);
    expect(packetOut(1)).toEqual([]);
    ovs.ofctl(['mod-port', 'p1', 'receive']);
    portMod(1, 0, 4);
  });

  it('p3 no-packet-in: the CONTROLLER action still sends the packet in, on both', async () => {
    ovs.ofctl(['mod-port', 'p3', 'no-packet-in']);
    portMod(3, 64, 64);
    await monitor.barrier();
    const before = (monitor.messages().match(/PACKET_IN/g) ?? []).length;
    await ovs.inject(3, udp(5));
    await monitor.barrier();
    expect((monitor.messages().match(/PACKET_IN/g) ?? []).length - before).toBe(1);
    packetIns();
    inject(3, udp(5));
    expect(packetIns()).toBe(1);
    ovs.ofctl(['mod-port', 'p3', 'packet-in']);
    portMod(3, 0, 64);
  });

  it('p1 down: the fast-failover group fails over to p3 on both; OVS\'s dummy port still sends and receives, netloom\'s does not', async () => {
    ovs.ofctl(['mod-port', 'p1', 'down']);
    portMod(1, 1, 1);
    const [toP2, flood, ff] = PROBES;
    expect(inject(...ff!)).toEqual(await theirs(...ff!));
    expect(inject(...ff!)).toEqual([`3 ${toHex(ff![1])}`]);
    // OVS's dummy netdev ignores its up flag (netdev-dummy.c sends and receives regardless); a
    // real interface set down, which netloom models, does neither.
    expect(await theirs(...toP2!)).toEqual([`2 ${toHex(toP2![1])}`]);
    expect(inject(...toP2!)).toEqual([]);
    expect(await theirs(...flood!)).toEqual([`1 ${toHex(flood![1])}`, `3 ${toHex(flood![1])}`]);
    expect(inject(...flood!)).toEqual([`3 ${toHex(flood![1])}`]);
    ovs.ofctl(['mod-port', 'p1', 'up']);
    portMod(1, 0, 1);
  });
});
