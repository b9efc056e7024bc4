/**
 * The OpenFlow 1.3 codec on real bytes: os-ken's table-miss FLOW_MOD (what every simple_switch_13
 * style app sends first), Open vSwitch 3.1's HELLO and FEATURES_REPLY, a PACKET_IN laid out as
 * OpenFlow 1.3.5 §7.4.1 says; and every way of being wrong, each with its offset and OpenFlow error.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, errorFor, type OfMessage } from '../../src/openflow/messages.js';
import { OpenFlowError } from '../../src/openflow/errors.js';
import { fromHex, toHex } from '../../src/index.js';

const hex = (s: string) => fromHex(s.replace(/\s+/g, ''));

/** os-ken 2.5.0: OFPFlowMod(priority=0, match=OFPMatch(), APPLY_ACTIONS[OUTPUT(CONTROLLER, NO_BUFFER)]), xid 1. */
const TABLE_MISS = hex(`
  04 0e 00 50 00 00 00 01
  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00  ff ff ff ff 00 00 00 00  00 00 00 00 00 00 00 00
  00 01 00 04 00 00 00 00
  00 04 00 18 00 00 00 00  00 00 00 10 ff ff ff fd  ff ff 00 00 00 00 00 00`);
const TABLE_MISS_MESSAGE: OfMessage = {
  type: 'flow_mod', xid: 1, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 0,
  bufferId: 0xffffffff, outPort: 0, outGroup: 0, flags: 0, match: [],
  instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }] }],
};

/** Open vSwitch 3.1 with protocols=OpenFlow13: a HELLO with a version bitmap of 1.3 only. */
const OVS_HELLO = hex('04 00 00 10 00 00 00 07 00 01 00 08 00 00 00 10');

/** A PACKET_IN: no buffer, 60-byte frame, table miss in table 0, cookie 0, OXM in_port=1, 2 pad bytes, the frame. */
const FRAME = hex('ffffffffffff 020000000001 0806 0001080006040001 020000000001 0a000001 000000000000 0a000002' + '00'.repeat(18));
const PACKET_IN = hex(`04 0a 00 66 00 00 00 00  ff ff ff ff 00 3c 00 00  00 00 00 00 00 00 00 00
  00 01 00 0c 80 00 00 04 00 00 00 01 00 00 00 00  00 00 ${toHex(FRAME)}`);

