import { describe, expect, it } from 'vitest';
import { decode, defaultRegistry, encode, toHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('vxlan: VNI 5000 over a VLAN-tagged underlay, UDP checksum 0', () => {
  codecTests({
    hex: FIXTURES.vxlan,
    layers: [
      { layer: 'ethernet', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', etherType: 0x8100 },
      { layer: 'vlan', vid: 10, etherType: 0x0800 },
      { layer: 'ipv4', src: '192.168.1.1', dst: '192.168.2.1', df: true, id: 0, protocol: 17 },
      { layer: 'udp', srcPort: 51234, dstPort: 4789, length: 90, checksum: 0 },
      { layer: 'vxlan', flags: 0x08, reserved1: 0, vni: 5000, reserved2: 0 },
      { layer: 'ethernet', dst: '0a:00:00:00:00:02', src: '0a:00:00:00:00:01' },
      { layer: 'ipv4', src: '172.16.0.1', dst: '172.16.0.2' },
      { layer: 'icmp', type: 8, id: 1, seq: 1 },
      { layer: 'payload' },
    ],
  });
});

describe('vxlan', () => {
  it('decodes VXLAN on a port the caller registers (Linux 8472)', () => {
    const registry = defaultRegistry.clone().bindUdpPort(8472, 'vxlan');
    const bytes = encode([{ layer: 'ipv4' }, { layer: 'udp', dstPort: 8472 }, { layer: 'vxlan', vni: 1 }, { layer: 'ethernet' }], { registry });
    expect(decode(bytes, { first: 'ipv4', registry }).map((l) => l.layer)).toEqual(['ipv4', 'udp', 'vxlan', 'ethernet']);
    expect(decode(bytes, { first: 'ipv4' }).map((l) => l.layer)).toEqual(['ipv4', 'udp', 'payload']);
    expect(defaultRegistry.layerForUdpPort(8472)).toBeUndefined();
  });

  it('derives the outer source port from the inner flow, in 49152-65535 (RFC 7348 §5)', () => {
    const ports = new Set<number>();
    for (let host = 1; host <= 50; host++) {
      const bytes = encode([
        { layer: 'ipv4' }, { layer: 'udp' }, { layer: 'vxlan', vni: 7 },
        { layer: 'ethernet' }, { layer: 'ipv4', src: `10.0.0.${host}`, dst: '10.0.1.1' }, { layer: 'udp', srcPort: 1000, dstPort: 2000 },
      ]);
      const port = (bytes[20]! << 8) | bytes[21]!;
      expect(port).toBeGreaterThanOrEqual(49152);
      ports.add(port);
      // The same inner flow always gets the same port.
      expect(encode(decode(bytes, { first: 'ipv4' }).map((l) => (l.layer === 'udp' && l.dstPort === 4789 ? { ...l, srcPort: undefined } : l)))).toEqual(bytes);
    }
    expect(ports.size).toBeGreaterThan(40);
  });

  it('uses the bottom of the range when no inner frame follows', () => {
    const bytes = encode([{ layer: 'ipv4' }, { layer: 'udp' }, { layer: 'vxlan' }]);
    expect((bytes[20]! << 8) | bytes[21]!).toBe(49152);
  });

  it('writes the I flag and the VNI in the middle three bytes', () => {
    const bytes = encode([{ layer: 'vxlan', vni: 0xabcdef }]);
    expect(toHex(bytes)).toBe('08000000abcdef00');
    expect(() => encode([{ layer: 'vxlan', vni: 1 << 24 }])).toThrow(/vni 16777216 is not an integer in 0-16777215/);
  });

  it('truncated inner frame names the inner offset', () => {
    const bytes = encode([{ layer: 'ipv4' }, { layer: 'udp' }, { layer: 'vxlan' }, { layer: 'payload', data: new Uint8Array(6) }]);
    expect(() => decode(bytes, { first: 'ipv4' })).toThrow(expect.objectContaining({ code: 'NETLOOM_TRUNCATED', layer: 'ethernet', offset: 36 }));
  });
});
