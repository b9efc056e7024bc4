/**
 * The topology loader: a file using every feature gives exactly the Topology expected (units,
 * defaults, generated MACs, traffic found by name); each kind of mistake gives exactly one
 * message at the right line and column; several mistakes are all reported; and no input at all
 * makes it throw anything but a TopologyError.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { loadTopology, loadTopologyFile } from '../../src/topology/load.js';
import { formatIssue, TopologyError } from '../../src/topology/errors.js';
import type { Topology } from '../../src/topology/types.js';

/** The message lines of the TopologyError that loading `text` throws. */
function problems(text: string, file = 'bad.yaml'): string[] {
  try {
    loadTopology(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError);
    return (error as TopologyError).message.split('\n');
  }
  throw new Error('the topology loaded');
}

const EVERYTHING = `# The file format, every feature once.
seed: 7
defaults:
  link: { latency: 2.5ms, bandwidth: 100Mbps }
nodes:
  h1:
    kind: host
    interfaces:
      eth0: { ipv4: 10.0.1.10/24, ipv6: 2001:DB8:1:0::10/64, mac: 02-00-00-00-01-AB }
    gateway: 10.0.1.1
    arpTimeout: 30s
  h2:
    kind: host
    interfaces: { eth0: { ipv4: [10.0.3.10/24, 10.0.3.11/24] } }
    gateway: 10.0.3.1
  r1:
    kind: router
    interfaces: { eth0: { ipv4: 10.0.1.1/24 }, eth1: { ipv4: 10.0.2.1/24 } }
    routes:
      - { to: 10.0.3.0/24, via: 10.0.2.2 }
      - { to: 0.0.0.0/0, via: 10.0.2.2, interface: eth1 }
      - { to: 10.9.0.0/16, interface: eth1 }
  r2:
    kind: router
    interfaces: { eth0: { ipv4: 10.0.2.2/24 }, eth1: { ipv4: 10.0.3.1/24 } }
    routes: [{ to: 10.0.1.0/24, via: 10.0.2.1 }]
    arpTimeout: 0
  s1: { kind: switch, ports: [p1, p2, p3] }
links:
  - endpoints: [h1:eth0, r1:eth0]
    latency: 2ms
    loss: 1%
    schedule:
      - { at: 5s, state: down }
      - { at: 7s, state: up }
  - { endpoints: [r1:eth1, r2:eth0], jitter: 500us, queue: 50, mtu: 1400, loss: 0.001 }
  - { endpoints: [r2:eth1, s1:p1], bandwidth: 0 }
  - { endpoints: [s1:p2, h2:eth0], bandwidth: 1.5kbps, latency: 0 }
traffic:
  - ping: { from: h1, to: h2 }
  - udp: { from: h1, to: 10.0.3.10, dstPort: 9000 }
  - ping: { from: h2, to: r1, count: 5, interval: 200ms, start: 1.5s, size: 1000, ttl: 2, df: true, timeout: 250ms, name: short ttl }
  - udp: { from: h2, to: h1, dstPort: 53, srcPort: 5353, size: 0, rate: 0.5pps, count: 1, start: 10s, df: true }
expect:
  - delivered: { traffic: 0, min: 3 }
  - delivered: { traffic: short ttl, max: 0 }
  - delivered: { traffic: udp h1 → 10.0.3.10:9000, min: 5, max: 10 }
  - dropped: { node: r1, reason: TTL_EXCEEDED }
  - dropped: { node: r2, reason: LOSS, min: 2 }
  - path: { from: h1, to: h2 }
  - path: { from: h1, to: 10.0.3.10, proto: udp, dstPort: 9000, via: [r1, r2, s1], disposition: DELIVERED, at: 6s }
`;

const ms = 1_000_000;
const s = 1_000_000_000;
const link = { latency: 2.5 * ms, jitter: 0, bandwidth: 100_000_000, queue: 1000, mtu: 1500, loss: 0, schedule: [] };
const v4 = (address: string, prefixLength = 24) => ({ address, prefixLength });

