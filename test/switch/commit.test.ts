/**
 * What OVS's commit of the flow to the packet does to the bytes, for the cases a switch without
 * ovs-vswitchd at hand must still get right: VLAN tags kept only where common with what was last
 * committed (their DEI), rolled back after a bucket or clone, and MPLS entries built from the
 * flow. The expected bytes are ovs-vswitchd 3.1's (actions-ovs, openflow-groups-ovs and mpls-ovs
 * compare the same cases with it).
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { encode, toHex, type LayerSpec } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const ETH: LayerSpec = { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' };
const IP: LayerSpec = { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' };
const UDP: LayerSpec = { layer: 'udp', srcPort: 1, dstPort: 2 };
/** UDP behind one 802.1Q tag whose wire TCI is `tci` (DEI is 0x1000). */
const tagged = (tci: number) => encode([ETH, { layer: 'vlan', vid: tci & 0xfff, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0 }, IP, UDP]);
const REST = '08004500001c00010000401166ce0a0000010a000002000100020008ebd8';
const HEAD = '020000000002020000000001';

function outputs(bridge: Bridge, port: number, bytes: Uint8Array): string[] {
  return bridge.process(port, bytes).outputs.map((o) => `${o.port} ${toHex(o.bytes)}`);
}

describe('the packet as OVS commits the flow to it', () => {
  it('pushes a tag afresh (DEI 0) even where it equals the one under it, which keeps its bytes', () => {
    const bridge = new Bridge('br0', ports, { protocols: 'OpenFlow13' });
    bridge.addFlow('in_port=1,actions=push_vlan:0x8100,output:2');
    expect(outputs(bridge, 1, tagged(0x1000))).toEqual([`2 ${HEAD}8100000081001000${REST}`]);
  });

  it('pushes the tags again after a clone that rewrote them, their DEI lost', () => {
    const bridge = new Bridge('br0', ports);
    bridge.addFlow('in_port=1,actions=clone(mod_vlan_vid:40,output:2),output:3');
    expect(outputs(bridge, 1, tagged(0x901e))).toEqual([`2 ${HEAD}81008028${REST}`, `3 ${HEAD}8100801e${REST}`]);
  });

  it('pushes the tags again after a bucket that popped and sent them, for the next bucket and what follows the group', () => {
    const bridge = new Bridge('br0', ports, { protocols: 'OpenFlow13' });
    bridge.addGroup('group_id=2,type=all,bucket=pop_vlan,output:2,bucket=mod_dl_src:0a:00:00:00:00:09,output:3');
    bridge.addFlow('in_port=4,dl_vlan=30,actions=group:2,output:1');
    expect(outputs(bridge, 4, tagged(0xb01e))).toEqual([`2 ${HEAD}${REST}`, `3 0200000000020a00000000098100a01e${REST}`, `1 ${HEAD}8100a01e${REST}`]);
  });

  it('builds a pushed MPLS entry from IP (label 0, the DSCP low bits as TC, the TTL) and copies it for a second push', () => {
    const bridge = new Bridge('br0', ports);
    bridge.addFlow('in_port=1,actions=push_mpls:0x8847,output:2,set_mpls_label(5),dec_mpls_ttl,push_mpls:0x8847,output:3');
    const ip = encode([ETH, { ...IP, ttl: 33, dscp: 46 }, UDP]);
    const datagram = toHex(ip.subarray(14));
    expect(outputs(bridge, 1, ip)).toEqual([`2 ${HEAD}884700000d21${datagram}`, `3 ${HEAD}884700005c2000005d20${datagram}`]);
  });
});
