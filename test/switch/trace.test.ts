import { describe, expect, it } from 'vitest';
import { FlowSyntaxError } from '../../src/switch/ofctl.js';
import { formatFlow, packetFromFlow } from '../../src/switch/trace.js';
import { Bridge } from '../../src/switch/bridge.js';
import { toHex } from '../../src/index.js';
import { fromHex } from '../../src/wire/addresses.js';
import { SwitchPacket } from '../../src/switch/packet.js';
import fc from 'fast-check';

const ports = [1, 2].map((n) => ({ number: n, name: `p${n}` }));

describe('packetFromFlow', () => {
  it('resolves in_port names through the bridge ports, and LOCAL', () => {
    const bridge = new Bridge('br0', ports);
    expect(packetFromFlow('in_port=p2,udp', bridge.ports).inPort).toBe(2);
    expect(packetFromFlow(' in_port = p1 , tcp , tp_dst = 80', ports).inPort).toBe(1);
    expect(packetFromFlow('in_port=LOCAL').inPort).toBe(0xfffe);
    // TOS byte 0x21: DSCP 8 from nw_tos=32, ECN 1.
    expect(toHex(packetFromFlow('in_port=3,udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=32,nw_ecn=1,tp_src=1,tp_dst=2').bytes)).toBe(
      '00000000000000000000000008004521001c00010000401166ad0a0000010a000002000100020008ebd8',
    );
  });

  it.each([
    ['in_port=p1,udp', undefined, 9, 'in_port "p1" is not a port number (port names need the bridge\'s ports)'],
    ['in_port=p9,udp', ports, 9, 'in_port "p9" is not a port number or a port of this bridge (p1, p2)'],
    ['udp,nw_tos=300', undefined, 12, 'nw_tos value 300 is wider than its 8 bits'],
    ['udp,nw_tos=5', undefined, 12, 'nw_tos 5 sets DSCP bits only'],
    ['udp,tp_dst=70000', undefined, 12, 'tp_dst value 70000 is wider than its 16 bits'],
    ['udp,tp_dst=0x50/0xf0', undefined, 16, "tp_dst: a packet's field has one value, not a value/mask"],
    ['dl_src=zz', undefined, 8, 'dl_src: "zz" is not a MAC address'],
    ['ip,nw_src=1.2.3', undefined, 11, 'nw_src: "1.2.3" is not an IPv4 address'],
    ['dl_vlan=5000', undefined, 9, 'dl_vlan "5000" is not an integer 0-4095'],
    ['ipv6,ipv6_src=zz', undefined, 15, 'ipv6_src: "zz" is not an IPv6 address'],
    ['icmp,icmp_type=300', undefined, 16, 'icmp_type value 300 is wider than its 8 bits'],
    ['udp,ip_dscp=64', undefined, 13, 'ip_dscp value 64 is wider than its 6 bits'],
    ['udp, udp', undefined, 6, 'udp is set twice'],
    ['udp,tcp=1', undefined, 5, 'tcp takes no value'],
    ['ip,foo=1', undefined, 4, '"foo" cannot describe a packet here'],
  ] as const)('refuses %j at column %i of the flow', (flow, withPorts, column, reason) => {
    let error: unknown;
    try {
      packetFromFlow(flow, withPorts);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowSyntaxError);
    expect((error as FlowSyntaxError).column).toBe(column);
    expect((error as FlowSyntaxError).reason).toContain(reason);
    expect((error as FlowSyntaxError).flow).toBe(flow);
  });
});

describe("packetFromFlow: the tutorial's forms", () => {
  it('reads vlan_tci with CFI as a tag, without CFI as the flow says, and names no EtherType as dl_type 0', () => {
    expect(packetFromFlow('in_port=1,vlan_tci=0x1064,dl_src=50:00:00:00:00:01')).toEqual({ inPort: 1, bytes: fromHex('000000000000500000000001810000640000'), dlType: 0 });
    expect(packetFromFlow('in_port=1,vlan_tci=5')).toEqual({ inPort: 1, bytes: fromHex('0000000000000000000000000000'), vlanTci: 5, dlType: 0 });
    // A field by another of its names.
    expect(toHex(packetFromFlow('eth_src=50:00:00:00:00:01,eth_type=0x88b5').bytes)).toBe('00000000000050000000000188b5');
  });

  it.each([
    ['vlan_tci=0x1064,dl_vlan=5', 1, 'vlan_tci and dl_vlan/dl_vlan_pcp both describe the VLAN tag: give one'],
    ['vlan_tci=0x10000', 10, 'vlan_tci "0x10000" is not an integer 0-65535'],
  ] as const)('refuses %j at column %i', (flow, column, reason) => {
    expect(() => packetFromFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });

  it('reads every flow it is given back as the packet the flow says (property)', () => {
    const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 0xffff }), mac, mac, fc.boolean(), (inPort, tci, src, dst, udp) => {
        const p = packetFromFlow(`in_port=${inPort},vlan_tci=${tci},dl_src=${src},dl_dst=${dst}${udp ? ',udp,tp_dst=53' : ''}`);
        const packet = new SwitchPacket(p.bytes, p.inPort);
        packet.describe(p.vlanTci, p.dlType);
        const flow = formatFlow(packet.words);
        expect(flow).toContain(`in_port=${inPort},`);
        expect(flow).toContain(`dl_src=${src},dl_dst=${dst}`);
        expect(flow).toContain((tci & 0x1000) !== 0 ? `dl_vlan=${tci & 0xfff},dl_vlan_pcp=${tci >>> 13}` : `vlan_tci=0x${tci.toString(16).padStart(4, '0')}`);
        expect(flow.includes('dl_type=0x0000')).toBe(!udp);
      }),
    );
  });

  it('raises nothing but FlowSyntaxError on any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'in_port=1,vlan_tci=0x1064dl_srcudp:/ x'.split('')) }), (text) => {
        try {
          packetFromFlow(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FlowSyntaxError);
        }
      }),
    );
  });
});