const EXPECTED: Topology = {
  name: 'two-subnets',
  seed: 7,
  nodes: [
    {
      kind: 'host',
      name: 'h1',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:01:ab', ipv4: [v4('10.0.1.10')], ipv6: [{ address: '2001:db8:1::10', prefixLength: 64 }] }],
      gateway: '10.0.1.1',
      arpTimeout: 30 * s,
    },
    {
      kind: 'host',
      name: 'h2',
      interfaces: [{ name: 'eth0', mac: '02:4e:4c:8e:36:1f', ipv4: [v4('10.0.3.10'), v4('10.0.3.11')], ipv6: [] }],
      gateway: '10.0.3.1',
      arpTimeout: 60 * s,
    },
    {
      kind: 'router',
      name: 'r1',
      interfaces: [
        { name: 'eth0', mac: '02:4e:4c:30:f4:e3', ipv4: [v4('10.0.1.1')], ipv6: [] },
        { name: 'eth1', mac: '02:4e:4c:ac:45:b9', ipv4: [v4('10.0.2.1')], ipv6: [] },
      ],
      routes: [
        { prefix: '10.0.3.0', prefixLength: 24, via: '10.0.2.2', interface: 'eth1' },
        { prefix: '0.0.0.0', prefixLength: 0, via: '10.0.2.2', interface: 'eth1' },
        { prefix: '10.9.0.0', prefixLength: 16, interface: 'eth1' },
      ],
      arpTimeout: 60 * s,
    },
    {
      kind: 'router',
      name: 'r2',
      interfaces: [
        { name: 'eth0', mac: '02:4e:4c:17:b2:dc', ipv4: [v4('10.0.2.2')], ipv6: [] },
        { name: 'eth1', mac: '02:4e:4c:83:ef:ec', ipv4: [v4('10.0.3.1')], ipv6: [] },
      ],
      routes: [{ prefix: '10.0.1.0', prefixLength: 24, via: '10.0.2.1', interface: 'eth0' }],
      arpTimeout: 0,
    },
    { kind: 'switch', name: 's1', ports: [{ name: 'p1', ofport: 1 }, { name: 'p2', ofport: 2 }, { name: 'p3', ofport: 3 }], flows: [] },
  ],
  links: [
    {
      ...link,
      endpoints: ['h1:eth0', 'r1:eth0'],
      latency: 2 * ms,
      loss: 0.01,
      schedule: [
        { at: 5 * s, state: 'down' },
        { at: 7 * s, state: 'up' },
      ],
    },
    { ...link, endpoints: ['r1:eth1', 'r2:eth0'], jitter: 500_000, queue: 50, mtu: 1400, loss: 0.001 },
    { ...link, endpoints: ['r2:eth1', 's1:p1'], bandwidth: 0 },
    { ...link, endpoints: ['s1:p2', 'h2:eth0'], bandwidth: 1500, latency: 0 },
  ],
  traffic: [
    { kind: 'ping', name: 'ping h1 → h2', from: 'h1', to: 'h2', count: 3, interval: 1 * s, start: 0, size: 56, ttl: 64, df: false, timeout: 1 * s },
    { kind: 'udp', name: 'udp h1 → 10.0.3.10:9000', from: 'h1', to: '10.0.3.10', dstPort: 9000, srcPort: 40000, size: 100, rate: 10, count: 10, start: 0, df: false },
    { kind: 'ping', name: 'short ttl', from: 'h2', to: 'r1', count: 5, interval: 200 * ms, start: 1.5 * s, size: 1000, ttl: 2, df: true, timeout: 250 * ms },
    { kind: 'udp', name: 'udp h2 → h1:53', from: 'h2', to: 'h1', dstPort: 53, srcPort: 5353, size: 0, rate: 0.5, count: 1, start: 10 * s, df: true },
  ],
  expect: [
    { kind: 'delivered', traffic: 0, min: 3 },
    { kind: 'delivered', traffic: 2, max: 0 },
    { kind: 'delivered', traffic: 1, min: 5, max: 10 },
    { kind: 'dropped', node: 'r1', reason: 'TTL_EXCEEDED', min: 1 },
    { kind: 'dropped', node: 'r2', reason: 'LOSS', min: 2 },
    { kind: 'path', from: 'h1', to: 'h2', proto: 'icmp', via: [], disposition: 'DELIVERED', at: 0 },
    { kind: 'path', from: 'h1', to: '10.0.3.10', proto: 'udp', dstPort: 9000, via: ['r1', 'r2', 's1'], disposition: 'DELIVERED', at: 6 * s },
  ],
};

describe('loadTopology: good files', () => {
  it('gives exactly the Topology: units, defaults, generated MACs, routes, traffic found by name', () => {
    expect(loadTopology(EVERYTHING, 'topologies/two-subnets.yaml')).toStrictEqual(EXPECTED);
  });

  it('reads the same topology written as JSON', () => {
    const json = JSON.stringify(parse(EVERYTHING), null, '\t');
    expect(loadTopology(json, 'two-subnets.json')).toStrictEqual(EXPECTED);
  });

  it('generates MACs: locally administered unicast, the same for the same node:port, never one already given', () => {
    const text = (mac: string) => `nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24${mac} } } }
`;
    const macOf = (t: Topology, node: number) => (t.nodes[node] as { interfaces: { mac: string }[] }).interfaces[0]!.mac;
    const plain = loadTopology(text(''), 'a.yaml');
    const generated = macOf(plain, 0);
    expect(generated).toBe('02:4e:4c:ac:23:09');
    expect(macOf(plain, 1)).toBe('02:4e:4c:8e:36:1f');
    // h2 takes h1's would-be MAC: h1 gets another, still derived from its name alone.
    const taken = loadTopology(text(`, mac: "${generated}"`), 'a.yaml');
    expect(macOf(taken, 1)).toBe(generated);
    expect(macOf(taken, 0)).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(macOf(taken, 0)).not.toBe(generated);
    expect(loadTopology(text(`, mac: "${generated}"`), 'a.yaml')).toStrictEqual(taken);
  });

  it('takes its name from the file when it has none, and null lists as empty', () => {
    const t = loadTopology('nodes: {}\nlinks:\ntraffic:\nexpect:\n', 'labs/empty.lab.yml');
    expect(t).toStrictEqual({ name: 'empty.lab', seed: 1, nodes: [], links: [], traffic: [], expect: [] });
  });

  it("gives a JSON file's syntax error once, in JSON terms, at its line and column", () => {
    expect(problems('{"nodes": {"h1": {"kind": "host"}\n', 'lab.json')).toEqual(["lab.json:2:1: Expected ',' or '}' after property value"]);
    expect(problems('{"nodes": {},\n  "links": [1 2]}', 'lab.json')).toEqual(["lab.json:2:15: Expected ',' or ']' after array element"]);
    expect(problems('{"nodes": {', 'lab.json')).toEqual(["lab.json:1:12: Expected property name or '}'"]);
  });

  it('reads a document nested far deeper than any topology with one message, not a stack overflow', () => {
    const block = `nodes:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(2 * i + 2)}k${i}:\n`).join('')}`;
    expect(problems(block)).toEqual(['bad.yaml:26:51 nodes.k0.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15.k16.k17.k18.k19.k20.k21.k22.k23: the document nests deeper than 25 levels']);
    expect(problems(`nodes: ${'['.repeat(5000)}${']'.repeat(5000)}`)).toEqual(['bad.yaml:1:32 nodes[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: the document nests deeper than 25 levels']);
  });

  it('loads a file from disk, and reports one it cannot read', () => {
    expect(loadTopologyFile('topologies/two-subnets.yaml').name).toBe('two-subnets');
    expect(() => loadTopologyFile('/nonexistent/x.yaml')).toThrow('/nonexistent/x.yaml: cannot read the file: no such file');
  });

  it('reads a file without end (/dev/zero) only up to the size limit, and says so', () => {
    expect(() => loadTopologyFile('/dev/zero')).toThrow('/dev/zero: cannot read the file: it is longer than 64 MiB');
    expect(() => loadTopologyFile('topologies')).toThrow('topologies: cannot read the file: it is a directory');
  });
});

const NODES = `nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.1.10/24 } }, gateway: 10.0.1.1 }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.2.20/24 } }, gateway: 10.0.2.1 }
  r1:
    kind: router
    interfaces: { eth0: { ipv4: 10.0.1.1/24 }, eth1: { ipv4: 10.0.2.1/24 } }
  s1: { kind: switch, ports: [p1, p2] }
