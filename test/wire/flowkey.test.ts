import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encode, extractFlowKey, extractTunnelFlowKey, FlowKey, fromHex, NW_FRAG, VLAN_CFI } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';

describe('flow key', () => {
  const key = new FlowKey();

  it('reads the outer frame of a VLAN-tagged VXLAN packet as OVS would', () => {
    extractFlowKey(fromHex(FIXTURES.vxlan), key);
    expect(key).toMatchObject({
      dlDst: 0x020000000002, dlSrc: 0x020000000001, dlType: 0x0800, vlanTci: VLAN_CFI | 10,
      nwSrc: 0xc0a80101, nwDst: 0xc0a80201, nwProto: 17, nwTtl: 64, nwTos: 0, nwFrag: NW_FRAG.NONE,
      tpSrc: 51234, tpDst: 4789, tunId: 0,
    });
  });

  it('reads tun_src, tun_dst and tun_id from VXLAN and the rest from the inner frame', () => {
    extractTunnelFlowKey(fromHex(FIXTURES.vxlan), key);
    expect(key).toMatchObject({
      tunSrc: 0xc0a80101, tunDst: 0xc0a80201, tunId: 5000, dlSrc: 0x0a0000000001, dlDst: 0x0a0000000002,
      vlanTci: 0, nwSrc: 0xac100001, nwDst: 0xac100002, nwProto: 1, tpSrc: 8, tpDst: 0,
    });
  });

  it('reads the GRE key as tun_id', () => {
    extractTunnelFlowKey(fromHex(FIXTURES.gre), key);
    expect(key).toMatchObject({ tunId: 0x1388aa, tunSrc: 0xc0a80101, nwSrc: 0xac100001, nwProto: 1 });
  });

  it('puts the ARP opcode in nw_proto and the addresses in nw_src/nw_dst and arp_sha/arp_tha', () => {
    extractFlowKey(fromHex(FIXTURES.arp), key);
    expect(key).toMatchObject({ dlType: 0x0806, nwProto: 1, nwSrc: 0xc0a80101, nwDst: 0xc0a80102, arpSha: 0x020000000001, arpTha: 0 });
  });

  it('walks IPv6 extension headers to the transport ports and clears IPv6 fields after', () => {
    extractFlowKey(fromHex(FIXTURES.ipv6ext), key);
    expect(key).toMatchObject({ dlType: 0x86dd, nwProto: 17, tpSrc: 7, tpDst: 9, ipv6Label: 0x12345, nwTos: 0xb8, nwTtl: 9 });
    expect(Array.from(key.ipv6Src)).toEqual(Array.from(fromHex('20010db8000000000000000000000001')));
    extractFlowKey(fromHex(FIXTURES.arp), key);
    expect(key.ipv6Src.every((b) => b === 0)).toBe(true);
  });

  it('marks later fragments and leaves their ports zero', () => {
    extractFlowKey(fromHex(FIXTURES.ipv4frag), key);
    expect(key).toMatchObject({ nwFrag: NW_FRAG.LATER, nwProto: 17, tpSrc: 0, tpDst: 0 });
  });

  it('puts ICMP type and code in tp_src and tp_dst', () => {
    extractFlowKey(fromHex(FIXTURES.icmpfragneeded), key);
    expect(key).toMatchObject({ nwProto: 1, tpSrc: 3, tpDst: 4 });
  });

  it('never throws and never reads past the end on any prefix or random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(FIXTURES)), fc.nat(), (hex, n) => {
        const full = fromHex(hex);
        const cut = new Uint8Array(full.subarray(0, n % (full.length + 1)));
        extractTunnelFlowKey(cut, key);
        for (const value of Object.values(key)) if (typeof value === 'number') expect(Number.isInteger(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
      extractTunnelFlowKey(b, key);
      expect(Number.isInteger(key.tpDst) && Number.isInteger(key.nwSrc)).toBe(true);
    }), { numRuns: 2000 });
  });

  it('agrees with the 802.1Q PCP and VID written by encode', () => {
    const bytes = encode([{ layer: 'ethernet' }, { layer: 'vlan', vid: 4095, pcp: 7 }, { layer: 'ipv4' }]);
    extractFlowKey(bytes, key);
    expect(key.vlanTci).toBe(0xffff);
  });
});
