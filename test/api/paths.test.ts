/** What a developer writes: forwarding paths asserted in vitest through the package entry. */
import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonPath, loadTopology, loadTopologyFile, ProbeError, runTopology, RunOptionError, TopologyError, tracePath, verifyIsolation, type RunOption } from '../../src/index.js';

const topologies = join(import.meta.dirname, '..', '..', 'topologies');

describe('asserting forwarding paths', () => {
  it('h1 reaches h2 over the VXLAN overlay through s1, r1 and s2', async () => {
    const vxlan = loadTopologyFile(join(topologies, 'vxlan.yaml'));
    await expect(vxlan).toDeliver({ from: 'h1', to: 'h2', at: 1e9 });
    await expect(vxlan).toTraverse({ from: 'h1', to: 'h2', at: 1e9 }, ['h1', 's1', 'r1', 's2', 'h2']);
    const path = await tracePath(vxlan, 'h1', 'h2', { at: 1e9 });
    expect(path.hops[1]!.actions.some((a) => a.startsWith('VXLAN encap to 192.168.2.1, VNI 5000'))).toBe(true);
    expect(path.hops[2]!.layers).toBe('ethernet/ipv4/udp/vxlan/ethernet/ipv4/icmp/payload');
  });

  it('the ACL drops UDP 5001 at s1', async () => {
    const topology = loadTopologyFile(join(topologies, 'acl.yaml'));
    await expect(topology).toDrop({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 }, { at: 's1', reason: 'FLOW_DROP' });
    await expect(topology).toDeliver({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5002 });
    expect((await runTopology(topology)).traffic.find((t) => t.name === 'udp 5001 blocked')).toMatchObject({ sent: 10, delivered: 0 });
  });
});

describe('a path names the real cause, not its last symptom', () => {
  it('a link down is the cause of the ARP that failed behind it', async () => {
    const outage = loadTopologyFile(join(topologies, 'link-failure.yaml'));
    await expect(outage).toDrop({ from: 'h1', to: 'h2', at: 4e9 }, { at: 'r1', reason: 'LINK_DOWN' });
    const path = await tracePath(outage, 'h1', 'h2', { at: 4e9 });
    expect([path.disposition, path.node, path.reason, path.detail]).toEqual(['DROPPED', 'r1', 'LINK_DOWN', 'link r1:eth1—r2:eth0 is down, so no ARP reply from 10.0.12.2 after 3 requests']);
    expect(path.hops.at(-1)!.actions.at(-1)).toBe('its ARP requests dropped (LINK_DOWN): link r1:eth1—r2:eth0 is down');
  });

  // vxlan.yaml with one mistake each: the ARP request h1 sends for h2 dies in the underlay or at the far VTEP.
  const broken = (from: string, to: string) => loadTopology(readFileSync(join(topologies, 'vxlan.yaml'), 'utf8').replace(from, to), join(topologies, 'vxlan.yaml'));
  it.each([
    [
      'a VNI no tunnel port takes',
      ['vx0: { type: vxlan, remoteIp: 192.168.1.1, key: 5000 }', 'vx0: { type: vxlan, remoteIp: 192.168.1.1, key: 5001 }'],
      ['DROPPED', 's2', 'NOT_FOR_US', 'no VXLAN port takes VNI 5000 from 192.168.1.1 (vx0 takes VNI 5001 from 192.168.1.1), so no ARP reply from 10.10.0.2 after 3 requests'],
    ],
    [
      'a remoteIp nobody has',
      ['vx0: { type: vxlan, remoteIp: 192.168.2.1, key: 5000 }', 'vx0: { type: vxlan, remoteIp: 192.168.2.9, key: 5000 }'],
      ['DROPPED', 'r1', 'ARP_FAILED', 'no ARP reply from 192.168.2.9 after 3 requests, so no ARP reply from 10.10.0.2 after 3 requests'],
    ],
    [
      'no underlay route to the remote',
      ['underlay: { port: eth1, ipv4: 192.168.1.1/24, gateway: 192.168.1.254 }', 'underlay: { port: eth1, ipv4: 192.168.1.1/24 }'],
      ['NO_ROUTE', 's1', 'NO_ROUTE', 'no route to tunnel endpoint 192.168.2.1, so no ARP reply from 10.10.0.2 after 3 requests'],
    ],
  ] as const)('%s is the cause of the ARP that failed at the sender', async (_name, [from, to], expected) => {
    const path = await tracePath(broken(from, to), 'h1', 'h2');
    expect([path.disposition, path.node, path.reason, path.detail]).toEqual(expected);
    expect(path.hops.at(-1)!.actions.at(-1)).toBe(`its ARP requests dropped at ${expected[1]} (${expected[2]}): ${expected[3].split(', so ')[0]}`);
  });

  it('an ARP nobody answers stays ARP_FAILED', async () => {
    // The gateway's address is on the link, but no node has it: the requests go out and die unanswered.
    const lan = loadTopologyFile(join(topologies, 'two-subnets.yaml'));
    const path = await tracePath(lan, 'h1', '10.0.1.99', { at: 1e9 });
    expect([path.disposition, path.reason]).toEqual(['DROPPED', 'ARP_FAILED']);
  });
});