`;
const host = (name: string, iface: string) => `  ${name}: { kind: host, interfaces: { eth0: ${iface} } }\n`;

const BAD: [name: string, text: string, lines: string[]][] = [
  ['unknown key, with a suggestion', `${NODES}links:\n  - { endpoints: [h1:eth0, r1:eth0], latncy: 2ms }\n`, [
    'bad.yaml:9:38 links[0]: unknown key "latncy"; did you mean "latency"?',
  ]],
  ['unknown top-level key, with the keys', `${NODES}colour: blue\n`, [
    'bad.yaml:8:1: unknown key "colour" (keys are name, seed, defaults, nodes, links, tenants, platform, capture, traffic, expect)',
  ]],
  ['unknown node kind', `nodes:\n  x1: { kind: hub }\n`, [
    'bad.yaml:2:15 nodes.x1.kind: unknown kind "hub" (kinds are host, router, switch, controller)',
  ]],
  ['missing kind', `nodes:\n  x1: { ports: [p1] }\n`, [
    'bad.yaml:2:3 nodes.x1: missing required key "kind"',
  ]],
  ['node name not a name', `nodes:\n  1x: { kind: switch, ports: [p1] }\n`, [
    'bad.yaml:2:3 nodes["1x"]: node name "1x" must start with a letter and hold only letters, digits, _ and -',
  ]],
  ['ESP settings on a GRE port, and an esp port without them', `nodes:
  s1:
    kind: switch
    underlay: { port: eth1, ipv4: 192.168.1.1/24 }
    ports:
      g0: { type: gre, remoteIp: 192.168.1.2, esp: { alg: aes-gcm-128, key: "0x000102030405060708090a0b0c0d0e0f01020304", spiOut: 256, spiIn: 257 } }
      e0: { type: esp, remoteIp: 192.168.1.3 }
`, [
    'bad.yaml:6:52 nodes.s1.ports.g0.esp: a GRE tunnel protected by ESP is type: esp',
    'bad.yaml:7:11 nodes.s1.ports.e0: e0 is an esp tunnel and needs esp: { alg, key, spiOut, spiIn }',
  ]],
  ['an underlay gateway off the underlay subnet', `nodes:\n  s1: { kind: switch, underlay: { port: eth1, ipv4: 192.168.1.1/24, gateway: 192.168.9.254 }, ports: [p1] }\n`, [
    "bad.yaml:2:78 nodes.s1.underlay.gateway: 192.168.9.254 is not on s1's underlay subnet (192.168.1.0/24): tunnel packets could not reach it",
  ]],
  ['tunnel endpoints and gateways with no underlay address of their family', `nodes:
  s1:
    kind: switch
    underlay: { port: eth1, ipv6: 2001:db8::1/64, gateway: 192.168.1.254 }
    ports: { v0: { type: vxlan, remoteIp: 192.168.1.2 }, v1: { type: vxlan, remoteIp: 2001:db8::2 } }
  s2: { kind: switch, underlay: { port: eth1, ipv6: 2001:db8:1::1/64, gateway: 2001:db8:2::1 }, ports: [p1] }
  s3: { kind: switch, underlay: { port: eth1 }, ports: [p1] }
