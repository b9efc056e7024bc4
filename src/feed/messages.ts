/**
 * The live feed's message schema: what the server sends on `/feed` (JSON text frames) and what a
 * client may send back. The types are the contract for clients (exported from the package); the
 * zod schemas check every inbound message before anything acts on it. Owns no behaviour.
 */
import { z } from 'zod';
import type { DropReason, NodeSpec } from '../topology/types.js';
import type { TraceDirection } from '../sim/recorder.js';
import type { JsonLayer } from '../wire/json.js';
import type { LayerName } from '../wire/layers.js';

/** Bumped when a message changes shape incompatibly. */
export const FEED_PROTOCOL = 1;

// ---- server -> client ----

/** The network as a viewer draws it: nodes with their ports, links by id, tenants. */
export interface TopologyView {
  name: string;
  seed: number;
  nodes: { name: string; kind: NodeSpec['kind']; ports: string[] }[];
  /** `id` is what events and filters name a link by. */
  links: { id: number; endpoints: [string, string]; latency: number; bandwidth: number; mtu: number }[];
  /** OpenFlow control channels to controller nodes: a switch's own, and a tenant controller's to the switches its virtual switches are on (through the platform). */
  channels: { controller: string; switch: string }[];
  /** Each tenant: its virtual switches, the physical `switch:port`s its virtual ports are on, its controller node (none when it is outside the topology). */
  tenants: { name: string; id: number; switches: string[]; ports: string[]; controller?: string }[];
}

/** A run's place: `ready` before the first play or step (serve), `ended` when nothing is left to do. */
export type PlayState = 'ready' | 'playing' | 'paused' | 'ended';

export interface RunState {
  /** Counts restarts from 1; seq goes on across runs. */
  run: number;
  state: PlayState;
  /** Virtual time now, ns. */
  t: number;
  /** Virtual seconds per real second; null: as fast as possible. */
  speed: number | null;
  /** Whether clients may play, pause, step and restart (`netloom serve`), or only watch (`netloom run --feed`). */
  control: boolean;
}

export interface HelloMessage {
  type: 'hello';
  protocol: typeof FEED_PROTOCOL;
  topology: TopologyView;
  state: RunState;
  /** The seq of the last event so far (0: none yet); a later `resume` can start from it. */
  seq: number;
  /** The oldest seq still in the replay ring (resume and decode reach back that far). */
  oldest: number;
  limits: { maxMessageBytes: number; queueEvents: number; queueBytes: number };
}

/** One layer of a packet's stack and the bytes of its header. */
export interface StackEntry {
  layer: LayerName;
  bytes: number;
}

/** What one tunnel adds around its inner packet: `before` bytes in front, `after` behind (ESP trailer and ICV). */
export interface EncapEntry {
  tunnel: string;
  inner: LayerName;
  innerBytes: number;
  before: number;
  after: number;
}

/** A trace event as the feed sends it. */
export interface FeedEvent {
  kind: 'event';
  seq: number;
  run: number;
  /** Virtual time, ns. */
  t: number;
  node: string;
  port?: string;
  /** The link the port is on, by TopologyView link id. */
  link?: number;
  dir: TraceDirection;
  packet: number;
  trace: number;
  parent: number;
  /** Frame length, bytes. */
  length?: number;
  stack?: StackEntry[];
  encap?: EncapEntry[];
  /** The decoder stopped early: its error code (the rest is payload). */
  malformed?: string;
  rule?: { table: number; priority: number; text: string };
  reason?: DropReason;
  detail?: string;
  tenant?: string;
}

/** Events this client missed (its queue overflowed, or resume reached back past the ring): seq from..to, `dropped` of them its filter matched (or could have). */
export interface GapMarker {
  kind: 'gap';
  from: number;
  to: number;
  dropped: number;
}

export interface EventsMessage {
  type: 'events';
  events: (FeedEvent | GapMarker)[];
}

export interface StateMessage {
  type: 'state';
  state: RunState;
}

/** The full decode of the packet of one event (answer to `decode`). */
export interface DecodeMessage {
  type: 'decode';
  seq: number;
  bytes: string;
  layers: JsonLayer[];
  error?: { code: string; layer: string; offset: number; message: string };
  /** The teaching view: field tree, hexdump, encapsulation overheads, as `netloom decode` prints it. */
  explain: string;
}

export interface ErrorMessage {
  type: 'error';
  code: FeedMessageErrorCode;
  /** The JSON path of what was wrong in the client's message, e.g. `filter.nodes[0]`. */
  path?: string;
  message: string;
}

export type FeedMessageErrorCode = 'NETLOOM_FEED_MESSAGE' | 'NETLOOM_FEED_CONTROL' | 'NETLOOM_FEED_GONE' | 'NETLOOM_FEED_BUSY';

export type ServerMessage = HelloMessage | EventsMessage | StateMessage | DecodeMessage | ErrorMessage;

// ---- client -> server ----

const name = z.string().min(1).max(128);
const list = <T extends z.ZodType>(item: T) => z.array(item).max(256);

/** Which events a client wants; each present list must match (any of its items); absent lists match all. */
export const FeedFilterSchema = z.strictObject({
  nodes: list(name).optional(),
  links: list(z.number().int().min(0)).optional(),
  tenants: list(name).optional(),
  /** Layer names anywhere in the stack, e.g. ["vxlan"]. */
  layers: list(name).optional(),
  traces: list(z.number().int().min(0)).optional(),
  dirs: list(name).optional(),
});

const seq = z.number().int().min(0);
const speed = z.number().positive().max(1e9).nullable();

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('filter'), filter: FeedFilterSchema }),
  z.strictObject({ type: z.literal('resume'), from: seq }),
  z.strictObject({ type: z.literal('decode'), seq }),
  z.strictObject({ type: z.literal('play'), speed: speed.optional() }),
  z.strictObject({ type: z.literal('pause') }),
  z.strictObject({ type: z.literal('step') }),
  z.strictObject({ type: z.literal('restart') }),
]);

export type FeedFilter = z.infer<typeof FeedFilterSchema>;
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** `filter.nodes[0]`: a zod issue path as the error message names it. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(message)' : out;
}
