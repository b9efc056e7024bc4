/**
 * A live feed for one topology: the hub (events, clients), the capture stream, the player
 * (pacing, control) and the HTTP server, wired together. `netloom run --feed` plays at once and
 * only lets clients watch; `netloom serve` waits for a client to play, pause, step and restart.
 */
import type { Topology } from '../topology/types.js';
import type { TraceSink } from '../trace/events.js';
import { wallClockPeers, type RunSummary } from '../topology/run.js';
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
  /** Virtual seconds per real second; null: as fast as possible (default 1). */
  speed?: number | null;
  /** Clients may play, pause, step and restart (serve); otherwise the run plays at once and clients watch. */
  control?: boolean;
  sinks?: TraceSink[];
  limits?: Partial<HubLimits>;
}

export interface Feed {
  readonly server: FeedServer;
  readonly hub: FeedHub;
  readonly player: Player;
  /** The first run's summary, when it ends. */
  readonly ended: Promise<RunSummary>;
  /** Waits (at most `ms`) until every client has been sent what was queued for it. */
  drain(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Checks a speed given by a user: a positive number of virtual seconds per real second. */
export function checkSpeed(speed: number | null): void {
  if (speed !== null && !(speed > 0 && speed <= 1e9)) throw new FeedError('NETLOOM_FEED_SPEED', `speed ${speed} is not a number of virtual seconds per real second above 0 (e.g. 1, 0.01, or max)`);
}

export async function startFeed(topology: Topology, options: FeedOptions = {}): Promise<Feed> {
  const peers = wallClockPeers(topology);
  if (peers.length > 0) {
    throw new FeedError('NETLOOM_FEED_PEERS', `${topology.name} meets peers outside the process (${peers.join('; ')}): its clock follows the wall clock and cannot be paused, stepped or sped up`);
  }
  const speed = options.speed === undefined ? 1 : options.speed;
  checkSpeed(speed);
  const hub = new FeedHub(topology, { ...DEFAULT_HUB_LIMITS, ...options.limits });
  const capture = new CaptureStream();
  let ended!: (summary: RunSummary) => void;
  let failed!: (error: unknown) => void;
  const first = new Promise<RunSummary>((resolve, reject) => {
    ended = resolve;
    failed = reject;
  });
  // A serve that is closed before its run ends has nobody waiting for `ended`.
  first.catch(() => {});
  const control = options.control === true;
  const player = new Player(topology, hub, capture, {
    speed,
    control,
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.until !== undefined && { until: options.until }),
    ...(options.apps !== undefined && { apps: options.apps }),
    ...(options.sinks !== undefined && { sinks: options.sinks }),
    onEnd: (summary, run) => run === 1 && ended(summary),
    onError: failed,
  });
  hub.setState(player.runState);
  const server = await startFeedServer(hub, capture, options);
  if (!control) void player.play();
  return {
    server,
    hub,
    player,
    ended: first,
    drain: (ms) => hub.drain(ms),
    close: async () => {
      await player.stop();
      await server.close();
    },
  };
}
