/**
 * OpenFlow 1.3 actions (§7.2.5) and instructions (§7.2.4). Every standard action and instruction
 * decodes to a typed value; an experimenter action keeps its experimenter id and bytes (Nicira's
 * are read by the switch mapping), and a type this version does not define is kept raw so a
 * switch can refuse it with BAD_ACTION/BAD_TYPE rather than the decoder failing the message.
 */
import { Reader, Writer } from './bytes.js';
import { OFPBAC, OFPBIC, OFPET, type OfpErrorCode } from './errors.js';
import { readOxm, writeOxm, type Oxm } from './oxm.js';

export const OFPAT = {
  OUTPUT: 0, COPY_TTL_OUT: 11, COPY_TTL_IN: 12, SET_MPLS_TTL: 15, DEC_MPLS_TTL: 16, PUSH_VLAN: 17, POP_VLAN: 18,
  PUSH_MPLS: 19, POP_MPLS: 20, SET_QUEUE: 21, GROUP: 22, SET_NW_TTL: 23, DEC_NW_TTL: 24, SET_FIELD: 25,
  PUSH_PBB: 26, POP_PBB: 27, EXPERIMENTER: 0xffff,
} as const;

export const OFPIT = { GOTO_TABLE: 1, WRITE_METADATA: 2, WRITE_ACTIONS: 3, APPLY_ACTIONS: 4, CLEAR_ACTIONS: 5, METER: 6, EXPERIMENTER: 0xffff } as const;

/** OFPCML_NO_BUFFER: send the whole packet to the controller. */
export const OFPCML_NO_BUFFER = 0xffff;
/** OFPCML_MAX: the largest max_len that still asks the switch to buffer. */
export const OFPCML_MAX = 0xffe5;

export type OfAction =
  | { type: 'output'; port: number; maxLen: number }
  | { type: 'copy_ttl_out' }
  | { type: 'copy_ttl_in' }
  | { type: 'set_mpls_ttl'; ttl: number }
  | { type: 'dec_mpls_ttl' }
  | { type: 'push_vlan'; ethertype: number }
  | { type: 'pop_vlan' }
  | { type: 'push_mpls'; ethertype: number }
  | { type: 'pop_mpls'; ethertype: number }
  | { type: 'set_queue'; queueId: number }
  | { type: 'group'; groupId: number }
  | { type: 'set_nw_ttl'; ttl: number }
  | { type: 'dec_nw_ttl' }
  | { type: 'set_field'; field: Oxm }
  | { type: 'push_pbb'; ethertype: number }
  | { type: 'pop_pbb' }
  | { type: 'experimenter'; experimenter: number; body: Uint8Array }
  /** A type OpenFlow 1.3 does not define: its number and the bytes after the 4-byte header. */
  | { type: 'unknown'; actionType: number; body: Uint8Array };

export type OfInstruction =
  | { type: 'goto_table'; tableId: number }
  | { type: 'write_metadata'; metadata: bigint; mask: bigint }
  | { type: 'write_actions'; actions: OfAction[] }
  | { type: 'apply_actions'; actions: OfAction[] }
  | { type: 'clear_actions' }
  | { type: 'meter'; meterId: number }
  | { type: 'experimenter'; experimenter: number; body: Uint8Array }
  | { type: 'unknown'; instructionType: number; body: Uint8Array };

const actionLen: OfpErrorCode = { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN };
const instructionLen: OfpErrorCode = { type: OFPET.BAD_INSTRUCTION, code: OFPBIC.BAD_LEN };

/** Header-only actions: type code -> name. */
const BARE = new Map<number, OfAction['type']>([
  [OFPAT.COPY_TTL_OUT, 'copy_ttl_out'], [OFPAT.COPY_TTL_IN, 'copy_ttl_in'], [OFPAT.DEC_MPLS_TTL, 'dec_mpls_ttl'],
  [OFPAT.POP_VLAN, 'pop_vlan'], [OFPAT.DEC_NW_TTL, 'dec_nw_ttl'], [OFPAT.POP_PBB, 'pop_pbb'],
]);
const BARE_CODE = new Map([...BARE].map(([code, name]) => [name, code]));

/** The lengths each action type must have (set_field, experimenter and unknown vary). */
const FIXED_LENGTH: Record<number, number> = {
  [OFPAT.OUTPUT]: 16, [OFPAT.SET_MPLS_TTL]: 8, [OFPAT.PUSH_VLAN]: 8, [OFPAT.PUSH_MPLS]: 8, [OFPAT.POP_MPLS]: 8,
  [OFPAT.SET_QUEUE]: 8, [OFPAT.GROUP]: 8, [OFPAT.SET_NW_TTL]: 8, [OFPAT.PUSH_PBB]: 8,
  [OFPAT.COPY_TTL_OUT]: 8, [OFPAT.COPY_TTL_IN]: 8, [OFPAT.DEC_MPLS_TTL]: 8, [OFPAT.POP_VLAN]: 8, [OFPAT.DEC_NW_TTL]: 8, [OFPAT.POP_PBB]: 8,
};

