/**
 * A simulated OpenFlow control channel: the connection between a switch and a controller of the
 * same topology, carried on the virtual clock as an in-order byte stream with a one-way latency.
 * Deterministic: the same run gives the same messages at the same times. Each delivery to the
 * controller lets the controller's awaited promises run before the next event (yieldSoon).
 *
 * When something records traces, every message is also a trace event on the switch's pseudo
 * port `openflow`, its bytes framed as TCP/IPv4 to port 6653 (one segment per message, sequence
 * numbers running on), so a capture of the run shows the control channel beside the data plane
 * and Wireshark's OpenFlow dissector reads it.
 */
import type { EventHandler } from '../sim/scheduler.js';
import type { Network } from '../sim/network.js';
import type { Transport } from './agent.js';
import { encode } from '../wire/encode.js';
import { OFP_HEADER_LENGTH } from './messages.js';

/** IANA's OpenFlow port. */
export const OPENFLOW_TCP_PORT = 6653;
/** The pseudo port control-channel traffic is recorded on. */
export const CONTROL_PORT = 'openflow';
/** Message type names by number, for trace details. */
const TYPE_NAMES = ['HELLO', 'ERROR', 'ECHO_REQUEST', 'ECHO_REPLY', 'EXPERIMENTER', 'FEATURES_REQUEST', 'FEATURES_REPLY', 'GET_CONFIG_REQUEST', 'GET_CONFIG_REPLY',
  'SET_CONFIG', 'PACKET_IN', 'FLOW_REMOVED', 'PORT_STATUS', 'PACKET_OUT', 'FLOW_MOD', 'GROUP_MOD', 'PORT_MOD', 'TABLE_MOD', 'MULTIPART_REQUEST', 'MULTIPART_REPLY',
  'BARRIER_REQUEST', 'BARRIER_REPLY', 'QUEUE_GET_CONFIG_REQUEST', 'QUEUE_GET_CONFIG_REPLY', 'ROLE_REQUEST', 'ROLE_REPLY', 'GET_ASYNC_REQUEST', 'GET_ASYNC_REPLY',
  'SET_ASYNC', 'METER_MOD'];
/** The largest TCP payload in one recorded segment (an IPv4 packet is at most 65,535 bytes). */
const MAX_SEGMENT = 65_000;

const TO_SWITCH = 1;
const TO_CONTROLLER = 2;
const CLOSE = 3;

export type ChannelSide = 'switch' | 'controller';

export class SimulatedChannel implements EventHandler {
  /** Where bytes arriving at each side go (the switch's Connection, the controller's Datapath). */
  onSwitchBytes: (bytes: Uint8Array) => void = () => {};
  onControllerBytes: (bytes: Uint8Array) => void = () => {};
  /** Told, after the latency, that the other side closed. */
  onClosed: (side: ChannelSide) => void = () => {};
  private closed = false;
  private switchBusyUntil = 0;
  readonly switchSide: Transport;
  readonly controllerSide: Transport;

  /** TCP sequence numbers of each side's next byte, for the recorded segments. */
  private readonly seq = { switch: 1, controller: 1 };

  constructor(
    private readonly net: Network,
    /** One-way latency, ns. */
    readonly latency: number,
    readonly label: string,
    /** The switch whose pseudo port records the channel, the channel's number among its controller's (the switch end's address and port), and the controller's number (its address). */
    private readonly record: { node: string; index: number; controller: number },
    /** The switch's CPU time per message it receives, ns (0: none): messages wait their turn, as on a switch with a slow control plane. */
    private readonly serviceTime = 0,
  ) {
    this.switchSide = this.end('switch');
    this.controllerSide = this.end('controller');
  }

  private end(side: ChannelSide): Transport {
    return {
      label: `${this.label} (${side})`,
      send: (bytes) => {
        if (this.closed) return false;
        if (this.net.recorder.active) this.trace(side, bytes);
        if (side === 'switch') this.net.scheduler.after(this.latency, this, TO_CONTROLLER, bytes);
        else this.net.scheduler.at(this.handledAt(), this, TO_SWITCH, bytes);
        return true;
      },
      close: () => {
        if (this.closed) return;
        this.closed = true;
        // After what the switch still has to handle.
        this.net.scheduler.at(Math.max(this.net.scheduler.now + this.latency, this.switchBusyUntil), this, CLOSE, undefined, side === 'switch' ? 1 : 0);
      },
    };
  }

  get open(): boolean {
    return !this.closed;
  }

  /** When the switch is done with a message sent now: after the latency and the messages before it. */
  private handledAt(): number {
    const arrival = this.net.scheduler.now + this.latency;
    if (this.serviceTime === 0) return arrival;
    this.switchBusyUntil = Math.max(arrival, this.switchBusyUntil) + this.serviceTime;
    return this.switchBusyUntil;
  }

  /**
   * Records a message as TCP segments between the switch (198.18.X.Y, port 40000 + index) and
   * the controller (198.18.0.C, port 6653, C its number, so no two channels share addresses and
   * ports, and Wireshark keeps their TCP streams apart): addresses of the benchmarking range (RFC 2544),
   * which no real network uses.
   */
  private trace(from: ChannelSide, message: Uint8Array): void {
    const net = this.net;
    const k = this.record.index;
    const switchIp = `198.18.${1 + (k >> 8)}.${k & 0xff}`;
    const ends = { switch: { ip: switchIp, port: 40000 + k, mac: `02:c0:00:00:${((k >> 8) & 0xff).toString(16).padStart(2, '0')}:${(k & 0xff).toString(16).padStart(2, '0')}` }, controller: { ip: `198.18.0.${this.record.controller}`, port: OPENFLOW_TCP_PORT, mac: `02:c0:00:00:ff:${this.record.controller.toString(16).padStart(2, '0')}` } };
    const to: ChannelSide = from === 'switch' ? 'controller' : 'switch';
    const type = message.length >= OFP_HEADER_LENGTH ? (TYPE_NAMES[message[1]!] ?? `type ${message[1]}`) : 'bytes';
    const xid = message.length >= OFP_HEADER_LENGTH ? ((message[4]! << 24) | (message[5]! << 16) | (message[6]! << 8) | message[7]!) >>> 0 : 0;
    for (let o = 0; o < message.length; o += MAX_SEGMENT) {
      const payload = message.subarray(o, o + MAX_SEGMENT);
      const bytes = encode([
        { layer: 'ethernet', src: ends[from].mac, dst: ends[to].mac },
        { layer: 'ipv4', src: ends[from].ip, dst: ends[to].ip, ttl: 64, df: true },
        { layer: 'tcp', srcPort: ends[from].port, dstPort: ends[to].port, seq: this.seq[from] >>> 0, ack: this.seq[to] >>> 0, flags: 0x18, window: 65535 },
        { layer: 'payload', data: payload },
      ]);
      this.seq[from] += payload.length;
      net.recorder.record({
        t: net.scheduler.now, node: this.record.node, port: CONTROL_PORT, dir: 'control', packet: 0, trace: 0, parent: 0, bytes,
        detail: `${from === 'switch' ? 'to' : 'from'} ${this.label.slice(this.label.indexOf('—') + 1)}: OFPT_${type} xid=${xid}`,
      });
    }
  }

  onEvent(kind: number, payload: unknown, aux: number): void {
    if (kind === CLOSE) {
      this.onClosed(aux === 1 ? 'switch' : 'controller');
      return;
    }
    if (kind === TO_SWITCH) this.onSwitchBytes(payload as Uint8Array);
    else {
      this.onControllerBytes(payload as Uint8Array);
      this.net.scheduler.yieldSoon();
    }
  }
}
