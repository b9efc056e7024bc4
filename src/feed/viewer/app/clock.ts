/**
 * The page's virtual clock (research note W10: play-out is the page's job). Live, it follows
 * the server's run: the virtual time of its last state message, moved on with the wall clock at
 * the run's speed while it plays. In replay it is the page's own cursor over the events it holds,
 * at the page's own speed, never past the last of them. Pure: wall time comes in as an argument.
 */
import type { RunState } from '../../messages.js';

export type ClockMode = 'live' | 'replay';

/** Virtual seconds per real second a replay starts at when the run gives none (it ran as fast as possible). */
export const DEFAULT_REPLAY_SPEED = 0.01;

export class Clock {
  mode: ClockMode = 'live';
  private state: RunState = { run: 0, state: 'ready', t: 0, speed: 1, control: false };
  private stateAt = 0;
  private cursor = 0;
  private cursorAt = 0;
  replaySpeed = DEFAULT_REPLAY_SPEED;
  replaying = false;

  get run(): RunState {
    return this.state;
  }

  /** A state message arrived at wall time `wall` (ms). */
  setState(state: RunState, wall: number): void {
    this.state = state;
    this.stateAt = wall;
  }

  /** Virtual time now, ns; `latest` is the time of the last event the page holds. */
  now(wall: number, latest: number): number {
    if (this.mode === 'replay') {
      if (!this.replaying) return this.cursor;
      return Math.min(latest, this.cursor + Math.round((wall - this.cursorAt) * 1e6 * this.replaySpeed));
    }
    const s = this.state;
    if (s.state !== 'playing') return s.t;
    // As fast as possible: the run is wherever its last event was.
    if (s.speed === null) return Math.max(s.t, latest);
    return s.t + Math.round((wall - this.stateAt) * 1e6 * s.speed);
  }

  /** Replay from virtual time `t`, paused. */
  seek(t: number, wall: number): void {
    this.mode = 'replay';
    this.cursor = Math.max(0, t);
    this.cursorAt = wall;
    this.replaying = false;
  }

  /** Plays or pauses the replay where it stands. */
  setReplaying(playing: boolean, wall: number, latest: number): void {
    this.cursor = this.now(wall, latest);
    this.cursorAt = wall;
    this.mode = 'replay';
    this.replaying = playing;
  }

  setReplaySpeed(speed: number, wall: number, latest: number): void {
    this.cursor = this.now(wall, latest);
    this.cursorAt = wall;
    this.replaySpeed = speed;
  }

  /** Follow the run again. */
  follow(): void {
    this.mode = 'live';
    this.replaying = false;
  }
}