/** Actions filling the reader's region. */
export function readActions(r: Reader, structure: string): OfAction[] {
  const out: OfAction[] = [];
  while (r.left > 0) {
    const at = r.offset;
    r.need(4, `${structure}[${out.length}] header`);
    const type = r.u16();
    const length = r.u16();
    const where = `${structure}[${out.length}]`;
    if (length < 8 || length % 8 !== 0) r.fail(`action length ${length} is not a multiple of 8 of at least 8`, actionLen, at, 'NETLOOM_OF_BAD_LENGTH');
    const fixed = FIXED_LENGTH[type];
    if (fixed !== undefined && length !== fixed) r.fail(`action type ${type} has length ${length}, expected ${fixed}`, actionLen, at, 'NETLOOM_OF_BAD_LENGTH');
    const a = r.child(length - 4, where, actionLen);
    out.push(readAction(a, type));
  }
  return out;
}

function readAction(a: Reader, type: number): OfAction {
  const bare = BARE.get(type);
  if (bare !== undefined) return { type: bare } as OfAction;
  switch (type) {
    case OFPAT.OUTPUT: {
      const port = a.u32();
      const maxLen = a.u16();
      return { type: 'output', port, maxLen };
    }
    case OFPAT.SET_MPLS_TTL:
      return { type: 'set_mpls_ttl', ttl: a.u8() };
    case OFPAT.PUSH_VLAN:
      return { type: 'push_vlan', ethertype: a.u16() };
    case OFPAT.PUSH_MPLS:
      return { type: 'push_mpls', ethertype: a.u16() };
    case OFPAT.POP_MPLS:
      return { type: 'pop_mpls', ethertype: a.u16() };
    case OFPAT.PUSH_PBB:
      return { type: 'push_pbb', ethertype: a.u16() };
    case OFPAT.SET_QUEUE:
      return { type: 'set_queue', queueId: a.u32() };
    case OFPAT.GROUP:
      return { type: 'group', groupId: a.u32() };
    case OFPAT.SET_NW_TTL:
      return { type: 'set_nw_ttl', ttl: a.u8() };
    case OFPAT.SET_FIELD: {
      const at = a.offset;
      const field = readOxm(a);
      // The OXM plus padding must fill the action exactly (4 + OXM, rounded up to 8).
      const used = a.offset - at + 4;
      if (a.end - at + 4 !== used + ((8 - (used % 8)) % 8)) a.fail(`set_field action of ${a.end - at + 4} bytes holds an OXM of ${a.offset - at}`, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_SET_LEN }, at, 'NETLOOM_OF_BAD_LENGTH');
      return { type: 'set_field', field };
    }
    case OFPAT.EXPERIMENTER:
      return { type: 'experimenter', experimenter: a.u32(), body: a.rest() };
    default:
      return { type: 'unknown', actionType: type, body: a.rest() };
  }
}

export function writeActions(w: Writer, actions: readonly OfAction[], path: string): void {
  actions.forEach((a, i) => writeAction(w, a, `${path}[${i}]`));
}

function writeAction(w: Writer, a: OfAction, path: string): void {
  const start = w.offset;
  const header = (type: number) => {
    w.u16(type, `${path}.type`);
    w.u16(0, `${path}.len`);
  };
  const bare = BARE_CODE.get(a.type);
  if (bare !== undefined) {
    header(bare);
    w.zeros(4);
  } else {
    switch (a.type) {
      case 'output':
        header(OFPAT.OUTPUT);
        w.u32(a.port, `${path}.port`);
        w.u16(a.maxLen, `${path}.maxLen`);
        w.zeros(6);
        break;
      case 'set_mpls_ttl':
      case 'set_nw_ttl':
        header(a.type === 'set_mpls_ttl' ? OFPAT.SET_MPLS_TTL : OFPAT.SET_NW_TTL);
        w.u8(a.ttl, `${path}.ttl`);
        w.zeros(3);
        break;
      case 'push_vlan':
      case 'push_mpls':
      case 'pop_mpls':
      case 'push_pbb':
        header(a.type === 'push_vlan' ? OFPAT.PUSH_VLAN : a.type === 'push_mpls' ? OFPAT.PUSH_MPLS : a.type === 'pop_mpls' ? OFPAT.POP_MPLS : OFPAT.PUSH_PBB);
        w.u16(a.ethertype, `${path}.ethertype`);
        w.zeros(2);
        break;
      case 'set_queue':
        header(OFPAT.SET_QUEUE);
        w.u32(a.queueId, `${path}.queueId`);
        break;
      case 'group':
        header(OFPAT.GROUP);
        w.u32(a.groupId, `${path}.groupId`);
        break;
      case 'set_field':
        header(OFPAT.SET_FIELD);
        if (a.field.field !== 'unknown' && (a.field as { mask?: bigint }).mask !== undefined) w.fail(`${path}.field.mask`, 'set_field takes no mask in OpenFlow 1.3');
        writeOxm(w, a.field, `${path}.field`);
        w.align8(start);
        break;
      case 'experimenter':
        header(OFPAT.EXPERIMENTER);
        w.u32(a.experimenter, `${path}.experimenter`);
        w.bytes(a.body);
        if ((w.offset - start) % 8 !== 0) w.fail(`${path}.body`, `an experimenter action must be a multiple of 8 bytes long, this one is ${w.offset - start}`);
        break;
      case 'unknown':
        header(a.actionType);
        w.bytes(a.body);
        if ((w.offset - start) % 8 !== 0) w.fail(`${path}.body`, `an action must be a multiple of 8 bytes long, this one is ${w.offset - start}`);
        break;
      default:
        w.fail(`${path}.type`, `unknown action type "${(a as { type: string }).type}"`);
    }
  }
  w.patch16(start + 2, w.offset - start, path);
}

