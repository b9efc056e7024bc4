/**
 * OpenFlow 1.3 messages (OpenFlow Switch Specification 1.3.5 §7): the 8-byte header, every
 * message type, and one decode/encode pair for all of them. `decodeMessage` takes exactly one
 * message's bytes (framing.ts cuts a stream into them); anything wrong is an OpenFlowError with
 * the byte offset and the OpenFlow error a switch answers with. A message type 1.3 does not
 * define decodes as `unknown`, so the switch can answer BAD_TYPE with the request's bytes.
 */
import { Reader, Writer, layout } from './bytes.js';
import { OFPBRC, OFPET, OpenFlowError, type OfpErrorCode } from './errors.js';
import { readActions, readInstructions, writeActions, writeInstructions, type OfAction, type OfInstruction } from './actions.js';
import { readMatch, writeMatch, type Oxm } from './oxm.js';
import { PORT, readBands, readBuckets, readQueues, writeBands, writeBuckets, writeQueues, type OfBucket, type OfMeterBand, type OfPacketQueue, type OfPort } from './structs.js';
import { multipartCode, readMultipartReply, readMultipartRequest, writeMultipartReply, writeMultipartRequest, type MultipartReplyBody, type MultipartRequestBody } from './multipart.js';

export const OFP_VERSION = 0x04;
export const OFP_HEADER_LENGTH = 8;
/** The largest message: the header's length is 16 bits. */
export const OFP_MAX_MESSAGE = 0xffff;

export const OFPT = {
  HELLO: 0, ERROR: 1, ECHO_REQUEST: 2, ECHO_REPLY: 3, EXPERIMENTER: 4, FEATURES_REQUEST: 5, FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7, GET_CONFIG_REPLY: 8, SET_CONFIG: 9, PACKET_IN: 10, FLOW_REMOVED: 11, PORT_STATUS: 12,
  PACKET_OUT: 13, FLOW_MOD: 14, GROUP_MOD: 15, PORT_MOD: 16, TABLE_MOD: 17, MULTIPART_REQUEST: 18, MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20, BARRIER_REPLY: 21, QUEUE_GET_CONFIG_REQUEST: 22, QUEUE_GET_CONFIG_REPLY: 23, ROLE_REQUEST: 24,
  ROLE_REPLY: 25, GET_ASYNC_REQUEST: 26, GET_ASYNC_REPLY: 27, SET_ASYNC: 28, METER_MOD: 29,
} as const;

export type MessageType = Lowercase<keyof typeof OFPT>;
const TYPE_NAME = new Map<number, MessageType>(Object.entries(OFPT).map(([k, v]) => [v, k.toLowerCase() as MessageType]));

/** Reserved port numbers (§7.2.1). */
export const OFPP = {
  MAX: 0xffffff00, IN_PORT: 0xfffffff8, TABLE: 0xfffffff9, NORMAL: 0xfffffffa, FLOOD: 0xfffffffb, ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd, LOCAL: 0xfffffffe, ANY: 0xffffffff,
} as const;
export const OFPG_ANY = 0xffffffff;
export const OFPG_ALL = 0xfffffffc;
export const OFPTT_ALL = 0xff;
export const OFP_NO_BUFFER = 0xffffffff;
export const OFPFC = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;
export const OFPFF = { SEND_FLOW_REM: 1, CHECK_OVERLAP: 2, RESET_COUNTS: 4, NO_PKT_COUNTS: 8, NO_BYT_COUNTS: 16 } as const;
export const OFPR = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;
export const OFPRR = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3 } as const;
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;
/** A port's state bits (ofp_port_state). */
export const OFPPS = { LINK_DOWN: 1, BLOCKED: 2, LIVE: 4 } as const;
export const OFPGC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const OFPGT = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;
export const OFPMC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const OFPCR_ROLE = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;
export const OFPHET_VERSIONBITMAP = 1;

export type HelloElement = { type: 'versionbitmap'; bitmaps: number[] } | { type: 'unknown'; elementType: number; body: Uint8Array };

