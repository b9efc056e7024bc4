/**
 * Every OpenFlow 1.3 message Open vSwitch 3.1 and ovs-ofctl exchanged in the captured sessions
 * (test/interop/fixtures/openflow, README there says how they were made): netloom decodes each
 * and encodes it back to the same bytes. These are real peers' bytes, not netloom's own.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { decodeMessage, encodeMessage } from '../../src/openflow/messages.js';
import { toHex } from '../../src/index.js';

const DIR = join(import.meta.dirname, '../interop/fixtures/openflow');

function messages(file: string): string[] {
  const raw = readFileSync(join(DIR, file));
  const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return text.split('\n').filter((l) => /^[<>] [0-9a-f]+$/.test(l)).map((l) => l.slice(2));
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.hex') || f.endsWith('.hex.gz')).sort();

describe('Open vSwitch 3.1 session bytes', () => {
  it('there are captured sessions to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files)('%s: every message decodes and re-encodes byte for byte', (file) => {
    const all = messages(file);
    expect(all.length).toBeGreaterThan(0);
    for (const hex of all) {
      const bytes = Buffer.from(hex, 'hex');
      const m = decodeMessage(bytes);
      expect(m.type).not.toBe('unknown');
      expect(toHex(encodeMessage(m)), `${file}: ${m.type}`).toBe(hex);
    }
  });
});
