/**
 * The OpenFlow 1.3 agent of one netloom switch (Open vSwitch's connmgr and ofproto message
 * handling): it speaks to any number of controller connections at once, answers each request
 * as ovs-vswitchd does (the same replies, the same errors, the same table features and
 * statistics shapes, so ovs-ofctl prints the same), applies FLOW_MODs and PACKET_OUTs to the
 * switch's bridge, and sends PACKET_IN, FLOW_REMOVED and PORT_STATUS to the connections that
 * want them.
 *
 * It knows nothing of sockets: a connection is a `Transport` (send bytes, close). tcp.ts puts
 * connections on TCP; a simulated control channel can carry them too.
 */
import type { SwitchEvents, SwitchPortInfo } from '../switch/node.js';
import type { Bridge } from '../switch/bridge.js';
import type { Scheduler } from '../sim/scheduler.js';
import type { EventHandler } from '../sim/scheduler.js';
import type { Action, Group, Rule } from '../switch/flow.js';
import { selects, usesGroup, type PacketInCause } from '../switch/pipeline.js';
import { W } from '../switch/fields.js';
import { GROUP_TYPES, Match, OFPG_MAX } from '../switch/flow.js';
import { GroupError } from '../switch/group.js';
import { BAND_TYPES, MAX_BANDS, MeterError, OFPMF, OFPM_ALL, SUPPORTED_FLAGS, band, type Meter } from '../switch/meter.js';
import { OFPBAC, OFPBRC, OFPET, OFPFMFC, OFPGMFC, OFPHFC, OFPMMFC, OFPPMFC, OFPQOFC, OpenFlowError, type OfpErrorCode } from './errors.js';
import {
  OFPCR_ROLE, OFPFC, OFPFF, OFPGC, OFPMC, OFPG_ALL, OFPG_ANY, OFPP, OFPPR, OFPPS, OFPRR, OFPTT_ALL, OFP_NO_BUFFER, OFP_VERSION, decodeMessage, encodeMessage, errorFor,
  type MessageOf, type OfMessage,
} from './messages.js';
import { MessageFramer } from './framing.js';
import { OFPMPF_MORE, type MultipartReplyBody, type MultipartRequestBody, type OfFlowStats, type OfGroupDesc, type OfGroupStats, type OfMeterConfig, type OfMeterStats } from './multipart.js';
import { actionsFromPacketOut, actionsToInstructions, bandsToOfp, bucketsFromOfp, bucketsToOfp, matchFromOxm, matchToOxm, portFromOfp, portToOfp, ruleFrom } from './flows.js';
import { OXM_FIELDS, type Oxm } from './oxm.js';
import type { OfPacketQueue, OfPort, OfPortStats, OfQueueStats, OfTableFeatures, OfTableFeatureProperty } from './structs.js';
import type { EgressQueue } from '../sim/egress.js';
import { OFPTFPT } from './structs.js';

/**
 * What the agent drives: a netloom switch (SwitchNode), or a tenant's virtual switch (the
 * platform's, src/tenants/) — its flow tables, ports, and where its packets go.
 */
export interface OpenFlowDatapath {
  readonly name: string;
  readonly datapathId: bigint;
  readonly failMode: 'secure' | 'standalone';
  readonly bridge: Bridge;
  readonly net: { readonly scheduler: Scheduler };
  /** Who gets PACKET_INs, for traces. */
  controllerName: string;
  listen(listener: SwitchEvents | undefined): void;
  /** Flows or groups were added, changed or deleted over OpenFlow. */
  flowsChanged(): void;
  /** A flow a controller installed, for traces. */
  noteInstalled(flow: string): void;
  portInfo(): SwitchPortInfo[];
  /** A port's egress queues in id order, for queue statistics and config; a datapath without this has none. */
  queues?(number: number): readonly EgressQueue[];
  packetOut(inPort: number, actions: readonly Action[], bytes: Uint8Array): void;
  /** A PORT_MOD: new config bits under `mask`; the port as it is now, or undefined when nothing changed or there is no such port. */
  modPort(number: number, config: number, mask: number): SwitchPortInfo | undefined;
  /** OpenFlow messages a second the switch's CPU handles on a simulated channel (unset: no limit). */
  readonly controlRate?: number | undefined;
  /** Asked before each message after HELLO (ECHOs exempt): an error refuses it (a tenant past its message rate). */
  admit?(m: OfMessage): OfpErrorCode | undefined;
  /** Told of each message refused with an error, for counters. */
  refused?(ofp: OfpErrorCode): void;
  /** Counters kept elsewhere (a tenant's virtual switch: on the physical switches) are fetched before flow or group statistics are read. */
  refreshCounters?(kind: 'flow' | 'group' | 'meter'): Promise<void>;
  /** Rules not in its tables that its FLOW and AGGREGATE statistics also report (a READ slice's view of the tenants it reads). */
  readRules?(): Rule[];
  /** The most groups it holds, for GROUP_FEATURES (default OFPG_MAX, as Open vSwitch). */
  readonly maxGroups?: number;
  /** The most meters it holds, for METER_FEATURES; unset or 0: it has no meter table (METER_MOD is OUT_OF_METERS, a meter instruction INVALID_METER). */
  readonly maxMeters?: number;
}

/** What carries one connection's bytes: TCP, or a simulated channel. */
export interface Transport {
  /** Sends one message; `droppable` ones (PACKET_IN) may be dropped when the peer is slow. Returns false if dropped. */
  send(bytes: Uint8Array, droppable: boolean): boolean;
  close(): void;
  /** For messages: "tcp 127.0.0.1:51234". */
  readonly label: string;
}

/** OVS's miss_send_len: 128 for a controller the switch connects to, 0 for a service connection (ptcp:, ovs-ofctl). */
export const MISS_SEND_LEN = { controller: 128, service: 0 } as const;
const N_TABLES = 254;
/** OFPC_*: FLOW_STATS, TABLE_STATS, PORT_STATS, GROUP_STATS, QUEUE_STATS, as Open vSwitch 3.1 reports. */
const CAPABILITIES = 0x4f;
/** METER_FEATURES' band types: a bit 1 << OFPMBT_* for each band netloom runs (drop 1, dscp_remark 2). */
const BAND_TYPE_BITS = BAND_TYPES.reduce((bits, _, i) => bits | (1 << (i + 1)), 0);
/**
 * What the group table can do: OVS 3.1's types (all four), capabilities (select weights, select
 * liveness, chaining) and max_groups, with the actions netloom's buckets run — output, group,
 * set_field, pop_vlan, push_vlan, set_queue, set_nw_ttl, dec_nw_ttl — where OVS also lists MPLS.
 */
