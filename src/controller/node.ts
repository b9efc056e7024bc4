/**
 * A controller of the topology: a node with no ports, running netloom's controller and its app,
 * reached by each switch that names it over a simulated control channel (latency from the
 * file). Its schedule takes it down (every channel closes, as a crashed process's connections
 * do) and up again (every switch connects anew).
 */
import { Node, type Network, type Port, type Frame } from '../sim/network.js';
import { SimulatedChannel } from '../openflow/channel.js';
import type { SwitchAgent } from '../openflow/agent.js';
import { Controller, type AppFactory } from './controller.js';

/** An SDN controller in the topology: an app (built-in name or module path) driving the switches that name it, over simulated control channels. */
export interface ControllerSpec {
  kind: 'controller';
  name: string;
  /** A built-in app (`learning`, …) or a module path, resolved against the topology file's folder. */
  app: string;
  options: Record<string, unknown>;
  /** One-way latency of its control channels, ns. */
  latency: number;
  /** Controller failures and restarts, in time order. */
  schedule: { at: number; state: 'down' | 'up' }[];
}

const TIMER_STATE = 1;
const TIMER_CONNECT = 2;

export class ControllerNode extends Node {
  readonly controller: Controller;
  private up = true;
  private readonly agents: SwitchAgent[] = [];
  private channels: SimulatedChannel[] = [];

  constructor(
    net: Network,
    readonly spec: ControllerSpec,
    app: AppFactory,
  ) {
    super(net, spec.name, 'controller');
    this.controller = new Controller(spec.name);
    this.controller.use(app, spec.options);
    for (const change of spec.schedule) net.scheduler.at(change.at, this, TIMER_STATE, undefined, change.state === 'up' ? 1 : 0);
  }

  /** A switch that names this controller: it connects when the run starts (so traces see the HELLOs). */
  manage(agent: SwitchAgent): void {
    this.agents.push(agent);
    agent.node.controllerName = this.name;
    this.net.scheduler.at(0, this, TIMER_CONNECT, agent);
  }

  private connect(agent: SwitchAgent): void {
    // Its number among the network's controllers, from 1: the last byte of its control-channel address.
    const ordinal = [...this.net.nodes.values()].filter((n) => n instanceof ControllerNode).indexOf(this) + 1;
    const channel = new SimulatedChannel(this.net, this.spec.latency, `${agent.node.name}—${this.name}`, { node: agent.node.name, index: this.agents.indexOf(agent) + 1, controller: ordinal }, agent.node.controlRate === undefined ? 0 : Math.round(1e9 / agent.node.controlRate));
    const connection = agent.connect(channel.switchSide, 'controller');
    agent.expectController();
    const dp = this.controller.attach(channel.controllerSide);
    channel.onSwitchBytes = (bytes) => connection.receive(bytes);
    channel.onControllerBytes = (bytes) => dp.receive(bytes);
    channel.onClosed = (side) => (side === 'switch' ? dp.lost() : connection.close());
    this.channels.push(channel);
  }

  receive(_port: Port, _frame: Frame): void {
    // No ports: the control channel is out of band.
  }

  override onEvent(kind: number, payload: unknown, aux: number): void {
    if (kind === TIMER_CONNECT) {
      if (this.up) this.connect(payload as SwitchAgent);
      return;
    }
    if (kind !== TIMER_STATE || (aux === 1) === this.up) return;
    this.up = aux === 1;
    this.controller.note(`${this.name} ${this.up ? 'is up again' : 'went down'}`);
    if (this.up) {
      for (const agent of this.agents) this.connect(agent);
      return;
    }
    // A crashed controller: its side of every connection closes; the switches see it after the latency.
    for (const dp of [...this.controller.datapaths.values()]) dp.close();
    for (const channel of this.channels) channel.controllerSide.close();
    this.channels = [];
  }
}
