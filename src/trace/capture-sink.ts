/**
 * Trace events -> a capture: every port of the network (or those `select` takes) is an interface (`node:port`), frames
 * leaving a port are outbound, arriving inbound, and a frame dropped at a port is written with
 * a comment saying why. A forwarding decision becomes the comment of the frame it sent.
 */
import type { CaptureWriter } from '../capture/writer.js';
import type { TraceEvent, TraceSink } from '../sim/recorder.js';
import type { Network } from '../sim/network.js';
import { IpNode } from '../hosts/ip-node.js';
import { macToText } from '../wire/addresses.js';
import { numberToIpv4 } from '../hosts/addressing.js';

const DECISIONS = new Set<TraceEvent['dir']>(['route', 'match', 'encap', 'decap']);
const MAX_DECISIONS = 4096;

export class CaptureSink implements TraceSink {
  private readonly interfaces = new Map<string, number>();
  /** The decision made about a frame, waiting for the frame it sends. */
  private readonly decisions = new Map<number, string>();

  constructor(
    net: Network,
    private readonly capture: CaptureWriter,
    /** The ports captured (node name, port name); every port when absent. */
    private readonly select: (node: string, port: string) => boolean = () => true,
  ) {
    for (const node of net.nodes.values()) {
      for (const port of node.ports) {
        if (!select(node.name, port.name)) continue;
        let description = `${node.kind} port`;
        const iface = node instanceof IpNode ? node.interfaceOf(port) : undefined;
        if (iface !== undefined) {
          const addresses = iface.addresses.map((a) => `${numberToIpv4(a.address)}/${a.length}`).join(', ');
          description = `${node.kind} interface ${macToText(iface.mac, 0)}${addresses ? `, ${addresses}` : ''}`;
        }
        if (port.link) description += `, link to ${port.link.to.id}`;
        this.interfaces.set(port.id, capture.addInterface({ name: port.id, description }));
      }
    }
  }

  event(e: TraceEvent): void {
    if (e.dir === 'control') {
      if (e.bytes !== undefined && e.port !== undefined) this.control(e, e.bytes, e.port);
      return;
    }
    if (e.bytes === undefined || e.port === undefined) {
      if (e.detail !== undefined && DECISIONS.has(e.dir)) this.decide(e.packet, e.detail);
      return;
    }
    const id = this.interfaces.get(`${e.node}:${e.port}`);
    if (id === undefined) return;
    // A tenant's packets say whose they are: `tenant blue`, before any other comment.
    const tenant = e.tenant === undefined ? undefined : `tenant ${e.tenant}`;
    const comment = (text: string | undefined) => (tenant === undefined ? text : text === undefined ? tenant : `${tenant}: ${text}`);
    if (e.dir === 'tx') {
      // Every copy a decision sent (a flood) carries it; entries are dropped oldest first.
      const text = comment(this.decisions.get(e.parent));
      this.capture.writePacket(id, e.t, e.bytes, text === undefined ? { direction: 'outbound' } : { direction: 'outbound', comment: text });
    } else if (e.dir === 'rx') {
      this.capture.writePacket(id, e.t, e.bytes, tenant === undefined ? { direction: 'inbound' } : { direction: 'inbound', comment: tenant });
    } else if (e.dir === 'drop') {
      this.capture.writePacket(id, e.t, e.bytes, { comment: comment(`dropped: ${e.reason}${e.detail ? `: ${e.detail}` : ''}`)! });
    } else if (e.detail !== undefined && DECISIONS.has(e.dir)) {
      this.decide(e.packet, e.detail);
    }
  }

  /** A control-channel message, framed as TCP: its own interface per switch (`s1:openflow`), outbound from the switch. */
  private control(e: TraceEvent, bytes: Uint8Array, port: string): void {
    const name = `${e.node}:${port}`;
    let id = this.interfaces.get(name);
    if (id === undefined) {
      if (!this.select(e.node, port)) return;
      id = this.capture.addInterface({ name, description: `OpenFlow control channel of ${e.node} (TCP port 6653)` });
      this.interfaces.set(name, id);
    }
    this.capture.writePacket(id, e.t, bytes, { direction: e.detail?.startsWith('to ') ? 'outbound' : 'inbound', ...(e.detail !== undefined && { comment: e.detail }) });
  }

  /** Remembers a decision for the frames it sends; a bounded memory (a packet waiting for ARP keeps its entry a while). */
  private decide(packet: number, detail: string): void {
    if (this.decisions.size >= MAX_DECISIONS) this.decisions.delete(this.decisions.keys().next().value!);
    this.decisions.set(packet, detail);
  }

  close(): void {
    this.capture.close();
  }
}