const GROUP_ACTIONS = (1 << 0) | (1 << 17) | (1 << 18) | (1 << 21) | (1 << 22) | (1 << 23) | (1 << 24) | (1 << 25);
const groupFeatures = (max: number) => ({
  types: 0xf, capabilities: 0x7, maxGroupsAll: max, maxGroupsSelect: max, maxGroupsIndirect: max, maxGroupsFf: max,
  actionsAll: GROUP_ACTIONS, actionsSelect: GROUP_ACTIONS, actionsIndirect: GROUP_ACTIONS, actionsFf: GROUP_ACTIONS,
});
/** Counters a switch does not keep read as all ones (ovs-ofctl prints "?"). */
const UNKNOWN_COUNTER = 0xffffffffffffffffn;
/** Replies are split to stay below the 16-bit message length. */
const MAX_REPLY_BODY = 0xffff - 16;
/** Async message reasons a master or equal controller gets by default (OpenFlow 1.3.5 §7.3.10): packet-in no_match and action, every port status, flow removed by idle, hard, delete. */
export const DEFAULT_ASYNC = { packetInMaster: 0b011, packetInSlave: 0, portStatusMaster: 0b111, portStatusSlave: 0b111, flowRemovedMaster: 0b1111, flowRemovedSlave: 0 };

/** One controller connection's state. */
export class Connection {
  private readonly framer = new MessageFramer();
  private helloDone = false;
  private closed = false;
  role: number = OFPCR_ROLE.EQUAL;
  configFlags = 0;
  async = { ...DEFAULT_ASYNC };
  /** Messages received and refused (answered with ERROR), for tests and summaries. */
  errorsSent = 0;
  packetInsDropped = 0;
  /** Messages received and not yet handled, and the work the last one waits for. */
  private readonly held: Uint8Array[] = [];
  private waiting: Promise<void> | undefined;

  constructor(
    private readonly agent: SwitchAgent,
    readonly transport: Transport,
    public missSendLen: number,
  ) {
    this.send({ type: 'hello', xid: agent.nextXid(), elements: [{ type: 'versionbitmap', bitmaps: [1 << OFP_VERSION] }] });
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Bytes from the peer; any number of messages, or part of one. */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    let messages: Uint8Array[];
    try {
      messages = this.framer.push(chunk);
    } catch (e) {
      // A length below the header can never be resynchronised.
      this.send(errorFor(chunk, (e as OpenFlowError).ofp));
      this.close();
      return;
    }
    this.held.push(...messages);
    this.drain();
  }

  /** Handles held messages in order until one has to wait (hold). */
  private drain(): void {
    while (this.waiting === undefined && this.held.length > 0 && !this.closed) this.handle(this.held.shift()!);
  }

  /** The reply to the message being handled waits for `work`: later messages wait too, so replies keep their order (a BARRIER_REPLY never overtakes). */
  hold(work: Promise<void>): void {
    this.waiting = work;
    void work.finally(() => {
      this.waiting = undefined;
      this.drain();
    });
  }

  /** Bytes held towards an incomplete message (a peer that stalls mid-message). */
  get pending(): number {
    return this.framer.buffered;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
    this.agent.forget(this);
  }

  send(m: OfMessage, droppable = false): void {
    if (this.closed) return;
    if (!this.transport.send(encodeMessage(m), droppable)) this.packetInsDropped++;
  }

  private refuse(bytes: Uint8Array, ofp: OfpErrorCode): void {
    this.errorsSent++;
    this.agent.node.refused?.(ofp);
    this.send(errorFor(bytes, ofp));
  }

  private handle(bytes: Uint8Array): void {
    let m: OfMessage;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      if (!(e instanceof OpenFlowError)) throw e;
      this.refuse(bytes, e.ofp);
      return;
    }
    if (!this.helloDone) {
      if (m.type !== 'hello') {
        // OpenFlow 1.3.5 §6.3.1: the first message must be HELLO.
        this.refuse(bytes, { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_TYPE });
        this.close();
        return;
      }
      if (!supportsVersion4(m)) {
        this.send({ type: 'error', xid: m.xid, errorType: OFPET.HELLO_FAILED, code: OFPHFC.INCOMPATIBLE, data: new TextEncoder().encode('We support version 0x04, you support no version we know') });
        this.close();
        return;
      }
      this.helloDone = true;
      return;
    }
    const refusal = m.type === 'echo_request' || m.type === 'echo_reply' ? undefined : this.agent.node.admit?.(m);
    if (refusal !== undefined) {
      this.refuse(bytes, refusal);
      return;
    }
    try {
      this.agent.handle(this, m);
    } catch (e) {
      if (!(e instanceof OpenFlowError)) throw e;
      this.refuse(bytes, e.ofp);
    }
  }
}

/** A peer's HELLO offers 1.3: its bitmap has bit 4, or, with no bitmap, its version is 4 or later (OVS's ofputil_decode_hello). */
function supportsVersion4(m: MessageOf<'hello'>): boolean {
  const bitmap = m.elements.find((e) => e.type === 'versionbitmap');
  if (bitmap !== undefined && bitmap.type === 'versionbitmap') return ((bitmap.bitmaps[0] ?? 0) & (1 << OFP_VERSION)) !== 0;
  return (m.version ?? OFP_VERSION) >= OFP_VERSION;
}

/** OFPR_* on the wire: OpenFlow 1.3 has no action_set, group or packet_out reason, and OVS sends those as action. */
const PACKET_IN_REASON = { no_match: 0, action: 1, invalid_ttl: 2, action_set: 1, group: 1, packet_out: 1 } as const;
const REMOVED_REASON = { idle_timeout: OFPRR.IDLE_TIMEOUT, hard_timeout: OFPRR.HARD_TIMEOUT, delete: OFPRR.DELETE, group_delete: OFPRR.GROUP_DELETE } as const;
const WRITE_TYPES = new Set<OfMessage['type']>(['flow_mod', 'group_mod', 'port_mod', 'table_mod', 'meter_mod', 'packet_out']);

