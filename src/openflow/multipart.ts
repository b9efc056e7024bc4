/**
 * MULTIPART_REQUEST and MULTIPART_REPLY bodies (OpenFlow 1.3.5 §7.3.5), one kind per OFPMP_*
 * type. A type 1.3 does not define is kept raw, so a switch can answer it BAD_MULTIPART.
 */
import { Layout, Reader, Writer, layout } from './bytes.js';
import { OFPBRC, OFPET } from './errors.js';
import { readInstructions, writeInstructions, type OfInstruction } from './actions.js';
import { readMatch, writeMatch, type Oxm } from './oxm.js';
import {
  AGGREGATE, DESC, GROUP_FEATURES, METER_FEATURES, PORT, PORT_STATS, QUEUE_STATS, TABLE_STATS, readBands, readBuckets, readTableFeatures,
  writeBands, writeBuckets, writeTableFeatures, type OfAggregateStats, type OfBucket, type OfDesc, type OfGroupFeatures, type OfMeterBand,
  type OfMeterFeatures, type OfPort, type OfPortStats, type OfQueueStats, type OfTableFeatures, type OfTableStats,
} from './structs.js';

export const OFPMP = {
  DESC: 0, FLOW: 1, AGGREGATE: 2, TABLE: 3, PORT_STATS: 4, QUEUE: 5, GROUP: 6, GROUP_DESC: 7, GROUP_FEATURES: 8,
  METER: 9, METER_CONFIG: 10, METER_FEATURES: 11, TABLE_FEATURES: 12, PORT_DESC: 13, EXPERIMENTER: 0xffff,
} as const;
/** OFPMPF_REQ_MORE / OFPMPF_REPLY_MORE. */
export const OFPMPF_MORE = 1;

export type MultipartKind =
  | 'desc' | 'flow' | 'aggregate' | 'table' | 'port_stats' | 'queue' | 'group' | 'group_desc' | 'group_features'
  | 'meter' | 'meter_config' | 'meter_features' | 'table_features' | 'port_desc' | 'experimenter';

const KIND_CODE: Record<MultipartKind, number> = {
  desc: 0, flow: 1, aggregate: 2, table: 3, port_stats: 4, queue: 5, group: 6, group_desc: 7, group_features: 8,
  meter: 9, meter_config: 10, meter_features: 11, table_features: 12, port_desc: 13, experimenter: 0xffff,
};
const CODE_KIND = new Map(Object.entries(KIND_CODE).map(([k, v]) => [v, k as MultipartKind]));

export interface FlowStatsRequest {
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
  match: Oxm[];
}

export type MultipartRequestBody =
  | { kind: 'desc' | 'table' | 'group_desc' | 'group_features' | 'meter_features' | 'port_desc' }
  | ({ kind: 'flow' | 'aggregate' } & FlowStatsRequest)
  | { kind: 'port_stats'; portNo: number }
  | { kind: 'queue'; portNo: number; queueId: number }
  | { kind: 'group'; groupId: number }
  | { kind: 'meter' | 'meter_config'; meterId: number }
  | { kind: 'table_features'; tables: OfTableFeatures[] }
  | { kind: 'experimenter'; experimenter: number; expType: number; data: Uint8Array }
  | { kind: 'unknown'; mpType: number; body: Uint8Array };

export interface OfFlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Oxm[];
  instructions: OfInstruction[];
}

export interface OfGroupStats {
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  durationNsec: number;
  buckets: { packetCount: bigint; byteCount: bigint }[];
}

export interface OfGroupDesc {
  type: number;
  groupId: number;
  buckets: OfBucket[];
}

export interface OfMeterStats {
  meterId: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
  bands: { packetBandCount: bigint; byteBandCount: bigint }[];
}

export interface OfMeterConfig {
  flags: number;
  meterId: number;
  bands: OfMeterBand[];
}

export type MultipartReplyBody =
  | { kind: 'desc'; desc: OfDesc }
  | { kind: 'flow'; flows: OfFlowStats[] }
  | { kind: 'aggregate'; stats: OfAggregateStats }
  | { kind: 'table'; tables: OfTableStats[] }
  | { kind: 'port_stats'; ports: OfPortStats[] }
  | { kind: 'queue'; queues: OfQueueStats[] }
  | { kind: 'group'; groups: OfGroupStats[] }
  | { kind: 'group_desc'; groups: OfGroupDesc[] }
  | { kind: 'group_features'; features: OfGroupFeatures }
  | { kind: 'meter'; meters: OfMeterStats[] }
  | { kind: 'meter_config'; meters: OfMeterConfig[] }
  | { kind: 'meter_features'; features: OfMeterFeatures }
  | { kind: 'table_features'; tables: OfTableFeatures[] }
  | { kind: 'port_desc'; ports: OfPort[] }
  | { kind: 'experimenter'; experimenter: number; expType: number; data: Uint8Array }
  | { kind: 'unknown'; mpType: number; body: Uint8Array };

