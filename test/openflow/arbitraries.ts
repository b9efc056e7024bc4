/**
 * fast-check arbitraries for every OpenFlow 1.3 message netloom encodes, in the canonical form
 * decoding gives back (so decode(encode(m)) deep-equals m): shared by the property tests and the
 * os-ken interop test.
 */
import fc from 'fast-check';
import { OXM_FIELDS, type Oxm } from '../../src/openflow/oxm.js';
import type { OfAction, OfInstruction } from '../../src/openflow/actions.js';
import type { OfMessage } from '../../src/openflow/messages.js';
import type { MultipartReplyBody, MultipartRequestBody } from '../../src/openflow/multipart.js';
import type { OfTableFeatureProperty, OfTableFeatures } from '../../src/openflow/structs.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const xid = u32;
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
/** Bytes whose length is 4 more than a multiple of 8: what follows a 4-byte header in an 8-aligned TLV. */
const tail8 = (max: number) => fc.integer({ min: 0, max }).chain((n) => fc.uint8Array({ minLength: 8 * n + 4, maxLength: 8 * n + 4 }));
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
const text = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });

const knownOxm: fc.Arbitrary<Oxm> = fc.constantFrom(...OXM_FIELDS).chain((def) => {
  const value = fc.bigInt({ min: 0n, max: (1n << BigInt(8 * def.bytes)) - 1n });
  return fc.record({ value, mask: fc.option(value, { nil: undefined }) }).map(({ value, mask }) => (mask === undefined ? { field: def.name, value } : { field: def.name, value, mask }));
});
/** A field of a class netloom does not know (not NXM_1, not OpenFlow basic). */
const unknownOxm: fc.Arbitrary<Oxm> = fc.record({ cls: fc.integer({ min: 2, max: 0x7fff }), field: fc.integer({ min: 0, max: 127 }), hasMask: fc.boolean(), body: bytes(12) }).map(
  ({ cls, field, hasMask, body }) => ({ field: 'unknown', header: ((cls << 16) | (field << 9) | (hasMask ? 0x100 : 0) | body.length) >>> 0, body }),
);
export const oxm = fc.oneof({ arbitrary: knownOxm, weight: 5 }, { arbitrary: unknownOxm, weight: 1 });
export const match = fc.array(oxm, { maxLength: 6 });

const KNOWN_ACTIONS = new Set([0, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 0xffff]);
export const action: fc.Arbitrary<OfAction> = fc.oneof(
  fc.record({ port: u32, maxLen: u16 }).map((f): OfAction => ({ type: 'output', ...f })),
  fc.constantFrom<OfAction>({ type: 'copy_ttl_out' }, { type: 'copy_ttl_in' }, { type: 'dec_mpls_ttl' }, { type: 'pop_vlan' }, { type: 'dec_nw_ttl' }, { type: 'pop_pbb' }),
  u8.map((ttl): OfAction => ({ type: 'set_mpls_ttl', ttl })),
  u8.map((ttl): OfAction => ({ type: 'set_nw_ttl', ttl })),
  fc.record({ type: fc.constantFrom('push_vlan' as const, 'push_mpls' as const, 'pop_mpls' as const, 'push_pbb' as const), ethertype: u16 }).map((a): OfAction => a),
  u32.map((queueId): OfAction => ({ type: 'set_queue', queueId })),
  u32.map((groupId): OfAction => ({ type: 'group', groupId })),
  knownOxm.map((f): OfAction => ({ type: 'set_field', field: 'mask' in f && f.mask !== undefined ? { field: f.field, value: f.value } : f })),
  fc.record({ experimenter: u32, body: tail8(3).map((b) => b.subarray(4)) }).map((f): OfAction => ({ type: 'experimenter', ...f })),
  fc.record({ actionType: u16.filter((t) => !KNOWN_ACTIONS.has(t)), body: tail8(2) }).map((f): OfAction => ({ type: 'unknown', ...f })),
);
export const actions = fc.array(action, { maxLength: 5 });

export const instruction: fc.Arbitrary<OfInstruction> = fc.oneof(
  u8.map((tableId): OfInstruction => ({ type: 'goto_table', tableId })),
  fc.record({ metadata: u64, mask: u64 }).map((f): OfInstruction => ({ type: 'write_metadata', ...f })),
  fc.record({ type: fc.constantFrom('write_actions' as const, 'apply_actions' as const), actions }).map((i): OfInstruction => i),
  fc.constant<OfInstruction>({ type: 'clear_actions' }),
  u32.map((meterId): OfInstruction => ({ type: 'meter', meterId })),
  fc.record({ experimenter: u32, body: tail8(2).map((b) => b.subarray(4)) }).map((f): OfInstruction => ({ type: 'experimenter', ...f })),
  fc.record({ instructionType: fc.integer({ min: 7, max: 0xfffe }), body: tail8(2) }).map((f): OfInstruction => ({ type: 'unknown', ...f })),
);

