/**
 * Tests of the Open vSwitch harness (test/interop/ovs.ts) against behaviour OVS is known to have,
 * each with exact bytes built by netloom's encoder. They prove the harness starts a private
 * switch, forwards frames through it and attributes every transmitted frame to the frame that
 * caused it; they also pin the OVS behaviours a reimplementation must copy (see OVS-NOTES.md).
 * Skipped, with the reason, when Open vSwitch is not installed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encode, toHex, type LayerSpec } from '../../src/index.js';
import { LOCAL_PORT, OvsCommandError, OvsSwitch, haveOvs, ovsMissingMessage, type OpenFlowVersion, type OvsOutput } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the Open vSwitch harness test: ${ovsMissingMessage()}`);

const A = '50:54:00:00:00:0a';
const B = '50:54:00:00:00:0b';
const C = '50:54:00:00:00:0c';

interface FrameOptions {
  src?: string;
  dst?: string;
  vlans?: { vid: number; pcp?: number; tpid?: number }[];
  ttl?: number;
}

/** An Ethernet / [802.1Q...] / IPv4 / UDP frame with a 2-byte payload; a copy, not a slab view. */
function udpFrame(options: FrameOptions = {}): Uint8Array {
  const layers: LayerSpec[] = [{ layer: 'ethernet', src: options.src ?? A, dst: options.dst ?? B }];
  for (const tag of options.vlans ?? []) layers.push({ layer: 'vlan', vid: tag.vid, pcp: tag.pcp ?? 0, ...(tag.tpid === undefined ? {} : { tpid: tag.tpid }) });
  layers.push(
    { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', ttl: options.ttl ?? 64 },
    { layer: 'udp', srcPort: 1025, dstPort: 1026 },
    { layer: 'payload', data: Uint8Array.of(0xde, 0xad) },
  );
  return encode(layers).slice();
}

function ipv6Frame(hopLimit: number): Uint8Array {
  return encode([
    { layer: 'ethernet', src: A, dst: B },
    { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', hopLimit },
    { layer: 'udp', srcPort: 1025, dstPort: 1026 },
  ]).slice();
}

/** [port, hex] pairs, the shape every expectation below uses. */
function seen(outputs: OvsOutput[]): [number | string, string][] {
  return outputs.map((o) => [o.port, toHex(o.bytes)]);
}

function ports(outputs: OvsOutput[]): (number | string)[] {
  return outputs.map((o) => o.port);
}

describe.skipIf(!haveOvs())('the Open vSwitch harness: one bridge, four dummy ports', () => {
  let sw: OvsSwitch;

  beforeAll(() => {
    sw = OvsSwitch.start({ ports: 4 });
  });
  afterAll(() => {
    sw?.stop();
  });
  beforeEach(() => {
    sw.delFlows();
    sw.fdbFlush();
  });

  /** Installs `flows` alone and sends one frame in on `port`. */
  async function through(flows: string[], port: number, frame: Uint8Array, protocol?: OpenFlowVersion): Promise<OvsOutput[]> {
    sw.delFlows();
    sw.addFlows(flows, protocol);
    return sw.inject(port, frame);
  }

  it('starts a private bridge with a fixed datapath id, ports 1-4, and no flows (fail-mode secure drops)', async () => {
    const show = sw.ofctl(['show']);
    expect(show).toContain('dpid:fedcba9876543210');
    for (const n of [1, 2, 3, 4]) expect(show).toContain(` ${n}(p${n}): `);
    expect(sw.dumpFlows({ stats: false }).trim()).toBe('');
    expect(sw.vsctl('get', 'Bridge', 'br0', 'fail_mode').trim()).toBe('secure');
    expect(await sw.inject(1, udpFrame())).toEqual([]);
  });

  it('lists, replaces and deletes flows with ovs-ofctl (OpenFlow 1.5)', () => {
    sw.addFlows(['table=0,priority=10,in_port=1,actions=output:2', 'table=1,priority=5,ip,actions=drop']);
    expect(sw.dumpFlows({ stats: false, sort: true })).toBe(' priority=10,in_port=1 actions=output:2\n table=1, priority=5,ip actions=drop\n');
    expect(sw.dumpFlows()).toMatch(/^OFPST_FLOW reply \(OF1\.5\)/);
    sw.delFlows('in_port=1');
    expect(sw.dumpFlows({ stats: false })).toBe(' table=1, priority=5,ip actions=drop\n');
  });

  it('reports a flow OVS refuses with ovs-ofctl\'s own message', () => {
    let error: unknown;
    try {
      sw.addFlows(['in_port=1,actions=output:2,drop']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OvsCommandError);
    expect((error as OvsCommandError).code).toBe('NETLOOM_OVS_COMMAND');
    expect((error as OvsCommandError).stderr).toContain('"drop" must not be accompanied by any other action or instruction');
  });

  it('adds flows all or nothing: one the switch refuses (an unknown meter) leaves none installed', () => {
    expect(() => sw.addFlows(['in_port=1,actions=output:2', 'in_port=2,actions=meter:1,output:1'])).toThrow('OFPMMFC_INVALID_METER');
    expect(sw.dumpFlows({ stats: false })).toBe('');
  });

  it('output:2 forwards the frame unchanged', async () => {
    const frame = udpFrame();
    expect(toHex(frame)).toBe('50540000000b50540000000a08004500001e00010000401166cc0a0000010a00000204010402000a0527dead');
    expect(seen(await through(['in_port=1,actions=output:2'], 1, frame))).toEqual([[2, toHex(frame)]]);
  });

  it.each<[string, OpenFlowVersion, string, FrameOptions, FrameOptions]>([
    ['untagged: pushes 8100 000a (PCP 0)', 'OpenFlow15', 'in_port=1', {}, { vlans: [{ vid: 10 }] }],
    ['untagged, OpenFlow 1.0: the same', 'OpenFlow10', 'in_port=1', {}, { vlans: [{ vid: 10 }] }],
    ['tagged, OpenFlow 1.0: rewrites the VID, keeps the PCP', 'OpenFlow10', 'in_port=1', { vlans: [{ vid: 5, pcp: 3 }] }, { vlans: [{ vid: 10, pcp: 3 }] }],
    ['tagged, OpenFlow 1.5 with a match proving the tag: rewrites the VID', 'OpenFlow15', 'in_port=1,vlan_tci=0x1000/0x1000', { vlans: [{ vid: 5, pcp: 3 }] }, { vlans: [{ vid: 10, pcp: 3 }] }],
    // The new outer tag is 0x8100 with PCP 0, whatever the tag under it.
    ['tagged, OpenFlow 1.5 without such a match: pushes a second tag', 'OpenFlow15', 'in_port=1', { vlans: [{ vid: 5, pcp: 3 }] }, { vlans: [{ vid: 10, tpid: 0x8100 }, { vid: 5, pcp: 3 }] }],
  ])('mod_vlan_vid:10, %s', async (_name, protocol, match, input, output) => {
    expect(seen(await through([`${match},actions=mod_vlan_vid:10,output:2`], 1, udpFrame(input), protocol))).toEqual([[2, toHex(udpFrame(output))]]);
  });

  it('mod_vlan_vid:10 pushes exactly 81 00 00 0a after the source MAC', async () => {
    const out = await through(['in_port=1,actions=mod_vlan_vid:10,output:2'], 1, udpFrame());
    expect(toHex(out[0]!.bytes)).toBe('50540000000b50540000000a8100000a08004500001e00010000401166cc0a0000010a00000204010402000a0527dead');
  });

  it('installs mod_vlan_vid as push_vlan + set_field under OpenFlow 1.5', () => {
    sw.addFlows(['in_port=1,actions=mod_vlan_vid:10,output:2']);
    expect(sw.dumpFlows({ stats: false })).toBe(' in_port=1 actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:2\n');
  });

  it('strip_vlan removes the outer tag only', async () => {
    const match = 'in_port=1,vlan_tci=0x1000/0x1000';
    expect(seen(await through([`${match},actions=strip_vlan,output:2`], 1, udpFrame({ vlans: [{ vid: 5, pcp: 3 }] })))).toEqual([[2, toHex(udpFrame())]]);
    const qinq = udpFrame({ vlans: [{ vid: 5, pcp: 3, tpid: 0x88a8 }, { vid: 7 }] });
    expect(seen(await through([`${match},actions=strip_vlan,output:2`], 1, qinq))).toEqual([[2, toHex(udpFrame({ vlans: [{ vid: 7 }] }))]]);
  });

  it('strip_vlan without a match proving a tag: refused under OpenFlow 1.5, a no-op on untagged frames under 1.0', async () => {
    // Without --bundle the list reads (OpenFlow10,NXM); the harness bundles, which leaves (none).
    expect(() => sw.addFlows(['in_port=1,actions=strip_vlan,output:2'])).toThrow(
      'none of the usable flow formats (none) is among the allowed flow formats (OXM-OpenFlow15)',
    );
    expect(seen(await through(['in_port=1,actions=strip_vlan,output:2'], 1, udpFrame(), 'OpenFlow10'))).toEqual([[2, toHex(udpFrame())]]);
  });

  it('push_vlan pushes TCI 0, even over an existing tag (nothing is copied from it)', async () => {
    expect(seen(await through(['in_port=1,actions=push_vlan:0x8100,output:2'], 1, udpFrame()))).toEqual([[2, toHex(udpFrame({ vlans: [{ vid: 0 }] }))]]);
    const tagged = udpFrame({ vlans: [{ vid: 5, pcp: 3 }] });
    const out = await through(['in_port=1,vlan_tci=0x1000/0x1000,actions=push_vlan:0x88a8,output:2'], 1, tagged);
    expect(seen(out)).toEqual([[2, toHex(udpFrame({ vlans: [{ vid: 0, tpid: 0x88a8 }, { vid: 5, pcp: 3 }] }))]]);
  });

  it('dec_ttl decrements the TTL and updates the IPv4 checksum', async () => {
    const out = await through(['in_port=1,ip,actions=dec_ttl,output:2'], 1, udpFrame({ ttl: 64 }));
    expect(seen(out)).toEqual([[2, toHex(udpFrame({ ttl: 63 }))]]);
    expect(toHex(out[0]!.bytes)).toBe('50540000000b50540000000a08004500001e000100003f1167cc0a0000010a00000204010402000a0527dead');
    expect(seen(await through(['in_port=1,ip,actions=dec_ttl,output:2'], 1, udpFrame({ ttl: 2 })))).toEqual([[2, toHex(udpFrame({ ttl: 1 }))]]);
  });

  it.each([1, 0])('dec_ttl at TTL %i stops the action list: outputs before it happen, outputs after it do not', async (ttl) => {
    const frame = udpFrame({ ttl });
    expect(seen(await through(['in_port=1,ip,actions=output:3,dec_ttl,output:2'], 1, frame))).toEqual([[3, toHex(frame)]]);
  });

  it('dec_ttl at TTL 1 inside resubmit stops only that table\'s actions; the caller carries on', async () => {
    const frame = udpFrame({ ttl: 1 });
    expect(ports(await through(['in_port=1,ip,actions=resubmit(,1),output:3', 'table=1,ip,actions=dec_ttl,output:2'], 1, frame))).toEqual([3]);
  });

  it('dec_ttl decrements the IPv6 hop limit and drops at hop limit 1', async () => {
    expect(seen(await through(['in_port=1,ipv6,actions=dec_ttl,output:2'], 1, ipv6Frame(64)))).toEqual([[2, toHex(ipv6Frame(63))]]);
    expect(await through(['in_port=1,ipv6,actions=dec_ttl,output:2'], 1, ipv6Frame(1))).toEqual([]);
  });

  it('explains the TTL exception in ofproto/trace', () => {
    sw.addFlows(['in_port=1,ip,actions=output:3,dec_ttl,output:2']);
    const trace = sw.trace('in_port=1,ip,nw_ttl=1');
    expect(trace).toContain('>> IPv4 decrement TTL exception');
    expect(trace).toMatch(/Datapath actions: 3,userspace\(pid=0,controller\(reason=2,dont_send=1,/);
  });

  it('flood from port 1 goes to 2, 3, 4 and LOCAL, never back to port 1; so does all', async () => {
    const frame = udpFrame();
    const expected = [2, 3, 4, LOCAL_PORT].map((p) => [p, toHex(frame)]);
    expect(seen(await through(['in_port=1,actions=flood'], 1, frame))).toEqual(expected);
    expect(seen(await through(['in_port=1,actions=all'], 1, frame))).toEqual(expected);
  });

  it('output to the input port is skipped; the in_port action sends it back', async () => {
    expect(ports(await through(['in_port=1,actions=output:1,output:2'], 1, udpFrame()))).toEqual([2]);
    expect(seen(await through(['in_port=1,actions=in_port'], 1, udpFrame()))).toEqual([[1, toHex(udpFrame())]]);
  });

  it('output to a port that does not exist is accepted and does nothing', async () => {
    expect(ports(await through(['in_port=1,actions=output:99,output:2'], 1, udpFrame()))).toEqual([2]);
  });

  it('two outputs to one port come out in action order, each with the changes made before it', async () => {
    const out = await through(['in_port=1,actions=output:2,mod_dl_src:02:00:00:00:00:01,output:2'], 1, udpFrame());
    expect(seen(out)).toEqual([[2, toHex(udpFrame())], [2, toHex(udpFrame({ src: '02:00:00:00:00:01' }))]]);
  });

  it('resubmit(,1) runs table 1 and returns; changes made there carry on', async () => {
    const flows = [
      'in_port=1,actions=resubmit(,1),output:3',
      'table=1,in_port=1,actions=mod_dl_src:02:00:00:00:00:01,resubmit(,2)',
      'table=2,actions=output:2',
    ];
    const changed = toHex(udpFrame({ src: '02:00:00:00:00:01' }));
    expect(seen(await through(flows, 1, udpFrame()))).toEqual([[2, changed], [3, changed]]);
  });

  it('write_metadata and goto_table reach table 1', async () => {
    const flows = ['in_port=1,actions=write_metadata:0x5/0xff,goto_table:1', 'table=1,metadata=0x5,actions=output:2', 'table=1,priority=0,actions=output:3'];
    expect(ports(await through(flows, 1, udpFrame()))).toEqual([2]);
  });

  it('drop, and a table miss, send nothing', async () => {
    expect(await through(['in_port=1,actions=drop'], 1, udpFrame())).toEqual([]);
    expect(await through(['in_port=2,actions=output:1'], 1, udpFrame())).toEqual([]);
  });

  it('NORMAL floods an unknown destination, then forwards to the learned port', async () => {
    sw.addFlows(['actions=NORMAL']);
    const ab = udpFrame({ src: A, dst: B });
    const ba = udpFrame({ src: B, dst: A });
    expect(seen(await sw.inject(1, ab))).toEqual([2, 3, 4, LOCAL_PORT].map((p) => [p, toHex(ab)]));
    expect(seen(await sw.inject(2, ba))).toEqual([[1, toHex(ba)]]);
    expect(seen(await sw.inject(1, ab))).toEqual([[2, toHex(ab)]]);
    expect(sw.fdbShow()).toMatch(/^ +1 +0 +50:54:00:00:00:0a +\d+$/m);
    // A frame whose destination was learned on its own input port goes nowhere.
    expect(await sw.inject(2, udpFrame({ src: C, dst: B }))).toEqual([]);
  });

  it('NORMAL drops 01:80:c2:00:00:00-0f and floods 01:80:c2:00:00:10', async () => {
    sw.addFlows(['actions=NORMAL']);
    expect(await sw.inject(1, udpFrame({ dst: '01:80:c2:00:00:00' }))).toEqual([]);
    expect(await sw.inject(1, udpFrame({ dst: '01:80:c2:00:00:0e' }))).toEqual([]);
    expect(ports(await sw.inject(1, udpFrame({ dst: '01:80:c2:00:00:10' })))).toEqual([2, 3, 4, LOCAL_PORT]);
  });

  it('NORMAL learns per VLAN and keeps tags on trunk ports', async () => {
    sw.addFlows(['actions=NORMAL']);
    const tagged = udpFrame({ vlans: [{ vid: 10 }] });
    expect(seen(await sw.inject(1, tagged))).toEqual([2, 3, 4, LOCAL_PORT].map((p) => [p, toHex(tagged)]));
    expect(ports(await sw.inject(2, udpFrame({ src: B, dst: A, vlans: [{ vid: 10 }] })))).toEqual([1]);
    // A is known on VLAN 10 only, so an untagged (VLAN 0) frame to A floods.
    expect(ports(await sw.inject(2, udpFrame({ src: B, dst: A })))).toEqual([1, 3, 4, LOCAL_PORT]);
  });

  it('NORMAL with an access port (tag=10): untags toward it, tags from it, drops tagged frames on it', async () => {
    sw.addFlows(['actions=NORMAL']);
    sw.vsctl('set', 'Port', 'p4', 'tag=10');
    try {
      expect(ports(await sw.inject(1, udpFrame()))).toEqual([2, 3, LOCAL_PORT]);
      const out = await sw.inject(1, udpFrame({ vlans: [{ vid: 10 }] }));
      expect(seen(out)).toEqual([
        [2, toHex(udpFrame({ vlans: [{ vid: 10 }] }))],
        [3, toHex(udpFrame({ vlans: [{ vid: 10 }] }))],
        [4, toHex(udpFrame())],
        [LOCAL_PORT, toHex(udpFrame({ vlans: [{ vid: 10 }] }))],
      ]);
      const fromAccess = await sw.inject(4, udpFrame({ src: C, dst: B }));
      expect(seen(fromAccess)).toEqual([1, 2, 3, LOCAL_PORT].map((p) => [p, toHex(udpFrame({ src: C, dst: B, vlans: [{ vid: 10 }] }))]));
      expect(await sw.inject(4, udpFrame({ src: C, dst: B, vlans: [{ vid: 10 }] }))).toEqual([]);
      // A priority tag (VID 0) is accepted on an access port; its PCP survives.
      const priority = await sw.inject(4, udpFrame({ src: C, dst: B, vlans: [{ vid: 0, pcp: 5 }] }));
      expect(priority.map((o) => toHex(o.bytes))).toContain(toHex(udpFrame({ src: C, dst: B, vlans: [{ vid: 10, pcp: 5 }] })));
    } finally {
      sw.vsctl('clear', 'Port', 'p4', 'tag');
    }
  });

  it('ofproto/trace shows the table walk, nesting a resubmit unless it is the last action, and the datapath actions', () => {
    sw.addFlows([
      'in_port=1,actions=resubmit(,1),output:3',
      'table=1,actions=output:2,resubmit(,2)',
      'table=2,actions=mod_dl_src:02:00:00:00:00:01,output:3',
    ]);
    const trace = sw.trace('in_port=1,dl_src=50:54:00:00:00:0a');
    expect(trace).toBe(
      [
        'Flow: in_port=1,vlan_tci=0x0000,dl_src=50:54:00:00:00:0a,dl_dst=00:00:00:00:00:00,dl_type=0x0000',
        '',
        'bridge("br0")',
        '-------------',
        ' 0. in_port=1, priority 32768',
        '    resubmit(,1)',
        '     1. priority 32768',
        '            output:2',
        '            resubmit(,2)',
        '         2. priority 32768',
        '            set_field:02:00:00:00:00:01->eth_src',
        '            output:3',
        '    output:3',
        '',
        'Final flow: in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=00:00:00:00:00:00,dl_type=0x0000',
        'Megaflow: recirc_id=0,eth,in_port=1,dl_src=50:54:00:00:00:0a,dl_type=0x0000',
        'Datapath actions: 2,set(eth(src=02:00:00:00:00:01)),3,3',
        '',
      ].join('\n'),
    );
    // With a packet, the flow is parsed from its bytes.
    expect(sw.trace('in_port=1', udpFrame())).toContain('Datapath actions: 2,set(eth(src=02:00:00:00:00:01)),3,3');
  });

  it('attributes every output to the frame that caused it, over 300 frames on three ports', async () => {
    sw.addFlows(['in_port=1,actions=output:2', 'in_port=2,actions=output:3,output:1,output:3', 'in_port=3,actions=resubmit(,1)', 'table=1,actions=flood']);
    const expected: Record<number, (number | string)[]> = { 1: [2], 2: [1, 3, 3], 3: [1, 2, 4, LOCAL_PORT] };
    const mismatches: string[] = [];
    for (let i = 0; i < 300; i++) {
      const port = (i % 3) + 1;
      const frame = udpFrame({ ttl: 1 + (i % 250) });
      const out = await sw.inject(port, frame);
      if (JSON.stringify(ports(out)) !== JSON.stringify(expected[port]) || out.some((o) => toHex(o.bytes) !== toHex(frame))) {
        mismatches.push(`frame ${i} in on ${port}: ${JSON.stringify(ports(out))}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('injects into LOCAL too', async () => {
    expect(ports(await through(['in_port=LOCAL,actions=output:4'], LOCAL_PORT, udpFrame()))).toEqual([4]);
  });
});

describe.skipIf(!haveOvs())('the Open vSwitch harness: tunnel ports over an underlay', () => {
  let sw: OvsSwitch;
  /** What the outer headers hold for frames to and from the remote VTEP. */
  const local = { ip: '192.0.2.1', mac: 'aa:55:aa:55:01:00' };
  const remote = { ip: '192.0.2.2', greIp: '192.0.2.3', mac: '02:00:00:00:00:02' };

  beforeAll(() => {
    sw = OvsSwitch.start({ ports: 2 });
    sw.addTunnelPort('vx1', 'vxlan', { remote_ip: remote.ip, key: '5' }, 10, remote.mac);
    sw.addTunnelPort('gre1', 'gre', { remote_ip: remote.greIp, key: '7' }, 11, remote.mac);
    sw.addFlows(['in_port=1,actions=output:10', 'in_port=2,actions=output:11', 'in_port=10,actions=output:2', 'in_port=11,actions=output:1']);
  });
  afterAll(() => {
    sw?.stop();
  });

  it('knows its local endpoint', () => {
    expect(sw.underlayEndpoint()).toEqual(local);
  });

  it('VXLAN: outer IPv4 id 0, DF, TTL 64, UDP checksum 0, flags 08, the VNI from key; source port from the inner flow hash', async () => {
    const inner = udpFrame();
    const first = await sw.inject(1, inner);
    expect(ports(first)).toEqual(['underlay']);
    const bytes = first[0]!.bytes;
    // The source port is OVS's 5-tuple hash of the inner frame scaled into tnl/egress_port_range.
    const sourcePort = (bytes[34]! << 8) | bytes[35]!;
    expect(sourcePort).toBeGreaterThanOrEqual(32768);
    expect(sourcePort).toBeLessThanOrEqual(61000);
    expect(seen(await sw.inject(1, inner))).toEqual(seen(first));
    const expected = encode([
      { layer: 'ethernet', src: local.mac, dst: remote.mac },
      { layer: 'ipv4', src: local.ip, dst: remote.ip, id: 0, df: true, ttl: 64 },
      { layer: 'udp', srcPort: sourcePort, dstPort: 4789, checksum: 0 },
      { layer: 'vxlan', vni: 5 },
      { layer: 'payload', data: inner },
    ]).slice();
    expect(toHex(bytes)).toBe(toHex(expected));
  });

  it('VXLAN with tnl/egress_port_range pinned to one port: fully fixed bytes', async () => {
    sw.appctl('tnl/egress_port_range', '50000', '50000');
    try {
      const out = await sw.inject(1, udpFrame());
      expect(toHex(out[0]!.bytes)).toBe(
        '020000000002aa55aa550100080045000050000040004011b699c0000201c0000202c35012b5003c0000080000000000050050540000000b50540000000a08004500001e00010000401166cc0a0000010a00000204010402000a0527dead',
      );
    } finally {
      sw.appctl('tnl/egress_port_range', '32768', '61000');
    }
  });

  it('GRE: key present, protocol 0x6558, no checksum or sequence', async () => {
    const inner = udpFrame();
    const expected = encode([
      { layer: 'ethernet', src: local.mac, dst: remote.mac },
      { layer: 'ipv4', src: local.ip, dst: remote.greIp, id: 0, df: true, ttl: 64 },
      { layer: 'gre', key: 7, protocol: 0x6558 },
      { layer: 'payload', data: inner },
    ]).slice();
    expect(seen(await sw.inject(2, inner))).toEqual([['underlay', toHex(expected)]]);
  });

  it('decapsulates VXLAN for VNI 5 to the tunnel port, and drops an unknown VNI', async () => {
    const inner = udpFrame();
    const outer = (vni: number) =>
      encode([
        { layer: 'ethernet', src: remote.mac, dst: local.mac },
        { layer: 'ipv4', src: remote.ip, dst: local.ip },
        { layer: 'udp', srcPort: 40000, dstPort: 4789 },
        { layer: 'vxlan', vni },
        { layer: 'payload', data: inner },
      ]).slice();
    expect(seen(await sw.inject('underlay', outer(5)))).toEqual([[2, toHex(inner)]]);
    expect(await sw.inject('underlay', outer(6))).toEqual([]);
  });

  it('decapsulates GRE with key 7', async () => {
    const inner = udpFrame();
    const outer = encode([
      { layer: 'ethernet', src: remote.mac, dst: local.mac },
      { layer: 'ipv4', src: remote.greIp, dst: local.ip },
      { layer: 'gre', key: 7, protocol: 0x6558 },
      { layer: 'payload', data: inner },
    ]).slice();
    expect(seen(await sw.inject('underlay', outer))).toEqual([[1, toHex(inner)]]);
  });
});
