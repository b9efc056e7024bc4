import { describe, expect, it } from 'vitest';
import { decode, encode, fromHex, layersFromJson, layerToJson, toHex, WireError } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';

describe('layersFromJson', () => {
  it.each<[string, unknown, string, string]>([
    ['a string where a number belongs', [{ layer: 'ethernet', etherType: '0x800' }], 'layers[0].etherType', 'expected a number, got the string "0x800"'],
    ['a number where a MAC belongs', [{ layer: 'ethernet', dst: 5 }], 'layers[0].dst', 'expected a MAC address as text, got number 5'],
    ['a string where a boolean belongs', [{ layer: 'ethernet' }, { layer: 'ipv4', df: 'true' }], 'layers[1].df', 'expected true or false, got the string "true"'],
    ["GRE's key as text", [{ layer: 'gre', key: 'abc' }], 'layers[0].key', 'expected a number, got the string "abc"'],
    ["ESP's key as a number", [{ layer: 'esp', key: 12 }], 'layers[0].key', 'expected a hex string, got number 12'],
    ['payload data as a number', [{ layer: 'payload', data: 5 }], 'layers[0].data', 'expected a hex string, got number 5'],
    ['payload data not hex', [{ layer: 'payload', data: '0g' }], 'layers[0].data', 'expected a hex string, got the string "0g"'],
    ['tcp options as an object', [{ layer: 'tcp', options: {} }], 'layers[0].options', 'expected a hex string, got an object'],
    ['an unknown field', [{ layer: 'vxlan', vnii: 3 }], 'layers[0].vnii', 'vxlan has no such field; fields are flags, reserved1, vni, reserved2'],
    ['an unknown layer', [{ layer: 'ipx' }], 'layers[0].layer',
      'expected one of ethernet, vlan, arp, ipv4, ipv6, icmp, icmpv6, udp, tcp, vxlan, gre, esp, payload, got the string "ipx"'],
    ['a layer that is no object', [5], 'layers[0]', 'expected a layer object, got number 5'],
    ['no array', { layer: 'ipv4' }, 'layers', 'expected an array of layers, got an object'],
    ['extension headers as a string', [{ layer: 'ipv6', extensionHeaders: 'x' }], 'layers[0].extensionHeaders', 'expected an array of extension headers, got the string "x"'],
    ['an extension header that is no object', [{ layer: 'ipv6', extensionHeaders: [5] }], 'layers[0].extensionHeaders[0]', 'expected an extension header object, got number 5'],
    ['an unknown extension header', [{ layer: 'ipv6', extensionHeaders: [{ header: 'jumbo' }] }], 'layers[0].extensionHeaders[0].header',
      'expected one of hopByHop, destinationOptions, routing, fragment, got the string "jumbo"'],
    ['a routing header without typeData', [{ layer: 'ipv6', extensionHeaders: [{ header: 'routing', routingType: 0, segmentsLeft: 0 }] }],
      'layers[0].extensionHeaders[0].typeData', 'missing: a routing header needs routingType, segmentsLeft, typeData'],
    ['a fragment header without fields', [{ layer: 'ipv6', extensionHeaders: [{ header: 'fragment' }] }],
      'layers[0].extensionHeaders[0].reserved', 'missing: a fragment header needs reserved, fragmentOffset, res, m, identification'],
    ["a field of another header's kind", [{ layer: 'ipv6', extensionHeaders: [{ header: 'hopByHop', options: '0102', typeData: '00' }] }],
      'layers[0].extensionHeaders[0].typeData', 'a hopByHop header has no such field; fields are nextHeader, headerLength, options'],
    ['a number where M belongs', [{ layer: 'ipv6', extensionHeaders: [{ header: 'fragment', reserved: 0, fragmentOffset: 0, res: 0, m: 1, identification: 1 }] }],
      'layers[0].extensionHeaders[0].m', 'expected true or false, got number 1'],
  ])('names the JSON path of %s', (_name, json, path, message) => {
    let error: unknown;
    try {
      layersFromJson(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WireError);
    expect(error).toMatchObject({ code: 'NETLOOM_BAD_FIELD', path, message: `${path}: ${message}` });
  });

  it('reads null as unset: computed or defaulted, as Scapy reads None', () => {
    expect(toHex(encode(layersFromJson([{ layer: 'icmp', type: null, checksum: null }])))).toBe('0800f7ff00000000');
  });

  it('reads back IPv6 extension headers from decode --json output', () => {
    const json = JSON.parse(JSON.stringify(decode(fromHex(FIXTURES.ipv6ext)).map(layerToJson))) as unknown;
    expect(toHex(encode(layersFromJson(json)))).toBe(FIXTURES.ipv6ext);
  });
});