const port = fc.record({
  portNo: u32, hwAddr: mac, name: text(15), config: u32, state: u32, curr: u32, advertised: u32, supported: u32, peer: u32, currSpeed: u32, maxSpeed: u32,
});
const bucket = fc.record({ weight: u16, watchPort: u32, watchGroup: u32, actions });
const band = fc.oneof(
  fc.record({ type: fc.constant('drop' as const), rate: u32, burstSize: u32 }),
  fc.record({ type: fc.constant('dscp_remark' as const), rate: u32, burstSize: u32, precLevel: u8 }),
  fc.record({ type: fc.constant('experimenter' as const), rate: u32, burstSize: u32, experimenter: u32, body: tail8(2).map((b) => b.subarray(4)) }),
);
const flowRequest = fc.record({ tableId: u8, outPort: u32, outGroup: u32, cookie: u64, cookieMask: u64, match });

const featureProperty: fc.Arbitrary<OfTableFeatureProperty> = fc.oneof(
  fc.record({ propType: fc.constantFrom(0, 1, 4, 5, 6, 7), ids: fc.array(fc.record({ type: u16, body: fc.constant(new Uint8Array(0)) }), { maxLength: 6 }) }).map((p): OfTableFeatureProperty => ({ ...p, kind: 'ids' })),
  fc.record({ propType: fc.constantFrom(2, 3), tableIds: fc.array(u8, { maxLength: 10 }) }).map((p): OfTableFeatureProperty => ({ ...p, kind: 'tables' })),
  fc.record({ propType: fc.constantFrom(8, 10, 12, 13, 14, 15), oxmIds: fc.array(fc.oneof(
    u32.filter((h) => h >>> 16 !== 0xffff).map((header) => ({ header })),
    fc.record({ header: fc.integer({ min: 0, max: 0xffff }).map((low) => (0xffff0000 | low) >>> 0), experimenter: u32 }),
  ), { maxLength: 8 }) }).map((p): OfTableFeatureProperty => ({ ...p, kind: 'oxm' })),
  fc.record({ propType: fc.constantFrom(0xfffe, 0xffff), experimenter: u32, expType: u32, data: bytes(8) }).map((p): OfTableFeatureProperty => ({ ...p, kind: 'experimenter' })),
);
const tableFeatures: fc.Arbitrary<OfTableFeatures> = fc.record({
  tableId: u8, name: text(31), metadataMatch: u64, metadataWrite: u64, config: u32, maxEntries: u32, properties: fc.array(featureProperty, { maxLength: 4 }),
});

const multipartRequest: fc.Arbitrary<MultipartRequestBody> = fc.oneof(
  fc.constantFrom<MultipartRequestBody>({ kind: 'desc' }, { kind: 'table' }, { kind: 'group_desc' }, { kind: 'group_features' }, { kind: 'meter_features' }, { kind: 'port_desc' }),
  flowRequest.chain((f) => fc.constantFrom<MultipartRequestBody>({ kind: 'flow', ...f }, { kind: 'aggregate', ...f })),
  u32.map((portNo): MultipartRequestBody => ({ kind: 'port_stats', portNo })),
  fc.record({ portNo: u32, queueId: u32 }).map((f): MultipartRequestBody => ({ kind: 'queue', ...f })),
  u32.map((groupId): MultipartRequestBody => ({ kind: 'group', groupId })),
  fc.record({ kind: fc.constantFrom('meter' as const, 'meter_config' as const), meterId: u32 }),
  fc.array(tableFeatures, { maxLength: 2 }).map((tables): MultipartRequestBody => ({ kind: 'table_features', tables })),
  fc.record({ experimenter: u32, expType: u32, data: bytes(16) }).map((f): MultipartRequestBody => ({ kind: 'experimenter', ...f })),
);

