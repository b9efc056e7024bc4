import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { SwitchPacket } from '../../src/switch/packet.js';
import { formatFlow } from '../../src/switch/trace.js';
import { fromHex, toHex } from '../../src/wire/addresses.js';
import { CLASSIFY_CASES, IPV6_CHECKSUM_CASES } from './classify-frames.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));

describe('classification as OVS flow_extract', () => {
  // Each expected flow is ovs-vswitchd 3.1's (test/interop/classify-ovs.test.ts checks it there).
  it.each(CLASSIFY_CASES)('$name', ({ frame, flow }) => {
    const packet = new SwitchPacket(frame, 1);
    expect(formatFlow(packet.words, packet.nwFrag)).toBe(flow);
  });

  it('writes a field of IPv4 inside LLC/SNAP where SNAP puts it', () => {
    const snap = CLASSIFY_CASES[0]!.frame;
    const bridge = new Bridge('br0', ports);
    bridge.addFlow('udp,actions=mod_nw_dst:10.0.0.9,output:2');
    // The destination address starts at 14 + 8 (LLC/SNAP) + 16; the IPv4 checksum at 14 + 8 + 10.
    // The IPv4 checksum (0 in the frame) adjusted for the new address; UDP's 0, "no checksum", stays 0 (as OVS sends it: test/interop/classify-ovs.test.ts).
    expect(toHex(bridge.process(1, snap).outputs[0]!.bytes.subarray(22))).toBe('4500001c000100004011fff80a0000010a00000904d2005000080000');
  });
});

describe('fragments, per the bridge frags mode (ovs-ofctl set-frags)', () => {
  const first = CLASSIFY_CASES.find((c) => c.name.startsWith('a first IPv4 fragment'))!.frame;
  const flows = 'priority=10,udp,tp_dst=80,actions=output:2\npriority=5,udp,tp_dst=0,actions=output:3';
  const outPorts = (frags: 'normal' | 'drop' | 'nx-match') => {
    const bridge = new Bridge('br0', ports, { frags });
    bridge.addFlows(flows);
    const result = bridge.process(1, first, 0, true);
    return { ports: result.outputs.map((o) => o.port), trace: result.trace[0] };
  };
  it('normal: a first fragment is looked up with ports 0, yet keeps them', () => {
    expect(outPorts('normal')).toEqual({ ports: [3], trace: ' 0. udp,tp_dst=0, priority 5' });
  });
  it('nx-match: looked up with its ports', () => expect(outPorts('nx-match').ports).toEqual([2]));
  it('drop: dropped before any table', () => expect(outPorts('drop')).toEqual({ ports: [], trace: ' 0. ip,nw_frag=yes, priority 0 (fragment dropped, frags mode drop)' }));
});

describe('IPv6 address rewrites and the L4 checksum (RFC 8200 §8.1, as OVS packet_set_ipv6)', () => {
  // UDP checksum 0x1234 before; 0x1127 after both addresses change where OVS adjusts it (test/interop/classify-ovs.test.ts).
  const expected: Record<string, string> = {
    'no extension header': '1127',
    'a routing header with a segment left': '1234',
    'a routing header with no segment left': '1127',
    'a first fragment': '1127',
    'an atomic fragment (offset 0, no more)': '1234',
    'a hop-by-hop header': '1127',
  };
  it.each(IPV6_CHECKSUM_CASES)('$name', ({ name, frame }) => {
    const bridge = new Bridge('br0', ports, { protocols: 'OpenFlow13' });
    bridge.addFlow('ipv6,actions=set_field:2001::99->ipv6_dst,set_field:2001::77->ipv6_src,output:2');
    const out = bridge.process(1, frame).outputs[0]!.bytes;
    expect(toHex(out.subarray(out.length - 10, out.length - 8))).toBe(expected[name]);
    expect(toHex(out.subarray(22, 54))).toBe('2001000000000000000000000000007720010000000000000000000000000099');
  });
});

