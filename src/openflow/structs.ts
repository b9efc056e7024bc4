/**
 * The structures OpenFlow 1.3 messages share (§7.2, §7.3.4.2, §7.3.4.4, §7.3.5): ports, group
 * buckets, meter bands, queue properties, table-features properties, and the fixed parts of the
 * multipart bodies, each declared once as a layout or a read/write pair.
 */
import { layout, Reader, Writer } from './bytes.js';
import { OFPBRC, OFPET, OFPGMFC, type OfpErrorCode } from './errors.js';
import { readActions, writeActions, type OfAction } from './actions.js';
import { OFPXMC_EXPERIMENTER } from './oxm.js';

/** ofp_port (64 bytes). */
export const PORT = layout('port', [
  ['portNo', 'u32'], ['', { pad: 4 }], ['hwAddr', 'mac'], ['', { pad: 2 }], ['name', { str: 16 }],
  ['config', 'u32'], ['state', 'u32'], ['curr', 'u32'], ['advertised', 'u32'], ['supported', 'u32'], ['peer', 'u32'],
  ['currSpeed', 'u32'], ['maxSpeed', 'u32'],
] as const);
export type OfPort = ReturnType<typeof PORT.read>;

/** ofp_port_stats (112 bytes). */
export const PORT_STATS = layout('port_stats', [
  ['portNo', 'u32'], ['', { pad: 4 }], ['rxPackets', 'u64'], ['txPackets', 'u64'], ['rxBytes', 'u64'], ['txBytes', 'u64'],
  ['rxDropped', 'u64'], ['txDropped', 'u64'], ['rxErrors', 'u64'], ['txErrors', 'u64'], ['rxFrameErr', 'u64'], ['rxOverErr', 'u64'],
  ['rxCrcErr', 'u64'], ['collisions', 'u64'], ['durationSec', 'u32'], ['durationNsec', 'u32'],
] as const);
export type OfPortStats = ReturnType<typeof PORT_STATS.read>;

/** ofp_table_stats (24 bytes). */
export const TABLE_STATS = layout('table_stats', [['tableId', 'u8'], ['', { pad: 3 }], ['activeCount', 'u32'], ['lookupCount', 'u64'], ['matchedCount', 'u64']] as const);
export type OfTableStats = ReturnType<typeof TABLE_STATS.read>;

/** ofp_queue_stats (40 bytes). */
export const QUEUE_STATS = layout('queue_stats', [
  ['portNo', 'u32'], ['queueId', 'u32'], ['txBytes', 'u64'], ['txPackets', 'u64'], ['txErrors', 'u64'], ['durationSec', 'u32'], ['durationNsec', 'u32'],
] as const);
export type OfQueueStats = ReturnType<typeof QUEUE_STATS.read>;

/** ofp_desc (1056 bytes). */
export const DESC = layout('desc', [['mfrDesc', { str: 256 }], ['hwDesc', { str: 256 }], ['swDesc', { str: 256 }], ['serialNum', { str: 32 }], ['dpDesc', { str: 256 }]] as const);
export type OfDesc = ReturnType<typeof DESC.read>;

/** ofp_aggregate_stats_reply (24 bytes). */
export const AGGREGATE = layout('aggregate_stats', [['packetCount', 'u64'], ['byteCount', 'u64'], ['flowCount', 'u32'], ['', { pad: 4 }]] as const);
export type OfAggregateStats = ReturnType<typeof AGGREGATE.read>;

/** ofp_group_features (40 bytes). */
export const GROUP_FEATURES = layout('group_features', [
  ['types', 'u32'], ['capabilities', 'u32'], ['maxGroupsAll', 'u32'], ['maxGroupsSelect', 'u32'], ['maxGroupsIndirect', 'u32'], ['maxGroupsFf', 'u32'],
  ['actionsAll', 'u32'], ['actionsSelect', 'u32'], ['actionsIndirect', 'u32'], ['actionsFf', 'u32'],
] as const);
export type OfGroupFeatures = ReturnType<typeof GROUP_FEATURES.read>;