const durations = { durationSec: u32, durationNsec: u32 };
const multipartReply: fc.Arbitrary<MultipartReplyBody> = fc.oneof(
  fc.record({ mfrDesc: text(255), hwDesc: text(255), swDesc: text(255), serialNum: text(31), dpDesc: text(255) }).map((desc): MultipartReplyBody => ({ kind: 'desc', desc })),
  fc.array(fc.record({ tableId: u8, ...durations, priority: u16, idleTimeout: u16, hardTimeout: u16, flags: u16, cookie: u64, packetCount: u64, byteCount: u64, match, instructions: fc.array(instruction, { maxLength: 3 }) }), { maxLength: 3 })
    .map((flows): MultipartReplyBody => ({ kind: 'flow', flows })),
  fc.record({ packetCount: u64, byteCount: u64, flowCount: u32 }).map((stats): MultipartReplyBody => ({ kind: 'aggregate', stats })),
  fc.array(fc.record({ tableId: u8, activeCount: u32, lookupCount: u64, matchedCount: u64 }), { maxLength: 4 }).map((tables): MultipartReplyBody => ({ kind: 'table', tables })),
  fc.array(fc.record({
    portNo: u32, rxPackets: u64, txPackets: u64, rxBytes: u64, txBytes: u64, rxDropped: u64, txDropped: u64, rxErrors: u64, txErrors: u64,
    rxFrameErr: u64, rxOverErr: u64, rxCrcErr: u64, collisions: u64, ...durations,
  }), { maxLength: 3 }).map((ports): MultipartReplyBody => ({ kind: 'port_stats', ports })),
  fc.array(fc.record({ portNo: u32, queueId: u32, txBytes: u64, txPackets: u64, txErrors: u64, ...durations }), { maxLength: 3 }).map((queues): MultipartReplyBody => ({ kind: 'queue', queues })),
  fc.array(fc.record({ groupId: u32, refCount: u32, packetCount: u64, byteCount: u64, ...durations, buckets: fc.array(fc.record({ packetCount: u64, byteCount: u64 }), { maxLength: 3 }) }), { maxLength: 3 })
    .map((groups): MultipartReplyBody => ({ kind: 'group', groups })),
  fc.array(fc.record({ type: u8, groupId: u32, buckets: fc.array(bucket, { maxLength: 3 }) }), { maxLength: 3 }).map((groups): MultipartReplyBody => ({ kind: 'group_desc', groups })),
  fc.record({ types: u32, capabilities: u32, maxGroupsAll: u32, maxGroupsSelect: u32, maxGroupsIndirect: u32, maxGroupsFf: u32, actionsAll: u32, actionsSelect: u32, actionsIndirect: u32, actionsFf: u32 })
    .map((features): MultipartReplyBody => ({ kind: 'group_features', features })),
  fc.array(fc.record({ meterId: u32, flowCount: u32, packetInCount: u64, byteInCount: u64, ...durations, bands: fc.array(fc.record({ packetBandCount: u64, byteBandCount: u64 }), { maxLength: 3 }) }), { maxLength: 3 })
    .map((meters): MultipartReplyBody => ({ kind: 'meter', meters })),
  fc.array(fc.record({ flags: u16, meterId: u32, bands: fc.array(band, { maxLength: 3 }) }), { maxLength: 3 }).map((meters): MultipartReplyBody => ({ kind: 'meter_config', meters })),
  fc.record({ maxMeter: u32, bandTypes: u32, capabilities: u32, maxBands: u8, maxColor: u8 }).map((features): MultipartReplyBody => ({ kind: 'meter_features', features })),
  fc.array(tableFeatures, { maxLength: 2 }).map((tables): MultipartReplyBody => ({ kind: 'table_features', tables })),
  fc.array(port, { maxLength: 4 }).map((ports): MultipartReplyBody => ({ kind: 'port_desc', ports })),
  fc.record({ experimenter: u32, expType: u32, data: bytes(16) }).map((f): MultipartReplyBody => ({ kind: 'experimenter', ...f })),
);

const asyncConfig = { packetInMaster: u32, packetInSlave: u32, portStatusMaster: u32, portStatusSlave: u32, flowRemovedMaster: u32, flowRemovedSlave: u32 };

