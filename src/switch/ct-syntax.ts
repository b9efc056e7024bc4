/**
 * Connection tracking in ovs-ofctl's words: ct_state flags (`+trk-inv`, `0x21/0x21`), nat(…)
 * arguments, and the ct fields of a match and the ct action as ovs-ofctl prints them. ofctl.ts
 * calls in; this file owns no other syntax.
 */
import { isIpv4, numberToIpv6 } from '../wire/addresses.js';
import { ipv4ToNumber, numberToIpv4 } from '../hosts/addressing.js';
import { Address6 } from 'ip-address';
import { CS, CT_STATE_FLAGS, formatCtStateBits, type NatSpec } from './conntrack.js';
import { W, readField, type FieldDef } from './fields.js';
import type { Action, Match } from './flow.js';

type Fail = (at: number, reason: string) => never;

const FLAG_BITS = new Map(CT_STATE_FLAGS.map(([name, bit]) => [name, bit]));

/**
 * The state a resumed clone gets in a trace, as ofproto/trace's `--ct-next` reads it (OVS's
 * parse_ct_state then validate_ct_state): flag names separated by commas or spaces
 * (`trk,est`), and only a state conntrack could give. Returns the bits, or OVS's words for why not
 * (each constraint broken, as OVS lists them).
 */
export function parseCtNext(text: string): number | string {
  let state = 0;
  for (const name of text.split(/[, ]+/).filter((n) => n !== '')) {
    const bit = FLAG_BITS.get(name);
    if (bit === undefined) return `${name}: unknown connection tracking state flag`;
    state |= bit;
  }
  const flags = formatCtStateBits(state);
  const invalid = [
    state !== 0 && (state & CS.TRK) === 0 && 'If "trk" is unset, no other flags are set',
    (state & CS.INV) !== 0 && (state & ~(CS.TRK | CS.INV)) !== 0 && 'when "inv" is set, only "trk" may also be set',
    (state & CS.NEW) !== 0 && (state & CS.EST) !== 0 && '"new" and "est" are mutually exclusive',
    (state & CS.NEW) !== 0 && (state & CS.RPL) !== 0 && '"new" and "rpy" are mutually exclusive',
  ].filter((why): why is string => why !== false);
  return invalid.length === 0 ? state : invalid.map((why) => `${flags}: invalid connection state: ${why}`).join('; ');
}

/** ct_state=+trk-inv, or a number with an optional mask, as OVS's parse_ct_state reads it. */
export function parseCtState(text: string, at: number, fail: Fail): { value: bigint; mask: bigint } {
  if (/^(0x[0-9a-f]+|\d+)(\/(0x[0-9a-f]+|\d+))?$/i.test(text)) {
    const [v, m] = text.split('/') as [string, string | undefined];
    const value = BigInt(v);
    const mask = m === undefined ? 0xffn : BigInt(m);
    if ((value | mask) & ~0xffn) fail(at, `${text}: unknown ct_state flag(s) (OVS knows ${CT_STATE_FLAGS.map(([n]) => n).join(', ')})`);
    return { value: value & mask, mask };
  }
  // new|trk: exactly these flags (the form ovs-ofctl prints for a whole-field match).
  if (/^[a-z]+(\|[a-z]+)*$/.test(text)) {
    let value = 0;
    let pos = 0;
    for (const name of text.split('|')) {
      const bit = FLAG_BITS.get(name) ?? fail(at + pos, `${name}: unknown ct_state flag(s) (OVS knows ${CT_STATE_FLAGS.map(([n]) => n).join(', ')})`);
      value |= bit;
      pos += name.length + 1;
    }
    return { value: BigInt(value), mask: 0xffn };
  }
  let value = 0;
  let mask = 0;
  const re = /([+-])([a-z]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(text)) !== null) {
    const bit = FLAG_BITS.get(m[2]!);
    if (bit === undefined) fail(at + pos, `${m[2]}: unknown ct_state flag(s) (OVS knows ${CT_STATE_FLAGS.map(([n]) => n).join(', ')})`);
    if (mask & bit!) fail(at + pos, `${m[2]}: duplicate ct_state flag`);
    mask |= bit!;
    if (m[1] === '+') value |= bit!;
    pos = re.lastIndex;
  }
  if (pos !== text.length || text === '') fail(at + pos, `ct_state "${text}" is not flags (+trk-inv…) or a number`);
  return { value: BigInt(value), mask: BigInt(mask) };
}

