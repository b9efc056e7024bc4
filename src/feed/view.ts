/**
 * What the feed says about a topology and its trace events: the topology as a viewer draws it,
 * each event with its link, layer stack and encapsulation overheads, and the full decode of a
 * packet. Reads topology specs and event bytes; never touches the running network.
 */
import type { Topology } from '../topology/types.js';
import type { TraceEvent } from '../sim/recorder.js';
import { decodeTolerant, type LayerSpan } from '../wire/decode.js';
import { encapsulations, explain } from '../wire/explain.js';
import { decodedToJson } from '../wire/json.js';
import { toHex } from '../wire/addresses.js';
import type { SecurityAssociation } from '../wire/esp-sa.js';
import type { DecodeMessage, FeedEvent, TopologyView } from './messages.js';

export function topologyView(topology: Topology): TopologyView {
  const ports = new Map<string, string[]>(topology.nodes.map((n) => [n.name, []]));
  for (const node of topology.nodes) {
    const own = ports.get(node.name)!;
    if (node.kind === 'switch') {
      own.push(...node.ports.map((p) => p.name));
      if (node.underlay) own.push(node.underlay.interface.name);
    } else if (node.kind !== 'controller') own.push(...node.interfaces.map((i) => i.name));
  }
  const channels: TopologyView['channels'] = [];
  const channel = (controller: string, sw: string) => {
    if (!channels.some((c) => c.controller === controller && c.switch === sw)) channels.push({ controller, switch: sw });
  };
  for (const node of topology.nodes) if (node.kind === 'switch' && node.controller !== undefined && 'node' in node.controller) channel(node.controller.node, node.name);
  for (const t of topology.tenants ?? []) if ('node' in t.controller) for (const s of t.switches) for (const p of s.ports) channel(t.controller.node, p.switch);
  return {
    name: topology.name,
    seed: topology.seed,
    nodes: topology.nodes.map((n) => ({ name: n.name, kind: n.kind, ports: ports.get(n.name)! })),
    links: topology.links.map((l, id) => ({ id, endpoints: [l.endpoints[0], l.endpoints[1]], latency: l.latency, bandwidth: l.bandwidth, mtu: l.mtu })),
    channels,
    tenants: (topology.tenants ?? []).map((t) => ({
      name: t.name,
      id: t.id,
      switches: t.switches.map((s) => s.name),
      ports: t.switches.flatMap((s) => s.ports.map((p) => `${p.switch}:${p.port}`)),
      ...('node' in t.controller && { controller: t.controller.node }),
    })),
  };
}

/** `node:port` -> the id of the link it is on. */
export function linkIds(topology: Topology): Map<string, number> {
  const ids = new Map<string, number>();
  topology.links.forEach((l, id) => {
    ids.set(l.endpoints[0], id);
    ids.set(l.endpoints[1], id);
  });
  return ids;
}

/** A trace event as the feed sends it; decodes the bytes once for the stack (done only when some client is there). */
export function feedEvent(e: TraceEvent, seq: number, run: number, links: ReadonlyMap<string, number>): FeedEvent {
  const out: FeedEvent = { kind: 'event', seq, run, t: e.t, node: e.node, dir: e.dir, packet: e.packet, trace: e.trace, parent: e.parent };
  if (e.port !== undefined) {
    out.port = e.port;
    const link = links.get(`${e.node}:${e.port}`);
    if (link !== undefined) out.link = link;
  }
  // Control-channel messages are OpenFlow over TCP, not frames: no Ethernet stack to show.
  if (e.bytes !== undefined && e.dir !== 'control') {
    out.length = e.bytes.length;
    const spans: LayerSpan[] = [];
    const { layers, error } = decodeTolerant(e.bytes, {}, spans);
    out.stack = layers.map((l, i) => ({ layer: l.layer, bytes: spans[i]!.headerEnd - spans[i]!.start }));
    const encap = encapsulations(e.bytes.length, layers, spans);
    if (encap.length > 0) out.encap = encap.map((x) => ({ tunnel: x.tunnel, inner: x.inner, innerBytes: x.innerLength, before: x.before, after: x.after }));
    if (error) out.malformed = error.code;
  } else if (e.bytes !== undefined) out.length = e.bytes.length;
  if (e.rule !== undefined) out.rule = e.rule;
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.detail !== undefined) out.detail = e.detail;
  if (e.tenant !== undefined) out.tenant = e.tenant;
  return out;
}

/** The full decode of an event's packet (ESP opened with `espSAs`, the run's own keys), or undefined when the event carries no bytes. */
export function decodeEvent(e: TraceEvent, seq: number, espSAs: readonly SecurityAssociation[] = []): DecodeMessage | undefined {
  if (e.bytes === undefined || e.dir === 'control') return undefined;
  return { type: 'decode', seq, bytes: toHex(e.bytes), ...decodedToJson(decodeTolerant(e.bytes, { espSAs })), explain: explain(e.bytes, { espSAs }) };
}
