import { describe, expect, it } from 'vitest';
import { FlowSyntaxError } from '../../src/switch/ofctl.js';
import { packetFromFlow } from '../../src/switch/trace.js';
import { Bridge } from '../../src/switch/bridge.js';
import { toHex } from '../../src/index.js';

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