/** What ct_nw_src and the other ct tuple fields need: OVS's is_ct_valid over the match. */
export function ctValid(match: Match): boolean {
  const v = match.values[W.CT_STATE]!;
  const m = match.masks[W.CT_STATE]!;
  return (v & (CS.NEW | CS.EST | CS.REL | CS.RPL | CS.SNAT | CS.DNAT)) !== 0 || ((v & CS.TRK) !== 0 && (m & CS.INV) !== 0 && (v & CS.INV) === 0);
}

export const CT_VALID_TEXT = 'ct_state with one of +new, +est, +rel, +rpl, +snat, +dnat, or +trk-inv';

/** The ct fields of a match, as OVS's match_format prints them (before the protocol shorthand). */
export function formatCtMatch(match: Match, field: (name: string) => FieldDef): string[] {
  const parts: string[] = [];
  const mv = match.values;
  const mm = match.masks;
  const state = mv[W.CT_STATE]!;
  const stateMask = mm[W.CT_STATE]!;
  if (stateMask) {
    if (stateMask === 0xff) parts.push(`ct_state=${state === 0 ? '0' : formatCtStateBits(state)}`);
    else parts.push(`ct_state=${CT_STATE_FLAGS.filter(([, b]) => stateMask & b).map(([n, b]) => `${state & b ? '+' : '-'}${n}`).join('')}`);
  }
  if (mm[W.CT_ZONE]) parts.push(`ct_zone=${mv[W.CT_ZONE]}`);
  // C's %#x, as OVS prints them: 0 is "0".
  const hex = (n: number | bigint) => (n === 0 || n === 0n ? '0' : `0x${n.toString(16)}`);
  if (mm[W.CT_MARK]) parts.push(`ct_mark=${hex(mv[W.CT_MARK]!)}${mm[W.CT_MARK] === 0xffffffff ? '' : `/${hex(mm[W.CT_MARK]!)}`}`);
  const labelMask = readField(mm, field('ct_label'));
  if (labelMask) parts.push(`ct_label=${hex(readField(mv, field('ct_label')))}${labelMask === (1n << 128n) - 1n ? '' : `/${hex(labelMask)}`}`);
  const ip = (name: string, word: number) => {
    if (!mm[word]) return;
    const len = prefixLength(BigInt(mm[word]!), 32);
    parts.push(`${name}=${numberToIpv4(mv[word]!)}${mm[word] === 0xffffffff ? '' : `/${len ?? numberToIpv4(mm[word]!)}`}`);
  };
  const ip6 = (name: string) => {
    const f = field(name);
    const mask = readField(mm, f);
    if (!mask) return;
    const len = prefixLength(mask, 128);
    parts.push(`${name}=${numberToIpv6(readField(mv, f))}${len === 128 ? '' : `/${len ?? numberToIpv6(mask)}`}`);
  };
  ip('ct_nw_src', W.CT_NW_SRC);
  ip6('ct_ipv6_src');
  ip('ct_nw_dst', W.CT_NW_DST);
  ip6('ct_ipv6_dst');
  if (mm[W.CT_NW_PROTO]) {
    parts.push(`ct_nw_proto=${mv[W.CT_NW_PROTO]}`);
    for (const [name, word] of [['ct_tp_src', W.CT_TP_SRC], ['ct_tp_dst', W.CT_TP_DST]] as const) {
      if (mm[word]) parts.push(`${name}=${mv[word]}${mm[word] === 0xffff ? '' : `/0x${mm[word]!.toString(16)}`}`);
    }
  }
  return parts;
}

function prefixLength(mask: bigint, bits: number): number | undefined {
  for (let len = 0; len <= bits; len++) if (mask === (len === 0 ? 0n : (((1n << BigInt(bits)) - 1n) >> BigInt(bits - len)) << BigInt(bits - len))) return len;
  return undefined;
}

/** nat(src=IP[-IP][:PORT[-PORT]],random|hash|persistent) or plain nat, as OVS's parse_NAT reads it. */
export function parseNat(text: string | undefined, at: number, fail: Fail): NatSpec {
  const nat: NatSpec = { kind: undefined, addrMin: undefined, addrMax: undefined, v6: false, portMin: 0, portMax: 0, persistent: false, hash: false, random: false };
  if (text === undefined || text.trim() === '') return nat;
  let pos = 0;
  for (const part of text.split(',')) {
    const partAt = at + pos;
    pos += part.length + 1;
    const p = part.trim();
    if (p === 'persistent' || p === 'hash' || p === 'random') {
      nat[p] = true;
      continue;
    }
    const eq = p.indexOf('=');
    const key = eq < 0 ? p : p.slice(0, eq);
    if (key !== 'src' && key !== 'dst') fail(partAt, `nat: unknown argument "${p}" (nat takes src=…, dst=…, persistent, hash, random)`);
    if (nat.kind !== undefined) fail(partAt, 'nat: only one of src and dst may be given');
    nat.kind = key as 'src' | 'dst';
    if (eq < 0) continue;
    parseRange(p.slice(eq + 1), partAt + eq + 1, nat, fail);
  }
  if (nat.hash && nat.random) fail(at, 'nat: hash and random are exclusive');
  if (nat.kind === undefined && (nat.persistent || nat.hash || nat.random)) fail(at, 'nat: persistent, hash and random need src or dst');
  return nat;
}