describe('OpenFlow messages', () => {
  it('deconstruct: os-ken table-miss FLOW_MOD', () => {
    expect(decodeMessage(TABLE_MISS)).toEqual(TABLE_MISS_MESSAGE);
  });

  it('construct: the same FLOW_MOD byte for byte', () => {
    expect(toHex(encodeMessage(TABLE_MISS_MESSAGE))).toBe(toHex(TABLE_MISS));
  });

  it('parse: Open vSwitch HELLO with a version bitmap', () => {
    expect(decodeMessage(OVS_HELLO)).toEqual({ type: 'hello', xid: 7, elements: [{ type: 'versionbitmap', bitmaps: [0x10] }] });
    expect(toHex(encodeMessage({ type: 'hello', xid: 7, elements: [{ type: 'versionbitmap', bitmaps: [0x10] }] }))).toBe(toHex(OVS_HELLO));
  });

  it('parse: an OpenFlow 1.0 HELLO (version 1, no elements) still decodes, for negotiation', () => {
    expect(decodeMessage(hex('01 00 00 08 00 00 00 05'))).toEqual({ type: 'hello', xid: 5, version: 1, elements: [] });
  });

  it('parse: PACKET_IN with the OXM in_port, its padding and the frame after two zero bytes', () => {
    expect(decodeMessage(PACKET_IN)).toEqual({
      type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: 60, reason: 0, tableId: 0, cookie: 0n,
      match: [{ field: 'in_port', value: 1n }], data: FRAME,
    });
  });

  it('emit: PACKET_IN and FEATURES_REPLY as Open vSwitch 3.1 sends them', () => {
    expect(toHex(encodeMessage(decodeMessage(PACKET_IN)))).toBe(toHex(PACKET_IN));
    const features = encodeMessage({ type: 'features_reply', xid: 2, datapathId: 0x0000aabbccddeeffn, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f, reserved: 0 });
    expect(toHex(features)).toBe('0406002000000002' + '0000aabbccddeeff' + '00000000' + 'fe00' + '0000' + '0000004f' + '00000000');
  });

  it('emit: masked OXM fields carry value then mask, and the match is padded to 8', () => {
    const m = encodeMessage({
      type: 'flow_mod', xid: 3, cookie: 0n, cookieMask: 0n, tableId: 1, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 100,
      bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 1,
      match: [{ field: 'eth_type', value: 0x0800n }, { field: 'ipv4_dst', value: 0x0a000000n, mask: 0xffffff00n }],
      instructions: [{ type: 'goto_table', tableId: 2 }],
    });
    // match: type 1, length 4 + 6 + 12 = 22, then 2 bytes of padding; goto_table 2.
    expect(toHex(m.subarray(48))).toBe('00010016' + '80000a020800' + '80001908' + '0a000000ffffff00' + '0000' + '0001000802000000');
    expect((m[2]! << 8) | m[3]!).toBe(m.length);
  });

  it('parse: a message type OpenFlow 1.3 does not define is kept, for a BAD_TYPE answer', () => {
    expect(decodeMessage(hex('04 63 00 0a 00 00 00 09 ab cd'))).toEqual({ type: 'unknown', xid: 9, msgType: 0x63, body: hex('abcd') });
  });

  it('parse: an unknown multipart type is kept, for a BAD_MULTIPART answer', () => {
    expect(decodeMessage(hex('04 12 00 14 00 00 00 04 00 77 00 00 00 00 00 00 01 02 03 04'))).toEqual({
      type: 'multipart_request', xid: 4, flags: 0, body: { kind: 'unknown', mpType: 0x77, body: hex('01020304') },
    });
  });

  const errors: [string, string, string, number, [number, number]][] = [
    ['truncated header', '04 00 00', 'NETLOOM_OF_TRUNCATED', 2, [1, 6]],
    ['length below the header', '04 00 00 04 00 00 00 00', 'NETLOOM_OF_BAD_LENGTH', 2, [1, 6]],
    ['length not the bytes given', '04 02 00 0c 00 00 00 00 00 00', 'NETLOOM_OF_BAD_LENGTH', 2, [1, 6]],
    ['version 1.0 FLOW_MOD', '01 0e 00 08 00 00 00 00', 'NETLOOM_OF_BAD_VERSION', 0, [1, 0]],
    ['FEATURES_REPLY cut short', '04 06 00 10 00 00 00 00 00 00 00 00 00 00 00 00', 'NETLOOM_OF_TRUNCATED', 8, [1, 6]],
    ['bytes after a fixed message', '04 05 00 09 00 00 00 00 00', 'NETLOOM_OF_BAD_LENGTH', 8, [1, 6]],
    ['match of type STANDARD', toHex(TABLE_MISS).replace('00010004', '00000004'), 'NETLOOM_OF_BAD_TYPE', 48, [4, 0]],
    ['match longer than the message', toHex(TABLE_MISS).replace('00010004', '000100ff'), 'NETLOOM_OF_TRUNCATED', 52, [4, 1]],
    ['action length not a multiple of 8', toHex(TABLE_MISS).replace('00000010ffff', '0000000cffff'), 'NETLOOM_OF_BAD_LENGTH', 64, [2, 1]],
    ['instruction running past the message', toHex(TABLE_MISS).replace('00040018', '00040020'), 'NETLOOM_OF_TRUNCATED', 60, [3, 7]],
    ['OXM with the wrong length', '04 0a 00 2a 00 00 00 00 ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 0b 80 00 00 03 00 00 01 00 00 00 00 00 00 00'.replace(/ /g, ''), 'NETLOOM_OF_BAD_LENGTH', 28, [4, 1]],
  ];
  it.each(errors)('truncated/bad: %s', (_name, bytes, code, offset, [type, errCode]) => {
    try {
      decodeMessage(hex(bytes));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(OpenFlowError);
      const err = e as OpenFlowError;
      expect([err.code, err.offset, err.ofp.type, err.ofp.code]).toEqual([code, offset, type, errCode]);
    }
  });

  it('encode names the path of a bad value', () => {
    expect(() => encodeMessage({ ...TABLE_MISS_MESSAGE, priority: 70000 } as OfMessage)).toThrow('flow_mod priority: 70000 is not an integer in 0-65535');
    expect(() => encodeMessage({ ...TABLE_MISS_MESSAGE, match: [{ field: 'eth_type', value: 0x10000n }] } as OfMessage)).toThrow('flow_mod match[0].value: 65536 does not fit 2 bytes');
    expect(() => encodeMessage({ ...TABLE_MISS_MESSAGE, match: [{ field: 'eth_kind', value: 1n }] } as OfMessage)).toThrow('flow_mod match[0].field: unknown OXM field "eth_kind"');
  });

  it('errorFor quotes the whole request, as Open vSwitch does, and keeps its xid', () => {
    const e = errorFor(TABLE_MISS, { type: 5, code: 4 });
    expect(e).toEqual({ type: 'error', xid: 1, errorType: 5, code: 4, data: TABLE_MISS });
    expect(toHex(encodeMessage(e).subarray(0, 12))).toBe('0401005c00000001' + '00050004');
    const huge = new Uint8Array(0xffff);
    huge.set(TABLE_MISS.subarray(0, 8));
    expect(encodeMessage(errorFor(huge, { type: 1, code: 6 })).length).toBe(0xffff);
    // An experimenter's error (Nicira's NXBRC_MUST_BE_ZERO) carries its experimenter id after type and exp_type.
    const nx = encodeMessage(errorFor(TABLE_MISS, { type: 0xffff, code: 4, experimenter: 0x2320 }));
    expect(toHex(nx.subarray(0, 16))).toBe('0401006000000001' + 'ffff0004' + '00002320');
    expect(encodeMessage(errorFor(huge, { type: 0xffff, code: 4, experimenter: 0x2320 })).length).toBe(0xffff);
  });
});
