/**
 * Pacing and control of a run watched through the feed: virtual time shown at a chosen speed
 * (real time, slowed down, or as fast as possible), pause, step to the next traced instant,
 * resume, restart. The clock follows the wall clock from an anchor taken at each play, so a
 * speed change or a pause never jumps virtual time. Virtual time stays the only source of
 * truth (DESIGN.md principle 2): the same seed gives the same events and bytes at any speed.
 * The simulation never waits on a client: clients only see what the hub queues for them.
 * Owns the run (its clock and its end); the hub and the capture stream only observe it.
 */
import type { Topology } from '../topology/types.js';
import type { TraceSink } from '../sim/recorder.js';
import { espSecretsOf, startRun, type RunSummary, type SteppedRun } from '../topology/run.js';
import type { AppRegistry } from '../topology/build.js';
import { runCaptureSelector } from '../topology/capture.js';
import type { CaptureStream } from './capture-stream.js';
import type { FeedHub } from './hub.js';
import type { ClientMessage, PlayState, RunState } from './messages.js';

export interface PlayerOptions {
  seed?: number;
  /** Virtual time to stop at, ns (default: when nothing is left to do). */
  until?: number;
  apps?: AppRegistry;
  /** The ports the capture stream holds (as runTopology's). */
  capturePorts?: readonly string[];
  /** Virtual seconds per real second; null: as fast as possible. */
  speed: number | null;
  /** Clients may play, pause, step and restart. */
  control: boolean;
  /** More sinks for every run (--events). */
  sinks?: TraceSink[];
  /** Told when a run ends, with its summary. */
  onEnd?: (summary: RunSummary, run: number) => void;
  /** Told when the simulation itself fails (an internal error): the server cannot go on. */
  onError?: (error: unknown) => void;
}

/** Wall-clock ms between paced slices: about a frame of a 60 Hz page. */
const TICK_MS = 16;
/** Wall-clock ms an as-fast-as-possible slice may run before the server gets the event loop back. */
const SLICE_MS = 10;
/** Control messages waiting to run, past which more are refused (NETLOOM_FEED_BUSY). */
const MAX_WAITING = 32;

export class Player {
  private run!: SteppedRun;
  private runNumber = 0;
  private state: PlayState = 'ready';
  private speed: number | null;
  private anchorWall = 0;
  private anchorVirtual = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** Clock work runs one piece at a time, in the order asked. */
  private work: Promise<void> = Promise.resolve();
  /** Pieces of clock work queued and not started. */
  private waiting = 0;
  private readonly until: number;

  constructor(
    private readonly topology: Topology,
    private readonly hub: FeedHub,
    private readonly capture: CaptureStream,
    private readonly options: PlayerOptions,
  ) {
    this.speed = options.speed;
    this.until = options.until ?? Infinity;
    this.begin();
    if (options.control) {
      hub.control = (message) => {
        // Each message is a piece of clock work; a client sending faster than they run is refused, not queued without end.
        if (this.waiting >= MAX_WAITING) return false;
        void this.control(message);
        return true;
      };
    }
  }

  /** Virtual time now, ns. */
  get now(): number {
    return this.run.net.scheduler.now;
  }

  get runState(): RunState {
    return { run: this.runNumber, state: this.state, t: this.now, speed: this.speed, control: this.options.control };
  }

  /** A fresh network at time 0 (a new pcapng section), ready. */
  private begin(): void {
    // A restart abandons the run before: its recorder must not stay bound to the feed's demands.
    if (this.runNumber > 0) this.run.net.recorder.detach();
    this.runNumber++;
    this.run = startRun(this.topology, {
      ...(this.options.seed !== undefined && { seed: this.options.seed }),
      ...(this.options.apps !== undefined && { apps: this.options.apps }),
      sinks: [this.hub, ...(this.options.sinks ?? [])],
    });
    this.capture.attach(this.run.net, espSecretsOf(this.topology), runCaptureSelector(this.topology, this.options.capturePorts));
    this.state = 'ready';
  }

  /** Queues clock work after what is already queued; a failure of the simulation goes to onError. */
  private enqueue(task: () => Promise<void> | void): Promise<void> {
    this.waiting++;
    const run = () => {
      this.waiting--;
      return task();
    };
    this.work = this.work.then(run).catch((error: unknown) => {
      this.stopTimer();
      this.state = 'ended';
      this.publish();
      this.options.onError?.(error);
    });
    return this.work;
  }

  private publish(): void {
    this.hub.setState(this.runState);
  }