function parseRange(text: string, at: number, nat: NatSpec, fail: Fail): void {
  // [IPv6]:port, or IPv4[-IPv4][:port[-port]]
  let addrs = text;
  let ports: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) fail(at, `nat: "${text}": "[" never closed`);
    addrs = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) fail(at + close + 1, `nat: "${rest}" after the address range`);
    ports = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0 && text.indexOf(':', colon + 1) < 0) {
      addrs = text.slice(0, colon);
      ports = text.slice(colon + 1);
    }
  }
  const [lo, hi] = addrs.split('-') as [string, string | undefined];
  const address = (t: string): bigint => {
    if (isIpv4(t)) return BigInt(ipv4ToNumber(t));
    try {
      const bytes = new Address6(t).toUnsignedByteArray();
      nat.v6 = true;
      return BigInt(`0x${Buffer.from(bytes).toString('hex').padStart(32, '0')}`);
    } catch {
      return fail(at, `nat: "${t}" is not an IP address`);
    }
  };
  nat.addrMin = address(lo);
  // A range's end only when written, as OVS keeps it (0: none, and NXAST_NAT leaves it out).
  if (hi !== undefined) nat.addrMax = address(hi);
  if (nat.addrMax !== undefined && nat.addrMax < nat.addrMin) fail(at, `nat: the address range ${addrs} ends before it starts`);
  if (ports !== undefined) {
    const [pl, ph] = ports.split('-') as [string, string | undefined];
    const port = (t: string) => (/^\d+$/.test(t) && Number(t) <= 65535 ? Number(t) : fail(at, `nat: "${t}" is not a port`));
    nat.portMin = port(pl);
    if (ph !== undefined) nat.portMax = port(ph);
    if (nat.portMax !== 0 && nat.portMax < nat.portMin) fail(at, `nat: the port range ${ports} ends before it starts`);
  }
}

/** nat(…) as OVS's format_NAT prints it. */
export function formatNat(nat: NatSpec): string {
  if (nat.kind === undefined) return 'nat';
  let range = '';
  if (nat.addrMin !== undefined) {
    const a = (v: bigint) => (nat.v6 ? numberToIpv6(v) : numberToIpv4(Number(v)));
    const addrs = nat.addrMax !== undefined && nat.addrMax !== nat.addrMin ? `${a(nat.addrMin)}-${a(nat.addrMax)}` : a(nat.addrMin);
    range = `=${nat.v6 && nat.portMin ? `[${addrs}]` : addrs}`;
    if (nat.portMin) range += `:${nat.portMin}${nat.portMax !== 0 && nat.portMax !== nat.portMin ? `-${nat.portMax}` : ''}`;
  }
  const flags = [nat.persistent && 'persistent', nat.hash && 'hash', nat.random && 'random'].filter(Boolean);
  return `nat(${nat.kind}${range}${flags.length ? `,${flags.join(',')}` : ''})`;
}

/** ct(…) as OVS's format_CT prints it: commit/force, table, zone, nat, exec, alg. */
export function formatCt(a: Extract<Action, { type: 'ct' }>, formatActions: (actions: readonly Action[]) => string, subText: (s: NonNullable<typeof a.zoneSrc>) => string): string {
  const parts: string[] = [];
  if (a.commit) parts.push(a.force ? 'commit,force' : 'commit');
  if (a.table !== undefined) parts.push(`table=${a.table}`);
  if (a.zoneSrc !== undefined) parts.push(`zone=${subText(a.zoneSrc)}`);
  else if (a.zone) parts.push(`zone=${a.zone}`);
  if (a.nat !== undefined) parts.push(formatNat(a.nat));
  if (a.actions.length > 0) parts.push(`exec(${formatActions(a.actions)})`);
  if (a.alg) parts.push(`alg=${a.alg === 21 ? 'ftp' : a.alg === 69 ? 'tftp' : a.alg}`);
  return `ct(${parts.join(',')})`;
}