/** ofp_meter_features (16 bytes). */
export const METER_FEATURES = layout('meter_features', [['maxMeter', 'u32'], ['bandTypes', 'u32'], ['capabilities', 'u32'], ['maxBands', 'u8'], ['maxColor', 'u8'], ['', { pad: 2 }]] as const);
export type OfMeterFeatures = ReturnType<typeof METER_FEATURES.read>;

/** ofp_bucket: a group's bucket (§7.3.4.2). */
export interface OfBucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: OfAction[];
}

const groupLen: OfpErrorCode = { type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.BAD_BUCKET };

export function readBuckets(r: Reader, structure: string): OfBucket[] {
  const out: OfBucket[] = [];
  while (r.left > 0) {
    const at = r.offset;
    const where = `${structure}[${out.length}]`;
    r.need(16, where);
    const len = r.u16();
    if (len < 16 || len % 8 !== 0) r.fail(`bucket length ${len} is not a multiple of 8 of at least 16`, groupLen, at, 'NETLOOM_OF_BAD_LENGTH');
    const b = r.child(len - 2, where, groupLen);
    const weight = b.u16();
    const watchPort = b.u32();
    const watchGroup = b.u32();
    b.skip(4);
    out.push({ weight, watchPort, watchGroup, actions: readActions(b, `${where}.actions`) });
  }
  return out;
}

export function writeBuckets(w: Writer, buckets: readonly OfBucket[], path: string): void {
  buckets.forEach((b, i) => {
    const at = `${path}[${i}]`;
    const start = w.offset;
    w.u16(0, `${at}.len`);
    w.u16(b.weight, `${at}.weight`);
    w.u32(b.watchPort, `${at}.watchPort`);
    w.u32(b.watchGroup, `${at}.watchGroup`);
    w.zeros(4);
    writeActions(w, b.actions, `${at}.actions`);
    w.patch16(start, w.offset - start, at);
  });
}

/** ofp_meter_band_*: drop (1), dscp_remark (2), experimenter (0xffff), or a type kept raw. */
export type OfMeterBand =
  | { type: 'drop'; rate: number; burstSize: number }
  | { type: 'dscp_remark'; rate: number; burstSize: number; precLevel: number }
  | { type: 'experimenter'; rate: number; burstSize: number; experimenter: number; body: Uint8Array }
  | { type: 'unknown'; bandType: number; rate: number; burstSize: number; body: Uint8Array };

export const OFPMBT = { DROP: 1, DSCP_REMARK: 2, EXPERIMENTER: 0xffff } as const;
/** OVS's ofputil_pull_bands answers a band of a bad length BAD_REQUEST/BAD_LEN. */
const bandLen: OfpErrorCode = { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN };

export function readBands(r: Reader, structure: string): OfMeterBand[] {
  const out: OfMeterBand[] = [];
  while (r.left > 0) {
    const at = r.offset;
    const where = `${structure}[${out.length}]`;
    r.need(12, where);
    const type = r.u16();
    const len = r.u16();
    if (len < 16 || len % 8 !== 0) r.fail(`meter band length ${len} is not a multiple of 8 of at least 16`, bandLen, at, 'NETLOOM_OF_BAD_LENGTH');
    // ofp_meter_band_drop and ofp_meter_band_dscp_remark are 16 bytes (§7.3.4.4).
    if ((type === OFPMBT.DROP || type === OFPMBT.DSCP_REMARK) && len !== 16) r.fail(`a ${type === OFPMBT.DROP ? 'drop' : 'dscp_remark'} band is 16 bytes long, not ${len}`, bandLen, at, 'NETLOOM_OF_BAD_LENGTH');
    const b = r.child(len - 4, where, bandLen);
    const rate = b.u32();
    const burstSize = b.u32();
    if (type === OFPMBT.DROP) out.push({ type: 'drop', rate, burstSize });
    else if (type === OFPMBT.DSCP_REMARK) out.push({ type: 'dscp_remark', rate, burstSize, precLevel: b.u8() });
    else if (type === OFPMBT.EXPERIMENTER) out.push({ type: 'experimenter', rate, burstSize, experimenter: b.u32(), body: b.rest() });
    else out.push({ type: 'unknown', bandType: type, rate, burstSize, body: b.rest() });
  }
  return out;
}

