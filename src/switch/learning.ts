/**
 * A plain MAC-learning Ethernet switch: learns source MACs per port, forwards to the learned
 * port, floods unknown and broadcast destinations (never back out the input port). The
 * OVS-like flow-table switch will replace it; its NORMAL action behaves like this.
 */
import { Node, type Frame, type Network, type Port } from '../sim/network.js';
import { macToNumber } from '../wire/addresses.js';

export class LearningSwitch extends Node {
  private readonly table = new Map<number, Port>();

  constructor(net: Network, name: string, ports: string[]) {
    super(net, name, 'switch');
    for (const p of ports) this.addPort(p);
  }

  receive(port: Port, frame: Frame): void {
    const b = frame.bytes;
    if (b.length < 14) {
      this.net.drop(this, port, frame, 'BAD_PACKET', 'shorter than an Ethernet header');
      return;
    }
    const src = macToNumber(b, 6);
    // Group addresses (I/G bit set) are never learned.
    if ((b[6]! & 1) === 0) this.table.set(src, port);
    const out = (b[0]! & 1) === 0 ? this.table.get(macToNumber(b, 0)) : undefined;
    if (out !== undefined) {
      if (out !== port) out.send(this.net.frame(b, frame));
      return;
    }
    for (const p of this.ports) if (p !== port && p.link !== undefined) p.send(this.net.frame(b, frame));
  }
}
