import { describe, expect, it } from 'vitest';
import { decode, decodeTolerant, encode, encodeInto, explain, fromHex, toHex, ReplayWindow, WireError } from '../../src/index.js';
import type { SecurityAssociation } from '../../src/index.js';
import { FIXTURES } from './fixtures.js';
import { codecTests } from './harness.js';

const gcm128: SecurityAssociation = { spi: 0x1234, alg: 'aes-gcm-128', key: fromHex('000102030405060708090a0b0c0d0e0fdeadbeef') };
const nullHmac: SecurityAssociation = { spi: 0x5678, alg: 'null-hmac-sha256-128', key: fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f') };
const gcm256: SecurityAssociation = { spi: 0x9abc, alg: 'aes-gcm-256', key: fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f01020304') };

describe('esp: AES-GCM-128 transport mode (Scapy-encrypted)', () => {
  codecTests({
    hex: FIXTURES.espgcm,
    options: { espSAs: [gcm128] },
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', protocol: 50 },
      { layer: 'esp', spi: 0x1234, seq: 1, alg: 'aes-gcm-128', iv: fromHex('0001020304050607'), padLength: 3, nextHeader: 17, icv: fromHex('7c46fc4a6bb241631408f3649b16ae9b') },
      { layer: 'udp', srcPort: 1234, dstPort: 5678 },
      { layer: 'payload', data: new TextEncoder().encode('hello world') },
    ],
  });
});

describe('esp: NULL encryption with HMAC-SHA-256-128', () => {
  codecTests({
    hex: FIXTURES.espnull,
    options: { espSAs: [nullHmac] },
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', protocol: 50 },
      { layer: 'esp', spi: 0x5678, seq: 7, padLength: 3, nextHeader: 17, icv: fromHex('3f9e8d587ead502da50d19efe7d7410b') },
      { layer: 'udp', srcPort: 1234, dstPort: 5678 },
      { layer: 'payload', data: new TextEncoder().encode('hello world') },
    ],
  });
});

describe('esp: AES-GCM-256 tunnel mode carrying IPv4/ICMP', () => {
  codecTests({
    hex: FIXTURES.esptunnel,
    options: { espSAs: [gcm256] },
    layers: [
      { layer: 'ethernet' },
      { layer: 'ipv4', src: '192.168.1.1', dst: '192.168.2.1', protocol: 50 },
      { layer: 'esp', spi: 0x9abc, seq: 5, nextHeader: 4 },
      { layer: 'ipv4', src: '172.16.0.1', dst: '172.16.0.2' },
      { layer: 'icmp', id: 9, seq: 1 },
      { layer: 'payload', data: new TextEncoder().encode('tunnel') },
    ],
  });
});