export function writeBands(w: Writer, bands: readonly OfMeterBand[], path: string): void {
  bands.forEach((band, i) => {
    const at = `${path}[${i}]`;
    const start = w.offset;
    const type = band.type === 'drop' ? OFPMBT.DROP : band.type === 'dscp_remark' ? OFPMBT.DSCP_REMARK : band.type === 'experimenter' ? OFPMBT.EXPERIMENTER : band.bandType;
    w.u16(type, `${at}.type`);
    w.u16(0, `${at}.len`);
    w.u32(band.rate, `${at}.rate`);
    w.u32(band.burstSize, `${at}.burstSize`);
    switch (band.type) {
      case 'drop':
        w.zeros(4);
        break;
      case 'dscp_remark':
        w.u8(band.precLevel, `${at}.precLevel`);
        w.zeros(3);
        break;
      case 'experimenter':
        w.u32(band.experimenter, `${at}.experimenter`);
        w.bytes(band.body);
        break;
      case 'unknown':
        w.bytes(band.body);
        break;
    }
    if ((w.offset - start) % 8 !== 0) w.fail(at, `a meter band must be a multiple of 8 bytes long, this one is ${w.offset - start}`);
    w.patch16(start + 2, w.offset - start, at);
  });
}

/** A queue property (§7.3.6): min_rate (1), max_rate (2) in 1/10 of a percent, experimenter, or raw. */
export type OfQueueProperty =
  | { type: 'min_rate' | 'max_rate'; rate: number }
  | { type: 'experimenter'; experimenter: number; body: Uint8Array }
  | { type: 'unknown'; propType: number; body: Uint8Array };

export interface OfPacketQueue {
  queueId: number;
  port: number;
  properties: OfQueueProperty[];
}

const queueLen: OfpErrorCode = { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN };

export function readQueues(r: Reader, structure: string): OfPacketQueue[] {
  const out: OfPacketQueue[] = [];
  while (r.left > 0) {
    const at = r.offset;
    const where = `${structure}[${out.length}]`;
    r.need(16, where);
    const queueId = r.u32();
    const port = r.u32();
    const len = r.u16();
    if (len < 16) r.fail(`queue length ${len} is below 16`, queueLen, at, 'NETLOOM_OF_BAD_LENGTH');
    r.skip(6);
    const q = r.child(len - 16, where);
    const properties: OfQueueProperty[] = [];
    while (q.left > 0) {
      const pat = q.offset;
      q.need(8, `${where}.properties`);
      const type = q.u16();
      const plen = q.u16();
      if (plen < 8) q.fail(`queue property length ${plen} is below 8`, queueLen, pat, 'NETLOOM_OF_BAD_LENGTH');
      q.skip(4);
      const p = q.child(plen - 8, `${where}.properties[${properties.length}]`);
      if (type === 1 || type === 2) {
        properties.push({ type: type === 1 ? 'min_rate' : 'max_rate', rate: p.u16() });
        p.skip(6);
      } else if (type === 0xffff) {
        const experimenter = p.u32();
        p.skip(4);
        properties.push({ type: 'experimenter', experimenter, body: p.rest() });
      } else properties.push({ type: 'unknown', propType: type, body: p.rest() });
    }
    out.push({ queueId, port, properties });
  }
  return out;
}

function queuePropertyCode(p: OfQueueProperty): number {
  if (p.type === 'unknown') return p.propType;
  return p.type === 'min_rate' ? 1 : p.type === 'max_rate' ? 2 : 0xffff;
}

