/**
 * Interop with Scapy: packets Scapy builds (test/interop/scapy_cases.py) decode in netloom to the
 * field values Scapy dissects, netloom encodes the same fields to the same bytes, and ESP packets
 * decrypt both ways. Skipped, with the reason, when /usr/bin/python3 or Scapy is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  WireError,
  decode,
  defaultRegistry,
  encode,
  fromHex,
  layerToJson,
  layersFromJson,
  toHex,
  type DecodeOptions,
  type EspAlgorithm,
  type JsonLayer,
  type LayerName,
  type SecurityAssociation,
} from '../../src/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./scapy_cases.py', import.meta.url));

interface EspSaJson {
  spi: number;
  alg: EspAlgorithm;
  key: string;
}

interface ScapyCase {
  name: string;
  hex: string;
  fields: JsonLayer[];
  expect: JsonLayer[];
  /** ESP cases: what decoding without the SA gives. */
  plain?: JsonLayer[];
  options: { first?: LayerName; udpPort?: number; espSA?: EspSaJson };
}

interface ScapyDecrypted {
  ok: boolean;
  error?: string;
  spi?: number;
  seq?: number;
  data?: string;
  padLength?: number;
  nextHeader?: number;
}

/** What is missing for this test to run, or undefined when Python and Scapy are there. */
function missingScapy(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  for (const module of ['scapy.all', 'cryptography']) {
    const probe = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status !== 0) return `${PYTHON} cannot import ${module} (${probe.stderr.trim().split('\n').pop() ?? 'no error output'})`;
  }
  return undefined;
}

const missing = missingScapy();
if (missing !== undefined) {
  console.warn(`skipping the Scapy interop test: ${missing}. Install Scapy with: apt-get install python3-scapy python3-cryptography`);
}

const cases: ScapyCase[] =
  missing === undefined
    ? execFileSync(PYTHON, [SCRIPT], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 })
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ScapyCase)
    : [];

function toSa(sa: EspSaJson): SecurityAssociation {
  return { spi: sa.spi, alg: sa.alg, key: fromHex(sa.key) };
}

function optionsFor(c: ScapyCase, withSa = true): DecodeOptions {
  // Scapy's GRE reads a key in front of Ethernet as NVGRE's VSID and FlowID too: ask netloom for them.
  const options: DecodeOptions = { nvgre: true };
  if (c.options.first !== undefined) options.first = c.options.first;
  if (c.options.udpPort !== undefined) options.registry = defaultRegistry.clone().bindUdpPort(c.options.udpPort, 'vxlan');
  if (withSa && c.options.espSA !== undefined) options.espSAs = [toSa(c.options.espSA)];
  return options;
}

/** Every layer matches Scapy's dissection, with no extra or missing layer or field. */
function expectLayers(actual: JsonLayer[], expected: JsonLayer[]): void {
  expect(actual.map((l) => l.layer)).toEqual(expected.map((l) => l.layer));
  actual.forEach((layer, i) => {
    expect(layer, `layer ${i} (${layer.layer})`).toMatchObject(expected[i]!);
    expect(Object.keys(layer).sort(), `fields of layer ${i} (${layer.layer})`).toEqual(Object.keys(expected[i]!).sort());
  });
}

const espCases = cases.filter((c) => c.options.espSA !== undefined);
const IP_PROTOCOL: Record<string, number> = { ipv4: 4, ipv6: 41, tcp: 6, udp: 17, icmp: 1 };

function perProtocol(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of cases) {
    for (const name of new Set([...c.expect.map((l) => l.layer), ...(c.plain ?? []).map((l) => l.layer)])) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe.skipIf(missing !== undefined)('Scapy interop', () => {
  it('covers at least 200 cases across every protocol', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const counts = perProtocol();
    for (const layer of ['ethernet', 'vlan', 'arp', 'ipv4', 'ipv6', 'icmp', 'icmpv6', 'udp', 'tcp', 'vxlan', 'gre', 'esp', 'payload']) {
      expect(counts[layer] ?? 0, layer).toBeGreaterThan(0);
    }
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  describe.each(cases)('$name', (c) => {
    it('decodes to the fields Scapy dissects', () => {
      const layers = decode(fromHex(c.hex), optionsFor(c)).map(layerToJson);
      expectLayers(layers, c.expect);
    });

    it('encodes the same fields to the bytes Scapy built', () => {
      expect(toHex(encode(layersFromJson(c.fields), optionsFor(c)))).toBe(c.hex);
    });

    if (c.plain !== undefined) {
      it('decodes without the SA to the protected bytes as payload', () => {
        expectLayers(decode(fromHex(c.hex), optionsFor(c, false)).map(layerToJson), c.plain!);
      });

      it('rejects a wrong key with NETLOOM_ESP_ICV_FAILURE', () => {
        const sa = toSa(c.options.espSA!);
        sa.key = sa.key.map((b, i) => (i === 0 ? b ^ 0x01 : b));
        const options = { ...optionsFor(c), espSAs: [sa] };
        let error: unknown;
        try {
          decode(fromHex(c.hex), options);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(WireError);
        expect((error as WireError).code).toBe('NETLOOM_ESP_ICV_FAILURE');
      });
    }
  });

  it('Scapy decrypts the ESP packets netloom encrypts', () => {
    expect(espCases.length).toBeGreaterThan(0);
    // Packets Scapy has not seen: a later sequence number and netloom's own IV choice.
    const sent = espCases.map((c) => {
      const esp = c.fields.find((l) => l.layer === 'esp')!;
      const seq = ((esp.seq as number) + 1000) % 2 ** 32 || 1;
      const fields = c.fields.map((l) => {
        if (l !== esp) return l;
        const { iv: _iv, ...rest } = l;
        return { ...rest, seq };
      });
      const layers = layersFromJson(fields);
      const hex = toHex(encode(layers, optionsFor(c)));
      // What was encrypted: the layers netloom's own decryption finds after the ESP header, every
      // value (checksums included) as decoded, encoded again on their own.
      const opened = decode(fromHex(hex), optionsFor(c));
      const inner = { data: encode(opened.slice(opened.findIndex((l) => l.layer === 'esp') + 1)) };
      const next = fields[fields.findIndex((l) => l.layer === 'esp') + 1]?.layer;
      return { c, hex, seq, plaintext: inner.data, nextHeader: next === undefined ? -1 : (IP_PROTOCOL[next] ?? -1) };
    });
    const input = sent.map(({ c, hex }) => JSON.stringify({ hex, first: c.options.first ?? 'ethernet', espSA: c.options.espSA })).join('\n');
    const replies = execFileSync(PYTHON, [SCRIPT, '--decrypt'], { input, encoding: 'utf8', timeout: 120_000 })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ScapyDecrypted);
    expect(replies).toHaveLength(sent.length);
    sent.forEach(({ c, seq, plaintext, nextHeader }, i) => {
      expect(replies[i], c.name).toMatchObject({
        ok: true,
        spi: c.options.espSA!.spi,
        seq,
        data: toHex(plaintext),
        // RFC 4303 §2.4: the least padding that ends the ciphertext 4-byte aligned.
        padLength: (4 - ((plaintext.length + 2) % 4)) % 4,
        nextHeader,
      });
    });
  });
});
