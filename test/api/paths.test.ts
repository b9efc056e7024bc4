/** What a developer writes: forwarding paths asserted in vitest through the package entry. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadTopologyFile, runTopology, tracePath } from '../../src/index.js';

const topologies = join(import.meta.dirname, '..', '..', 'topologies');

describe('asserting forwarding paths', () => {
  it('h1 reaches h2 over the VXLAN overlay through s1, r1 and s2', async () => {
    const path = await tracePath(loadTopologyFile(join(topologies, 'vxlan.yaml')), 'h1', 'h2', { at: 1e9 });
    expect(path.disposition).toBe('DELIVERED');
    expect(path.hops.map((h) => h.node)).toEqual(['h1', 's1', 'r1', 's2', 'h2']);
    expect(path.hops[1]!.actions.some((a) => a.startsWith('VXLAN encap to 192.168.2.1, VNI 5000'))).toBe(true);
    expect(path.hops[2]!.layers).toBe('ethernet/ipv4/udp/vxlan/ethernet/ipv4/icmp/payload');
  });

  it('the ACL drops UDP 5001 at s1', async () => {
    const topology = loadTopologyFile(join(topologies, 'acl.yaml'));
    expect(await tracePath(topology, 'h1', 'h2', { proto: 'udp', dstPort: 5001 })).toMatchObject({ disposition: 'DROPPED', node: 's1', reason: 'FLOW_DROP' });
    expect((await runTopology(topology)).traffic.find((t) => t.name === 'udp 5001 blocked')).toMatchObject({ sent: 10, delivered: 0 });
  });
});