describe('NORMAL as OVS xlate_normal', () => {
  const bridge = (extra: { tag?: number }[] = []) => {
    const b = new Bridge('br0', ports.map((p, i) => ({ ...p, ...extra[i] })));
    b.addFlow('actions=NORMAL');
    return b;
  };
  const frame = (dst: string, tag = '') => fromHex(`${dst}020000000001${tag}88b50000`);
  it.each(['0180c2000000', '0180c200000e', '01000ccccccc', '01000ccccccd', '01000ccdcdcd', '00e02b000000', '01000cccccc7'])('does not forward to the reserved %s', (dst) => {
    const r = bridge().process(1, frame(dst), 0, true);
    expect([r.outputs, r.trace.at(-1)]).toEqual([[], '     -> packet has reserved destination MAC, dropping']);
  });
  it('forwards a group address that is not reserved (0180c2000010)', () => expect(bridge().process(1, frame('0180c2000010')).outputs.map((o) => o.port).sort()).toEqual([2, 3, 4, 65534]));
  it('keeps an 802.1ad TPID and the DEI bit of a tag it forwards as it came, and pushes 0x8100 onto an access port frame', () => {
    const b = bridge([{}, {}, { tag: 20 }, {}]);
    // VLAN 20, PCP 1, DEI set, TPID 0x88a8, from trunk 1. OVS 3.1's datapath actions for it in one of its port orders:
    // 4,pop_vlan,3,push_vlan(tpid=0x88a8,vid=20,pcp=1),2 — port 4 as it came, access port 3 untagged, then port 2 tagged again without DEI.
    const tagged = frame('ffffffffffff', '88a83014');
    expect(b.process(1, tagged).outputs.map((o) => `${o.port} ${toHex(o.bytes)}`)).toEqual([
      '2 ffffffffffff02000000000188a8201488b50000',
      '3 ffffffffffff02000000000188b50000',
      `4 ${toHex(tagged)}`,
      `65534 ${toHex(tagged)}`,
    ]);
    expect(b.process(3, frame('ffffffffffff')).outputs.map((o) => `${o.port} ${toHex(o.bytes)}`)).toEqual([
      '1 ffffffffffff0200000000018100001488b50000',
      '2 ffffffffffff0200000000018100001488b50000',
      '4 ffffffffffff0200000000018100001488b50000',
      '65534 ffffffffffff0200000000018100001488b50000',
    ]);
  });
  it('drops a partial VLAN tag: QinQ with its outer tag popped', () => {
    const b = new Bridge('br0', ports);
    b.addFlow('actions=pop_vlan,NORMAL');
    const r = b.process(1, frame('ffffffffffff', '88a8001481000064'), 0, true);
    expect([r.outputs, r.trace.slice(-2)]).toEqual([[], ['     >>>> dropping packet with partial VLAN tag received on port p1 <<<<', '     >> partial VLAN tag, dropping']]);
  });
  it('holds 2,048 MACs: the next evicts the least recently used MAC of the port with the most', () => {
    const b = bridge();
    const mac = (n: number) => `02000000${n.toString(16).padStart(4, '0')}`;
    for (let n = 0; n < 2048; n++) b.process(n < 1000 ? 1 : 2, fromHex(`ffffffffffff${mac(n)}88b50000`), n);
    expect(b.pipeline.normal.entries(2048).length).toBe(2048);
    b.process(3, fromHex(`ffffffffffff${mac(5000)}88b50000`), 2048);
    const macs = b.pipeline.normal.entries(2049).map((e) => e.mac);
    // Port 2 held 1,048: its oldest, MAC 1000, went.
    expect([macs.length, macs.includes('02:00:00:00:03:e8'), macs.includes('02:00:00:00:00:00'), macs.includes('02:00:00:00:13:88')]).toEqual([2048, false, true, true]);
  });
});