/** Open vSwitch enters fail-open after three inactivity probes (5 s each) without a controller. */
export const FAIL_OPEN_AFTER_NS = 15e9;
const TIMER_FAIL_OPEN = 1;

export class SwitchAgent implements SwitchEvents, EventHandler {
  private readonly connections = new Set<Connection>();
  /** Connections to controllers the switch connects to (not ptcp: tools). */
  private readonly controllers = new Set<Connection>();
  /** The switch has a controller configured: without one connected, its fail mode applies. */
  private expectsController = false;
  /** When the last controller went away (ns), or undefined while one is connected. */
  private lostAt: number | undefined;
  private xid = 0;
  /** Generation id of the last master/slave role request (OpenFlow 1.3.5 §6.3.6). */
  private generation: bigint | undefined;
  /** Per-table lookups and matches are the pipeline's; table features are built once. */
  private features: OfTableFeatures[] | undefined;

  constructor(readonly node: OpenFlowDatapath) {
    node.listen(this);
  }

  private readonly groupExists = (group: number): boolean => this.node.bridge.pipeline.group(group) !== undefined;
  private readonly meterExists = (meter: number): boolean => this.node.bridge.pipeline.meters.get(meter) !== undefined;

  nextXid(): number {
    this.xid = (this.xid + 1) >>> 0;
    return this.xid;
  }

  /** A new connection: `service` for tools that connect to the switch (ptcp:), `controller` for a controller it connects to. */
  connect(transport: Transport, kind: keyof typeof MISS_SEND_LEN = 'service'): Connection {
    const c = new Connection(this, transport, MISS_SEND_LEN[kind]);
    this.connections.add(c);
    if (kind === 'controller') {
      this.controllers.add(c);
      this.lostAt = undefined;
      this.node.bridge.pipeline.failOpen = false;
    }
    return c;
  }

  forget(c: Connection): void {
    this.connections.delete(c);
    if (this.controllers.delete(c) && this.controllers.size === 0) this.controllerLost();
  }

  /**
   * The switch has a controller configured (topology `controller:`): from now on, whenever none
   * is connected for 15 s, a standalone switch fails open (NORMAL, as ovs-vswitchd's fail-open
   * flow) until one connects again; a secure switch keeps its flows.
   */
  expectController(): void {
    this.expectsController = true;
    if (this.controllers.size === 0) this.controllerLost();
  }

  private controllerLost(): void {
    if (!this.expectsController) return;
    this.lostAt = this.now;
    if (this.node.failMode === 'standalone') this.node.net.scheduler.after(FAIL_OPEN_AFTER_NS, this, TIMER_FAIL_OPEN, undefined, this.lostAt);
  }

