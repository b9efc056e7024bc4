/**
 * Property tests for the OpenFlow codec: every message type round-trips (decode(encode(m))
 * equals m, and re-encoding the decoded bytes gives the same bytes); random and mutated bytes
 * give only OpenFlowError; a stream cut anywhere frames into the same messages.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../src/openflow/messages.js';
import { MessageFramer } from '../../src/openflow/framing.js';
import { OpenFlowError } from '../../src/openflow/errors.js';
import { message } from './arbitraries.js';

function onlyOpenFlowErrors(bytes: Uint8Array): void {
  try {
    const m = decodeMessage(bytes);
    // Whatever decodes must encode (padding comes back as zeros) and decode to the same message.
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
  } catch (e) {
    if (!(e instanceof OpenFlowError)) throw e;
    expect(e.code).toMatch(/^NETLOOM_OF_/);
    expect(e.ofp.type).toBeGreaterThanOrEqual(0);
  }
}

describe('OpenFlow codec properties', () => {
  it('every message round-trips', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeMessage(m);
        expect(bytes.length % 1).toBe(0);
        expect((bytes[2]! << 8) | bytes[3]!).toBe(bytes.length);
        const back = decodeMessage(bytes);
        expect(back).toEqual(m);
        expect(Buffer.from(encodeMessage(back)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes with a valid header give a message or an OpenFlowError, nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.uint8Array({ maxLength: 200 }), (type, body) => {
        const bytes = new Uint8Array(8 + body.length);
        bytes.set([4, type, (bytes.length >> 8) & 0xff, bytes.length & 0xff, 0, 0, 0, 1]);
        bytes.set(body, 8);
        onlyOpenFlowErrors(bytes);
      }),
      { numRuns: 5000 },
    );
  });

  it('mutated messages give a message or an OpenFlowError, nothing else', () => {
    fc.assert(
      fc.property(message, fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }), (m, edits) => {
        const bytes = encodeMessage(m);
        for (const e of edits) bytes[e.at % bytes.length] = e.value;
        onlyOpenFlowErrors(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('truncated messages give only OpenFlowError', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const bytes = encodeMessage(m);
        const short = bytes.slice(0, cut % bytes.length);
        expect(() => decodeMessage(short)).toThrow(OpenFlowError);
      }),
      { numRuns: 1000 },
    );
  });

  it('a stream cut at any points frames into the same messages', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 }), (messages, cuts) => {
        const encoded = messages.map(encodeMessage);
        const stream = Buffer.concat(encoded);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const framer = new MessageFramer();
        const out: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, stream.length]) {
          out.push(...framer.push(stream.subarray(last, p)));
          last = p;
        }
        expect(out.map((b) => Buffer.from(b).toString('hex'))).toEqual(encoded.map((b) => Buffer.from(b).toString('hex')));
        expect(framer.buffered).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