describe('esp', () => {
  const packet = fromHex(FIXTURES.espgcm);

  it('without an SA keeps SPI, sequence number and the protected bytes', () => {
    const layers = decode(packet);
    expect(layers[2]).toEqual({ layer: 'esp', spi: 0x1234, seq: 1 });
    expect(layers[3]).toMatchObject({ layer: 'payload' });
    expect(toHex(encode(layers))).toBe(FIXTURES.espgcm);
  });

  it('reports a wrong key as an ICV failure at the ESP header', () => {
    const wrong = { ...gcm128, key: fromHex('ff0102030405060708090a0b0c0d0e0fdeadbeef') };
    expect(() => decode(packet, { espSAs: [wrong] })).toThrow(expect.objectContaining({ code: 'NETLOOM_ESP_ICV_FAILURE', layer: 'esp', offset: 34 }));
  });

  it('still shows SPI and sequence number when the key is wrong, then the ciphertext and why', () => {
    const wrong = { ...gcm128, key: fromHex('ff0102030405060708090a0b0c0d0e0fdeadbeef') };
    const text = explain(packet, { espSAs: [wrong] });
    expect(text).toContain('esp  bytes 34-41 (8)\n  34-37     spi             0x00001234 (4660)\n  38-41     seq             1\n  payload  bytes 42-');
    expect(text).toContain('! NETLOOM_ESP_ICV_FAILURE: esp at byte 34: ICV check failed (wrong key, or the packet was changed)\n');
  });

  it('refuses to send layers in plaintext behind an ESP header with no key and no SA', () => {
    const specs = [{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'esp', spi: 5 }, { layer: 'ipv4' }, { layer: 'udp' }] as const;
    expect(() => encode(specs)).toThrow(
      expect.objectContaining({
        code: 'NETLOOM_ESP_NO_SA',
        offset: 34,
        message: 'esp at byte 34: no alg and key, and no SA for spi 5: ipv4/udp would go out unencrypted; give alg and key (or an SA), or follow esp with payload (its ciphertext)',
      }),
    );
    // Ciphertext given as it is, or nothing after the header, is what an unkeyed ESP carries.
    expect(toHex(encode([{ layer: 'ipv4', src: '1.1.1.1', dst: '2.2.2.2' }, { layer: 'esp', spi: 5, seq: 2 }, { layer: 'payload', data: fromHex('abcd') }])).slice(40)).toBe('0000000500000002abcd');
    expect(encode([{ layer: 'ipv4' }, { layer: 'esp', spi: 5 }]).length).toBe(28);
  });

  it('reports any flipped byte after the SPI as an ICV failure, never a crash', () => {
    for (let k = 34; k < packet.length; k++) {
      const tampered = Uint8Array.from(packet);
      tampered[k]! ^= 0x01;
      const result = decodeTolerant(tampered, { espSAs: [gcm128] });
      // A flipped SPI finds no SA and is just opaque; any other flip fails the ICV.
      if (k < 38) expect(result.error).toBeUndefined();
      else expect(result.error?.code, `byte ${k}`).toBe('NETLOOM_ESP_ICV_FAILURE');
    }
  });

  it('encrypts with the sequence number as the explicit IV by default, and pads 1, 2, 3 …', () => {
    const bytes = encode([
      { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
      { layer: 'esp', spi: 0x1234, seq: 9, alg: 'aes-gcm-128', key: gcm128.key },
      { layer: 'udp', srcPort: 1, dstPort: 2 },
      { layer: 'payload', data: Uint8Array.from([1]) },
    ]);
    const esp = decode(bytes, { first: 'ipv4', espSAs: [gcm128] })[1];
    expect(esp).toMatchObject({ iv: fromHex('0000000000000009'), padLength: 1, nextHeader: 17 });
    // 9 bytes of UDP + 1 pad + 2 = 12: 4-byte aligned (RFC 4303 §2.4).
    expect(bytes.length).toBe(20 + 8 + 8 + 12 + 16);
  });

  it('rejects padding that is not 1, 2, 3 … (RFC 4303 §2.4)', () => {
    const bytes = encode([{ layer: 'ipv4' }, { layer: 'esp', spi: 0x5678, alg: 'null-hmac-sha256-128', key: nullHmac.key, padLength: 2 }, { layer: 'payload', data: Uint8Array.from([7, 7]) }]);
    // With NULL encryption the padding is plain: make it 1, 1 and recompute the ICV by re-sealing.
    const layers = decode(bytes, { first: 'ipv4', espSAs: [nullHmac] });
    expect(layers[1]).toMatchObject({ padLength: 2 });
    const tampered = Uint8Array.from(bytes);
    tampered[20 + 8 + 2 + 1] = 1;
    expect(() => decode(tampered, { first: 'ipv4', espSAs: [nullHmac] })).toThrow(WireError);
  });

  it('rejects key material of the wrong length, saying what it needs', () => {
    expect(() => encode([{ layer: 'esp', alg: 'aes-gcm-128', key: new Uint8Array(16) }, { layer: 'payload', data: new Uint8Array(1) }])).toThrow(
      /aes-gcm-128 needs 20 bytes of key material \(16-byte key \+ 4-byte salt\), got 16/,
    );
  });

  it('drops replays and sequence numbers left of the window (RFC 4303 §3.4.3)', () => {
    const window = new ReplayWindow(64);
    const sa = { ...gcm128, replayWindow: window };
    decode(packet, { espSAs: [sa] });
    expect(() => decode(packet, { espSAs: [sa] })).toThrow(expect.objectContaining({ code: 'NETLOOM_ESP_REPLAY' }));
    expect(window.check(2)).toBe('new');
    window.accept(100);
    expect(window.check(36)).toBe('stale');
    expect(window.check(37)).toBe('new');
    window.accept(37);
    expect(window.check(37)).toBe('replayed');
    expect(window.check(0)).toBe('stale');
  });

  describe('in a packet cut short (an ICMP quote, a first fragment)', () => {
    // Tunnel mode, seq 5: 10.0.0.1 -> 10.0.0.2 carrying 172.16.0.1 -> 172.16.0.2 UDP; 92 bytes.
    const original = fromHex(
      '4500005c000100004032666d0a0000010a000002' + '0000123400000005' + '0000000000000005' +
        '6ab9bde80dadd7de177e5e203f1493eeffebafab45b98427117db890b9cc25be6e1e93ff06105dd2faf5c1ee' + 'e5889f769b88bc47b6c95694',
    );
    const cases: [string, Uint8Array, number, string][] = [
      // A router's "fragmentation needed" quoting the first 48 bytes of it.
      ['an ICMP error quote', encode([{ layer: 'ipv4', src: '10.0.0.254', dst: '10.0.0.1' }, { layer: 'icmp', type: 3, code: 4, nextHopMtu: 1400 }, { layer: 'payload', data: original.subarray(0, 48) }]), 3,
        '00000000000000056ab9bde80dadd7de177e5e20'],
      // The first 40 bytes of its IPv4 payload, MF set.
      ['a first fragment', encode([{ layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', mf: true, protocol: 50 }, { layer: 'payload', data: original.subarray(20, 60) }]), 1,
        '00000000000000056ab9bde80dadd7de177e5e203f1493eeffebafab45b98427'],
    ];

    it.each(cases)('%s: keeps SPI and sequence number, opens nothing, leaves the replay window alone', (_name, packet, at, rest) => {
      const replayWindow = new ReplayWindow(64);
      const sas = [{ ...gcm128, replayWindow }];
      const layers = decode(packet, { first: 'ipv4', espSAs: sas });
      expect(layers.slice(at)).toEqual([{ layer: 'esp', spi: 0x1234, seq: 5 }, { layer: 'payload', data: fromHex(rest) }]);
      expect(toHex(encode(layers, { espSAs: sas }))).toBe(toHex(packet));
      expect(replayWindow.check(5)).toBe('new');
      // The real packet is then accepted once.
      expect(decode(original, { first: 'ipv4', espSAs: sas }).map((l) => l.layer)).toEqual(['ipv4', 'esp', 'ipv4', 'udp', 'payload']);
      expect(replayWindow.check(5)).toBe('replayed');
    });
  });

  it.each([20, 4, 0])('refuses a pinned icv of %i bytes (AES-GCM takes 16)', (length) => {
    const specs = [{ layer: 'ipv4' }, { layer: 'esp', spi: 1, alg: 'aes-gcm-128', key: gcm128.key, icv: new Uint8Array(length) }, { layer: 'payload', data: new Uint8Array(4) }] as const;
    expect(() => encode(specs)).toThrow(expect.objectContaining({ code: 'NETLOOM_BAD_FIELD', message: `esp at byte 20: icv is ${length} bytes, aes-gcm-128 takes 16` }));
    const out = new Uint8Array(200).fill(0xa5);
    expect(() => encodeInto(specs, out)).toThrow(WireError);
  });

  it('encrypts an esp layer without alg or key with the SA for its SPI', () => {
    const specs = (esp: object) => [{ layer: 'ipv4' }, { layer: 'esp', spi: 0x1234, seq: 9, ...esp }, { layer: 'udp', srcPort: 1, dstPort: 2 }] as const;
    expect(toHex(encode(specs({}), { espSAs: [gcm128] }))).toBe(toHex(encode(specs({ alg: 'aes-gcm-128', key: gcm128.key }))));
  });
});