export function writeQueues(w: Writer, queues: readonly OfPacketQueue[], path: string): void {
  queues.forEach((queue, i) => {
    const at = `${path}[${i}]`;
    const start = w.offset;
    w.u32(queue.queueId, `${at}.queueId`);
    w.u32(queue.port, `${at}.port`);
    w.u16(0, `${at}.len`);
    w.zeros(6);
    queue.properties.forEach((p, j) => {
      const pat = `${at}.properties[${j}]`;
      const pstart = w.offset;
      w.u16(queuePropertyCode(p), `${pat}.type`);
      w.u16(0, `${pat}.len`);
      w.zeros(4);
      if (p.type === 'min_rate' || p.type === 'max_rate') {
        w.u16(p.rate, `${pat}.rate`);
        w.zeros(6);
      } else if (p.type === 'experimenter') {
        w.u32(p.experimenter, `${pat}.experimenter`);
        w.zeros(4);
        w.bytes(p.body);
      } else w.bytes((p as { body: Uint8Array }).body);
      w.patch16(pstart + 2, w.offset - pstart, pat);
    });
    w.patch16(start + 8, w.offset - start, at);
  });
}

/** Table-features property types (§7.3.5.5.2). */
export const OFPTFPT = {
  INSTRUCTIONS: 0, INSTRUCTIONS_MISS: 1, NEXT_TABLES: 2, NEXT_TABLES_MISS: 3, WRITE_ACTIONS: 4, WRITE_ACTIONS_MISS: 5,
  APPLY_ACTIONS: 6, APPLY_ACTIONS_MISS: 7, MATCH: 8, WILDCARDS: 10, WRITE_SETFIELD: 12, WRITE_SETFIELD_MISS: 13,
  APPLY_SETFIELD: 14, APPLY_SETFIELD_MISS: 15, EXPERIMENTER: 0xfffe, EXPERIMENTER_MISS: 0xffff,
} as const;

/** An OXM id in a table-features property: a 32-bit OXM header, followed by an experimenter id for the experimenter class (§7.3.5.5.2). */
export interface OfOxmId {
  header: number;
  experimenter?: number;
}

/** An instruction or action id in a table-features property: its type and any bytes after the 4-byte header. */
export interface OfFeatureId {
  type: number;
  body: Uint8Array;
}

/**
 * One table-features property, by its wire type: instruction or action ids, next table ids,
 * OXM headers (32-bit words), or an experimenter's bytes. `propType` is the OFPTFPT_* number.
 */
export type OfTableFeatureProperty =
  | { propType: number; kind: 'ids'; ids: OfFeatureId[] }
  | { propType: number; kind: 'tables'; tableIds: number[] }
  | { propType: number; kind: 'oxm'; oxmIds: OfOxmId[] }
  | { propType: number; kind: 'experimenter'; experimenter: number; expType: number; data: Uint8Array }
  | { propType: number; kind: 'unknown'; body: Uint8Array };

export interface OfTableFeatures {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
  properties: OfTableFeatureProperty[];
}

function propertyKind(type: number): OfTableFeatureProperty['kind'] {
  if (type <= OFPTFPT.APPLY_ACTIONS_MISS) return type === OFPTFPT.NEXT_TABLES || type === OFPTFPT.NEXT_TABLES_MISS ? 'tables' : 'ids';
  if (type === OFPTFPT.MATCH || type === OFPTFPT.WILDCARDS || (type >= OFPTFPT.WRITE_SETFIELD && type <= OFPTFPT.APPLY_SETFIELD_MISS)) return 'oxm';
  if (type === OFPTFPT.EXPERIMENTER || type === OFPTFPT.EXPERIMENTER_MISS) return 'experimenter';
  return 'unknown';
}

const featuresLen: OfpErrorCode = { type: OFPET.TABLE_FEATURES_FAILED, code: 1 };

