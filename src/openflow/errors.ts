/**
 * Bad OpenFlow bytes and bad message values. Every problem has a stable `code`, the byte offset
 * in the message (or a path into a message object being encoded), and the OpenFlow error
 * (type, code) a switch answers it with (OpenFlow 1.3.5 §7.4.4), so a decoder's complaint
 * becomes the ERROR message a controller expects without a second table of cases.
 */

/** OFPET_* error types. */
export const OFPET = {
  HELLO_FAILED: 0, BAD_REQUEST: 1, BAD_ACTION: 2, BAD_INSTRUCTION: 3, BAD_MATCH: 4, FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6, PORT_MOD_FAILED: 7, TABLE_MOD_FAILED: 8, QUEUE_OP_FAILED: 9, SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11, METER_MOD_FAILED: 12, TABLE_FEATURES_FAILED: 13, EXPERIMENTER: 0xffff,
} as const;

/** The codes of each type that netloom sends (OpenFlow 1.3.5 §7.4.4). */
export const OFPHFC = { INCOMPATIBLE: 0, EPERM: 1 } as const;
export const OFPBRC = {
  BAD_VERSION: 0, BAD_TYPE: 1, BAD_MULTIPART: 2, BAD_EXPERIMENTER: 3, BAD_EXP_TYPE: 4, EPERM: 5, BAD_LEN: 6,
  BUFFER_EMPTY: 7, BUFFER_UNKNOWN: 8, BAD_TABLE_ID: 9, IS_SLAVE: 10, BAD_PORT: 11, BAD_PACKET: 12, MULTIPART_BUFFER_OVERFLOW: 13,
} as const;
export const OFPBAC = {
  BAD_TYPE: 0, BAD_LEN: 1, BAD_EXPERIMENTER: 2, BAD_EXP_TYPE: 3, BAD_OUT_PORT: 4, BAD_ARGUMENT: 5, EPERM: 6, TOO_MANY: 7,
  BAD_QUEUE: 8, BAD_OUT_GROUP: 9, MATCH_INCONSISTENT: 10, UNSUPPORTED_ORDER: 11, BAD_TAG: 12, BAD_SET_TYPE: 13, BAD_SET_LEN: 14, BAD_SET_ARGUMENT: 15,
} as const;
export const OFPBIC = {
  UNKNOWN_INST: 0, UNSUP_INST: 1, BAD_TABLE_ID: 2, UNSUP_METADATA: 3, UNSUP_METADATA_MASK: 4, BAD_EXPERIMENTER: 5, BAD_EXP_TYPE: 6, BAD_LEN: 7, EPERM: 8,
} as const;
export const OFPBMC = {
  BAD_TYPE: 0, BAD_LEN: 1, BAD_TAG: 2, BAD_DL_ADDR_MASK: 3, BAD_NW_ADDR_MASK: 4, BAD_WILDCARDS: 5, BAD_FIELD: 6, BAD_VALUE: 7,
  BAD_MASK: 8, BAD_PREREQ: 9, DUP_FIELD: 10, EPERM: 11,
} as const;
export const OFPFMFC = { UNKNOWN: 0, TABLE_FULL: 1, BAD_TABLE_ID: 2, OVERLAP: 3, EPERM: 4, BAD_TIMEOUT: 5, BAD_COMMAND: 6, BAD_FLAGS: 7 } as const;
export const OFPGMFC = {
  GROUP_EXISTS: 0, INVALID_GROUP: 1, WEIGHT_UNSUPPORTED: 2, OUT_OF_GROUPS: 3, OUT_OF_BUCKETS: 4, CHAINING_UNSUPPORTED: 5, WATCH_UNSUPPORTED: 6,
  LOOP: 7, UNKNOWN_GROUP: 8, CHAINED_GROUP: 9, BAD_TYPE: 10, BAD_COMMAND: 11, BAD_BUCKET: 12, BAD_WATCH: 13, EPERM: 14,
} as const;
export const OFPPMFC = { BAD_PORT: 0, BAD_HW_ADDR: 1, BAD_CONFIG: 2, BAD_ADVERTISE: 3, EPERM: 4 } as const;
export const OFPQOFC = { BAD_PORT: 0, BAD_QUEUE: 1, EPERM: 2 } as const;
export const OFPMMFC = {
  UNKNOWN: 0, METER_EXISTS: 1, INVALID_METER: 2, UNKNOWN_METER: 3, BAD_COMMAND: 4, BAD_FLAGS: 5, BAD_RATE: 6, BAD_BURST: 7, BAD_BAND: 8,
  BAD_BAND_VALUE: 9, OUT_OF_METERS: 10, OUT_OF_BANDS: 11,
} as const;

const CODES: Record<number, Record<string, number>> = {
  [OFPET.HELLO_FAILED]: OFPHFC, [OFPET.BAD_REQUEST]: OFPBRC, [OFPET.BAD_ACTION]: OFPBAC, [OFPET.BAD_INSTRUCTION]: OFPBIC, [OFPET.BAD_MATCH]: OFPBMC,
  [OFPET.FLOW_MOD_FAILED]: OFPFMFC, [OFPET.GROUP_MOD_FAILED]: OFPGMFC, [OFPET.PORT_MOD_FAILED]: OFPPMFC, [OFPET.METER_MOD_FAILED]: OFPMMFC,
};

/** An error's name as the spec spells it, without prefixes: `BAD_ACTION/EPERM`, `FLOW_MOD_FAILED/TABLE_FULL` (numbers where netloom has no name). */
export function ofpErrorName(e: OfpErrorCode): string {
  const type = Object.entries(OFPET).find(([, v]) => v === e.type)?.[0] ?? String(e.type);
  const code = Object.entries(CODES[e.type] ?? {}).find(([, v]) => v === e.code)?.[0] ?? String(e.code);
  return `${type}/${code}`;
}

/** An OpenFlow error as it goes on the wire: type and code. */
export interface OfpErrorCode {
  type: number;
  code: number;
  /** For type EXPERIMENTER (0xffff): whose error it is (Nicira's 0x00002320); `code` is then its exp_type. */
  experimenter?: number;
}

export type OpenFlowErrorCode =
  | 'NETLOOM_OF_TRUNCATED'
  | 'NETLOOM_OF_BAD_LENGTH'
  | 'NETLOOM_OF_BAD_VERSION'
  | 'NETLOOM_OF_BAD_TYPE'
  | 'NETLOOM_OF_BAD_FIELD'
  | 'NETLOOM_OF_BAD_VALUE';

export class OpenFlowError extends Error {
  override readonly name = 'OpenFlowError';
  constructor(
    readonly code: OpenFlowErrorCode,
    message: string,
    /** The structure being read or written: `flow_mod`, `flow_mod.match`, `packet_out.actions[1]`. */
    readonly structure: string,
    /** Byte offset from the start of the message (0 when `path` names the place instead). */
    readonly offset: number,
    /** The ERROR a switch answers with. */
    readonly ofp: OfpErrorCode,
    /** Where the problem is in a message object being encoded, e.g. `match[2].value`. */
    readonly path?: string,
  ) {
    super(path === undefined ? `${structure} at byte ${offset}: ${message}` : `${structure} ${path}: ${message}`);
  }
}