const FEATURES = layout('features_reply', [
  ['datapathId', 'u64'], ['nBuffers', 'u32'], ['nTables', 'u8'], ['auxiliaryId', 'u8'], ['', { pad: 2 }], ['capabilities', 'u32'], ['reserved', 'u32'],
] as const);
const SWITCH_CONFIG = layout('switch_config', [['flags', 'u16'], ['missSendLen', 'u16']] as const);
const PACKET_IN = layout('packet_in', [['bufferId', 'u32'], ['totalLen', 'u16'], ['reason', 'u8'], ['tableId', 'u8'], ['cookie', 'u64']] as const);
const FLOW_REMOVED = layout('flow_removed', [
  ['cookie', 'u64'], ['priority', 'u16'], ['reason', 'u8'], ['tableId', 'u8'], ['durationSec', 'u32'], ['durationNsec', 'u32'],
  ['idleTimeout', 'u16'], ['hardTimeout', 'u16'], ['packetCount', 'u64'], ['byteCount', 'u64'],
] as const);
const FLOW_MOD = layout('flow_mod', [
  ['cookie', 'u64'], ['cookieMask', 'u64'], ['tableId', 'u8'], ['command', 'u8'], ['idleTimeout', 'u16'], ['hardTimeout', 'u16'],
  ['priority', 'u16'], ['bufferId', 'u32'], ['outPort', 'u32'], ['outGroup', 'u32'], ['flags', 'u16'], ['', { pad: 2 }],
] as const);
const GROUP_MOD = layout('group_mod', [['command', 'u16'], ['groupType', 'u8'], ['', { pad: 1 }], ['groupId', 'u32']] as const);
const PORT_MOD = layout('port_mod', [
  ['portNo', 'u32'], ['', { pad: 4 }], ['hwAddr', 'mac'], ['', { pad: 2 }], ['config', 'u32'], ['mask', 'u32'], ['advertise', 'u32'], ['', { pad: 4 }],
] as const);
const TABLE_MOD = layout('table_mod', [['tableId', 'u8'], ['', { pad: 3 }], ['config', 'u32']] as const);
const ROLE = layout('role', [['role', 'u32'], ['', { pad: 4 }], ['generationId', 'u64']] as const);
const ASYNC = layout('async_config', [
  ['packetInMaster', 'u32'], ['packetInSlave', 'u32'], ['portStatusMaster', 'u32'], ['portStatusSlave', 'u32'],
  ['flowRemovedMaster', 'u32'], ['flowRemovedSlave', 'u32'],
] as const);
const METER_MOD = layout('meter_mod', [['command', 'u16'], ['flags', 'u16'], ['meterId', 'u32']] as const);
const QUEUE_REQUEST = layout('queue_get_config_request', [['port', 'u32'], ['', { pad: 4 }]] as const);
const EXPERIMENTER = layout('experimenter', [['experimenter', 'u32'], ['expType', 'u32']] as const);
const MULTIPART = layout('multipart', [['mpType', 'u16'], ['flags', 'u16'], ['', { pad: 4 }]] as const);

export type FeaturesReply = ReturnType<typeof FEATURES.read>;
export type SwitchConfig = ReturnType<typeof SWITCH_CONFIG.read>;
export type AsyncConfig = ReturnType<typeof ASYNC.read>;

/** Every message has its xid; `type` names it. */
export type OfMessage = { xid: number } & (
  | { type: 'hello'; version?: number; elements: HelloElement[] }
  | { type: 'error'; errorType: number; code: number; experimenter?: number; data: Uint8Array }
  | { type: 'echo_request' | 'echo_reply'; data: Uint8Array }
  | { type: 'experimenter'; experimenter: number; expType: number; data: Uint8Array }
  | { type: 'features_request' | 'get_config_request' | 'barrier_request' | 'barrier_reply' | 'get_async_request' }
  | ({ type: 'features_reply' } & FeaturesReply)
  | ({ type: 'get_config_reply' | 'set_config' } & SwitchConfig)
  | {
      type: 'packet_in'; bufferId: number; totalLen: number; reason: number; tableId: number; cookie: bigint; match: Oxm[]; data: Uint8Array;
    }
  | ({ type: 'flow_removed'; match: Oxm[] } & ReturnType<typeof FLOW_REMOVED.read>)
  | { type: 'port_status'; reason: number; port: OfPort }
  | { type: 'packet_out'; bufferId: number; inPort: number; actions: OfAction[]; data: Uint8Array }
  | ({ type: 'flow_mod'; match: Oxm[]; instructions: OfInstruction[] } & ReturnType<typeof FLOW_MOD.read>)
  | { type: 'group_mod'; command: number; groupType: number; groupId: number; buckets: OfBucket[] }
  | ({ type: 'port_mod' } & ReturnType<typeof PORT_MOD.read>)
  | ({ type: 'table_mod' } & ReturnType<typeof TABLE_MOD.read>)
  | { type: 'multipart_request'; flags: number; body: MultipartRequestBody }
  | { type: 'multipart_reply'; flags: number; body: MultipartReplyBody }
  | { type: 'queue_get_config_request'; port: number }
  | { type: 'queue_get_config_reply'; port: number; queues: OfPacketQueue[] }
  | ({ type: 'role_request' | 'role_reply' } & ReturnType<typeof ROLE.read>)
  | ({ type: 'get_async_reply' | 'set_async' } & AsyncConfig)
  | { type: 'meter_mod'; command: number; flags: number; meterId: number; bands: OfMeterBand[] }
  /** A type OpenFlow 1.3 does not define: its number and the bytes after the header. */
  | { type: 'unknown'; msgType: number; body: Uint8Array }
);

