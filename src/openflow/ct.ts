/**
 * Connection tracking actions on the wire, as Open vSwitch 3.1 writes and reads them
 * (lib/ofp-actions.c): NXAST_CT with its nested OpenFlow actions (NXAST_NAT first, then exec's
 * set_field, load and move), NXAST_CT_CLEAR, and NXAST_RESUBMIT_TABLE_CT for resubmit(,N,ct).
 * The nested actions are encoded and decoded by the caller's own action codec (flows.ts), passed
 * in, so this file knows nothing of instructions; it holds no state.
 */
import type { NatSpec } from '../switch/conntrack.js';
import type { Action, Match } from '../switch/flow.js';
import { readActions, writeActions, type OfAction } from './actions.js';
import { layout, Reader, Writer } from './bytes.js';
import { OFPBAC, OFPET, OpenFlowError } from './errors.js';
import { fieldOfHeader, nx, nxmFor } from './nicira.js';

export const NXAST_CT = 35;
export const NXAST_NAT = 36;
export const NXAST_CT_CLEAR = 43;
export const NXAST_RESUBMIT_TABLE_CT = 44;

const CT = layout('nx_action_conntrack', [['subtype', 'u16'], ['flags', 'u16'], ['zoneSrc', 'u32'], ['zone', 'u16'], ['recircTable', 'u8'], ['', { pad: 3 }], ['alg', 'u16']]);
const NAT = layout('nx_action_nat', [['subtype', 'u16'], ['', { pad: 2 }], ['flags', 'u16'], ['rangePresent', 'u16']]);
const CT_F = { COMMIT: 1, FORCE: 2 } as const;
const NAT_F = { SRC: 1, DST: 2, PERSISTENT: 4, PROTO_HASH: 8, PROTO_RANDOM: 16 } as const;
const RANGE = { IPV4_MIN: 1, IPV4_MAX: 2, IPV6_MIN: 4, IPV6_MAX: 8, PROTO_MIN: 16, PROTO_MAX: 32 } as const;
/** recirc_table when ct has no table= (NX_CT_RECIRC_NONE). */
const RECIRC_NONE = 0xff;
const EXPERIMENTER_HEADER = 8;

type Ct = Extract<Action, { type: 'ct' }>;

/** ct(…) as NXAST_CT; `nested` encodes exec's actions as the flow's other actions are encoded. */
export function ctToOpenFlow(a: Ct, match: Match, path: string, nested: (actions: readonly Action[]) => OfAction[]): OfAction {
  const w = new Writer(path, 64);
  const zone = a.zoneSrc === undefined ? { zoneSrc: 0, zone: a.zone } : { zoneSrc: nxmFor(a.zoneSrc.field, match).header, zone: (a.zoneSrc.start << 6) | (a.zoneSrc.bits - 1) };
  CT.write(w, { subtype: NXAST_CT, flags: (a.commit ? CT_F.COMMIT : 0) | (a.force ? CT_F.FORCE : 0), ...zone, recircTable: a.table ?? RECIRC_NONE, alg: a.alg }, path);
  const inner: OfAction[] = [];
  if (a.nat !== undefined) inner.push(natToOpenFlow(a.nat, path));
  inner.push(...nested(a.actions));
  writeActions(w, inner, `${path}.actions`);
  return nx(w);
}

function natToOpenFlow(nat: NatSpec, path: string): OfAction {
  const w = new Writer(path, 64);
  const flags = (nat.kind === 'src' ? NAT_F.SRC : nat.kind === 'dst' ? NAT_F.DST : 0) | (nat.persistent ? NAT_F.PERSISTENT : 0) | (nat.hash ? NAT_F.PROTO_HASH : 0) | (nat.random ? NAT_F.PROTO_RANDOM : 0);
  let present = 0;
  NAT.write(w, { subtype: NXAST_NAT, flags, rangePresent: 0 }, path);
  const address = (v: bigint) => {
    if (!nat.v6) return w.u32(Number(v), path, 'address');
    for (let i = 3; i >= 0; i--) w.u32(Number((v >> BigInt(32 * i)) & 0xffffffffn), path, 'address');
  };
  if (nat.addrMin !== undefined) {
    address(nat.addrMin);
    present |= nat.v6 ? RANGE.IPV6_MIN : RANGE.IPV4_MIN;
    if (nat.addrMax !== undefined) {
      address(nat.addrMax);
      present |= nat.v6 ? RANGE.IPV6_MAX : RANGE.IPV4_MAX;
    }
    if (nat.portMin !== 0) {
      w.u16(nat.portMin, path, 'proto min');
      present |= RANGE.PROTO_MIN;
    }
    if (nat.portMax !== 0) {
      w.u16(nat.portMax, path, 'proto max');
      present |= RANGE.PROTO_MAX;
    }
  }
  w.patch16(6, present, path);
  return nx(w);
}

/** Where a ct action is, for its errors; `nested` decodes the actions inside it as a flow's own are, checked against the flow's match. */
export interface CtPlace {
  structure: string;
  path: string;
  match: Match | undefined;
}

function bad(place: CtPlace, message: string, code: number): never {
  throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', `NXAST_CT: ${message}`, place.structure, 0, { type: OFPET.BAD_ACTION, code }, place.path);
}