`, [
    "bad.yaml:4:60 nodes.s1.underlay.gateway: 192.168.1.254 is an IPv4 gateway and s1's underlay has no ipv4 address",
    "bad.yaml:5:43 nodes.s1.ports.v0.remoteIp: 192.168.1.2 is an IPv4 endpoint and s1's underlay has no ipv4 address to send from",
    "bad.yaml:6:80 nodes.s2.underlay.gateway: 2001:db8:2::1 is not on s2's underlay subnet (2001:db8:1::/64): tunnel packets could not reach it",
    'bad.yaml:7:33 nodes.s3.underlay: the underlay needs a local tunnel endpoint address: ipv4, ipv6 or both',
  ]],
  ['a router with two interfaces on overlapping subnets', `nodes:\n  r1: { kind: router, interfaces: { eth0: { ipv4: 10.0.0.1/24 }, eth1: { ipv4: 10.0.0.129/25 } } }\n`, [
    "bad.yaml:2:80 nodes.r1.interfaces.eth1.ipv4: 10.0.0.128/25 on eth1 overlaps eth0's 10.0.0.0/24: a router's interfaces are on different subnets",
  ]],
  ['bad IPv4 address', `nodes:\n${host('h1', '{ ipv4: 10.0.1.256/24 }')}`, [
    'bad.yaml:2:49 nodes.h1.interfaces.eth0.ipv4: "10.0.1.256/24" is not an IPv4 address with a prefix length (e.g. 10.0.1.10/24)',
  ]],
  ['IPv4 address without a prefix length', `nodes:\n${host('h1', '{ ipv4: 10.0.1.10 }')}`, [
    'bad.yaml:2:49 nodes.h1.interfaces.eth0.ipv4: "10.0.1.10" has no prefix length (e.g. 10.0.1.10/24)',
  ]],
  ['the network address on an interface', `nodes:\n${host('h1', '{ ipv4: 10.0.1.0/24 }')}`, [
    'bad.yaml:2:49 nodes.h1.interfaces.eth0.ipv4: 10.0.1.0/24 is the network address of its subnet, not a host address',
  ]],
  ['one bad address in a list', `nodes:\n${host('h1', '{ ipv4: [10.0.1.10/24, 10.0.2/24] }')}`, [
    'bad.yaml:2:64 nodes.h1.interfaces.eth0.ipv4[1]: "10.0.2/24" is not an IPv4 address with a prefix length (e.g. 10.0.1.10/24)',
  ]],
  ['bad IPv6 address', `nodes:\n${host('h1', '{ ipv6: 2001:db8::g/64 }')}`, [
    'bad.yaml:2:49 nodes.h1.interfaces.eth0.ipv6: "2001:db8::g/64" is not an IPv6 address with a prefix length (e.g. 2001:db8::10/64)',
  ]],
  ['bad MAC', `nodes:\n${host('h1', '{ ipv4: 10.0.1.10/24, mac: 02:00:00:00:01 }')}`, [
    'bad.yaml:2:68 nodes.h1.interfaces.eth0.mac: "02:00:00:00:01" is not a MAC address (e.g. 02:00:00:00:01:10)',
  ]],
  ['multicast MAC', `nodes:\n${host('h1', '{ ipv4: 10.0.1.10/24, mac: 01:00:5e:00:00:01 }')}`, [
    'bad.yaml:2:68 nodes.h1.interfaces.eth0.mac: 01:00:5e:00:00:01 is a multicast MAC; an interface needs a unicast one',
  ]],
  ['duplicate MAC', `nodes:\n${host('h1', '{ mac: 02:00:00:00:00:01 }')}${host('h2', '{ mac: 02-00-00-00-00-01 }')}`, [
    'bad.yaml:3:48 nodes.h2.interfaces.eth0.mac: MAC 02:00:00:00:00:01 is also on h1:eth0',
  ]],
  ['duplicate IP address across nodes', `nodes:\n${host('h1', '{ ipv4: 10.0.1.10/24 }')}${host('h2', '{ ipv4: 10.0.1.10/16 }')}`, [
    'bad.yaml:3:49 nodes.h2.interfaces.eth0.ipv4: 10.0.1.10 is also on h1:eth0',
  ]],
  ['duplicate IPv6 address, written differently', `nodes:\n${host('h1', '{ ipv6: 2001:db8::1/64 }')}${host('h2', '{ ipv6: "2001:DB8:0::1/64" }')}`, [
    'bad.yaml:3:49 nodes.h2.interfaces.eth0.ipv6: 2001:db8::1 is also on h1:eth0',
  ]],
  ['a switch underlay with the address and MAC of a host', `nodes:\n${host('h1', '{ ipv4: 10.0.1.10/24, mac: 02:00:00:00:00:01 }')}  s1: { kind: switch, ports: [p1], underlay: { port: up, ipv4: 10.0.1.10/24, mac: 02:00:00:00:00:01 } }\n`, [
    'bad.yaml:3:64 nodes.s1.underlay.ipv4: 10.0.1.10 is also on h1:eth0',
    'bad.yaml:3:83 nodes.s1.underlay.mac: MAC 02:00:00:00:00:01 is also on h1:eth0',
  ]],
  ['interface that is not a map', `nodes:\n${host('h1', '[10.0.1.10/24]')}`, [
    'bad.yaml:2:41 nodes.h1.interfaces.eth0: expected a map, got a list',
  ]],
  ['gateway not on a connected subnet', `nodes:\n  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.1.10/24 } }, gateway: 10.0.2.1 }\n`, [
    'bad.yaml:2:76 nodes.h1.gateway: 10.0.2.1 is not on a subnet of h1 (10.0.1.0/24)',
  ]],
  ['gateway is the host itself', `nodes:\n  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.1.10/24 } }, gateway: 10.0.1.10 }\n`, [
    'bad.yaml:2:76 nodes.h1.gateway: 10.0.1.10 is h1\'s own address; the gateway is the next router',
  ]],
  ['gateway with a prefix length', `nodes:\n  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.1.10/24 } }, gateway: 10.0.1.1/24 }\n`, [
    'bad.yaml:2:76 nodes.h1.gateway: "10.0.1.1/24" is not an IPv4 address (no prefix length here)',
  ]],
  ['route with host bits set', `nodes:\n  r1:\n    kind: router\n    interfaces: { eth0: { ipv4: 10.0.1.1/24 } }\n    routes:\n      - { to: 10.0.3.1/24, via: 10.0.1.2 }\n`, [
    'bad.yaml:6:15 nodes.r1.routes[0].to: 10.0.3.1/24 has host bits set; did you mean 10.0.3.0/24?',
  ]],
  ['route via not on a connected subnet', `nodes:\n  r1:\n    kind: router\n    interfaces: { eth0: { ipv4: 10.0.1.1/24 } }\n    routes:\n      - { to: 10.0.3.0/24, via: 10.0.9.2 }\n`, [
    'bad.yaml:6:33 nodes.r1.routes[0].via: 10.0.9.2 is not on a connected subnet of r1 (10.0.1.0/24)',
  ]],
  ['route via not on the given interface', `nodes:\n  r1:\n    kind: router\n    interfaces: { eth0: { ipv4: 10.0.1.1/24 }, eth1: { ipv4: 10.0.2.1/24 } }\n    routes:\n      - { to: 0.0.0.0/0, via: 10.0.1.2, interface: eth1 }\n`, [
    'bad.yaml:6:31 nodes.r1.routes[0].via: 10.0.1.2 is not on the subnet of r1:eth1 (10.0.2.0/24)',
  ]],
  ['route interface unknown', `nodes:\n  r1:\n    kind: router\n    interfaces: { eth0: { ipv4: 10.0.1.1/24 }, eth1: { ipv4: 10.0.2.1/24 } }\n    routes:\n      - { to: 10.9.0.0/16, interface: eth2 }\n`, [
    'bad.yaml:6:39 nodes.r1.routes[0].interface: unknown interface "eth2"; did you mean "eth0"? (r1 has eth0, eth1)',
  ]],
  ['route with neither via nor interface', `nodes:\n  r1:\n    kind: router\n    interfaces: { eth0: { ipv4: 10.0.1.1/24 } }\n    routes:\n      - { to: 10.9.0.0/16 }\n`, [
    'bad.yaml:6:9 nodes.r1.routes[0]: a route needs via, interface or both',
  ]],
  ['two routes to one prefix', `nodes:\n  r1:\n    kind: router\n    interfaces: { eth0: { ipv4: 10.0.1.1/24 } }\n    routes:\n      - { to: 10.9.0.0/16, via: 10.0.1.2 }\n      - { to: 10.9.0.0/16, via: 10.0.1.3 }\n`, [
    'bad.yaml:7:15 nodes.r1.routes[1].to: a second route to 10.9.0.0/16 (the first is routes[0])',
  ]],
  ['duplicate switch port', `nodes:\n  s1: { kind: switch, ports: [p1, p2, p1] }\n`, [
    'bad.yaml:2:39 nodes.s1.ports[2]: duplicate port "p1"',
  ]],
  ['endpoint not node:port', `${NODES}links:\n  - endpoints: [h1:eth0, r1]\n`, [
    'bad.yaml:9:26 links[0].endpoints[1]: expected node:port, got "r1"',
  ]],
  ['a link with one endpoint', `${NODES}links:\n  - endpoints: [h1:eth0]\n`, [
    'bad.yaml:9:16 links[0].endpoints: expected two endpoints, [node:port, node:port], got 1 endpoint',
  ]],
  ['capture points that are not ports', `${NODES}capture: [h1:eth0, s1:p3, r2:*, s1, s1:openflow, '*']\n`, [
    'bad.yaml:8:20 capture[1]: unknown port "p3" on s1; did you mean "p1"? (s1 has p1, p2, openflow; or s1:* for all)',
    'bad.yaml:8:27 capture[2]: unknown node "r2"; did you mean "h2"? (nodes are h1, h2, r1, s1)',
    'bad.yaml:8:33 capture[3]: "s1" is not NODE:PORT, NODE:* or *',
  ]],
  ['a tunnel port as a capture point (what it sends is on the underlay port)', `nodes:\n  s1: { kind: switch, underlay: { port: eth1, ipv4: 192.168.1.1/24 }, ports: { p1: {}, vx0: { type: vxlan, remoteIp: 192.168.1.2, key: 5 } } }\ncapture: [s1:vx0]\n`, [
    'bad.yaml:3:11 capture[0]: unknown port "vx0" on s1 (s1 has p1, eth1, openflow; or s1:* for all)',
  ]],
  ['an empty capture list', `${NODES}capture: []\n`, [
    'bad.yaml:8:10 capture: name at least one port (NODE:PORT, NODE:* or *)',
  ]],
  ['unknown node in a link', `${NODES}links:\n  - endpoints: [h1:eth0, s9:p1]\n`, [
    'bad.yaml:9:26 links[0].endpoints[1]: unknown node "s9"; did you mean "s1"? (nodes are h1, h2, r1, s1)',
  ]],
  ['unknown port in a link', `${NODES}links:\n  - endpoints: [h1:eth1, s1:p3]\n`, [
    'bad.yaml:9:17 links[0].endpoints[0]: unknown interface "eth1" on h1; did you mean "eth0"? (h1 has eth0)',
    'bad.yaml:9:26 links[0].endpoints[1]: unknown port "p3" on s1; did you mean "p1"? (s1 has p1, p2)',
  ]],
  ['a port on two links', `${NODES}links:\n  - endpoints: [h1:eth0, s1:p1]\n  - endpoints: [r1:eth0, h1:eth0]\n`, [
    'bad.yaml:10:26 links[1].endpoints[1]: h1:eth0 is already used by links[0]',
  ]],
  ['a link from a port to itself', `${NODES}links:\n  - endpoints: [s1:p1, s1:p1]\n`, [
    'bad.yaml:9:24 links[0].endpoints[1]: both endpoints are s1:p1; a link joins two different ports',
  ]],
  ['a duration without a unit', `${NODES}links:\n  - { endpoints: [h1:eth0, r1:eth0], latency: 5 }\n`, [
    'bad.yaml:9:47 links[0].latency: 5 needs a unit: 5s, 5ms, 5us or 5ns',
  ]],
  ['a duration in fractions of a nanosecond', `${NODES}links:\n  - { endpoints: [h1:eth0, r1:eth0], jitter: 0.5ns }\n`, [
    'bad.yaml:9:46 links[0].jitter: "0.5ns" is not a whole number of nanoseconds',
  ]],
  ['a bandwidth in bytes', `${NODES}links:\n  - { endpoints: [h1:eth0, r1:eth0], bandwidth: 10MBs }\n`, [
    'bad.yaml:9:49 links[0].bandwidth: "10MBs" is not a bandwidth; write a number and a unit: bps, kbps, Mbps or Gbps (e.g. 100Mbps)',
  ]],
  ['loss above 100%', `${NODES}links:\n  - { endpoints: [h1:eth0, r1:eth0], loss: 150% }\n`, [
    'bad.yaml:9:44 links[0].loss: "150%" is not a fraction in 0-1 or a percentage in 0%-100% (e.g. 0.01 or 1%)',
  ]],
  ['MTU too small', `${NODES}defaults:\n  link: { mtu: 40 }\n`, [
    'bad.yaml:9:16 defaults.link.mtu: expected an integer in 68-65535, got 40',
  ]],
  ['schedule not increasing', `${NODES}links:\n  - endpoints: [h1:eth0, r1:eth0]\n    schedule:\n      - { at: 5s, state: down }\n      - { at: 5s, state: up }\n`, [
    'bad.yaml:12:15 links[0].schedule[1].at: 5s is not after the previous change at 5s; times must increase',
  ]],
  ['schedule with an unknown state', `${NODES}links:\n  - endpoints: [h1:eth0, r1:eth0]\n    schedule: [{ at: 1s, state: flapping }]\n`, [
    'bad.yaml:10:33 links[0].schedule[0].state: unknown state "flapping" (states are down, up)',
  ]],
  ['traffic from a switch', `${NODES}traffic:\n  - ping: { from: s1, to: h2 }\n`, [
    'bad.yaml:9:19 traffic[0].ping.from: s1 is a switch; traffic starts at a host',
  ]],
  ['traffic from a router', `${NODES}traffic:\n  - udp: { from: r1, to: h2, dstPort: 9 }\n`, [
    'bad.yaml:9:18 traffic[0].udp.from: r1 is a router; traffic starts at a host',
  ]],
  ['traffic to an unknown node', `${NODES}traffic:\n  - ping: { from: h1, to: h3 }\n`, [
    'bad.yaml:9:27 traffic[0].ping.to: unknown node "h3"; did you mean "h1"? (nodes are h1, h2, r1, s1)',
  ]],
  ['traffic to a bad address', `${NODES}traffic:\n  - ping: { from: h1, to: 10.0.2.256 }\n`, [
    'bad.yaml:9:27 traffic[0].ping.to: "10.0.2.256" is not a node name or an IPv4 address',
  ]],
  ['traffic to a switch', `${NODES}traffic:\n  - ping: { from: h1, to: s1 }\n`, [
    'bad.yaml:9:27 traffic[0].ping.to: s1 is a switch and has no IPv4 address',
  ]],
  ['traffic to a node without an IPv4 address', `nodes:\n${host('h1', '{ ipv4: 10.0.1.10/24 }')}${host('h2', '{ ipv6: 2001:db8::2/64 }')}traffic:\n  - ping: { from: h1, to: h2 }\n`, [
    'bad.yaml:5:27 traffic[0].ping.to: h2 has no IPv4 address',
  ]],
  ['ping count below 1', `${NODES}traffic:\n  - ping: { from: h1, to: h2, count: 0 }\n`, [
    'bad.yaml:9:38 traffic[0].ping.count: expected an integer in 1-9007199254740991, got 0',
  ]],
  ['ping size too large', `${NODES}traffic:\n  - ping: { from: h1, to: h2, size: 65508 }\n`, [
    'bad.yaml:9:37 traffic[0].ping.size: expected an integer in 0-65507, got 65508',
  ]],
  ['UDP size too large', `${NODES}traffic:\n  - udp: { from: h1, to: h2, dstPort: 9, size: 70000 }\n`, [
    'bad.yaml:9:48 traffic[0].udp.size: expected an integer in 0-65507, got 70000',
  ]],
  ['UDP port out of range', `${NODES}traffic:\n  - udp: { from: h1, to: h2, dstPort: 65536, srcPort: 0 }\n`, [
    'bad.yaml:9:39 traffic[0].udp.dstPort: expected an integer in 1-65535, got 65536',
    'bad.yaml:9:55 traffic[0].udp.srcPort: expected an integer in 1-65535, got 0',
  ]],
  ['UDP without dstPort', `${NODES}traffic:\n  - udp: { from: h1, to: h2 }\n`, [
    'bad.yaml:9:5 traffic[0].udp: missing required key "dstPort"',
  ]],
  ['a traffic item of an unknown kind', `${NODES}traffic:\n  - tcp: { from: h1, to: h2 }\n`, [
    'bad.yaml:9:5 traffic[0]: unknown key "tcp" (keys are ping, udp)',
  ]],
  ['a traffic item of two kinds', `${NODES}traffic:\n  - { ping: { from: h1, to: h2 }, udp: { from: h1, to: h2, dstPort: 9 } }\n`, [
    'bad.yaml:9:35 traffic[0]: one of ping or udp per list item, found ping and udp',
  ]],
  ['two traffic items with one name', `${NODES}traffic:\n  - ping: { from: h1, to: h2, name: probe }\n  - ping: { from: h2, to: h1, name: probe }\n`, [
    'bad.yaml:10:37 traffic[1].ping.name: traffic[0] is also named "probe"',
  ]],
  ['expectation of an unknown traffic index', `${NODES}traffic:\n  - ping: { from: h1, to: h2 }\nexpect:\n  - delivered: { traffic: 1, min: 1 }\n`, [
    'bad.yaml:11:27 expect[0].delivered.traffic: no traffic[1]: the file has one traffic item, traffic[0]',
  ]],
  ['expectation of an unknown traffic name', `${NODES}traffic:\n  - ping: { from: h1, to: h2 }\nexpect:\n  - delivered: { traffic: ping h1 → h3, min: 1 }\n`, [
    'bad.yaml:11:27 expect[0].delivered.traffic: unknown traffic "ping h1 → h3"; did you mean "ping h1 → h2"? (traffic is "ping h1 → h2")',
  ]],
  ['expectation of an ambiguous default name', `${NODES}traffic:\n  - ping: { from: h1, to: h2 }\n  - ping: { from: h1, to: h2, start: 5s }\nexpect:\n  - delivered: { traffic: ping h1 → h2, min: 1 }\n`, [
    'bad.yaml:12:27 expect[0].delivered.traffic: "ping h1 → h2" is the name of traffic[0] and traffic[1]; use an index, or name them apart',
  ]],
  ['delivered without min or max', `${NODES}traffic:\n  - ping: { from: h1, to: h2 }\nexpect:\n  - delivered: { traffic: 0 }\n`, [
    'bad.yaml:11:16 expect[0].delivered: give min, max or both',
  ]],
  ['delivered with min above max', `${NODES}traffic:\n  - ping: { from: h1, to: h2 }\nexpect:\n  - delivered: { traffic: 0, min: 3, max: 2 }\n`, [
    'bad.yaml:11:35 expect[0].delivered.min: min 3 is above max 2',
  ]],
  ['drops at an unknown node', `${NODES}expect:\n  - dropped: { node: r2, reason: NO_ROUTE }\n`, [
    'bad.yaml:9:22 expect[0].dropped.node: unknown node "r2"; did you mean "h2"? (nodes are h1, h2, r1, s1)',
  ]],
  ['drops for an unknown reason', `${NODES}expect:\n  - dropped: { node: r1, reason: TTL_EXPIRED }\n`, [
    'bad.yaml:9:34 expect[0].dropped.reason: unknown reason "TTL_EXPIRED" (reasons are MTU_EXCEEDED, QUEUE_FULL, LOSS, LINK_DOWN, NO_LINK, TTL_EXCEEDED, NO_ROUTE, ARP_FAILED, NOT_FOR_US, PORT_UNREACHABLE, REASSEMBLY_TIMEOUT, FLOW_DROP, LOOP, BAD_PACKET)',
  ]],
  ['a path with an unknown disposition', `${NODES}expect:\n  - path: { from: h1, to: h2, disposition: BLACKHOLED }\n`, [
    'bad.yaml:9:44 expect[0].path.disposition: unknown disposition "BLACKHOLED" (dispositions are DELIVERED, DROPPED, LOOP, NO_ROUTE, TTL_EXCEEDED, MTU_EXCEEDED, ISOLATED)',
  ]],
  ['a path from a router', `${NODES}expect:\n  - path: { from: r1, to: h2 }\n`, [
    'bad.yaml:9:19 expect[0].path.from: r1 is a router; a probe starts at a host',
  ]],
  ['a path via an unknown node', `${NODES}expect:\n  - path: { from: h1, to: h2, via: [r1, r2] }\n`, [
    'bad.yaml:9:41 expect[0].path.via[1]: unknown node "r2"; did you mean "h2"? (nodes are h1, h2, r1, s1)',
  ]],
  ['a UDP path without dstPort', `${NODES}expect:\n  - path: { from: h1, to: h2, proto: udp }\n`, [
    'bad.yaml:9:38 expect[0].path.proto: a udp path needs dstPort',
  ]],
  ['an ICMP path with dstPort', `${NODES}expect:\n  - path: { from: h1, to: h2, dstPort: 53 }\n`, [
    'bad.yaml:9:40 expect[0].path.dstPort: dstPort is for proto: udp',
  ]],
  ['duplicate YAML key', `${NODES}links:\n  - endpoints: [h1:eth0, r1:eth0]\n    latency: 1ms\n    latency: 2ms\n`, [
    'bad.yaml:11:5 links[0]: duplicate key "latency"',
  ]],
  ['YAML syntax error', `${NODES}links:\n  - endpoints: [h1:eth0, r1:eth0\n`, [
    'bad.yaml:10:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]],
  ['tab indentation', `nodes:\n\th1: { kind: host }\n`, [
    'bad.yaml:2:1: Tabs are not allowed as indentation',
  ]],
  ['two YAML documents', `${NODES}---\nnodes: {}\n`, [
    'bad.yaml:8:1: a topology file holds one YAML document; this is a second one',
  ]],
  ['an empty file', ``, [
    'bad.yaml:1:1: the file is empty; a topology needs at least "nodes"',
  ]],
  ['a list, not a map', `- h1\n- h2\n`, [
    'bad.yaml:1:1: expected a map with name, seed, defaults, nodes, links, tenants, platform, capture, traffic, expect, got a list',
  ]],
  ['no nodes', `links: []\n`, [
    'bad.yaml:1:1: missing required key "nodes"',
  ]],
  ['seed out of range', `${NODES}seed: 4294967296\n`, [
    'bad.yaml:8:7 seed: expected an integer in 0-4294967295, got 4294967296',
  ]],
  ['a link to a node with problems of its own', `nodes:\n  h1: { kind: hots, interfaces: { eth0: {} } }\n  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.1.2/24 } } }\nlinks:\n  - endpoints: [h1:eth0, h2:eth0]\n  - endpoints: [h1:eth9, h2:eth9]\n`, [
    'bad.yaml:2:15 nodes.h1.kind: unknown kind "hots"; did you mean "host"? (kinds are host, router, switch, controller)',
    'bad.yaml:6:26 links[1].endpoints[1]: unknown interface "eth9" on h2; did you mean "eth0"? (h2 has eth0)',
  ]],
];

describe('loadTopology: one message per mistake, at its line and column', () => {
  it('starts from a topology with no mistakes', () => {
    expect(loadTopology(NODES, 'bad.yaml').nodes).toHaveLength(4);
  });

  it.each(BAD)('%s', (_name, text, lines) => {
    expect(problems(text)).toEqual(lines);
  });

  it('reports every problem at once, in file order, with its parts', () => {
    const text = `name: many
