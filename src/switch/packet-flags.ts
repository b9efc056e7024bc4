/**
 * tcp_flags, tun_flags and ip_frag in ovs-ofctl's words: read as OVS's parse_flags and
 * mf_from_frag_string read them, printed as match_format prints them (format_flags_masked and
 * its nw_frag switch). Messages are OVS's own.
 */

type Fail = (at: number, reason: string) => never;

/** A flags field as OVS's parse_flags and format_flags_masked see it. */
interface Flags {
  /** Bit names, low bit first. */
  names: readonly string[];
  /** The bits a value or mask may have: the low ones, so any larger number has one it may not. */
  allowed: number;
  /** The mask match_format prints as a plain value (`syn|ack`); any other prints as `+syn-ack`. */
  printedWhole: number;
  /** The word OVS's messages name the flags by. */
  what: string;
}

/** TCP's flag bits; the three reserved bits have OVS's bracketed names. */
const TCP_FLAGS: Flags = { names: ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns', '[200]', '[400]', '[800]'], allowed: 0x0fff, printedWhole: 0x0fff, what: 'TCP' };
/**
 * Tunnel flags (OVS's flow_tun_flag_to_string): only OAM is public (FLOW_TNL_PUB_F_MASK), the others
 * are named in OVS's messages. OVS prints them against FLOW_TNL_F_MASK, so a match is always `+oam`/`-oam`.
 */
const TUN_FLAGS: Flags = { names: ['oam', 'df', 'csum', 'key'], allowed: 0x1, printedWhole: 0xf, what: 'tunnel' };

/** C's %i: decimal, 0x hex or 0 octal, as many characters as it takes; undefined when none. */
function scanInteger(text: string, from: number): { value: number; end: number } | undefined {
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i.exec(text.slice(from));
  return m === null ? undefined : { value: Number(m[1]!.startsWith('0') && !/^0x/i.test(m[1]!) ? Number.parseInt(m[1]!, 8) : m[1]), end: from + m[1]!.length };
}

/** `+syn-ack`, `syn|ack`, `0x002/0x012` or `2`: a value and mask, as OVS's parse_flags reads them. */
function parseFlags(flags: Flags, text: string, at: number, fail: Fail): { value: bigint; mask: bigint } {
  const { names, allowed, what } = flags;
  const unknown = (from: number): never => fail(at + from, `${text.slice(from)}: unknown ${what} flag(s)`);
  const numeric = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)\/(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(text);
  if (numeric !== null) {
    const value = scanInteger(numeric[1]!, 0)!.value;
    const mask = scanInteger(numeric[2]!, 0)!.value;
    if (value > allowed || mask > allowed) unknown(0);
    return { value: BigInt(value & mask), mask: BigInt(mask) };
  }
  const nameAt = (from: number, ends: string): number => names.findIndex((name) => text.startsWith(name, from) && (from + name.length === text.length || ends.includes(text[from + name.length]!)));
  if (text.startsWith('+') || text.startsWith('-')) {
    let value = 0;
    let mask = 0;
    for (let pos = 0; pos < text.length; ) {
      const sign = text[pos]!;
      if (sign !== '+' && sign !== '-') fail(at + pos, `${text.slice(pos)}: ${what} must be preceded by '+' (for SET) or '-' (NOT SET)`);
      pos++;
      const bit = nameAt(pos, '+-');
      if (bit < 0) unknown(pos);
      if (mask & (1 << bit)) fail(at + pos, `${text.slice(pos)}: Each ${what} flag can be specified only once`);
      if (!(allowed & (1 << bit))) unknown(pos);
      if (sign === '+') value |= 1 << bit;
      mask |= 1 << bit;
      pos += names[bit]!.length;
    }
    return { value: BigInt(value), mask: BigInt(mask) };
  }
  let value = 0;
  for (let pos = 0; pos < text.length; ) {
    const number = scanInteger(text, pos);
    if (number !== undefined) {
      if (number.value > allowed) unknown(0);
      value |= number.value;
      pos = number.end + (text[number.end] === '|' ? 1 : 0);
      continue;
    }
    const bit = nameAt(pos, '|');
    if (bit < 0 || !(allowed & (1 << bit))) unknown(0);
    value |= 1 << bit;
    pos += names[bit]!.length + (text[pos + names[bit]!.length] === '|' ? 1 : 0);
  }
  return { value: BigInt(value), mask: BigInt(allowed) };
}

/** Flags as format_flags prints a value: names joined by `|`, 0 for none. */
function formatFlagValue(flags: Flags, value: number): string {
  const set = flags.names.flatMap((name, i) => (value & (1 << i) ? [name] : []));
  return set.length === 0 ? '0' : set.join('|');
}

/** Flags as format_flags_masked prints them: `syn|ack` under the whole mask, `0/0` for none, else `+syn-ack`. */
function formatFlags(flags: Flags, value: number, mask: number): string {
  if (mask === flags.printedWhole) return formatFlagValue(flags, value);
  if (mask === 0) return '0/0';
  return flags.names.flatMap((name, i) => (mask & (1 << i) ? [`${value & (1 << i) ? '+' : '-'}${name}`] : [])).join('');
}

export const parseTcpFlags = (text: string, at: number, fail: Fail) => parseFlags(TCP_FLAGS, text, at, fail);
export const formatTcpFlags = (value: number, mask: number) => formatFlags(TCP_FLAGS, value, mask);
export const parseTunFlags = (text: string, at: number, fail: Fail) => parseFlags(TUN_FLAGS, text, at, fail);
export const formatTunFlags = (value: number, mask: number) => formatFlags(TUN_FLAGS, value, mask);
/** tun_flags as a set_field value prints (OVS's mf_format: `oam` or `0`). */
export const formatTunFlagValue = (value: number) => formatFlagValue(TUN_FLAGS, value);

/** OVS's nw_frag bits: any fragment, and a later one. */
export const FRAG_ANY = 1;
export const FRAG_LATER = 2;

/** ip_frag's names and the value/mask each stands for (OVS's mf_from_frag_string). */
const FRAG_NAMES: Record<string, readonly [number, number]> = {
  no: [0, FRAG_ANY],
  yes: [FRAG_ANY, FRAG_ANY],
  first: [FRAG_ANY, FRAG_ANY | FRAG_LATER],
  later: [FRAG_ANY | FRAG_LATER, FRAG_ANY | FRAG_LATER],
  not_later: [0, FRAG_LATER],
};

export function parseIpFrag(text: string, at: number, fail: Fail): { value: bigint; mask: bigint } {
  const pair = Object.hasOwn(FRAG_NAMES, text) ? FRAG_NAMES[text] : undefined;
  if (pair === undefined) fail(at, `${text}: unknown fragment type (valid types are "no", "yes", "first", "later", "not_later"`);
  return { value: BigInt(pair![0]), mask: BigInt(pair![1]) };
}

/** nw_frag as match_format prints it. */
export function formatIpFrag(value: number, mask: number): string {
  if (mask === (FRAG_ANY | FRAG_LATER)) return value & FRAG_ANY ? (value & FRAG_LATER ? 'later' : 'first') : value & FRAG_LATER ? '<error>' : 'no';
  if (mask === FRAG_ANY) return value & FRAG_ANY ? 'yes' : 'no';
  return value & FRAG_LATER ? 'later' : 'not_later';
}