  onEvent(kind: number, _payload: unknown, lostAt: number): void {
    // Still without a controller since that loss: fail open.
    if (kind === TIMER_FAIL_OPEN && this.lostAt === lostAt && this.controllers.size === 0) this.node.bridge.pipeline.failOpen = true;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private get now(): number {
    return this.node.net.scheduler.now;
  }

  // ---- switch -> controller

  packetIn(bytes: Uint8Array, cause: PacketInCause): boolean {
    const reason = PACKET_IN_REASON[cause.reason];
    const match: Oxm[] = [{ field: 'in_port', value: BigInt(portToOfp(cause.words[W.IN_PORT]!)) }];
    // As OVS's flow_get_metadata: the pipeline fields that are not zero.
    for (const o of matchToOxm(pipelineMatch(cause.words))) if (o.field !== 'in_port') match.push(o);
    let taken = false;
    for (const c of this.connections) {
      if (!this.wantsAsync(c)) continue;
      const mask = c.role === OFPCR_ROLE.SLAVE ? c.async.packetInSlave : c.async.packetInMaster;
      if ((mask & (1 << reason)) === 0) continue;
      c.send({ type: 'packet_in', xid: 0, bufferId: OFP_NO_BUFFER, totalLen: cause.totalLen, reason, tableId: cause.table, cookie: cause.cookie, match, data: bytes }, true);
      taken = true;
    }
    return taken;
  }

  flowRemoved(rule: Rule, reason: keyof typeof REMOVED_REASON): void {
    if (((rule.flags ?? 0) & OFPFF.SEND_FLOW_REM) === 0) return;
    const code = REMOVED_REASON[reason];
    const { sec, nsec } = duration(this.now - rule.created);
    const m: OfMessage = {
      type: 'flow_removed', xid: 0, cookie: rule.cookie, priority: rule.priority, reason: code, tableId: rule.table, durationSec: sec, durationNsec: nsec,
      idleTimeout: rule.idleTimeout, hardTimeout: rule.hardTimeout, packetCount: BigInt(rule.packets), byteCount: BigInt(rule.bytes), match: matchToOxm(rule.match),
    };
    for (const c of this.connections) {
      if (!this.wantsAsync(c)) continue;
      const mask = c.role === OFPCR_ROLE.SLAVE ? c.async.flowRemovedSlave : c.async.flowRemovedMaster;
      if ((mask & (1 << code)) !== 0) c.send(m);
    }
  }

  /** PORT_STATUS to every connection that wants it, but `except` (the one whose PORT_MOD made the change). */
  portStatus(port: SwitchPortInfo, except?: Connection): void {
    const m: OfMessage = { type: 'port_status', xid: 0, reason: OFPPR.MODIFY, port: ofPort(port) };
    for (const c of this.connections) {
      if (c === except || !this.wantsAsync(c)) continue;
      const mask = c.role === OFPCR_ROLE.SLAVE ? c.async.portStatusSlave : c.async.portStatusMaster;
      if ((mask & (1 << OFPPR.MODIFY)) !== 0) c.send(m);
    }
  }

  /** OVS's ofconn_receives_async_msg: a tool's connection (ptcp:) with miss_send_len 0 gets no asynchronous messages. */
  private wantsAsync(c: Connection): boolean {
    return this.controllers.has(c) || c.missSendLen !== 0;
  }

  // ---- controller -> switch

  handle(c: Connection, m: OfMessage): void {
    if (c.role === OFPCR_ROLE.SLAVE && WRITE_TYPES.has(m.type)) throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.IS_SLAVE });
    switch (m.type) {
      case 'hello':
      case 'echo_reply':
      case 'error':
        return;
      case 'echo_request':
        c.send({ type: 'echo_reply', xid: m.xid, data: m.data });
        return;
      case 'features_request':
        c.send({ type: 'features_reply', xid: m.xid, datapathId: this.node.datapathId, nBuffers: 0, nTables: N_TABLES, auxiliaryId: 0, capabilities: CAPABILITIES, reserved: 0 });
        return;
      case 'get_config_request':
        c.send({ type: 'get_config_reply', xid: m.xid, flags: c.configFlags, missSendLen: c.missSendLen });
        return;
      case 'set_config':
        c.configFlags = m.flags;
        c.missSendLen = m.missSendLen;
        return;
      case 'barrier_request':
        // Every message is applied as it arrives, so all before the barrier are done.
        c.send({ type: 'barrier_reply', xid: m.xid });
        return;
      case 'flow_mod':
        this.flowMod(m);
        return;
      case 'packet_out':
        this.packetOut(m);
        return;
      case 'multipart_request':
        this.multipart(c, m);
        return;
      case 'role_request':
        this.role(c, m);
        return;
      case 'get_async_request':
        c.send({ type: 'get_async_reply', xid: m.xid, ...c.async });
        return;
      case 'set_async':
        c.async = { packetInMaster: m.packetInMaster, packetInSlave: m.packetInSlave, portStatusMaster: m.portStatusMaster, portStatusSlave: m.portStatusSlave, flowRemovedMaster: m.flowRemovedMaster, flowRemovedSlave: m.flowRemovedSlave };
        return;
      case 'table_mod':
        // OpenFlow 1.3 table config bits are deprecated; OVS accepts and ignores them.
        if (m.tableId >= N_TABLES && m.tableId !== OFPTT_ALL) throw refusal({ type: OFPET.TABLE_MOD_FAILED, code: 0 });
        return;
      case 'queue_get_config_request':
        c.send({ type: 'queue_get_config_reply', xid: m.xid, port: m.port, queues: this.requestedQueues(m.port, OFPQ_ALL).map(queueConfig) });
        return;
      case 'group_mod':
        this.groupMod(m);
        this.node.flowsChanged();
        return;
      case 'meter_mod':
        this.meterMod(m);
        this.node.flowsChanged();
        return;
      case 'port_mod':
        this.portMod(c, m);
        return;
      case 'experimenter':
        throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_EXPERIMENTER });
      default:
        // Switch-to-controller types and types 1.3 does not define.
        throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_TYPE });
    }
  }

  private applyFlowMod(m: MessageOf<'flow_mod'>): void {
    const pipeline = this.node.bridge.pipeline;
    const now = this.now;
    const deleting = m.command === OFPFC.DELETE || m.command === OFPFC.DELETE_STRICT;
    if (m.tableId >= N_TABLES && !(deleting && m.tableId === OFPTT_ALL) && !(m.command === OFPFC.MODIFY || m.command === OFPFC.MODIFY_STRICT) ) {
      throw refusal({ type: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.BAD_TABLE_ID });
    }
    if (m.command > OFPFC.DELETE_STRICT) throw refusal({ type: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.BAD_COMMAND });
    if (m.bufferId !== OFP_NO_BUFFER && !deleting) throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BUFFER_UNKNOWN });
    if (m.command === OFPFC.ADD) {
      const rule = ruleFrom(m, this.groupExists, this.meterExists);
      rule.flags = m.flags;
      if ((m.flags & OFPFF.CHECK_OVERLAP) !== 0 && overlaps(pipeline.table(m.tableId).rules(), rule)) throw refusal({ type: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.OVERLAP });
      pipeline.add(rule, now);
      if ((m.flags & OFPFF.RESET_COUNTS) !== 0) rule.packets = rule.bytes = 0;
      this.node.noteInstalled(`${[rule.table !== 0 && `table=${rule.table}`, `priority=${rule.priority}`, rule.matchText].filter(Boolean).join(',')} actions=${rule.actionsText}`);
      return;
    }
    const match = matchFromOxm(m.match, 'flow_mod');
    const strict = m.command === OFPFC.MODIFY_STRICT || m.command === OFPFC.DELETE_STRICT;
    const table = m.tableId === OFPTT_ALL ? undefined : m.tableId;
    let rules = pipeline.select(table, match, { strict, priority: m.priority, cookie: m.cookie, cookieMask: m.cookieMask });
    if (deleting) {
      rules = rules.filter((r) => outputsTo(r.actions, m.outPort) && sendsToGroup(r.actions, m.outGroup));
      pipeline.delete(rules);
      for (const r of rules) this.flowRemoved(r, 'delete');
      return;
    }
    // MODIFY: new instructions for every selected flow (OpenFlow 1.2+ never adds).
    const rule = ruleFrom({ ...m, tableId: table ?? 0 }, this.groupExists, this.meterExists);
    pipeline.modify(rules, rule.actions, rule.meter);
    if ((m.flags & OFPFF.RESET_COUNTS) !== 0) for (const r of rules) r.packets = r.bytes = 0;
  }

  private flowMod(m: MessageOf<'flow_mod'>): void {
    this.applyFlowMod(m);
    this.node.flowsChanged();
  }

  private packetOut(m: MessageOf<'packet_out'>): void {
    if (m.bufferId !== OFP_NO_BUFFER) throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BUFFER_UNKNOWN });
    const inPort = portFromOfp(m.inPort);
    if (inPort === undefined || (m.inPort > 0xfffeff00 && m.inPort !== OFPP.CONTROLLER && m.inPort !== OFPP.LOCAL)) throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_PORT });
    const actions = actionsFromPacketOut(m.actions, inPort, m.data, this.groupExists);
    this.node.packetOut(inPort, actions, m.data);
  }

  private role(c: Connection, m: { xid: number; role: number; generationId: bigint }): void {
    if (m.role !== OFPCR_ROLE.NOCHANGE && m.role !== OFPCR_ROLE.EQUAL) {
      if (m.role !== OFPCR_ROLE.MASTER && m.role !== OFPCR_ROLE.SLAVE) throw refusal({ type: OFPET.ROLE_REQUEST_FAILED, code: 2 /* BAD_ROLE */ });
      // A generation id older than the last one seen is stale (§6.3.6, compared as a signed distance).
      if (this.generation !== undefined && BigInt.asIntN(64, m.generationId - this.generation) < 0n) throw refusal({ type: OFPET.ROLE_REQUEST_FAILED, code: 0 /* STALE */ });
      this.generation = m.generationId;
      if (m.role === OFPCR_ROLE.MASTER) for (const other of this.connections) if (other !== c && other.role === OFPCR_ROLE.MASTER) other.role = OFPCR_ROLE.SLAVE;
    }
    if (m.role !== OFPCR_ROLE.NOCHANGE) c.role = m.role;
    c.send({ type: 'role_reply', xid: m.xid, role: c.role, generationId: this.generation ?? 0n });
  }

  // ---- groups

  /** GROUP_MOD as OVS 3.1 takes it (ofputil_decode_group_mod, then its group table), refused with the same errors. */
  private groupMod(m: MessageOf<'group_mod'>): void {
    const pipeline = this.node.bridge.pipeline;
    const buckets = bucketsFromOfp(m.buckets);
    // OpenFlow 1.3.5: a delete carries no buckets.
    if (m.command === OFPGC.DELETE && buckets.length > 0) throw refusal({ type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.INVALID_GROUP });
    const type = GROUP_TYPES[m.groupType];
    if (type === undefined) throw refusal({ type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.BAD_TYPE });
    if (m.command === OFPGC.DELETE) {
      for (const rule of pipeline.deleteGroups(m.groupId === OFPG_ALL ? 'all' : m.groupId).rules) this.flowRemoved(rule, 'group_delete');
      return;
    }
    if (m.command !== OFPGC.ADD && m.command !== OFPGC.MODIFY) throw refusal({ type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.BAD_COMMAND });
    const group: Group = { id: m.groupId, type, buckets, packets: 0, bytes: 0, created: 0 };
    try {
      if (m.command === OFPGC.ADD) pipeline.addGroup(group, this.now);
      else pipeline.modifyGroup(group);
    } catch (e) {
      if (!(e instanceof GroupError)) throw e;
      throw refusal(e.ofp === 'BAD_OUT_GROUP' ? { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_OUT_GROUP } : { type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC[e.ofp] });
    }
  }

  // ---- meters

  /**
   * METER_MOD as OVS 3.1 takes it (ofputil_decode_meter_mod, handle_meter_mod, its meter table),
   * refused with the same errors, with one difference: dscp_remark bands are run, where OVS's
   * userspace datapath refuses them (BAD_BAND). A deleted meter takes its flows with it; OpenFlow
   * 1.3 has no reason for that, and OVS reports them removed by delete.
   */
  private meterMod(m: MessageOf<'meter_mod'>): void {
    const pipeline = this.node.bridge.pipeline;
    if (m.command !== OFPMC.ADD && m.command !== OFPMC.MODIFY && m.command !== OFPMC.DELETE) throw refusal({ type: OFPET.METER_MOD_FAILED, code: OFPMMFC.BAD_COMMAND });
    if ((this.node.maxMeters ?? 0) === 0) throw refusal({ type: OFPET.METER_MOD_FAILED, code: OFPMMFC.OUT_OF_METERS });
    if (m.command === OFPMC.DELETE) {
      // Meter 0 names none (OVS).
      if (m.meterId === 0) return;
      for (const rule of pipeline.deleteMeters(m.meterId === OFPM_ALL ? 'all' : m.meterId).rules) this.flowRemoved(rule, 'delete');
      return;
    }
    if ((m.flags & OFPMF.KBPS) !== 0 && (m.flags & OFPMF.PKTPS) !== 0) throw refusal({ type: OFPET.METER_MOD_FAILED, code: OFPMMFC.BAD_FLAGS });
    const bands = m.bands.map((b) => {
      if (b.type !== 'drop' && b.type !== 'dscp_remark') throw refusal({ type: OFPET.METER_MOD_FAILED, code: OFPMMFC.BAD_BAND });
      return band(b.type, b.rate, b.burstSize, b.type === 'dscp_remark' ? b.precLevel : 0);
    });
    const meter: Meter = { id: m.meterId, flags: m.flags, bands, packets: 0, bytes: 0, created: 0, used: 0, maxElapsed: 0 };
    try {
      if (m.command === OFPMC.ADD) pipeline.meters.add(meter, this.now);
      else pipeline.meters.modify(meter, this.now);
    } catch (e) {
      if (!(e instanceof MeterError)) throw e;
      throw refusal({ type: OFPET.METER_MOD_FAILED, code: OFPMMFC[e.ofp] });
    }
  }

  /** The meters a METER or METER_CONFIG request names: every one (OFPM_ALL), else that one (UNKNOWN_METER when there is none, as OVS). */
  private requestedMeters(id: number): Meter[] {
    const meters = this.node.bridge.pipeline.meters;
    if (id === OFPM_ALL) return meters.all();
    const meter = meters.get(id);
    if (meter === undefined) throw refusal({ type: OFPET.METER_MOD_FAILED, code: OFPMMFC.UNKNOWN_METER });
    return [meter];
  }

  /** GROUP statistics of one group (none if it does not exist) or all (OFPG_ALL). */
  private groupStats(id: number): OfGroupStats[] {
    const p = this.node.bridge.pipeline;
    const groups = id === OFPG_ALL ? p.allGroups() : [p.group(id)].filter((g): g is Group => g !== undefined);
    return groups.map((g) => {
      const { sec, nsec } = duration(this.now - g.created);
      return {
        groupId: g.id, refCount: p.groupRefs(g.id), packetCount: BigInt(g.packets), byteCount: BigInt(g.bytes), durationSec: sec, durationNsec: nsec,
        buckets: g.buckets.map((b) => ({ packetCount: BigInt(b.packets), byteCount: BigInt(b.bytes) })),
      };
    });
  }

  private groupDescs(): OfGroupDesc[] {
    return this.node.bridge.pipeline.allGroups().map((g) => ({ type: GROUP_TYPES.indexOf(g.type), groupId: g.id, buckets: bucketsToOfp(g.buckets) }));
  }

  // ---- ports

  /**
   * PORT_MOD as OVS 3.1 takes it (ofputil_decode_port_mod, port_mod_start, port_mod_finish): a port
   * number in the range OpenFlow 1.3 leaves unused is BAD_OUT_PORT, a port the switch lacks
   * BAD_PORT, a hw_addr not the port's BAD_HW_ADDR; advertise is ignored (netloom ports have no
   * features). The change goes as PORT_STATUS to every connection but this one: before OpenFlow
   * 1.5 the one that asked is not told, as OVS's connmgr_send_port_status.
   */
  private portMod(c: Connection, m: MessageOf<'port_mod'>): void {
    const number = portFromOfp(m.portNo);
    if (number === undefined) throw refusal({ type: OFPET.BAD_ACTION, code: OFPBAC.BAD_OUT_PORT });
    const port = this.node.portInfo().find((p) => p.number === number);
    if (port === undefined) throw refusal({ type: OFPET.PORT_MOD_FAILED, code: OFPPMFC.BAD_PORT });
    if (port.mac !== m.hwAddr) throw refusal({ type: OFPET.PORT_MOD_FAILED, code: OFPPMFC.BAD_HW_ADDR });
    const changed = this.node.modPort(number, m.config, m.mask);
    if (changed === undefined) return;
    this.portStatus(changed, c);
  }

  // ---- statistics

  private multipart(c: Connection, m: MessageOf<'multipart_request'>): void {
    const body = m.body;
    const reply = (bodies: MultipartReplyBody[]) => bodies.forEach((b, i) => c.send({ type: 'multipart_reply', xid: m.xid, flags: i < bodies.length - 1 ? OFPMPF_MORE : 0, body: b }));
    switch (body.kind) {
      case 'desc':
        reply([{ kind: 'desc', desc: { mfrDesc: 'netloom', hwDesc: 'netloom emulated switch', swDesc: 'netloom', serialNum: 'None', dpDesc: this.node.name } }]);
        return;
      case 'flow':
      case 'aggregate': {
        const answer = () => {
          const flows = this.flowStats(body);
          if (body.kind === 'flow') reply(split(flows, flowStatsSize, (f) => ({ kind: 'flow', flows: f })));
          else reply([{ kind: 'aggregate', stats: { packetCount: flows.reduce((n, f) => n + f.packetCount, 0n), byteCount: flows.reduce((n, f) => n + f.byteCount, 0n), flowCount: flows.length } }]);
        };
        this.whenCounted(c, 'flow', answer);
        return;
      }
      case 'table': {
        const p = this.node.bridge.pipeline;
        const tables = Array.from({ length: N_TABLES }, (_, id) => ({ tableId: id, activeCount: p.table(id).size, lookupCount: BigInt(p.lookups[id]!), matchedCount: BigInt(p.matches[id]!) }));
        reply(split(tables, () => 24, (t) => ({ kind: 'table', tables: t })));
        return;
      }
      case 'port_stats': {
        const ports = this.node.portInfo().filter((p) => body.portNo === OFPP.ANY || portToOfp(p.number) === body.portNo);
        if (ports.length === 0) throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_PORT });
        reply(split(ports.map((p) => this.portStats(p)), () => 112, (s) => ({ kind: 'port_stats', ports: s })));
        return;
      }
      case 'port_desc':
        reply(split(this.node.portInfo().map(ofPort), () => 64, (ports) => ({ kind: 'port_desc', ports })));
        return;
      case 'table_features':
        if (body.tables.length > 0) throw refusal({ type: OFPET.TABLE_FEATURES_FAILED, code: 5 /* EPERM */ });
        this.features ??= tableFeatures();
        reply(split(this.features, featuresSize, (tables) => ({ kind: 'table_features', tables })));
        return;
      case 'queue': {
        const { sec, nsec } = duration(this.now);
        const stats = this.requestedQueues(body.portNo, body.queueId).map(({ port, queue }): OfQueueStats => ({
          portNo: portToOfp(port), queueId: queue.id, txBytes: BigInt(queue.txBytes), txPackets: BigInt(queue.txPackets), txErrors: BigInt(queue.drops), durationSec: sec, durationNsec: nsec,
        }));
        reply(split(stats, () => 40, (queues) => ({ kind: 'queue', queues })));
        return;
      }
      case 'group':
        this.whenCounted(c, 'group', () => reply(split(this.groupStats(body.groupId), (g) => 40 + 16 * g.buckets.length, (groups) => ({ kind: 'group', groups }))));
        return;
      case 'group_desc':
        reply(split(this.groupDescs(), groupDescSize, (groups) => ({ kind: 'group_desc', groups })));
        return;
      case 'group_features':
        reply([{ kind: 'group_features', features: groupFeatures(this.node.maxGroups ?? OFPG_MAX) }]);
        return;
      case 'meter': {
        const requested = this.requestedMeters(body.meterId);
        const answer = () => {
          const meters = requested.map((mt): OfMeterStats => {
            const { sec, nsec } = duration(this.now - mt.created);
            return {
              meterId: mt.id, flowCount: this.node.bridge.pipeline.meterFlows(mt.id), packetInCount: BigInt(mt.packets), byteInCount: BigInt(mt.bytes), durationSec: sec, durationNsec: nsec,
              bands: mt.bands.map((b) => ({ packetBandCount: BigInt(b.packets), byteBandCount: BigInt(b.bytes) })),
            };
          });
          reply(split(meters, (mt) => 40 + 16 * mt.bands.length, (ms) => ({ kind: 'meter', meters: ms })));
        };
        this.whenCounted(c, 'meter', answer);
        return;
      }
      case 'meter_config': {
        const configs = this.requestedMeters(body.meterId).map((mt): OfMeterConfig => ({ flags: mt.flags, meterId: mt.id, bands: bandsToOfp(mt.bands) }));
        reply(split(configs, (mt) => 8 + 16 * mt.bands.length, (ms) => ({ kind: 'meter_config', meters: ms })));
        return;
      }
      case 'meter_features': {
        const max = this.node.maxMeters ?? 0;
        // OVS's userspace datapath reports drop bands only; netloom runs dscp_remark too.
        const features = max === 0 ? { maxMeter: 0, bandTypes: 0, capabilities: 0, maxBands: 0, maxColor: 0 } : { maxMeter: max, bandTypes: BAND_TYPE_BITS, capabilities: SUPPORTED_FLAGS, maxBands: MAX_BANDS, maxColor: 0 };
        reply([{ kind: 'meter_features', features }]);
        return;
      }
      case 'experimenter':
      case 'unknown':
        throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_MULTIPART });
    }
  }

  /** Answers once counters kept elsewhere are fetched; later messages wait, so replies keep their order. */
  private whenCounted(c: Connection, kind: 'flow' | 'group' | 'meter', answer: () => void): void {
    const fetching = this.node.refreshCounters?.(kind);
    if (fetching === undefined) answer();
    else c.hold(fetching.then(answer));
  }

  private flowStats(body: MultipartRequestBody & { kind: 'flow' | 'aggregate' }): OfFlowStats[] {
    const pipeline = this.node.bridge.pipeline;
    const now = this.now;
    this.node.bridge.pipeline.expire(now);
    if (body.tableId !== OFPTT_ALL && body.tableId >= N_TABLES) throw refusal({ type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_TABLE_ID });
    const match = matchFromOxm(body.match, 'multipart_request');
    const table = body.tableId === OFPTT_ALL ? undefined : body.tableId;
    const read = (this.node.readRules?.() ?? []).filter((r) => selects(r, table, match, body.cookie, body.cookieMask));
    const rules = [...pipeline.select(table, match, { cookie: body.cookie, cookieMask: body.cookieMask }), ...read].filter((r) => outputsTo(r.actions, body.outPort) && sendsToGroup(r.actions, body.outGroup));
    return rules.map((r) => {
      const { sec, nsec } = duration(now - r.created);
      return {
        tableId: r.table, durationSec: sec, durationNsec: nsec, priority: r.priority, idleTimeout: r.idleTimeout, hardTimeout: r.hardTimeout,
        flags: r.flags ?? 0, cookie: r.cookie, packetCount: BigInt(r.packets), byteCount: BigInt(r.bytes), match: matchToOxm(r.match),
        instructions: actionsToInstructions(r.actions, r.match, r.meter),
      };
    });
  }

  /**
   * The egress queues a queue request names, as OVS's handle_queue_stats_request and
   * handle_queue_get_config_request find them: every port for ANY, else that port (BAD_PORT
   * when there is none); every queue for OFPQ_ALL, else that one (BAD_QUEUE when no port named
   * has it). A port without queues has none to list.
   */
  private requestedQueues(portNo: number, queueId: number): PortQueue[] {
    const ports = this.node.portInfo().filter((p) => portNo === OFPP.ANY || portToOfp(p.number) === portNo);
    if (ports.length === 0) throw refusal({ type: OFPET.QUEUE_OP_FAILED, code: OFPQOFC.BAD_PORT });
    const out: PortQueue[] = [];
    for (const p of ports) {
      const queues = this.node.queues?.(p.number) ?? [];
      const total = queues.reduce((sum, q) => sum + q.weight, 0);
      for (const queue of queues) if (queueId === OFPQ_ALL || queue.id === queueId) out.push({ port: p.number, queue, total });
    }
    if (out.length === 0 && queueId !== OFPQ_ALL) throw refusal({ type: OFPET.QUEUE_OP_FAILED, code: OFPQOFC.BAD_QUEUE });
    return out;
  }

  private portStats(p: SwitchPortInfo): OfPortStats {
    const { sec, nsec } = duration(this.now);
    const c = p.counters;
    return {
      portNo: portToOfp(p.number), rxPackets: BigInt(c.rxPackets), txPackets: BigInt(c.txPackets), rxBytes: BigInt(c.rxBytes), txBytes: BigInt(c.txBytes),
      rxDropped: UNKNOWN_COUNTER, txDropped: UNKNOWN_COUNTER, rxErrors: UNKNOWN_COUNTER, txErrors: UNKNOWN_COUNTER, rxFrameErr: UNKNOWN_COUNTER,
      rxOverErr: UNKNOWN_COUNTER, rxCrcErr: UNKNOWN_COUNTER, collisions: UNKNOWN_COUNTER, durationSec: sec, durationNsec: nsec,
    };
  }
}

