import { describe, expect, it } from 'vitest';
import { encode, toHex, WireError } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';

function thrown(run: () => unknown): WireError {
  try {
    run();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError');
}

describe('encode', () => {
  it.each<[string, LayerSpec[], string]>([
    ['ethernet etherType above 16 bits', [{ layer: 'ethernet', etherType: 0x10800 }], 'ethernet at byte 0: etherType 67584 is not an integer in 0-65535'],
    ['ethernet etherType negative', [{ layer: 'ethernet', etherType: -1 }], 'ethernet at byte 0: etherType -1 is not an integer in 0-65535'],
    ['vlan pcp not an integer', [{ layer: 'ethernet' }, { layer: 'vlan', pcp: 1.5 }], 'vlan at byte 14: pcp 1.5 is not an integer in 0-7'],
    ['vlan etherType above 16 bits', [{ layer: 'ethernet' }, { layer: 'vlan', etherType: 70000 }], 'vlan at byte 14: etherType 70000 is not an integer in 0-65535'],
    ['vlan tpid above 16 bits', [{ layer: 'ethernet' }, { layer: 'vlan', tpid: 0x18100 }], 'vlan at byte 14: tpid 98560 is not an integer in 0-65535'],
    ['arp hardwareType', [{ layer: 'arp', hardwareType: 0x10000 }], 'arp at byte 0: hardwareType 65536 is not an integer in 0-65535'],
    ['arp protocolType', [{ layer: 'arp', protocolType: -2 }], 'arp at byte 0: protocolType -2 is not an integer in 0-65535'],
    ['arp hardwareLength', [{ layer: 'arp', hardwareLength: 256 }], 'arp at byte 0: hardwareLength 256 is not an integer in 0-255'],
    ['arp protocolLength', [{ layer: 'arp', protocolLength: 4.5 }], 'arp at byte 0: protocolLength 4.5 is not an integer in 0-255'],
    ['arp op', [{ layer: 'arp', op: 70000 }], 'arp at byte 0: op 70000 is not an integer in 0-65535'],
    ['ipv4 checksum', [{ layer: 'ethernet' }, { layer: 'ipv4', checksum: 0x10001 }], 'ipv4 at byte 14: checksum 65537 is not an integer in 0-65535'],
    ['gre protocol', [{ layer: 'ipv4' }, { layer: 'gre', protocol: 0x10000 }], 'gre at byte 20: protocol 65536 is not an integer in 0-65535'],
    ['gre reserved1', [{ layer: 'ipv4' }, { layer: 'gre', reserved1: -1 }], 'gre at byte 20: reserved1 -1 is not an integer in 0-65535'],
    ['gre checksum', [{ layer: 'ipv4' }, { layer: 'gre', checksum: 0x10000 }], 'gre at byte 20: checksum 65536 is not an integer in 0-65535'],
    ['icmp time exceeded unused', [{ layer: 'icmp', type: 11, unused: 2 ** 32 }], 'icmp at byte 0: unused 4294967296 is not an integer in 0-4294967295'],
    ['icmpv6 packet too big mtu', [{ layer: 'icmpv6', type: 2, mtu: -1 }], 'icmpv6 at byte 0: mtu -1 is not an integer in 0-4294967295'],
    ['icmpv6 rest', [{ layer: 'icmpv6', type: 1, rest: 0.5 }], 'icmpv6 at byte 0: rest 0.5 is not an integer in 0-4294967295'],
  ])('refuses an out-of-range value instead of masking it: %s', (_name, specs, message) => {
    const error = thrown(() => encode(specs));
    expect(error.code).toBe('NETLOOM_BAD_FIELD');
    expect(error.message).toBe(message);
  });

  it.each<[string, LayerSpec[], string, number, string]>([
    // Addresses: the byte where the address is written, and the field named once.
    ['ipv4 dst', [{ layer: 'ethernet' }, { layer: 'ipv4', dst: '10.0.0.256' }], 'ipv4', 30, 'ipv4 at byte 30: dst "10.0.0.256" is not an IPv4 address'],
    ['ipv6 src prefix', [{ layer: 'ethernet' }, { layer: 'ipv6', src: '2001:db8::/64' }], 'ipv6', 22, 'ipv6 at byte 22: src "2001:db8::/64" is a prefix, not an address'],
    ['ipv6 dst', [{ layer: 'ethernet' }, { layer: 'ipv6', dst: 'zz::1' }], 'ipv6', 38, 'ipv6 at byte 38: dst "zz::1" is not an IPv6 address'],
    ['arp targetMac', [{ layer: 'ethernet' }, { layer: 'arp', targetMac: '1:2:3' }], 'arp', 32, 'arp at byte 32: targetMac "1:2:3" is not a MAC address'],
    ['arp senderIp', [{ layer: 'ethernet' }, { layer: 'arp', senderIp: '1.2.3' }], 'arp', 28, 'arp at byte 28: senderIp "1.2.3" is not an IPv4 address'],
    // Layout-time problems: the layer's real start.
    ['tcp options', [{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'tcp', options: new Uint8Array(41) }], 'tcp', 34, 'tcp at byte 34: 41 option bytes, at most 40'],
    ['ipv4 options', [{ layer: 'ethernet' }, { layer: 'vlan' }, { layer: 'ipv4', options: new Uint8Array(44) }], 'ipv4', 18, 'ipv4 at byte 18: 44 option bytes, at most 40'],
    ['esp without SA', [{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'esp', spi: 1, alg: 'aes-gcm-128' }], 'esp', 34, 'esp at byte 34: alg aes-gcm-128 but no key and no SA for spi 1'],
    ['esp key without alg', [{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'esp', key: new Uint8Array(20) }], 'esp', 34, 'esp at byte 34: a key needs an alg'],
    ['unknown layer', [{ layer: 'ethernet' }, { layer: 'ipx' } as unknown as LayerSpec], 'layers[1]', 14, 'layers[1] at byte 14: unknown layer "ipx"'],
  ])('names where a bad value is: %s', (_name, specs, layer, offset, message) => {
    const error = thrown(() => encode(specs));
    expect({ layer: error.layer, offset: error.offset, message: error.message }).toEqual({ layer, offset, message });
  });

  it('hands out packets as views into a shared 8 KiB slab (copy before transferring the buffer)', () => {
    const a = encode([{ layer: 'payload', data: Uint8Array.from([1, 2, 3]) }]);
    expect([a.byteLength, a.buffer.byteLength, toHex(a)]).toEqual([3, 8192, '010203']);
    const copy = a.slice();
    expect([copy.buffer.byteLength, toHex(copy)]).toEqual([3, '010203']);
  });
});
