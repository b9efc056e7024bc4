/** The recorder and its sinks' demands: a sink that wants events only while someone watches turns the recorder on and off. */
import { describe, expect, it } from 'vitest';
import { Demand, Recorder, type TraceEvent } from '../../src/sim/recorder.js';

const event: TraceEvent = { t: 0, node: 'h1', dir: 'tx', packet: 1, trace: 1, parent: 0 };

describe('Recorder with a Demand', () => {
  it('is active only while some sink wants events, and gives events only to sinks that want them', () => {
    const demand = new Demand();
    const recorder = new Recorder();
    const got: string[] = [];
    recorder.add({ event: () => got.push('feed'), demand });
    expect(recorder.active).toBe(false);
    demand.up();
    demand.up();
    expect(recorder.active).toBe(true);
    recorder.record(event);
    demand.down();
    expect(recorder.active).toBe(true);
    demand.down();
    expect(recorder.active).toBe(false);
    recorder.record(event);
    // A sink with no demand always wants events.
    recorder.add({ event: () => got.push('file') });
    expect(recorder.active).toBe(true);
    recorder.record(event);
    expect(got).toEqual(['feed', 'file']);
  });

  it('follows no demand once detached (a run abandoned for a new one)', () => {
    const demand = new Demand();
    const old = new Recorder();
    old.add({ event: () => {}, demand });
    old.detach();
    const current = new Recorder();
    current.add({ event: () => {}, demand });
    demand.up();
    expect([old.active, current.active]).toEqual([false, true]);
  });
});