/** Instructions filling the reader's region. */
export function readInstructions(r: Reader, structure: string): OfInstruction[] {
  const out: OfInstruction[] = [];
  while (r.left > 0) {
    const at = r.offset;
    const where = `${structure}[${out.length}]`;
    r.need(4, `${where} header`);
    const type = r.u16();
    const length = r.u16();
    if (length < 8 || length % 8 !== 0) r.fail(`instruction length ${length} is not a multiple of 8 of at least 8`, instructionLen, at, 'NETLOOM_OF_BAD_LENGTH');
    const fixed = type === OFPIT.WRITE_METADATA ? 24 : type === OFPIT.GOTO_TABLE || type === OFPIT.METER || type === OFPIT.CLEAR_ACTIONS ? 8 : undefined;
    if (fixed !== undefined && length !== fixed) r.fail(`instruction type ${type} has length ${length}, expected ${fixed}`, instructionLen, at, 'NETLOOM_OF_BAD_LENGTH');
    const b = r.child(length - 4, where, instructionLen);
    switch (type) {
      case OFPIT.GOTO_TABLE:
        out.push({ type: 'goto_table', tableId: b.u8() });
        break;
      case OFPIT.WRITE_METADATA: {
        b.skip(4);
        const metadata = b.u64();
        out.push({ type: 'write_metadata', metadata, mask: b.u64() });
        break;
      }
      case OFPIT.WRITE_ACTIONS:
      case OFPIT.APPLY_ACTIONS:
        b.skip(4);
        out.push({ type: type === OFPIT.WRITE_ACTIONS ? 'write_actions' : 'apply_actions', actions: readActions(b, `${where}.actions`) });
        break;
      case OFPIT.CLEAR_ACTIONS:
        out.push({ type: 'clear_actions' });
        break;
      case OFPIT.METER:
        out.push({ type: 'meter', meterId: b.u32() });
        break;
      case OFPIT.EXPERIMENTER:
        out.push({ type: 'experimenter', experimenter: b.u32(), body: b.rest() });
        break;
      default:
        out.push({ type: 'unknown', instructionType: type, body: b.rest() });
    }
  }
  return out;
}

export function writeInstructions(w: Writer, instructions: readonly OfInstruction[], path: string): void {
  instructions.forEach((ins, i) => {
    const at = `${path}[${i}]`;
    const start = w.offset;
    const header = (type: number) => {
      w.u16(type, `${at}.type`);
      w.u16(0, `${at}.len`);
    };
    switch (ins.type) {
      case 'goto_table':
        header(OFPIT.GOTO_TABLE);
        w.u8(ins.tableId, `${at}.tableId`);
        w.zeros(3);
        break;
      case 'write_metadata':
        header(OFPIT.WRITE_METADATA);
        w.zeros(4);
        w.u64(ins.metadata, `${at}.metadata`);
        w.u64(ins.mask, `${at}.mask`);
        break;
      case 'write_actions':
      case 'apply_actions':
        header(ins.type === 'write_actions' ? OFPIT.WRITE_ACTIONS : OFPIT.APPLY_ACTIONS);
        w.zeros(4);
        writeActions(w, ins.actions, `${at}.actions`);
        break;
      case 'clear_actions':
        header(OFPIT.CLEAR_ACTIONS);
        w.zeros(4);
        break;
      case 'meter':
        header(OFPIT.METER);
        w.u32(ins.meterId, `${at}.meterId`);
        break;
      case 'experimenter':
        header(OFPIT.EXPERIMENTER);
        w.u32(ins.experimenter, `${at}.experimenter`);
        w.bytes(ins.body);
        break;
      case 'unknown':
        header(ins.instructionType);
        w.bytes(ins.body);
        break;
      default:
        w.fail(`${at}.type`, `unknown instruction type "${(ins as { type: string }).type}"`);
    }
    if ((w.offset - start) % 8 !== 0) w.fail(at, `an instruction must be a multiple of 8 bytes long, this one is ${w.offset - start}`);
    w.patch16(start + 2, w.offset - start, at);
  });
}
