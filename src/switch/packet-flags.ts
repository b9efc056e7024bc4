/**
 * tcp_flags and ip_frag in ovs-ofctl's words: read as OVS's parse_flags and
 * mf_from_frag_string read them, printed as match_format prints them (format_flags_masked and
 * its nw_frag switch). Messages are OVS's own.
 */

type Fail = (at: number, reason: string) => never;

/** TCP's flag bits by name, low bit first; the three reserved bits have OVS's bracketed names. */
const TCP_FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns', '[200]', '[400]', '[800]'] as const;
/** The bits tcp_flags has (OVS's TCP_FLAGS(OVS_BE16_MAX)). */
export const TCP_FLAGS_MASK = 0x0fff;

/** C's %i: decimal, 0x hex or 0 octal, as many characters as it takes; undefined when none. */
function scanInteger(text: string, from: number): { value: number; end: number } | undefined {
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i.exec(text.slice(from));
  return m === null ? undefined : { value: Number(m[1]!.startsWith('0') && !/^0x/i.test(m[1]!) ? Number.parseInt(m[1]!, 8) : m[1]), end: from + m[1]!.length };
}

/** `+syn-ack`, `syn|ack`, `0x002/0x012` or `2`: a value and mask of tcp_flags, as OVS's parse_flags. */
export function parseTcpFlags(text: string, at: number, fail: Fail): { value: bigint; mask: bigint } {
  const unknown = (from: number): never => fail(at + from, `${text.slice(from)}: unknown TCP flag(s)`);
  const numeric = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)\/(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(text);
  if (numeric !== null) {
    const value = scanInteger(numeric[1]!, 0)!.value;
    const mask = scanInteger(numeric[2]!, 0)!.value;
    if (value > TCP_FLAGS_MASK || mask > TCP_FLAGS_MASK) unknown(0);
    return { value: BigInt(value & mask), mask: BigInt(mask) };
  }
  const nameAt = (from: number, ends: string): number => TCP_FLAG_NAMES.findIndex((name) => text.startsWith(name, from) && (from + name.length === text.length || ends.includes(text[from + name.length]!)));
  if (text.startsWith('+') || text.startsWith('-')) {
    let value = 0;
    let mask = 0;
    for (let pos = 0; pos < text.length; ) {
      const sign = text[pos]!;
      if (sign !== '+' && sign !== '-') fail(at + pos, `${text.slice(pos)}: TCP must be preceded by '+' (for SET) or '-' (NOT SET)`);
      pos++;
      const bit = nameAt(pos, '+-');
      if (bit < 0) unknown(pos);
      if (mask & (1 << bit)) fail(at + pos, `${text.slice(pos)}: Each TCP flag can be specified only once`);
      if (sign === '+') value |= 1 << bit;
      mask |= 1 << bit;
      pos += TCP_FLAG_NAMES[bit]!.length;
    }
    return { value: BigInt(value), mask: BigInt(mask) };
  }
  let value = 0;
  for (let pos = 0; pos < text.length; ) {
    const number = scanInteger(text, pos);
    if (number !== undefined) {
      if (number.value > TCP_FLAGS_MASK) unknown(0);
      value |= number.value;
      pos = number.end + (text[number.end] === '|' ? 1 : 0);
      continue;
    }
    const bit = nameAt(pos, '|');
    if (bit < 0) unknown(0);
    value |= 1 << bit;
    pos += TCP_FLAG_NAMES[bit]!.length + (text[pos + TCP_FLAG_NAMES[bit]!.length] === '|' ? 1 : 0);
  }
  return { value: BigInt(value), mask: BigInt(TCP_FLAGS_MASK) };
}

/** tcp_flags as match_format prints it: `syn|ack` when exact, `+syn-ack` under a mask, `0/0` for none. */
export function formatTcpFlags(value: number, mask: number): string {
  const bits = (of: number) => TCP_FLAG_NAMES.map((name, i) => [name, 1 << i] as const).filter(([, bit]) => of & bit);
  if (mask === TCP_FLAGS_MASK) return value === 0 ? '0' : bits(value).map(([name]) => name).join('|');
  if (mask === 0) return '0/0';
  return bits(mask).map(([name, bit]) => `${value & bit ? '+' : '-'}${name}`).join('');
}

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
