import { describe, expect, it } from 'vitest';
import { decode, encode, parseSpec, SpecError, toHex } from '../../src/index.js';

describe('craft spec', () => {
  it('builds the VXLAN example from the README byte for byte', () => {
    const spec =
      'ethernet(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)/vlan(vid=10)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(srcPort=1234,dstPort=4789)/vxlan(vni=5000)/ethernet/ipv4/icmp(type=8)/payload(text=hi)';
    const bytes = encode(parseSpec(spec));
    expect(toHex(bytes)).toBe(
      '0200000000020200000000018100000a080045000050000100004011669a0a0000010a00000204d212b5003c3bd9080000000013880' +
        '0ffffffffffff00000000000008004500001e0001000040017cdc7f0000017f00000108008f96000000006869',
    );
    expect(decode(bytes).map((l) => l.layer)).toEqual(['ethernet', 'vlan', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'icmp', 'payload']);
  });

  it.each([
    ['tcp(flags=SA)', { layer: 'tcp', flags: 0x12 }],
    ['tcp(flags=0x18)', { layer: 'tcp', flags: 0x18 }],
    ['ipv4(df=true,mf=0)', { layer: 'ipv4', df: true, mf: false }],
    ['payload(data=0x0102)', { layer: 'payload', data: Uint8Array.from([1, 2]) }],
    ['payload(text="a, (b)")', { layer: 'payload', data: new TextEncoder().encode('a, (b)') }],
    ['payload(size=3)', { layer: 'payload', data: Uint8Array.from([0, 1, 2]) }],
    ['esp(spi=0x10,alg=aes-gcm-256,key=0x00)', { layer: 'esp', spi: 16, alg: 'aes-gcm-256', key: Uint8Array.from([0]) }],
    ['ethernet(src=AA-BB-CC-DD-EE-FF)', { layer: 'ethernet', src: 'aa:bb:cc:dd:ee:ff' }],
    [' ipv6 ( src = 2001:db8::1 ) / udp ', { layer: 'ipv6', src: '2001:db8::1' }],
  ])('reads %s', (spec, first) => {
    expect(parseSpec(spec)[0]).toEqual(first);
  });

  it.each([
    ['', 1, 'empty spec'],
    ['ethernet/ipx', 10, 'unknown layer "ipx"; layers are ethernet, vlan'],
    // Scapy's names, and ours in another case, get a did-you-mean.
    ['Ether/IP/UDP', 1, 'unknown layer "Ether"; did you mean ethernet (Scapy\'s Ether)? layers are'],
    ['ethernet/Dot1Q(vlan=5)', 10, 'unknown layer "Dot1Q"; did you mean vlan (Scapy\'s Dot1Q)?'],
    ['ethernet/ipv4/Raw', 15, 'unknown layer "Raw"; did you mean payload (Scapy\'s Raw)?'],
    ['ethernet/IPv4', 10, 'unknown layer "IPv4"; did you mean ipv4? layers are'],
    ['ethernet/constructor', 10, 'unknown layer "constructor"; layers are'],
    ['ipv4(ttl=64', 12, 'missing ")"'],
    ['ipv4(ttl)', 9, 'expected "=" after ttl'],
    ['ipv4(tll=1)', 6, 'ipv4 has no field "tll"'],
    ['ipv4(ttl=sixty)', 10, 'ipv4.ttl: "sixty" is not an integer'],
    ['ipv4(src=10.0.0.256)', 10, 'is not an IPv4 address'],
    ['ethernet(dst=01:02)', 14, 'is not a MAC address'],
    ['ipv4(ttl=1,ttl=2)', 12, 'ttl is set twice'],
    ['ipv4(ttl=1,)', 12, 'expected a field after ","'],
    ['ipv4 udp', 6, 'expected "/" between layers'],
    ['esp(alg=des)', 9, 'is not an ESP algorithm'],
    ['payload(text="abc)', 14, 'unterminated string'],
    ['vlan(dei=maybe)', 10, 'is not true or false'],
    // Object.prototype's names are no fields, and "set twice" never comes from them.
    ['ethernet(toString=1)', 10, 'ethernet has no field "toString"; fields are dst, src, etherType'],
    ['ipv4(constructor=1)', 6, 'ipv4 has no field "constructor"'],
    ['esp(alg=toString)', 9, 'esp.alg: "toString" is not an ESP algorithm'],
    // data, text and size are three ways to give one payload.
    ['payload(text=a,size=3)', 16, 'text and size both give the payload; use one of data, text, size'],
    ['payload(data=0x01,text="a")', 19, 'data and text both give the payload; use one of data, text, size'],
    ['payload(text=a,text=b)', 16, 'text is set twice'],
    ['ipv6(extensionHeaders=1)', 6, 'ipv6.extensionHeaders cannot be written in a spec; build it with the library or JSON'],
  ])('names the column of a mistake in %j', (spec, column, reason) => {
    let error: unknown;
    try {
      parseSpec(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).column).toBe(column);
    expect((error as SpecError).reason).toContain(reason);
    expect((error as SpecError).code).toBe('NETLOOM_BAD_SPEC');
  });
});