describe('tracePath refuses a probe the topology cannot send with a ProbeError naming what would do', () => {
  // vxlan.yaml: hosts h1, h2; switches s1, s2 with underlay addresses; router r1.
  const vxlan = loadTopologyFile(join(topologies, 'vxlan.yaml'));
  const hosts = ['h1', 'h2'];
  const targets = ['h1', 'h2', 's1', 's2', 'r1'];
  const targetsAre = '(nodes with an IPv4 address are h1, h2, s1, s2, r1; or give an IPv4 address)';
  it.each([
    ['an unknown from', 'h9', 'h2', {}, 'from', `from: unknown host "h9"; did you mean "h1"? (hosts with an IPv4 address are h1, h2)`, hosts],
    ['a from that is not a host', 'r1', 'h2', {}, 'from', 'from: r1 is a router; a probe starts at a host (hosts with an IPv4 address are h1, h2)', hosts],
    ['an unknown to', 'h1', 'r9', {}, 'to', `to: "r9" is neither a node nor an IPv4 address; did you mean "r1"? ${targetsAre}`, targets],
    ['a bad address', 'h1', '10.10.0.300', {}, 'to', `to: "10.10.0.300" is neither a node nor an IPv4 address ${targetsAre}`, targets],
    ['a port out of range', 'h1', 'h2', { proto: 'udp', dstPort: 70000 }, 'dstPort', 'dstPort: 70000 is not a port number (1 to 65535)', []],
    ['a protocol it does not send', 'h1', 'h2', { proto: 'sctp' }, 'proto', 'proto: "sctp" is not icmp or udp', ['icmp', 'udp']],
    ['a time that is not whole nanoseconds', 'h1', 'h2', { at: 1.5 }, 'at', 'at: 1.5 is not a virtual time (whole nanoseconds from 0)', []],
    ['a seed wider than 32 bits', 'h1', 'h2', { seed: 2 ** 32 }, 'seed', 'seed: 4294967296 is not a seed (a whole number from 0 to 4294967295)', []],
    ['a from that is not text (JavaScript)', undefined, 'h2', {}, 'from', "from: expected a host's name, got undefined", hosts],
    ['a to that is not text (JavaScript)', 'h1', 7, {}, 'to', "to: expected a node's name or an IPv4 address, got 7", targets],
  ] as const)('%s', async (_case, from, to, options, argument, message, accepted) => {
    const error = await tracePath(vxlan, from as string, to as string, options as Parameters<typeof tracePath>[3]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeError);
    expect(error).toMatchObject({ code: 'NETLOOM_PROBE', argument, message, accepted });
  });

  it('a controller as either end', async () => {
    const learning = loadTopologyFile(join(topologies, 'controller-learning.yaml'));
    const hosts = ['h1', 'h2', 'h3'];
    expect(await tracePath(learning, 'h1', 'c1').catch((e: unknown) => e)).toMatchObject({
      argument: 'to',
      message: 'to: c1 is a controller with no IPv4 address (nodes with an IPv4 address are h1, h2, h3; or give an IPv4 address)',
      accepted: hosts,
    });
    expect(await tracePath(learning, 'c1', 'h2').catch((e: unknown) => e)).toMatchObject({
      argument: 'from',
      message: 'from: c1 is a controller; a probe starts at a host (hosts with an IPv4 address are h1, h2, h3)',
      accepted: hosts,
    });
  });
});

describe('runTopology and verifyIsolation refuse options out of range with a RunOptionError', () => {
  const lan = loadTopologyFile(join(topologies, 'lan.yaml'));
  const tenants = loadTopologyFile(join(topologies, 'tenants-two-switches.yaml'));
  it.each([
    ['an end before the start', () => runTopology(lan, { until: -1 }), 'until', 'until: -1 is not a virtual time (whole nanoseconds from 0, or Infinity)'],
    ['an end between two nanoseconds', () => runTopology(lan, { until: 1.5 }), 'until', 'until: 1.5 is not a virtual time (whole nanoseconds from 0, or Infinity)'],
    ['a seed below 0', () => runTopology(lan, { seed: -1 }), 'seed', 'seed: -1 is not a seed (a whole number from 0 to 4294967295)'],
    ['a time to verify at that is not a number', () => verifyIsolation(tenants, { at: Number.NaN }), 'at', 'at: NaN is not a virtual time (whole nanoseconds from 0)'],
    ['a seed that is not a number (JavaScript)', () => verifyIsolation(tenants, { seed: '1' as unknown as number }), 'seed', 'seed: 1 is not a seed (a whole number from 0 to 4294967295)'],
    ['a capture port that is not there', () => runTopology(lan, { capturePorts: ['h1:eth0', 's1:p9'] }), 'capturePorts', 'capturePorts: unknown port "p9" on s1; did you mean "p1"? (s1 has p1, p2, p3, openflow; or s1:* for all)'],
    ['a capture port that is not text (JavaScript)', () => runTopology(lan, { capturePorts: [7 as unknown as string] }), 'capturePorts', 'capturePorts: expected NODE:PORT, NODE:* or *, got 7'],
  ])('%s', async (_case, run, option, message) => {
    await expect(run()).rejects.toThrow(new RunOptionError(option as RunOption, message.slice(option.length + 2)));
    await expect(run()).rejects.toMatchObject({ code: 'NETLOOM_RUN_OPTION', option, message });
  });

  it('an end of Infinity is no end', async () => {
    expect((await runTopology(lan, { until: Infinity })).passed).toBe(true);
  });
});

describe('lessonPath', () => {
  it('finds a shipped lesson by name, and lists the lessons for an unknown one', () => {
    expect(lessonPath('vxlan')).toBe(join(topologies, 'vxlan.yaml'));
    const error = (() => {
      try {
        return lessonPath('vxlam');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).issues).toMatchObject([{ file: join(topologies, 'vxlam.yaml'), line: 0, message: expect.stringMatching(/^no such lesson; did you mean "vxlan"\? \(lessons are acl, conntrack-firewall, controller-failure, .*, vlan-vs-vxlan, vxlan\)$/) }]);
  });
});