  control(message: Extract<ClientMessage, { type: 'play' | 'pause' | 'step' | 'restart' }>): Promise<void> {
    switch (message.type) {
      case 'play':
        return this.play(message.speed);
      case 'pause':
        return this.pause();
      case 'step':
        return this.step();
      case 'restart':
        return this.restart();
    }
  }

  /** Plays from where the clock is, at `speed` if given. */
  play(speed?: number | null): Promise<void> {
    return this.enqueue(() => {
      if (this.state === 'ended' || (this.state === 'playing' && (speed === undefined || speed === this.speed))) return;
      if (speed !== undefined) this.speed = speed;
      this.state = 'playing';
      this.anchor();
      this.publish();
      this.schedule();
    });
  }

  pause(): Promise<void> {
    return this.enqueue(() => {
      if (this.state !== 'playing') return;
      this.stopTimer();
      this.state = 'paused';
      this.publish();
    });
  }

  /** Runs to the next instant at which something is traced, delivering every event of that instant; then paused. */
  step(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state === 'ended') return;
      this.stopTimer();
      const before = this.hub.seq;
      // With nobody watching nothing is traced: a step is then one instant.
      do {
        const next = this.run.net.scheduler.nextTime;
        if (next === undefined || next > this.until) return this.end();
        await this.instant(next);
      } while (this.hub.seq === before && this.hub.demand.wanted);
      this.state = 'paused';
      this.hub.flush();
      this.publish();
    });
  }

  /** Starts the run over from time 0; keeps playing if it was. */
  restart(): Promise<void> {
    return this.enqueue(() => {
      const playing = this.state === 'playing';
      this.stopTimer();
      this.begin();
      if (playing) {
        this.state = 'playing';
        this.anchor();
      }
      this.publish();
      if (playing) this.schedule();
    });
  }

  /**
   * Runs the events of the instant `t`. The scheduler runs them synchronously; only when an event
   * asks to yield (a controller app awaiting a reply) does the run go the async way, as
   * Network.run would: a promise per instant would cost more than the instant.
   */
  private instant(t: number): Promise<void> | undefined {
    return this.run.net.scheduler.run(t) ? this.run.advance(t) : undefined;
  }

  /** Speed changes and resumes start from here, so virtual time never jumps. */
  private anchor(): void {
    this.anchorWall = performance.now();
    this.anchorVirtual = this.now;
  }

  private schedule(): void {
    if (this.state !== 'playing' || this.timer !== undefined) return;
    const slice = () => {
      this.timer = undefined;
      void this.enqueue(() => this.slice());
    };
    this.timer = this.speed === null ? setImmediate(slice) : setTimeout(slice, TICK_MS);
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  /**
   * One slice of play: instant by instant up to where the wall clock says (as fast as possible:
   * for a few ms), so the clock stands at event times and a run's end is the same as runTopology's.
   */
  private async slice(): Promise<void> {
    if (this.state !== 'playing') return;
    const scheduler = this.run.net.scheduler;
    const target = this.speed === null ? this.until : Math.min(this.until, Math.round(this.anchorVirtual + (performance.now() - this.anchorWall) * 1e6 * this.speed));
    const deadline = performance.now() + SLICE_MS;
    let next = scheduler.nextTime;
    for (let k = 0; next !== undefined && next <= target; k++) {
      if ((k & 63) === 63 && this.speed === null && performance.now() >= deadline) break;
      // Awaited only when the instant went async: an await per instant would cost a microtask each.
      const yielded = this.instant(next);
      if (yielded !== undefined) await yielded;
      next = scheduler.nextTime;
    }
    this.hub.flush();
    const done = next === undefined || next > this.until;
    if (done && this.until === Infinity) return this.end();
    // Between events the clock moves on with the wall clock (a paced view); to `until` at the end.
    if (this.speed !== null || done) {
      if (target > this.now) await this.run.advance(target);
      if (done && this.now >= this.until) return this.end();
    }
    this.schedule();
  }

  private async end(): Promise<void> {
    this.stopTimer();
    this.state = 'ended';
    const summary = await this.run.finish();
    this.hub.flush();
    this.publish();
    this.options.onEnd?.(summary, this.runNumber);
  }

  /** Ends the run now, with its summary (Ctrl-C). */
  finish(): Promise<void> {
    return this.enqueue(() => (this.state === 'ended' ? undefined : this.end()));
  }

  /** Stops the clock for good (the server closes). */
  halt(): Promise<void> {
    return this.enqueue(() => {
      this.stopTimer();
      this.state = 'ended';
    });
  }
}