/** NXAST_CT (its bytes after the experimenter id) as the switch's ct action, checked as OVS's decode_NXAST_RAW_CT and check_CT check it. */
export function ctFromOpenFlow(body: Uint8Array, place: CtPlace, nested: (list: readonly OfAction[]) => Action[]): Action {
  if (EXPERIMENTER_HEADER + body.length < 24) bad(place, `length ${EXPERIMENTER_HEADER + body.length}, expected at least 24`, OFPBAC.BAD_LEN);
  const r = new Reader(body, 0, body.length, place.structure, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN });
  const head = CT.read(r);
  const commit = (head.flags & CT_F.COMMIT) !== 0;
  const force = (head.flags & CT_F.FORCE) !== 0;
  if (force && !commit) bad(place, '"force" flag requires "commit" flag', OFPBAC.BAD_ARGUMENT);
  let zoneSrc: Ct['zoneSrc'];
  if (head.zoneSrc !== 0) {
    const f = fieldOfHeader(head.zoneSrc);
    if (typeof f === 'string') bad(place, `zone header 0x${head.zoneSrc.toString(16).padStart(8, '0')} names no field netloom's switch has`, OFPBAC.BAD_SET_TYPE);
    const start = head.zone >>> 6;
    const bits = (head.zone & 0x3f) + 1;
    if (bits !== 16) bad(place, `zone n_bits ${bits} not within valid range [16..16]`, OFPBAC.BAD_SET_LEN);
    if (start + bits > f.field.bits) bad(place, `zone ${f.nxm}[${start}..${start + bits - 1}] does not fit its ${f.field.bits} bits`, OFPBAC.BAD_SET_LEN);
    zoneSrc = { field: f.field, start, bits };
  }
  const ofActions = readActions(r.child(r.left, `${place.structure}.actions`), `${place.structure}.actions`);
  let nat: NatSpec | undefined;
  const rest: OfAction[] = [];
  for (const a of ofActions) {
    const sub = a.type === 'experimenter' && a.body.length >= 2 ? (a.body[0]! << 8) | a.body[1]! : -1;
    if (sub === NXAST_NAT) {
      if (nat !== undefined) bad(place, 'more than one nat', OFPBAC.BAD_ARGUMENT);
      nat = natFromOpenFlow((a as { body: Uint8Array }).body, place);
    } else rest.push(a);
  }
  const actions = nested(rest);
  for (const x of actions) {
    if ((x.type !== 'set_field' && x.type !== 'load' && x.type !== 'move') || !(x.type === 'set_field' ? x.field : x.dst.field).connection) bad(place, `ct action doesn't support nested action ${x.type}`, OFPBAC.BAD_ARGUMENT);
  }
  if (!commit && (actions.length > 0 || nat?.kind !== undefined)) bad(place, 'CT action requires commit flag if actions other than NAT without arguments are specified', OFPBAC.BAD_ARGUMENT);
  return { type: 'ct', commit, force, zone: zoneSrc === undefined ? head.zone : 0, zoneSrc, table: head.recircTable === RECIRC_NONE ? undefined : head.recircTable, nat, actions, alg: head.alg };
}

function natFromOpenFlow(body: Uint8Array, place: CtPlace): NatSpec {
  const r = new Reader(body, 0, body.length, place.structure, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_ARGUMENT });
  const { flags, rangePresent } = NAT.read(r);
  if (flags & ~0x1f || (flags & NAT_F.SRC && flags & NAT_F.DST) || (flags & NAT_F.PROTO_HASH && flags & NAT_F.PROTO_RANDOM)) bad(place, `nat flags 0x${flags.toString(16)} are unknown or exclusive`, OFPBAC.BAD_ARGUMENT);
  const v6 = (rangePresent & (RANGE.IPV6_MIN | RANGE.IPV6_MAX)) !== 0;
  if (v6 && rangePresent & (RANGE.IPV4_MIN | RANGE.IPV4_MAX)) bad(place, 'nat gives both an IPv4 and an IPv6 range', OFPBAC.BAD_ARGUMENT);
  const address = () => (v6 ? (r.u64() << 64n) | r.u64() : BigInt(r.u32()));
  const nat: NatSpec = {
    kind: flags & NAT_F.SRC ? 'src' : flags & NAT_F.DST ? 'dst' : undefined, addrMin: undefined, addrMax: undefined, v6, portMin: 0, portMax: 0,
    persistent: (flags & NAT_F.PERSISTENT) !== 0, hash: (flags & NAT_F.PROTO_HASH) !== 0, random: (flags & NAT_F.PROTO_RANDOM) !== 0,
  };
  if (rangePresent & (RANGE.IPV4_MIN | RANGE.IPV6_MIN)) nat.addrMin = address();
  if (rangePresent & (RANGE.IPV4_MAX | RANGE.IPV6_MAX)) nat.addrMax = address();
  if (rangePresent & RANGE.PROTO_MIN) nat.portMin = r.u16();
  if (rangePresent & RANGE.PROTO_MAX) nat.portMax = r.u16();
  if (nat.addrMin === undefined && (nat.addrMax !== undefined || nat.portMin !== 0)) bad(place, 'nat gives a range end or ports without a first address', OFPBAC.BAD_ARGUMENT);
  return nat;
}
