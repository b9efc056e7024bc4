/** Tenant declarations in topology files: what loads, and every mistake at its place. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadTopology } from '../../src/index.js';
import { loadTopologyFile } from '../../src/topology/load.js';
import { wallClockPeers } from '../../src/topology/run.js';
import { problems } from './problems.js';
import { CLI } from '../cli.js';

const BASE = (tenants: string, extraNodes = '') => `name: t
nodes:
  c-blue: { kind: controller, app: learning }
  c-red: { kind: controller, app: learning }
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  s1: { kind: switch, ports: [p1, p2, up] }
  s2: { kind: switch, ports: [up] }
${extraNodes}links:
  - endpoints: [b1:eth0, s1:p1]
  - endpoints: [r1:eth0, s1:p2]
  - endpoints: [s1:up, s2:up]
tenants:
${tenants}`;

const GOOD = `  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [p1, up] } } }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [p2, up] } } }
`;


describe('tenants in a topology file', () => {
  it('loads tenants with ids in file order; hosts of different tenants may share addresses, and core ports are shared', () => {
    const t = loadTopology(BASE(GOOD), 't.yaml');
    expect(t.tenants).toEqual([
      { name: 'blue', id: 1, controller: { node: 'c-blue' }, prefix: '10.0.0.0', prefixLength: 24, switches: [{ name: 'vs1', ports: [{ switch: 's1', port: 'p1' }, { switch: 's1', port: 'up' }] }] },
      { name: 'red', id: 2, controller: { node: 'c-red' }, prefix: '10.0.0.0', prefixLength: 24, switches: [{ name: 'vs1', ports: [{ switch: 's1', port: 'p2' }, { switch: 's1', port: 'up' }] }] },
    ]);
    expect(t.platform).toEqual({ latency: 1e6, schedule: [] });
  });

  it('takes a controller outside netloom as tcp:HOST:PORT, and says what a bad one should look like', () => {
    const t = loadTopology(BASE(GOOD.replace('controller: c-blue', 'controller: "tcp:127.0.0.1:6653"')), 't.yaml');
    expect(t.tenants?.[0]?.controller).toEqual({ host: '127.0.0.1', port: 6653 });
    expect(wallClockPeers(t)).toEqual(["tenant blue's virtual switches connect to tcp:127.0.0.1:6653"]);
    expect(problems(BASE(GOOD.replace('controller: c-blue', 'controller: "tcp:127.0.0.1"')))).toEqual([
      'bad.yaml:14:23 tenants.blue.controller: expected a controller node of this topology (c1) or tcp:HOST:PORT (tcp:127.0.0.1:6653)',
    ]);
  });

  it('takes message and PACKET_IN rates, with a burst of one second\'s worth unless given', () => {
    const t = loadTopology(BASE(GOOD.replace('ports: [p1, up] } } }', 'ports: [p1, up] } }, quota: { flows: 5, groups: 4, messages: { rate: 100 }, packetIns: { rate: 0.5pps, burst: 3 } } }')), 't.yaml');
    expect(t.tenants?.[0]).toMatchObject({ maxFlows: 5, maxGroups: 4, messageRate: { rate: 100, burst: 100 }, packetInRate: { rate: 0.5, burst: 3 } });
    expect(problems(BASE(GOOD.replace('ports: [p1, up] } } }', 'ports: [p1, up] } }, quota: { messages: { rate: -1 } } }')))).toEqual([
      'bad.yaml:14:134 tenants.blue.quota.messages.rate: a rate cannot be negative, got "-1"',
    ]);
  });

  it('takes flowspaces, a read-only tenant without addresses, and names every flowspace mistake at its place', () => {
    const monitor = `  ops: { controller: c-ops, switches: { w: { switch: s1, ports: [p1] } }, flowspace: [{ match: icmp, permission: read, of: blue }] }\n`;
    const ok = loadTopology(BASE(GOOD + monitor, '  c-ops: { kind: controller, app: learning }\n'), 't.yaml');
    expect(ok.tenants?.[2]).toEqual({ name: 'ops', id: 3, controller: { node: 'c-ops' }, switches: [{ name: 'w', ports: [{ switch: 's1', port: 'p1' }] }], flowspace: [{ match: 'icmp', permission: 'read', of: 'blue' }] });
    const bad = `  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [p1, up] } }, flowspace: [{ match: "tcp,tp_dts=80", permission: write }, { match: "in_port=1", permission: write }, { match: "ip,nw_dst=10.1.0.0/16", permission: write }, { match: "", permission: write, of: red }] }
  red: { controller: c-red, switches: { vs1: { switch: s1, ports: [p2, up] } }, flowspace: [{ match: icmp, permission: read }] }
  ops: { controller: c-ops, switches: { w: { switch: s1, ports: [p2] } }, flowspace: [{ match: icmp, permission: read, of: bleu }] }
`;
    const found = problems(BASE(bad, '  c-ops: { kind: controller, app: learning }\n'));
    expect(found[0]).toMatch(/^bad\.yaml:15:133 tenants\.blue\.flowspace\[0\]\.match: unknown field "tp_dts"; fields are in_port, /);
    expect(found.slice(1)).toEqual([
      'bad.yaml:15:175 tenants.blue.flowspace[1].match: a flowspace entry takes no in_port: the virtual switches give the tenant its ports',
      "bad.yaml:15:218 tenants.blue.flowspace[2].match: nw_dst=10.1.0.0 is outside blue's addresses 10.0.0.0/24: the entry matches nothing",
      'bad.yaml:15:300 tenants.blue.flowspace[3].of: a tenant writes only its own traffic: of goes with permission read',
      'bad.yaml:16:93 tenants.red.flowspace[0]: read needs of: the tenant whose traffic it reads (blue, ops)',
      'bad.yaml:17:124 tenants.ops.flowspace[0].of: unknown tenant "bleu"; did you mean "blue"? (tenants are blue, red, ops)',
    ]);
    // A tenant with hosts needs its addresses; a read-only one watches only the tenants it reads.
    expect(problems(BASE(GOOD.replace('addresses: 10.0.0.0/24, ', '') + monitor.replace('ports: [p1]', 'ports: [p2]'), '  c-ops: { kind: controller, app: learning }\n'))).toEqual([
      "bad.yaml:15:9 tenants.blue: a tenant needs addresses (its IPv4 space); only a read-only tenant, whose every flowspace entry reads another's traffic, goes without",
      'bad.yaml:17:66 tenants.ops.switches.w.ports[0]: s1:p2 belongs to tenant red, whose traffic ops does not read',
    ]);
  });

  it("takes a big switch's ports from several switches, and names what cannot be one", () => {
    const extra = '  s3: { kind: switch, ports: [h] }\n  s4: { kind: switch, ports: [h] }\n';
    const ok = loadTopologyFile(join(import.meta.dirname, '../../topologies/tenants-big-switch.yaml'));
    expect(ok.tenants?.[0]?.switches).toEqual([{ name: 'big', ports: [{ switch: 's1', port: 'b1' }, { switch: 's2', port: 'b2' }, { switch: 's3', port: 'b3' }] }]);
    expect(problems(BASE(`  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { big: { switches: { s1: [p1, up], s3: [h] } }, vs2: { switch: s4, ports: [h] } } }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [p2], switches: { s2: [up] } } } }
`, extra))).toEqual([
      'bad.yaml:16:65 tenants.blue.switches: a tenant with a big switch has no other virtual switch: the big switch is its whole network',
      "bad.yaml:16:84 tenants.blue.switches.big.switches: s3 is not linked to s1 through the big switch's own switches; the platform routes inside a big switch over links between them",
      "bad.yaml:16:95 tenants.blue.switches.big.switches.s1[1]: s1:up links to another switch; a big switch's ports are its hosts' (the platform routes between its switches)",
      'bad.yaml:17:70 tenants.red.switches.vs1: a virtual switch is either one switch (switch and ports) or a big switch (switches), not both',
    ]);
  });

  it("takes a tenant's bandwidth weight, and keeps the shared links' queues the platform's", () => {
    const weighted = GOOD.replace('addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [p1, up] } }', 'addresses: 10.0.0.0/24, bandwidth: { weight: 3 }, switches: { vs1: { switch: s1, ports: [p1, up] } }');
    expect(loadTopology(BASE(weighted), 't.yaml').tenants?.[0]?.bandwidthWeight).toBe(3);
    const own = BASE(weighted.replace('red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [p2, up] } } }', 'red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs1: { switch: s2, ports: [up] } } }'))
      .replace('s1: { kind: switch, ports: [p1, p2, up] }', 's1: { kind: switch, ports: { p1: {}, p2: {}, up: { queues: { 1: { weight: 5 } } } } }');
    expect(problems(own)).toEqual([
      "bad.yaml:7:62 nodes.s1.ports.up.queues: s1:up links two switches the platform runs: with tenants' bandwidth shares its queues are the platform's (one per tenant)",
    ]);
  });

  it('still refuses one address on two hosts of the same tenant (or of none)', () => {
    expect(problems(BASE(GOOD.replace('ports: [p2, up]', 'ports: [up]').replace('ports: [p1, up]', 'ports: [p1, p2, up]')))).toEqual(['bad.yaml:6:49 nodes.r1.interfaces.eth0.ipv4: 10.0.0.1 is also on b1:eth0']);
  });

  it('names each mistake at its place', () => {
    expect(problems(BASE(`  blue: { controller: c-bleu, addresses: 10.0.0.0/4, switches: { vs1: { switch: s3, ports: [p1] } } }
  red: { controller: b1, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [p1, p9] } } }
`, '  platform: { kind: host, interfaces: { eth0: { ipv4: 10.9.9.9/24 } } }\n'))).toEqual([
      'bad.yaml:9:13 nodes.platform: with tenants, "platform" is the platform\'s name: give this node another',
      'bad.yaml:15:23 tenants.blue.controller: unknown node "c-bleu"; did you mean "c-blue"? (nodes are c-blue, c-red, b1, r1, s1, s2, platform)',
      'bad.yaml:15:42 tenants.blue.addresses: 10.0.0.0/4 has host bits set; did you mean 0.0.0.0/4?',
      'bad.yaml:15:81 tenants.blue.switches.vs1.switch: unknown node "s3"; did you mean "s1"? (nodes are c-blue, c-red, b1, r1, s1, s2, platform)',
      'bad.yaml:16:22 tenants.red.controller: b1 is a host, not a controller',
      'bad.yaml:16:93 tenants.red.switches.vs1.ports[1]: unknown port "p9" on s1; did you mean "p1"? (s1 has p1, p2, up)',
    ]);
  });

  it('gives a tenant one virtual switch on a physical switch: its rules and groups there share one table and tag', () => {
    expect(problems(BASE(GOOD.replace('switches: { vs1: { switch: s1, ports: [p1, up] } }', 'switches: { vs1: { switch: s1, ports: [p1] }, vs2: { switch: s1, ports: [up] } }')))).toEqual([
      "bad.yaml:14:116 tenants.blue.switches.vs2.switch: blue's virtual switch vs1 is on s1 already; a tenant has one virtual switch on a physical switch (give that one these ports)",
    ]);
  });

  it('gives a port to a host one tenant', () => {
    expect(problems(BASE(GOOD.replace('ports: [p2, up]', 'ports: [p1, up]')))).toEqual(['bad.yaml:15:92 tenants.red.switches.vs1.ports[0]: s1:p1 already belongs to tenant blue; a port to a host has one tenant']);
  });

  it('refuses a space wider than /8 and a switch with its own controller', () => {
    const text = BASE(`  blue: { controller: c-blue, addresses: 0.0.0.0/4, switches: { vs1: { switch: s1, ports: [p1] } } }\n`).replace('s1: { kind: switch, ports: [p1, p2, up] }', 's1: { kind: switch, ports: [p1, p2, up], controller: c-red }');
    expect(problems(text)).toEqual([
      'bad.yaml:14:42 tenants.blue.addresses: 0.0.0.0/4 is wider than /8: the platform keeps the top 8 bits of physical addresses for the tenant',
      'bad.yaml:14:80 tenants.blue.switches.vs1.switch: s1 has its own controller; a switch the platform runs has none (the platform is its controller)',
    ]);
  });
});

describe('netloom tenants', () => {
  it("prints each tenant's virtual switches, mapping and physical ports", async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const root = join(import.meta.dirname, '../..');
    const r = spawnSync(process.execPath, [CLI, 'tenants', 'topologies/tenants-two-switches.yaml'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 8)).toEqual([
      'blue: tenant 1, controller c-blue, addresses 10.0.0.0/24 -> physical 1.0.0.0/24',
      '  left: datapath 0001000000000001 on s1',
      '    port 1 b1: s1:b1 (edge, to b1:eth0)',
      '    port 2 core: s1:core (link to s2:core, shared by tenants)',
      '  right: datapath 0001000000000002 on s2',
      '    port 1 b2: s2:b2 (edge, to b2:eth0)',
      '    port 2 core: s2:core (link to s1:core, shared by tenants)',
      'red: tenant 2, controller c-red, addresses 10.0.0.0/24 -> physical 2.0.0.0/24',
    ]);
    const lines = (file: string) => spawnSync(process.execPath, [CLI, 'tenants', file], { cwd: root, encoding: 'utf8' }).stdout.split('\n');
    expect(lines('topologies/tenants-monitor.yaml').slice(-6)).toEqual([
      'ops: tenant 3, controller c-ops, read only',
      '  flowspace: read icmp of blue',
      '  watch: datapath 0003000000000001 on s1',
      '    port 1 b1: s1:b1 (edge, to b1:eth0)',
      '    port 2 b2: s1:b2 (edge, to b2:eth0)',
      '',
    ]);
    expect(lines('topologies/tenants-big-switch.yaml').slice(1, 3)).toEqual(['  big: datapath 0001000000000001 a big switch over s1, s2, s3', '    port 1 s1:b1 (edge, to b1:eth0)']);
    expect(lines('topologies/tenants-bandwidth.yaml')[1]).toBe('  quota: bandwidth weight 3 (queue 1 on links between switches)');
  });
});