export function readTableFeatures(r: Reader, structure: string): OfTableFeatures[] {
  const out: OfTableFeatures[] = [];
  while (r.left > 0) {
    const at = r.offset;
    const where = `${structure}[${out.length}]`;
    r.need(64, where);
    const len = r.u16();
    if (len < 64) r.fail(`table features length ${len} is below 64`, featuresLen, at, 'NETLOOM_OF_BAD_LENGTH');
    const t = r.child(len - 2, where, featuresLen);
    const tableId = t.u8();
    t.skip(5);
    const name = t.str(32);
    const metadataMatch = t.u64();
    const metadataWrite = t.u64();
    const config = t.u32();
    const maxEntries = t.u32();
    const properties: OfTableFeatureProperty[] = [];
    while (t.left > 0) {
      const pat = t.offset;
      t.need(4, `${where}.properties`);
      const propType = t.u16();
      const plen = t.u16();
      if (plen < 4) t.fail(`property length ${plen} is below 4`, featuresLen, pat, 'NETLOOM_OF_BAD_LENGTH');
      const p = t.child(plen - 4, `${where}.properties[${properties.length}]`);
      properties.push(readProperty(p, propType));
      t.skip(Math.min(t.left, (8 - (plen % 8)) % 8));
    }
    out.push({ tableId, name, metadataMatch, metadataWrite, config, maxEntries, properties });
  }
  return out;
}

function readProperty(p: Reader, propType: number): OfTableFeatureProperty {
  switch (propertyKind(propType)) {
    case 'ids': {
      const ids: OfFeatureId[] = [];
      while (p.left > 0) {
        const at = p.offset;
        const type = p.u16();
        const len = p.u16();
        if (len < 4) p.fail(`id length ${len} is below 4`, featuresLen, at, 'NETLOOM_OF_BAD_LENGTH');
        ids.push({ type, body: p.bytesOf(len - 4) });
      }
      return { propType, kind: 'ids', ids };
    }
    case 'tables':
      return { propType, kind: 'tables', tableIds: [...p.rest()] };
    case 'oxm': {
      const oxmIds: OfOxmId[] = [];
      while (p.left > 0) {
        const header = p.u32();
        oxmIds.push(header >>> 16 === OFPXMC_EXPERIMENTER ? { header, experimenter: p.u32() } : { header });
      }
      return { propType, kind: 'oxm', oxmIds };
    }
    case 'experimenter': {
      const experimenter = p.u32();
      return { propType, kind: 'experimenter', experimenter, expType: p.u32(), data: p.rest() };
    }
    case 'unknown':
      return { propType, kind: 'unknown', body: p.rest() };
  }
}

export function writeTableFeatures(w: Writer, tables: readonly OfTableFeatures[], path: string): void {
  tables.forEach((t, i) => {
    const at = `${path}[${i}]`;
    const start = w.offset;
    w.u16(0, `${at}.length`);
    w.u8(t.tableId, `${at}.tableId`);
    w.zeros(5);
    w.str(t.name, 32, `${at}.name`);
    w.u64(t.metadataMatch, `${at}.metadataMatch`);
    w.u64(t.metadataWrite, `${at}.metadataWrite`);
    w.u32(t.config, `${at}.config`);
    w.u32(t.maxEntries, `${at}.maxEntries`);
    t.properties.forEach((p, j) => {
      const pat = `${at}.properties[${j}]`;
      const pstart = w.offset;
      w.u16(p.propType, `${pat}.propType`);
      w.u16(0, `${pat}.length`);
      switch (p.kind) {
        case 'ids':
          p.ids.forEach((id, k) => {
            w.u16(id.type, `${pat}.ids[${k}].type`);
            w.u16(4 + id.body.length, `${pat}.ids[${k}].len`);
            w.bytes(id.body);
          });
          break;
        case 'tables':
          p.tableIds.forEach((id, k) => w.u8(id, `${pat}.tableIds[${k}]`));
          break;
        case 'oxm':
          p.oxmIds.forEach((id, k) => {
            w.u32(id.header, `${pat}.oxmIds[${k}].header`);
            if (id.header >>> 16 === OFPXMC_EXPERIMENTER) w.u32(id.experimenter ?? 0, `${pat}.oxmIds[${k}].experimenter`);
          });
          break;
        case 'experimenter':
          w.u32(p.experimenter, `${pat}.experimenter`);
          w.u32(p.expType, `${pat}.expType`);
          w.bytes(p.data);
          break;
        case 'unknown':
          w.bytes(p.body);
          break;
      }
      w.patch16(pstart + 2, w.offset - pstart, pat);
      w.align8(pstart);
    });
    w.patch16(start, w.offset - start, at);
  });
}

