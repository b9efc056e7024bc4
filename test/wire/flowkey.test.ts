import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encode, extractFlowKey, extractTunnelFlowKey, FlowKey, fromHex, NW_FRAG, toHex, VLAN_CFI } from '../../src/index.js';
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

  /** Every field of the key, IPv6 addresses in hex: for exact comparisons. */
  function snapshot(k: FlowKey): Record<string, unknown> {
    return Object.fromEntries(Object.entries(k).map(([name, value]) => [name, value instanceof Uint8Array ? toHex(value) : value instanceof Uint32Array ? Array.from(value) : value]));
  }
  const ZERO16 = '00'.repeat(16);
  const base = {
    inPort: 0, dlSrc: 0x020000000001, dlDst: 0x020000000002, dlType: 0x0800, vlanTci: 0, nwSrc: 0, nwDst: 0, ipv6Src: ZERO16, ipv6Dst: ZERO16,
    ipv6Label: 0, nwProto: 0, nwTos: 0, nwTtl: 0, nwFrag: 0, tpSrc: 0, tpDst: 0, ndTarget: ZERO16, ndReserved: 0, ndOptionsType: 0, mplsLse: [0, 0, 0], tcpFlags: 0, arpSha: 0, arpTha: 0, l3: 14, tunId: 0, tunSrc: 0, tunDst: 0,
  };
  const v4 = { nwSrc: 0x0a000001, nwDst: 0x0a000002, nwTtl: 64 };
  const v6 = { dlType: 0x86dd, ipv6Src: '20010db8000000000000000000000001', ipv6Dst: '20010db8000000000000000000000002', nwTtl: 9 };
  const ETH = '020000000002020000000001';

  // After OVS's miniflow_extract: an IP datagram ends at its own length (never in the Ethernet
  // padding), one longer than its frame gets no L3 fields, ports need a whole L4 header.
  it.each<[string, string, number, Record<string, unknown>]>([
    ['a 20-byte IPv4 datagram (TCP, no header) padded with 0x41',
      ETH + '0800' + '4500001400010000400666e10a0000010a000002' + '41'.repeat(26), 34, { ...v4, nwProto: 6 }],
    ['a UDP datagram followed by padding',
      ETH + '0800' + '4500001c00010000401166ce0a0000010a000002' + '000700090008ebcb' + '41'.repeat(10), 42, { ...v4, nwProto: 17, tpSrc: 7, tpDst: 9 }],
    ['an IPv4 totalLength beyond the frame',
      ETH + '0800' + '450003e800010000401163020a0000010a000002' + '000700090008ebcb', 14, {}],
    ['4 bytes of a UDP header', ETH + '0800' + '4500001800010000401166d20a0000010a000002' + '00070009', 34, { ...v4, nwProto: 17 }],
    ['12 bytes of a TCP header', ETH + '0800' + '4500002000010000400666d50a0000010a000002' + '000700090000000000000000', 34, { ...v4, nwProto: 6 }],
    // OVS's parse_mpls: whole entries up to the bottom of the stack, the first three kept, nothing past them read.
    ['an MPLS stack of two over IPv4', ETH + '8847' + '00064209' + '000c8108' + '4500001c00010000401166ce0a0000010a000002', 22, { dlType: 0x8847, mplsLse: [0x00064209, 0x000c8108, 0] }],
    ['an MPLS stack of four', ETH + '8847' + '00001040' + '00002040' + '00003040' + '00004140', 30, { dlType: 0x8847, mplsLse: [0x00001040, 0x00002040, 0x00003040] }],
    ['an MPLS stack cut inside its second entry', ETH + '8848' + '00001040' + '0000', 18, { dlType: 0x8848, mplsLse: [0x00001040, 0, 0] }],
    ['an SCTP common header (ports, as OVS)', ETH + '0800' + '4500002000010000408400000a0000010a000002' + '04d2162e0000000100000000', 46, { ...v4, nwProto: 132, tpSrc: 1234, tpDst: 5678 }],
    ['10 bytes of an SCTP header', ETH + '0800' + '4500001e00010000408400000a0000010a000002' + '04d2162e000000010000', 34, { ...v4, nwProto: 132 }],
    ['4 bytes of an ICMP header', ETH + '0800' + '4500001800010000400166e20a0000010a000002' + '08000000', 34, { ...v4, nwProto: 1 }],
    ['an IPv6 packet with payloadLength 0 (UDP) and padding',
      ETH + '86dd' + '600000000000110920010db800000000000000000000000120010db8000000000000000000000002' + '0007000900080000', 54, { ...v6, nwProto: 17 }],
    ['an IPv6 payloadLength beyond the frame',
      ETH + '86dd' + '600000000064110920010db800000000000000000000000120010db8000000000000000000000002' + '000700090008a459', 14, { dlType: 0x86dd }],
    ['an IPv6 later fragment: nw_proto 44, as OVS',
      ETH + '86dd' + '6000000000102c0920010db800000000000000000000000120010db8000000000000000000000002' + '1100005000000001' + '00'.repeat(8), 62,
      { ...v6, nwProto: 44, nwFrag: NW_FRAG.LATER }],
    ['ARP with a hardware length of 8', ETH + '0806' + '0001080008040001' + '01'.repeat(28), 14, { dlType: 0x0806 }],
    ['ARP with an opcode above 255: nw_proto 0, as OVS',
      ETH + '0806' + '00010800060401010200000000010a0000010000000000000a000002', 42,
      { dlType: 0x0806, nwSrc: 0x0a000001, nwDst: 0x0a000002, arpSha: 0x020000000001 }],
  ])('reads %s exactly', (_name, hex, payloadOffset, fields) => {
    const k = new FlowKey();
    expect(extractFlowKey(fromHex(hex), k)).toBe(payloadOffset);
    expect(snapshot(k)).toEqual({ ...base, ...fields });
  });

  // OVS's parse_icmpv6: an NS or NA (code 0) gives nd_target and its link-layer options; a second
  // option of a kind already seen makes the message invalid (no ND field kept); an empty or
  // overlong option ends the walk with what was found. And TCP's flags from a whole header.
  const v6Head = (payload: string) => ETH + '86dd' + `6000000000${(payload.length / 2).toString(16).padStart(2, '0')}3a09` + '20010db8000000000000000000000001' + '20010db8000000000000000000000002' + payload;
  const TARGET = 'fe800000000000000000000000000001';
  it.each<[string, string, Record<string, unknown>]>([
    ['an NS with source and target link-layer options', v6Head('87000000' + '00000000' + TARGET + '0101020000000aaa' + '0201020000000bbb'), { ndTarget: TARGET, arpSha: 0x0200_0000_0aaa, arpTha: 0x0200_0000_0bbb, ndOptionsType: 1 }],
    ['an NA whose TLL comes first', v6Head('88000000' + 'e0000000' + TARGET + '0201020000000bbb' + '0101020000000aaa'), { tpSrc: 136, ndTarget: TARGET, arpSha: 0x0200_0000_0aaa, arpTha: 0x0200_0000_0bbb, ndReserved: 0xe000_0000, ndOptionsType: 2 }],
    ['an NA whose TLL follows an unknown option', v6Head('88000000' + '60000000' + TARGET + '0e01000000000000' + '0201020000000bbb'), { tpSrc: 136, ndTarget: TARGET, arpTha: 0x0200_0000_0bbb, ndReserved: 0x6000_0000, ndOptionsType: 2 }],
    // OVS's parse_icmpv6 keeps the reserved word and the first option's type of an invalid message.
    ['an NS with two SLL options (invalid)', v6Head('87000000' + '00000007' + TARGET + '0101020000000aaa' + '0101020000000ccc'), { ndTarget: ZERO16, ndReserved: 7, ndOptionsType: 1 }],
    ['an NS whose empty option ends the walk', v6Head('87000000' + '00000000' + TARGET + '0100000000000000' + '0101020000000aaa'), { ndTarget: TARGET }],
    ['an NS with code 1 (not ND to OVS)', v6Head('87010000' + '00000005' + TARGET + '0101020000000aaa'), { tpDst: 1 }],
    ['an NS cut inside its target', v6Head('87000000' + 'a0000000' + 'fe80'), { ndReserved: 0xa000_0000 }],
  ])('reads %s exactly', (_name, hex, fields) => {
    const k = new FlowKey();
    extractFlowKey(fromHex(hex), k);
    expect(snapshot(k)).toEqual({ ...base, ...v6, nwProto: 58, tpSrc: 135, ...fields });
  });

  it('reads TCP flags (NS and the reserved bits too) only from a whole TCP header', () => {
    const k = new FlowKey();
    extractFlowKey(fromHex(ETH + '0800' + '4500002800010000400666cd0a0000010a000002' + '0007000900000000000000005f12ffff00000000'), k);
    expect(k.tcpFlags).toBe(0xf12);
  });

  it('reads a VXLAN header only inside the outer datagram', () => {
    // A UDP datagram to 4789 with no VXLAN header, padded with bytes that look like one.
    const frame = fromHex(ETH + '0800' + '4500001c00010000401166ce0a0000010a000002' + '000712b500080000' + '0800000000138800' + '00'.repeat(24));
    const k = new FlowKey();
    extractTunnelFlowKey(frame, k);
    expect(snapshot(k)).toEqual({ ...base, ...v4, nwProto: 17, tpSrc: 7, tpDst: 4789 });
  });
});
