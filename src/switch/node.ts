/**
 * The switch as a node of the simulation: frames arriving on a port go through the bridge's
 * OpenFlow pipeline, and the packets it outputs leave on the ports it names. When something
 * records traces, each packet's table lookups become its 'match' event.
 */
import { Node, type Frame, type Network, type Port } from '../sim/network.js';
import type { SwitchSpec } from '../topology/types.js';
import { Bridge } from './bridge.js';

export class SwitchNode extends Node {
  readonly bridge: Bridge;
  private readonly byNumber = new Map<number, Port>();
  private readonly numberOf = new Map<Port, number>();
  /** Expire rules lazily only if some rule can expire. */
  private readonly timeouts: boolean;

  constructor(net: Network, spec: SwitchSpec) {
    super(net, spec.name, 'switch');
    for (const p of spec.ports) {
      const port = this.addPort(p.name);
      this.byNumber.set(p.ofport, port);
      this.numberOf.set(port, p.ofport);
    }
    this.bridge = new Bridge(spec.name, spec.ports.map((p) => ({ number: p.ofport, name: p.name, ...(p.tag !== undefined && { tag: p.tag }), ...(p.trunks !== undefined && { trunks: p.trunks }) })));
    // A bridge with no flows behaves as a standalone Open vSwitch bridge: NORMAL.
    const flows = spec.flows.length > 0 ? spec.flows : ['priority=0,actions=NORMAL'];
    const rules = flows.map((f, i) => this.bridge.addFlow(f, 0, `${spec.name} flows[${i}]`));
    this.timeouts = rules.some((r) => r.idleTimeout > 0 || r.hardTimeout > 0);
  }

  receive(port: Port, frame: Frame): void {
    const net = this.net;
    const now = net.scheduler.now;
    if (this.timeouts) this.bridge.pipeline.expire(now);
    const tracing = net.recorder.active;
    const result = this.bridge.process(this.numberOf.get(port)!, frame.bytes, now, tracing);
    if (tracing) net.trace(this, port, frame, 'match', result.trace.map((l) => l.trim()).join('; '));
    if (result.outputs.length === 0) {
      net.drop(this, port, frame, 'FLOW_DROP', 'the flow tables sent it nowhere');
      return;
    }
    for (const out of result.outputs) {
      const to = out.port === 'controller' ? undefined : this.byNumber.get(out.port);
      if (to === undefined) {
        net.drop(this, port, net.frame(out.bytes, frame), 'FLOW_DROP', out.port === 'controller' ? 'sent to the controller, and none is attached' : `no port ${out.port}`);
        continue;
      }
      to.send(net.frame(out.bytes, frame));
    }
  }
}