/** OFPQ_ALL: every queue of a port. */
const OFPQ_ALL = 0xffffffff;

/** A queue of a port, and the sum of the port's queue weights it shares the link with. */
interface PortQueue {
  port: number;
  queue: EgressQueue;
  total: number;
}

/**
 * A queue as QUEUE_GET_CONFIG_REPLY describes it. Its min_rate (tenths of a percent) is the share
 * deficit round robin guarantees it while it is backlogged; OVS's own queues report no
 * properties ("none of the existing queues have compatible properties").
 */
function queueConfig({ port, queue, total }: PortQueue): OfPacketQueue {
  return { queueId: queue.id, port: portToOfp(port), properties: [{ type: 'min_rate', rate: Math.floor((1000 * queue.weight) / total) }] };
}

function refusal(ofp: OfpErrorCode): OpenFlowError {
  return new OpenFlowError('NETLOOM_OF_BAD_VALUE', 'refused', 'request', 0, ofp);
}

/** ns -> whole seconds and the nanoseconds past them; OVS reports whole milliseconds. */
function duration(ns: number): { sec: number; nsec: number } {
  const ms = Math.max(0, Math.floor(ns / 1e6));
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}

/** A match on the pipeline fields of these words that are not zero (metadata, registers, tunnel). */
function pipelineMatch(words: Uint32Array): Match {
  const m = new Match();
  const set = (word: number) => {
    if (words[word] !== 0) m.set(word, words[word]!, 0xffffffff);
  };
  for (let i = 0; i < 2; i++) set(W.METADATA + i);
  for (let i = 0; i < 16; i++) set(W.REG0 + i);
  for (let i = 0; i < 2; i++) set(W.TUN_ID + i);
  set(W.TUN_SRC);
  set(W.TUN_DST);
  return m;
}