seed: -1
nodes:
  h1:
    kind: host
    interfaces: { eth0: { ipv4: 10.0.1.10/24, mac: 02:00:00:00:00:01 } }
    gateway: 10.0.9.1
  h2: { kind: hots, interfaces: { eth0: { ipv4: 10.0.1.20/24 } } }
  r1:
    kind: router
    interfaces: { eth0: { ipv4: 10.0.1.10/24, mac: 02:00:00:00:00:01 } }
    routes: [{ to: 10.0.3.1/24, via: 10.0.1.2 }]
links:
  - { endpoints: [h1:eth0, s9:p1], latncy: 2ms }
  - { endpoints: [h2:eth0, r1:eth1], loss: 2 }
traffic:
  - ping: { from: r1, to: h3, count: 0 }
expect:
  - dropped: { node: r1, reason: TTL_EXCEDED }
  - delivered: { traffic: 4, min: 1 }
`;
    let error: TopologyError | undefined;
    try {
      loadTopology(text, 'many.yaml');
    } catch (e) {
      error = e as TopologyError;
    }
    expect(error?.code).toBe('NETLOOM_TOPOLOGY');
    expect(error?.issues[0]).toEqual({ file: 'many.yaml', line: 2, column: 7, path: 'seed', message: 'expected an integer in 0-4294967295, got -1' });
    expect(error?.issues.map(formatIssue).join('\n')).toBe(error?.message);
    expect(error?.message.split('\n')).toEqual([
      'many.yaml:2:7 seed: expected an integer in 0-4294967295, got -1',
      'many.yaml:7:14 nodes.h1.gateway: 10.0.9.1 is not on a subnet of h1 (10.0.1.0/24)',
      'many.yaml:8:15 nodes.h2.kind: unknown kind "hots"; did you mean "host"? (kinds are host, router, switch, controller)',
      'many.yaml:11:33 nodes.r1.interfaces.eth0.ipv4: 10.0.1.10 is also on h1:eth0',
      'many.yaml:11:52 nodes.r1.interfaces.eth0.mac: MAC 02:00:00:00:00:01 is also on h1:eth0',
      'many.yaml:12:20 nodes.r1.routes[0].to: 10.0.3.1/24 has host bits set; did you mean 10.0.3.0/24?',
      'many.yaml:14:28 links[0].endpoints[1]: unknown node "s9" (nodes are h1, h2, r1)',
      'many.yaml:14:36 links[0]: unknown key "latncy"; did you mean "latency"?',
      'many.yaml:15:28 links[1].endpoints[1]: unknown interface "eth1" on r1; did you mean "eth0"? (r1 has eth0)',
      'many.yaml:15:44 links[1].loss: 2 is not a fraction in 0-1 or a percentage in 0%-100% (e.g. 0.01 or 1%)',
      'many.yaml:17:19 traffic[0].ping.from: r1 is a router; traffic starts at a host',
      'many.yaml:17:27 traffic[0].ping.to: unknown node "h3"; did you mean "h1"? (nodes are h1, h2, r1)',
      'many.yaml:17:38 traffic[0].ping.count: expected an integer in 1-9007199254740991, got 0',
      'many.yaml:19:34 expect[0].dropped.reason: unknown reason "TTL_EXCEDED"; did you mean "TTL_EXCEEDED"? (reasons are MTU_EXCEEDED, QUEUE_FULL, LOSS, LINK_DOWN, NO_LINK, TTL_EXCEEDED, NO_ROUTE, ARP_FAILED, NOT_FOR_US, PORT_UNREACHABLE, REASSEMBLY_TIMEOUT, FLOW_DROP, LOOP, BAD_PACKET)',
      'many.yaml:20:27 expect[1].delivered.traffic: no traffic[4]: the file has one traffic item, traffic[0]',
    ]);
  });
});

describe('loadTopology: any input gives a Topology or a TopologyError', () => {
  const check = (text: string) => {
    try {
      const topology = loadTopology(text, 'fuzz.yaml');
      expect(Array.isArray(topology.nodes)).toBe(true);
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      expect(error.issues.length).toBeGreaterThan(0);
      for (const issue of error.issues) {
        expect(issue.line).toBeGreaterThanOrEqual(1);
        expect(issue.column).toBeGreaterThanOrEqual(1);
        expect(issue.message).not.toBe('');
      }
    }
  };

  const WORDS = [
    'nodes', 'links', 'traffic', 'expect', 'defaults', 'link', 'name', 'seed', 'h1', 'h2', 'r1', 's1', 'kind', 'host', 'router', 'switch',
    'interfaces', 'eth0', 'eth1', 'ipv4', 'ipv6', 'mac', 'gateway', 'routes', 'to', 'via', 'interface', 'ports', 'p1', 'endpoints',
    'h1:eth0', 'r1:eth0', 's1:p1', 'latency', 'jitter', 'bandwidth', 'queue', 'mtu', 'loss', 'schedule', 'at', 'state', 'down', 'ping',
    'udp', 'from', 'count', 'size', 'rate', 'dstPort', 'delivered', 'dropped', 'path', 'reason', 'min', 'max', 'disposition',
    '10.0.1.10/24', '10.0.1.1', '0.0.0.0/0', '2001:db8::1/64', '02:00:00:00:00:01', '1ms', '2.5s', '1Gbps', '10pps', '0', '1', '-1', '1%',
    '1e999', '.nan', 'null', 'true', '~', '&a', '*a', '!!str', '!!binary', '!x', '<<', '?', '|', '>', '"', "'", '#', '{', '}', '[', ']',
    ',', ':', '-', ': ', '- ', '\t', '%YAML 1.2', '---', '...', '\\u0000', 'µs',
  ];
  const word = fc.constantFrom(...WORDS);
  const line = fc.tuple(fc.integer({ min: 0, max: 8 }), fc.array(word, { maxLength: 6 })).map(([indent, words]) => ' '.repeat(indent) + words.join(' '));
  const yamlish = fc.array(line, { maxLength: 30 }).map((lines) => lines.join('\n'));

  it('YAML-ish token soup', () => {
    fc.assert(fc.property(yamlish, check), { numRuns: 400 });
  });

  it('random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 200 });
  });

  it('documents of the right words in the wrong places', () => {
    const key = fc.constantFrom(...WORDS.slice(0, 60));
    const leaf = fc.oneof(word, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const value = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
    })).value;
    fc.assert(fc.property(fc.dictionary(key, value, { maxKeys: 7 }), (doc) => check(stringify(doc))), { numRuns: 400 });
  });

  it('a good file with a few characters changed', () => {
    const edit = fc.tuple(fc.nat({ max: EVERYTHING.length }), fc.nat({ max: 4 }), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = EVERYTHING;
        for (const [at, remove, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + remove);
        check(text);
      }),
      { numRuns: 400 },
    );
  });

  it('aliases: cycles are harmless and a billion laughs is refused', () => {
    check('nodes: &n { h1: *n }\nlinks: &l [*l]\n');
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) laughs.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(', ')}]`);
    expect(problems(`${laughs.join('\n')}\nnodes: {}\n`)[0]).toMatch(/^bad\.yaml:1:1: .*alias/i);
  });
});
