/** Units of the topology file: exact integer nanoseconds and bits per second, rates, loss. */
import { describe, expect, it } from 'vitest';
import { parseBandwidth, parseDuration, parseLoss, parseRate, UnitError } from '../../src/topology/units.js';

describe('units', () => {
  it.each([
    ['2.5ms', 2_500_000],
    ['1s', 1_000_000_000],
    ['0.1s', 100_000_000],
    ['500us', 500_000],
    ['500µs', 500_000],
    ['10ns', 10],
    ['1.000000001s', 1_000_000_001],
    ['0s', 0],
    ['0', 0],
    [0, 0],
    ['3 ms', 3_000_000],
  ] as const)('duration %j is %i ns', (text, ns) => {
    expect(parseDuration(text)).toBe(ns);
  });

  it.each([
    [5, '5 needs a unit: 5s, 5ms, 5us or 5ns'],
    ['5', '5 needs a unit: 5s, 5ms, 5us or 5ns'],
    ['0.5ns', '"0.5ns" is not a whole number of nanoseconds'],
    ['-1s', 'a duration cannot be negative, got "-1s"'],
    ['1h', '"1h" is not a duration; write a number and a unit: ns, us, ms or s (e.g. 2.5ms)'],
    ['99999999999s', '"99999999999s" is too large'],
  ] as const)('duration %j is refused', (text, message) => {
    expect(() => parseDuration(text)).toThrow(new UnitError(message));
  });

  it.each([
    ['1Gbps', 1_000_000_000],
    ['100Mbps', 100_000_000],
    ['1.5kbps', 1500],
    ['9600bps', 9600],
    ['0', 0],
    [0, 0],
  ] as const)('bandwidth %j is %i bit/s', (text, bps) => {
    expect(parseBandwidth(text)).toBe(bps);
  });

  it.each([
    [1000, '1000 needs a unit: 1000Gbps, 1000Mbps, 1000kbps or 1000bps (0 means unlimited)'],
    ['10MBs', '"10MBs" is not a bandwidth; write a number and a unit: bps, kbps, Mbps or Gbps (e.g. 100Mbps)'],
    ['0.5bps', '"0.5bps" is not a whole number of bits per second'],
  ] as const)('bandwidth %j is refused', (text, message) => {
    expect(() => parseBandwidth(text)).toThrow(new UnitError(message));
  });

  it('rates: pps or a bare number, above zero and at most one a nanosecond', () => {
    expect(parseRate('100pps')).toBe(100);
    expect(parseRate(25)).toBe(25);
    expect(parseRate('0.5pps')).toBe(0.5);
    expect(() => parseRate('0pps')).toThrow('the rate must be above 0pps, got "0pps"');
    expect(() => parseRate('10Mbps')).toThrow('"10Mbps" is not a rate; write packets per second, e.g. 100pps');
    // A faster rate would space packets less than a nanosecond apart: a run that never leaves its first instant.
    expect(parseRate('1000000000pps')).toBe(1e9);
    expect(() => parseRate('3000000000pps')).toThrow("3000000000pps is more than 1000000000pps, one packet a nanosecond (virtual time's resolution)");
  });

  it('loss: a fraction or a percentage', () => {
    expect(parseLoss(0)).toBe(0);
    expect(parseLoss(0.25)).toBe(0.25);
    expect(parseLoss('1%')).toBe(0.01);
    expect(parseLoss('100%')).toBe(1);
    expect(() => parseLoss(1.5)).toThrow('1.5 is not a fraction in 0-1 or a percentage in 0%-100% (e.g. 0.01 or 1%)');
    expect(() => parseLoss('101%')).toThrow('"101%" is not a fraction in 0-1 or a percentage in 0%-100% (e.g. 0.01 or 1%)');
  });
});