/** OVS's ofpacts_output_to_port: the flow outputs to `port` (ANY: every flow), write_actions included. */
function outputsTo(actions: readonly Action[], port: number): boolean {
  if (port === OFPP.ANY) return true;
  const want = portFromOfp(port);
  return actions.some((a) => {
    switch (a.type) {
      case 'output':
      case 'enqueue':
        return a.port === want;
      case 'in_port':
        return port === OFPP.IN_PORT;
      case 'normal':
        return port === OFPP.NORMAL;
      case 'flood':
        return port === OFPP.FLOOD;
      case 'all':
        return port === OFPP.ALL;
      case 'controller':
        return port === OFPP.CONTROLLER;
      case 'write_actions':
        return outputsTo(a.actions, port);
      default:
        return false;
    }
  });
}


/** OVS's ofpacts_output_to_group: the flow sends to `group` (ANY: every flow). */
function sendsToGroup(actions: readonly Action[], group: number): boolean {
  return group === OFPG_ANY || usesGroup(actions, (g) => g === group);
}

/** Two rules of one priority overlap when some packet could match both (OFPFF_CHECK_OVERLAP). */
function overlaps(existing: readonly Rule[], rule: Rule): boolean {
  return existing.some((r) => {
    if (r.priority !== rule.priority) return false;
    for (let i = 0; i < r.match.masks.length; i++) {
      const both = r.match.masks[i]! & rule.match.masks[i]!;
      if (((r.match.values[i]! ^ rule.match.values[i]!) & both) !== 0) return false;
    }
    return true;
  });
}

