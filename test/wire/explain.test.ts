import { describe, expect, it } from 'vitest';
import { encode, fromHex } from '../../src/index.js';
import { explain } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';

describe('explain', () => {
  // IPv4 in IPv4 `depth` times inside Ethernet, each header made by encode.
  const nested = (depth: number) => encode([{ layer: 'ethernet' }, ...Array.from({ length: depth }, () => ({ layer: 'ipv4' as const })), { layer: 'udp' }]);

  it('shows a packet of 2 MiB and more (bytes given raw) without running out of stack, its text linear in the bytes', () => {
    const big = new Uint8Array(2_200_000);
    const text = explain(big);
    expect(text.split('\n').filter((line) => /^[0-9a-f]{4,} /.test(line))).toHaveLength(2_200_000 / 16);
    expect(text.length / explain(new Uint8Array(1_100_000)).length).toBeCloseTo(2, 1);
  });

  it('keeps the text of a deeply nested packet linear in its depth (the indent stops growing)', () => {
    const shallow = explain(nested(200));
    const deep = explain(nested(400));
    expect(deep.length / shallow.length).toBeLessThan(2.1);
    expect(deep).toContain('\n                ipv4  bytes 7954-7973 (20)  (depth 396)\n');
  });

  it('gives each field its byte range and marks a wrong checksum with the right one', () => {
    const text = explain(encode([{ layer: 'ethernet' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', checksum: 0xbeef }, { layer: 'udp' }]));
    expect(text).toContain('ipv4  bytes 14-33 (20)\n  14        version         4\n');
    expect(text).toContain('  22        ttl             64\n');
    expect(text).toMatch(/ {2}24-25 {5}checksum {8}0xbeef \[incorrect, should be 0x[0-9a-f]{4}\]\n/);
    expect(text).toMatch(/udp {2}bytes 34-41 \(8\)[^]*checksum {8}0x[0-9a-f]{4} \[correct\]/);
  });

  it('nests the quoted datagram of an ICMP error and does not judge its checksums', () => {
    const text = explain(fromHex(FIXTURES.icmpfragneeded));
    expect(text).toContain('icmp  bytes 34-41 (8)\n');
    expect(text).toContain('  40-41     nextHopMtu      1450\n');
    expect(text).toContain('  ipv4  bytes 42-61 (20)  (quoted)\n');
    expect(text).toMatch(/\(quoted\)[^]*checksum {8}0x6fc2\n/);
  });

  it('names TCP flags and ICMP and ICMPv6 types and codes', () => {
    const tcp = explain(encode([{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'tcp', flags: 0x12 }]));
    expect(tcp).toContain('  47        flags           0x12 (SYN, ACK)\n');
    expect(explain(encode([{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'tcp', flags: 0 }]))).toContain(' flags           0x00 (none)\n');
    const fragNeeded = explain(fromHex(FIXTURES.icmpfragneeded));
    expect(fragNeeded).toContain('  34        type            3 (destination unreachable)\n  35        code            4 (fragmentation needed)\n');
    const echo = explain(encode([{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'icmp', type: 8, code: 0 }]));
    expect(echo).toContain('  34        type            8 (echo request)\n  35        code            0\n');
    const v6 = explain(encode([{ layer: 'ethernet' }, { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' }, { layer: 'icmpv6', type: 2, code: 0 }]));
    expect(v6).toContain('  54        type            2 (packet too big)\n');
    expect(explain(encode([{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'icmp', type: 200, code: 9 }]))).toContain('  34        type            200\n  35        code            9\n');
  });

  it('places the ESP trailer after the inner packet and counts it as encapsulation', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0fdeadbeef');
    const text = explain(fromHex(FIXTURES.espgcm), { espSAs: [{ spi: 0x1234, alg: 'aes-gcm-128', key }] });
    expect(text).toContain('  42-49     iv              0001020304050607 (8 bytes)\n');
    expect(text).toContain('  72        padLength       3\n');
    expect(text).toContain('  73        nextHeader      0x11 (UDP)\n');
    // 14 + 20 + 8 (SPI, sequence) + 8 (IV) in front; 3 padding + 2 + 16 ICV after.
    expect(text).toContain('ESP encapsulation adds 71 bytes around a 19-byte inner udp: 50 in front (ethernet 14 + ipv4 20 + esp 16), 21 after (trailer, padding, ICV)');
  });

  it('reports bad bytes after the layers it could read, keeping the rest as payload', () => {
    const text = explain(fromHex(FIXTURES.icmpecho).subarray(0, 30));
    expect(text).toContain('! NETLOOM_TRUNCATED: ipv4 at byte 14: needs 20 bytes, only 16 left');
    expect(text).toContain('payload  bytes 14-29 (16)');
  });

  it('marks where each layer starts under the hex', () => {
    const lines = explain(fromHex(FIXTURES.vxlan)).split('\n');
    const row = lines.findIndex((l) => l.startsWith('0020  '));
    expect(lines[row + 1]).toBe(`${' '.repeat(24)}^${' '.repeat(23)}^      udp@38 vxlan@46`);
  });

  it.each([
    // An IPv4 first fragment (MF) of a 128-byte UDP datagram: the checksum covers bytes not here.
    ['an IPv4 first fragment',
      'ffffffffffff00000000000008004500004400012000401146a60a0000010a00000203e807d0006c7ffc' + '07'.repeat(40),
      '  40-41     checksum        0x7ffc [not checked: fragment]\n'],
    // The same datagram over IPv6 with a fragment header, M set.
    ['an IPv6 fragment header with M set',
      'ffffffffffff00000000000086dd6000000000382c4020010db800000000000000000000000120010db8000000000000000000000002' +
        '1100000100000007' + '03e807d0006c388a' + '07'.repeat(40),
      '  68-69     checksum        0x388a [not checked: fragment]\n'],
  ])('gives no checksum verdict inside %s', (_name, hex, line) => {
    const text = explain(fromHex(hex));
    expect(text).toContain(line);
    expect(text).not.toContain('incorrect');
  });
});