export function multipartCode(body: MultipartRequestBody | MultipartReplyBody): number {
  return body.kind === 'unknown' ? body.mpType : KIND_CODE[body.kind];
}

const badLen = { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN };

const FLOW_REQUEST = layout('flow_stats_request', [
  ['tableId', 'u8'], ['', { pad: 3 }], ['outPort', 'u32'], ['outGroup', 'u32'], ['', { pad: 4 }], ['cookie', 'u64'], ['cookieMask', 'u64'],
] as const);
const PORT_REQUEST = layout('port_stats_request', [['portNo', 'u32'], ['', { pad: 4 }]] as const);
const QUEUE_REQUEST = layout('queue_stats_request', [['portNo', 'u32'], ['queueId', 'u32']] as const);
const GROUP_REQUEST = layout('group_stats_request', [['groupId', 'u32'], ['', { pad: 4 }]] as const);
const METER_REQUEST = layout('meter_stats_request', [['meterId', 'u32'], ['', { pad: 4 }]] as const);
const EXPERIMENTER = layout('experimenter_multipart', [['experimenter', 'u32'], ['expType', 'u32']] as const);

/** A body that is exactly one fixed layout. */
function exactlyOne<T>(r: Reader, l: Layout<T>): T {
  if (r.left !== l.size) r.fail(`${l.name} body is ${r.left} bytes, expected ${l.size}`, badLen, r.offset, 'NETLOOM_OF_BAD_LENGTH');
  return l.read(r);
}

/** A body that is an array of one fixed layout. */
function arrayOf<T>(r: Reader, l: Layout<T>): T[] {
  if (r.left % l.size !== 0) r.fail(`${l.name} body of ${r.left} bytes is not a multiple of ${l.size}`, badLen, r.offset, 'NETLOOM_OF_BAD_LENGTH');
  const out: T[] = [];
  while (r.left > 0) out.push(l.read(r));
  return out;
}

function empty(r: Reader): void {
  if (r.left !== 0) r.fail(`this request has no body, got ${r.left} bytes`, badLen, r.offset, 'NETLOOM_OF_BAD_LENGTH');
}

export function readMultipartRequest(r: Reader, mpType: number): MultipartRequestBody {
  const kind = CODE_KIND.get(mpType);
  switch (kind) {
    case undefined:
      return { kind: 'unknown', mpType, body: r.rest() };
    case 'desc':
    case 'table':
    case 'group_desc':
    case 'group_features':
    case 'meter_features':
    case 'port_desc':
      empty(r);
      return { kind };
    case 'flow':
    case 'aggregate': {
      const fixed = FLOW_REQUEST.read(r);
      const match = readMatch(r, 'multipart_request.match');
      empty(r);
      return { kind, ...fixed, match };
    }
    case 'port_stats':
      return { kind, ...exactlyOne(r, PORT_REQUEST) };
    case 'queue':
      return { kind, ...exactlyOne(r, QUEUE_REQUEST) };
    case 'group':
      return { kind, ...exactlyOne(r, GROUP_REQUEST) };
    case 'meter':
    case 'meter_config':
      return { kind, ...exactlyOne(r, METER_REQUEST) };
    case 'table_features':
      return { kind, tables: readTableFeatures(r, 'multipart_request.tables') };
    case 'experimenter':
      return { kind, ...EXPERIMENTER.read(r), data: r.rest() };
  }
}

export function writeMultipartRequest(w: Writer, body: MultipartRequestBody): void {
  switch (body.kind) {
    case 'desc':
    case 'table':
    case 'group_desc':
    case 'group_features':
    case 'meter_features':
    case 'port_desc':
      return;
    case 'flow':
    case 'aggregate':
      FLOW_REQUEST.write(w, body, 'body');
      writeMatch(w, body.match, 'body.match');
      return;
    case 'port_stats':
      PORT_REQUEST.write(w, body, 'body');
      return;
    case 'queue':
      QUEUE_REQUEST.write(w, body, 'body');
      return;
    case 'group':
      GROUP_REQUEST.write(w, body, 'body');
      return;
    case 'meter':
    case 'meter_config':
      METER_REQUEST.write(w, body, 'body');
      return;
    case 'table_features':
      writeTableFeatures(w, body.tables, 'body.tables');
      return;
    case 'experimenter':
      EXPERIMENTER.write(w, body, 'body');
      w.bytes(body.data);
      return;
    case 'unknown':
      w.bytes(body.body);
  }
}

