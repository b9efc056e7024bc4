/**
 * `ovs-ofctl add-flow` syntax: parsing a flow into a rule, with errors that point at the column,
 * and printing rules as `ovs-ofctl dump-flows` does. Actions are checked as plain ovs-ofctl
 * (OpenFlow 1.0 + NXM) or `-O OpenFlow13` checks them (ParseOptions.protocols); goto_table is a
 * real goto. OVS's normal form: a field whose prerequisite is missing is refused
 * (ovs-ofctl would silently drop it from the match). Also groups: add-group, mod-group and
 * del-groups text, and dump-groups and dump-group-stats lines, as ovs-ofctl -O OpenFlow13 has them.
 */
import { Address6 } from 'ip-address';
import { pointAt } from '../wire/errors.js';
import { isIpv4, numberToIpv6, numberToMac } from '../wire/addresses.js';
import { VLAN_CFI } from '../wire/flowkey.js';
import { ETHERTYPE, isMplsEtherType } from '../wire/registry.js';
import { ipv4ToNumber, numberToIpv4, prefixMask } from '../hosts/addressing.js';
import { FIELD_NAMES, W, fieldByKeyword, fieldByName, l4ProtocolOfName, readField, type FieldDef, type Prerequisite } from './fields.js';
import { OFPMF, OFPM_ALL, OFPM_CONTROLLER, OFPM_MAX, OFPM_SLOWPATH, band, type BandType, type Meter } from './meter.js';
import { CS } from './conntrack.js';
import { CT_VALID_TEXT, ctValid, formatCt, formatCtMatch, parseCtState, parseNat } from './ct-syntax.js';
import { FRAG_LATER, formatIpFrag, formatTcpFlags, formatTunFlagValue, formatTunFlags, parseIpFrag, parseTcpFlags, parseTunFlags } from './packet-flags.js';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS, Match, PACKET_IN_REASONS, OFPG_ALL, OFPG_ANY, OFPG_MAX, OFPP_NONE, type Action, type Bucket, type Group, type GroupType, type LearnSource, type LearnSpec, type Rule, type SubField } from './flow.js';

/** The first port number OpenFlow 1.0 reserves: above it no physical port. */
export const OFPP_MAX = 0xff00;
export const OFPP_IN_PORT = 0xfff8;
const OFPP_TABLE = 0xfff9;
const OFPP_NORMAL = 0xfffa;
const OFPP_FLOOD = 0xfffb;
const OFPP_ALL = 0xfffc;
export const OFPP_CONTROLLER = 0xfffd;
export const OFPP_LOCAL = 0xfffe;
/** OpenFlow 1.1's 32-bit reserved port numbers start here; OVS reads them as 1.0's (0xffffff00 + n is 0xff00 + n). */
const OFPP11_MAX = 0xffffff00;
export const DEFAULT_PRIORITY = 32768;
const ETH_IP = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_ARP = 0x0806;
const ETH_RARP = 0x8035;

/** A flow that cannot be read; `column` is 1-based in `flow`. */
export class FlowSyntaxError extends Error {
  override readonly name = 'FlowSyntaxError';
  readonly code = 'NETLOOM_FLOW_SYNTAX';
  constructor(
    readonly flow: string,
    readonly column: number,
    readonly reason: string,
    /** Where the flow came from, e.g. "flows.txt:3". */
    readonly where?: string,
  ) {
    super(`${where ? `${where}: ` : ''}${pointAt(flow, column, reason)}`);
  }
}

/** Every bad line of a flow file at once (ovs-ofctl stops at the first; a user fixes them all in one go). */
export class FlowFileError extends Error {
  override readonly name = 'FlowFileError';
  readonly code = 'NETLOOM_FLOW_SYNTAX';
  /** Bad lines shown in the message; the rest are counted. */
  static readonly SHOWN = 50;
  constructor(readonly errors: readonly FlowSyntaxError[]) {
    const shown = errors.slice(0, FlowFileError.SHOWN).map((e) => e.message);
    const more = errors.length - shown.length;
    super(`${errors.length} bad flows:\n${shown.join('\n')}${more > 0 ? `\n… and ${more} more` : ''}`);
  }
}

/** A lookup table with no prototype: a name such as `constructor` or `__proto__` is no entry. */
const names = <T>(entries: Record<string, T>): Readonly<Record<string, T>> => Object.assign(Object.create(null) as Record<string, T>, entries);

/** Open vSwitch fields (ovs-fields(7)) netloom does not have yet: refused as such, not as unknown. */
const NOT_YET_FIELD = /^(skb_priority|actset_output|packet_type|tun_\w+|mpls_lse\d|nsh_\w+|dl_vlan_cfi)$/;
/**
 * Fields of OVS's datapath, not of OpenFlow (meta-flow.xml marks them internal; ovs-fields(7) does
 * not list them): their value in a lookup is the datapath's recirculation (recirc_id is not 0
 * after ct(table=…)), which netloom does not model. Refused on purpose.
 */
const DATAPATH_FIELD = /^(recirc_id|dp_hash)$/;

/** Reserved ports by the names ovs-ofctl reads, in any case (OVS's ofputil_port_from_string). */
const RESERVED_PORTS = names<number>({
  in_port: OFPP_IN_PORT, table: OFPP_TABLE, normal: OFPP_NORMAL, flood: OFPP_FLOOD, all: OFPP_ALL, controller: OFPP_CONTROLLER, local: OFPP_LOCAL, any: OFPP_NONE, none: OFPP_NONE,
});
/** Reserved ports by the names ovs-ofctl prints (OVS's ofputil_port_to_string). */
const RESERVED_PORT_NAMES: Readonly<Record<number, string>> = {
  [OFPP_IN_PORT]: 'IN_PORT', [OFPP_TABLE]: 'TABLE', [OFPP_NORMAL]: 'NORMAL', [OFPP_FLOOD]: 'FLOOD', [OFPP_ALL]: 'ALL', [OFPP_CONTROLLER]: 'CONTROLLER', [OFPP_LOCAL]: 'LOCAL', [OFPP_NONE]: 'ANY',
};

/**
 * A port as OVS's ofputil_port_from_string reads it: a decimal number (1.1's 32-bit reserved
 * numbers as 1.0's), a reserved name in any case, then a name of `options.ports`; undefined for
 * anything else, hex included (`in_port=0x1` names no port to OVS).
 */
function portNumber(text: string, options: ParseOptions): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 0xffff ? n : n >= OFPP11_MAX && n <= 0xffffffff ? n - OFPP11_MAX + OFPP_MAX : undefined;
  }
  return RESERVED_PORTS[text.toLowerCase()] ?? options.ports?.get(text);
}

const SHORTHANDS = names<[number, number | undefined]>({
  ip: [ETH_IP, undefined], ipv6: [ETH_IPV6, undefined], arp: [ETH_ARP, undefined], rarp: [ETH_RARP, undefined], mpls: [ETHERTYPE.MPLS, undefined], mplsm: [ETHERTYPE.MPLS_MCAST, undefined],
  icmp: [ETH_IP, 1], tcp: [ETH_IP, 6], udp: [ETH_IP, 17], sctp: [ETH_IP, 132],
  icmp6: [ETH_IPV6, 58], tcp6: [ETH_IPV6, 6], udp6: [ETH_IPV6, 17], sctp6: [ETH_IPV6, 132],
});

export interface ParseOptions {
  /** Port names usable for in_port and output (e.g. p1 -> 1). */
  ports?: ReadonlyMap<string, number>;
  where?: string;
  /**
   * Whose consistency checks the actions get. OpenFlow10 (the default) is plain `ovs-ofctl
   * add-flow`, which speaks OpenFlow 1.0 + NXM: strip_vlan, mod_vlan_vid, mod_nw_src, mod_tp_dst,
   * mod_nw_tos and dec_ttl need no match that proves their header and act on the packet as it is
   * (skipped when it lacks the header; mod_vlan_vid pushes a tag only when there is none); the
   * OpenFlow 1.1+ actions and instructions are accepted too, as `ovs-ofctl -O OpenFlow10,OpenFlow15`
   * does. OpenFlow13 is `ovs-ofctl -O OpenFlow13`: those actions need a match that proves their
   * header (OFPBAC_MATCH_INCONSISTENT), and mod_vlan_vid without one always pushes a tag.
   */
  protocols?: Protocols;
}

/** The OpenFlow whose action checks a flow gets (ParseOptions.protocols). */
export type Protocols = 'OpenFlow10' | 'OpenFlow13';
export const PROTOCOLS: readonly Protocols[] = ['OpenFlow10', 'OpenFlow13'];

/** A del-flows / mod-flows selection: table (all when absent), match, priority, cookie and mask. */
export interface FlowSelector {
  rule: Rule;
  table: number | undefined;
  cookieMask: bigint;
}

/** What the flow text of mod-flows / del-flows says beyond a rule: the command, whether a table was named, the cookie mask. */
interface Selection {
  command: 'mod-flows' | 'del-flows';
  table: boolean;
  cookieMask: bigint;
}

const ALL_ONES_64 = (1n << 64n) - 1n;

/**
 * Parses the flow text of ovs-ofctl mod-flows / del-flows (OpenFlow 1.1+, as `-O OpenFlow15`):
 * actions may be absent, and `cookie=V/MASK` selects flows whose cookie matches V under MASK.
 * A cookie without a mask selects nothing: del-flows refuses it, as ovs-ofctl does, and for
 * mod-flows it is neither a filter nor a new cookie (OpenFlow 1.1+ cannot change a cookie in a
 * modify).
 */
export function parseSelector(flow: string, options: ParseOptions = {}, command: Selection['command'] = 'del-flows'): FlowSelector {
  const selection: Selection = { command, table: false, cookieMask: 0n };
  const rule = parseFlowWith(flow, options, selection);
  return { rule, table: selection.table ? rule.table : undefined, cookieMask: selection.cookieMask };
}

interface Token {
  text: string;
  at: number;
}

const CLOSERS = names<string>({ '(': ')', '[': ']', '{': '}' });

/**
 * Splits at commas (and, outside actions, whitespace) that are not inside (), [] or {};
 * a bracket left open, or closed without its opener, fails at its column.
 */
function splitTop(text: string, offset: number, commasOnly: boolean, fail: Fail): Token[] {
  const out: Token[] = [];
  const open: number[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i] ?? '';
    if (c in CLOSERS) open.push(i);
    else if (c === ')' || c === ']' || c === '}') {
      const opener = open.pop();
      if (opener === undefined) fail(offset + i, `"${c}" closes nothing`);
      else if (CLOSERS[text[opener]!] !== c) fail(offset + i, `"${c}" cannot close the "${text[opener]}" at column ${offset + opener + 1}`);
    }
    const unclosed = open[open.length - 1];
    if (i === text.length && unclosed !== undefined) fail(offset + unclosed, `"${text[unclosed]}" is never closed`);
    const split = i === text.length || (open.length === 0 && (c === ',' || (!commasOnly && (c === ' ' || c === '\t'))));
    if (split) {
      const raw = text.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim() !== '') out.push({ text: raw.trim(), at: offset + start + lead });
      start = i + 1;
    }
  }
  return out;
}

export function parseFlow(text: string, options: ParseOptions = {}): Rule {
  return parseFlowWith(text, options, undefined);
}

