/** The platform's tenant TLV in LLDP: exact bytes, forged TLVs replaced, bad TLVs refused, and tag/untag inverse on any LLDPDU. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isLldp, tagLldp, untagLldp } from '../../src/tenants/lldp.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ETH = '0180c200000e02000000000188cc';
const frame = (tlvs: string) => Uint8Array.from(Buffer.from(ETH + tlvs, 'hex'));
// Chassis id "a" (locally assigned), port id "1", TTL 120, End.
const BASIC = '020207610402073106020078' + '0000';

describe('tenant LLDP tags', () => {
  it('adds the tenant TLV before End, and takes it off again', () => {
    const tagged = tagLldp(frame(BASIC), 9)!;
    expect(hex(tagged)).toBe(`${ETH}020207610402073106020078fe05024e4c01090000`);
    expect(untagLldp(tagged)).toEqual({ tenant: 9, frame: frame(BASIC) });
    expect(isLldp(tagged)).toBe(true);
  });

  it("replaces a tenant TLV the sender wrote (another tenant's), and adds End where the frame had none", () => {
    const forged = frame('020207610402073106020078fe05024e4c0101');
    expect(hex(tagLldp(forged, 2)!)).toBe(`${ETH}020207610402073106020078fe05024e4c01020000`);
  });

  it('refuses TLVs that run past the frame, and finds no tenant where there is none', () => {
    expect(tagLldp(frame('0209076100'), 1)).toBeUndefined();
    expect(untagLldp(frame(BASIC))).toBeUndefined();
    expect(untagLldp(frame('fe05024e4c01'))).toBeUndefined();
  });

  it('untags what it tagged, for any well-formed LLDPDU', () => {
    const tlv = fc.record({ type: fc.integer({ min: 1, max: 126 }), value: fc.uint8Array({ maxLength: 40 }) });
    fc.assert(
      fc.property(fc.array(tlv, { maxLength: 8 }), fc.integer({ min: 1, max: 255 }), (tlvs, tenant) => {
        const body = tlvs.flatMap((t) => [(t.type << 1) | (t.value.length >> 8), t.value.length & 0xff, ...t.value]);
        const original = Uint8Array.from([...frame(''), ...body, 0, 0]);
        expect(untagLldp(tagLldp(original, tenant)!)).toEqual({ tenant, frame: original });
      }),
    );
  });
});