/** The message of one type, e.g. `MessageOf<'flow_mod'>`. */
export type MessageOf<T extends OfMessage['type']> = OfMessage & { type: T };

const badLen = { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN };

/** The header's fields, read without checking the rest (for framing and for errors about the message). */
export interface OfHeader {
  version: number;
  type: number;
  length: number;
  xid: number;
}

export function readHeader(bytes: Uint8Array, offset = 0): OfHeader {
  const r = new Reader(bytes, offset, bytes.length, 'header', badLen);
  return { version: r.u8(), type: r.u8(), length: r.u16(), xid: r.u32() };
}

/** Decodes one whole OpenFlow 1.3 message (a HELLO may carry any version). */
export function decodeMessage(bytes: Uint8Array): OfMessage {
  const h = readHeader(bytes);
  if (h.length < OFP_HEADER_LENGTH) throw new OpenFlowError('NETLOOM_OF_BAD_LENGTH', `length ${h.length} is below the 8-byte header`, 'header', 2, badLen);
  if (h.length !== bytes.length) throw new OpenFlowError('NETLOOM_OF_BAD_LENGTH', `header says ${h.length} bytes, the message has ${bytes.length}`, 'header', 2, badLen);
  if (h.version !== OFP_VERSION && h.type !== OFPT.HELLO) {
    throw new OpenFlowError('NETLOOM_OF_BAD_VERSION', `version 0x${h.version.toString(16).padStart(2, '0')} is not OpenFlow 1.3 (0x04)`, 'header', 0, { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_VERSION });
  }
  const name = TYPE_NAME.get(h.type);
  const r = new Reader(bytes, OFP_HEADER_LENGTH, h.length, name ?? 'message', badLen);
  const xid = h.xid;
  let m: OfMessage;
  switch (name) {
    case undefined:
      return { xid, type: 'unknown', msgType: h.type, body: r.rest() };
    case 'hello':
      m = { xid, type: 'hello', elements: readHelloElements(r) };
      if (h.version !== OFP_VERSION) m.version = h.version;
      return m;
    case 'error': {
      const errorType = r.u16();
      const code = r.u16();
      if (errorType === OFPET.EXPERIMENTER) return { xid, type: 'error', errorType, code, experimenter: r.u32(), data: r.rest() };
      return { xid, type: 'error', errorType, code, data: r.rest() };
    }
    case 'echo_request':
    case 'echo_reply':
      return { xid, type: name, data: r.rest() };
    case 'experimenter':
      return { xid, type: name, ...EXPERIMENTER.read(r), data: r.rest() };
    case 'features_request':
    case 'get_config_request':
    case 'barrier_request':
    case 'barrier_reply':
    case 'get_async_request':
      m = { xid, type: name };
      break;
    case 'features_reply':
      m = { xid, type: name, ...FEATURES.read(r) };
      break;
    case 'get_config_reply':
    case 'set_config':
      m = { xid, type: name, ...SWITCH_CONFIG.read(r) };
      break;
    case 'packet_in': {
      const fixed = PACKET_IN.read(r);
      const match = readMatch(r, 'packet_in.match');
      r.skip(2);
      return { xid, type: name, ...fixed, match, data: r.rest() };
    }
    case 'flow_removed': {
      const fixed = FLOW_REMOVED.read(r);
      m = { xid, type: name, ...fixed, match: readMatch(r, 'flow_removed.match') };
      break;
    }
    case 'port_status': {
      const reason = r.u8();
      r.skip(7);
      m = { xid, type: name, reason, port: PORT.read(r) };
      break;
    }
    case 'packet_out': {
      const bufferId = r.u32();
      const inPort = r.u32();
      const actionsLen = r.u16();
      r.skip(6);
      const actions = readActions(r.child(actionsLen, 'packet_out.actions', { type: OFPET.BAD_ACTION, code: 1 }), 'packet_out.actions');
      return { xid, type: name, bufferId, inPort, actions, data: r.rest() };
    }
    case 'flow_mod': {
      const fixed = FLOW_MOD.read(r);
      const match = readMatch(r, 'flow_mod.match');
      return { xid, type: name, ...fixed, match, instructions: readInstructions(r, 'flow_mod.instructions') };
    }
    case 'group_mod':
      return { xid, type: name, ...GROUP_MOD.read(r), buckets: readBuckets(r, 'group_mod.buckets') };
    case 'port_mod':
      m = { xid, type: name, ...PORT_MOD.read(r) };
      break;
    case 'table_mod':
      m = { xid, type: name, ...TABLE_MOD.read(r) };
      break;
    case 'multipart_request':
    case 'multipart_reply': {
      const { mpType, flags } = MULTIPART.read(r);
      const body = r.child(r.left, `${name}.body`);
      if (name === 'multipart_request') return { xid, type: name, flags, body: readMultipartRequest(body, mpType) };
      return { xid, type: name, flags, body: readMultipartReply(body, mpType) };
    }
    case 'queue_get_config_request':
      m = { xid, type: name, ...QUEUE_REQUEST.read(r) };
      break;
    case 'queue_get_config_reply': {
      const { port } = QUEUE_REQUEST.read(r);
      return { xid, type: name, port, queues: readQueues(r, 'queue_get_config_reply.queues') };
    }
    case 'role_request':
    case 'role_reply':
      m = { xid, type: name, ...ROLE.read(r) };
      break;
    case 'get_async_reply':
    case 'set_async':
      m = { xid, type: name, ...ASYNC.read(r) };
      break;
    case 'meter_mod':
      return { xid, type: name, ...METER_MOD.read(r), bands: readBands(r, 'meter_mod.bands') };
  }
  // Fixed-size messages: nothing may follow.
  if (r.left !== 0) throw new OpenFlowError('NETLOOM_OF_BAD_LENGTH', `${r.left} bytes after the end of a ${name} message`, name, r.offset, badLen);
  return m;
}

