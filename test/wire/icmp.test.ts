import { describe, expect, it } from 'vitest';
import { encode, decode, toHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('icmp: echo request', () => {
  codecTests({
    hex: FIXTURES.icmpecho,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', protocol: 1 },
      { layer: 'icmp', type: 8, code: 0, checksum: 0x542f, id: 0x1234, seq: 7 },
      { layer: 'payload', data: new TextEncoder().encode('abcdefgh') },
    ],
  });
});

describe('icmp: fragmentation needed, next-hop MTU 1450, quoting a VXLAN datagram', () => {
  codecTests({
    hex: FIXTURES.icmpfragneeded,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', src: '10.0.0.254', dst: '10.0.0.1' },
      { layer: 'icmp', type: 3, code: 4, unused: 0, nextHopMtu: 1450, checksum: 0xc375 },
      { layer: 'ipv4', src: '10.0.0.1', dst: '192.0.2.9', df: true, ttl: 63, totalLength: 28 },
      // The quoted UDP header says 1480 bytes; only its 8 header bytes were quoted.
      { layer: 'udp', srcPort: 4321, dstPort: 4789, length: 1480 },
    ],
  });
});

describe('icmp: time exceeded quoting an echo request', () => {
  codecTests({
    hex: FIXTURES.icmptimeexceeded,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4' },
      { layer: 'icmp', type: 11, code: 0, unused: 0 },
      { layer: 'ipv4', ttl: 1, dst: '8.8.8.8', totalLength: 60 },
      { layer: 'icmp', type: 8, id: 1, seq: 1 },
    ],
  });
});

describe('icmpv6: echo request', () => {
  codecTests({
    hex: FIXTURES.icmpv6echo,
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv6', nextHeader: 58, src: 'fe80::1', dst: 'ff02::1' },
      { layer: 'icmpv6', type: 128, code: 0, checksum: 0x6d1c, id: 0x42, seq: 3 },
      { layer: 'payload', data: new TextEncoder().encode('ping6') },
    ],
  });
});

describe('icmpv6', () => {
  it('packet too big carries the MTU and quotes the invoking packet', () => {
    const inner = encode([{ layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
    const bytes = encode([{ layer: 'ipv6' }, { layer: 'icmpv6', type: 2, mtu: 1280 }, { layer: 'payload', data: inner }]);
    const layers = decode(bytes, { first: 'ipv6' });
    expect(layers.map((l) => l.layer)).toEqual(['ipv6', 'icmpv6', 'ipv6', 'udp']);
    expect(layers[1]).toMatchObject({ type: 2, mtu: 1280 });
    expect(toHex(encode(layers))).toBe(toHex(bytes));
  });
});
