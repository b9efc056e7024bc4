import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/topology/load.js';
import { TopologyError } from '../../src/topology/errors.js';

const issues = (text: string) => {
  try {
    loadTopology(text, 'sw.yaml');
  } catch (error) {
    if (error instanceof TopologyError) return error.message.split('\n');
    throw error;
  }
  return [];
};

describe('switches in topology files', () => {
  it('reads ports with OpenFlow numbers and VLAN roles, and flows', () => {
    const t = loadTopology(
      ['nodes:', '  s1:', '    kind: switch', '    ports: { a: { tag: 10 }, b: { ofport: 7, trunks: [10, 20] }, c: ~ }', '    flows: [in_port=a actions=output:b]'].join('\n'),
      'sw.yaml',
    );
    expect(t.nodes[0]).toEqual({
      kind: 'switch', name: 's1', flows: ['in_port=a actions=output:b'],
      ports: [{ name: 'a', ofport: 1, tag: 10 }, { name: 'b', ofport: 7, trunks: [10, 20] }, { name: 'c', ofport: 3 }],
    });
  });

  it('places a flow mistake inside its string, quoted or not', () => {
    expect(
      issues(['nodes:', '  s1:', '    kind: switch', '    ports: [p1, p2]', '    flows:', '      - in_port=p1,actions=output:p2', '      - "tcp,tp_dst=80,actions=frob"', '      - tp_dst=22,actions=drop'].join('\n')),
    ).toEqual([
      'sw.yaml:7:32 nodes.s1.flows[1]: unknown action "frob"',
      'sw.yaml:8:9 nodes.s1.flows[2]: tp_dst needs tcp, udp or sctp (or their 6 forms) in the match (ovs-ofctl would silently drop tp_dst from this flow)',
    ]);
  });

  it('reads meters beside flows; a meter mistake is placed inside its string, a second meter of one id and a flow whose meter is not declared are refused', () => {
    const t = loadTopology(['nodes:', '  s1:', '    kind: switch', '    ports: [p1, p2]', '    meters: ["meter=1 kbps bands=type=drop rate=100"]', '    flows: [in_port=p1 actions=meter:1 output:p2]'].join('\n'), 'sw.yaml');
    expect(t.nodes[0]).toMatchObject({ meters: ['meter=1 kbps bands=type=drop rate=100'], flows: ['in_port=p1 actions=meter:1 output:p2'] });
    expect(
      issues([
        'nodes:', '  s1:', '    kind: switch', '    ports: [p1, p2]', '    meters:', '      - "meter=1 kbps bands=type=drop rate=100"', '      - meter=2 kbps bands=type=mark rate=1', '      - "meter=1 pktps bands=type=drop rate=5"',
        '    flows:', '      - in_port=p1,actions=meter:2,output:p2',
      ].join('\n')),
    ).toEqual([
      'sw.yaml:7:33 nodes.s1.meters[1]: field type unknown value mark (drop or dscp_remark)',
      'sw.yaml:8:9 nodes.s1.meters[2]: meter 1 exists (OFPMMFC_METER_EXISTS)',
      "sw.yaml:10:28 nodes.s1.flows[0]: meter 2 is not among this switch's meters (declare it under meters:); OVS refuses the flow (OFPMMFC_INVALID_METER)",
    ]);
  });

  it('checks flows as plain ovs-ofctl does, or as -O OpenFlow13 does with protocols: OpenFlow13', () => {
    const yaml = (protocols: string[]) => ['nodes:', '  s1:', '    kind: switch', '    ports: [p1, p2]', ...protocols, '    flows:', '      - in_port=p1 actions=strip_vlan,output:p2'].join('\n');
    expect(loadTopology(yaml([]), 'sw.yaml').nodes[0]).toEqual({ kind: 'switch', name: 's1', flows: ['in_port=p1 actions=strip_vlan,output:p2'], ports: [{ name: 'p1', ofport: 1 }, { name: 'p2', ofport: 2 }] });
    expect(loadTopology(yaml(['    protocols: OpenFlow10']), 'sw.yaml').nodes[0]).toMatchObject({ protocols: 'OpenFlow10' });
    expect(issues(yaml(['    protocols: OpenFlow13']))).toEqual([
      'sw.yaml:7:28 nodes.s1.flows[0]: strip_vlan needs a VLAN tag the match proves (dl_vlan=… or vlan_tci=0x1000/0x1000) and no earlier pop removed, as OVS requires for OpenFlow 1.1+ (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))',
    ]);
  });

  it('refuses two ports with one OpenFlow number, and a port both access and trunk', () => {
    expect(issues(['nodes:', '  s1:', '    kind: switch', '    ports: { p1: {}, p2: { ofport: 1 }, p3: { tag: 5, trunks: [5] } }'].join('\n'))).toEqual([
      "sw.yaml:4:26 nodes.s1.ports.p2: OpenFlow port 1 is also p1's",
      'sw.yaml:4:45 nodes.s1.ports.p3: a port is an access port (tag) or a trunk (trunks), not both',
    ]);
  });
});

describe('traffic that could not be told apart', () => {
  const TWO_HOSTS = [
    'nodes:',
    '  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }',
    '  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }',
    'links: [ { endpoints: [h1:eth0, h2:eth0] } ]',
    'traffic:',
  ];

  it('refuses two UDP items with the same flow', () => {
    const text = [
      ...TWO_HOSTS,
      '  - udp: { from: h1, to: h2, dstPort: 9000 }',
      '  - udp: { from: h1, to: h2, dstPort: 9000, count: 3 }',
    ].join('\n');
    expect(issues(text)).toEqual([
      'sw.yaml:7:10 traffic[1].udp: sends the same flow as traffic[0] (h1:40000 → h2:9000), so their deliveries could not be told apart; give one another srcPort',
    ]);
  });

  it('sees a node name and its address as one destination', () => {
    const text = [
      ...TWO_HOSTS,
      '  - udp: { from: h1, to: h2, dstPort: 9000 }',
      '  - udp: { from: h1, to: 10.0.0.2, dstPort: 9000 }',
      '  - udp: { from: h1, to: 10.0.0.2, dstPort: 9001 }',
    ].join('\n');
    expect(issues(text)).toEqual([
      'sw.yaml:7:10 traffic[1].udp: sends the same flow as traffic[0] (h1:40000 → 10.0.0.2:9000), so their deliveries could not be told apart; give one another srcPort',
    ]);
  });
});