const FLOW_STATS = layout('flow_stats', [
  ['tableId', 'u8'], ['', { pad: 1 }], ['durationSec', 'u32'], ['durationNsec', 'u32'], ['priority', 'u16'], ['idleTimeout', 'u16'],
  ['hardTimeout', 'u16'], ['flags', 'u16'], ['', { pad: 4 }], ['cookie', 'u64'], ['packetCount', 'u64'], ['byteCount', 'u64'],
] as const);
const GROUP_STATS = layout('group_stats', [
  ['', { pad: 2 }], ['groupId', 'u32'], ['refCount', 'u32'], ['', { pad: 4 }], ['packetCount', 'u64'], ['byteCount', 'u64'], ['durationSec', 'u32'], ['durationNsec', 'u32'],
] as const);
const BUCKET_COUNTER = layout('bucket_counter', [['packetCount', 'u64'], ['byteCount', 'u64']] as const);
const METER_STATS = layout('meter_stats', [
  ['meterId', 'u32'], ['len', 'u16'], ['', { pad: 6 }], ['flowCount', 'u32'], ['packetInCount', 'u64'], ['byteInCount', 'u64'], ['durationSec', 'u32'], ['durationNsec', 'u32'],
] as const);
const BAND_STATS = layout('meter_band_stats', [['packetBandCount', 'u64'], ['byteBandCount', 'u64']] as const);

/** Entries that each begin with a 16-bit length (at `lengthAt` bytes in) covering the whole entry. */
function entries<T>(r: Reader, structure: string, minimum: number, lengthAt: number, read: (e: Reader, length: number) => T): T[] {
  const out: T[] = [];
  while (r.left > 0) {
    const at = r.offset;
    r.need(minimum, `${structure}[${out.length}]`);
    const length = (r.bytes[at + lengthAt]! << 8) | r.bytes[at + lengthAt + 1]!;
    if (length < minimum) r.fail(`entry length ${length} is below ${minimum}`, badLen, at, 'NETLOOM_OF_BAD_LENGTH');
    out.push(read(r.child(length, `${structure}[${out.length}]`), length));
  }
  return out;
}

export function readMultipartReply(r: Reader, mpType: number): MultipartReplyBody {
  const kind = CODE_KIND.get(mpType);
  switch (kind) {
    case undefined:
      return { kind: 'unknown', mpType, body: r.rest() };
    case 'desc':
      return { kind, desc: exactlyOne(r, DESC) };
    case 'flow':
      return {
        kind,
        flows: entries(r, 'flow_stats', 56, 0, (e) => {
          e.skip(2);
          const fixed = FLOW_STATS.read(e);
          const match = readMatch(e, 'flow_stats.match');
          return { ...fixed, match, instructions: readInstructions(e, 'flow_stats.instructions') };
        }),
      };
    case 'aggregate':
      return { kind, stats: exactlyOne(r, AGGREGATE) };
    case 'table':
      return { kind, tables: arrayOf(r, TABLE_STATS) };
    case 'port_stats':
      return { kind, ports: arrayOf(r, PORT_STATS) };
    case 'queue':
      return { kind, queues: arrayOf(r, QUEUE_STATS) };
    case 'group':
      return {
        kind,
        groups: entries(r, 'group_stats', 40, 0, (e) => {
          e.skip(2);
          const { groupId, refCount, packetCount, byteCount, durationSec, durationNsec } = GROUP_STATS.read(e);
          return { groupId, refCount, packetCount, byteCount, durationSec, durationNsec, buckets: arrayOf(e, BUCKET_COUNTER) };
        }),
      };
    case 'group_desc':
      return {
        kind,
        groups: entries(r, 'group_desc', 8, 0, (e) => {
          e.skip(2);
          const type = e.u8();
          e.skip(1);
          const groupId = e.u32();
          return { type, groupId, buckets: readBuckets(e, 'group_desc.buckets') };
        }),
      };
    case 'group_features':
      return { kind, features: exactlyOne(r, GROUP_FEATURES) };
    case 'meter':
      return {
        kind,
        meters: entries(r, 'meter_stats', 40, 4, (e) => {
          const { meterId, flowCount, packetInCount, byteInCount, durationSec, durationNsec } = METER_STATS.read(e);
          return { meterId, flowCount, packetInCount, byteInCount, durationSec, durationNsec, bands: arrayOf(e, BAND_STATS) };
        }),
      };
    case 'meter_config':
      return {
        kind,
        meters: entries(r, 'meter_config', 8, 0, (e) => {
          e.skip(2);
          const flags = e.u16();
          const meterId = e.u32();
          return { flags, meterId, bands: readBands(e, 'meter_config.bands') };
        }),
      };
    case 'meter_features':
      return { kind, features: exactlyOne(r, METER_FEATURES) };
    case 'table_features':
      return { kind, tables: readTableFeatures(r, 'multipart_reply.tables') };
    case 'port_desc':
      return { kind, ports: arrayOf(r, PORT) };
    case 'experimenter':
      return { kind, ...EXPERIMENTER.read(r), data: r.rest() };
  }
}

