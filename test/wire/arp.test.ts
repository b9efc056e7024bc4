import { describe, expect, it } from 'vitest';
import { decode, encode, toHex } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

describe('arp: who-has 192.168.1.2, with 18 bytes of Ethernet padding', () => {
  codecTests({
    hex: FIXTURES.arp,
    minLength: 42,
    layers: [
      { layer: 'ethernet', dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01', etherType: 0x0806 },
      {
        layer: 'arp', hardwareType: 1, protocolType: 0x0800, hardwareLength: 6, protocolLength: 4, op: 1,
        senderMac: '02:00:00:00:00:01', senderIp: '192.168.1.1', targetMac: '00:00:00:00:00:00', targetIp: '192.168.1.2',
        padding: new Uint8Array(18),
      },
    ],
  });

  it('keeps ARP for other hardware as payload', () => {
    const frame = encode([{ layer: 'ethernet', etherType: 0x0806 }, { layer: 'payload', data: Uint8Array.from([0, 6, 8, 0, 6, 4, 0, 1]) }]);
    expect(decode(frame)[1]).toEqual({ layer: 'payload', data: Uint8Array.from([0, 6, 8, 0, 6, 4, 0, 1]) });
  });

  it('encodes a reply from defaults', () => {
    const bytes = encode([{ layer: 'ethernet', dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02' }, { layer: 'arp', op: 2, senderMac: '02:00:00:00:00:02', senderIp: '10.0.0.2', targetMac: '02:00:00:00:00:01', targetIp: '10.0.0.1' }]);
    expect(toHex(bytes)).toBe('020000000001020000000002080600010800060400020200000000020a000002020000000001' + '0a000001');
  });
});