function ofPort(p: SwitchPortInfo): OfPort {
  return {
    portNo: portToOfp(p.number), hwAddr: p.mac, name: p.name.slice(0, 15), config: p.config, state: (p.linkDown ? OFPPS.LINK_DOWN : 0) | (p.live ? OFPPS.LIVE : 0),
    curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0,
  };
}

/** Splits entries into reply bodies that each fit one message; always at least one (possibly empty) body. */
function split<T>(items: readonly T[], size: (item: T) => number, body: (items: T[]) => MultipartReplyBody): MultipartReplyBody[] {
  const out: MultipartReplyBody[] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (bytes + n > MAX_REPLY_BODY && chunk.length > 0) {
      out.push(body(chunk));
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += n;
  }
  out.push(body(chunk));
  return out;
}

function flowStatsSize(f: OfFlowStats): number {
  const bytes = encodeMessage({ type: 'multipart_reply', xid: 0, flags: 0, body: { kind: 'flow', flows: [f] } });
  return bytes.length - 16;
}

function groupDescSize(g: OfGroupDesc): number {
  return encodeMessage({ type: 'multipart_reply', xid: 0, flags: 0, body: { kind: 'group_desc', groups: [g] } }).length - 16;
}

function featuresSize(t: OfTableFeatures): number {
  return encodeMessage({ type: 'multipart_reply', xid: 0, flags: 0, body: { kind: 'table_features', tables: [t] } }).length - 16;
}