/** Writes a 16-bit length at `at` covering everything written since. */
function closeEntry(w: Writer, start: number, at: number, path: string): void {
  w.patch16(at, w.offset - start, path);
}

export function writeMultipartReply(w: Writer, body: MultipartReplyBody): void {
  switch (body.kind) {
    case 'desc':
      DESC.write(w, body.desc, 'body.desc');
      return;
    case 'flow':
      body.flows.forEach((f, i) => {
        const start = w.offset;
        w.u16(0, `body.flows[${i}].length`);
        FLOW_STATS.write(w, f, `body.flows[${i}]`);
        writeMatch(w, f.match, `body.flows[${i}].match`);
        writeInstructions(w, f.instructions, `body.flows[${i}].instructions`);
        closeEntry(w, start, start, `body.flows[${i}]`);
      });
      return;
    case 'aggregate':
      AGGREGATE.write(w, body.stats, 'body.stats');
      return;
    case 'table':
      body.tables.forEach((t, i) => TABLE_STATS.write(w, t, `body.tables[${i}]`));
      return;
    case 'port_stats':
      body.ports.forEach((p, i) => PORT_STATS.write(w, p, `body.ports[${i}]`));
      return;
    case 'queue':
      body.queues.forEach((q, i) => QUEUE_STATS.write(w, q, `body.queues[${i}]`));
      return;
    case 'group':
      body.groups.forEach((g, i) => {
        const start = w.offset;
        w.u16(0, `body.groups[${i}].length`);
        GROUP_STATS.write(w, g, `body.groups[${i}]`);
        g.buckets.forEach((b, j) => BUCKET_COUNTER.write(w, b, `body.groups[${i}].buckets[${j}]`));
        closeEntry(w, start, start, `body.groups[${i}]`);
      });
      return;
    case 'group_desc':
      body.groups.forEach((g, i) => {
        const start = w.offset;
        w.u16(0, `body.groups[${i}].length`);
        w.u8(g.type, `body.groups[${i}].type`);
        w.zeros(1);
        w.u32(g.groupId, `body.groups[${i}].groupId`);
        writeBuckets(w, g.buckets, `body.groups[${i}].buckets`);
        closeEntry(w, start, start, `body.groups[${i}]`);
      });
      return;
    case 'group_features':
      GROUP_FEATURES.write(w, body.features, 'body.features');
      return;
    case 'meter':
      body.meters.forEach((m, i) => {
        const start = w.offset;
        METER_STATS.write(w, { ...m, len: 0 }, `body.meters[${i}]`);
        m.bands.forEach((b, j) => BAND_STATS.write(w, b, `body.meters[${i}].bands[${j}]`));
        closeEntry(w, start, start + 4, `body.meters[${i}]`);
      });
      return;
    case 'meter_config':
      body.meters.forEach((m, i) => {
        const start = w.offset;
        w.u16(0, `body.meters[${i}].length`);
        w.u16(m.flags, `body.meters[${i}].flags`);
        w.u32(m.meterId, `body.meters[${i}].meterId`);
        writeBands(w, m.bands, `body.meters[${i}].bands`);
        closeEntry(w, start, start, `body.meters[${i}]`);
      });
      return;
    case 'meter_features':
      METER_FEATURES.write(w, body.features, 'body.features');
      return;
    case 'table_features':
      writeTableFeatures(w, body.tables, 'body.tables');
      return;
    case 'port_desc':
      body.ports.forEach((p, i) => PORT.write(w, p, `body.ports[${i}]`));
      return;
    case 'experimenter':
      EXPERIMENTER.write(w, body, 'body');
      w.bytes(body.data);
      return;
    case 'unknown':
      w.bytes(body.body);
  }
}
