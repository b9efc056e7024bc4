/**
 * The controller's handle on one connected switch (os-ken's Datapath): its features and ports,
 * and the calls an app makes — FLOW_MOD structured or in ovs-ofctl syntax, PACKET_OUT,
 * GROUP_MOD, METER_MOD, statistics and barriers — with replies as promises correlated by xid.
 * A request the switch refuses rejects with the OpenFlow error it sent; a switch that goes away
 * rejects everything still waiting.
 */
import { MessageFramer } from '../openflow/framing.js';
import { decodeMessage, encodeMessage, OFP_NO_BUFFER, OFPFC, OFPP, OFPG_ANY, OFPTT_ALL, type MessageOf, type OfMessage } from '../openflow/messages.js';
import { OFPMPF_MORE, type MultipartReplyBody, type MultipartRequestBody } from '../openflow/multipart.js';
import { actionsToInstructions, matchToOxm } from '../openflow/flows.js';
import type { Transport } from '../openflow/agent.js';
import type { OfAction, OfInstruction } from '../openflow/actions.js';
import type { Oxm } from '../openflow/oxm.js';
import type { OfPort } from '../openflow/structs.js';
import { OpenFlowError } from '../openflow/errors.js';
import { parseFlow, parseSelector } from '../switch/ofctl.js';

/** An OpenFlow ERROR the switch answered a request with. */
export class OpenFlowRequestError extends Error {
  override readonly name = 'OpenFlowRequestError';
  readonly code = 'NETLOOM_OF_REQUEST_REFUSED';
  constructor(
    readonly request: OfMessage['type'],
    readonly errorType: number,
    readonly errorCode: number,
    readonly datapathId: bigint,
  ) {
    super(`switch ${formatDpid(datapathId)} refused ${request}: OpenFlow error type ${errorType}, code ${errorCode}`);
  }
}

