/**
 * Path results, after Batfish's traceroute answers: the hops one packet took (node, in and out
 * port, what was decided there) and a disposition saying why it stopped. Built from the trace
 * events of one trace id by following each frame back to the one it was made from.
 */
import type { TraceEvent, TraceSink } from '../sim/recorder.js';
import type { Disposition, DropReason } from '../sim/vocabulary.js';
import { decodeTolerant } from '../wire/decode.js';

export interface Hop {
  node: string;
  inPort?: string;
  outPort?: string;
  /** What the node decided, in words, in order. */
  actions: string[];
  /** The layers of the frame as it left (or arrived, at the last hop), e.g. "ethernet/ipv4/icmp". */
  layers?: string;
  /** The tenant whose packet it was here, where the network has tenants. */
  tenant?: string;
}

export interface PathResult {
  disposition: Disposition;
  /** Where it stopped. */
  node?: string;
  reason?: DropReason;
  detail?: string;
  hops: Hop[];
}

/** Collects the events of one trace id. */
export class PathCollector implements TraceSink {
  readonly events: TraceEvent[] = [];
  /** Drops of the ARP frames nodes sent on the way, wherever they went (wrapped in a tunnel, queued behind a router's own ARP): the cause when the packet ends in ARP_FAILED. */
  readonly arpDrops: ArpDrop[] = [];
  /** Frames that are ARP requests or replies, or made from one (a tunnel's outer frame, a copy): the node that sent the ARP frame it began as, and when. */
  private readonly arpFrom = new Map<number, { from: string; sent: number }>();
  constructor(readonly trace: number) {}
  event(e: TraceEvent): void {
    if (e.trace === this.trace && e.packet !== 0) this.events.push(e);
    let origin = this.arpFrom.get(e.packet);
    if (origin === undefined) {
      origin = e.parent !== 0 ? this.arpFrom.get(e.parent) : e.dir === 'tx' && isArp(e.bytes) ? { from: e.node, sent: e.t } : undefined;
      if (origin === undefined) return;
      this.arpFrom.set(e.packet, origin);
    }
    if (e.dir === 'drop' && e.reason !== undefined && CAUSES.has(e.reason)) this.arpDrops.push({ ...e, ...origin });
  }
}

/** A drop of an ARP frame, or of a frame made from one: `from`, the node that sent the ARP frame, at `sent` (the drop may come later: a router gives up on its own ARP after the sender has). */
export interface ArpDrop extends TraceEvent {
  from: string;
  sent: number;
}

/** Drops that explain why ARP failed; not those a flood meets as a matter of course. */
const CAUSES = new Set<DropReason>(['LINK_DOWN', 'NO_ROUTE', 'ARP_FAILED', 'NOT_FOR_US', 'BAD_PACKET', 'FLOW_DROP', 'MTU_EXCEEDED', 'TTL_EXCEEDED', 'QUEUE_FULL']);

function isArp(bytes: Uint8Array | undefined): boolean {
  return bytes !== undefined && bytes.length >= 14 && bytes[12] === 0x08 && bytes[13] === 0x06;
}

const DISPOSITIONS: Partial<Record<DropReason, Disposition>> = {
  NO_ROUTE: 'NO_ROUTE',
  TTL_EXCEEDED: 'TTL_EXCEEDED',
  MTU_EXCEEDED: 'MTU_EXCEEDED',
  LOOP: 'LOOP',
};

/**
 * The path to `destination` (a node name) if it was delivered there, else to the last drop. A
 * packet that ends in ARP_FAILED is given the real cause when its node's ARP requests were
 * dropped on the way: the symptom is at the sender, the cause where they went (a link down, a
 * tunnel endpoint that takes no such VNI or key, a tunnel remote nobody answers for, no route
 * to it).
 */
