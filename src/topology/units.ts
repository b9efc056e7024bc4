/**
 * Units of the topology file: durations to integer nanoseconds, bandwidth to bits per second,
 * packet rates to packets per second, loss to a probability. Decimal arithmetic is exact (2.5ms
 * is 2500000 ns, never 2499999). Each parser throws UnitError with a message fit for a user.
 */

export class UnitError extends Error {
  override readonly name = 'UnitError';
}

const DURATION_UNITS: Record<string, bigint> = { ns: 1n, us: 1_000n, µs: 1_000n, μs: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };
const BANDWIDTH_PREFIXES: Record<string, bigint> = { '': 1n, k: 1_000n, m: 1_000_000n, g: 1_000_000_000n, t: 1_000_000_000_000n };

const DECIMAL = String.raw`(\d+(?:\.\d*)?|\.\d+)`;
const DURATION = new RegExp(`^${DECIMAL}\\s*(ns|us|µs|μs|ms|s)?$`);
const BANDWIDTH = new RegExp(`^${DECIMAL}\\s*([kmgt]?)bps$`, 'i');
const RATE = new RegExp(`^${DECIMAL}\\s*(pps)?$`);
const PERCENT = new RegExp(`^${DECIMAL}\\s*%$`);

/** `2.5ms`, `1s`, `500us`, `10ns`, or a bare 0 -> nanoseconds. */
export function parseDuration(value: string | number): number {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const match = DURATION.exec(text);
  if (match === null) {
    if (text.startsWith('-')) throw new UnitError(`a duration cannot be negative, got "${text}"`);
    throw new UnitError(`"${text}" is not a duration; write a number and a unit: ns, us, ms or s (e.g. 2.5ms)`);
  }
  const [, number, unit] = match as unknown as [string, string, string | undefined];
  if (unit === undefined) {
    if (isZero(number)) return 0;
    throw new UnitError(`${number} needs a unit: ${number}s, ${number}ms, ${number}us or ${number}ns`);
  }
  return exact(number, DURATION_UNITS[unit]!, text, 'nanoseconds');
}

/** `1Gbps`, `100Mbps`, `64kbps`, `9600bps` (SI, 1000-based), or a bare 0 (unlimited) -> bits per second. */
export function parseBandwidth(value: string | number): number {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const match = BANDWIDTH.exec(text);
  if (match === null) {
    if (RATE.test(text) && !text.endsWith('pps')) {
      if (isZero(text)) return 0;
      throw new UnitError(`${text} needs a unit: ${text}Gbps, ${text}Mbps, ${text}kbps or ${text}bps (0 means unlimited)`);
    }
    if (text.startsWith('-')) throw new UnitError(`a bandwidth cannot be negative, got "${text}"`);
    throw new UnitError(`"${text}" is not a bandwidth; write a number and a unit: bps, kbps, Mbps or Gbps (e.g. 100Mbps)`);
  }
  const [, number, prefix] = match as unknown as [string, string, string];
  return exact(number, BANDWIDTH_PREFIXES[prefix.toLowerCase()]!, text, 'bits per second');
}

/** `100pps` or a bare number -> packets per second (above zero, at most 1e9; fractions allowed: 0.5pps). */
export function parseRate(value: string | number): number {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const match = RATE.exec(text);
  if (match === null) {
    if (text.startsWith('-')) throw new UnitError(`a rate cannot be negative, got "${text}"`);
    throw new UnitError(`"${text}" is not a rate; write packets per second, e.g. 100pps`);
  }
  const rate = Number(match[1]);
  if (!(rate > 0) || !Number.isFinite(rate)) throw new UnitError(`the rate must be above 0pps, got "${text}"`);
  // Virtual time counts whole nanoseconds: one packet a nanosecond is the most it can space.
  if (rate > 1e9) throw new UnitError(`${text} is more than 1000000000pps, one packet a nanosecond (virtual time's resolution)`);
  return rate;
}

/** A fraction in 0-1 (`0.01`) or a percentage in 0-100 (`1%`) -> a probability. */
export function parseLoss(value: string | number): number {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const percent = PERCENT.exec(text);
  const loss = percent !== null ? Number(percent[1]) / 100 : RATE.test(text) && !text.endsWith('pps') ? Number(text) : NaN;
  if (!(loss >= 0 && loss <= 1)) {
    const shown = typeof value === 'number' ? text : JSON.stringify(text);
    throw new UnitError(`${shown} is not a fraction in 0-1 or a percentage in 0%-100% (e.g. 0.01 or 1%)`);
  }
  return loss;
}

function numberText(value: number): string {
  // Plain digits for the parsers (1e-7 would not match the decimal pattern, and should not).
  return Number.isFinite(value) ? String(value) : 'not a number';
}

function isZero(number: string): boolean {
  return /^[0.]*$/.test(number) && /0/.test(number);
}

/** number x scale as an integer, exactly, or a UnitError when it is not whole or too large. */
function exact(number: string, scale: bigint, text: string, unitName: string): number {
  const [whole = '', fraction = ''] = number.split('.');
  const scaled = BigInt(`${whole}${fraction}` || '0') * scale;
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) throw new UnitError(`"${text}" is not a whole number of ${unitName}`);
  const result = scaled / divisor;
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw new UnitError(`"${text}" is too large`);
  return Number(result);
}