export function formatDpid(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

/** A FLOW_MOD as an app writes it: any part left out gets OpenFlow's default (ADD, table 0, priority 0x8000, no timeouts, NO_BUFFER, ANY). */
export interface FlowModSpec {
  command?: 'add' | 'modify' | 'modify_strict' | 'delete' | 'delete_strict';
  tableId?: number;
  priority?: number;
  cookie?: bigint;
  cookieMask?: bigint;
  idleTimeout?: number;
  hardTimeout?: number;
  flags?: number;
  outPort?: number;
  outGroup?: number;
  match?: Oxm[];
  instructions?: OfInstruction[];
  /** Shorthand for instructions: [apply_actions(actions)]. */
  actions?: OfAction[];
}

interface Pending {
  request: OfMessage['type'];
  parts: OfMessage[];
  resolve: (replies: OfMessage[]) => void;
  reject: (error: Error) => void;
}

/** What the datapath tells its controller. */
export interface DatapathHandler {
  message(dp: Datapath, m: OfMessage): void;
  closed(dp: Datapath): void;
}

const COMMAND = { add: OFPFC.ADD, modify: OFPFC.MODIFY, modify_strict: OFPFC.MODIFY_STRICT, delete: OFPFC.DELETE, delete_strict: OFPFC.DELETE_STRICT } as const;

export class Datapath {
  /** The switch's datapath id, known once its FEATURES_REPLY arrives. */
  id = 0n;
  nTables = 0;
  /** Its ports by OpenFlow number, from PORT_DESC and kept current by PORT_STATUS. */
  readonly ports = new Map<number, OfPort>();
  private readonly framer = new MessageFramer();
  private readonly pending = new Map<number, Pending>();
  private xid = 0;
  private closed = false;

  constructor(
    readonly transport: Transport,
    private readonly handler: DatapathHandler,
  ) {}

  get open(): boolean {
    return !this.closed;
  }

  /** Bytes from the switch. A switch that sends garbage is disconnected. */
  receive(chunk: Uint8Array): void {
    let messages: Uint8Array[];
    try {
      messages = this.framer.push(chunk);
    } catch {
      this.close();
      return;
    }
    for (const bytes of messages) {
      let m: OfMessage;
      try {
        m = decodeMessage(bytes);
      } catch (e) {
        if (!(e instanceof OpenFlowError)) throw e;
        continue;
      }
      if (this.settle(m)) continue;
      this.handler.message(this, m);
    }
  }

  /** A reply to a request of ours: collect it (multipart until no more), or reject on ERROR. */
  private settle(m: OfMessage): boolean {
    const p = this.pending.get(m.xid);
    if (p === undefined || m.xid === 0) return false;
    if (m.type === 'error') {
      this.pending.delete(m.xid);
      p.reject(new OpenFlowRequestError(p.request, m.errorType, m.code, this.id));
      // The app hears of it too.
      return false;
    }
    p.parts.push(m);
    if (m.type === 'multipart_reply' && (m.flags & OFPMPF_MORE) !== 0) return true;
    this.pending.delete(m.xid);
    p.resolve(p.parts);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
    for (const p of this.pending.values()) p.reject(new Error(`switch ${formatDpid(this.id)} disconnected before answering ${p.request}`));
    this.pending.clear();
    this.handler.closed(this);
  }

  /** Called by the transport when the switch went away. */
  lost(): void {
    this.close();
  }

  nextXid(): number {
    this.xid = (this.xid + 1) >>> 0 || 1;
    return this.xid;
  }

  /** Sends a message (its xid, if 0, is assigned) and returns the xid. */
  send(m: OfMessage): number {
    if (m.xid === 0 && m.type !== 'hello') m = { ...m, xid: this.nextXid() };
    if (!this.closed) this.transport.send(encodeMessage(m), false);
    return m.xid;
  }

  /** Sends a request and resolves with its replies (every part of a multipart reply). */
  request(m: OfMessage): Promise<OfMessage[]> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error(`switch ${formatDpid(this.id)} is not connected`));
        return;
      }
      const xid = m.xid === 0 ? this.nextXid() : m.xid;
      this.pending.set(xid, { request: m.type, parts: [], resolve, reject });
      this.send({ ...m, xid });
    });
  }

  /**
   * Sends a message that has no reply (FLOW_MOD, PACKET_OUT, GROUP_MOD…) and a barrier after it,
   * as ovs-ofctl does: resolves once the switch has applied it, rejects with OpenFlowRequestError
   * if the switch refused it.
   */
  async apply(m: OfMessage): Promise<void> {
    const xid = m.xid === 0 ? this.nextXid() : m.xid;
    const refused = new Promise<never>((_, reject) => this.pending.set(xid, { request: m.type, parts: [], resolve: () => {}, reject }));
    this.send({ ...m, xid });
    try {
      await Promise.race([this.barrier(), refused]);
    } finally {
      this.pending.delete(xid);
    }
  }

  /** A barrier: resolves when the switch has applied everything sent before it. */
  async barrier(): Promise<void> {
    await this.request({ type: 'barrier_request', xid: 0 });
  }

  /** A multipart request; resolves with every reply body. */
  async multipart(body: MultipartRequestBody): Promise<MultipartReplyBody[]> {
    const replies = await this.request({ type: 'multipart_request', xid: 0, flags: 0, body });
    return replies.map((r) => (r as MessageOf<'multipart_reply'>).body);
  }

  /** A FLOW_MOD, structured; returns its xid (errors arrive as the app's error events). */
  flowMod(spec: FlowModSpec): number {
    return this.send({
      type: 'flow_mod', xid: 0, command: COMMAND[spec.command ?? 'add'], tableId: spec.tableId ?? 0, priority: spec.priority ?? 0x8000,
      cookie: spec.cookie ?? 0n, cookieMask: spec.cookieMask ?? 0n, idleTimeout: spec.idleTimeout ?? 0, hardTimeout: spec.hardTimeout ?? 0,
      bufferId: OFP_NO_BUFFER, outPort: spec.outPort ?? OFPP.ANY, outGroup: spec.outGroup ?? OFPG_ANY, flags: spec.flags ?? 0,
      match: spec.match ?? [], instructions: spec.instructions ?? (spec.actions ? [{ type: 'apply_actions', actions: spec.actions }] : []),
    });
  }

  /**
   * `ovs-ofctl -O OpenFlow13 add-flow` syntax: `dp.addFlow('priority=1,in_port=1,dl_dst=…,actions=output:2')`.
   * A mistake throws FlowSyntaxError; the channel speaks OpenFlow 1.3, so the flow gets its checks
   * (strip_vlan needs a match that proves a tag), as the switch would give the FLOW_MOD.
   */
  addFlow(text: string, flags = 0): number {
    const rule = parseFlow(text, { protocols: 'OpenFlow13' });
    return this.flowMod({
      tableId: rule.table, priority: rule.priority, cookie: rule.cookie, idleTimeout: rule.idleTimeout, hardTimeout: rule.hardTimeout, flags,
      match: matchToOxm(rule.match), instructions: actionsToInstructions(rule.actions, rule.match, rule.meter),
    });
  }

  /** `ovs-ofctl del-flows` syntax (every flow of every table when empty); strict compares priority and match. */
  deleteFlows(text = '', strict = false): number {
    const s = parseSelector(text);
    return this.flowMod({
      command: strict ? 'delete_strict' : 'delete', tableId: s.table ?? OFPTT_ALL, priority: s.rule.priority, cookie: s.rule.cookie, cookieMask: s.cookieMask,
      match: matchToOxm(s.rule.match),
    });
  }

  /** A PACKET_OUT of a whole frame (netloom switches, like Open vSwitch, buffer nothing). */
  packetOut(data: Uint8Array, actions: OfAction[], inPort: number = OFPP.CONTROLLER): number {
    return this.send({ type: 'packet_out', xid: 0, bufferId: OFP_NO_BUFFER, inPort, actions, data });
  }
}