export function buildPath(events: readonly TraceEvent[], destination: string | undefined, arpDrops: readonly ArpDrop[] = []): PathResult {
  const byFrame = new Map<number, TraceEvent[]>();
  for (const e of events) {
    const list = byFrame.get(e.packet) ?? [];
    list.push(e);
    byFrame.set(e.packet, list);
  }
  const delivered = events.find((e) => e.dir === 'deliver' && (destination === undefined || e.node === destination));
  const drops = events.filter((e) => e.dir === 'drop');
  const end = delivered ?? drops[drops.length - 1];
  if (end === undefined) return { disposition: 'DROPPED', detail: 'the packet vanished without a trace event', hops: [] };

  // The chain of frames from the first transmission to the one that ended.
  const chain: number[] = [];
  for (let id = end.packet; id !== 0; ) {
    chain.unshift(id);
    id = byFrame.get(id)?.[0]?.parent ?? 0;
  }
  const hops: Hop[] = [];
  let current: Hop | undefined;
  // The addresses the packet arrived at the current hop with: a change on the way out is a rewrite worth telling.
  let arrived: string[] | undefined;
  for (const id of chain) {
    for (const e of byFrame.get(id) ?? []) {
      if (e.dir === 'tx') {
        if (current === undefined || current.node !== e.node) {
          current = { node: e.node, actions: [] };
          hops.push(current);
        }
        current.outPort = e.port ?? '';
        const layers = summary(e.bytes);
        if (layers !== undefined) current.layers = layers;
        if (e.tenant !== undefined) current.tenant = e.tenant;
        const left = addresses(e.bytes);
        if (arrived !== undefined && left !== undefined && arrived.join() !== left.join()) {
          const changes = arrived.flatMap((a, k) => (a === left[k] ? [] : [`${a} → ${left[k]}`]));
          current.actions.push(`${current.tenant !== undefined ? `tenant ${current.tenant}: ` : ''}${[...new Set(changes)].join(', ')} (${current.inPort ?? ''} → ${current.outPort})`);
        }
      } else if (e.dir === 'rx') {
        current = { node: e.node, ...(e.port !== undefined && { inPort: e.port }), ...(e.tenant !== undefined && { tenant: e.tenant }), actions: [] };
        const layers = summary(e.bytes);
        if (layers !== undefined) current.layers = layers;
        arrived = addresses(e.bytes);
        hops.push(current);
      } else if (e.detail !== undefined) {
        if (current === undefined || current.node !== e.node) {
          current = { node: e.node, actions: [] };
          hops.push(current);
        }
        current.actions.push(e.dir === 'drop' ? `dropped (${e.reason}): ${e.detail}` : e.detail);
      }
    }
  }
  // A loop: the packet comes into the same node by the same port again (a router on a stick or
  // a VLAN trunk crosses a node twice, by different ports, and is no loop).
  const seen = new Set<string>();
  const loop = hops.some((h) => {
    if (h.inPort === undefined) return false;
    const key = `${h.node}:${h.inPort}`;
    return seen.has(key) ? true : (seen.add(key), false);
  });
  if (end.dir === 'deliver') return { disposition: loop ? 'LOOP' : 'DELIVERED', node: end.node, hops };
  let reason = end.reason;
  let detail = end.detail;
  let node = end.node;
  if (reason === 'ARP_FAILED') {
    // Since the packet reached that node; at its sender, whenever it began (it waited for ARP without an event of its own).
    const arrival = chain.flatMap((id) => byFrame.get(id) ?? []).find((e) => e.node === end.node);
    const since = hops.length <= 1 ? -Infinity : (arrival?.t ?? end.t);
    // The ARP request sent last before it gave up, of those that met a drop.
    const cause = arpDrops.filter((d) => d.from === end.node && d.sent >= since && d.sent <= end.t).sort((a, b) => b.sent - a.sent)[0];
    if (cause?.reason !== undefined) {
      reason = cause.reason;
      node = cause.node;
      detail = `${cause.detail ?? cause.reason}, so ${detail ?? 'ARP failed'}`;
      hops.at(-1)?.actions.push(`its ARP requests dropped${cause.node === end.node ? '' : ` at ${cause.node}`} (${cause.reason}): ${cause.detail ?? ''}`);
    }
  }
  return {
    disposition: loop ? 'LOOP' : ((reason && DISPOSITIONS[reason]) ?? 'DROPPED'),
    node,
    ...(reason && { reason }),
    ...(detail !== undefined && { detail }),
    hops,
  };
}

/** The outer IPv4 (or ARP) source and destination of a frame, as text. */
function addresses(bytes: Uint8Array | undefined): string[] | undefined {
  if (bytes === undefined) return undefined;
  for (const l of decodeTolerant(bytes).layers) {
    if (l.layer === 'ipv4') return [l.src, l.dst];
    if (l.layer === 'arp') return [l.senderIp, l.targetIp];
  }
  return undefined;
}

function summary(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : decodeTolerant(bytes).layers.map((l) => l.layer).join('/');
}

/** The path as text, one hop per block, as `netloom trace` prints it. */
export function formatPath(path: PathResult): string {
  const out: string[] = [];
  path.hops.forEach((h, i) => {
    out.push(`${i + 1}. ${formatHop(h)}${h.layers ? `  ${h.layers}` : ''}${h.tenant ? `  tenant ${h.tenant}` : ''}`);
    for (const a of h.actions) out.push(`     ${a}`);
  });
  const where = path.node ? ` at ${path.node}` : '';
  out.push(`${path.disposition}${where}${path.reason && path.disposition === 'DROPPED' ? ` (${path.reason})` : ''}${path.detail && path.disposition !== 'DELIVERED' ? `: ${path.detail}` : ''}`);
  return out.join('\n');
}

/** A hop's node and ports: `r1 (in eth0, out eth1)`. */
export function formatHop(h: Hop): string {
  const ports = [h.inPort && `in ${h.inPort}`, h.outPort && `out ${h.outPort}`].filter(Boolean).join(', ');
  return `${h.node}${ports ? ` (${ports})` : ''}`;
}
