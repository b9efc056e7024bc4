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

  it('refuses two ports with one OpenFlow number, and a port both access and trunk', () => {
    expect(issues(['nodes:', '  s1:', '    kind: switch', '    ports: { p1: {}, p2: { ofport: 1 }, p3: { tag: 5, trunks: [5] } }'].join('\n'))).toEqual([
      "sw.yaml:4:26 nodes.s1.ports.p2: OpenFlow port 1 is also p1's",
      'sw.yaml:4:45 nodes.s1.ports.p3: a port is an access port (tag) or a trunk (trunks), not both',
    ]);
  });
});