function parseFlowWith(text: string, options: ParseOptions, selection: Selection | undefined): Rule {
  let flow = text;
  const fail = (at: number, reason: string): never => {
    throw new FlowSyntaxError(flow, at + 1, reason, options.where);
  };
  let actionsAt = flow.search(/(^|[\s,])actions\s*=/);
  if (actionsAt < 0) {
    if (selection === undefined) fail(flow.length, 'expected "actions=" (every flow needs actions; actions=drop drops)');
    flow = `${flow}${flow.trim() === '' ? '' : ','}actions=drop`;
    actionsAt = flow.search(/(^|[\s,])actions\s*=/);
  }
  const equals = flow.indexOf('=', actionsAt) + 1;
  const matchPart = flow.slice(0, actionsAt + (flow[actionsAt] === 'a' ? 0 : 1));
  const rule: Rule = {
    table: 0, priority: DEFAULT_PRIORITY, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: new Match(),
    matchText: '', actions: [], actionsText: '', packets: 0, bytes: 0, created: 0, modified: 0, lastUsed: 0,
  };
  // Where each field was set, and to what: a field given twice must be given the same value
  // (ovs-ofctl would silently keep the last), so `ip,tcp` is fine and `tcp,udp` is not.
  const seen = new Map<string, number>();
  const settings = new Map<string, string>();
  for (const token of splitTop(matchPart, 0, false, fail)) {
    const eq = token.text.indexOf('=');
    const key = (eq < 0 ? token.text : token.text.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : token.text.slice(eq + 1).trim();
    const valueAt = token.at + (eq < 0 ? 0 : eq + 1 + (token.text.slice(eq + 1).length - token.text.slice(eq + 1).trimStart().length));
    const settle = (name: string, setting: string) => {
      const before = settings.get(name);
      if (before !== undefined && before !== setting) fail(token.at, `${key} is set twice, to different values (ovs-ofctl would silently keep the last)`);
      settings.set(name, setting);
      seen.set(name, token.at);
    };
    if (key in SHORTHANDS) {
      if (value !== undefined) fail(token.at, `${key} takes no value`);
      const [dlType, proto] = SHORTHANDS[key]!;
      settle('dl_type', `${dlType}/${0xffff}`);
      rule.match.set(W.DL_TYPE, dlType, 0xffff);
      if (proto !== undefined) {
        settle('nw_proto', `${proto}/${0xff}`);
        rule.match.set(W.NW_PROTO, proto, 0xff);
      }
      continue;
    }
    if (value === undefined || value === '') fail(token.at, `expected ${key}=VALUE`);
    const v = value!;
    const field = fieldByKeyword(key);
    if (field !== undefined) {
      settle(field.name, setMatchField(rule.match, field, v, valueAt, options, fail));
      continue;
    }
    settle(key, v);
    switch (key) {
      case 'table':
        // OVS reads a table by its decimal number (or its name, which netloom's tables have none of).
        if (!/^\d+$/.test(v)) fail(valueAt, `unknown table "${v}"`);
        rule.table = integer(v, 254, valueAt, 'table', fail);
        if (selection) selection.table = true;
        continue;
      case 'priority':
        rule.priority = integer(v, 65535, valueAt, 'priority', fail);
        continue;
      case 'cookie': {
        const slash = v.indexOf('/');
        rule.cookie = cookieNumber(slash < 0 ? v : v.slice(0, slash), valueAt, 'cookie', fail);
        if (slash >= 0) {
          if (selection === undefined) fail(valueAt + slash, 'flow additions cannot use a cookie mask');
          selection!.cookieMask = cookieNumber(v.slice(slash + 1), valueAt + slash + 1, 'cookie mask', fail);
        } else if (selection?.command === 'del-flows') {
          fail(valueAt, `cannot set cookie (to match on a cookie, specify a mask, e.g. cookie=${v}/-1)`);
        }
        continue;
      }
      case 'duration':
      case 'n_packets':
      case 'n_bytes':
      case 'idle_age':
      case 'hard_age':
        // dump-flows' counters, ignored as ovs-ofctl ignores them, so that its output reads back in.
        continue;
      case 'idle_timeout':
        rule.idleTimeout = integer(v, 65535, valueAt, 'idle_timeout', fail);
        continue;
      case 'importance': {
        // OpenFlow 1.4+ carries it; plain ovs-ofctl (OpenFlow 1.0) reads it and drops it without a word.
        const importance = integer(v, 65535, valueAt, 'importance', fail);
        if (importance !== 0 && options.protocols === 'OpenFlow13') rule.importance = importance;
        continue;
      }
      case 'hard_timeout':
        rule.hardTimeout = integer(v, 65535, valueAt, 'hard_timeout', fail);
        continue;
      case 'dl_vlan': {
        const vid = integer(v, 0xffff, valueAt, 'dl_vlan', fail);
        if (vid === 0xffff) rule.match.set(W.VLAN_TCI, 0, 0xffff);
        else if (vid > 4095) fail(valueAt, `dl_vlan ${vid} is not 0-4095 (or 0xffff for untagged)`);
        else rule.match.set(W.VLAN_TCI, VLAN_CFI | vid, 0x1fff);
        continue;
      }
      case 'dl_vlan_pcp':
      case 'vlan_pcp': {
        // OXM's vlan_pcp matches a tagged frame's priority, as dl_vlan_pcp does.
        const pcp = integer(v, 7, valueAt, key, fail);
        rule.match.set(W.VLAN_TCI, VLAN_CFI | (pcp << 13), 0xf000);
        continue;
      }
      case 'vlan_vid': {
        // OXM's vlan_vid: the VID with OFPVID_PRESENT (0x1000, the CFI bit of OVS's vlan_tci), maskable.
        const slash = v.indexOf('/');
        const vid = integer(slash < 0 ? v : v.slice(0, slash), 0x1fff, valueAt, 'vlan_vid', fail);
        const mask = slash < 0 ? 0x1fff : integer(v.slice(slash + 1), 0x1fff, valueAt + slash + 1, 'vlan_vid mask', fail);
        rule.match.set(W.VLAN_TCI, vid & mask, mask);
        continue;
      }
    }
    if (NOT_YET_FIELD.test(key)) fail(token.at, `${key} is an Open vSwitch field netloom does not support yet`);
    if (DATAPATH_FIELD.test(key)) fail(token.at, `${key} is a field of Open vSwitch's datapath (internal, not in ovs-fields(7)): its value in a lookup depends on the datapath's recirculation, which netloom does not model`);
    fail(token.at, `unknown field "${key}"; fields are ${FIELD_NAMES.join(', ')}, dl_vlan, dl_vlan_pcp, vlan_vid, vlan_pcp, and table, priority, cookie, idle_timeout, hard_timeout, ${Object.keys(SHORTHANDS).join(', ')}`);
  }
  // OVS's normal form: every field's prerequisite must be in the match.
  for (const [name, at] of seen) {
    const field = fieldByName(name);
    // ICMPv4's and ICMPv6's type and code share tp_src and tp_dst: OVS keeps either name under either protocol (and prints icmp_type for both).
    const icmpAny = (field?.prerequisite === 'icmp' || field?.prerequisite === 'icmp6') && (prerequisiteMet(rule.match, 'icmp') || prerequisiteMet(rule.match, 'icmp6'));
    if ((field?.prerequisite === 'tcp-udp-sctp' || field?.prerequisite === 'tcp') && (rule.match.values[W.NW_FRAG]! & FRAG_LATER) !== 0) {
      fail(at, `${name} cannot be matched with ip_frag=later: a later fragment has no transport header (ovs-vswitchd refuses the flow: OFPBMC_BAD_PREREQ)`);
    }
    if (field && !icmpAny && !prerequisiteMet(rule.match, field.prerequisite)) {
      const why = field.prerequisite.startsWith('ct') ? 'ovs-vswitchd refuses the flow: OFPBMC_BAD_PREREQ, or OFPBAC_MATCH_INCONSISTENT without ip or ipv6' : `ovs-ofctl would silently drop ${name} from this flow`;
      fail(at, `${name} needs ${PREREQ_TEXT[field.prerequisite]} in the match (${why})`);
    }
  }
  const actionsText = flow.slice(equals);
  const instructions: { meter?: number } = {};
  const usable: ActionContext['usable'] = {};
  rule.actions = parseActions(actionsText, equals, rule.match, options, fail, { table: rule.table, actionSet: false, instructions, usable });
  if (instructions.meter !== undefined) rule.meter = instructions.meter;
  // As OVS's ofpacts_check: no OpenFlow carries both.
  if (usable.only10 && usable.only11) {
    const [first, last] = usable.only10.at < usable.only11.at ? [usable.only10, usable.only11] : [usable.only11, usable.only10];
    // An instruction ovs-ofctl would write in OpenFlow 1.0 by leaving it out without a word: refused on purpose.
    if (usable.only11.instruction) fail(last.at, `${usable.only11.name} needs OpenFlow 1.1+, and ${usable.only10.name} without a match that proves its header needs OpenFlow 1.0, which has no ${usable.only11.name} (ovs-ofctl would write the flow without it)`);
    fail(last.at, `${usable.only11.name} needs OpenFlow 1.1+, and ${usable.only10.name} without a match that proves its header needs OpenFlow 1.0: no one OpenFlow carries ${first.name} and ${last.name} (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
  }
  if (usable.only11) {
    for (const a of usable.runTimeVlan ?? []) {
      a.push = true;
      delete a.untagged;
    }
  }
  rule.matchText = formatMatch(rule.match);
  rule.actionsText = formatInstructions(rule.meter, rule.actions, rule.match);
  return rule;
}

type Fail = (at: number, reason: string) => never;

const PREREQ_TEXT: Record<Prerequisite, string> = {
  none: 'nothing',
  ip: 'ip or ipv6',
  ipv4: 'ip',
  ipv6: 'ipv6',
  arp: 'arp',
  'ipv4-or-arp': 'ip or arp',
  'ip-or-arp': 'ip, ipv6 or arp',
  'tcp-udp-sctp': 'tcp, udp or sctp (or their 6 forms)',
  tcp: 'tcp (or tcp6)',
  icmp: 'icmp',
  icmp6: 'icmp6',
  nd: 'icmp6 with icmp_type=135 or 136 and icmp_code 0',
  'nd-ns': 'icmp6 with icmp_type=135 and icmp_code 0',
  'nd-na': 'icmp6 with icmp_type=136 and icmp_code 0',
  mpls: 'mpls or mplsm',
  ct: CT_VALID_TEXT,
  'ct-ipv4': `ip and ${CT_VALID_TEXT}`,
  'ct-ipv6': `ipv6 and ${CT_VALID_TEXT}`,
};

/** What a write or read of a field needs in the match: its prerequisite, or one L4 protocol when its name says which. */
type Need = Prerequisite | 'udp' | 'sctp';

const NEED_TEXT: Record<Need, string> = { ...PREREQ_TEXT, udp: 'udp (or udp6)', sctp: 'sctp (or sctp6)' };
const L4_NEEDS = names<Need>({ 6: 'tcp', 17: 'udp', 132: 'sctp' });

/**
 * What reading or writing `field`, named `name`, needs outside a match, as OVS's field behind that
 * name: tcp_dst (tp_dst) needs tcp, and nw_src (ip_src) needs ip, arp having its own arp_spa. The
 * legacy actions (mod_tp_dst, mod_nw_src) give no name: mod_tp_dst takes any of tcp, udp or sctp.
 */
function accessNeed(field: FieldDef, name: string | undefined): Need {
  const proto = name === undefined ? undefined : l4ProtocolOfName(name);
  if (proto !== undefined) return L4_NEEDS[proto]!;
  return field.prerequisite === 'ipv4-or-arp' ? 'ipv4' : field.prerequisite;
}

/** What `need` asks of the match, in words: its protocol, and for a transport field a packet that is not a later fragment (OVS's mf_are_prereqs_ok). */
function needText(match: Match, need: Need): string {
  const transport = need === 'tcp' || need === 'udp' || need === 'sctp' || need === 'tcp-udp-sctp';
  return `${NEED_TEXT[need]} in the match${transport && (match.values[W.NW_FRAG]! & FRAG_LATER) !== 0 ? ', and no ip_frag=later (a later fragment has no transport header)' : ''}`;
}

function needMet(match: Match, need: Need): boolean {
  if (need === 'tcp' || need === 'udp' || need === 'sctp') return prerequisiteMet(match, 'tcp-udp-sctp') && L4_NEEDS[exact(match, W.NW_PROTO, 0xff)!] === need;
  return prerequisiteMet(match, need);
}

function exact(match: Match, word: number, mask: number): number | undefined {
  return (match.masks[word]! & mask) === mask ? match.values[word]! & mask : undefined;
}

export function prerequisiteMet(match: Match, p: Prerequisite): boolean {
  if (p === 'ct') return ctValid(match);
  if (p === 'ct-ipv4' || p === 'ct-ipv6') return ctValid(match) && exact(match, W.DL_TYPE, 0xffff) === (p === 'ct-ipv4' ? ETH_IP : ETH_IPV6);
  // OVS checks ND and "not a later fragment" on the match's values (is_nd without wildcards): an ICMPv6 code left unmatched is 0.
  return prerequisiteHolds(exact(match, W.DL_TYPE, 0xffff), exact(match, W.NW_PROTO, 0xff), p, exact(match, W.TP_SRC, 0xff), match.values[W.TP_DST], match.values[W.NW_FRAG]);
}

/**
 * Whether an EtherType, IP protocol, ICMP type and code and nw_frag (undefined: not known) meet a
 * field's prerequisite; a packet's are always known. TCP's, UDP's and SCTP's fields need a packet
 * that is not a later fragment (it has no such header), as OVS's mf_are_prereqs_ok.
 */
export function prerequisiteHolds(type: number | undefined, proto: number | undefined, p: Prerequisite, icmpType?: number, icmpCode?: number, nwFrag = 0): boolean {
  const later = (nwFrag & FRAG_LATER) !== 0;
  const ip = type === ETH_IP || type === ETH_IPV6;
  switch (p) {
    case 'none':
      return true;
    case 'ip':
      return ip;
    case 'ipv4':
      return type === ETH_IP;
    case 'ipv6':
      return type === ETH_IPV6;
    case 'arp':
      return type === ETH_ARP || type === ETH_RARP;
    case 'ipv4-or-arp':
      return type === ETH_IP || type === ETH_ARP || type === ETH_RARP;
    case 'ip-or-arp':
      return ip || type === ETH_ARP || type === ETH_RARP;
    case 'tcp-udp-sctp':
      return ip && (proto === 6 || proto === 17 || proto === 132) && !later;
    case 'tcp':
      return ip && proto === 6 && !later;
    case 'icmp':
      return type === ETH_IP && proto === 1;
    case 'icmp6':
      return type === ETH_IPV6 && proto === 58;
    case 'nd':
    case 'nd-ns':
    case 'nd-na':
      return type === ETH_IPV6 && proto === 58 && icmpCode === 0 && (p === 'nd' ? icmpType === 135 || icmpType === 136 : icmpType === (p === 'nd-ns' ? 135 : 136));
    case 'mpls':
      return isMplsEtherType(type);
    case 'ct':
    case 'ct-ipv4':
    case 'ct-ipv6':
      // A packet's ct tuple fields are 0 when it has none: reading them is always possible.
      return true;
  }
}

/** A decimal or 0x-hex integer in 0..max; otherwise `fail` at `at`, naming `what`. */
export function integer(text: string, max: number, at: number, what: string, fail: Fail): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= max)) fail(at, `${what} "${text}" is not an integer 0-${max}`);
  return n;
}

/**
 * One field's value (and mask, if written) in a flow text, by the field's kind, as a match
 * reads it; a mistake is a FlowSyntaxError at `at` (0-based) in `flow`. For callers that read
 * flow-like text other than a rule (a packet description for `flows trace`).
 */
export function parseFieldValue(flow: string, field: FieldDef, text: string, at: number, options: ParseOptions = {}): { value: bigint; mask: bigint; masked: boolean } {
  const fail = (column: number, reason: string): never => {
    throw new FlowSyntaxError(flow, column + 1, reason, options.where);
  };
  const { value, mask } = fieldValue(field, text, at, options, fail);
  return { value, mask, masked: text.includes('/') };
}

/** Parses a field value (and mask) into a bigint pair, by the field's kind. */
function fieldValue(field: FieldDef, text: string, at: number, options: ParseOptions, fail: Fail): { value: bigint; mask: bigint; stray: boolean } {
  const full = (1n << BigInt(field.bits)) - 1n;
  const slash = text.indexOf('/');
  const valueText = slash < 0 ? text : text.slice(0, slash);
  const maskText = slash < 0 ? undefined : text.slice(slash + 1);
  if (maskText !== undefined && !field.maskable) fail(at + slash, `${field.name} cannot be masked`);
  let value: bigint;
  let mask = full;
  const bad = (what: string): never => fail(at, `${field.name}: "${text}" is not ${what}`);
  switch (field.kind) {
    case 'mac': {
      const parse = (t: string) => (/^([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}$/i.test(t) ? BigInt(`0x${t.split(':').map((p) => p.padStart(2, '0')).join('')}`) : bad('a MAC address (aa:bb:cc:dd:ee:ff[/mask])'));
      value = parse(valueText);
      if (maskText !== undefined) mask = parse(maskText);
      break;
    }
    case 'ipv4': {
      const parse = (t: string) => (isIpv4(t) ? BigInt(ipv4ToNumber(t)) : bad('an IPv4 address (a.b.c.d[/len or /mask])'));
      value = parse(valueText);
      if (maskText !== undefined) mask = /^\d{1,2}$/.test(maskText) && Number(maskText) <= 32 ? BigInt(prefixMask(Number(maskText))) : parse(maskText);
      break;
    }
    case 'ipv6': {
      try {
        const a = new Address6(valueText);
        value = BigInt(`0x${Buffer.from(a.toUnsignedByteArray()).toString('hex').padStart(32, '0')}`);
      } catch {
        return bad('an IPv6 address');
      }
      if (maskText !== undefined) {
        if (/^\d{1,3}$/.test(maskText) && Number(maskText) <= 128) mask = Number(maskText) === 0 ? 0n : (full << BigInt(128 - Number(maskText))) & full;
        else {
          try {
            mask = BigInt(`0x${Buffer.from(new Address6(maskText).toUnsignedByteArray()).toString('hex').padStart(32, '0')}`);
          } catch {
            return bad('an IPv6 address with a prefix length or mask');
          }
        }
      }
      break;
    }
    case 'ct_state':
      return { ...parseCtState(text, at, fail), stray: false };
    case 'tcp_flags':
      return { ...parseTcpFlags(text, at, fail), stray: false };
    case 'tun_flags':
      return { ...parseTunFlags(text, at, fail), stray: false };
    case 'frag':
      return { ...parseIpFrag(text, at, fail), stray: false };
    case 'port': {
      const port = portNumber(valueText, options);
      value = port !== undefined ? BigInt(port) : fail(at, `${valueText}: invalid or unknown port for ${field.name}`);
      break;
    }
    default: {
      value = parseBig(valueText) ?? bad('a number (decimal or 0x hex)');
      if (maskText !== undefined) mask = parseBig(maskText) ?? bad('a number with a number mask');
    }
  }
  if (value > full) fail(at, `${field.name} value ${text} is wider than its ${field.bits} bits`);
  if (mask > full) fail(at, `${field.name} mask ${maskText} is wider than its ${field.bits} bits`);
  // A match keeps the value's bits under the mask (ovs-ofctl does too); set_field refuses the rest.
  return { value: value & mask, mask, stray: (value & ~mask) !== 0n };
}

/** A 64-bit cookie or cookie mask: decimal, 0x hex, or -1 for all ones (as ovs-ofctl reads it). */
function cookieNumber(text: string, at: number, what: string, fail: Fail): bigint {
  const n = text === '-1' ? ALL_ONES_64 : parseBig(text);
  if (n === undefined) fail(at, `${what} "${text}" is not a number (decimal, 0x hex, or -1)`);
  if (n! > ALL_ONES_64) fail(at, `${what} ${text} is wider than 64 bits`);
  return n!;
}

function parseBig(text: string): bigint | undefined {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) return undefined;
  return BigInt(text);
}

/** Writes a (value, mask) pair of a field into a match's words. */
export function setWords(match: Match, field: FieldDef, value: bigint, mask: bigint): void {
  const shift = BigInt(field.shift ?? 0);
  value <<= shift;
  mask <<= shift;
  for (let k = field.words - 1; k >= 0; k--) {
    match.set(field.word + k, Number(value & 0xffffffffn), Number(mask & 0xffffffffn));
    value >>= 32n;
    mask >>= 32n;
  }
}

/** Sets a field in a match from its text; gives the value and mask set, as "value/mask". */
function setMatchField(match: Match, field: FieldDef, text: string, at: number, options: ParseOptions, fail: Fail): string {
  const { value, mask } = fieldValue(field, text, at, options, fail);
  // nw_tos matches the DSCP bits (OVS's NXM_OF_IP_TOS).
  if (field.name === 'nw_tos' && (value & 3n) !== 0n) fail(at, 'nw_tos matches the DSCP bits only: its low 2 bits must be 0 (use nw_ecn for ECN)');
  const m = field.name === 'nw_tos' ? mask & 0xfcn : mask;
  setWords(match, field, value, m);
  return `${value}/${m}`;
}

/** A subfield, `NXM_NX_REG0[0..7]`, `reg1[3]` or `reg1[]`; a field's name alone is all of it (OVS's mf_parse_subfield). */
function parseSubField(text: string, at: number, fail: Fail): SubField {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(?:(\d+)(?:\.\.(\d+))?)?\])?$/.exec(text);
  if (!m) fail(at, `"${text}" is not a field or subfield (e.g. NXM_NX_REG0[0..7], reg1[])`);
  const field = fieldByName(m![1]!);
  if (!field) fail(at, `unknown field "${m![1]}"`);
  const start = m![2] === undefined ? 0 : Number(m![2]);
  const end = m![3] === undefined ? (m![2] === undefined ? field!.bits - 1 : start) : Number(m![3]);
  if (end < start || end >= field!.bits) fail(at, `${text}: bits ${start}..${end} do not fit ${field!.name}'s ${field!.bits} bits`);
  return { field: field!, start, bits: end - start + 1 };
}

const STRIP_VLAN: Action = { type: 'pop_vlan', strip: true };
const POP_VLAN: Action = { type: 'pop_vlan' };
const SIMPLE = names<Action>({
  normal: { type: 'normal' }, flood: { type: 'flood' }, all: { type: 'all' }, in_port: { type: 'in_port' },
  drop: { type: 'drop' }, strip_vlan: { type: 'pop_vlan' }, pop_vlan: { type: 'pop_vlan' }, dec_ttl: { type: 'dec_ttl' },
  clear_actions: { type: 'clear_actions' }, exit: { type: 'exit' },
});

/**
 * learn(table=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]),
 * checked as OVS's learn_check: what it reads from the packet needs its prerequisites in `match`
 * (the flow's; a bucket has none and is not checked), and what the learned flow matches or loads
 * needs its own in the learned flow's match, from the values the learn gives it (dl_type=0x800).
 */
function parseLearn(text: string, at: number, whole: string, match: Match | undefined, options: ParseOptions, fail: Fail): LearnSpec {
  const spec: LearnSpec = { table: 1, priority: DEFAULT_PRIORITY, idleTimeout: 0, hardTimeout: 0, cookie: 0n, matches: [], actions: [], text: whole.replace(/\s*,\s*/g, ',') };
  const learned = new Match();
  const check = (name: string, field: FieldDef, against: Match, where: string, checkAt: number) => {
    const need = accessNeed(field, name);
    if (match !== undefined && !needMet(against, need)) fail(checkAt, `learn: ${name} needs ${NEED_TEXT[need]} in ${where} (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
  };
  const source = (src: string, dst: SubField, srcAt: number): LearnSource => {
    if (src.includes('[') || fieldByName(src) !== undefined) {
      const sub = parseSubField(src, srcAt, fail);
      if (sub.bits !== dst.bits) fail(srcAt, `learn: ${src} has ${sub.bits} bits, the destination ${dst.bits}`);
      check(subFieldName(src), sub.field, match ?? learned, "this flow's match", srcAt);
      return { sub };
    }
    // A value for a whole field is written as the field's own (a MAC address, a port); for part of one, as a number.
    if (dst.start === 0 && dst.bits === dst.field.bits && !src.includes('/')) return { value: fieldValue(dst.field, src, srcAt, options, fail).value };
    const value = parseBig(src) ?? fail(srcAt, `learn: "${src}" is neither a field nor a number`);
    if (value >= 1n << BigInt(dst.bits)) fail(srcAt, `learn: ${src} does not fit in ${dst.bits} bits`);
    return { value };
  };
  for (const { text: part, at: partAt } of splitTop(text, at, true, fail)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (['table', 'priority', 'idle_timeout', 'hard_timeout', 'fin_idle_timeout', 'fin_hard_timeout'].includes(key)) {
      const n = integer(value, key === 'table' ? 254 : 65535, partAt + eq + 1, `learn ${key}`, fail);
      if (key === 'table') spec.table = n;
      else if (key === 'priority') spec.priority = n;
      else if (key === 'idle_timeout') spec.idleTimeout = n;
      else if (key === 'hard_timeout') spec.hardTimeout = n;
      continue;
    }
    if (key === 'cookie') {
      // OVS's learn parser saturates a wider cookie to all ones (strtoull); refused here, as ovs-ofctl refuses it for a flow's own cookie.
      spec.cookie = cookieNumber(value, partAt, 'learn: cookie', fail);
      continue;
    }
    if (part.startsWith('load:')) {
      const arrow = part.indexOf('->');
      if (arrow < 0) fail(partAt, 'learn: load needs "->"');
      const dst = parseSubField(part.slice(arrow + 2), partAt + arrow + 2, fail);
      check(subFieldName(part.slice(arrow + 2)), dst.field, learned, "the learned flow's match", partAt + arrow + 2);
      spec.actions.push({ kind: 'load', dst, src: source(part.slice(5, arrow), dst, partAt + 5) });
      continue;
    }
    if (part.startsWith('output:')) {
      spec.actions.push({ kind: 'output', src: parseSubField(part.slice(7), partAt + 7, fail) });
      continue;
    }
    const dst = key.includes('[') ? parseSubField(key, partAt, fail) : wholeField(key, partAt, fail);
    check(subFieldName(key), dst.field, learned, "the learned flow's match", partAt);
    const src = eq < 0 ? source(key, dst, partAt) : source(value, dst, partAt + eq + 1);
    if ('value' in src) setWords(learned, dst.field, src.value << BigInt(dst.start), ((1n << BigInt(dst.bits)) - 1n) << BigInt(dst.start));
    spec.matches.push({ dst, src });
  }
  return spec;
}

/** A copy of `match` with the EtherType `ethertype` (and, after an MPLS push, no IP protocol), as OVS's action checks change it. */
export function withEtherType(match: Match, ethertype: number, push: boolean): Match {
  const m = new Match();
  m.values.set(match.values);
  m.masks.set(match.masks);
  m.set(W.DL_TYPE, ethertype, 0xffff);
  if (push) m.values[W.NW_PROTO] = m.masks[W.NW_PROTO] = 0;
  return m;
}

function wholeField(name: string, at: number, fail: Fail): SubField {
  const field = fieldByName(name) ?? fail(at, `learn: unknown field "${name}"`);
  return { field, start: 0, bits: field.bits };
}

/**
 * A field a set_field, load or move writes: OVS refuses read-only fields (dl_type, nw_proto)
 * and a write whose field's prerequisite the match does not prove (a bucket has no match).
 */
function checkWritable(match: Match | undefined, field: FieldDef, at: number, fail: Fail, how: 'set_field' | 'load' | 'move', written?: string, inCt = false): void {
  if (inCt && !field.connection) fail(at, `ct action doesn't support nested modification of ${written ?? field.name}`);
  if (field.connection && !inCt) fail(at, `cannot set CT fields outside of ct action (${written ?? field.name} is written by ct(commit,exec(…)))`);
  if (!field.writable) {
    if (how === 'set_field') fail(at, `${written ?? field.name} is read-only`);
    fail(at, `destination field ${field.name} is not writable (OVS refuses: OFPBAC_BAD_SET_ARGUMENT)`);
  }
  const need = accessNeed(field, written);
  if (match !== undefined && !needMet(match, need)) fail(at, `setting ${written ?? field.name} needs ${needText(match, need)} (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
}

/**
 * set_field to vlan_vid or vlan_pcp, as OVS checks it: the tag must be there (the match proves
 * it, or a push before it), and vlan_vid's value carries OFPVID_PRESENT (0x1000), which OpenFlow
 * 1.0's mod_vlan_vid, what plain ovs-ofctl writes, does without.
 */
function setVlanField(name: 'vlan_vid' | 'vlan_pcp', text: string, at: number, tagged: boolean, openflow10: boolean, fail: Fail): Action {
  const value = integer(text, name === 'vlan_vid' ? 0x1fff : 7, at, `set_field ${name}`, fail);
  if (!tagged) fail(at, `set_field ${name} needs a VLAN tag the match proves (dl_vlan=… or vlan_vid=0x1000/0x1000) or a push_vlan before it (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
  if (name === 'vlan_vid' && !openflow10 && (value & VLAN_CFI) === 0) fail(at, `set_field:${text}->vlan_vid needs OFPVID_PRESENT (0x1000) in its value, e.g. ${VLAN_CFI | value} for VLAN ${value} (OVS refuses: OFPBAC_BAD_SET_ARGUMENT)`);
  return { type: 'mod_vlan', what: name === 'vlan_vid' ? 'vid' : 'pcp', value: name === 'vlan_vid' ? value & 0xfff : value, push: false, oxm: true };
}

/** The name a subfield's text gives its field (`NXM_OF_TCP_DST` of `NXM_OF_TCP_DST[0..7]`). */
const subFieldName = (text: string) => text.replace(/\[.*$/, '');

/** A value a set_field or load writes into a field with a write mask (nw_tos) must leave the other bits (ECN) 0, as OVS requires. */
function checkWriteValue(field: FieldDef, value: bigint, text: string, at: number, fail: Fail, how: 'set_field' | 'load'): void {
  if (field.writeMask === undefined || (value & ~field.writeMask) === 0n) return;
  if (how === 'set_field') fail(at, `${text} is not a valid value for field ${field.name} (its low 2 bits, ECN, must be 0: set nw_ecn for those)`);
  fail(at, `load: ${text} is not a valid value for ${field.name}: its low 2 bits (ECN) must be 0 (OVS refuses: OFPBAC_BAD_SET_ARGUMENT)`);
}

/**
 * Where an action list is: the rule's table (goto_table must go forward), whether it is the
 * inside of write_actions, and the VLAN tags known to be there when it starts (write_actions is
 * checked from the state the actions before it left, as OVS's ofpacts_check does).
 */
interface ActionContext {
  table: number;
  actionSet: boolean;
  /**
   * A group bucket's action set: OVS takes there, and drops as it runs the set, the actions
   * write_actions refuses (output to a field, exit, note, enqueue, learn, multipath, bundle,
   * clone, fin_timeout, sample, pop_queue, a truncated output).
   */
  bucket?: true;
  tags?: boolean[];
  /** Where a flow's meter instruction goes; absent where there can be none (a group bucket). */
  instructions?: { meter?: number };
  /** The first action only OpenFlow 1.0 carries (one its match does not prove) and the first only 1.1+ carries (push_vlan). */
  /** Where the flow first needs OpenFlow 1.0 and 1.1+ (an instruction OpenFlow 1.0 has not: ovs-ofctl drops it there). */
  usable: { only10?: { at: number; name: string }; only11?: { at: number; name: string; instruction?: true }; runTimeVlan?: Extract<Action, { type: 'mod_vlan' }>[] };
  /** Inside ct(exec(…)): only ct_mark and ct_label may be written. */
  ct?: boolean;
  /** Inside clone(…): actions only, no instructions. */
  clone?: boolean;
}

/**
 * Output to `port` (written `text`), as OVS checks an output port: a reserved port acts as its
 * action (a CONTROLLER output sends `controllerMaxLen` bytes), and ANY and the numbers between
 * OFPP_MAX and IN_PORT are no port to output to.
 */
function outputAction(port: number, text: string, at: number, controllerMaxLen: number, fail: Fail): Action {
  switch (port) {
    case OFPP_IN_PORT:
      return { type: 'in_port' };
    case OFPP_NORMAL:
      return { type: 'normal' };
    case OFPP_FLOOD:
      return { type: 'flood' };
    case OFPP_ALL:
      return { type: 'all' };
    case OFPP_CONTROLLER:
      return { type: 'controller', maxLen: controllerMaxLen, reason: 'action' };
    case OFPP_TABLE:
      // OVS's xlate_output_action: the tables again from table 0, with the in_port as it is now.
      return { type: 'resubmit', port: undefined, table: 0, outputTable: true };
  }
  if (port >= OFPP_MAX && port !== OFPP_LOCAL) {
    fail(at, `output to ${text}: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT): ports are numbered below ${OFPP_MAX}, and reserved ports go by name (IN_PORT, NORMAL, FLOOD, ALL, CONTROLLER, LOCAL)`);
  }
  return { type: 'output', port };
}

/**
 * A number as C's atoi reads it, which OVS's multipath and bundle parsers use: leading digits
 * after an optional sign (none: 0, trailing text ignored), saturated to 64 bits as strtol does,
 * then an int's 32 bits.
 */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  if (!m) return 0;
  const v = BigInt(m[1]!);
  const LONG_MAX = (1n << 63n) - 1n;
  return Number(BigInt.asIntN(32, v > LONG_MAX ? LONG_MAX : v < -LONG_MAX - 1n ? -LONG_MAX - 1n : v));
}

/** One of a list of names, in any case (OVS compares with strcasecmp). */
function oneOf<T extends string>(list: readonly T[], text: string): T | undefined {
  return list.find((n) => n === text.toLowerCase());
}

/** The most members a bundle holds (OVS's BUNDLE_MAX_MEMBERS). */
const BUNDLE_MAX_MEMBERS = 2048;

/**
 * multipath(fields, basis, algorithm, n_links, arg, dst) as OVS's multipath_parse reads it:
 * arguments split at commas and spaces, basis and arg by atoi, n_links 1 to 65536 and no more
 * than the destination's bits can hold; the destination is checked as a load's (mf_check_dst).
 */
function parseMultipath(arg: string, argAt: number, match: Match | undefined, fail: Fail): Action {
  const words = wordsOf(arg, /[^, ]+/g, argAt);
  if (words.length < 6) fail(argAt, `${arg}: not enough arguments to multipath action`);
  const [fieldsWord, basis, algorithmWord, linksWord, argWord, dstWord] = words as [Word, Word, Word, Word, Word, Word];
  const fields = oneOf(HASH_FIELDS, fieldsWord.text) ?? fail(fieldsWord.at, `${arg}: unknown fields \`${fieldsWord.text}'`);
  const algorithm = oneOf(MULTIPATH_ALGORITHMS, algorithmWord.text) ?? fail(algorithmWord.at, `${arg}: unknown algorithm \`${algorithmWord.text}'`);
  const links = atoi(linksWord.text);
  if (links < 1 || links > 65536) fail(linksWord.at, `${arg}: n_links ${links} is not in valid range 1 to 65536`);
  const dst = parseSubField(dstWord.text, dstWord.at, fail);
  if (dst.bits < 16 && links > 2 ** dst.bits) fail(dstWord.at, `${arg}: ${dst.bits}-bit destination field has ${2 ** dst.bits} possible values, less than specified n_links ${links}`);
  checkWritable(match, dst.field, dstWord.at, fail, 'load', subFieldName(dstWord.text));
  return { type: 'multipath', fields, basis: atoi(basis.text) & 0xffff, algorithm, links, arg: atoi(argWord.text) >>> 0, dst };
}

/** A word of an action's argument and its place in the flow text. */
interface Word {
  text: string;
  at: number;
}

/** The words `pattern` (global) finds in `text`, each with its place (`text` starts at `at`). */
function wordsOf(text: string, pattern: RegExp, at: number): Word[] {
  return Array.from(text.matchAll(pattern), (m) => ({ text: m[0], at: at + m.index! }));
}

/**
 * bundle(fields, basis, algorithm, ofport, members:p,…) and bundle_load(…, dst, members:…) as
 * OVS's bundle_parse reads them, and its bundle_check: every member a port to output to, never
 * CONTROLLER; the destination checked as a load's.
 */
function parseBundle(arg: string, argAt: number, load: boolean, match: Match | undefined, options: ParseOptions, fail: Fail): Action {
  const name = load ? 'bundle_load' : 'bundle';
  // As OVS's bundle_parse, with strtok_r: the words up to the destination end at a comma or
  // space, the member delimiter at a colon or space, each member at a comma, space or bracket.
  const words = new Tokens(arg, argAt);
  const head = Array.from({ length: load ? 5 : 4 }, () => words.next(', '));
  const delimiter = words.next(': ');
  if (delimiter === undefined) fail(argAt, `${arg}: not enough arguments to bundle action`);
  const [fieldsWord, basis, algorithmWord, memberType, dstWord] = head as [Word, Word, Word, Word, Word | undefined];
  if (delimiter!.text.toLowerCase() !== 'members' && delimiter!.text.toLowerCase() !== 'slaves') fail(delimiter!.at, `${arg}: missing member delimiter, expected \`members', got \`${delimiter!.text}'`);
  const members: number[] = [];
  for (let member = words.next(', []'); member !== undefined; member = words.next(', []')) {
    const { text, at } = member;
    const port = portNumber(text, options) ?? fail(at, `${text}: bad port number`);
    if (port === OFPP_CONTROLLER) fail(at, `${name}: a CONTROLLER member: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT) (OVS: unsupported controller member)`);
    if (port >= OFPP_MAX && port !== OFPP_LOCAL && port !== OFPP_NONE && port < OFPP_IN_PORT) fail(at, `${name}: member ${text}: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT)`);
    if (port >= OFPP_IN_PORT && port !== OFPP_LOCAL && port !== OFPP_NONE) fail(at, `${name}: member ${text}: a reserved port as a member is not supported yet (LOCAL is)`);
    if (members.length === BUNDLE_MAX_MEMBERS) fail(at, `${name}: more than ${BUNDLE_MAX_MEMBERS} members (OVS ignores the rest)`);
    members.push(port);
  }
  const fields = oneOf(HASH_FIELDS, fieldsWord.text) ?? fail(fieldsWord.at, `${arg}: unknown fields \`${fieldsWord.text}'`);
  const algorithm = oneOf(BUNDLE_ALGORITHMS, algorithmWord.text) ?? fail(algorithmWord.at, `${arg}: unknown algorithm \`${algorithmWord.text}'`);
  if (memberType.text.toLowerCase() !== 'ofport') fail(memberType.at, `${arg}: unknown member_type \`${memberType.text}'`);
  if (dstWord === undefined) return { type: 'bundle', fields, basis: atoi(basis.text) & 0xffff, algorithm, members };
  const dst = parseSubField(dstWord.text, dstWord.at, fail);
  checkWritable(match, dst.field, dstWord.at, fail, 'load', subFieldName(dstWord.text));
  return { type: 'bundle', fields, basis: atoi(basis.text) & 0xffff, algorithm, members, dst };
}

/** C's strtok_r over an action's argument: each call skips the delimiters given, then takes a word up to the next one. */
class Tokens {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly offset: number,
  ) {}

  next(delimiters: string): Word | undefined {
    while (this.at < this.text.length && delimiters.includes(this.text[this.at]!)) this.at++;
    if (this.at >= this.text.length) return undefined;
    const start = this.at;
    while (this.at < this.text.length && !delimiters.includes(this.text[this.at]!)) this.at++;
    const word = { text: this.text.slice(start, this.at), at: this.offset + start };
    // strtok_r steps over the one delimiter that ended the word.
    if (this.at < this.text.length) this.at++;
    return word;
  }
}

/**
 * output(port=P,max_len=N) as OVS's parse_truncate_subfield reads it (key=value pairs; a port
 * above OFPP_MAX other than LOCAL and IN_PORT is unsupported, max_len at least an Ethernet
 * header) and check_OUTPUT_TRUNC checks the port.
 */
function outputTrunc(arg: string, argAt: number, options: ParseOptions, fail: Fail): Action {
  let port = 0;
  let maxLen = 0;
  for (const { key, value, valueAt } of keyValues(arg, argAt, fail)) {
    if (key === 'port') {
      port = portNumber(value, options) ?? fail(valueAt, `output to unknown truncate port: ${value}`);
      if (port > OFPP_MAX && port !== OFPP_LOCAL && port !== OFPP_IN_PORT) fail(valueAt, `output to unsupported truncate port: ${value}`);
      if (port === OFPP_MAX) fail(valueAt, `output to ${value}: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT)`);
    } else if (key === 'max_len') {
      maxLen = integer(value, 0xffffffff, valueAt, 'max_len', fail);
      if (maxLen < 14) fail(valueAt, `max_len ${maxLen} is less than the minimum value 14`);
    } else fail(valueAt - key.length - 1, `invalid key '${key}' in output_trunc argument`);
  }
  return { type: 'output_trunc', port, maxLen };
}

/** sample(probability=…,collector_set_id=…,obs_domain_id=…,obs_point_id=…,sampling_port=…,ingress|egress), as OVS's parse_SAMPLE reads it. */
function parseSample(arg: string, argAt: number, options: ParseOptions, fail: Fail): Action {
  const sample: Extract<Action, { type: 'sample' }> = { type: 'sample', probability: 0, collectorSetId: 0, obsDomainId: 0, obsPointId: 0, samplingPort: OFPP_NONE, direction: 'default' };
  for (const { text: part, at } of splitTop(arg, argAt, false, fail)) {
    const split = part.search(/[:=]/);
    const key = split < 0 ? part : part.slice(0, split);
    const value = split < 0 ? '' : part.slice(split + 1);
    const valueAt = at + split + 1;
    switch (key) {
      case 'probability':
        sample.probability = integer(value, 0xffff, valueAt, 'probability', fail);
        if (sample.probability === 0) fail(valueAt, `invalid probability value "${value}"`);
        continue;
      case 'collector_set_id':
      case 'obs_domain_id':
      case 'obs_point_id': {
        if (value === '') fail(valueAt, 'missing required numeric argument');
        const n = integer(value, 0xffffffff, valueAt, key, fail);
        if (key === 'collector_set_id') sample.collectorSetId = n;
        else if (key === 'obs_domain_id') sample.obsDomainId = n;
        else sample.obsPointId = n;
        continue;
      }
      case 'sampling_port':
        sample.samplingPort = portNumber(value, options) ?? fail(valueAt, `${value}: unknown port`);
        continue;
      case 'ingress':
      case 'egress':
        sample.direction = key;
        continue;
    }
    fail(at, `invalid key "${key}" in "sample" argument`);
  }
  if (sample.probability === 0) fail(argAt, 'non-zero "probability" must be specified on sample');
  return sample;
}

/** Open vSwitch actions (ovs-actions(7)) netloom does not have yet: refused as such, not as unknown. */
const NOT_YET_ACTIONS = new Set([
  'encap', 'decap', 'dec_nsh_ttl', 'delete_field',
]);
/** Open vSwitch's actions for its own tests: ovs-vswitchd decodes them only when started with --enable-dummy (OFPBAC_BAD_VENDOR_TYPE otherwise). Refused on purpose. */
const TEST_ACTIONS = new Set(['debug_recirc', 'debug_slow']);

/** Instructions (not actions) cannot appear inside write_actions. */
const INSTRUCTIONS = new Set(['clear_actions', 'write_actions', 'write_metadata', 'goto_table']);

/**
 * An action list. `match` is the flow's, which must prove what the actions need; a group bucket
 * has none (undefined), and OVS checks nothing of its actions: each acts on a packet that has
 * what it needs and skips one that does not (the pipeline does that), and mod_vlan_vid always
 * pushes a tag first, as ovs-ofctl encodes it without a match.
 */
function parseActions(text: string, offset: number, match: Match | undefined, options: ParseOptions, fail: Fail, context: ActionContext): Action[] {
  const actions: Action[] = [];
  // Actions are separated by commas or white space, as OVS's ofputil_parse_key_value splits them.
  const tokens = splitTop(text, offset, false, fail);
  if (tokens.length === 0) fail(offset, 'expected at least one action (use actions=drop to drop)');
  // Which of the (at most two, as OVS's FLOW_MAX_VLAN_HEADERS) VLAN tags are known to be there,
  // followed through the actions as OVS's ofpacts_check does: a push shifts a known tag in, a
  // pop shifts the inner one out.
  const tags = context.tags?.slice() ?? [match !== undefined && (match.masks[W.VLAN_TCI]! & VLAN_CFI) !== 0 && (match.values[W.VLAN_TCI]! & VLAN_CFI) !== 0, false];
  // A write to vlan_tci makes the outer tag present or absent by its CFI bit (OVS marks it so, without shifting tags).
  const writesTci = (field: FieldDef, value: bigint) => {
    if (field.word === W.VLAN_TCI) tags[0] = (value & BigInt(VLAN_CFI)) !== 0n;
  };
  const push = (at: number) => {
    if (tags[1] && match !== undefined) fail(at, 'a third VLAN tag cannot be pushed: OVS keeps at most two (OFPBAC_BAD_TAG)');
    tags[1] = tags[0]!;
    tags[0] = true;
  };
  const proven = (need: Need) => match === undefined || needMet(match, need);
  // What OpenFlow 1.0 would carry and 1.1+ refuses (OVS's inconsistent_match) goes unchecked in an
  // action set: OVS checks write_actions on a copy of what the match proves, and keeps only hard errors.
  const lenient = context.actionSet;
  // What write_actions refuses as "disallowed action in action set"; a bucket takes it (and drops it as it runs).
  const refusedInSet = (at: number, what: string, hint = '') => {
    if (context.actionSet && !context.bucket) fail(at, `${what} is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)${hint}`);
  };
  // Except a mod_* action under OpenFlow 1.1+, which travels as a set_field: ovs-vswitchd checks that when it decodes the flow.
  const lenientMod = lenient && options.protocols !== 'OpenFlow13';
  // Asked at each action: a push_mpls or pop_mpls before it changes what the match proves.
  const ipProven = () => lenient || proven('ip');
  // What OpenFlow 1.0 leaves to run time (OVS's inconsistent_match keeps such a flow to OpenFlow 1.0).
  const runTime = options.protocols !== 'OpenFlow13';
  // OVS's inconsistent_match: an action whose header the match does not prove is refused in 1.1+; in 1.0 it acts on the packet as it is.
  const inconsistent = (unproven: boolean, at: number, name: string, refuse: () => void) => {
    if (!unproven) return;
    if (runTime) context.usable.only10 ??= { at, name };
    else refuse();
  };
  let stage = 0; // apply-actions, clear_actions, write_actions, write_metadata, goto_table
  const STAGES = ['apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];
  const order = (want: number, at: number) => {
    if (want < stage || (want === stage && want > 0)) fail(at, `invalid instruction ordering: ${STAGES[want]} must appear before ${STAGES[stage]}`);
    stage = want;
  };
  for (const { text: t, at } of tokens) {
    const paren = t.indexOf('(');
    const colon = t.indexOf(':');
    const name = (paren >= 0 && (colon < 0 || paren < colon) ? t.slice(0, paren) : colon >= 0 ? t.slice(0, colon) : t).trim().toLowerCase();
    const arg = paren >= 0 && (colon < 0 || paren < colon) ? t.slice(paren + 1, t.lastIndexOf(')')) : colon >= 0 ? t.slice(colon + 1) : undefined;
    const argAt = at + (paren >= 0 && (colon < 0 || paren < colon) ? paren + 1 : colon + 1);
    if (context.actionSet && INSTRUCTIONS.has(name)) fail(at, `${name} instruction not allowed here (inside write_actions)`);
    if (context.clone && INSTRUCTIONS.has(name)) fail(at, `${name} instruction not allowed here`);
    if (!INSTRUCTIONS.has(name)) {
      if (stage > 0) fail(at, `invalid instruction ordering: apply_actions must appear before ${STAGES[stage]}`);
    }
    // A word that is no action names a port to output to (with max_len 0 for CONTROLLER, as OVS reads a bare port).
    const bare = arg === undefined && !(name in SIMPLE) && name !== 'controller' ? portNumber(t, options) : undefined;
    if (bare !== undefined) {
      actions.push(outputAction(bare, t, at, 0, fail));
      continue;
    }
    if (name in SIMPLE && arg === undefined) {
      // OpenFlow 1.0 has one VLAN pop, strip_vlan, which plain ovs-ofctl prints for either name; 1.1+'s is pop_vlan.
      const action = SIMPLE[name]!.type === 'pop_vlan' ? (runTime ? STRIP_VLAN : POP_VLAN) : SIMPLE[name]!;
      if (action.type === 'pop_vlan') {
        inconsistent(!tags[0] && match !== undefined && !lenient, at, name, () => fail(at, `${name} needs a VLAN tag the match proves (dl_vlan=… or vlan_tci=0x1000/0x1000) and no earlier pop removed, as OVS requires for OpenFlow 1.1+ (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`));
        tags[0] = tags[1]!;
        tags[1] = false;
      }
      if (action.type === 'dec_ttl') inconsistent(!ipProven(), at, name, () => fail(at, 'dec_ttl needs ip or ipv6 in the match, as OVS requires for OpenFlow 1.1+ (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))'));
      if (action.type === 'clear_actions') {
        order(1, at);
        context.usable.only11 ??= { at, name, instruction: true };
      }
      if (action.type === 'exit') refusedInSet(at, 'exit');
      actions.push(action);
      continue;
    }
    const need = (what: string): string => (arg === undefined || arg.trim() === '' ? fail(at, `${name} needs ${what}`) : arg.trim());
    switch (name) {
      case 'output': {
        // As OVS's parse_OUTPUT: truncation, else a port, else a field holding the port.
        const a = need('a port (output:2, output:p2, output:reg0[0..15])');
        if (a.includes('port') && a.includes('max_len')) {
          refusedInSet(at, 'output(port=…,max_len=…)');
          actions.push(outputTrunc(a, argAt, options, fail));
          continue;
        }
        const port = portNumber(a, options);
        if (port !== undefined) {
          actions.push(outputAction(port, a, at, 65535, fail));
          continue;
        }
        if (!a.includes('[') && fieldByName(a) === undefined) fail(argAt, `${a}: output to unknown port`);
        refusedInSet(at, 'output to a field');
        actions.push({ type: 'output_reg', src: parseSubField(a, argAt, fail) });
        continue;
      }
      case 'controller': {
        let maxLen = 65535;
        let reason: string = 'action';
        for (const part of (arg ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
          if (part === 'pause') fail(argAt, 'controller: pause (continuations) is not supported yet');
          // A bare number is max_len; any other bare word is a key OVS does not know.
          if (!part.includes('=') && !/^\d+$/.test(part)) fail(argAt, `unknown key "${part}" parsing controller action`);
          const [k, v] = part.includes('=') ? part.split('=') as [string, string] : ['max_len', part];
          if (k === 'max_len') maxLen = integer(v, 65535, argAt, 'max_len', fail);
          else if (k === 'reason') {
            if (!(PACKET_IN_REASONS as readonly string[]).includes(v)) fail(argAt, `unknown reason "${v}" (reasons are ${PACKET_IN_REASONS.join(', ')}), as ovs-ofctl says`);
            reason = v;
          }
          else if (k !== 'id' && k !== 'userdata') fail(argAt, `unknown key "${k}" parsing controller action`);
        }
        actions.push({ type: 'controller', maxLen, reason });
        continue;
      }
      case 'mod_vlan_vid':
      case 'mod_vlan_pcp': {
        const what = name === 'mod_vlan_vid' ? 'vid' : 'pcp';
        const value = integer(need(what === 'vid' ? 'a VLAN id' : 'a priority'), what === 'vid' ? 4095 : 7, argAt, name, fail);
        // OpenFlow 1.0's set_vlan_vid pushes a tag only if there is none (the packet's, at run time); 1.1+ writes push_vlan first.
        const unproven = !tags[0];
        const pushes = match === undefined || (unproven && !runTime);
        // OpenFlow 1.0's, with no tag proven (OVS's !flow_has_vlan): it pushes one at run time if there is none, and 1.1+ carries it as push_vlan and set_field.
        const untagged = !pushes && unproven;
        if (pushes) push(at);
        else tags[0] = true;
        const modVlan: Extract<Action, { type: 'mod_vlan' }> = { type: 'mod_vlan', what, value, push: pushes, ...(untagged && { untagged }) };
        // Left to run time only while the flow can be OpenFlow 1.0; in a flow that needs 1.1+ it pushes, as 1.1+ writes it (parseFlow decides).
        if (untagged) (context.usable.runTimeVlan ??= []).push(modVlan);
        actions.push(modVlan);
        continue;
      }
      case 'push_vlan': {
        const tpid = integer(need('a TPID (0x8100 or 0x88a8)'), 0xffff, argAt, 'push_vlan', fail);
        if (tpid !== 0x8100 && tpid !== 0x88a8) fail(argAt, `push_vlan:${arg} must be 0x8100 or 0x88a8`);
        context.usable.only11 ??= { at, name };
        push(at);
        actions.push({ type: 'push_vlan', tpid });
        continue;
      }
      case 'push_mpls':
      case 'pop_mpls': {
        const ethertype = integer(need('an EtherType'), 0xffff, argAt, name, fail);
        if (name === 'push_mpls' && !isMplsEtherType(ethertype)) fail(argAt, `push_mpls:${arg}: the EtherType must be 0x8847 or 0x8848 (OVS refuses: OFPBAC_BAD_ARGUMENT)`);
        if (name === 'pop_mpls') inconsistent(!proven('mpls'), at, name, () => fail(at, `pop_mpls needs ${NEED_TEXT.mpls} in the match (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`));
        actions.push({ type: name, ethertype });
        // OVS's check_PUSH_MPLS and check_POP_MPLS: the actions after it see the new EtherType (after a push, no IP protocol).
        if (match !== undefined) match = withEtherType(match, ethertype, name === 'push_mpls');
        continue;
      }
      case 'set_mpls_label':
      case 'set_mpls_tc':
      case 'set_mpls_ttl':
      case 'dec_mpls_ttl': {
        // OVS's check_set_mpls: 1.1+ needs the match to prove MPLS; 1.0 acts on the packet as it is.
        inconsistent(!proven('mpls'), at, name, () => fail(at, `${name} needs ${NEED_TEXT.mpls} in the match (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`));
        if (name === 'dec_mpls_ttl') {
          actions.push({ type: 'dec_mpls_ttl' });
          continue;
        }
        const field = fieldByName(name.slice('set_'.length))!;
        const value = integer(need(`an MPLS ${name.slice('set_mpls_'.length)}`), 2 ** field.bits - 1, argAt, name, fail);
        actions.push({ type: 'set_field', field, value: BigInt(value), mask: BigInt(2 ** field.bits - 1), legacy: true });
        continue;
      }
      case 'mod_dl_src':
      case 'mod_dl_dst':
      case 'mod_nw_src':
      case 'mod_nw_dst':
      case 'mod_tp_src':
      case 'mod_tp_dst':
      case 'mod_nw_ecn': {
        const fieldName = { mod_dl_src: 'dl_src', mod_dl_dst: 'dl_dst', mod_nw_src: 'nw_src', mod_nw_dst: 'nw_dst', mod_tp_src: 'tp_src', mod_tp_dst: 'tp_dst', mod_nw_ecn: 'nw_ecn' }[name]!;
        const field = fieldByName(fieldName)!;
        const { value } = fieldValue(field, need('a value'), argAt, options, fail);
        // mod_nw_ecn is a set_field to OVS, checked in every OpenFlow.
        if (name === 'mod_nw_ecn') {
          if (!lenientMod) checkWritable(match, field, at, fail, 'set_field');
        } else inconsistent(!lenientMod && !proven(accessNeed(field, undefined)), at, name, () => checkWritable(match, field, at, fail, 'set_field'));
        // tp_dst would read back as tcp_dst's, and an unproven write as a set_field the match must prove.
        // In an action set too: there a set_field is checked where mod_nw_src is not.
        const legacy = field.word === W.TP_SRC || field.word === W.TP_DST || (runTime && !proven(accessNeed(field, undefined)));
        actions.push({ type: 'set_field', field, value, mask: (1n << BigInt(field.bits)) - 1n, ...(legacy && { legacy }) });
        continue;
      }
      case 'mod_nw_tos': {
        const tos = integer(need('a TOS value'), 255, argAt, 'mod_nw_tos', fail);
        if (tos & 3) fail(argAt, `mod_nw_tos:${tos} sets DSCP bits only: its low 2 bits must be 0`);
        const field = fieldByName('ip_dscp')!;
        const unproven = !proven('ip');
        inconsistent(unproven && !lenientMod, at, name, () => checkWritable(match, field, at, fail, 'set_field'));
        actions.push({ type: 'set_field', field, value: BigInt(tos >> 2), mask: 0x3fn, ...(unproven && { legacy: true as const }) });
        continue;
      }
      case 'mod_nw_ttl': {
        if (!ipProven()) fail(at, 'mod_nw_ttl needs ip or ipv6 in the match');
        actions.push({ type: 'set_ttl', ttl: integer(need('a TTL'), 255, argAt, 'mod_nw_ttl', fail) });
        continue;
      }
      case 'dec_ttl':
        inconsistent(!ipProven(), at, name, () => fail(at, 'dec_ttl needs ip or ipv6 in the match, as OVS requires for OpenFlow 1.1+ (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))'));
        actions.push({ type: 'dec_ttl' });
        continue;
      case 'set_field':
      case 'load': {
        const a = need(name === 'load' ? 'VALUE->DST[a..b]' : 'VALUE->FIELD');
        const arrow = a.indexOf('->');
        if (arrow < 0) fail(argAt, `${name} needs "->" between the value and the destination`);
        const valueText = a.slice(0, arrow).trim();
        const dstText = a.slice(arrow + 2).trim();
        const dstAt = argAt + arrow + 2;
        if (name === 'load') {
          const dst = parseSubField(dstText, dstAt, fail);
          const value = parseBig(valueText) ?? fail(argAt, `load: "${valueText}" is not a number`);
          if (value >= 1n << BigInt(dst.bits)) fail(argAt, `load: ${valueText} does not fit in ${dst.bits} bits`);
          checkWritable(match, dst.field, dstAt, fail, 'load', subFieldName(dstText), context.ct);
          checkWriteValue(dst.field, value << BigInt(dst.start), valueText, argAt, fail, 'load');
          writesTci(dst.field, value << BigInt(dst.start));
          actions.push({ type: 'load', dst, value });
        } else {
          if (dstText === 'vlan_vid' || dstText === 'vlan_pcp') {
            actions.push(setVlanField(dstText, valueText, argAt, tags[0]! || match === undefined, runTime, fail));
            continue;
          }
          const field = fieldByKeyword(dstText) ?? fail(dstAt, `set_field: ${dstText} is not a valid OXM field name`);
          checkWritable(match, field, dstAt, fail, 'set_field', dstText, context.ct);
          const { value, mask, stray } = fieldValue(field, valueText, argAt, options, fail);
          if (stray) fail(argAt, `set_field: ${valueText} has 1-bits where its mask is 0 (OVS refuses: OFPBMC_BAD_WILDCARDS)`);
          checkWriteValue(field, value, valueText, argAt, fail, 'set_field');
          writesTci(field, value);
          actions.push({ type: 'set_field', field, value, mask });
        }
        continue;
      }
      case 'move': {
        const a = need('SRC[..]->DST[..]');
        const arrow = a.indexOf('->');
        if (arrow < 0) fail(argAt, 'move needs "->" between source and destination');
        const srcText = a.slice(0, arrow).trim();
        const dstText = a.slice(arrow + 2).trim();
        const src = parseSubField(srcText, argAt, fail);
        const dst = parseSubField(dstText, argAt + arrow + 2, fail);
        if (src.bits !== dst.bits) fail(argAt, `move: source has ${src.bits} bits, destination ${dst.bits}`);
        const srcNeed = accessNeed(src.field, subFieldName(srcText));
        if (!proven(srcNeed)) fail(argAt, `reading ${subFieldName(srcText)} needs ${needText(match!, srcNeed)} (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
        checkWritable(match, dst.field, argAt + arrow + 2, fail, 'move', subFieldName(dstText), context.ct);
        actions.push({ type: 'move', src, dst });
        continue;
      }
      case 'resubmit': {
        const a = arg?.trim() || fail(at, 'at least one "in_port" or "table" must be specified on resubmit');
        const [p, tb, ct] = paren >= 0 ? a.split(',').map((s) => s.trim()) as [string, string | undefined, string | undefined] : [a, undefined, undefined];
        const port = p === '' ? undefined : (portNumber(p, options) ?? fail(argAt, `${p}: resubmit to unknown port`));
        const table = tb === undefined || tb === '' ? undefined : integer(tb, 254, argAt, 'resubmit table', fail);
        // resubmit(,) and resubmit:IN_PORT would look the packet up again as it is.
        if ((port === undefined || port === OFPP_IN_PORT) && table === undefined) fail(argAt, 'at least one "in_port" or "table" must be specified on resubmit');
        if (ct !== undefined && ct !== 'ct') fail(argAt, `${ct}: unknown parameter`);
        // OVS's check_RESUBMIT: the connection's original tuple is there only when the match proves a valid connection.
        if (ct !== undefined && match !== undefined && !ctValid(match)) fail(at, `resubmit(…,ct) needs ${CT_VALID_TEXT} in the match (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
        actions.push({ type: 'resubmit', port, table, ...(ct !== undefined && { ct: true as const }) });
        continue;
      }
      case 'ct_clear':
        if (arg !== undefined) fail(argAt, 'ct_clear takes no argument');
        actions.push({ type: 'ct_clear' });
        continue;
      case 'ct': {
        // OVS's check_CT: conntrack needs an IP packet the match proves (checked before where the action is).
        if (match !== undefined && !proven('ip')) fail(at, 'ct needs ip or ipv6 in the match (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))');
        if (context.ct) fail(at, 'ct action doesn\'t support nested action ct');
        const ctAction: Extract<Action, { type: 'ct' }> = { type: 'ct', commit: false, force: false, zone: 0, zoneSrc: undefined, table: undefined, nat: undefined, actions: [], alg: 0 };
        for (const { text: part, at: partAt } of splitTop(arg ?? '', argAt, true, fail)) {
          const eq = part.indexOf('=');
          const open = part.indexOf('(');
          const key = (open >= 0 && (eq < 0 || open < eq) ? part.slice(0, open) : eq >= 0 ? part.slice(0, eq) : part).trim();
          const value = eq >= 0 ? part.slice(eq + 1).trim() : '';
          const valueAt = partAt + eq + 1;
          const inner = open >= 0 ? part.slice(open + 1, part.lastIndexOf(')')) : undefined;
          switch (key) {
            case 'commit':
              ctAction.commit = true;
              continue;
            case 'force':
              ctAction.force = true;
              continue;
            case 'table':
              ctAction.table = integer(value, 254, valueAt, 'ct table', fail);
              continue;
            case 'zone':
              if (/^(0x[0-9a-f]+|\d+)$/i.test(value)) ctAction.zone = integer(value, 0xffff, valueAt, 'ct zone', fail);
              else {
                const sub = parseSubField(value, valueAt, fail);
                if (sub.bits !== 16) fail(valueAt, `ct zone ${value}: zone n_bits ${sub.bits} not within valid range [16..16] (OVS refuses: OFPBAC_BAD_SET_LEN)`);
                ctAction.zoneSrc = sub;
              }
              continue;
            case 'alg':
              ctAction.alg = value === 'ftp' ? 21 : value === 'tftp' ? 69 : integer(value, 0xffff, valueAt, 'ct alg', fail);
              continue;
            case 'nat':
              ctAction.nat = parseNat(inner, partAt + open + 1, fail);
              continue;
            case 'exec': {
              ctAction.actions = inner === undefined || inner.trim() === '' ? [] : parseActions(inner, partAt + open + 1, match, options, fail, { ...context, ct: true, tags });
              const other = ctAction.actions.find((x) => x.type !== 'set_field' && x.type !== 'load' && x.type !== 'move');
              if (other !== undefined) fail(partAt, `ct action doesn't support nested action ${other.type}`);
              continue;
            }
          }
          fail(partAt, `invalid argument to "ct" action: \`${part}'`);
        }
        if (ctAction.force && !ctAction.commit) fail(at, '"force" flag requires "commit" flag');
        // OVS's check_CT: an invalid packet cannot be committed (the datapath would refuse the flow).
        if (ctAction.commit && match !== undefined && (match.values[W.CT_STATE]! & match.masks[W.CT_STATE]! & CS.INV) !== 0) fail(at, 'ct(commit) cannot commit what the match proves invalid (ct_state +inv) (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))');
        // OVS's decode_NXAST_RAW_CT: only a bare nat may go without commit.
        if (!ctAction.commit && (ctAction.actions.length > 0 || ctAction.nat?.kind !== undefined)) fail(at, 'CT action requires commit flag if actions other than NAT without arguments are specified (OVS refuses: OFPBAC_BAD_ARGUMENT)');
        // OVS's check_CT: the FTP helper needs TCP, the TFTP one UDP.
        if (ctAction.alg !== 0 && match !== undefined && !needMet(match, ctAction.alg === 21 ? 'tcp' : 'udp')) fail(at, `ct alg=${ctAction.alg === 21 ? 'ftp needs tcp' : ctAction.alg === 69 ? 'tftp needs udp' : `${ctAction.alg} names no helper`} in the match (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
        actions.push(ctAction);
        continue;
      }
      case 'goto_table': {
        order(4, at);
        const table = integer(need('a table'), 254, argAt, 'goto_table', fail);
        if (table <= context.table) fail(argAt, `goto_table:${table} must go to a later table than this flow's table ${context.table} (OVS refuses: OFPBIC_BAD_TABLE_ID)`);
        actions.push({ type: 'goto_table', table });
        continue;
      }
      case 'write_metadata': {
        order(3, at);
        context.usable.only11 ??= { at, name, instruction: true };
        const field = fieldByName('metadata')!;
        const { value, mask } = fieldValue(field, need('VALUE[/MASK]'), argAt, options, fail);
        actions.push({ type: 'write_metadata', value, mask });
        continue;
      }
      case 'write_actions': {
        order(2, at);
        // An empty action set is allowed (it writes nothing), as OVS has it.
        const written = arg === undefined || arg.trim() === '' ? [] : parseActions(arg, argAt, match, options, fail, { ...context, actionSet: true, tags });
        // After its actions: a push_vlan in it needs 1.1+ in any form (OVS refuses the flow), which outranks the instruction.
        context.usable.only11 ??= { at, name, instruction: true };
        actions.push({ type: 'write_actions', actions: written });
        continue;
      }
      case 'learn': {
        refusedInSet(at, 'learn');
        actions.push({ type: 'learn', learn: parseLearn(arg ?? '', argAt, t, match, options, fail) });
        continue;
      }
      case 'set_queue':
        actions.push({ type: 'set_queue', queue: integer(need('a queue id (set_queue:1)'), 0xffffffff, argAt, 'set_queue', fail) });
        continue;
      case 'enqueue': {
        // As OVS's parse_ENQUEUE: enqueue:PORT:QUEUE or enqueue(PORT,QUEUE).
        refusedInSet(at, 'enqueue', '; write set_queue and output');
        const a = need('a port and a queue (enqueue:PORT:QUEUE or enqueue(PORT,QUEUE))');
        const split = a.search(/[:,]/);
        if (split < 0) fail(argAt, '"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"');
        const portText = a.slice(0, split).trim();
        const port = portNumber(portText, options) ?? fail(argAt, `${portText}: enqueue to unknown port`);
        // OVS's check_ENQUEUE: a physical port, IN_PORT or LOCAL.
        if (port >= OFPP_MAX && port !== OFPP_IN_PORT && port !== OFPP_LOCAL) fail(argAt, `enqueue:${portText}: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT): enqueue sends to a physical port, IN_PORT or LOCAL`);
        actions.push({ type: 'enqueue', port, queue: integer(a.slice(split + 1).trim(), 0xffffffff, argAt + split + 1, 'enqueue queue', fail) });
        continue;
      }
      case 'pop_queue':
        refusedInSet(at, 'pop_queue');
        if (arg !== undefined) fail(argAt, 'pop_queue takes no argument');
        actions.push({ type: 'pop_queue' });
        continue;
      case 'meter': {
        // An instruction, first of all (OVS's ofpacts_verify), once, and in a flow only; whether the meter exists is the switch's to say.
        if (context.clone) fail(at, "clone action doesn't support nested action meter");
        if (context.actionSet || context.instructions === undefined) fail(at, 'meter instruction not allowed here (a meter belongs to a flow, before its actions)');
        if (context.instructions!.meter !== undefined) fail(at, 'instruction meter may be specified only once');
        if (actions.length > 0 || stage > 0) fail(at, `invalid instruction ordering: meter must appear before ${stage > 0 ? STAGES[stage] : 'apply_actions'}`);
        const id = integer(need('a meter id'), 0xffffffff, argAt, 'meter', fail);
        if (id === 0 || id > OFPM_MAX) fail(argAt, `meter:${id}: a flow's meter is 1 to ${OFPM_MAX} (OVS refuses: OFPMMFC_INVALID_METER)`);
        context.instructions!.meter = id;
        continue;
      }
      case 'group':
        // Whether the group exists is the switch's to say (OVS refuses with OFPBAC_BAD_OUT_GROUP).
        actions.push({ type: 'group', group: integer(need('a group id'), 0xffffffff, argAt, 'group', fail) });
        continue;
      case 'exit':
        fail(argAt, 'exit takes no argument (ovs-ofctl ignores one)');
      case 'note': {
        // As OVS's parse_NOTE: pairs of hex digits, dots anywhere between them.
        const hexits = (arg ?? '').replace(/\./g, '');
        if (!/^([0-9a-f]{2})*$/i.test(hexits)) fail(argAt, "bad hex digit in `note' argument");
        refusedInSet(at, 'note');
        // NXAST_NOTE pads the action to 8 bytes with zeros, and OVS reads them back as note bytes.
        const bytes = new Uint8Array(6 + 8 * Math.ceil(Math.max(0, hexits.length / 2 - 6) / 8));
        for (let i = 0; i < hexits.length / 2; i++) bytes[i] = parseInt(hexits.slice(2 * i, 2 * i + 2), 16);
        actions.push({ type: 'note', bytes });
        continue;
      }
      case 'conjunction': {
        if (context.actionSet) fail(at, 'conjunction is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)');
        // As OVS's sscanf("%i , %hhu / %hhu"): the id in decimal, hex or octal, kept to 32 bits.
        const m = /^\s*([+-]?(?:0x[0-9a-f]+|\d+))\s*,\s*(\d+)\s*\/\s*(\d+)\s*$/i.exec(arg ?? '');
        if (!m || Number(m[2]) > 255 || Number(m[3]) > 255) fail(at, '"conjunction" syntax is "conjunction(id,i/n)"');
        const clauses = Number(m![3]);
        const clause = Number(m![2]);
        if (clauses < 2) fail(argAt, 'conjunction must have at least 2 clauses');
        if (clauses > 64) fail(argAt, 'conjunction must have at most 64 clauses');
        if (clause < 1) fail(argAt, 'clause index must be positive');
        if (clause > clauses) fail(argAt, 'clause index must be less than or equal to number of clauses');
        const text = m![1]!.replace(/^\+/, '');
        const negative = text.startsWith('-');
        const magnitude = BigInt(/^-?0[0-7]+$/.test(text) ? `0o${text.replace(/^-?0/, '')}` : text.replace(/^-/, ''));
        actions.push({ type: 'conjunction', id: Number(BigInt.asUintN(32, negative ? -magnitude : magnitude)), clause, clauses });
        continue;
      }
      case 'multipath':
      case 'bundle':
      case 'bundle_load':
        refusedInSet(at, name);
        actions.push(name === 'multipath' ? parseMultipath(need('fields, basis, algorithm, n_links, arg and a destination'), argAt, match, fail) : parseBundle(need('fields, basis, algorithm, ofport and members:…'), argAt, name === 'bundle_load', match, options, fail));
        continue;
      case 'check_pkt_larger': {
        // As OVS's parse_CHECK_PKT_LARGER: check_pkt_larger(LEN)->DST, DST one bit.
        if (context.actionSet) fail(at, 'check_pkt_larger is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)');
        const close = t.indexOf(')');
        const arrow = t.indexOf('->', close);
        if (paren < 0 || close < 0 || arrow < 0) fail(at, `${t.slice(paren + 1, close < 0 ? undefined : close)}: missing \`->'`);
        const dstText = t.slice(arrow + 2).trim();
        if (dstText === '') fail(at + arrow, `${t.slice(paren + 1)}: missing field name following \`->'`);
        const dst = parseSubField(dstText, at + arrow + 2, fail);
        if (dst.bits !== 1) fail(at + arrow + 2, 'Only 1-bit destination field is allowed');
        checkWritable(undefined, dst.field, at + arrow + 2, fail, 'load', subFieldName(dstText));
        const length = t.slice(paren + 1, close).trim();
        actions.push({ type: 'check_pkt_larger', length: integer(length, 0xffff, argAt, 'check_pkt_larger length', fail), dst });
        continue;
      }
      case 'clone': {
        // As OVS's parse_CLONE: an action list checked on its own copy of what the match proves (tags pushed inside stay inside).
        refusedInSet(at, 'clone');
        const inner = arg === undefined || arg.trim() === '' ? [] : parseActions(arg, argAt, match, options, fail, { table: context.table, actionSet: false, tags: tags.slice(), usable: context.usable, clone: true });
        actions.push({ type: 'clone', actions: inner });
        continue;
      }
      case 'fin_timeout': {
        refusedInSet(at, 'fin_timeout');
        // OVS's check_FIN_TIMEOUT: OpenFlow 1.1+ wants tcp in the match; 1.0 takes it anywhere (only TCP packets carry FIN or RST).
        inconsistent(!proven('tcp'), at, name, () => fail(at, 'fin_timeout needs tcp in the match, as OVS requires for OpenFlow 1.1+ (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))'));
        const timeouts = { idle_timeout: 0, hard_timeout: 0 };
        for (const { text: part, at: partAt } of splitTop(arg ?? '', argAt, false, fail)) {
          const split = part.search(/[:=]/);
          const key = split < 0 ? part : part.slice(0, split);
          if (key !== 'idle_timeout' && key !== 'hard_timeout') fail(partAt, `invalid key '${key}' in 'fin_timeout' argument`);
          timeouts[key] = integer(split < 0 ? '' : part.slice(split + 1), 0xffff, partAt + split + 1, key, fail);
        }
        actions.push({ type: 'fin_timeout', idleTimeout: timeouts.idle_timeout, hardTimeout: timeouts.hard_timeout });
        continue;
      }
      case 'sample':
        refusedInSet(at, 'sample');
        actions.push(parseSample(arg ?? '', argAt, options, fail));
        continue;
      case 'set_tunnel':
      case 'set_tunnel64': {
        const value = parseBig(need('a tunnel id')) ?? fail(argAt, `${name}: "${arg}" is not a number`);
        // A set_tunnel wider than 32 bits is a set_tunnel64, as ovs-ofctl encodes it.
        if (value >= 1n << 64n) fail(argAt, `${name}: ${arg} is too wide`);
        actions.push({ type: 'set_field', field: fieldByName('tun_id')!, value, mask: (1n << 64n) - 1n });
        continue;
      }
    }
    if (NOT_YET_ACTIONS.has(name)) fail(at, `${name} is an Open vSwitch action netloom does not support yet`);
    if (TEST_ACTIONS.has(name)) fail(at, `${name} is an action of Open vSwitch's own tests: ovs-vswitchd refuses it (OFPBAC_BAD_VENDOR_TYPE) unless started with --enable-dummy`);
    fail(at, `unknown action "${name}"`);
  }
  // OVS's ofpacts_verify: conjunction stands alone, or beside note.
  const other = actions.find((a) => a.type !== 'conjunction' && a.type !== 'note');
  if (other !== undefined && actions.some((a) => a.type === 'conjunction')) {
    fail(offset, `"conjunction" actions may be used along with "note" but not any other kind of action (such as the "${other.type}" action used here)`);
  }
  if (actions.some((a) => a.type === 'drop') && actions.length > 1) {
    fail(offset, '"drop" must not be accompanied by any other action or instruction');
  }
  return actions.filter((a) => a.type !== 'drop');
}

const hex = (n: bigint | number) => `0x${n.toString(16)}`;

/** A match as ovs-ofctl prints it: the protocol shorthand, then fields. */
export function formatMatch(match: Match): string {
  const type = exact(match, W.DL_TYPE, 0xffff);
  const proto = exact(match, W.NW_PROTO, 0xff);
  const icmp = (type === ETH_IP && proto === 1) || (type === ETH_IPV6 && proto === 58);
  // OVS's match_format: pkt_mark, conj_id and the ct fields come before the protocol.
  const parts: string[] = [];
  const mark = fieldByName('pkt_mark')!;
  if (match.masks[W.PKT_MARK] !== 0) parts.push(`pkt_mark=${formatValue(mark, readField(match.values, mark))}${match.masks[W.PKT_MARK] === 0xffffffff ? '' : `/${formatMaskFor(mark, readField(match.masks, mark))}`}`);
  if (match.masks[W.CONJ_ID] !== 0) parts.push(`conj_id=${match.values[W.CONJ_ID]}`);
  parts.push(...formatCtMatch(match, (name) => fieldByName(name)!));
  let shorthand: string | undefined;
  for (const [name, [t, p]] of Object.entries(SHORTHANDS)) {
    if (t === type && p === proto && name !== 'rarp') shorthand = name;
  }
  if (shorthand === undefined) for (const [name, [t, p]] of Object.entries(SHORTHANDS)) if (t === type && p === undefined) shorthand = name;
  if (shorthand) parts.push(shorthand);
  const tci = match.masks[W.VLAN_TCI]!;
  const vlanValue = match.values[W.VLAN_TCI]!;
  for (const field of FIELDS_FOR_PRINT) {
    // nw_tos is its DSCP bits (nw_ecn, printed on its own, shares the word).
    const mask = readField(match.masks, field) & (field.name === 'nw_tos' ? 0xfcn : -1n);
    if (mask === 0n) continue;
    if (field.name === 'dl_type' && shorthand) continue;
    if (ND_FIELDS.has(field.name) !== (type === ETH_IPV6) && (ND_FIELDS.has(field.name) || field.name === 'arp_sha' || field.name === 'arp_tha')) continue;
    if (field.name === 'nw_proto' && shorthand && SHORTHANDS[shorthand]![1] !== undefined) continue;
    if (field.name === 'vlan_tci') {
      if (tci === 0x1fff && (vlanValue & VLAN_CFI)) parts.push(`dl_vlan=${vlanValue & 0xfff}`);
      else if (tci === 0xf000 && (vlanValue & VLAN_CFI)) parts.push(`dl_vlan_pcp=${vlanValue >>> 13}`);
      else if (tci === 0xffff && vlanValue & VLAN_CFI) parts.push(`dl_vlan=${vlanValue & 0xfff},dl_vlan_pcp=${vlanValue >>> 13}`);
      // As OVS's format_be16_masked: four hex digits each.
      else parts.push(`vlan_tci=${hex16(vlanValue)}${tci === 0xffff ? '' : `/${hex16(tci)}`}`);
      continue;
    }
    const value = readField(match.values, field);
    if (field.kind === 'tcp_flags') {
      parts.push(`tcp_flags=${formatTcpFlags(Number(value), Number(mask))}`);
      continue;
    }
    if (field.kind === 'frag') {
      parts.push(`nw_frag=${formatIpFrag(Number(value), Number(mask))}`);
      continue;
    }
    if (field.kind === 'tun_flags') {
      parts.push(`tun_flags=${formatTunFlags(Number(value), Number(mask))}`);
      continue;
    }
    if (icmp && (field.name === 'tp_src' || field.name === 'tp_dst')) {
      // As OVS's format_be16_masked of tp_src and tp_dst, which hold ICMP's type and code.
      parts.push(`${field.name === 'tp_src' ? 'icmp_type' : 'icmp_code'}=${(mask & 0xffn) === 0xffn ? value : `${hex(value)}/${hex(mask)}`}`);
      continue;
    }
    // nw_tos is matched on its DSCP bits: 0xfc is its whole mask.
    const full = field.name === 'nw_tos' ? 0xfcn : (1n << BigInt(field.bits)) - 1n;
    const arp = type === ETH_ARP || type === ETH_RARP;
    const name = arp && field.name === 'nw_src' ? 'arp_spa' : arp && field.name === 'nw_dst' ? 'arp_tpa' : arp && field.name === 'nw_proto' ? 'arp_op' : field.name;
    if (field.name === 'ipv6_label') {
      // As match_format: five hex digits, value and mask.
      const label = (n: bigint) => `0x${n.toString(16).padStart(5, '0')}`;
      parts.push(`ipv6_label=${label(value)}${mask === full ? '' : `/${label(mask)}`}`);
      continue;
    }
    // As OVS's format_be16_masked: a number printed in decimal is hex, value and mask, under a mask.
    if (mask !== full && field.kind === 'int' && field.bits <= 16 && !HEX_NARROW.has(field.name)) parts.push(`${name}=${hex(value)}/${hex(mask)}`);
    else parts.push(`${name}=${formatValue(field, value)}${mask === full ? '' : `/${formatMaskFor(field, mask)}`}`);
  }
  return parts.join(',');
}

const hex16 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;

/** In OVS's match_format order: registers, tunnel, metadata, then in_port and the packet's fields. */
const FIELDS_FOR_PRINT = [
  ...Array.from({ length: 16 }, (_, i) => `reg${i}`), 'tun_id', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_gbp_id', 'tun_gbp_flags', 'tun_flags', 'metadata',
  'in_port', 'vlan_tci', 'dl_src', 'dl_dst', 'dl_type', 'nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'ipv6_label', 'nw_proto', 'arp_sha', 'arp_tha',
  'nw_tos', 'nw_ecn', 'nw_ttl', 'mpls_label', 'mpls_tc', 'mpls_ttl', 'mpls_bos', 'ip_frag', 'tp_src', 'tp_dst', 'nd_target', 'nd_sll', 'nd_tll', 'nd_reserved', 'nd_options_type', 'tcp_flags',
].map((n) => fieldByName(n)!);
/** ND's link-layer addresses share ARP's words: an IPv6 match names them nd_sll and nd_tll, after ICMPv6's code, as OVS prints them. */
const ND_FIELDS = new Set(['nd_target', 'nd_sll', 'nd_tll']);

function formatValue(field: FieldDef, value: bigint): string {
  switch (field.kind) {
    case 'mac':
      return numberToMac(value);
    case 'ipv4':
      return numberToIpv4(Number(value));
    case 'ipv6':
      return numberToIpv6(value);
    case 'port':
      // As ofputil_format_port: a reserved port by its name.
      return portText(Number(value));
    case 'tun_flags':
      return formatTunFlagValue(Number(value));
    default:
      if (field.bits <= 16 ? !HEX_NARROW.has(field.name) : DECIMAL_WIDE.has(field.name)) return value.toString();
      // C's %#x, as OVS prints these: 0 is "0", not "0x0".
      return value === 0n && field.name !== 'dl_type' ? '0' : hex(value);
  }
}

/** Fields of 16 bits or fewer OVS prints in hex, and wider ones it prints in decimal (meta-flow's "Formatting"). */
const HEX_NARROW = new Set(['dl_type', 'vlan_tci', 'tun_gbp_flags']);
const DECIMAL_WIDE = new Set(['nd_reserved', 'mpls_label']);

/** A mask as ovs-ofctl prints it: an address's as a prefix length where it is one, else as an address; a MAC's as a MAC; a number's in hex. */
function formatMaskFor(field: FieldDef, mask: bigint): string {
  if (field.kind === 'ipv4' || field.kind === 'ipv6') {
    const bits = field.bits;
    for (let len = 0; len <= bits; len++) if (mask === (len === 0 ? 0n : (((1n << BigInt(bits)) - 1n) >> BigInt(bits - len)) << BigInt(bits - len))) return String(len);
  }
  return field.kind === 'mac' || field.kind === 'ipv4' || field.kind === 'ipv6' ? formatValue(field, mask) : hex(mask);
}

/**
 * A subfield as ovs-ofctl prints it: by its NXM name (OXM where there is none). `l4`, the IP
 * protocol the flow's match proves, names tp_src and tp_dst as OVS's own fields: NXM_OF_UDP_DST
 * under udp, OXM_OF_SCTP_DST under sctp (netloom keeps one field for the three).
 */
export function subText(s: SubField, l4?: number): string {
  const own = l4 === undefined ? undefined : L4_NAMES[l4]?.[s.field.name]?.nxm;
  const nxm = own ?? s.field.aliases.find((a) => a.startsWith('NXM_')) ?? s.field.aliases.find((a) => /^(ERIC)?OXM_/.test(a)) ?? s.field.name;
  return `${nxm}[${s.start === 0 && s.bits === s.field.bits ? '' : s.bits === 1 ? s.start : `${s.start}..${s.start + s.bits - 1}`}]`;
}

/** OXM names ovs-ofctl prints in set_field for fields whose classic name differs. */
const SET_FIELD_NAMES = names<string>({ dl_src: 'eth_src', dl_dst: 'eth_dst', nw_src: 'ip_src', nw_dst: 'ip_dst' });
/** tp_src and tp_dst by the protocol the match proves: OVS's tcp_*, udp_* and sctp_* fields. */
const L4_NAMES: Readonly<Record<number, Readonly<Record<string, { set: string; nxm: string }>>>> = {
  6: { tp_src: { set: 'tcp_src', nxm: 'NXM_OF_TCP_SRC' }, tp_dst: { set: 'tcp_dst', nxm: 'NXM_OF_TCP_DST' } },
  17: { tp_src: { set: 'udp_src', nxm: 'NXM_OF_UDP_SRC' }, tp_dst: { set: 'udp_dst', nxm: 'NXM_OF_UDP_DST' } },
  132: { tp_src: { set: 'sctp_src', nxm: 'OXM_OF_SCTP_SRC' }, tp_dst: { set: 'sctp_dst', nxm: 'OXM_OF_SCTP_DST' } },
};

/** A port as ovs-ofctl prints it without --names: by number, a reserved one by its name (ofputil_format_port). */
const portText = (port: number) => RESERVED_PORT_NAMES[port] ?? String(port);

/**
 * Actions as ovs-ofctl prints them (ports by number, as dump-flows without --names), in a flow
 * with `match` (which names the transport fields they write: udp_dst under udp).
 */
export function formatActions(actions: readonly Action[], match?: Match): string {
  if (actions.length === 0) return 'drop';
  const l4 = match === undefined ? undefined : exact(match, W.NW_PROTO, 0xff);
  const sub = (s: SubField) => subText(s, l4);
  return actions
    .map((a): string => {
      switch (a.type) {
        case 'output':
          // OVS's format_OUTPUT: a reserved port by its name alone (LOCAL), a physical one as output:N.
          return a.port >= OFPP_MAX ? portText(a.port) : `output:${a.port}`;
        case 'output_reg':
          return `output:${sub(a.src)}`;
        case 'in_port':
          return 'IN_PORT';
        case 'normal':
          return 'NORMAL';
        case 'flood':
          return 'FLOOD';
        case 'all':
          return 'ALL';
        case 'controller':
          // As OVS's format_CONTROLLER: the short form for reason action; max_len only when not 65535.
          return a.reason === 'action' ? `CONTROLLER:${a.maxLen}` : `controller(reason=${a.reason}${a.maxLen === 65535 ? '' : `,max_len=${a.maxLen}`})`;
        case 'drop':
          return 'drop';
        case 'push_vlan':
          return `push_vlan:${hex(a.tpid)}`;
        case 'push_mpls':
        case 'pop_mpls':
          // As format_PUSH_MPLS and format_POP_MPLS: four hex digits.
          return `${a.type}:0x${a.ethertype.toString(16).padStart(4, '0')}`;
        case 'dec_mpls_ttl':
          return 'dec_mpls_ttl';
        case 'pop_vlan':
          return a.strip ? 'strip_vlan' : 'pop_vlan';
        case 'mod_vlan': {
          const oxm = `set_field:${a.what === 'vid' ? `${0x1000 | a.value}->vlan_vid` : `${a.value}->vlan_pcp`}`;
          return a.push ? `push_vlan:0x8100,${oxm}` : a.oxm ? oxm : `mod_vlan_${a.what}:${a.value}`;
        }
        case 'set_field':
          if (a.legacy && a.field.word === W.MPLS_LSE) return `set_${a.field.name}(${a.value})`;
          if (a.legacy) return a.field.name === 'ip_dscp' ? `mod_nw_tos:${a.value << 2n}` : `mod_${a.field.name}:${formatValue(a.field, a.value)}`;
          return `set_field:${formatValue(a.field, a.value)}${a.mask === (1n << BigInt(a.field.bits)) - 1n ? '' : `/${formatMaskFor(a.field, a.mask)}`}->${(l4 === undefined ? undefined : L4_NAMES[l4]?.[a.field.name]?.set) ?? SET_FIELD_NAMES[a.field.name] ?? a.field.name}`;
        case 'load':
          // printf's %#x, as OVS uses: 0 has no 0x.
          return `load:${a.value === 0n ? '0' : hex(a.value)}->${sub(a.dst)}`;
        case 'move':
          return `move:${sub(a.src)}->${sub(a.dst)}`;
        case 'dec_ttl':
          return 'dec_ttl';
        case 'set_ttl':
          return `mod_nw_ttl:${a.ttl}`;
        case 'resubmit':
          if (a.outputTable) return 'TABLE';
          return a.table === undefined && !a.ct ? `resubmit:${portText(a.port!)}` : `resubmit(${a.port === undefined || a.port === OFPP_IN_PORT ? '' : portText(a.port)},${a.table ?? ''}${a.ct ? ',ct' : ''})`;
        case 'ct':
          return formatCt(a, (inner) => formatActions(inner, match), sub);
        case 'ct_clear':
          return 'ct_clear';
        case 'goto_table':
          return `goto_table:${a.table}`;
        case 'write_metadata':
          return `write_metadata:${hex(a.value)}${a.mask === (1n << 64n) - 1n ? '' : `/${hex(a.mask)}`}`;
        case 'clear_actions':
          return 'clear_actions';
        case 'write_actions':
          return `write_actions(${formatActions(a.actions, match)})`;
        case 'learn':
          return a.learn.text;
        case 'group':
          return `group:${a.group}`;
        case 'set_queue':
          return `set_queue:${a.queue}`;
        case 'enqueue':
          return `enqueue:${a.port === OFPP_IN_PORT ? 'IN_PORT' : a.port === OFPP_LOCAL ? 'LOCAL' : a.port}:${a.queue}`;
        case 'pop_queue':
          return 'pop_queue';
        case 'conjunction':
          return `conjunction(${a.id},${a.clause}/${a.clauses})`;
        case 'note':
          return `note:${Array.from(a.bytes, (b) => b.toString(16).padStart(2, '0')).join('.')}`;
        case 'exit':
          return 'exit';
        case 'output_trunc':
          return `output(port=${a.port === OFPP_IN_PORT ? 'IN_PORT' : portText(a.port)},max_len=${a.maxLen})`;
        case 'check_pkt_larger':
          return `check_pkt_larger(${a.length})->${sub(a.dst)}`;
        case 'clone':
          return `clone(${formatActions(a.actions, match)})`;
        case 'fin_timeout':
          return `fin_timeout(${[a.idleTimeout && `idle_timeout=${a.idleTimeout}`, a.hardTimeout && `hard_timeout=${a.hardTimeout}`].filter(Boolean).join(',')})`;
        case 'sample':
          return `sample(probability=${a.probability},collector_set_id=${a.collectorSetId},obs_domain_id=${a.obsDomainId},obs_point_id=${a.obsPointId}${a.samplingPort === OFPP_NONE ? '' : `,sampling_port=${portText(a.samplingPort)}`}${a.direction === 'default' ? '' : `,${a.direction}`})`;
        case 'multipath':
          return `multipath(${a.fields},${a.basis},${a.algorithm},${a.links},${a.arg},${sub(a.dst)})`;
        case 'bundle':
          return `${a.dst ? 'bundle_load' : 'bundle'}(${a.fields},${a.basis},${a.algorithm},ofport,${a.dst ? `${sub(a.dst)},` : ''}members:${a.members.map(portText).join(',')})`;
      }
    })
    .join(',');
}

/** A flow's instructions as ovs-ofctl prints them: the meter first (`meter:1,output:2`), `drop` for nothing at all. */
export function formatInstructions(meter: number | undefined, actions: readonly Action[], match?: Match): string {
  if (meter === undefined) return formatActions(actions, match);
  return actions.length === 0 ? `meter:${meter}` : `meter:${meter},${formatActions(actions, match)}`;
}

/** One dump-flows line, counters included. */
export function formatRule(rule: Rule, now: number): string {
  const duration = ((now - rule.created) / 1e9).toFixed(3);
  const head = [`cookie=${hex(rule.cookie)}`, `duration=${duration}s`, `table=${rule.table}`, `n_packets=${rule.packets}`, `n_bytes=${rule.bytes}`];
  if (rule.idleTimeout) head.push(`idle_timeout=${rule.idleTimeout}`);
  if (rule.hardTimeout) head.push(`hard_timeout=${rule.hardTimeout}`);
  // After the timeouts (and flags), as ofputil_flow_stats_format prints it.
  if (rule.importance) head.push(`importance=${rule.importance}`);
  const match = [rule.priority !== DEFAULT_PRIORITY ? `priority=${rule.priority}` : '', rule.matchText].filter(Boolean).join(',');
  return ` ${head.join(', ')}, ${match ? `${match} ` : ''}actions=${formatInstructions(rule.meter, rule.actions, rule.match)}`;
}

const GROUP_TYPE_NAMES = names<GroupType>({ all: 'all', select: 'select', indirect: 'indirect', ff: 'ff', fast_failover: 'ff' });
/** Keys ovs-ofctl reads for OpenFlow 1.5 only: under -O OpenFlow13 it drops them without a word. */
const OF15_GROUP_KEYS = new Set(['selection_method', 'selection_method_param', 'fields']);

/**
 * A group in ovs-ofctl syntax (OVS's parse_ofp_group_mod_str), as `-O OpenFlow13` reads it:
 * `group_id=1,type=select,bucket=weight:10,output:1,bucket=weight:20,actions=output:2`.
 * Everything from the first `bucket=` on is buckets; in a bucket, `weight`, `watch_port` and
 * `watch_group` are its properties, `actions=` (or `action=`) is optional, and the rest are
 * actions, run as an action set. What OpenFlow 1.3 cannot carry (selection_method, fields,
 * bucket_id) is refused rather than dropped. Errors point at the column.
 */
export function parseGroup(text: string, options: ParseOptions = {}): Group {
  const parsed = parseGroupText(text, false, options);
  // group_id=all reaches the switch as OFPG_ALL, which it refuses as a group to add or modify.
  return { id: parsed.id === 'all' ? OFPG_ALL : parsed.id, type: parsed.type!, buckets: parsed.buckets, packets: 0, bytes: 0, created: 0 };
}

/** The groups ovs-ofctl del-groups names: `group_id=N`, or every one (`group_id=all`, or no text). */
export function parseGroupSelector(text: string, options: ParseOptions = {}): number | 'all' {
  return parseGroupText(text, true, options).id;
}

/** Group text; `deleting` for del-groups, which names groups only. */
function parseGroupText(text: string, deleting: boolean, options: ParseOptions): { id: number | 'all'; type: GroupType | undefined; buckets: Bucket[] } {
  const fail = (at: number, reason: string): never => {
    throw new FlowSyntaxError(text, at + 1, reason, options.where);
  };
  if (deleting && text === '') return { id: 'all', type: undefined, buckets: [] };
  const bucketsAt = text.indexOf('bucket=');
  if (bucketsAt >= 0 && deleting) fail(bucketsAt, 'bucket is not needed (del-groups deletes whole groups)');
  let id: number | 'all' | undefined;
  let type: GroupType | undefined;
  for (const { key, value, at, valueAt } of keyValues(text.slice(0, bucketsAt < 0 ? text.length : bucketsAt), 0, fail)) {
    if (key === 'group_id') {
      if (value === 'all') id = 'all';
      else {
        const n = integer(value, 0xffffffff, valueAt, 'group_id', fail);
        if (n > OFPG_MAX) fail(valueAt, `invalid group id ${n} (at most ${OFPG_MAX}; "all" names every group)`);
        id = n;
      }
    } else if (key === 'type') {
      if (deleting) fail(at, 'type is not needed (del-groups deletes whole groups)');
      type = GROUP_TYPE_NAMES[value] ?? fail(valueAt, `invalid group type ${value} (all, select, indirect, ff or fast_failover)`);
    } else if (OF15_GROUP_KEYS.has(key)) {
      fail(at, `${key} is OpenFlow 1.5's (ovs-ofctl -O OpenFlow13 drops it without a word); netloom's select groups choose as OVS does by default`);
    } else if (key === 'command_bucket_id') {
      fail(at, 'command bucket id is not needed (insert_bucket and remove_bucket are OpenFlow 1.5 commands)');
    } else fail(at, `unknown keyword ${key}`);
  }
  if (id === undefined) fail(bucketsAt < 0 ? text.length : bucketsAt, 'must specify a group_id');
  if (deleting) return { id: id!, type: undefined, buckets: [] };
  if (type === undefined) fail(bucketsAt < 0 ? text.length : bucketsAt, 'must specify a type (all, select, indirect or ff)');
  const buckets: Bucket[] = [];
  for (let start = bucketsAt; start >= 0; ) {
    const contentAt = start + 'bucket='.length;
    const next = text.indexOf('bucket=', contentAt);
    const end = next < 0 ? text.length : next;
    buckets.push(parseBucket(text.slice(contentAt, end), contentAt, start, type!, options, fail));
    if (type !== 'select' && buckets[buckets.length - 1]!.weight !== 0) fail(start, 'only select groups can have bucket weights');
    start = next;
  }
  if (type === 'indirect' && buckets.length > 1) fail(text.indexOf('bucket=', bucketsAt + 1), 'indirect groups can have at most one bucket');
  return { id: id!, type, buckets };
}

/** key=value (or key:value) pairs separated by commas or white space, as OVS's ofputil_parse_key_value splits them. */
function keyValues(text: string, offset: number, fail: Fail): { key: string; value: string; at: number; valueAt: number }[] {
  return splitTop(text, offset, false, fail).map(({ text: t, at }) => {
    const delim = t.search(/[=:]/);
    const key = delim < 0 ? t : t.slice(0, delim);
    if (delim < 0 || delim === t.length - 1) fail(at, `${key} needs a value`);
    return { key, value: t.slice(delim + 1), at, valueAt: at + delim + 1 };
  });
}

/** One bucket's text (after `bucket=`, at `at`); `bucketAt` is where its `bucket=` is. */
function parseBucket(text: string, at: number, bucketAt: number, type: GroupType, options: ParseOptions, fail: Fail): Bucket {
  const bucket: Bucket = { weight: type === 'select' ? 1 : 0, watchPort: OFPP_NONE, watchGroup: OFPG_ANY, actions: [], packets: 0, bytes: 0 };
  // The actions keep their columns: the bucket's own keys, and an actions= before them, become blanks.
  let actionsText = text;
  const blank = (from: number, length: number) => {
    actionsText = actionsText.slice(0, from) + ' '.repeat(length) + actionsText.slice(from + length);
  };
  let anyAction = false;
  for (const { text: t, at: tokenAt } of splitTop(text, at, true, fail)) {
    const from = tokenAt - at;
    const delim = t.search(/[=:(]/);
    const key = delim < 0 ? t : t.slice(0, delim);
    const value = t.slice(delim + 1);
    const valueAt = tokenAt + delim + 1;
    switch (delim < 0 || t[delim] === '(' ? '' : key) {
      case 'weight':
        bucket.weight = integer(value, 0xffff, valueAt, 'weight', fail);
        blank(from, t.length);
        continue;
      case 'watch_port':
        bucket.watchPort = watchPort(value, valueAt, options, fail);
        blank(from, t.length);
        continue;
      case 'watch_group': {
        const group = integer(value, 0xffffffff, valueAt, 'watch_group', fail);
        if (group > OFPG_MAX) fail(valueAt, `invalid watch_group id ${group} (at most ${OFPG_MAX})`);
        bucket.watchGroup = group;
        blank(from, t.length);
        continue;
      }
      case 'bucket_id':
        fail(tokenAt, 'bucket_id is OpenFlow 1.5\'s (ovs-ofctl -O OpenFlow13 drops it without a word): OpenFlow 1.3 numbers buckets from 0');
      case 'action':
      case 'actions':
        blank(from, delim + 1);
        break;
    }
    anyAction = true;
  }
  if (!anyAction) fail(bucketAt, 'bucket must specify actions');
  if (type === 'ff' && bucket.watchPort === OFPP_NONE && bucket.watchGroup === OFPG_ANY) fail(bucketAt, 'fast failover bucket requires watch_port or watch_group');
  bucket.actions = parseActions(actionsText, at, undefined, options, fail, { table: 0, actionSet: true, bucket: true, usable: {} });
  return bucket;
}

/** A bucket's watch_port: a port below OFPP_MAX (0xff00) by number or name, CONTROLLER, or ANY (none). */
function watchPort(text: string, at: number, options: ParseOptions, fail: Fail): number {
  if (text === 'ANY' || text === 'NONE') return OFPP_NONE;
  if (text === 'CONTROLLER') return OFPP_CONTROLLER;
  const port = options.ports?.get(text) ?? integer(text, 0xffff, at, 'watch_port', fail);
  if (port >= OFPP_MAX && port !== OFPP_NONE && port !== OFPP_CONTROLLER) fail(at, `${text}: invalid watch_port (a port below 0xff00, CONTROLLER or ANY)`);
  return port;
}

/** A group as ovs-ofctl -O OpenFlow13 dump-groups prints it. */
export function formatGroup(group: Group): string {
  const parts = [`group_id=${group.id}`, `type=${group.type}`];
  for (const b of group.buckets) {
    let bucket = 'bucket=';
    if (b.weight !== (group.type === 'select' ? 1 : 0)) bucket += `weight:${b.weight},`;
    if (b.watchPort !== OFPP_NONE) bucket += `watch_port:${b.watchPort === OFPP_CONTROLLER ? 'CONTROLLER' : b.watchPort},`;
    if (b.watchGroup !== OFPG_ANY) bucket += `watch_group:${b.watchGroup},`;
    parts.push(`${bucket}actions=${formatActions(b.actions)}`);
  }
  return ` ${parts.join(',')}`;
}

/** A group's counters as ovs-ofctl -O OpenFlow13 dump-group-stats prints them; `refs` is how many flows use it. */
export function formatGroupStats(group: Group, refs: number, now: number): string {
  const buckets = group.buckets.map((b, i) => `,bucket${i}:packet_count=${b.packets},byte_count=${b.bytes}`).join('');
  return ` group_id=${group.id},duration=${((now - group.created) / 1e9).toFixed(3)}s,ref_count=${refs},packet_count=${group.packets},byte_count=${group.bytes}${buckets}`;
}

/** Meter ids by the names ovs-ofctl reads and prints for them. */
const METER_NAMES: Record<string, number> = { all: OFPM_ALL, controller: OFPM_CONTROLLER, slowpath: OFPM_SLOWPATH };
const METER_FLAGS: Record<string, number> = { kbps: OFPMF.KBPS, pktps: OFPMF.PKTPS, burst: OFPMF.BURST, stats: OFPMF.STATS };

/**
 * A meter in ovs-ofctl syntax, as OVS's parse_ofp_meter_mod_str reads it for add-meter and
 * mod-meter: `meter=1 kbps burst stats bands=type=drop rate=1000 burst_size=100` (words split at
 * `=`, commas and white space; everything after the first `band…=` is bands, each opened by `type`).
 */
export function parseMeter(text: string, options: ParseOptions = {}): Meter {
  return parseMeterText(text, 'add', options) as Meter;
}

/** The meters ovs-ofctl del-meters and dump-meters name: `meter=N`, `meter=all`, or every one (no text). */
export function parseMeterSelector(text: string, options: ParseOptions = {}): number | 'all' {
  if (text.trim() === '') return 'all';
  const id = parseMeterText(text, 'select', options) as number;
  return id === OFPM_ALL ? 'all' : id;
}

/** Words of meter text (OVS's strtok_r on "=, \t\r\n"), each with its column. */
function meterWords(text: string, from: number, to: number): Token[] {
  const out: Token[] = [];
  for (const m of text.slice(from, to).matchAll(/[^=,\s]+/g)) out.push({ text: m[0], at: from + m.index });
  return out;
}

function parseMeterText(text: string, command: 'add' | 'select', options: ParseOptions): Meter | number {
  const fail = (at: number, reason: string): never => {
    throw new FlowSyntaxError(text, at + 1, reason, options.where);
  };
  let headEnd = text.length;
  let bandsAt = text.length;
  if (command === 'add') {
    headEnd = text.indexOf('band');
    const equals = headEnd < 0 ? -1 : text.indexOf('=', headEnd + 1);
    if (equals < 0) fail(text.length, 'must specify bands');
    bandsAt = equals + 1;
  }
  let id = 0;
  let flags = 0;
  const head = meterWords(text, 0, headEnd);
  for (let i = 0; i < head.length; i++) {
    const { text: name, at } = head[i]!;
    if (command === 'add' && name in METER_FLAGS) {
      flags |= METER_FLAGS[name]!;
      continue;
    }
    const value = head[++i] ?? fail(at, `field ${name} missing value`);
    if (name !== 'meter') fail(at, `unknown keyword ${name}`);
    const named = METER_NAMES[value.text];
    if (named !== undefined) id = named;
    else {
      id = integer(value.text, 0xffffffff, value.at, 'meter', fail);
      if (id === 0 || id > OFPM_MAX) fail(value.at, `invalid value for meter: ${id} (1 to ${OFPM_MAX}, or all, controller, slowpath)`);
    }
  }
  if (id === 0) fail(0, "must specify 'meter'");
  if (command === 'select') return id;
  if (flags === 0) fail(0, "meter must specify either 'kbps' or 'pktps'");
  const bands: { type: BandType; rate: number; burstSize: number; precLevel: number; at: number }[] = [];
  const words = meterWords(text, bandsAt, text.length);
  for (let i = 0; i < words.length; i++) {
    const { text: name, at } = words[i]!;
    const value = words[++i] ?? fail(at, `field ${name} missing value`);
    const current = bands[bands.length - 1];
    if (name === 'type') {
      if (value.text !== 'drop' && value.text !== 'dscp_remark') fail(value.at, `field type unknown value ${value.text} (drop or dscp_remark)`);
      bands.push({ type: value.text as BandType, rate: 0, burstSize: 0, precLevel: 0, at });
    } else if (current === undefined) fail(at, "band must start with the 'type' keyword");
    else if (name === 'rate') current.rate = integer(value.text, 0xffffffff, value.at, 'rate', fail);
    else if (name === 'burst_size') current.burstSize = integer(value.text, 0xffffffff, value.at, 'burst_size', fail);
    else if (name === 'prec_level') current.precLevel = integer(value.text, 0xff, value.at, 'prec_level', fail);
    else fail(at, `unknown keyword ${name}`);
  }
  if (bands.length === 0) fail(bandsAt, 'meter must have bands');
  for (const b of bands) {
    if (b.type === 'dscp_remark' && b.precLevel === 0) fail(b.at, "'dscp_remark' band must have 'prec_level'");
    if (b.type !== 'dscp_remark' && b.precLevel !== 0) fail(b.at, "Only 'dscp_remark' band may have 'prec_level'");
    if (b.rate === 0) fail(b.at, "band must have 'rate'");
    if ((flags & OFPMF.BURST) !== 0 && b.burstSize === 0) fail(b.at, "band must have 'burst_size' when 'burst' flag is set");
    if ((flags & OFPMF.BURST) === 0 && b.burstSize !== 0) fail(b.at, "band may have 'burst_size' only when 'burst' flag is set");
  }
  return { id, flags, bands: bands.map((b) => band(b.type, b.rate, b.burstSize, b.precLevel)), packets: 0, bytes: 0, created: 0, used: 0, maxElapsed: 0 };
}

/** A meter id as ovs-ofctl prints it after `meter` and `separator` (OVS's ofputil_format_meter_id). */
function meterIdText(id: number, separator: string): string {
  const name = Object.keys(METER_NAMES).find((k) => METER_NAMES[k] === id);
  return `meter${separator}${id <= OFPM_MAX ? id : (name ?? 'unknown')}`;
}

/** A meter as ovs-ofctl -O OpenFlow13 dump-meters prints it (ofputil_format_meter_config), one line for the meter and one per band. */
export function formatMeter(meter: Meter): string {
  const flags = Object.keys(METER_FLAGS).filter((k) => (meter.flags & METER_FLAGS[k]!) !== 0).map((k) => `${k} `).join('');
  const bands = meter.bands.map((b) => {
    let line = `type=${b.type} rate=${b.rate}`;
    if ((meter.flags & OFPMF.BURST) !== 0) line += ` burst_size=${b.burstSize}`;
    if (b.type === 'dscp_remark') line += ` prec_level=${b.precLevel}`;
    return `\n${line}`;
  });
  return `${meterIdText(meter.id, '=')} ${flags}bands=${bands.join('')}`;
}

/** A meter's counters as ovs-ofctl -O OpenFlow13 meter-stats prints them (ofputil_format_meter_stats); `flows` is how many flows use it. */
export function formatMeterStats(meter: Meter, flows: number, now: number): string {
  const bands = meter.bands.map((b, i) => `\n${i}: packet_count:${b.packets} byte_count:${b.bytes}`).join('');
  return `${meterIdText(meter.id, ':')} flow_count:${flows} packet_in_count:${meter.packets} byte_in_count:${meter.bytes} duration:${durationText(now - meter.created)} bands:${bands}`;
}

/** A duration as OVS's ofp_print_duration prints one kept in whole milliseconds: `5s`, `0.040s`. */
function durationText(ns: number): string {
  const ms = Math.max(0, Math.floor(ns / 1e6));
  const fraction = ms % 1000;
  return `${Math.floor(ms / 1000)}${fraction === 0 ? '' : `.${String(fraction).padStart(3, '0')}`}s`;
}