/** What every table can do, as OVS describes its tables (254 of them, each able to go to any later one). */
function tableFeatures(): OfTableFeatures[] {
  const header = (d: { oxmClass: number; field: number; bytes: number }, masked: boolean) => ({ header: ((d.oxmClass << 16) | (d.field << 9) | (masked ? 0x100 : 0) | (masked ? 2 * d.bytes : d.bytes)) >>> 0 });
  const matchable = OXM_FIELDS.filter((d) => MATCHED.has(d.name));
  const settable = OXM_FIELDS.filter((d) => SETTABLE.has(d.name));
  const ids = (types: number[]) => types.map((type) => ({ type, body: new Uint8Array(0) }));
  const actions = ids([0, 17, 18, 21, 22, 23, 24, 25]);
  return Array.from({ length: N_TABLES }, (_, t): OfTableFeatures => {
    const instructions = ids(t < N_TABLES - 1 ? [1, 2, 3, 4, 5] : [2, 3, 4, 5]);
    const next = Array.from({ length: N_TABLES - 1 - t }, (_, k) => t + 1 + k);
    const props: OfTableFeatureProperty[] = [];
    for (const miss of [false, true]) {
      const plus = miss ? 1 : 0;
      props.push({ propType: OFPTFPT.INSTRUCTIONS + plus, kind: 'ids', ids: instructions });
      props.push({ propType: OFPTFPT.NEXT_TABLES + plus, kind: 'tables', tableIds: next });
      props.push({ propType: OFPTFPT.WRITE_ACTIONS + plus, kind: 'ids', ids: actions });
      props.push({ propType: OFPTFPT.APPLY_ACTIONS + plus, kind: 'ids', ids: actions });
    }
    props.push({ propType: OFPTFPT.MATCH, kind: 'oxm', oxmIds: matchable.map((d) => header(d, d.maskable)) });
    props.push({ propType: OFPTFPT.WILDCARDS, kind: 'oxm', oxmIds: matchable.map((d) => header(d, false)) });
    for (const type of [OFPTFPT.WRITE_SETFIELD, OFPTFPT.WRITE_SETFIELD_MISS, OFPTFPT.APPLY_SETFIELD, OFPTFPT.APPLY_SETFIELD_MISS]) {
      props.push({ propType: type, kind: 'oxm', oxmIds: settable.map((d) => header(d, false)) });
    }
    return { tableId: t, name: '', metadataMatch: 0xffffffffffffffffn, metadataWrite: 0xffffffffffffffffn, config: 0, maxEntries: 1000000, properties: props };
  });
}

/** The OXM fields the switch matches on, and those it can set (flows.ts maps them onto its own fields). */
const MATCHED = new Set(['in_port', 'metadata', 'eth_dst', 'eth_src', 'eth_type', 'vlan_vid', 'vlan_pcp', 'ip_dscp', 'ip_ecn', 'ip_proto', 'ipv4_src', 'ipv4_dst',
  'tcp_src', 'tcp_dst', 'udp_src', 'udp_dst', 'sctp_src', 'sctp_dst', 'icmpv4_type', 'icmpv4_code', 'arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha',
  'ipv6_src', 'ipv6_dst', 'ipv6_flabel', 'tunnel_id', ...Array.from({ length: 16 }, (_, i) => `reg${i}`), 'nw_ttl', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_flags', 'tun_gbp_id', 'tun_gbp_flags',
  'icmpv6_type', 'icmpv6_code', 'ipv6_nd_target', 'ipv6_nd_sll', 'ipv6_nd_tll', 'nd_reserved', 'nd_options_type', 'mpls_label', 'mpls_tc', 'mpls_bos', 'mpls_ttl', 'ip_frag', 'pkt_mark', ...Array.from({ length: 8 }, (_, i) => `xreg${i}`), ...Array.from({ length: 4 }, (_, i) => `xxreg${i}`)]);
const SETTABLE = new Set([...MATCHED].filter((n) => n !== 'in_port' && n !== 'eth_type' && n !== 'ip_proto' && n !== 'ip_frag' && n !== 'mpls_bos'));