function readHelloElements(r: Reader): HelloElement[] {
  const out: HelloElement[] = [];
  // Elements are padded to 8 bytes; a tail shorter than an element header is that padding.
  while (r.left >= 4) {
    const at = r.offset;
    const type = r.u16();
    const length = r.u16();
    if (length < 4) r.fail(`hello element length ${length} is below 4`, { type: OFPET.HELLO_FAILED, code: 0 }, at, 'NETLOOM_OF_BAD_LENGTH');
    const e = r.child(length - 4, 'hello.elements', { type: OFPET.HELLO_FAILED, code: 0 });
    if (type === OFPHET_VERSIONBITMAP) {
      const bitmaps: number[] = [];
      while (e.left >= 4) bitmaps.push(e.u32());
      out.push({ type: 'versionbitmap', bitmaps });
    } else out.push({ type: 'unknown', elementType: type, body: e.rest() });
    r.skip(Math.min(r.left, (8 - (length % 8)) % 8));
  }
  r.skip(r.left);
  return out;
}

const NAME_CODE = new Map([...TYPE_NAME].map(([code, name]) => [name, code]));

/** Encodes a message; lengths are computed, every value is range-checked (an OpenFlowError names the path). */
export function encodeMessage(m: OfMessage): Uint8Array {
  const w = new Writer(m.type, m.type === 'packet_in' || m.type === 'packet_out' ? 128 + m.data.length : 256);
  const type = m.type === 'unknown' ? m.msgType : NAME_CODE.get(m.type);
  if (type === undefined) w.fail('type', `unknown message type "${m.type}"`);
  w.u8(m.type === 'hello' ? (m.version ?? OFP_VERSION) : OFP_VERSION, 'version');
  w.u8(type!, 'type');
  w.u16(0, 'length');
  w.u32(m.xid, 'xid');
  switch (m.type) {
    case 'hello':
      for (const [i, e] of m.elements.entries()) {
        const start = w.offset;
        w.u16(e.type === 'versionbitmap' ? OFPHET_VERSIONBITMAP : e.elementType, `elements[${i}].type`);
        w.u16(0, `elements[${i}].length`);
        if (e.type === 'versionbitmap') e.bitmaps.forEach((b, j) => w.u32(b, `elements[${i}].bitmaps[${j}]`));
        else w.bytes(e.body);
        w.patch16(start + 2, w.offset - start, `elements[${i}]`);
        w.align8(start);
      }
      break;
    case 'error':
      w.u16(m.errorType, 'errorType');
      w.u16(m.code, 'code');
      if (m.errorType === OFPET.EXPERIMENTER) w.u32(m.experimenter ?? 0, 'experimenter');
      w.bytes(m.data);
      break;
    case 'echo_request':
    case 'echo_reply':
      w.bytes(m.data);
      break;
    case 'experimenter':
      EXPERIMENTER.write(w, m);
      w.bytes(m.data);
      break;
    case 'features_request':
    case 'get_config_request':
    case 'barrier_request':
    case 'barrier_reply':
    case 'get_async_request':
      break;
    case 'features_reply':
      FEATURES.write(w, m);
      break;
    case 'get_config_reply':
    case 'set_config':
      SWITCH_CONFIG.write(w, m);
      break;
    case 'packet_in':
      PACKET_IN.write(w, m);
      writeMatch(w, m.match, 'match');
      w.zeros(2);
      w.bytes(m.data);
      break;
    case 'flow_removed':
      FLOW_REMOVED.write(w, m);
      writeMatch(w, m.match, 'match');
      break;
    case 'port_status':
      w.u8(m.reason, 'reason');
      w.zeros(7);
      PORT.write(w, m.port, 'port');
      break;
    case 'packet_out': {
      w.u32(m.bufferId, 'bufferId');
      w.u32(m.inPort, 'inPort');
      const at = w.offset;
      w.u16(0, 'actionsLen');
      w.zeros(6);
      const start = w.offset;
      writeActions(w, m.actions, 'actions');
      w.patch16(at, w.offset - start, 'actions');
      w.bytes(m.data);
      break;
    }
    case 'flow_mod':
      FLOW_MOD.write(w, m);
      writeMatch(w, m.match, 'match');
      writeInstructions(w, m.instructions, 'instructions');
      break;
    case 'group_mod':
      GROUP_MOD.write(w, m);
      writeBuckets(w, m.buckets, 'buckets');
      break;
    case 'port_mod':
      PORT_MOD.write(w, m);
      break;
    case 'table_mod':
      TABLE_MOD.write(w, m);
      break;
    case 'multipart_request':
      MULTIPART.write(w, { mpType: multipartCode(m.body), flags: m.flags });
      writeMultipartRequest(w, m.body);
      break;
    case 'multipart_reply':
      MULTIPART.write(w, { mpType: multipartCode(m.body), flags: m.flags });
      writeMultipartReply(w, m.body);
      break;
    case 'queue_get_config_request':
      QUEUE_REQUEST.write(w, m);
      break;
    case 'queue_get_config_reply':
      QUEUE_REQUEST.write(w, m);
      writeQueues(w, m.queues, 'queues');
      break;
    case 'role_request':
    case 'role_reply':
      ROLE.write(w, m);
      break;
    case 'get_async_reply':
    case 'set_async':
      ASYNC.write(w, m);
      break;
    case 'meter_mod':
      METER_MOD.write(w, m);
      writeBands(w, m.bands, 'bands');
      break;
    case 'unknown':
      w.bytes(m.body);
      break;
  }
  w.patch16(2, w.offset, 'length');
  return w.finish();
}

/**
 * The ERROR a switch sends for a request it cannot take. The spec asks for at least the first 64
 * bytes of the request (§7.4.4); Open vSwitch quotes all of it, and so does netloom (as much as
 * fits one message), so ovs-ofctl prints the refused request decoded.
 */
export function errorFor(request: Uint8Array, ofp: OfpErrorCode, xid?: number): MessageOf<'error'> {
  const header = request.length >= 8 ? readHeader(request) : undefined;
  // The ERROR's own header is 12 bytes, 16 with an experimenter id.
  const room = OFP_MAX_MESSAGE - (ofp.experimenter === undefined ? 12 : 16);
  const m: MessageOf<'error'> = { type: 'error', xid: xid ?? header?.xid ?? 0, errorType: ofp.type, code: ofp.code, data: request.slice(0, room) };
  if (ofp.experimenter !== undefined) m.experimenter = ofp.experimenter;
  return m;
}
