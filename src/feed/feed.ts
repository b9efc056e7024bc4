/**
 * A live feed for one topology: the hub (events, clients), the capture stream, the player
 * (pacing, control) and the HTTP server, wired together. `netloom run --feed` plays at once and
 * only lets clients watch; `netloom serve` waits for a client to play, pause, step and restart.
 */
import type { Topology } from '../topology/types.js';
import type { TraceSink } from '../sim/recorder.js';
import { runTopologyRealtime, wallClockPeers, type RunSummary } from '../topology/run.js';
import type { AppRegistry } from '../topology/build.js';
import { CaptureStream } from './capture-stream.js';
import { FeedError } from './errors.js';
import { DEFAULT_HUB_LIMITS, FeedHub, type HubLimits } from './hub.js';
import { Player } from './player.js';
import { startFeedServer, type FeedServer, type FeedServerOptions } from './server.js';

export interface FeedOptions extends FeedServerOptions {
  seed?: number;
  until?: number;
  apps?: AppRegistry;
  /** The ports /capture.pcapng holds (as runTopology's `capturePorts`). */
  capturePorts?: readonly string[];
  /** What virtual time 0 is in /capture.pcapng, seconds since 1970 (default CAPTURE_EPOCH). */
  epoch?: number;
  /** Virtual seconds per real second; null: as fast as possible (default 1). */
  speed?: number | null;
  /** Clients may play, pause, step and restart (serve); otherwise the run plays at once and clients watch. */
  control?: boolean;
  sinks?: TraceSink[];
  limits?: Partial<HubLimits>;
  /** Told when each run ends (the first, and each after a restart), with its summary. */
  onEnd?: (summary: RunSummary, run: number) => void;
  /** With peers outside the process: told where each switch with `listen:` accepts OpenFlow (as runTopologyRealtime). */
  onListening?: (node: string, host: string, port: number) => void;
}

export interface Feed {
  readonly server: FeedServer;
  readonly hub: FeedHub;
  /** Undefined when the run follows the wall clock (its switches meet peers outside the process). */
  readonly player: Player | undefined;
  /** The first run's summary, when it ends. */
  readonly ended: Promise<RunSummary>;
  /** Ends the run now (Ctrl-C): its summary comes as for a run that ran out. */
  stop(): void;
  /** Waits (at most `ms`) until every client has been sent what was queued for it. */
  drain(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Checks a speed given by a user: a positive number of virtual seconds per real second. */
export function checkSpeed(speed: number | null): void {
  if (speed !== null && !(speed > 0 && speed <= 1e9)) throw new FeedError('NETLOOM_FEED_SPEED', `speed ${speed} is not a number of virtual seconds per real second above 0 (e.g. 1, 0.01, or max)`);
}

/**
 * Starts the feed's server and the run. A topology whose switches meet peers outside the
 * process (wallClockPeers) runs as runTopologyRealtime does, at speed 1, with no control.
 */
export async function startFeed(topology: Topology, options: FeedOptions = {}): Promise<Feed> {
  const speed = options.speed === undefined ? 1 : options.speed;
  checkSpeed(speed);
  const control = options.control === true;
  const peers = wallClockPeers(topology);
  if (peers.length > 0 && (control || speed !== 1)) {
    throw new FeedError('NETLOOM_FEED_PEERS', `${topology.name} meets peers outside the process (${peers.join('; ')}): its clock follows the wall clock and cannot be paused, stepped or sped up`);
  }
  const hub = new FeedHub(topology, { ...DEFAULT_HUB_LIMITS, ...options.limits });
  const capture = new CaptureStream(undefined, options.epoch);
  const runOptions = {
    ...(options.capturePorts !== undefined && { capturePorts: options.capturePorts }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.until !== undefined && { until: options.until }),
    ...(options.apps !== undefined && { apps: options.apps }),
  };
  let player: Player | undefined;
  let ended: Promise<RunSummary>;
  let stop: () => void;
  if (peers.length > 0) {
    const abort = new AbortController();
    stop = () => abort.abort();
    hub.setState({ run: 1, state: 'playing', t: 0, speed: 1, control: false });
    ended = runTopologyRealtime(topology, {
      ...runOptions,
      signal: abort.signal,
      capture: capture.writer(),
      sinks: [hub, ...(options.sinks ?? [])],
      ...(options.onListening !== undefined && { onListening: options.onListening }),
    }).then((summary) => {
      hub.setState({ run: 1, state: 'ended', t: summary.endedAt, speed: 1, control: false });
      options.onEnd?.(summary, 1);
      return summary;
    });
  } else {
    let resolve!: (summary: RunSummary) => void;
    let reject!: (error: unknown) => void;
    ended = new Promise<RunSummary>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const p = new Player(topology, hub, capture, {
      ...runOptions,
      speed,
      control,
      ...(options.sinks !== undefined && { sinks: options.sinks }),
      onEnd: (summary, run) => {
        if (run === 1) resolve(summary);
        options.onEnd?.(summary, run);
      },
      onError: reject,
    });
    player = p;
    stop = () => void p.finish();
    hub.setState(p.runState);
  }
  // A serve that is closed before its run ends has nobody waiting for `ended`.
  ended.catch(() => {});
  let server: FeedServer;
  try {
    server = await startFeedServer(hub, capture, options);
  } catch (error) {
    stop();
    throw error;
  }
  if (player !== undefined && !control) void player.play();
  return {
    server,
    hub,
    player,
    ended,
    stop,
    drain: (ms) => hub.drain(ms),
    close: async () => {
      if (player !== undefined) await player.halt();
      else {
        stop();
        await ended.catch(() => undefined);
      }
      await server.close();
    },
  };
}