/** Any message netloom encodes, in decoded (canonical) form. */
export const message: fc.Arbitrary<OfMessage> = fc.oneof(
  fc.record({ xid, elements: fc.array(fc.oneof(fc.array(u32, { minLength: 1, maxLength: 3 }).map((bitmaps) => ({ type: 'versionbitmap' as const, bitmaps })), fc.record({ type: fc.constant('unknown' as const), elementType: fc.integer({ min: 2, max: 0xffff }), body: bytes(8) })), { maxLength: 2 }) })
    .map((m): OfMessage => ({ type: 'hello', ...m })),
  fc.record({ xid, errorType: u16.filter((t) => t !== 0xffff), code: u16, data: bytes(64) }).map((m): OfMessage => ({ type: 'error', ...m })),
  fc.record({ xid, code: u16, experimenter: u32, data: bytes(16) }).map((m): OfMessage => ({ type: 'error', errorType: 0xffff, ...m })),
  fc.record({ xid, type: fc.constantFrom('echo_request' as const, 'echo_reply' as const), data: bytes(32) }),
  fc.record({ xid, experimenter: u32, expType: u32, data: bytes(16) }).map((m): OfMessage => ({ type: 'experimenter', ...m })),
  fc.record({ xid, type: fc.constantFrom('features_request' as const, 'get_config_request' as const, 'barrier_request' as const, 'barrier_reply' as const, 'get_async_request' as const) }),
  fc.record({ xid, datapathId: u64, nBuffers: u32, nTables: u8, auxiliaryId: u8, capabilities: u32, reserved: u32 }).map((m): OfMessage => ({ type: 'features_reply', ...m })),
  fc.record({ xid, type: fc.constantFrom('get_config_reply' as const, 'set_config' as const), flags: u16, missSendLen: u16 }),
  fc.record({ xid, bufferId: u32, totalLen: u16, reason: u8, tableId: u8, cookie: u64, match, data: bytes(80) }).map((m): OfMessage => ({ type: 'packet_in', ...m })),
  fc.record({ xid, cookie: u64, priority: u16, reason: u8, tableId: u8, ...durations, idleTimeout: u16, hardTimeout: u16, packetCount: u64, byteCount: u64, match }).map((m): OfMessage => ({ type: 'flow_removed', ...m })),
  fc.record({ xid, reason: u8, port }).map((m): OfMessage => ({ type: 'port_status', ...m })),
  fc.record({ xid, bufferId: u32, inPort: u32, actions, data: bytes(80) }).map((m): OfMessage => ({ type: 'packet_out', ...m })),
  fc.record({ xid, cookie: u64, cookieMask: u64, tableId: u8, command: u8, idleTimeout: u16, hardTimeout: u16, priority: u16, bufferId: u32, outPort: u32, outGroup: u32, flags: u16, match, instructions: fc.array(instruction, { maxLength: 4 }) })
    .map((m): OfMessage => ({ type: 'flow_mod', ...m })),
  fc.record({ xid, command: u16, groupType: u8, groupId: u32, buckets: fc.array(bucket, { maxLength: 3 }) }).map((m): OfMessage => ({ type: 'group_mod', ...m })),
  fc.record({ xid, portNo: u32, hwAddr: mac, config: u32, mask: u32, advertise: u32 }).map((m): OfMessage => ({ type: 'port_mod', ...m })),
  fc.record({ xid, tableId: u8, config: u32 }).map((m): OfMessage => ({ type: 'table_mod', ...m })),
  fc.record({ xid, flags: u16, body: multipartRequest }).map((m): OfMessage => ({ type: 'multipart_request', ...m })),
  fc.record({ xid, flags: u16, body: multipartReply }).map((m): OfMessage => ({ type: 'multipart_reply', ...m })),
  fc.record({ xid, port: u32 }).map((m): OfMessage => ({ type: 'queue_get_config_request', ...m })),
  fc.record({ xid, port: u32, queues: fc.array(fc.record({ queueId: u32, port: u32, properties: fc.array(fc.oneof(
    fc.record({ type: fc.constantFrom('min_rate' as const, 'max_rate' as const), rate: u16 }),
    fc.record({ type: fc.constant('experimenter' as const), experimenter: u32, body: bytes(8) }),
  ), { maxLength: 3 }) }), { maxLength: 3 }) }).map((m): OfMessage => ({ type: 'queue_get_config_reply', ...m })),
  fc.record({ xid, type: fc.constantFrom('role_request' as const, 'role_reply' as const), role: u32, generationId: u64 }),
  fc.record({ xid, type: fc.constantFrom('get_async_reply' as const, 'set_async' as const), ...asyncConfig }),
  fc.record({ xid, command: u16, flags: u16, meterId: u32, bands: fc.array(band, { maxLength: 3 }) }).map((m): OfMessage => ({ type: 'meter_mod', ...m })),
  fc.record({ xid, msgType: fc.integer({ min: 30, max: 255 }), body: bytes(32) }).map((m): OfMessage => ({ type: 'unknown', ...m })),
);
